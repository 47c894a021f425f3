import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from 'zod';
import { PermanentError } from '../errors';
import { errorFields } from '../log';
import { redact } from '../redact';
import { METRIC, MetricUnit } from '../metrics';

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
}

const metaOf = (record: SQSRecord, invocationId: string): RecordMeta => ({
  invocationId,
  messageId: record.messageId,
  receiveCount: Number(record.attributes.ApproximateReceiveCount ?? '1'),
  groupId: record.attributes.MessageGroupId,
  sentAt: record.attributes.SentTimestamp ? new Date(Number(record.attributes.SentTimestamp)) : undefined,
});

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

/**
 * SQS FIFO consumer: records of a group are handled in order; after the first failure in a group the
 * rest of that group is reported failed too (Powertools FIFO processor, skipGroupOnError), so order is
 * kept. Retryable errors go back to the queue (redrive policy → DLQ after maxReceiveCount); permanent
 * errors are parked in the DLQ at once with their reason.
 */
export const createFifoConsumer = <S extends z.ZodType>(options: FifoConsumerOptions<S>) => {
  const { logger, metrics } = options;
  const countError = (name: string, kind: string) =>
    metrics?.singleMetric().addDimension('kind', kind).addMetric(name, MetricUnit.Count, 1);
  let invocationId = '';
  const recordHandler = async (record: SQSRecord): Promise<void> => {
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
    } catch (error) {
      const kind = (error as { kind?: unknown }).kind;
      countError(METRIC.syncErrors, typeof kind === 'string' ? kind : 'unexpected');
      if (error instanceof PermanentError) {
        countError(METRIC.messagesParked, error.kind);
        logger.error('parking message in DLQ', { messageId: meta.messageId, groupId: meta.groupId, ...errorFields(error) });
        await parkInDlq(options.sqs, options.dlqUrl, record, error);
        return;
      }
      logger.warn('will retry message', { messageId: meta.messageId, groupId: meta.groupId, receiveCount: meta.receiveCount, ...errorFields(error) });
      throw error;
    }
  };

  const lambdaHandler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    invocationId = context.awsRequestId;
    try {
      return await processPartialResponse(event, recordHandler, new SqsFifoPartialProcessorAsync(), {
        context,
        skipGroupOnError: true,
        throwOnFullBatchFailure: false,
      });
    } finally {
      // An invocation with nothing to count (e.g. only skipped events) publishes nothing.
      if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };

  return middy(lambdaHandler).use(injectLambdaContext(logger));
};
