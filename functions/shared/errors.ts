/**
 * Errors carry their fate:
 * - ValidationError: the caller sent something wrong (4xx), never retried.
 * - RetryableError: throttling, 5xx, timeouts, network: let SQS redeliver.
 * - PermanentError: a downstream 4xx that no retry will fix: to the DLQ with the reason.
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly statusCode: number = 400,
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

export interface RetryableErrorOptions {
  /** How long the server asked us to wait (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;
  /** A short machine-readable kind for metrics: 'throttled', 'server_error', 'timeout', 'network', 'conflict'. */
  readonly kind?: string;
  readonly cause?: unknown;
}

export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  readonly retryAfterMs: number | undefined;
  readonly kind: string;
  constructor(message: string, options: RetryableErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
    this.kind = options.kind ?? 'retryable';
  }
}

/**
 * RetryableError kind of an event that is not failing but waits on purpose (coalescing): the consumer brings it back
 * after `retryAfterMs` without counting or logging an error.
 */
export const DEFERRED = 'deferred';

export interface PermanentErrorOptions {
  /** HTTP status the downstream answered with, when there was one. */
  readonly status?: number;
  /** The downstream's own error code, when it gave one. */
  readonly code?: string;
  readonly kind?: string;
  readonly cause?: unknown;
}

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly kind: string;
  constructor(message: string, options: PermanentErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.code = options.code;
    this.kind = options.kind ?? 'permanent';
  }
}

export const isRetryable = (error: unknown): error is RetryableError => error instanceof RetryableError;
export const isPermanent = (error: unknown): error is PermanentError => error instanceof PermanentError;
