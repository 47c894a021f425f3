import { ChangeMessageVisibilityCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { LOCAL_CREDENTIALS, LOCAL_REGION, MAX_RECEIVE_COUNT, startLocalAwsServers, type LocalAwsServers } from '../../local/aws-servers';
import { startPoller, type Poller } from '../../local/sqs-poller';

let aws: LocalAwsServers;
let sqs: SQSClient;
let poller: Poller | undefined;

beforeAll(async () => {
  aws = await startLocalAwsServers({ visibilityTimeoutSeconds: 1 });
  sqs = new SQSClient({ region: LOCAL_REGION, endpoint: aws.sqsEndpoint, credentials: LOCAL_CREDENTIALS });
});
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});
afterAll(async () => {
  sqs.destroy();
  await aws.stop();
});

const send = (body: string, group: string, dedup: string) =>
  sqs.send(new SendMessageCommand({ QueueUrl: aws.opencxEvents.url, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: dedup }));

const waitFor = async (condition: () => boolean | Promise<boolean>, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('local SQS poller (what the Lambda event source mapping does)', () => {
  it('hands records of a group to the consumer in order and deletes the ones that succeeded', async () => {
    const seen: string[] = [];
    poller = startPoller({
      sqs,
      queue: aws.opencxEvents,
      functionName: 'test',
      timeoutMs: 5_000,
      handler: async (event: SQSEvent) => {
        seen.push(...event.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      },
    });
    for (const n of [1, 2, 3]) await send(`g1-${n}`, 'g1', `order-${n}`);

    await waitFor(() => seen.length === 3);

    expect(seen).toEqual(['g1-1', 'g1-2', 'g1-3']);
    expect(poller.stats.recordsSucceeded).toBe(3);
  });

  /** The receive counts a consumer that fails `body` every time sees before the message reaches the DLQ. */
  const receivesUntilParked = async (body: string, options: { readonly holdBack: boolean }): Promise<number[]> => {
    const receives: number[] = [];
    poller = startPoller({
      sqs,
      queue: aws.opencxEvents,
      functionName: 'test',
      timeoutMs: 5_000,
      concurrency: 1,
      handler: async (event: SQSEvent): Promise<SQSBatchResponse> => {
        for (const record of event.Records) {
          receives.push(Number(record.attributes.ApproximateReceiveCount));
          if (options.holdBack) {
            await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: aws.opencxEvents.url, ReceiptHandle: record.receiptHandle, VisibilityTimeout: 1 }));
          }
        }
        return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    await send(body, body, `${body}-1`);
    await waitFor(async () => {
      const dlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: aws.opencxEvents.dlqUrl, VisibilityTimeout: 30 }));
      return (dlq.Messages ?? []).some((m) => m.Body === body);
    }, 25_000);
    return receives;
  };

  it('redelivers a reported failure after the visibility timeout and parks it in the DLQ after the last receive', async () => {
    expect(await receivesUntilParked('always-fails', { holdBack: false })).toEqual(Array.from({ length: MAX_RECEIVE_COUNT }, (_, i) => i + 1));
  }, 30_000);

  it('counts receives as SQS does when the consumer holds a message back: five deliveries before the DLQ, not fewer', async () => {
    // local-aws-sqs counts every ChangeMessageVisibility as a receive; the deployed consumer calls it to wait out
    // Retry-After, the shared OpenCX budget, coalescing and refused credentials.
    expect(await receivesUntilParked('held-back', { holdBack: true })).toEqual([1, 2, 3, 4, 5]);
  }, 30_000);

  it('treats a consumer that throws as a failed batch, as Lambda does', async () => {
    let calls = 0;
    poller = startPoller({
      sqs,
      queue: aws.opencxEvents,
      functionName: 'test',
      timeoutMs: 5_000,
      concurrency: 1,
      handler: async () => {
        calls += 1;
        if (calls === 1) throw new Error('crash');
        return { batchItemFailures: [] };
      },
    });
    await send('crash-once', 'crash', 'crash-1');

    await waitFor(() => poller!.stats.recordsSucceeded === 1);

    expect(poller.stats.handlerCrashes).toBe(1);
  });
});
