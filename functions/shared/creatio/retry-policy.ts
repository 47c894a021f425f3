/**
 * Bounded exponential backoff with full jitter (delay = random × min(cap, base × 2^(attempt-1))),
 * and Retry-After parsing (RFC 9110 §10.2.3: delta-seconds or an HTTP date).
 * Creatio documents no 429 or Retry-After (reference §2.7, Medium); we honour one if a proxy or a
 * future version sends it.
 */
export interface BackoffOptions {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly random: () => number;
}

export const backoffDelayMs = (attempt: number, options: BackoffOptions): number => {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
  return Math.floor(options.random() * ceiling);
};

/** Milliseconds to wait, or undefined when the header is absent or unreadable. */
export const parseRetryAfterMs = (header: string | null | undefined, nowMs: number): number | undefined => {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
};

export const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
