import type { CreatioClient } from '../../creatio';
import type { OpenCxSession } from '../../opencx';
import type { OpenCxQueueMessage } from '../../schemas/queue-messages';
import type { TenantConfig } from '../../schemas/tenant-config';
import type { SessionRecord } from '../../state/state-store';
import type { LookupResolver } from './lookups';

/** Whether OpenCX closed the conversation as resolved (by the session's status or the closure's verdict). */
export const resolvedInOpenCx = (event: OpenCxQueueMessage, session: OpenCxSession | undefined): boolean =>
  session?.status === 'closed_resolved' || event.closure?.humanResolution === 'resolved' || (event.closure?.humanResolution == null && event.closure?.aiResolution === 'resolved');

/** Which OpenCX closure this is: its timestamp for a close event; a resolved status seen on another event is 'status'. */
export const closureKey = (event: OpenCxQueueMessage): string => (event.event === 'conversation.closed' ? event.occurredAt : 'status');

/**
 * Whether this sync should set the case to the tenant's Resolved status (before looking at the case): each
 * OpenCX closure resolves the case once (resolve → the customer writes again → resolve resolves it again);
 * a resolved status seen on another event counts only when no closure was synced yet.
 */
export const wantsResolution = (event: OpenCxQueueMessage, session: OpenCxSession | undefined, state: SessionRecord, config: TenantConfig): boolean => {
  if (event.event !== 'conversation.closed' && session?.status !== 'closed_resolved') return false;
  if (!config.cases.resolvedStatusId) return false;
  // The echo of a resolution made in Creatio (the bridge closed the conversation itself): nothing to write back.
  if (state.resolvedBy === 'creatio' && state.status === 'closed') return false;
  const synced = state.closuresSynced ?? [];
  const key = closureKey(event);
  if (synced.includes(key) || (key === 'status' && (synced.length > 0 || state.resolvedBy))) return false;
  return resolvedInOpenCx(event, session);
};

export type ResolutionStep = 'already' | 'patch' | 'leave';

/** Given the case's status in Creatio: already resolved, resolve it now, or leave a final (closed) case alone. */
export const resolutionStep = (
  currentStatusId: string | undefined,
  status: { readonly isFinal: boolean; readonly isResolved: boolean } | null,
  resolvedStatusId: string,
): ResolutionStep => {
  // A rep's own resolved status (e.g. "Solved by phone") counts as resolved: it is not overwritten.
  if (currentStatusId?.toLowerCase() === resolvedStatusId.toLowerCase() || status?.isResolved) return 'already';
  return status?.isFinal ? 'leave' : 'patch';
};

/** Conversation closed as resolved in OpenCX → the tenant's Resolved status on the case (design §3). Returns whether the case is resolved. */
export const resolveCase = async (
  caseId: string,
  deps: { readonly config: TenantConfig; readonly creatio: CreatioClient; readonly lookups: LookupResolver; readonly onResolved: () => void },
): Promise<boolean> => {
  const resolvedStatusId = deps.config.cases.resolvedStatusId;
  if (!resolvedStatusId) return false;
  const current = await deps.creatio.getCase(caseId);
  if (!current) return false;
  const currentStatusId = current.StatusId ?? undefined;
  const isResolvedAlready = currentStatusId?.toLowerCase() === resolvedStatusId.toLowerCase();
  const status = currentStatusId && !isResolvedAlready ? await deps.lookups.caseStatus(currentStatusId) : null;
  const step = resolutionStep(currentStatusId, status, resolvedStatusId);
  if (step === 'leave') return false;
  if (step === 'patch') {
    await deps.creatio.patchCase(caseId, { StatusId: resolvedStatusId });
    deps.onResolved();
  }
  return true;
};
