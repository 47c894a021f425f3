import {
  ActivityCategoryIds,
  ActivityPriorityIds,
  ActivityStatusIds,
  ActivityTypeIds,
  EmailMessageTypeIds,
  batchOp,
  type BatchItemResult,
  type BatchOperation,
  type CreatioClient,
} from '../../creatio';
import { PermanentError, RetryableError } from '../../errors';
import { deterministicId, sha256Hex } from '../../ids';
import { normaliseHistory, type OpenCxClient, type OpenCxMessage, type OpenCxSession } from '../../opencx';
import { REPLAY_EVENT, type OpenCxQueueMessage } from '../../schemas/queue-messages';
import type { TenantConfig } from '../../schemas/tenant-config';
import { sessionUrl } from '../../config';
import {
  ConcurrentUpdateError,
  outboundTextHash,
  type CaseRecord,
  type ContactRecord,
  type SessionRecord,
  type StateStore,
  type Versioned,
} from '../../state/state-store';
import { isCustomerVisible, renderActivity, subjectFor } from '../render';
import { aiFieldColumns, originFor } from './case-fields';
import { bridgeContactId, contactCreate, contactIdentity, matchContact, type ContactIdentity } from './contact';
import type { LookupResolver } from './lookups';

// Completed Email-type activities: those show in the case's message history that reps read.

/** A claimed open case younger than this may still be on its way into Creatio. */
const CLAIM_GRACE_MS = 60_000;

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
}

export type SyncOutcome =
  | { readonly kind: 'skipped'; readonly reason: string }
  | {
      readonly kind: 'synced';
      readonly caseId: string;
      readonly caseMode: 'created' | 'existing' | 'appended';
      readonly activitiesWritten: number;
      readonly resolved: boolean;
    };

const MESSAGE_EVENTS = new Set(['conversation.started', 'conversation.contact_response', 'conversation.ai_response', 'conversation.agent_response']);

const toIso = (value: string | null | undefined, fallback: Date): string => {
  const parsed = value ? new Date(value) : undefined;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed.toISOString() : fallback.toISOString();
};

/** Conflicting writers (e.g. a replay racing the live event) resolve by redelivery: the work is idempotent. */
const retryOnConflict = async <T>(write: () => Promise<T>): Promise<T> => {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConcurrentUpdateError) throw new RetryableError(error.message, { kind: 'conflict', cause: error });
    throw error;
  }
};

/** Batch items that failed: the first permanent one decides (to the DLQ with its reason), else retry. */
const throwIfFailed = (results: readonly BatchItemResult[]): void => {
  const failures = results.filter((r) => r.outcome === 'failed' || r.outcome === 'not_executed');
  if (!failures.length) return;
  const failed = failures.filter((r): r is Extract<BatchItemResult, { outcome: 'failed' }> => r.outcome === 'failed');
  const permanent = failed.find((r) => r.error instanceof PermanentError);
  if (permanent) {
    throw new PermanentError(
      `Creatio refused ${permanent.operation.method} ${permanent.operation.collection} (${permanent.status}): ${permanent.error.message}`,
      { status: permanent.status, kind: 'creatio_rejected', cause: permanent.error },
    );
  }
  const first = failed[0];
  throw new RetryableError(`Creatio did not complete ${failures.length} of ${results.length} writes`, {
    kind: first?.error instanceof RetryableError ? first.error.kind : 'partial_batch',
    ...(first?.error instanceof RetryableError && first.error.retryAfterMs !== undefined ? { retryAfterMs: first.error.retryAfterMs } : {}),
  });
};

interface CaseTarget {
  readonly caseId: string;
  readonly mode: 'created' | 'existing' | 'appended';
  readonly parentCaseId?: string;
  readonly contact: Versioned<ContactRecord> | undefined;
}

/**
 * OpenCX → Creatio for one queued event (design §3). Re-reads the session and its history from OpenCX,
 * decides the case (existing, the contact's open case, or a new one), and writes contact, case and one
 * activity per new message in one `$batch`, all with deterministic ids, so a redelivered or replayed
 * event converges on the same records. State is written last, guarded by versions.
 */
export const syncConversation = async (event: OpenCxQueueMessage, deps: SyncToCreatioDeps): Promise<SyncOutcome> => {
  const { config, store, observer } = deps;
  const sessionId = event.conversationId;
  const now = deps.now();
  if (event.event === 'conversation.handoff_to_human') observer.metric('handoffsReceived');

  const stored = await store.getSession(sessionId);
  const state: SessionRecord = stored?.value ?? { sessionId };
  const version = stored?.version ?? 0;
  const isHandoff = event.event === 'conversation.handoff_to_human';
  const handoffSummary = event.handoff?.summary;
  // The same handoff seen again: by OpenCX's timestamp, or by its summary already being on the case (a close
  // synced before a late handoff webhook creates the case with the session's handoff summary).
  const handoffAlreadySynced =
    isHandoff &&
    ((state.handoffsSynced ?? []).includes(event.occurredAt) ||
      (handoffSummary !== undefined && (state.summariesSynced ?? []).includes(sha256Hex(handoffSummary))));
  const mayCreateCase = !config.cases.createCaseOnlyOnHandoff || isHandoff || event.event === REPLAY_EVENT;

  if (!state.caseId && !mayCreateCase && event.event !== 'conversation.closed') {
    return { kind: 'skipped', reason: 'no case yet (cases are created at handoff)' };
  }
  if (MESSAGE_EVENTS.has(event.event) && deps.syncedThisBatch?.has(sessionId)) {
    return { kind: 'skipped', reason: 'already synced in this batch' };
  }

  const session = await deps.opencx.getSession(sessionId);
  const handedOff = Boolean(session.handoff) || session.ai_closure_type === 'handed_off';
  if (!state.caseId && !mayCreateCase && !(handedOff && config.cases.createCaseOnlyOnHandoff)) {
    return { kind: 'skipped', reason: 'conversation closed without a handoff' };
  }
  if (event.event === REPLAY_EVENT && !state.caseId && config.cases.createCaseOnlyOnHandoff && !handedOff) {
    return { kind: 'skipped', reason: 'replay of a conversation that was never handed off' };
  }

  // The transcript since the cursor (the whole of it at the first sync).
  const history = await deps.opencx.listHistory(sessionId, {
    ...(state.caseId && state.historyCursor ? { afterCursor: state.historyCursor } : {}),
    ...(state.caseId && state.cursor ? { sinceMessageId: state.cursor.lastMessageId } : {}),
  });
  deps.syncedThisBatch?.add(sessionId);
  const allNew = normaliseHistory(history.items);
  const outbound = await store.getOutbound(sessionId);
  const ours = new Set((outbound?.value.messages ?? []).flatMap((m) => [m.textHash, ...(m.messageId ? [m.messageId] : [])]));
  const isEcho = (m: OpenCxMessage) => m.author === 'agent' && (ours.has(m.id) || ours.has(outboundTextHash(m.text)));
  const visible = allNew.filter((m) => isCustomerVisible(m) && !isEcho(m));

  const channel = session.channel?.type ?? state.channel ?? undefined;
  const identity = contactIdentity(session);
  const target = await chooseCase(state, identity, deps, now);
  const contactMatch = target.mode === 'created' || !state.creatioContactId ? await contactFor(target, identity, deps) : undefined;
  const creatioContactId = state.creatioContactId ?? contactMatch?.creatioContactId;

  const ops: BatchOperation[] = [];
  if (contactMatch?.create) ops.push(batchOp.create('Contact', contactMatch.create));
  const summary = event.handoff?.summary ?? session.handoff?.summary ?? session.summary ?? undefined;
  if (target.mode === 'created') {
    const [origin, aiFields] = await Promise.all([originFor(config, channel, deps.lookups), aiFieldColumns(config, session, event, deps.lookups)]);
    if (aiFields.unmapped.length) observer.warn('AI field label has no Creatio GUID; left empty', { sessionId, columns: aiFields.unmapped });
    ops.push(
      batchOp.create('Case', {
        Id: target.caseId,
        Subject: subjectFor(allNew, channel),
        Symptoms: summary ?? '',
        StatusId: config.cases.newStatusId,
        PriorityId: config.cases.priorityId,
        RegisteredOn: toIso(session.created_at, now),
        ...(creatioContactId ? { ContactId: creatioContactId } : {}),
        ...(origin ? { OriginId: origin } : {}),
        ...(config.cases.defaultOwnerId ? { OwnerId: config.cases.defaultOwnerId } : {}),
        ...(config.cases.defaultGroupId ? { GroupId: config.cases.defaultGroupId } : {}),
        ...(target.parentCaseId ? { ParentCaseId: target.parentCaseId } : {}),
        ...aiFields.columns,
      }),
    );
  } else if (isHandoff && summary && target.mode === 'existing' && !state.summaryWritten) {
    // A case created before the handoff ("every conversation" mode) gets the summary now.
    ops.push(batchOp.patch('Case', target.caseId, { Symptoms: summary }));
  }

  const link = sessionUrl(config, sessionId);
  const firstOfSession = !state.cursor;
  const activityIds: string[] = [];
  const addActivity = (id: string, fields: Record<string, unknown>) => {
    activityIds.push(id);
    ops.push(
      batchOp.create('Activity', {
        Id: id,
        TypeId: ActivityTypeIds.Email,
        ActivityCategoryId: ActivityCategoryIds.Email,
        StatusId: ActivityStatusIds.Completed,
        PriorityId: ActivityPriorityIds.Medium,
        CaseId: target.caseId,
        ...(creatioContactId ? { ContactId: creatioContactId } : {}),
        IsHtmlBody: false,
        ...fields,
      }),
    );
  };

  // A handoff onto a case that already existed (second handoff, or a new conversation appended to the
  // contact's open case) is announced with its summary, so the rep sees why it came back.
  if (isHandoff && target.mode !== 'created' && !handoffAlreadySynced) {
    addActivity(deterministicId(config.tenant, 'handoff', sessionId, event.occurredAt), {
      Title: target.mode === 'appended' ? 'New OpenCX conversation handed off (appended to this case)' : 'Conversation handed off to a human agent again',
      Body: [summary ? `Summary: ${summary}` : 'No summary was given.', event.handoff?.reason ? `Reason: ${event.handoff.reason}` : '', `View session in OpenCX: ${link}`]
        .filter(Boolean)
        .join('\n\n'),
      StartDate: toIso(event.occurredAt, now),
      DueDate: toIso(event.occurredAt, now),
      MessageTypeId: EmailMessageTypeIds.Incoming,
    });
  }

  const customerAddress = identity.email ?? identity.phone;
  visible.forEach((message, index) => {
    const rendered = renderActivity(message, {
      channel,
      isFirst: firstOfSession && index === 0,
      sessionUrl: link,
      ...(identity.name ? { customerName: identity.name } : {}),
      ...(customerAddress ? { customerAddress } : {}),
      ...(config.creatio.supportMailbox ? { agentMailbox: config.creatio.supportMailbox } : {}),
      registrationMailboxes: config.creatio.caseRegistrationMailboxes,
    });
    const at = toIso(message.createdAt, now);
    addActivity(deterministicId(config.tenant, 'activity', sessionId, message.id), {
      Title: rendered.title,
      Body: rendered.body,
      StartDate: at,
      DueDate: at,
      SendDate: at,
      Sender: rendered.sender.slice(0, 250),
      Recepient: rendered.recipient.slice(0, 250),
      MessageTypeId: rendered.direction === 'incoming' ? EmailMessageTypeIds.Incoming : EmailMessageTypeIds.Outgoing,
    });
  });

  // Our own activities are known before Creatio sees them, so the agent-reply process never forwards them.
  if (activityIds.length) await store.rememberOwnActivities(activityIds);
  if (ops.length) throwIfFailed(await deps.creatio.batch(ops, { continueOnError: true }));

  if (contactMatch?.create) observer.metric('contactsCreated');
  if (target.mode === 'created' && !state.caseId) observer.metric('casesCreated');
  if (target.mode === 'appended') observer.metric('casesAppended');
  if (visible.length) observer.metric('activitiesWritten', visible.length);

  const lastItem = allNew[allNew.length - 1];
  const lastCustomer = [...visible].reverse().find((m) => m.author === 'customer');
  let next: SessionRecord = {
    ...state,
    sessionId,
    caseId: target.caseId,
    channel: channel ?? state.channel,
    contactKey: identity.key,
    creatioContactId,
    cursor: lastItem ? { lastMessageId: lastItem.id, count: (state.cursor?.count ?? 0) + allNew.length } : state.cursor,
    historyCursor: history.lastCursor ?? state.historyCursor,
    lastCustomerMessageAt: lastCustomer ? toIso(lastCustomer.createdAt, now) : state.lastCustomerMessageAt,
    summaryWritten: state.summaryWritten || Boolean(summary && (target.mode === 'created' || isHandoff)),
    handoffsSynced: isHandoff && !handoffAlreadySynced ? [...(state.handoffsSynced ?? []), event.occurredAt].slice(-20) : state.handoffsSynced,
    summariesSynced: summary && (target.mode === 'created' || isHandoff) ? [...new Set([...(state.summariesSynced ?? []), sha256Hex(summary)])].slice(-20) : state.summariesSynced,
    status: session.status === 'open' || !session.status ? 'open' : 'closed',
    firstSyncedAt: state.firstSyncedAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
  };

  const resolved = event.event === 'conversation.closed' || session.status === 'closed_resolved' ? await resolveCase(event, session, next, target.caseId, deps) : false;
  if (resolved) next = { ...next, resolvedBy: 'opencx', status: 'closed' };

  await retryOnConflict(() => store.putSession(next, version));
  await recordCase(target.caseId, sessionId, identity.key, channel, deps.store);
  const lagMs = Math.max(0, deps.now().getTime() - new Date(event.occurredAt).getTime());
  observer.metric('syncLag', lagMs);
  observer.info('conversation synced to Creatio', {
    sessionId,
    lagMs,
    caseId: target.caseId,
    caseMode: target.mode,
    activities: visible.length,
    resolved,
  });
  return { kind: 'synced', caseId: target.caseId, caseMode: target.mode, activitiesWritten: visible.length, resolved };
};

/** Which case this conversation's messages go to. */
const chooseCase = async (state: SessionRecord, identity: ContactIdentity, deps: SyncToCreatioDeps, now: Date): Promise<CaseTarget> => {
  if (state.caseId) return { caseId: state.caseId, mode: 'existing', contact: undefined };
  const { config, store } = deps;
  const ownCaseId = deterministicId(config.tenant, 'case', state.sessionId);
  const contact = await store.getContact(identity.key);
  const openCaseId = contact?.value.openCaseId;
  let parentCaseId: string | undefined;
  if (openCaseId && openCaseId !== ownCaseId) {
    const usable = await openCaseUsable(openCaseId, contact.value, deps, now);
    if (usable === 'open' && config.cases.appendToOpenCase) return { caseId: openCaseId, mode: 'appended', contact };
    if (usable === 'final') parentCaseId = openCaseId;
  }
  return { caseId: ownCaseId, mode: 'created', ...(parentCaseId ? { parentCaseId } : {}), contact };
};

/** Whether the contact's remembered case can take this conversation: never reopen a final case. */
const openCaseUsable = async (caseId: string, contact: ContactRecord, deps: SyncToCreatioDeps, now: Date): Promise<'open' | 'final' | 'missing'> => {
  const found = await deps.creatio.getCase(caseId);
  if (!found) {
    // Another conversation of this contact claimed the case moments ago and is still writing it.
    const claimedAt = contact.claimedAt ? new Date(contact.claimedAt).getTime() : 0;
    if (now.getTime() - claimedAt < CLAIM_GRACE_MS) {
      throw new RetryableError('The contact\'s open case is still being created by another conversation', { kind: 'conflict' });
    }
    return 'missing';
  }
  if (!found.StatusId) return 'open';
  const status = await deps.lookups.caseStatus(found.StatusId);
  return status?.isFinal ? 'final' : 'open';
};

/** Finds or prepares the Creatio contact and remembers it, claiming a new case as the contact's open one. */
const contactFor = async (target: CaseTarget, identity: ContactIdentity, deps: SyncToCreatioDeps) => {
  const { store, config } = deps;
  const known = target.contact?.value.creatioContactId;
  // A contact the bridge created is created again in this batch (an "already exists" answer is success):
  // the earlier batch that should have created it may have failed after the mapping was remembered.
  const match = known
    ? { creatioContactId: known, ...(known === bridgeContactId(config.tenant, identity) ? { create: contactCreate(known, identity) } : {}) }
    : await matchContact(deps.creatio, config.tenant, identity);
  const claim = target.mode === 'created' && config.cases.appendToOpenCase;
  const changed = !target.contact || (claim && target.contact.value.openCaseId !== target.caseId);
  if (changed) {
    const record: ContactRecord = {
      contactKey: identity.key,
      creatioContactId: match.creatioContactId,
      openCaseId: claim ? target.caseId : target.contact?.value.openCaseId,
      claimedAt: claim ? deps.now().toISOString() : target.contact?.value.claimedAt,
    };
    await retryOnConflict(() => store.putContact(record, target.contact?.version ?? 0));
  }
  return match;
};

/** Conversation closed as resolved in OpenCX → the tenant's Resolved status on the case (design §3). */
const resolveCase = async (
  event: OpenCxQueueMessage,
  session: OpenCxSession,
  state: SessionRecord,
  caseId: string,
  deps: SyncToCreatioDeps,
): Promise<boolean> => {
  const resolvedStatusId = deps.config.cases.resolvedStatusId;
  if (!resolvedStatusId || state.resolvedBy) return false;
  const resolvedInOpenCx =
    session.status === 'closed_resolved' || event.closure?.humanResolution === 'resolved' || (event.closure?.humanResolution == null && event.closure?.aiResolution === 'resolved');
  if (!resolvedInOpenCx) return false;
  const current = await deps.creatio.getCase(caseId);
  if (!current) return false;
  if (current.StatusId?.toLowerCase() === resolvedStatusId.toLowerCase()) return true;
  const status = current.StatusId ? await deps.lookups.caseStatus(current.StatusId) : null;
  if (status?.isFinal) return false;
  await deps.creatio.patchCase(caseId, { StatusId: resolvedStatusId });
  deps.observer.metric('resolutionsToCreatio');
  return true;
};

/** CASE#id: which conversation replies on this case go to (the latest one appended). */
const recordCase = async (caseId: string, sessionId: string, contactKey: string, channel: string | undefined, store: StateStore): Promise<void> => {
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
