import type { BatchItemResult, CreatioClient } from '../../creatio';
import { PermanentError, RetryableError } from '../../errors';
import { plannedOperations, type SyncPlan } from './plan-sync';

/** Batch items that failed: the first permanent one decides (to the DLQ with its reason), else retry. */
export const throwIfFailed = (results: readonly BatchItemResult[]): void => {
  const failures = results.filter((r) => r.outcome === 'failed' || r.outcome === 'not_executed');
  if (!failures.length) return;
  const failed = failures.filter((r): r is Extract<BatchItemResult, { outcome: 'failed' }> => r.outcome === 'failed');
  const permanent = failed.find((r) => r.error instanceof PermanentError);
  if (permanent) {
    throw new PermanentError(
      `Creatio refused ${permanent.operation.method} ${permanent.operation.collection} (${permanent.status}): ${permanent.error.message}`,
      { status: permanent.status, kind: 'creatio_rejected', cause: permanent.error },
    );
  }
  const first = failed[0];
  throw new RetryableError(`Creatio did not complete ${failures.length} of ${results.length} writes`, {
    kind: first?.error instanceof RetryableError ? first.error.kind : 'partial_batch',
    ...(first?.error instanceof RetryableError && first.error.retryAfterMs !== undefined ? { retryAfterMs: first.error.retryAfterMs } : {}),
  });
};

/** Writes the plan in one `$batch` (continue on error). */
export const writePlan = async (plan: SyncPlan, creatio: CreatioClient): Promise<void> => {
  const operations = plannedOperations(plan);
  if (operations.length) throwIfFailed(await creatio.batch(operations, { continueOnError: true }));
};
