import { DeleteMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import type { Io } from './io';
import { describeDlq, peekDlq, release, type DlqMessage } from './queues';
import { followUp, QUEUE_KEYS, type QueueKey, type QueuePair, type Target } from './target';

export interface RedriveResult {
  readonly queue: QueueKey;
  readonly found: number;
  readonly moved: number;
  /** Still in the DLQ: the send failed, or an earlier message of the same group failed. */
  readonly failed: number;
  readonly declined: boolean;
}

export interface RedriveOptions {
  readonly sqs: SQSClient;
  readonly key: QueueKey;
  readonly queue: QueuePair;
  readonly io: Io;
  /** Asked once the count and reasons are shown; `--yes` answers true. */
  readonly confirm: (question: string) => Promise<boolean>;
  readonly newDedupId?: () => string;
  readonly now?: () => Date;
}

/** Long enough to move a full DLQ; messages not moved are released at once. */
const HOLD_SECONDS = 300;

/**
 * Moves one DLQ's messages back to its work queue: shows how many and why first, then per message
 * sends it with its original MessageGroupId (so the conversation / case stays in order) and a fresh
 * dedup id (the original one may still be inside SQS's 5-minute deduplication window, which would
 * swallow the message), and deletes it from the DLQ only once the send succeeded. If a send fails, the
 * later messages of that group stay in the DLQ too, so order is kept. A crash between send and delete
 * leaves a copy in the DLQ; redriving it again is harmless because every write is idempotent.
 */
export const redriveQueue = async (options: RedriveOptions): Promise<RedriveResult> => {
  const { sqs, queue, io, key } = options;
  const newDedupId = options.newDedupId ?? (() => `redrive-${randomUUID()}`);
  const now = options.now ?? (() => new Date());
  const messages = await peekDlq(sqs, queue.dlqUrl, { visibilityTimeoutSeconds: HOLD_SECONDS });
  if (messages.length === 0) {
    io.out(`${queue.name}: the DLQ is empty, nothing to redrive`);
    return { queue: key, found: 0, moved: 0, failed: 0, declined: false };
  }
  io.out(`${queue.name} DLQ: ${messages.length} message(s) (${queue.direction})`);
  for (const line of describeDlq(messages, now(), '  ', key === 'opencx' ? 'conversation' : 'case')) io.out(line);
  if (!(await options.confirm(`Move ${messages.length} message(s) back to ${queue.name}? Only if the cause is fixed. [y/N] `))) {
    await release(sqs, queue.dlqUrl, messages);
    io.out(`${queue.name}: left in the DLQ`);
    return { queue: key, found: messages.length, moved: 0, failed: 0, declined: true };
  }

  const blockedGroups = new Set<string>();
  const notMoved: DlqMessage[] = [];
  let moved = 0;
  for (const message of messages) {
    const group = message.groupId;
    if (!group) {
      // Every FIFO message has one; without it the conversation's order could not be kept.
      notMoved.push(message);
      io.err(`${queue.name}: message ${message.messageId} came without its MessageGroupId; left in the DLQ`);
      continue;
    }
    if (blockedGroups.has(group)) {
      notMoved.push(message);
      continue;
    }
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: message.body,
          MessageGroupId: group,
          MessageDeduplicationId: newDedupId(),
          ...(Object.keys(message.otherAttributes).length ? { MessageAttributes: { ...message.otherAttributes } } : {}),
        }),
      );
    } catch (error) {
      blockedGroups.add(group);
      notMoved.push(message);
      io.err(
        `${queue.name}: could not send message ${message.messageId} back (${error instanceof Error ? error.message : String(error)}); it and the rest of its group stay in the DLQ`,
      );
      continue;
    }
    moved += 1;
    try {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.dlqUrl, ReceiptHandle: message.receiptHandle }));
    } catch (error) {
      io.err(
        `${queue.name}: message ${message.messageId} was sent back but could not be deleted from the DLQ (${error instanceof Error ? error.message : String(error)}); a later redrive repeats it, which is harmless (idempotent writes)`,
      );
    }
  }
  await release(sqs, queue.dlqUrl, notMoved);
  io.out(`${queue.name}: moved ${moved} message(s) back${notMoved.length ? `, ${notMoved.length} left in the DLQ` : ''}`);
  return { queue: key, found: messages.length, moved, failed: notMoved.length, declined: false };
};

/** `redrive`: one queue (`--queue`) or both. Exit code 0 when everything found was moved. */
export const runRedrive = async (target: Target, io: Io, options: { readonly queue?: QueueKey; readonly yes: boolean; readonly newDedupId?: () => string }): Promise<number> => {
  const confirm = async (question: string): Promise<boolean> => {
    if (options.yes) return true;
    if (!io.interactive) {
      io.err('Not moved: add --yes to confirm when stdin is not a terminal.');
      return false;
    }
    return /^y(es)?$/i.test((await io.ask(question)).trim());
  };
  const keys = options.queue ? [options.queue] : QUEUE_KEYS;
  const results: RedriveResult[] = [];
  for (const key of keys) {
    results.push(
      await redriveQueue({
        sqs: target.sqs,
        key,
        queue: target.queues[key],
        io,
        confirm,
        ...(options.newDedupId ? { newDedupId: options.newDedupId } : {}),
      }),
    );
  }
  if (results.some((result) => result.moved > 0)) io.out(`Follow the sync with: ${followUp(target, 'status')}`);
  return results.some((result) => result.failed > 0 || result.declined) ? 1 : 0;
};
