import type { CreatioClient } from '../../creatio';
import { DEFERRED, RetryableError } from '../../errors';
import type { OpenCxClient, OpenCxSession } from '../../opencx';
import type { OpenCxQueueMessage } from '../../schemas/queue-messages';
import type { TenantConfig } from '../../schemas/tenant-config';
import type { ContactRecord, QuarantinedMessage, SessionRecord, StateStore, Versioned } from '../../state/state-store';
import { REPLAY_EVENT } from '../../schemas/queue-messages';
import { aiFieldColumns, originFor } from './case-fields';
import { recordCase } from './case-record';
import { chooseCase, type CaseTarget } from './choose-case';
import { confirmClaim, contactClaim, knownContact, needsContact } from './contact-claim';
import { contactIdentity, matchContact, type ContactIdentity, type ContactMatch } from './contact';
import { gateAfterSession, gateBeforeSession } from './event-gate';
import { knownCustomer, skipsSessionRead } from './known-customer';
import { writePlan } from './execute-plan';
import type { LookupResolver } from './lookups';
import { nextSessionState } from './next-state';
import { planSync } from './plan-sync';
import { checkRememberedCase, readCaseCandidates, writeChecked } from './read-candidates';
import { closureKey, resolveCase, wantsResolution } from './resolution';
import { readHistory } from './read-history';
import { retryOnConflict } from './retry-on-conflict';
import { reportSynced, reportWrite } from './sync-report';
import { isOutboundEcho } from '../to-opencx/sent-by-creatio';
import { storePlannedFiles, type CustomerFilePolicy } from '../attachments/customer-files';

export interface SyncObserver {
  metric(name: SyncMetric, value?: number): void;
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

export type SyncMetric =
  | 'handoffsReceived'
  | 'casesCreated'
  | 'casesAppended'
  | 'contactsCreated'
  | 'activitiesWritten'
  | 'resolutionsToCreatio'
  | 'messagesQuarantined'
  | 'syncLag';

export interface SyncToCreatioDeps {
  readonly config: TenantConfig;
  readonly creatio: CreatioClient;
  readonly opencx: OpenCxClient;
  readonly store: StateStore;
  readonly lookups: LookupResolver;
  readonly observer: SyncObserver;
  readonly now: () => Date;
  /**
   * Sessions whose history was read earlier in this batch: a later message event of the same session
   * in the same batch is already covered (its message existed before the batch was received).
   */
  readonly syncedThisBatch?: Set<string>;
  /** The queue delivers this event for the first time: only then may it wait for the messages that follow (coalescing). */
  readonly firstDelivery?: boolean;
  /** Customer attachments become Creatio files (issue 15); absent = they stay links only. */
  readonly filePolicy?: CustomerFilePolicy;
}

export type SyncOutcome =
  | { readonly kind: 'skipped'; readonly reason: string }
  | {
      readonly kind: 'synced';
      readonly caseId: string;
      readonly caseMode: 'created' | 'existing' | 'appended';
      readonly activitiesWritten: number;
      readonly resolved: boolean;
      readonly quarantined: readonly QuarantinedMessage[];
    };

/**
 * OpenCX → Creatio for one queued event (design §3), the executor: it reads (state, session, history,
 * candidates), lets the pure planner decide (`chooseCase`, `planSync`, `nextSessionState`), writes the
 * plan in one `$batch` and the state last, guarded by versions.
 */
export const syncConversation = async (event: OpenCxQueueMessage, deps: SyncToCreatioDeps): Promise<SyncOutcome> => {
  const { config, store, observer } = deps;
  const sessionId = event.conversationId;
  const now = deps.now();
  if (event.event === 'conversation.handoff_to_human') observer.metric('handoffsReceived');

  const stored = await store.getSession(sessionId);
  const state: SessionRecord = stored?.value ?? { sessionId };
  const before = gateBeforeSession(event, state, config, { syncedThisBatch: deps.syncedThisBatch, firstDelivery: deps.firstDelivery, now });
  if (!before.go && before.deferMs !== undefined) throw new RetryableError(before.reason, { kind: DEFERRED, retryAfterMs: before.deferMs });
  if (!before.go) return { kind: 'skipped', reason: before.reason };

  // The transcript since the cursor (the whole of it at the first sync, or for a replay that retries quarantined messages).
  const retryQuarantined = event.event === REPLAY_EVENT && Boolean(state.quarantined?.length);
  const readTranscript = () => readHistory(deps.opencx, state, { retryQuarantined });
  // Who the customer is: a new message of a known conversation asks Creatio (no OpenCX request, issue 13),
  // anything else (or a contact that no longer proves the same identity) reads the OpenCX session.
  const customer = async (): Promise<{ readonly session?: OpenCxSession; readonly identity: ContactIdentity }> => {
    const known = skipsSessionRead(event, state) ? await knownCustomer(state, event, { creatio: deps.creatio, defaultCountry: config.creatio.defaultCountry }) : undefined;
    if (known) return { identity: known };
    const read = await deps.opencx.getSession(sessionId);
    return { session: read, identity: contactIdentity(read, config.creatio.defaultCountry) };
  };
  // With a case, the session can no longer stop the sync (gateAfterSession): read it, the history and our outbound
  // record side by side. Without one, the session decides first, so that no OpenCX request is spent on a skip.
  const [{ session, identity }, early] = state.caseId
    ? await Promise.all([customer(), Promise.all([readTranscript(), store.getOutbound(sessionId)])])
    : [await customer(), undefined];
  const after = session ? gateAfterSession(event, state, session, config) : { go: true as const };
  if (!after.go) return { kind: 'skipped', reason: after.reason };
  // Replies reach a session only through its case, so a session without a case has no outbound record yet.
  const [history, outbound] = early ?? [await readTranscript(), undefined];
  deps.syncedThisBatch?.add(sessionId);
  // Our own replies coming back: by OpenCX message id, by text only within minutes of sending (a rep's later "Thanks!" is real).
  const echoes = new Set([...history.fresh, ...history.retry].filter((m) => m.author === 'agent' && isOutboundEcho(m, outbound?.value)).map((m) => m.id));

  const candidates = await readCaseCandidates(state, identity.key, deps);
  const choice = chooseCase(state, candidates, config, now);
  if (choice.kind === 'wait') throw new RetryableError(choice.reason, { kind: 'conflict' });
  const target = choice.target;
  // Contact search and case lookups side by side: one round trip, not two, on a cold client.
  const [contact, caseColumns] = await Promise.all([
    needsContact(target, state.creatioContactId) ? findContact(target, identity, deps) : undefined,
    target.mode === 'created' && session ? caseColumnsFor(event, session, session.channel?.type ?? state.channel ?? undefined, deps) : {},
  ]);
  const reopenCase = target.mode === 'appended' && candidates.openCase === 'resolved';

  const plan = planSync({
    event,
    state,
    session,
    history: history.fresh,
    retry: history.retry,
    reopenCase,
    echoes,
    identity,
    target,
    contact,
    caseColumns,
    config,
    now,
    filePolicy: deps.filePolicy,
  });
  // Our own activities carry ids we minted (isBridgeId), so the agent-reply process never forwards them:
  // no marker item per activity, and the state writes of a handoff stay flat in its length.
  // Appending on a remembered status: the case is read alongside the batch, and a case closed meanwhile gets nothing.
  const checking = checkRememberedCase(target, candidates, deps);
  const activityIds = [...(plan.note ? [plan.note.activityId] : []), ...plan.messages.map((m) => m.activityId)];
  const written = await writeChecked(checking, () => writePlan(plan, deps.creatio, now), { target, candidates, activityIds }, deps);
  await confirmClaim(contact?.claimed, target, deps, now);

  reportWrite(observer, sessionId, { contactCreated: Boolean(contact?.create), caseCreated: target.mode === 'created' && !state.caseId, target, plan, written });

  // Each message's files, streamed onto its activity now that it exists (before the cursor moves: a retry redoes them).
  const refused = new Set(written.quarantined.map((q) => q.messageId));
  await storePlannedFiles(
    plan.messages.filter((m) => !refused.has(m.message.id)),
    deps.creatio,
    deps.filePolicy,
  );

  const { fresh, lastCursor: historyCursor, lastItemId } = history;
  let next = nextSessionState({ event, state, session, history: fresh, historyCursor, lastItemId, identity, target, plan, quarantined: written.quarantined, now });
  const resolved = wantsResolution(event, session, state, config)
    ? await resolveCase(target.caseId, { ...deps, onResolved: () => observer.metric('resolutionsToCreatio') })
    : false;
  if (resolved) next = { ...next, resolvedBy: 'opencx', status: 'closed', closuresSynced: [...(next.closuresSynced ?? []), closureKey(event)].slice(-20) };

  await retryOnConflict(() => store.putSession(next, stored?.version ?? 0));
  if (written.quarantined.length || state.quarantined?.length) {
    await store.recordQuarantine?.(sessionId, next.quarantined ?? []);
  }
  await recordCase(target.caseId, sessionId, identity.key, plan.channel, store);
  reportSynced(observer, { sessionId, occurredAt: event.occurredAt, now: deps.now(), target, activities: plan.messages.length, quarantined: written.quarantined, resolved });
  return {
    kind: 'synced',
    caseId: target.caseId,
    caseMode: target.mode,
    activitiesWritten: plan.messages.length,
    resolved,
    quarantined: written.quarantined,
  };
};

/** Finds or prepares the Creatio contact, and writes the contact's claim before anything goes to Creatio. */
const findContact = async (
  target: CaseTarget,
  identity: ReturnType<typeof contactIdentity>,
  deps: SyncToCreatioDeps,
): Promise<ContactMatch & { readonly claimed?: Versioned<ContactRecord> }> => {
  const match =
    knownContact(target, identity, deps.config.tenant) ??
    (await matchContact(deps.creatio, deps.config.tenant, identity, { defaultCountry: deps.config.creatio.defaultCountry, observer: deps.observer }));
  const claim = contactClaim(target, identity, match, deps.config, deps.now());
  if (!claim) return match;
  const version = await retryOnConflict(() => deps.store.putContact(claim, target.contact?.version ?? 0));
  return { ...match, claimed: { value: claim, version } };
};

/** Origin and AI-filled columns of a case created now (lookups resolved by name once per container). */
const caseColumnsFor = async (event: OpenCxQueueMessage, session: OpenCxSession, channel: string | undefined, deps: SyncToCreatioDeps) => {
  const [origin, aiFields] = await Promise.all([originFor(deps.config, channel, deps.lookups), aiFieldColumns(deps.config, session, event, deps.lookups)]);
  if (aiFields.unmapped.length) deps.observer.warn('AI field label has no Creatio GUID; left empty', { sessionId: session.id, columns: aiFields.unmapped });
  return { ...(origin ? { OriginId: origin } : {}), ...aiFields.columns };
};
