import { RetryableError } from '../../functions/shared/errors';
import { createOpenCxClient } from '../../functions/shared/opencx';
import { createRateBudget, decide, type BudgetState, type BudgetStore } from '../../functions/shared/opencx/rate-budget';

/** In-memory single-item store with the same conditional-write contract as the DynamoDB one. */
const memoryStore = (): BudgetStore & { writes: number } => {
  const items = new Map<string, BudgetState>();
  const store = {
    writes: 0,
    read: async (key: string) => items.get(key),
    write: async (key: string, tat: number, expectedVersion: number) => {
      store.writes += 1;
      if ((items.get(key)?.version ?? 0) !== expectedVersion) return false;
      items.set(key, { tat, version: expectedVersion + 1 });
      return true;
    },
  };
  return store;
};

const settings = { requestsPerMinute: 60, burst: 5 };

describe('shared OpenCX request budget (token bucket as GCRA)', () => {
  it('lets a burst of `burst` requests through at once after a quiet period, then one per interval', () => {
    let tat: number | undefined;
    const allowed: boolean[] = [];
    for (let i = 0; i < 7; i += 1) {
      const decision = decide(tat, 1_000_000, settings);
      allowed.push(decision.allowed);
      if (decision.allowed) tat = decision.nextTat;
    }

    expect(allowed).toEqual([true, true, true, true, true, false, false]);
    expect(decide(tat, 1_000_000 + 1_000, settings).allowed).toBe(true);
  });

  it('says how long to wait when the bucket is empty', () => {
    const full = 1_000_000 + 5 * 1_000;

    expect(decide(full, 1_000_000, settings)).toEqual({ allowed: false, waitMs: 1_000 });
  });

  it('never lets more than burst + requestsPerMinute through in any minute, whatever the arrival pattern', async () => {
    let clock = 0;
    const budget = createRateBudget({
      store: memoryStore(),
      key: 'k',
      settings: { requestsPerMinute: 80, burst: 10 },
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
      maxInlineWaitMs: 600_000,
    });
    const granted: number[] = [];
    for (let i = 0; i < 400; i += 1) {
      clock += i % 7 === 0 ? 3_000 : 10; // bursts and pauses
      await budget.acquire();
      granted.push(clock);
    }

    const worstMinute = Math.max(...granted.map((t) => granted.filter((u) => u >= t && u < t + 60_000).length));
    expect(worstMinute).toBeLessThanOrEqual(90);
    expect(worstMinute).toBeLessThan(100);
  });

  it('sleeps through a short wait but hands a long one to the queue as a RetryableError with retryAfterMs', async () => {
    let clock = 5_000_000;
    const sleeps: number[] = [];
    const store = memoryStore();
    const common = { store, key: 'k', settings, now: () => clock, sleep: async (ms: number) => void (sleeps.push(ms), (clock += ms)) };
    const patient = createRateBudget({ ...common, maxInlineWaitMs: 1_500 });
    const hurried = createRateBudget({ ...common, maxInlineWaitMs: 500 });
    for (let i = 0; i < 5; i += 1) await patient.acquire();

    await patient.acquire(); // one interval (1 s): slept inside the Lambda
    const error = await hurried.acquire().catch((e: unknown) => e);

    expect(sleeps).toEqual([1_000]);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ kind: 'budget', retryAfterMs: 1_000 });
  });

  it('makes the OpenCX client wait before every attempt, so a spent budget sends nothing', async () => {
    const clock = 7_000_000;
    const budget = createRateBudget({
      store: memoryStore(),
      key: 'k',
      settings: { requestsPerMinute: 60, burst: 2 },
      now: () => clock,
      sleep: async () => undefined,
      maxInlineWaitMs: 0,
    });
    let sent = 0;
    const client = createOpenCxClient({
      apiKey: 'key',
      baseUrl: 'https://opencx.test',
      beforeRequest: budget.acquire,
      fetch: async () => {
        sent += 1;
        return new Response(JSON.stringify({ id: 's-1' }), { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });

    await client.getSession('s-1');
    await client.getSession('s-1');
    const third = await client.getSession('s-1').catch((e: unknown) => e);

    expect(sent).toBe(2);
    expect(third).toMatchObject({ kind: 'budget' });
  });
});
