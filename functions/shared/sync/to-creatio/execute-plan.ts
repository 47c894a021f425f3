import type { BatchItemResult, CreatioClient } from '../../creatio';
import { PermanentError, RetryableError } from '../../errors';
import { redact } from '../../redact';
import type { QuarantinedMessage } from '../../state/state-store';
import { plannedOperations, type SyncPlan } from './plan-sync';

type Failed = Extract<BatchItemResult, { outcome: 'failed' }>;

const isFailure = (r: BatchItemResult | undefined): boolean => !r || r.outcome === 'failed' || r.outcome === 'not_executed';
const isPermanent = (r: BatchItemResult): r is Failed => r.outcome === 'failed' && r.error instanceof PermanentError;

/** Why Creatio refused a write, without content: the status and the redacted message. */
const refusal = (r: Failed): string => `Creatio refused ${r.operation.method} ${r.operation.collection} (${r.status}): ${redact(r.error.message)}`.slice(0, 500);

/** Some writes did not complete and may on a redelivery: retry the whole event (the writes are idempotent). */
const retryable = (failures: readonly BatchItemResult[], total: number): RetryableError => {
  const first = failures.find((r): r is Failed => r.outcome === 'failed');
  return new RetryableError(`Creatio did not complete ${failures.length} of ${total} writes`, {
    kind: first?.error instanceof RetryableError ? first.error.kind : 'partial_batch',
    ...(first?.error instanceof RetryableError && first.error.retryAfterMs !== undefined ? { retryAfterMs: first.error.retryAfterMs } : {}),
  });
};

export interface WriteOutcome {
  /** Messages (and the handoff note) Creatio refused for good: the cursor moves past them. */
  readonly quarantined: readonly QuarantinedMessage[];
  /** Activities written (created now or found already there). */
  readonly written: number;
}

/**
 * Applies the batch results per message: the contact and case must succeed (a refusal parks the event,
 * since nothing can be written without them); a message Creatio refuses for good is quarantined and the
 * others stand; anything that may still succeed (5xx, timeout, not executed) retries the event.
 */
export const outcomeOf = (plan: SyncPlan, results: readonly BatchItemResult[], now: Date): WriteOutcome => {
  // Refused for lack of rights (403) or credentials (401): no message can fix that, so none is quarantined or
  // parked; the consumer holds the batch back until the integration user is fixed.
  const denied = results.find((r): r is Failed => isPermanent(r) && (r.error.kind === 'forbidden' || r.error.kind === 'auth'));
  if (denied) throw new PermanentError(refusal(denied), { status: denied.status, kind: denied.error.kind, cause: denied.error });
  const setupCount = plan.setup.length;
  const setup = results.slice(0, setupCount);
  const refusedSetup = setup.find(isPermanent);
  if (refusedSetup) {
    throw new PermanentError(refusal(refusedSetup), { status: refusedSetup.status, kind: 'creatio_rejected', cause: refusedSetup.error });
  }
  const writes = [
    ...(plan.note ? [{ messageId: `handoff:${plan.note.occurredAt}`, activityId: plan.note.activityId }] : []),
    ...plan.messages.map((m) => ({ messageId: m.message.id, activityId: m.activityId })),
  ];
  const unfinished = results.filter((r) => isFailure(r) && !isPermanent(r));
  if (setup.some(isFailure) || unfinished.length) throw retryable(unfinished.length ? unfinished : setup.filter(isFailure), results.length);
  const quarantined: QuarantinedMessage[] = [];
  writes.forEach((write, i) => {
    const result = results[setupCount + i];
    if (result && isPermanent(result)) {
      quarantined.push({ ...write, reason: refusal(result), status: result.status, at: now.toISOString() });
    }
  });
  return { quarantined, written: writes.length - quarantined.length };
};

/** Writes the plan in one `$batch` (continue on error) and reads the outcome per message. */
export const writePlan = async (plan: SyncPlan, creatio: CreatioClient, now: Date): Promise<WriteOutcome> => {
  const operations = plannedOperations(plan);
  if (!operations.length) return { quarantined: [], written: 0 };
  return outcomeOf(plan, await creatio.batch(operations, { continueOnError: true }), now);
};
