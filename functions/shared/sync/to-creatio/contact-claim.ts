import type { TenantConfig } from '../../schemas/tenant-config';
import type { ContactRecord } from '../../state/state-store';
import type { CaseTarget } from './choose-case';
import { bridgeContactId, contactCreate, type ContactIdentity, type ContactMatch } from './contact';

/** Whether the Creatio contact must be found (or prepared) for this sync. */
export const needsContact = (target: CaseTarget, creatioContactId: string | undefined): boolean => target.mode === 'created' || !creatioContactId;

/**
 * The contact as the bridge already knows it, without asking Creatio. A contact the bridge created is
 * created again in this batch (an "already exists" answer is success): the earlier batch that should have
 * created it may have failed after the mapping was remembered.
 */
export const knownContact = (target: CaseTarget, identity: ContactIdentity, tenant: string): ContactMatch | undefined => {
  const known = target.contact?.value.creatioContactId;
  if (!known) return undefined;
  return { creatioContactId: known, ...(known === bridgeContactId(tenant, identity) ? { create: contactCreate(known, identity) } : {}) };
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
