import { sha256Hex } from '../../ids';
import type { OpenCxMessage, OpenCxSession } from '../../opencx';
import type { OpenCxQueueMessage } from '../../schemas/queue-messages';
import type { QuarantinedMessage, SessionRecord } from '../../state/state-store';
import { toIso } from './activity-fields';
import type { CaseTarget } from './choose-case';
import type { ContactIdentity } from './contact';
import type { SyncPlan } from './plan-sync';

export interface NextStateInput {
  readonly event: OpenCxQueueMessage;
  readonly state: SessionRecord;
  /** Undefined when the session was not read (a new message of a known conversation): its status stays. */
  readonly session: OpenCxSession | undefined;
  readonly history: readonly OpenCxMessage[];
  readonly historyCursor: string | undefined;
  /** The last history item read, in OpenCX's order (the cursor). */
  readonly lastItemId: string | undefined;
  readonly identity: ContactIdentity;
  readonly target: CaseTarget;
  readonly plan: SyncPlan;
  /** Messages Creatio refused for good in this write. */
  readonly quarantined: readonly QuarantinedMessage[];
  readonly now: Date;
}

/** Earlier quarantined messages that were retried and written now leave the list; new refusals join it (latest reason wins). */
export const nextQuarantine = (
  previous: readonly QuarantinedMessage[] | undefined,
  plan: SyncPlan,
  refused: readonly QuarantinedMessage[],
): readonly QuarantinedMessage[] | undefined => {
  const attempted = new Set([...plan.messages.map((m) => m.message.id), ...(plan.note ? [`handoff:${plan.note.occurredAt}`] : [])]);
  const refusedIds = new Set(refused.map((q) => q.messageId));
  const kept = (previous ?? []).filter((q) => !attempted.has(q.messageId) && !refusedIds.has(q.messageId));
  const next = [...kept, ...refused].slice(-100);
  return next.length ? next : undefined;
};

/** The session state once the plan is written: the cursor moves past every new history item. */
export const nextSessionState = (input: NextStateInput): SessionRecord => {
  const { event, state, plan, target, now } = input;
  const isHandoff = event.event === 'conversation.handoff_to_human';
  const summary = plan.summary;

  const lastCustomer = [...plan.messages].reverse().find((m) => m.message.author === 'customer')?.message;
  const summaryOnCase = Boolean(summary && (target.mode === 'created' || isHandoff));
  return {
    ...state,
    caseId: target.caseId,
    channel: plan.channel ?? state.channel,
    contactKey: input.identity.key,
    creatioContactId: plan.creatioContactId,
    cursor: input.lastItemId ? { lastMessageId: input.lastItemId, count: (state.cursor?.count ?? 0) + input.history.length } : state.cursor,
    historyCursor: input.historyCursor ?? state.historyCursor,
    lastCustomerMessageAt: lastCustomer ? toIso(lastCustomer.createdAt, now) : state.lastCustomerMessageAt,
    summaryWritten: state.summaryWritten || summaryOnCase,
    handoffsSynced: isHandoff && !plan.handoffAlreadySynced ? [...(state.handoffsSynced ?? []), event.occurredAt].slice(-20) : state.handoffsSynced,
    summariesSynced: summary && summaryOnCase ? [...new Set([...(state.summariesSynced ?? []), sha256Hex(summary)])].slice(-20) : state.summariesSynced,
    status: !input.session ? (state.status ?? 'open') : input.session.status === 'open' || !input.session.status ? 'open' : 'closed',
    quarantined: nextQuarantine(state.quarantined, plan, input.quarantined),
    firstSyncedAt: state.firstSyncedAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
  };
};
