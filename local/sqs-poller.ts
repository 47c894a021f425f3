import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { localContext } from './lambda-context';
import { LOCAL_REGION, MAX_RECEIVE_COUNT, type LocalQueue } from './aws-servers';

const POLL_INTERVAL_MS = 50;

export type SqsLambda = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface PollerStats {
  invocations: number;
  recordsSucceeded: number;
  recordsFailed: number;
  handlerCrashes: number;
}

export interface Poller {
  readonly stats: PollerStats;
  stop(): Promise<void>;
}

const toRecord = (message: Message, queue: LocalQueue, receiveCount: number): SQSRecord => {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      SequenceNumber: attributes.SequenceNumber,
      MessageGroupId: attributes.MessageGroupId,
      MessageDeduplicationId: attributes.MessageDeduplicationId,
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        { dataType: value.DataType ?? 'String', stringValue: value.StringValue, stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: LOCAL_REGION,
  };
};

/**
 * What the Lambda event source mapping does, locally: long-poll the FIFO queue, hand the consumer a real
 * SQSEvent batch, delete the records it did not report in `batchItemFailures`, and leave the failed ones
 * to reappear after the visibility timeout. A handler that throws fails the whole batch, as on Lambda.
 * Receives are counted here, as SQS counts them (local-aws-sqs also counts every ChangeMessageVisibility):
 * a message received more than MAX_RECEIVE_COUNT times goes to the DLQ instead, as the redrive policy does.
 */
export const startPoller = (options: {
  sqs: SQSClient;
  queue: LocalQueue;
  handler: SqsLambda;
  functionName: string;
  timeoutMs: number;
  batchSize?: number;
  concurrency?: number;
  onError?: (error: unknown) => void;
}): Poller => {
  const stats: PollerStats = { invocations: 0, recordsSucceeded: 0, recordsFailed: 0, handlerCrashes: 0 };
  let running = true;
  /**
   * Real SQS FIFO hands out no message of a group while another of its messages is in flight; local-aws-sqs
   * does. Messages of a group that one of this queue's pollers is handling wait here, in order, and are handled
   * by that poller right after (they were received, so they stay invisible to the others meanwhile).
   */
  const busyGroups = new Map<string, Message[]>();
  /**
   * Groups whose handling failed: held (their later messages wait here, kept invisible) until the failed
   * message is received again, or until `until` if it never comes back (e.g. moved to the DLQ).
   */
  const blockedGroups = new Map<string, { readonly by: Set<string>; readonly until: number }>();
  const groupOf = (message: Message): string => message.Attributes?.MessageGroupId ?? `\u0000${message.MessageId}`;
  /** Real receives per message (SQS's ApproximateReceiveCount), forgotten once the message is deleted or parked. */
  const receives = new Map<string, number>();
  const receiveCountOf = (message: Message): number => receives.get(message.MessageId ?? '') ?? 1;

  /** The redrive policy: past MAX_RECEIVE_COUNT receives the message moves to the DLQ, body and attributes unchanged. */
  const moveToDlq = async (message: Message): Promise<void> => {
    const attributes = message.Attributes ?? {};
    await options.sqs.send(
      new SendMessageCommand({
        QueueUrl: options.queue.dlqUrl,
        MessageBody: message.Body ?? '',
        MessageGroupId: attributes.MessageGroupId ?? 'redrive',
        MessageDeduplicationId: attributes.MessageDeduplicationId ?? message.MessageId,
        ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length ? { MessageAttributes: message.MessageAttributes } : {}),
      }),
    );
    await options.sqs.send(new DeleteMessageCommand({ QueueUrl: options.queue.url, ReceiptHandle: message.ReceiptHandle }));
    receives.delete(message.MessageId ?? '');
  };

  const invoke = async (all: readonly Message[]): Promise<void> => {
    // At most batchSize records per invocation; the rest wait at the front of their groups.
    const messages = all.slice(0, options.batchSize ?? 10);
    const groups = new Set(all.map((message) => groupOf(message)));
    for (const group of groups) if (!busyGroups.has(group)) busyGroups.set(group, []);
    const later = all.slice(messages.length);
    for (const message of [...later].reverse()) busyGroups.get(groupOf(message))!.unshift(message);
    const records = messages.map((message) => toRecord(message, options.queue, receiveCountOf(message)));
    stats.invocations += 1;
    let failed = new Set<string>();
    try {
      // As Lambda: an invocation that outlives the function timeout is abandoned, and its whole batch comes back.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${options.functionName} timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
      });
      try {
        const response = await Promise.race([options.handler({ Records: records }, localContext(options.functionName, options.timeoutMs)), timedOut]);
        failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      } finally {
        clearTimeout(timer);
      }
    } catch (error) {
      stats.handlerCrashes += 1;
      options.onError?.(error);
      failed = new Set(records.map((record) => record.messageId));
    }
    const done = records.filter((record) => !failed.has(record.messageId));
    for (const record of done) receives.delete(record.messageId);
    stats.recordsSucceeded += done.length;
    stats.recordsFailed += failed.size;
    try {
      for (let i = 0; i < done.length; i += 10) {
        await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queue.url,
            Entries: done.slice(i, i + 10).map((record, j) => ({ Id: String(j), ReceiptHandle: record.receiptHandle })),
          }),
        );
      }
    } catch (error) {
      options.onError?.(error);
    }
    // The messages that waited behind these groups: handled now, unless their group just failed (then they
    // come back after their visibility timeout, as SQS would hold them behind the failed one).
    const next: Message[] = [];
    for (const group of groups) {
      const failedHere = messages.filter((message) => groupOf(message) === group && failed.has(message.MessageId ?? ''));
      if (failedHere.length) {
        // As SQS FIFO: nothing more of this group until its failed message is back (its later ones keep waiting).
        blockedGroups.set(group, { by: new Set(failedHere.map((m) => m.MessageId ?? '')), until: Date.now() + 3 * options.queue.visibilityTimeoutSeconds * 1000 });
        continue;
      }
      next.push(...(busyGroups.get(group) ?? []));
      busyGroups.delete(group);
    }
    if (next.length && running) await invoke(next);
  };

  const once = async (): Promise<void> => {
    const answer = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queue.url,
        MaxNumberOfMessages: options.batchSize ?? 10,
        // Short polls: local-aws-sqs 2.0.2 returns each message twice to a long poll that was
        // waiting when the message arrived, so we poll every POLL_INTERVAL_MS instead.
        WaitTimeSeconds: 0,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const unique = new Map((answer.Messages ?? []).map((message) => [message.MessageId, message]));
    const messages: Message[] = [];
    for (const message of unique.values()) {
      const group = groupOf(message);
      const id = message.MessageId ?? '';
      // A message held behind its group was not handed out by SQS: only the others count as received.
      const held = busyGroups.get(group)?.some((m) => m.MessageId === id) ?? false;
      if (!held) {
        const count = (receives.get(id) ?? 0) + 1;
        receives.set(id, count);
        if (count > MAX_RECEIVE_COUNT) {
          await moveToDlq(message);
          // What waited behind it flows again once no failed message of the group is left to come back.
          const blocked = blockedGroups.get(group);
          if (blocked?.by.delete(id) && blocked.by.size === 0) {
            blockedGroups.delete(group);
            messages.push(...(busyGroups.get(group) ?? []));
            busyGroups.delete(group);
          }
          continue;
        }
      }
      const blocked = blockedGroups.get(group);
      if (blocked && (blocked.by.has(message.MessageId ?? '') || blocked.until < Date.now())) {
        // The failed message is back (or never will be): it goes first, then what waited behind it.
        blockedGroups.delete(group);
        messages.push(message, ...(busyGroups.get(group) ?? []).filter((m) => m.MessageId !== message.MessageId));
        busyGroups.delete(group);
        continue;
      }
      const waiting = busyGroups.get(group);
      if (!waiting) messages.push(message);
      else {
        // Received again while waiting (its visibility ran out): keep one copy, with the newest receipt handle.
        const at = waiting.findIndex((m) => m.MessageId === message.MessageId);
        if (at >= 0) waiting[at] = message;
        else waiting.push(message);
      }
    }
    if (!messages.length || !running) {
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      return;
    }
    await invoke(messages);
  };

  const loop = async (): Promise<void> => {
    while (running) {
      try {
        await once();
      } catch (error) {
        if (!running) return;
        options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 2 }, () => loop());
  // Waiting messages stay invisible (SQS would not have handed them out yet, so no receive is spent on them).
  const visibilitySeconds = options.queue.visibilityTimeoutSeconds;
  const heartbeat = setInterval(
    () => {
      for (const [group, blocked] of blockedGroups) {
        if (blocked.until >= Date.now()) continue;
        // The failed message did not come back in time: let what waited behind it be received again.
        blockedGroups.delete(group);
        busyGroups.delete(group);
      }
      for (const waiting of busyGroups.values()) {
        for (const message of waiting) {
          void options.sqs
            .send(new ChangeMessageVisibilityCommand({ QueueUrl: options.queue.url, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: visibilitySeconds }))
            .catch(() => undefined);
        }
      }
    },
    Math.max(200, (visibilitySeconds * 1000) / 3),
  );
  heartbeat.unref();

  return {
    stats,
    stop: async () => {
      running = false;
      clearInterval(heartbeat);
      // Let in-flight receives finish: an abandoned receive would hide a message for a visibility timeout.
      await Promise.allSettled(loops);
    },
  };
};
