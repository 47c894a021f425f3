import type { TenantConfig } from '../../schemas/tenant-config';
import { ConcurrentUpdateError, type ContactRecord, type StateStore, type Versioned } from '../../state/state-store';
import type { CaseTarget } from './choose-case';
import { bridgeContactId, contactCreate, type ContactIdentity, type ContactMatch } from './contact';

/** Whether the Creatio contact must be found (or prepared) for this sync. */
export const needsContact = (target: CaseTarget, creatioContactId: string | undefined): boolean => target.mode === 'created' || !creatioContactId;

/**
 * The contact as the bridge already knows it, without asking Creatio. A contact the bridge created is
 * created again in this batch (an "already exists" answer is success): the earlier batch that should have
 * created it may have failed after the mapping was remembered. Not when appending to a case whose status
 * the record remembers: that case exists, so the batch that created it (and the contact) went through.
 */
export const knownContact = (target: CaseTarget, identity: ContactIdentity, tenant: string): ContactMatch | undefined => {
  const known = target.contact?.value.creatioContactId;
  if (!known) return undefined;
  // A status seen for the contact's case (after the batch that created contact and case, or read from Creatio)
  // proves that batch went through: creating the contact again would only cost a duplicate answer and a check.
  const proven = target.mode === 'appended' && Boolean(target.contact?.value.statusCheckedAt);
  return { creatioContactId: known, ...(known === bridgeContactId(tenant, identity) && !proven ? { create: contactCreate(known, identity) } : {}) };
};

/**
 * The contact record to write before the batch, if it changes: remembers the Creatio contact, and a new
 * case claims to be the contact's open one (so that the contact's next conversation is appended to it).
 */
export const contactClaim = (target: CaseTarget, identity: ContactIdentity, match: ContactMatch, config: TenantConfig, now: Date): ContactRecord | undefined => {
  const claim = target.mode === 'created' && config.cases.appendToOpenCase;
  const changed = !target.contact || (claim && target.contact.value.openCaseId !== target.caseId);
  if (!changed) return undefined;
  return {
    contactKey: identity.key,
    creatioContactId: match.creatioContactId,
    openCaseId: claim ? target.caseId : target.contact?.value.openCaseId,
    claimedAt: claim ? now.toISOString() : target.contact?.value.claimedAt,
  };
};

/**
 * After the batch created the claimed case, the contact record remembers it open with the status it was
 * created with, so the contact's next conversation appends without reading the case. Not before the batch:
 * a claim is only a promise (the case may not exist yet), and appending to a missing case would fail.
 * Best effort: if another conversation changed the record meanwhile, its version stands.
 */
export const confirmClaim = async (
  claimed: Versioned<ContactRecord> | undefined,
  target: CaseTarget,
  deps: { readonly config: TenantConfig; readonly store: StateStore },
  now: Date,
): Promise<void> => {
  if (!claimed || target.mode !== 'created' || claimed.value.openCaseId !== target.caseId || deps.config.cases.caseStatusMaxAgeSeconds === 0) return;
  const value: ContactRecord = { ...claimed.value, openCaseStatusId: deps.config.cases.newStatusId.toLowerCase(), statusCheckedAt: now.toISOString() };
  try {
    await deps.store.putContact(value, claimed.version);
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
  }
};

/**
 * The contact record after Creatio reported (`case_updated`) that `caseId` has `statusId`: an open status is
 * remembered as seen now, a resolved or final one forgets the remembered status, so the next conversation
 * reads the case before appending. Undefined when the record is not about this case or nothing changes.
 */
export const caseStatusSeen = (current: ContactRecord | undefined, caseId: string, statusId: string, closes: boolean, now: Date): ContactRecord | undefined => {
  if (!current || current.openCaseId?.toLowerCase() !== caseId.toLowerCase()) return undefined;
  if (closes) {
    if (!current.openCaseStatusId && !current.statusCheckedAt) return undefined;
    const { openCaseStatusId: _status, statusCheckedAt: _checked, ...rest } = current;
    return rest;
  }
  return { ...current, openCaseStatusId: statusId.toLowerCase(), statusCheckedAt: now.toISOString() };
};
