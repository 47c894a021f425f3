/**
 * `new_activity` (design §4): an agent's reply written in Creatio reaches the customer through the
 * OpenCX session, exactly once, or — on WhatsApp after the 24-hour window — is held back with a note
 * on the case saying why.
 *
 * Exactly once:
 * 1. REPLY#<activity> is claimed (`sending`, with the time) by a conditional write before anything is
 *    sent; `sent` / `blocked` mean done. A claim younger than `staleClaimMs` means another attempt may
 *    be sending now: retry later. An older claim (or one a failed attempt released) means an attempt
 *    ended without finishing: if it got as far as recording the reply as outbound, the OpenCX history
 *    is checked for the text before anything is sent again.
 * 2. The reply is added to the session's OUTBOUND record (text hash) before it is sent, so that the
 *    OpenCX → Creatio sync recognises it in the history (or behind `conversation.agent_response`)
 *    and does not write it back to the case.
 * 3. Sent; the claim becomes `sent`; OpenCX's message id is added to the OUTBOUND entry.
 */
import { ActivityCategoryIds, ActivityPriorityIds, ActivityStatusIds, ActivityTypeIds, EMPTY_GUID } from '../../creatio';
import { sessionUrl } from '../../config';
import { PermanentError, RetryableError } from '../../errors';
import { deterministicId, isBridgeId } from '../../ids';
import { normaliseHistory, type OpenCxMessage } from '../../opencx';
import type { CreatioQueueMessage } from '../../schemas/queue-messages';
import { outboundTextHash, type CaseRecord as CaseState, type OutboundRecord, type ReplyRecord } from '../../state/state-store';
import { isAgentReplyActivity, replyText } from './reply-text';
import { prepareReply, replyFilesOf, unsentFilesNote } from './reply-attachments';
import type { ActivityFileRecord } from '../../creatio/activity-files';
import { noVerifiedSessionNote, replySession } from './reply-target';
import { wasSentByCreatio } from './sent-by-creatio';
import { conflictIsRetryable, updateRecord } from './state-writes';
import type { SkipReason, SyncToOpenCxDeps, SyncToOpenCxOutcome } from './types';
import { blockedReplyNote, isWhatsAppChannel, isWindowClosed, lastCustomerMessageAt } from './whatsapp-window';

const DEFAULT_STALE_CLAIM_MS = 120_000;
/** A released claim: the attempt that held it failed, so the next one may verify and go on at once. */
const RELEASED_AT = new Date(0).toISOString();
/** Our clock and OpenCX's may disagree this much when matching a sent reply in the history. */
const CLOCK_SKEW_MS = 5 * 60_000;

type OutboundEntry = OutboundRecord['messages'][number];

export const syncAgentReply = async (message: CreatioQueueMessage, deps: SyncToOpenCxDeps): Promise<SyncToOpenCxOutcome> => {
  const { store, config } = deps;
  const caseId = message.caseId.toLowerCase();
  const skip = (reason: SkipReason): SyncToOpenCxOutcome => ({ kind: 'skipped', caseId, reason });
  if (!message.activityId) throw new PermanentError('A new_activity event must name the activity', { kind: 'bad_message' });
  const activityId = message.activityId.toLowerCase();

  // Cheap checks first (DynamoDB only): most activities in a CRM are not on our cases, and ours come back.
  const known = await store.getCase(caseId);
  if (!known) return skip('unknown_case');
  // Ours: every record the bridge writes has an id it minted; older notes may still carry a marker item.
  if (isBridgeId(activityId) || (await store.isOwnActivity(activityId))) return skip('own_activity');
  const previous = await store.getReply(activityId);
  if (previous?.value.state === 'sent') return skip('already_sent');
  if (previous?.value.state === 'blocked') return skip('already_blocked');
  const staleMs = deps.staleClaimMs ?? DEFAULT_STALE_CLAIM_MS;
  if (previous && deps.now().getTime() - Date.parse(previous.value.at) < staleMs) {
    throw new RetryableError(`Reply ${activityId} is being sent by another attempt`, { kind: 'in_progress' });
  }

  // Webhooks are hints: the activity itself decides.
  const activity = await deps.creatio.getActivity(activityId);
  if (!activity) return skip('activity_not_found');
  if ((activity.CaseId ?? '').toLowerCase() !== caseId) return skip('activity_on_other_case');
  if (!isAgentReplyActivity(activity, config.agentReplies)) return skip('not_an_agent_reply');
  // Creatio emailed it to the customer itself: the customer has it already.
  if (wasSentByCreatio(activity, [...config.creatio.caseRegistrationMailboxes, ...(config.creatio.supportMailbox ? [config.creatio.supportMailbox] : [])])) {
    return skip('sent_by_creatio');
  }
  const text = replyText(activity, known.value.channel);
  // A rep's files make a reply too, with or without text (issue 15).
  const files = await replyFilesOf(deps.replyExtras, activityId);
  if (text === '' && files.length === 0) return skip('no_text');

  // A reply once claimed for a session stays with it, even if the case has a newer conversation since.
  // Otherwise it goes only to an open conversation of the case's own contact (the trust rule, design §3).
  const sessionId = previous?.value.sessionId || (await replySession(caseId, known.value, deps));
  const ownerId = typeof activity.OwnerId === 'string' && activity.OwnerId !== EMPTY_GUID ? activity.OwnerId : undefined;
  const claim: ReplyRecord = { activityId, sessionId: sessionId ?? '', state: 'sending', at: deps.now().toISOString() };
  const claimVersion = await conflictIsRetryable(() => store.putReply(claim, previous?.version ?? 0));
  if (!sessionId) return noVerifiedSession({ deps, caseId, activityId, ownerId, claim, claimVersion, sessionHint: known.value.sessionId });

  try {
    return await deliverOrBlock({
      deps,
      caseId,
      caseState: known.value,
      sessionId,
      activityId,
      ownerId,
      text,
      files,
      claim,
      claimVersion,
      resumed: previous !== undefined,
    });
  } catch (error) {
    // Let the redelivery verify and go on at once instead of waiting for the claim to go stale.
    await store.putReply({ ...claim, at: RELEASED_AT }, claimVersion).catch(() => undefined);
    throw error;
  }
};

interface Delivery {
  readonly deps: SyncToOpenCxDeps;
  readonly caseId: string;
  readonly caseState: CaseState;
  readonly sessionId: string;
  readonly activityId: string;
  readonly ownerId: string | undefined;
  readonly text: string;
  readonly files: readonly ActivityFileRecord[];
  readonly claim: ReplyRecord;
  readonly claimVersion: number;
  /** An earlier attempt held the claim and did not finish. */
  readonly resumed: boolean;
}

const deliverOrBlock = async (d: Delivery): Promise<SyncToOpenCxOutcome> => {
  const { deps, sessionId, activityId } = d;
  const { store, opencx, config } = deps;
  const session = await store.getSession(sessionId);
  const channel = session?.value.channel ?? d.caseState.channel ?? (await opencx.getSession(sessionId)).channel?.type ?? undefined;
  const whatsapp = isWhatsAppChannel(channel);

  const outbound = await store.getOutbound(sessionId);
  const earlier = outbound?.value.messages.find((m) => m.activityId === activityId);
  // Only an attempt that recorded the reply as outbound can have sent it.
  const mayHaveBeenSent = d.resumed && earlier !== undefined;

  let history: OpenCxMessage[] = [];
  if (mayHaveBeenSent || whatsapp) {
    // Checking for a sent reply reads it all; the window needs only what came since the last sync.
    const cursor = !mayHaveBeenSent ? session?.value.historyCursor : undefined;
    history = normaliseHistory((await opencx.listHistory(sessionId, cursor ? { afterCursor: cursor } : {})).items);
  }

  if (mayHaveBeenSent && earlier) {
    const found = findSentReply(history, earlier, outbound?.value.messages ?? []);
    if (found) {
      await markSent(d, found.id);
      deps.observer.info('reply found in the OpenCX history after an interrupted attempt; not sent again', { caseId: d.caseId, sessionId, activityId });
      return { kind: 'delivered', caseId: d.caseId, sessionId, activityId, messageId: found.id, foundInHistory: true };
    }
  }

  if (whatsapp) {
    const lastAt = lastCustomerMessageAt(history, session?.value.lastCustomerMessageAt);
    if (isWindowClosed(lastAt, deps.now(), config.agentReplies.whatsappWindowHours)) return block(d, lastAt);
  }

  // The files, the case number (email text, session attributes): decided before the text is recorded.
  const reply = await prepareReply(deps.replyExtras, { caseId: d.caseId, text: d.text, files: d.files, channel });
  if (reply.empty) return filesNotSent(d, reply.unsent);

  // Recorded before sending: the echo of this reply must be recognisable the moment it exists.
  const textHash = outboundTextHash(reply.text);
  await updateRecord(
    () => store.getOutbound(sessionId),
    (value, version) => store.putOutbound(value, version),
    (current) => {
      const others = (current?.messages ?? []).filter((m) => m.activityId !== activityId);
      return { sessionId, messages: [...others, { activityId, textHash, at: deps.now().toISOString() }] };
    },
  );

  const sent = await opencx.sendMessage(sessionId, {
    text: reply.text,
    takeOver: true,
    ...(reply.attachments.length ? { attachments: reply.attachments } : {}),
    ...(reply.customData ? { customData: reply.customData } : {}),
  });
  await markSent(d, sent.messageId);
  if (reply.unsent.length) await writeNote(deps, { caseId: d.caseId, activityId, ownerId: d.ownerId, ...unsentFilesNote(reply.unsent, true) });
  return { kind: 'delivered', caseId: d.caseId, sessionId, activityId, messageId: sent.messageId, foundInHistory: false };
};

/**
 * The reply in the history: an agent message with the same text, no earlier than when it was
 * recorded as outbound, and not a message already known to be another reply of ours.
 */
const findSentReply = (history: readonly OpenCxMessage[], entry: OutboundEntry, all: readonly OutboundEntry[]): OpenCxMessage | undefined => {
  const otherIds = new Set(all.filter((m) => m.activityId !== entry.activityId && m.messageId).map((m) => m.messageId));
  const notBefore = Date.parse(entry.at) - CLOCK_SKEW_MS;
  return history.find(
    (m) =>
      m.author === 'agent' &&
      m.kind === 'message' &&
      !otherIds.has(m.id) &&
      (entry.messageId ? m.id === entry.messageId : outboundTextHash(m.text) === entry.textHash) &&
      !(Date.parse(m.createdAt) < notBefore),
  );
};

const markSent = async (d: Delivery, messageId: string | undefined): Promise<void> => {
  const { deps, sessionId, activityId } = d;
  const { store } = deps;
  await conflictIsRetryable(() => store.putReply({ ...d.claim, state: 'sent', at: deps.now().toISOString() }, d.claimVersion));
  deps.observer.metric('repliesDelivered');
  deps.observer.info('agent reply delivered to OpenCX', { caseId: d.caseId, sessionId, activityId, messageId });
  if (!messageId) return;
  // The id makes the echo match exact; the text hash already covers it, so a failure here is only logged.
  try {
    await updateRecord(
      () => store.getOutbound(sessionId),
      (value, version) => store.putOutbound(value, version),
      (current) => {
        if (!current || !current.messages.some((m) => m.activityId === activityId && m.messageId !== messageId)) return undefined;
        return { ...current, messages: current.messages.map((m) => (m.activityId === activityId ? { ...m, messageId } : m)) };
      },
    );
  } catch (error) {
    deps.observer.warn('could not store the OpenCX message id of a sent reply', { caseId: d.caseId, sessionId, activityId, errorName: (error as Error).name });
  }
};

/** A notice to reps on the case: the bridge's own activity, dated now so that it sorts where it happened. */
const writeNote = async (
  deps: SyncToOpenCxDeps,
  input: { readonly caseId: string; readonly activityId: string; readonly ownerId: string | undefined; readonly title: string; readonly body: string },
): Promise<string> => {
  const now = deps.now();
  const noteActivityId = deterministicId(deps.config.tenant, 'reply-not-delivered', input.activityId);
  // Ours before it exists: the business process that fires for it must find it marked.
  await deps.store.rememberOwnActivities([noteActivityId]);
  await deps.creatio.createActivity({
    Id: noteActivityId,
    Title: input.title,
    Body: input.body,
    IsHtmlBody: false,
    // Email type so that it shows in the case's message history. No direction: Creatio would show an
    // Incoming email as written by the customer. SendDate: the history is ordered by it.
    TypeId: ActivityTypeIds.Email,
    ActivityCategoryId: ActivityCategoryIds.Email,
    StatusId: ActivityStatusIds.Completed,
    PriorityId: ActivityPriorityIds.Medium,
    CaseId: input.caseId,
    ...(input.ownerId ? { OwnerId: input.ownerId } : {}),
    Sender: 'OpenCX bridge',
    StartDate: now,
    DueDate: now,
    SendDate: now,
  });
  return noteActivityId;
};

/** No open conversation of the case's contact: nothing is sent; a note on the case says why. */
const noVerifiedSession = async (input: {
  readonly deps: SyncToOpenCxDeps;
  readonly caseId: string;
  readonly activityId: string;
  readonly ownerId: string | undefined;
  readonly claim: ReplyRecord;
  readonly claimVersion: number;
  readonly sessionHint: string | undefined;
}): Promise<SyncToOpenCxOutcome> => {
  const { deps, caseId, activityId } = input;
  const note = noVerifiedSessionNote({ sessionUrl: input.sessionHint ? sessionUrl(deps.config, input.sessionHint) : undefined });
  const noteActivityId = await writeNote(deps, { caseId, activityId, ownerId: input.ownerId, ...note });
  await conflictIsRetryable(() => deps.store.putReply({ ...input.claim, state: 'blocked', at: deps.now().toISOString() }, input.claimVersion));
  deps.observer.metric('repliesBlocked');
  deps.observer.info('agent reply not sent: no open conversation of the case contact with a proven identity; note added to the case', {
    caseId,
    activityId,
    noteActivityId,
  });
  return { kind: 'blocked', caseId, sessionId: '', activityId, noteActivityId, lastCustomerMessageAt: undefined, reason: 'no_verified_session' };
};

/** WhatsApp window closed: a note on the case instead of the message; the reply is marked blocked. */
const block = async (d: Delivery, lastAt: string | undefined): Promise<SyncToOpenCxOutcome> => {
  const { deps, caseId, sessionId, activityId } = d;
  const { config, store } = deps;
  const now = deps.now();
  const note = blockedReplyNote({
    lastCustomerMessageAt: lastAt,
    windowHours: config.agentReplies.whatsappWindowHours,
    now,
    sessionUrl: sessionUrl(config, sessionId),
  });
  const noteActivityId = await writeNote(deps, { caseId, activityId, ownerId: d.ownerId, ...note });
  await conflictIsRetryable(() => store.putReply({ ...d.claim, state: 'blocked', at: now.toISOString() }, d.claimVersion));
  deps.observer.metric('repliesBlocked');
  deps.observer.info('agent reply not sent: WhatsApp window closed; note added to the case', {
    caseId,
    sessionId,
    activityId,
    noteActivityId,
    lastCustomerMessageAt: lastAt,
  });
  return { kind: 'blocked', caseId, sessionId, activityId, noteActivityId, lastCustomerMessageAt: lastAt, reason: 'whatsapp_window' };
};

/** An attachment-only reply none of whose files can go out: nothing is sent; a note on the case names them. */
const filesNotSent = async (d: Delivery, unsent: Parameters<typeof unsentFilesNote>[0]): Promise<SyncToOpenCxOutcome> => {
  const { deps, caseId, sessionId, activityId } = d;
  const noteActivityId = await writeNote(deps, { caseId, activityId, ownerId: d.ownerId, ...unsentFilesNote(unsent, false) });
  await conflictIsRetryable(() => deps.store.putReply({ ...d.claim, state: 'blocked', at: deps.now().toISOString() }, d.claimVersion));
  deps.observer.metric('repliesBlocked');
  deps.observer.info('agent reply not sent: none of its files can be delivered; note added to the case', { caseId, sessionId, activityId, noteActivityId });
  return { kind: 'blocked', caseId, sessionId, activityId, noteActivityId, lastCustomerMessageAt: undefined, reason: 'files_not_deliverable' };
};
