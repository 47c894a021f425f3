import type { CreatioClient } from '../../creatio';
import type { SessionRecord, StateStore } from '../../state/state-store';
import type { TenantConfig } from '../../schemas/tenant-config';
import { openCaseToCheck, type CaseCandidates, type OpenCaseState } from './choose-case';
import type { LookupResolver } from './lookups';

/** Reads what choosing the case needs: the contact's record and, if it remembers another open case, that case's state. */
export const readCaseCandidates = async (
  state: SessionRecord,
  contactKey: string,
  deps: { readonly config: TenantConfig; readonly store: StateStore; readonly creatio: CreatioClient; readonly lookups: LookupResolver },
): Promise<CaseCandidates> => {
  if (state.caseId) return { contact: undefined, openCase: undefined };
  const contact = await deps.store.getContact(contactKey);
  const caseId = openCaseToCheck(state, contact?.value, deps.config.tenant);
  if (!caseId) return { contact, openCase: undefined };
  return { contact, openCase: await readCaseState(caseId, deps) };
};

/** A case's state in Creatio: missing, final (closed), resolved (not final: it may be reopened), or open. */
export const readCaseState = async (caseId: string, deps: { readonly creatio: CreatioClient; readonly lookups: LookupResolver }): Promise<OpenCaseState> => {
  const found = await deps.creatio.getCase(caseId);
  if (!found) return 'missing';
  if (!found.StatusId) return 'open';
  const status = await deps.lookups.caseStatus(found.StatusId);
  if (status?.isFinal) return 'final';
  return status?.isResolved ? 'resolved' : 'open';
};
