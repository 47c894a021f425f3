import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { OutgoingMessage } from '../ingest/webhook-ingest';

/** Sends one message to a FIFO queue: group = conversation / case, dedup id = the event's identity. */
export const sqsEnqueue =
  (client: SQSClient, queueUrl: string) =>
  async (message: OutgoingMessage): Promise<void> => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(message.body),
        MessageGroupId: message.groupId,
        MessageDeduplicationId: message.dedupId,
      }),
    );
  };
