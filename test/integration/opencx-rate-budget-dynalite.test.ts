import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RetryableError } from '../../functions/shared/errors';
import { createOpenCxClient } from '../../functions/shared/opencx';
import { createRateBudget } from '../../functions/shared/opencx/rate-budget';
import { budgetKeyFor, dynamoBudgetStore } from '../../functions/shared/opencx/rate-budget-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalAwsServers, type LocalAwsServers } from '../../local/aws-servers';

let aws: LocalAwsServers;
beforeAll(async () => {
  aws = await startLocalAwsServers();
});
afterAll(async () => {
  await aws.stop();
});

/**
 * Time scaled down so a test sees many "minutes": the upstream allows the key 14 requests per
 * second (as OpenCX allows 100 per minute), and the budget is set below it the way the defaults are
 * (80/min + burst 10 = at most 90 in any minute): 480/min + burst 4 = at most 12-13 in any second.
 */
const LIMIT_PER_WINDOW = 14;
const WINDOW_MS = 1_000;
const RATE_PER_MINUTE = 480;
const BURST = 4;

describe('shared OpenCX budget in the state table (dynalite)', () => {
  it('keeps 20 concurrent conversations, each with its own consumer, under the key’s limit without a single 429', async () => {
    const dynamo = new DynamoDBClient({ region: LOCAL_REGION, endpoint: aws.dynamoEndpoint, credentials: LOCAL_CREDENTIALS });
    const store = dynamoBudgetStore(dynamo, aws.tableName);
    const sentAt: number[] = [];
    let throttled = 0;
    /** OpenCX stand-in: answers 429 whenever the key has sent more than the limit in the last window. */
    const upstream: typeof fetch = async () => {
      const now = Date.now();
      const recent = sentAt.filter((t) => t > now - WINDOW_MS).length;
      sentAt.push(now);
      if (recent >= LIMIT_PER_WINDOW) {
        throttled += 1;
        return new Response(JSON.stringify({ statusCode: 429, message: 'ThrottlerException: Too Many Requests' }), { status: 429 });
      }
      return new Response(JSON.stringify({ id: 's', status: 'open' }), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    let deferred = 0;
    const conversation = async (n: number) => {
      // Each conversation's consumer builds its own client and budget object; only the table item is shared.
      const budget = createRateBudget({ store, key: budgetKeyFor('the-tenant-key'), settings: { requestsPerMinute: RATE_PER_MINUTE, burst: BURST }, maxInlineWaitMs: 300 });
      const client = createOpenCxClient({ apiKey: 'the-tenant-key', baseUrl: 'https://opencx.test', fetch: upstream, beforeRequest: budget.acquire, maxAttempts: 1 });
      for (let done = 0; done < 4; ) {
        try {
          await client.getSession(`session-${n}`);
          done += 1;
        } catch (error) {
          if (!(error instanceof RetryableError) || error.kind !== 'budget') throw error;
          // What the queue does with the record: wait for the visibility the budget asked for.
          deferred += 1;
          await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs ?? 100));
        }
      }
    };

    await Promise.all(Array.from({ length: 20 }, (_, n) => conversation(n)));

    const busiestWindow = Math.max(...sentAt.map((t) => sentAt.filter((u) => u >= t && u < t + WINDOW_MS).length));
    expect({ requests: sentAt.length, throttled }).toEqual({ requests: 80, throttled: 0 });
    expect(busiestWindow).toBeLessThanOrEqual(LIMIT_PER_WINDOW);
    expect(deferred).toBeGreaterThan(0);
  }, 60_000);
});
