import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from 'zod';
import { invocationDeadline } from '../deadline';
import { DEFERRED, PermanentError, RetryableError } from '../errors';
import { errorFields } from '../log';
import { METRIC, MetricUnit } from '../metrics';
import { redact } from '../redact';

export interface RecordMeta {
  readonly messageId: string;
  readonly receiveCount: number;
  readonly groupId: string | undefined;
  readonly sentAt: Date | undefined;
  /** The Lambda invocation the record arrived in (records of one batch share it). */
  readonly invocationId: string;
}

export interface FifoConsumerOptions<S extends z.ZodType> {
  readonly logger: Logger;
  /** Published after every invocation (EMF); errors are counted by kind. */
  readonly metrics?: Metrics;
  readonly schema: S;
  readonly sqs: SQSClient;
  /** The queue's own DLQ: permanent failures are parked there at once, with their reason. */
  readonly dlqUrl: string;
  readonly handle: (message: z.infer<S>, meta: RecordMeta) => Promise<void>;
  /** Message groups handled at the same time within one batch (default 10). */
  readonly groupConcurrency?: number;
  /** No record is started with less than this left of the invocation (default 10 s). */
  readonly startMarginMs?: number;
  /** The HTTP clients' deadline is the remaining time less this (default 3 s). */
  readonly deadlineMarginMs?: number;
  /**
   * How long a message waits after a failure no single message can fix (credentials refused, no
   * permission): default 300 s. It stays in the queue, not in the DLQ.
   */
  readonly systemicDelaySeconds?: number;
}

const metaOf = (record: SQSRecord, invocationId: string): RecordMeta => ({
  invocationId,
  messageId: record.messageId,
  receiveCount: Number(record.attributes.ApproximateReceiveCount ?? '1'),
  groupId: record.attributes.MessageGroupId,
  sentAt: record.attributes.SentTimestamp ? new Date(Number(record.attributes.SentTimestamp)) : undefined,
});

/**
 * Failures that no message can fix and every message would meet (design: they must not park messages one by
 * one): Creatio or OpenCX refusing the credentials (`auth`: invalid_client, 401 after a fresh token) or
 * every write (`forbidden`, 403).
 */
export const isSystemicFailure = (error: unknown): boolean => error instanceof PermanentError && (error.kind === 'auth' || error.kind === 'forbidden');

/**
 * Parks a message that no retry will fix in the DLQ with its reason as message attributes, so the
 * operator sees why (`npm run ops -- status`) and can redrive once the cause is fixed.
 */
export const parkInDlq = async (sqs: SQSClient, dlqUrl: string, record: SQSRecord, error: PermanentError): Promise<void> => {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: record.body,
      MessageGroupId: record.attributes.MessageGroupId ?? 'parked',
      MessageDeduplicationId: `${record.attributes.MessageDeduplicationId ?? record.messageId}`.slice(0, 100) + '-parked',
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: redact(error.message).slice(0, 1000) || 'permanent error' },
        errorKind: { DataType: 'String', StringValue: error.kind },
        ...(error.status ? { downstreamStatus: { DataType: 'Number', StringValue: String(error.status) } } : {}),
        failedAt: { DataType: 'String', StringValue: new Date().toISOString() },
      },
    }),
  );
};

/** Records by message group, each group in queue order (a record without a group is its own group). */
export const groupsOf = (records: readonly SQSRecord[]): SQSRecord[][] => {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const key = record.attributes.MessageGroupId ?? `\u0000${record.messageId}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  return [...groups.values()];
};

/** Runs `work` over `items` with at most `limit` at a time. */
const eachBounded = async <T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
};

type RecordOutcome = 'done' | 'retry' | 'systemic';

/** SQS takes whole seconds, 0 to 12 hours; a wait is rounded up so that the message never comes back early. */
export const retryDelaySeconds = (waitMs: number): number => Math.min(43_200, Math.max(1, Math.ceil(waitMs / 1000)));

/**
 * SQS FIFO consumer. Records of different message groups (conversations) are handled concurrently (bounded),
 * records of one group strictly in order; after a failure in a group the rest of that group is reported
 * failed too, so order is kept (FIFO-safe). Retryable errors go back to the queue (redrive policy → DLQ after
 * maxReceiveCount); permanent errors are parked in the DLQ at once with their reason. Failures no message can
 * fix (credentials, permissions) park nothing: the batch stops, its messages wait `systemicDelaySeconds` in the
 * queue, and flow again once the cause is fixed. Within the invocation's time budget: no record starts when
 * too little time is left, and the unstarted ones are reported failed so that only they come back.
 */
export const createFifoConsumer = <S extends z.ZodType>(options: FifoConsumerOptions<S>) => {
  const { logger, metrics } = options;
  const countError = (name: string, kind: string) => metrics?.singleMetric().addDimension('kind', kind).addMetric(name, MetricUnit.Count, 1);
  const queueUrls = new Map<string, Promise<string | undefined>>();
  const queueUrlOf = (record: SQSRecord): Promise<string | undefined> => {
    const name = record.eventSourceARN?.split(':').pop();
    if (!name) return Promise.resolve(undefined);
    let found = queueUrls.get(name);
    if (!found) {
      found = options.sqs.send(new GetQueueUrlCommand({ QueueName: name })).then(
        (answer) => answer.QueueUrl,
        () => {
          queueUrls.delete(name);
          return undefined;
        },
      );
      queueUrls.set(name, found);
    }
    return found;
  };

  /** Holds a message back in the queue for `seconds` (best effort: without it, the visibility timeout applies). */
  const delay = async (record: SQSRecord, seconds: number): Promise<void> => {
    try {
      const url = await queueUrlOf(record);
      if (url) await options.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }));
    } catch (error) {
      logger.warn('could not delay message', { messageId: record.messageId, ...errorFields(error) });
    }
  };

  const retryAfterMs = new Map<string, number>();
  const handleRecord = async (record: SQSRecord, invocationId: string): Promise<RecordOutcome> => {
    const meta = metaOf(record, invocationId);
    let json: unknown;
    try {
      json = JSON.parse(record.body);
    } catch {
      json = undefined;
    }
    const parsed = options.schema.safeParse(json);
    try {
      if (!parsed.success) throw new PermanentError('The queued message does not match the queue contract', { kind: 'bad_message' });
      await options.handle(parsed.data, meta);
      return 'done';
    } catch (error) {
      if (error instanceof RetryableError && error.kind === DEFERRED && error.retryAfterMs !== undefined) {
        logger.info('message waits to be synced with the ones that follow', { messageId: meta.messageId, groupId: meta.groupId, waitMs: error.retryAfterMs });
        retryAfterMs.set(record.messageId, error.retryAfterMs);
        return 'retry';
      }
      const kind = (error as { kind?: unknown }).kind;
      countError(METRIC.syncErrors, typeof kind === 'string' ? kind : 'unexpected');
      if (isSystemicFailure(error)) {
        logger.error('credentials or permissions refused: messages wait in the queue until fixed', { messageId: meta.messageId, groupId: meta.groupId, ...errorFields(error) });
        return 'systemic';
      }
      if (error instanceof PermanentError) {
        countError(METRIC.messagesParked, error.kind);
        logger.error('parking message in DLQ', { messageId: meta.messageId, groupId: meta.groupId, ...errorFields(error) });
        await parkInDlq(options.sqs, options.dlqUrl, record, error);
        return 'done';
      }
      logger.warn('will retry message', { messageId: meta.messageId, groupId: meta.groupId, receiveCount: meta.receiveCount, ...errorFields(error) });
      // A known wait (the shared OpenCX budget, Retry-After) brings the message back then, not after the visibility timeout.
      if (error instanceof RetryableError && error.retryAfterMs !== undefined) retryAfterMs.set(record.messageId, error.retryAfterMs);
      return 'retry';
    }
  };

  const lambdaHandler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const remaining = () => (typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY);
    const budget = remaining();
    // Margins shrink with a short function timeout (a quarter and a tenth of it at most).
    const startMarginMs = Math.min(options.startMarginMs ?? 10_000, budget / 4);
    const deadlineMarginMs = Math.min(options.deadlineMarginMs ?? 3_000, budget / 10);
    const deadline = Number.isFinite(budget) ? Date.now() + budget - deadlineMarginMs : undefined;
    const failed = new Set<string>();
    const waits: { record: SQSRecord; seconds: number }[] = [];
    let systemic = false;
    try {
      await invocationDeadline.run(deadline, () =>
        eachBounded(groupsOf(event.Records), options.groupConcurrency ?? 10, async (group) => {
          for (const [i, record] of group.entries()) {
            const outcome: RecordOutcome = systemic ? 'systemic' : remaining() < startMarginMs ? 'retry' : await handleRecord(record, context.awsRequestId);
            if (outcome === 'done') continue;
            if (outcome === 'systemic') systemic = true;
            // FIFO-safe: the rest of this group fails with it (and comes back in order).
            for (const rest of group.slice(i)) failed.add(rest.messageId);
            const waitMs = retryAfterMs.get(record.messageId);
            retryAfterMs.delete(record.messageId);
            if (outcome === 'retry' && waitMs !== undefined) waits.push(...group.slice(i).map((rest) => ({ record: rest, seconds: retryDelaySeconds(waitMs) })));
            return;
          }
        }),
      );
      if (systemic) {
        countError(METRIC.syncErrors, 'systemic_backoff');
        const seconds = options.systemicDelaySeconds ?? 300;
        await Promise.all(event.Records.filter((record) => failed.has(record.messageId)).map((record) => delay(record, seconds)));
      } else if (waits.length) {
        await Promise.all(waits.map(({ record, seconds }) => delay(record, seconds)));
      }
      return { batchItemFailures: event.Records.filter((record) => failed.has(record.messageId)).map((record) => ({ itemIdentifier: record.messageId })) };
    } finally {
      // An invocation with nothing to count (e.g. only skipped events) publishes nothing.
      if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };

  return middy(lambdaHandler).use(injectLambdaContext(logger));
};
