/**
 * `case_updated` (design §4): a case moved to the tenant's resolved status, or to any resolved or
 * final status, closes its open OpenCX conversations as resolved, without OpenCX reflecting the change
 * back to an integration. A case moved back out of such a status is noted (CASE `lastStatusId`) and
 * logged, not fought over: the OpenCX conversation stays as it is, and the customer's next message
 * reopens it there.
 *
 * No echo: SESSION `resolvedBy = 'creatio'` is written before the PATCH, so when OpenCX then reports
 * `conversation.closed`, the OpenCX → Creatio sync sees that the resolution came from Creatio and
 * does not write it to the case again. A resolution that came from OpenCX (`resolvedBy = 'opencx'`,
 * conversation still closed) is not sent back to OpenCX either.
 */
import type { CreatioQueueMessage } from '../../schemas/queue-messages';
import type { CaseRecord as CaseState, SessionRecord } from '../../state/state-store';
import { caseStatusSeen } from '../to-creatio/contact-claim';
import { updateRecord } from './state-writes';
import type { SyncToOpenCxDeps, SyncToOpenCxOutcome } from './types';

export const syncCaseUpdate = async (message: CreatioQueueMessage, deps: SyncToOpenCxDeps): Promise<SyncToOpenCxOutcome> => {
  const { store, creatio, observer } = deps;
  const caseId = message.caseId.toLowerCase();

  const known = await store.getCase(caseId);
  if (!known) return { kind: 'skipped', caseId, reason: 'unknown_case' };
  const found = await creatio.getCase(caseId);
  if (!found) return { kind: 'skipped', caseId, reason: 'case_not_found' };
  const statusId = found.StatusId?.toLowerCase();
  if (!statusId) return { kind: 'skipped', caseId, reason: 'status_unchanged' };

  if (await closesConversation(statusId, deps)) {
    const sessionIds = [...new Set([known.value.sessionId, ...known.value.sessionIds])].filter(Boolean);
    const closed: string[] = [];
    for (const sessionId of sessionIds) if (await resolveSession(sessionId, caseId, known.value, deps)) closed.push(sessionId);
    await noteCaseStatus(caseId, statusId, deps, closed.length > 0 ? 'creatio' : undefined);
    await noteContactCaseStatus(known.value, statusId, true, deps);
    if (!closed.length) return { kind: 'skipped', caseId, reason: 'already_resolved' };
    observer.metric('resolutionsToOpenCx', closed.length);
    observer.info('case resolved in Creatio; OpenCX conversation closed as resolved', { caseId, statusId, sessionIds: closed });
    return { kind: 'resolved', caseId, statusId, closedSessionIds: closed };
  }

  const previous = known.value.lastStatusId?.toLowerCase();
  if (previous === statusId) return { kind: 'skipped', caseId, reason: 'status_unchanged' };
  const reopened = previous !== undefined && (await closesConversation(previous, deps));
  await noteCaseStatus(caseId, statusId, deps, reopened ? null : undefined);
  await noteContactCaseStatus(known.value, statusId, false, deps);
  if (reopened) {
    observer.info('case moved out of a resolved status in Creatio; the OpenCX conversation is left as it is', {
      caseId,
      statusId,
      previousStatusId: previous,
      sessionId: known.value.sessionId,
    });
    return { kind: 'reopened', caseId, statusId };
  }
  return { kind: 'status_noted', caseId, statusId };
};

/** The tenant's resolved status (no request needed), or any status flagged resolved or final. */
const closesConversation = async (statusId: string, deps: SyncToOpenCxDeps): Promise<boolean> => {
  const resolved = deps.config.cases.resolvedStatusId?.toLowerCase();
  if (resolved === statusId) return true;
  const status = await deps.creatio.getCaseStatus(statusId);
  return Boolean(status && (status.isResolved || status.isFinal));
};

/** Closes one conversation as resolved if it is open. True when this call closed it. */
const resolveSession = async (sessionId: string, caseId: string, caseState: CaseState, deps: SyncToOpenCxDeps): Promise<boolean> => {
  const { store, opencx } = deps;
  const stored = (await store.getSession(sessionId))?.value;
  // Done before (by us, a redelivery) or resolved in OpenCX and still closed there: nothing to do.
  if (stored?.status === 'closed' && stored.resolvedBy) return false;
  // Our record may lag behind OpenCX: the conversation itself says whether it is still open.
  const live = await opencx.getSession(sessionId);
  if (live.status && live.status !== 'open') return false;

  // Who resolved it is stored before OpenCX announces the closure.
  await updateRecord(
    () => store.getSession(sessionId),
    (value, version) => store.putSession(value, version),
    (current): SessionRecord | undefined =>
      current?.resolvedBy === 'creatio' ? undefined : { caseId, channel: caseState.channel, ...current, sessionId, resolvedBy: 'creatio', updatedAt: deps.now().toISOString() },
  );
  await opencx.updateSessionStatus(sessionId, 'closed_resolved', { reflectToIntegration: false });
  await updateRecord(
    () => store.getSession(sessionId),
    (value, version) => store.putSession(value, version),
    (current): SessionRecord | undefined => (current?.status === 'closed' ? undefined : { ...current, sessionId, status: 'closed', updatedAt: deps.now().toISOString() }),
  );
  return true;
};

/**
 * CASE `lastStatusId` (to recognise a reopening next time); `resolvedBy` set when we closed
 * conversations, cleared (null) when the case was reopened.
 */
const noteCaseStatus = async (caseId: string, statusId: string, deps: SyncToOpenCxDeps, resolvedBy: 'creatio' | null | undefined): Promise<void> => {
  await updateRecord(
    () => deps.store.getCase(caseId),
    (value, version) => deps.store.putCase(value, version),
    (current): CaseState | undefined => {
      if (!current) return undefined;
      const nextResolvedBy = resolvedBy === null ? undefined : (resolvedBy ?? current.resolvedBy);
      if (current.lastStatusId === statusId && current.resolvedBy === nextResolvedBy) return undefined;
      return { ...current, lastStatusId: statusId, resolvedBy: nextResolvedBy };
    },
  );
};

/** The contact's remembered open-case status (issue 13): forgotten when the case closes, refreshed otherwise. */
const noteContactCaseStatus = async (caseState: CaseState, statusId: string, closes: boolean, deps: SyncToOpenCxDeps): Promise<void> => {
  const contactKey = caseState.contactKey;
  if (!contactKey) return;
  await updateRecord(
    () => deps.store.getContact(contactKey),
    (value, version) => deps.store.putContact(value, version),
    (current) => caseStatusSeen(current, caseState.caseId, statusId, closes, deps.now()),
  );
};
