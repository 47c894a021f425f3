import { deterministicId } from '../../ids';
import type { TenantConfig } from '../../schemas/tenant-config';
import type { ContactRecord, SessionRecord, Versioned } from '../../state/state-store';

/** A claimed open case younger than this may still be on its way into Creatio. */
export const CLAIM_GRACE_MS = 60_000;

/** What Creatio says about the contact's remembered open case. */
export type OpenCaseState = 'open' | 'resolved' | 'final' | 'missing';

/** What the executor read before the case can be chosen. */
export interface CaseCandidates {
  /** The bridge's record of the contact (its Creatio id and open case). */
  readonly contact: Versioned<ContactRecord> | undefined;
  /** The state of `contact.openCaseId` in Creatio, when it is another case than this conversation's own. */
  readonly openCase: OpenCaseState | undefined;
  /** `openCase` is the status the record remembers, not read now: the append is checked alongside the batch. */
  readonly remembered?: boolean;
}

export interface CaseTarget {
  readonly caseId: string;
  readonly mode: 'created' | 'existing' | 'appended';
  readonly parentCaseId?: string;
  readonly contact: Versioned<ContactRecord> | undefined;
}

export type CaseChoice = { readonly kind: 'target'; readonly target: CaseTarget } | { readonly kind: 'wait'; readonly reason: string };

/** The id of the case this conversation gets when it creates one. */
export const ownCaseId = (tenant: string, sessionId: string): string => deterministicId(tenant, 'case', sessionId);

/** The contact's open case that has to be looked at in Creatio, if any. */
export const openCaseToCheck = (state: SessionRecord, contact: ContactRecord | undefined, tenant: string): string | undefined => {
  const openCaseId = contact?.openCaseId;
  return !state.caseId && openCaseId && openCaseId !== ownCaseId(tenant, state.sessionId) ? openCaseId : undefined;
};

/**
 * The contact's open case as the bridge remembers it, when that is fresh enough to append without reading
 * the case: seen open (neither resolved nor final) less than `caseStatusMaxAgeSeconds` ago. Only "open" is
 * remembered: a resolved case is read again (it gets reopened), a final one never gets a remembered status.
 */
export const rememberedOpenCase = (contact: ContactRecord | undefined, config: TenantConfig, now: Date): 'open' | undefined => {
  if (!contact?.openCaseId || !contact.openCaseStatusId || !contact.statusCheckedAt) return undefined;
  const age = now.getTime() - new Date(contact.statusCheckedAt).getTime();
  return age >= 0 && age < config.cases.caseStatusMaxAgeSeconds * 1000 ? 'open' : undefined;
};

/**
 * Which case this conversation's messages go to: its own (already known), the contact's open case
 * (appended), or a new one, linked as child of the contact's case when that one is final.
 */
export const chooseCase = (state: SessionRecord, candidates: CaseCandidates, config: TenantConfig, now: Date): CaseChoice => {
  if (state.caseId) return { kind: 'target', target: { caseId: state.caseId, mode: 'existing', contact: undefined } };
  const { contact, openCase } = candidates;
  const own = ownCaseId(config.tenant, state.sessionId);
  const openCaseId = openCaseToCheck(state, contact?.value, config.tenant);
  let parentCaseId: string | undefined;
  if (openCaseId && openCase) {
    if (openCase === 'missing') {
      // Another conversation of this contact claimed the case moments ago and is still writing it.
      const claimedAt = contact?.value.claimedAt ? new Date(contact.value.claimedAt).getTime() : 0;
      if (now.getTime() - claimedAt < CLAIM_GRACE_MS) {
        return { kind: 'wait', reason: "The contact's open case is still being created by another conversation" };
      }
    }
    if ((openCase === 'open' || openCase === 'resolved') && config.cases.appendToOpenCase) {
      return { kind: 'target', target: { caseId: openCaseId, mode: 'appended', contact } };
    }
    if (openCase === 'final') parentCaseId = openCaseId;
  }
  return { kind: 'target', target: { caseId: own, mode: 'created', ...(parentCaseId ? { parentCaseId } : {}), contact } };
};
