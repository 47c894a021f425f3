import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { createFifoConsumer } from '../../functions/shared/aws/fifo-consumer';
import { PermanentError, RetryableError } from '../../functions/shared/errors';

const record = (group: string, n: number): SQSRecord =>
  ({
    messageId: `${group}-${n}`,
    receiptHandle: `rh-${group}-${n}`,
    body: JSON.stringify({ group, n }),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: group },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:opencx-events.fifo',
    awsRegion: 'us-east-1',
  }) as SQSRecord;

const context = (remainingMs = 60_000): Context => {
  const end = Date.now() + remainingMs;
  return { awsRequestId: 'req', getRemainingTimeInMillis: () => end - Date.now(), functionName: 'sync' } as unknown as Context;
};

const sent: unknown[] = [];
const sqs = {
  send: async (command: unknown) => {
    sent.push(command);
    return (command as { constructor: { name: string } }).constructor.name === 'GetQueueUrlCommand' ? { QueueUrl: 'https://sqs.local/opencx-events.fifo' } : {};
  },
} as unknown as SQSClient;
const logger = new Logger({ logLevel: 'SILENT' });
const schema = z.object({ group: z.string(), n: z.number() });

const consumer = (handle: (message: z.infer<typeof schema>) => Promise<void>, groupConcurrency = 10) =>
  createFifoConsumer({ logger, sqs, dlqUrl: 'dlq', schema, handle, groupConcurrency }) as unknown as (
    event: { Records: SQSRecord[] },
    context: Context,
  ) => Promise<SQSBatchResponse>;

describe('FIFO consumer: conversations of one batch side by side, order kept inside each', () => {
  it('handles 20 conversations of one batch side by side (all started before the first ends), each conversation in order', async () => {
    let running = 0;
    let most = 0;
    const seen: Record<string, number[]> = {};
    const handler = consumer(async ({ group, n }) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      (seen[group] ??= []).push(n);
      running -= 1;
    }, 20);
    const records = Array.from({ length: 20 }, (_, g) => [record(`g${g}`, 1), record(`g${g}`, 2)]).flat();

    const answer = await handler({ Records: records }, context());

    expect(answer.batchItemFailures).toEqual([]);
    expect(most).toBe(20);
    expect(Object.values(seen).every((order) => order.join() === '1,2')).toBe(true);
    expect(Object.keys(seen)).toHaveLength(20);
  });

  it('never runs more conversations at once than its bound', async () => {
    let running = 0;
    let most = 0;
    const handler = consumer(async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
    }, 4);

    await handler({ Records: Array.from({ length: 12 }, (_, g) => record(`g${g}`, 1)) }, context());

    expect(most).toBe(4);
  });

  it('fails the rest of a conversation after its failed record, and nothing of the others', async () => {
    const handled: string[] = [];
    const handler = consumer(async ({ group, n }) => {
      if (group === 'a' && n === 1) throw new RetryableError('Creatio busy', { kind: 'server_error' });
      handled.push(`${group}-${n}`);
    });

    const answer = await handler({ Records: [record('a', 1), record('b', 1), record('a', 2), record('b', 2)] }, context());

    expect(answer.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['a-1', 'a-2']);
    expect(handled.sort()).toEqual(['b-1', 'b-2']);
  });

  it('starts no record when too little time is left, and reports them for redelivery', async () => {
    const handled: string[] = [];
    const handler = consumer(async ({ group, n }) => {
      handled.push(`${group}-${n}`);
    });

    // A 60 s invocation that has spent all but 5 s (less than the 10 s start margin) before reaching them.
    let calls = 0;
    const late = { awsRequestId: 'req', getRemainingTimeInMillis: () => (calls++ === 0 ? 60_000 : 5_000) } as unknown as Context;
    const answer = await handler({ Records: [record('a', 1), record('b', 1)] }, late);

    expect(handled).toEqual([]);
    expect(answer.batchItemFailures).toHaveLength(2);
  });

  it('parks nothing when the credentials are refused: every record waits in the queue', async () => {
    sent.length = 0;
    const handler = consumer(async () => {
      throw new PermanentError('Creatio identity service rejected the client credentials (HTTP 400 invalid_client)', { kind: 'auth', status: 400 });
    });

    const answer = await handler({ Records: [record('a', 1), record('b', 1), record('c', 1)] }, context());

    expect(answer.batchItemFailures).toHaveLength(3);
    const names = sent.map((command) => (command as { constructor: { name: string } }).constructor.name);
    expect(names).not.toContain('SendMessageCommand');
    expect(names.filter((name) => name === 'ChangeMessageVisibilityCommand')).toHaveLength(3);
  });

  it('brings a conversation held back by the OpenCX budget back when the budget allows, not after the visibility timeout', async () => {
    sent.length = 0;
    const handler = consumer(async ({ group }) => {
      if (group === 'a') throw new RetryableError('The shared OpenCX request budget is spent', { kind: 'budget', retryAfterMs: 4_200 });
    });

    const answer = await handler({ Records: [record('a', 1), record('a', 2), record('b', 1)] }, context());

    expect(answer.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['a-1', 'a-2']);
    const delays = sent
      .filter((command) => (command as { constructor: { name: string } }).constructor.name === 'ChangeMessageVisibilityCommand')
      .map((command) => (command as { input: { ReceiptHandle: string; VisibilityTimeout: number } }).input);
    expect(delays).toEqual([
      { QueueUrl: 'https://sqs.local/opencx-events.fifo', ReceiptHandle: 'rh-a-1', VisibilityTimeout: 5 },
      { QueueUrl: 'https://sqs.local/opencx-events.fifo', ReceiptHandle: 'rh-a-2', VisibilityTimeout: 5 },
    ]);
  });
});
