import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { sha256Hex } from '../../functions/shared/ids';
import { REPLAY_EVENT, opencxQueueMessageSchema, type OpenCxQueueMessage } from '../../functions/shared/schemas/queue-messages';
import type { Io } from './io';
import { followUp, type QueuePair, type Target } from './target';

/** SQS MessageGroupId: 1-128 characters, alphanumeric and punctuation. */
const GROUP_ID = /^[\x21-\x7e]{1,128}$/;

export class ReplayInputError extends Error {
  override readonly name = 'ReplayInputError';
}

/**
 * The REPLAY_EVENT message for one OpenCX session (queue contract in functions/shared/schemas/
 * queue-messages.ts). Its dedup id is new every time, so a replay is never swallowed by SQS
 * deduplication; replaying is safe because the consumer re-reads the session and writes idempotently.
 */
export const replayMessage = (sessionId: string, now: Date, unique: string = randomUUID()): OpenCxQueueMessage => {
  const session = sessionId.trim();
  if (!GROUP_ID.test(session)) {
    throw new ReplayInputError('--session must be the OpenCX session (conversation) id: 1-128 printable characters without spaces');
  }
  const at = now.toISOString();
  return opencxQueueMessageSchema.parse({
    source: 'opencx',
    dedupId: sha256Hex(['opencx', REPLAY_EVENT, session, at, unique].join('\n')),
    event: REPLAY_EVENT,
    conversationId: session,
    occurredAt: at,
    receivedAt: at,
  });
};

/** Sends the replay to the opencx-events queue, group = the session (after anything already queued for it). */
export const replaySession = async (sqs: SQSClient, queue: QueuePair, sessionId: string, now: Date = new Date()) => {
  const message = replayMessage(sessionId, now);
  const answer = await sqs.send(
    new SendMessageCommand({
      QueueUrl: queue.url,
      MessageBody: JSON.stringify(message),
      MessageGroupId: message.conversationId,
      MessageDeduplicationId: message.dedupId,
    }),
  );
  return { message, messageId: answer.MessageId };
};

export const runReplay = async (target: Target, io: Io, sessionId: string): Promise<number> => {
  const { message, messageId } = await replaySession(target.sqs, target.queues.opencx, sessionId);
  io.out(`Queued a re-sync of session ${message.conversationId} on ${target.queues.opencx.name} (message ${messageId ?? '?'}, dedup ${message.dedupId.slice(0, 12)}…).`);
  io.out('The consumer re-reads the session from OpenCX and writes only what Creatio is missing.');
  io.out(`Follow it with: ${followUp(target, 'status')}`);
  return 0;
};
