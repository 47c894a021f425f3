import type { OutgoingMessage } from '../ingest/webhook-ingest';
import type { AwsJsonCall } from './aws-json-api';

/** Sends one message to a FIFO queue: group = conversation / case, dedup id = the event's identity. */
export const sqsEnqueue =
  (call: AwsJsonCall, queueUrl: string) =>
  async (message: OutgoingMessage): Promise<void> => {
    await call('sqs', 'SendMessage', {
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(message.body),
      MessageGroupId: message.groupId,
      MessageDeduplicationId: message.dedupId,
    });
  };
