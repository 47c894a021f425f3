import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type MessageAttributeValue,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { formatAge } from './io';

/**
 * Reading queues the way an operator needs to without disturbing the bridge. The work queues are only
 * counted (receiving from them would count as a delivery attempt towards the DLQ); DLQ messages are
 * received to read their reasons, then made visible again at once.
 */
export interface QueueDepth {
  /** Waiting to be delivered. */
  readonly waiting: number;
  /** Delivered and not yet deleted (being synced, or waiting for their visibility timeout to retry). */
  readonly inFlight: number;
  readonly delayed: number;
}

export const queueDepth = async (sqs: SQSClient, queueUrl: string): Promise<QueueDepth> => {
  const answer = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const number = (name: QueueAttributeName) => Number(answer.Attributes?.[name] ?? '0') || 0;
  return {
    waiting: number('ApproximateNumberOfMessages'),
    inFlight: number('ApproximateNumberOfMessagesNotVisible'),
    delayed: number('ApproximateNumberOfMessagesDelayed'),
  };
};

/** Attributes the consumer sets when it parks a message (functions/shared/aws/fifo-consumer.ts). */
export const PARK_ATTRIBUTES = ['reason', 'errorKind', 'downstreamStatus', 'failedAt'] as const;

export interface DlqMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly groupId: string | undefined;
  /** When it was first sent (to the work queue, or to the DLQ for a parked message). */
  readonly sentAt: Date | undefined;
  /** Why, when the consumer parked it; undefined for a message SQS moved after maxReceiveCount deliveries. */
  readonly reason: string | undefined;
  readonly errorKind: string | undefined;
  readonly downstreamStatus: string | undefined;
  readonly failedAt: Date | undefined;
  /** Attributes other than the park reasons, carried over by a redrive. */
  readonly otherAttributes: Readonly<Record<string, MessageAttributeValue>>;
}

const stringAttribute = (attributes: Record<string, MessageAttributeValue> | undefined, name: string): string | undefined => attributes?.[name]?.StringValue || undefined;

const date = (value: string | undefined, epochMs = false): Date | undefined => {
  if (!value) return undefined;
  const parsed = epochMs ? new Date(Number(value)) : new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
};

export interface PeekOptions {
  /** Stop after this many messages. */
  readonly max?: number;
  /** How long the received messages stay hidden; `release` shows them again sooner. */
  readonly visibilityTimeoutSeconds?: number;
}

/**
 * Receives DLQ messages (without long polling: local-aws-sqs answers a long poll that was waiting when
 * a message arrived with duplicates) until the queue has no more visible ones, deduplicated by
 * MessageId, in the order SQS hands them out (per group: the order they failed). They stay hidden for
 * `visibilityTimeoutSeconds`: release them, or delete them.
 */
export const peekDlq = async (sqs: SQSClient, dlqUrl: string, options: PeekOptions = {}): Promise<DlqMessage[]> => {
  const max = options.max ?? 1000;
  const seen = new Map<string, DlqMessage>();
  for (let emptyAnswers = 0; seen.size < max && emptyAnswers < 2; ) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, max - seen.size),
        WaitTimeSeconds: 0,
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? 60,
        // Both spellings: AWS reads MessageSystemAttributeNames, local-aws-sqs only the older AttributeNames.
        MessageSystemAttributeNames: ['All'],
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length === 0) {
      emptyAnswers += 1;
      continue;
    }
    for (const message of messages) {
      if (!message.MessageId || !message.ReceiptHandle || seen.has(message.MessageId)) continue;
      const attributes = message.MessageAttributes ?? {};
      const otherAttributes = Object.fromEntries(Object.entries(attributes).filter(([name]) => !(PARK_ATTRIBUTES as readonly string[]).includes(name)));
      seen.set(message.MessageId, {
        messageId: message.MessageId,
        receiptHandle: message.ReceiptHandle,
        body: message.Body ?? '',
        groupId: message.Attributes?.MessageGroupId,
        sentAt: date(message.Attributes?.SentTimestamp, true),
        reason: stringAttribute(attributes, 'reason'),
        errorKind: stringAttribute(attributes, 'errorKind'),
        downstreamStatus: stringAttribute(attributes, 'downstreamStatus'),
        failedAt: date(stringAttribute(attributes, 'failedAt')),
        otherAttributes,
      });
    }
  }
  return [...seen.values()];
};

/** Makes received messages visible again (in batches of 10); handles that expired are ignored. */
export const release = async (sqs: SQSClient, queueUrl: string, messages: readonly Pick<DlqMessage, 'receiptHandle'>[]): Promise<void> => {
  for (let start = 0; start < messages.length; start += 10) {
    const chunk = messages.slice(start, start + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.receiptHandle, VisibilityTimeout: 0 })),
      }),
    );
  }
};

export interface ReasonCount {
  readonly errorKind: string;
  readonly reason: string;
  readonly count: number;
}

/** What SQS moved after maxReceiveCount failed deliveries carries no reason: the logs have it. */
const NO_REASON = 'failed on every delivery until SQS moved it (no reason recorded): search the consumer logs for its message id';

/** Parked messages grouped by (kind, reason), most frequent first. */
export const reasonsOf = (messages: readonly DlqMessage[]): ReasonCount[] => {
  const counts = new Map<string, ReasonCount>();
  for (const message of messages) {
    const errorKind = message.errorKind ?? 'retries_exhausted';
    const reason = message.reason ?? NO_REASON;
    const key = `${errorKind}\u0000${reason}`;
    const current = counts.get(key);
    counts.set(key, { errorKind, reason, count: (current?.count ?? 0) + 1 });
  }
  return [...counts.values()].sort((a, b) => b.count - a.count);
};

/** Parked messages listed one by one (oldest first), at most this many. */
const MAX_LISTED = 20;

/**
 * Lines describing parked messages: count per reason, then each message with its id, kind, reason,
 * conversation / case (its FIFO group) and age, oldest first.
 */
export const describeDlq = (messages: readonly DlqMessage[], now: Date, indent = '  ', groupLabel = 'group'): string[] => {
  if (messages.length === 0) return [];
  const lines: string[] = [];
  for (const { errorKind, reason, count } of reasonsOf(messages)) lines.push(`${indent}${count} × [${errorKind}] ${reason}`);
  const failedAt = (message: DlqMessage) => (message.failedAt ?? message.sentAt ?? now).getTime();
  const sorted = [...messages].sort((a, b) => failedAt(a) - failedAt(b));
  for (const message of sorted.slice(0, MAX_LISTED)) {
    lines.push(
      `${indent}- message ${message.messageId} · ${message.groupId ? `${groupLabel} ${message.groupId} · ` : ''}failed ${formatAge((now.getTime() - failedAt(message)) / 1000)} ago · [${message.errorKind ?? 'retries_exhausted'}] ${message.reason ?? 'no reason recorded: search the consumer logs for this message id'}${message.downstreamStatus ? ` (HTTP ${message.downstreamStatus})` : ''}`,
    );
  }
  if (sorted.length > MAX_LISTED) lines.push(`${indent}… and ${sorted.length - MAX_LISTED} more`);
  return lines;
};
