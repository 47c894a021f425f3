import { RetryableError } from '../../errors';
import { ConcurrentUpdateError, type Versioned } from '../../state/state-store';

/** A write that lost a race is worth a redelivery: everything it guards is idempotent. */
export const conflictIsRetryable = async <T>(write: () => Promise<T>): Promise<T> => {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConcurrentUpdateError) throw new RetryableError(error.message, { kind: 'conflict', cause: error });
    throw error;
  }
};

const ATTEMPTS = 3;

/**
 * Read-modify-write of one record shared with the OpenCX → Creatio sync (SESSION, CASE, OUTBOUND):
 * on a version conflict the record is read again and the change re-applied, a few times, then left
 * to SQS redelivery. `change` returns undefined when nothing needs writing.
 */
export const updateRecord = async <T>(
  read: () => Promise<Versioned<T> | undefined>,
  write: (value: T, expectedVersion: number) => Promise<number>,
  change: (current: T | undefined) => T | undefined,
): Promise<number | undefined> => {
  for (let attempt = 1; ; attempt += 1) {
    const current = await read();
    const next = change(current?.value);
    if (next === undefined) return current?.version;
    try {
      return await write(next, current?.version ?? 0);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      if (attempt >= ATTEMPTS) throw new RetryableError(error.message, { kind: 'conflict', cause: error });
    }
  }
};
