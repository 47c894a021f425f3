import { RetryableError } from '../errors';

/**
 * One shared request budget per OpenCX API key, for every consumer that uses the key at once.
 *
 * OpenCX allows a key 100 requests a minute. The budget is a token bucket kept as GCRA (generic cell
 * rate algorithm): one number, the "theoretical arrival time" (TAT). Each request moves the TAT on by
 * one emission interval T = 60 s / requestsPerMinute; a request is allowed while the new TAT is no
 * more than `burst` intervals ahead of now. That is exactly a bucket of `burst` tokens refilled at
 * `requestsPerMinute`: in any 60-second window at most `burst + requestsPerMinute` requests pass
 * (defaults 10 + 80 = 90, under OpenCX's 100). The TAT lives in one item of the state table and
 * is moved with a conditional write, so concurrent consumers share it without a lock.
 *
 * This file decides; `rate-budget-dynamodb.ts` stores.
 */
export interface RateBudgetSettings {
  /** Sustained rate. Default 80 (OpenCX allows 100). */
  readonly requestsPerMinute: number;
  /** Requests that may go at once after a quiet period. Default 10. */
  readonly burst: number;
}

export const DEFAULT_RATE_BUDGET: RateBudgetSettings = { requestsPerMinute: 80, burst: 10 };

/** What the store holds: the TAT in epoch milliseconds and the version that guards the write. */
export interface BudgetState {
  readonly tat: number;
  readonly version: number;
}

export type BudgetDecision = { readonly allowed: true; readonly nextTat: number } | { readonly allowed: false; readonly waitMs: number };

export const emissionIntervalMs = (settings: RateBudgetSettings): number => 60_000 / settings.requestsPerMinute;

/** GCRA: may one more request go now, and if so what is the new TAT; if not, how long until it may. */
export const decide = (tat: number | undefined, now: number, settings: RateBudgetSettings): BudgetDecision => {
  const interval = emissionIntervalMs(settings);
  const nextTat = Math.max(tat ?? 0, now) + interval;
  const allowedAhead = settings.burst * interval;
  if (nextTat - now <= allowedAhead) return { allowed: true, nextTat };
  return { allowed: false, waitMs: Math.ceil(nextTat - now - allowedAhead) };
};

/** The single-item storage the budget needs: a consistent read and a conditional write. */
export interface BudgetStore {
  read(key: string): Promise<BudgetState | undefined>;
  /** Writes `tat` if the item is still at `expectedVersion` (0: absent); false when someone else wrote first. */
  write(key: string, tat: number, expectedVersion: number): Promise<boolean>;
}

export interface RateBudgetOptions {
  readonly store: BudgetStore;
  /** The bucket's id, e.g. a hash of the API key (never the key itself). */
  readonly key: string;
  readonly settings?: Partial<RateBudgetSettings>;
  /**
   * Waits adding up to this much per request are slept inside the Lambda (cheaper than a redelivery);
   * a longer one is handed to the queue as RetryableError.retryAfterMs. Default 3 000.
   */
  readonly maxInlineWaitMs?: number;
  /** Conditional-write races lost in a row before giving up with a RetryableError. Default 20. */
  readonly maxRaces?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called for every wait, for metrics. */
  readonly onWait?: (waitMs: number, inline: boolean) => void;
}

export interface RateBudget {
  /** Resolves when one request may be sent now; throws RetryableError (kind 'budget') when the wait is long. */
  acquire(): Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const createRateBudget = (options: RateBudgetOptions): RateBudget => {
  const settings: RateBudgetSettings = { ...DEFAULT_RATE_BUDGET, ...options.settings };
  if (!(settings.requestsPerMinute > 0) || !(settings.burst >= 1)) throw new Error('rate budget: requestsPerMinute must be > 0 and burst >= 1');
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const maxInlineWaitMs = options.maxInlineWaitMs ?? 3_000;
  const maxRaces = options.maxRaces ?? 20;
  return {
    acquire: async () => {
      let waited = 0;
      for (let races = 0; races < maxRaces; ) {
        const state = await options.store.read(options.key);
        const decision = decide(state?.tat, now(), settings);
        if (decision.allowed) {
          if (await options.store.write(options.key, decision.nextTat, state?.version ?? 0)) return;
          races += 1;
          continue;
        }
        const inline = waited + decision.waitMs <= maxInlineWaitMs;
        options.onWait?.(decision.waitMs, inline);
        if (!inline) {
          throw new RetryableError(`The shared OpenCX request budget (${settings.requestsPerMinute}/min) is spent; retry in ${decision.waitMs} ms`, {
            kind: 'budget',
            retryAfterMs: decision.waitMs,
          });
        }
        await sleep(decision.waitMs);
        waited += decision.waitMs;
      }
      throw new RetryableError('The shared OpenCX request budget is contended; retry shortly', { kind: 'budget', retryAfterMs: 1_000 });
    },
  };
};
