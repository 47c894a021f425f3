import type { CaseRecord, StateStore } from '../../state/state-store';
import { retryOnConflict } from './retry-on-conflict';

/** CASE#id: which conversation replies on this case go to (the latest one appended). */
export const recordCase = async (caseId: string, sessionId: string, contactKey: string, channel: string | undefined, store: StateStore): Promise<void> => {
  const existing = await store.getCase(caseId);
  if (existing && existing.value.sessionId === sessionId) return;
  const record: CaseRecord = {
    ...existing?.value,
    caseId,
    sessionId,
    sessionIds: [...new Set([...(existing?.value.sessionIds ?? []), sessionId])],
    contactKey,
    channel: channel ?? existing?.value.channel,
  };
  await retryOnConflict(() => store.putCase(record, existing?.version ?? 0));
};
