import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The time budget of one consumer invocation (issue 11): Lambda's remaining time less a margin. The HTTP
 * clients read it before every attempt (a request's timeout is capped by it, a retry that would end after it
 * is not started), and the consumer stops starting records when too little is left, so a slow downstream
 * ends the invocation in time and only the unfinished records are delivered again.
 */
export interface Deadline {
  /** Epoch ms after which no new work should start; undefined = no budget (tests, scripts). */
  readonly at: () => number | undefined;
}

/**
 * The invocation's deadline, read by the clients built once per container. Scoped with AsyncLocalStorage, so
 * that invocations running side by side in one process (the local runtime's pollers) each see their own.
 */
class InvocationDeadline implements Deadline {
  private readonly storage = new AsyncLocalStorage<number | undefined>();
  readonly at = (): number | undefined => this.storage.getStore();
  /** Runs `work` with `at` as the deadline of everything it calls. */
  run<T>(at: number | undefined, work: () => Promise<T>): Promise<T> {
    return this.storage.run(at, work);
  }
}

export const invocationDeadline = new InvocationDeadline();

/** Milliseconds left before `deadline` (Infinity without one). */
export const remainingMs = (deadline: Deadline | undefined, now: number = Date.now()): number => {
  const at = deadline?.at();
  return at === undefined ? Number.POSITIVE_INFINITY : at - now;
};

/** A per-attempt timeout capped by the deadline (at least 1 ms, so an expired budget still fails fast). */
export const cappedTimeoutMs = (timeoutMs: number, deadline: Deadline | undefined, now: number = Date.now()): number =>
  Math.max(1, Math.min(timeoutMs, remainingMs(deadline, now)));

/** Whether a retry after `delayMs` would still start, and have `minAttemptMs` to run, before the deadline. */
export const retryFits = (delayMs: number, deadline: Deadline | undefined, minAttemptMs = 500, now: number = Date.now()): boolean =>
  remainingMs(deadline, now) > delayMs + minAttemptMs;
