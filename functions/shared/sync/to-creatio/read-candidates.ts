import { batchOp, type CreatioClient } from '../../creatio';
import { RetryableError } from '../../errors';
import { ConcurrentUpdateError, type SessionRecord, type StateStore } from '../../state/state-store';
import type { TenantConfig } from '../../schemas/tenant-config';
import { openCaseToCheck, rememberedOpenCase, type CaseCandidates, type CaseTarget, type OpenCaseState } from './choose-case';
import type { LookupResolver } from './lookups';
import { retryOnConflict } from './retry-on-conflict';

/**
 * Reads what choosing the case needs: the contact's record and, if it remembers another open case, that
 * case's state. A status the record saw open less than `cases.caseStatusMaxAgeSeconds` ago is trusted
 * without asking Creatio; otherwise the case is read and, when open, its status remembered.
 */
export const readCaseCandidates = async (
  state: SessionRecord,
  contactKey: string,
  deps: {
    readonly config: TenantConfig;
    readonly store: StateStore;
    readonly creatio: CreatioClient;
    readonly lookups: LookupResolver;
    readonly now: () => Date;
  },
): Promise<CaseCandidates> => {
  if (state.caseId) return { contact: undefined, openCase: undefined };
  const contact = await deps.store.getContact(contactKey);
  const caseId = openCaseToCheck(state, contact?.value, deps.config.tenant);
  if (!caseId || !contact) return { contact, openCase: undefined };
  const now = deps.now();
  const remembered = rememberedOpenCase(contact.value, deps.config, now);
  if (remembered) return { contact, openCase: remembered, remembered: true };
  const read = await readCaseStatus(caseId, deps);
  if (read.state !== 'open' || !read.statusId || deps.config.cases.caseStatusMaxAgeSeconds === 0) return { contact, openCase: read.state };
  // Seen open: remembered, so that the contact's next conversations within the max age append without this read.
  const value = { ...contact.value, openCaseStatusId: read.statusId, statusCheckedAt: now.toISOString() };
  const version = await retryOnConflict(() => deps.store.putContact(value, contact.version));
  return { contact: { value, version }, openCase: 'open' };
};

/** A case's state in Creatio: missing, final (closed), resolved (not final: it may be reopened), or open. */
export const readCaseState = async (caseId: string, deps: { readonly creatio: CreatioClient; readonly lookups: LookupResolver }): Promise<OpenCaseState> =>
  (await readCaseStatus(caseId, deps)).state;

/** The case and the status table are read side by side (one round trip; the table only once per container). */
const readCaseStatus = async (
  caseId: string,
  deps: { readonly creatio: CreatioClient; readonly lookups: LookupResolver },
): Promise<{ readonly state: OpenCaseState; readonly statusId?: string }> => {
  const [found] = await Promise.all([deps.creatio.getCase(caseId), deps.lookups.caseStatuses().catch(() => undefined)]);
  if (!found) return { state: 'missing' };
  if (!found.StatusId) return { state: 'open' };
  const statusId = found.StatusId.toLowerCase();
  const status = await deps.lookups.caseStatus(statusId);
  if (status?.isFinal) return { state: 'final', statusId };
  return { state: status?.isResolved ? 'resolved' : 'open', statusId };
};

type AppendDeps = { readonly config: TenantConfig; readonly store: StateStore; readonly creatio: CreatioClient; readonly lookups: LookupResolver };

/**
 * An append to a case chosen from the remembered status is checked alongside the batch (overlapping, so no
 * round trip in sequence): the case is read while the batch is written. Undefined when there is nothing to check.
 */
export const checkRememberedCase = (target: CaseTarget, candidates: CaseCandidates, deps: AppendDeps): Promise<OpenCaseState | undefined> | undefined => {
  if (target.mode !== 'appended' || !candidates.remembered) return undefined;
  const remembered = candidates.contact?.value.openCaseStatusId?.toLowerCase();
  return (async (): Promise<OpenCaseState | undefined> => {
    const found = await deps.creatio.getCase(target.caseId);
    if (!found) return 'missing';
    const statusId = found.StatusId?.toLowerCase();
    if (!statusId || statusId === remembered) return 'open';
    const status = await deps.lookups.caseStatus(statusId);
    if (status?.isFinal) return 'final';
    return status?.isResolved ? 'resolved' : 'open';
  })().catch(() => undefined);
};

/**
 * Writes the batch and settles the check: the worst case of a stale remembered status. A case Creatio closed
 * meanwhile (final) gets its new activities taken back (DELETE, ids we minted) and a case that vanished keeps
 * nothing; the status is forgotten and the event retried, so the redelivery reads the case and opens a new one
 * (linked to the closed one). A case resolved meanwhile is moved to Reopened, as the plan would have done.
 * A check that could not be read leaves the append as it is.
 */
export const writeChecked = async <T>(
  checking: Promise<OpenCaseState | undefined> | undefined,
  write: () => Promise<T>,
  appended: { readonly target: CaseTarget; readonly candidates: CaseCandidates; readonly activityIds: readonly string[] },
  deps: AppendDeps,
): Promise<T> => {
  if (!checking) return write();
  const [written, seen] = await Promise.all([
    write().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    checking,
  ]);
  if (seen === 'final' || seen === 'missing') {
    await forgetCaseStatus(appended.candidates, deps.store);
    if (seen === 'final' && appended.activityIds.length) {
      await deps.creatio.batch(
        appended.activityIds.map((id) => batchOp.delete('Activity', id)),
        { continueOnError: true },
      );
    }
    throw new RetryableError(`The contact's open case was ${seen === 'final' ? 'closed' : 'deleted'} in Creatio meanwhile: the conversation gets a new case`, {
      kind: 'conflict',
    });
  }
  if (seen === 'resolved') await deps.creatio.patchCase(appended.target.caseId, { StatusId: deps.config.cases.reopenedStatusId });
  if ('error' in written) throw written.error;
  return written.value;
};

const forgetCaseStatus = async (candidates: CaseCandidates, store: StateStore): Promise<void> => {
  const contact = candidates.contact;
  if (!contact) return;
  const { openCaseStatusId: _status, statusCheckedAt: _checked, ...rest } = contact.value;
  try {
    await store.putContact(rest, contact.version);
  } catch (error) {
    // Someone else rewrote the record meanwhile (a new claim drops the status anyway).
    if (!(error instanceof ConcurrentUpdateError)) throw error;
  }
};
