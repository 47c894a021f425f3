import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { localContext } from './lambda-context';
import { LOCAL_REGION, type LocalQueue } from './aws-servers';

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

const toRecord = (message: Message, queue: LocalQueue): SQSRecord => {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
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
 * to reappear after the visibility timeout (the queue's redrive policy parks them in the DLQ after
 * maxReceiveCount). A handler that throws fails the whole batch, as on Lambda.
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
    const messages = [...unique.values()];
    if (!messages.length || !running) {
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      return;
    }
    const records = messages.map((message) => toRecord(message, options.queue));
    stats.invocations += 1;
    let failed = new Set<string>();
    try {
      const response = await options.handler({ Records: records }, localContext(options.functionName, options.timeoutMs));
      failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      stats.handlerCrashes += 1;
      options.onError?.(error);
      failed = new Set(records.map((record) => record.messageId));
    }
    const done = records.filter((record) => !failed.has(record.messageId));
    stats.recordsSucceeded += done.length;
    stats.recordsFailed += failed.size;
    if (done.length) {
      await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queue.url,
          Entries: done.map((record, i) => ({ Id: String(i), ReceiptHandle: record.receiptHandle })),
        }),
      );
    }
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

  return {
    stats,
    stop: async () => {
      running = false;
      // Let in-flight receives finish: an abandoned receive would hide a message for a visibility timeout.
      await Promise.allSettled(loops);
    },
  };
};
