import { PermanentError } from '../../errors';
import { historyItemIds, normaliseHistory, type OpenCxClient, type OpenCxMessage } from '../../opencx';
import type { SessionRecord } from '../../state/state-store';

export interface HistoryRead {
  /** Items after the last synced message (all of them at the first sync), in time order. */
  readonly fresh: readonly OpenCxMessage[];
  /** The last item read, in OpenCX's order: the next sync starts after it. */
  readonly lastItemId: string | undefined;
  /** Quarantined messages found in the history (only when asked for: a replay reads the whole history). */
  readonly retry: readonly OpenCxMessage[];
  readonly lastCursor: string | undefined;
}

/** The raw items after `lastMessageId` in OpenCX's order (all items when it is not among them). */
const afterMessage = <T>(items: readonly T[], ids: readonly string[], lastMessageId: string | undefined): readonly T[] => {
  if (!lastMessageId) return items;
  const at = ids.lastIndexOf(lastMessageId);
  return at >= 0 ? items.slice(at + 1) : items;
};

/** A stored cursor OpenCX rejects (4xx other than auth) is not worth a retry: read everything instead. */
const isRejectedCursor = (error: unknown): boolean =>
  error instanceof PermanentError && error.status !== undefined && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 403;

/**
 * The session's new history: from the stored cursor when there is one, the whole history when the cursor is
 * rejected, on the first sync, or when quarantined messages are to be retried; filtered by the last synced
 * message (in OpenCX's order) and put in time order.
 */
export const readHistory = async (opencx: OpenCxClient, state: SessionRecord, options: { readonly retryQuarantined: boolean }): Promise<HistoryRead> => {
  const sessionId = state.sessionId;
  const cursor = state.caseId && !options.retryQuarantined ? state.historyCursor : undefined;
  let result: Awaited<ReturnType<OpenCxClient['listHistory']>>;
  try {
    result = await opencx.listHistory(sessionId, cursor ? { afterCursor: cursor } : {});
  } catch (error) {
    if (!cursor || !isRejectedCursor(error)) throw error;
    result = await opencx.listHistory(sessionId, {});
  }
  // "After the last synced message" by OpenCX's order (a later item may carry an earlier time); then time order.
  const ids = historyItemIds(result.items);
  const freshRaw = state.caseId ? afterMessage(result.items, ids, state.cursor?.lastMessageId) : result.items;
  const fresh = normaliseHistory(freshRaw);
  const lastItemId = freshRaw.length ? historyItemIds(freshRaw)[freshRaw.length - 1] : undefined;
  const quarantined = new Set((state.quarantined ?? []).map((q) => q.messageId));
  const freshIds = new Set(fresh.map((m) => m.id));
  const retry = options.retryQuarantined ? normaliseHistory(result.items).filter((m) => quarantined.has(m.id) && !freshIds.has(m.id)) : [];
  return { fresh, lastItemId, retry, lastCursor: result.lastCursor };
};
