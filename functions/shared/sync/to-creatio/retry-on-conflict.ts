import { RetryableError } from '../../errors';
import { ConcurrentUpdateError } from '../../state/state-store';

/** Conflicting writers (e.g. a replay racing the live event) resolve by redelivery: the work is idempotent. */
export const retryOnConflict = async <T>(write: () => Promise<T>): Promise<T> => {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConcurrentUpdateError) throw new RetryableError(error.message, { kind: 'conflict', cause: error });
    throw error;
  }
};
