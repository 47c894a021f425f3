import { sha256Hex } from '../../ids';
import type { OpenCxMessage, OpenCxSession } from '../../opencx';
import type { OpenCxQueueMessage } from '../../schemas/queue-messages';
import type { SessionRecord } from '../../state/state-store';
import { toIso } from './activity-fields';
import type { CaseTarget } from './choose-case';
import type { ContactIdentity } from './contact';
import type { SyncPlan } from './plan-sync';

export interface NextStateInput {
  readonly event: OpenCxQueueMessage;
  readonly state: SessionRecord;
  readonly session: OpenCxSession;
  readonly history: readonly OpenCxMessage[];
  readonly historyCursor: string | undefined;
  readonly identity: ContactIdentity;
  readonly target: CaseTarget;
  readonly plan: SyncPlan;
  readonly now: Date;
}

/** The session state once the plan is written: the cursor moves past every new history item. */
export const nextSessionState = (input: NextStateInput): SessionRecord => {
  const { event, state, plan, target, now } = input;
  const isHandoff = event.event === 'conversation.handoff_to_human';
  const summary = plan.summary;
  const lastItem = input.history[input.history.length - 1];
  const lastCustomer = [...plan.messages].reverse().find((m) => m.message.author === 'customer')?.message;
  const summaryOnCase = Boolean(summary && (target.mode === 'created' || isHandoff));
  return {
    ...state,
    caseId: target.caseId,
    channel: plan.channel ?? state.channel,
    contactKey: input.identity.key,
    creatioContactId: plan.creatioContactId,
    cursor: lastItem ? { lastMessageId: lastItem.id, count: (state.cursor?.count ?? 0) + input.history.length } : state.cursor,
    historyCursor: input.historyCursor ?? state.historyCursor,
    lastCustomerMessageAt: lastCustomer ? toIso(lastCustomer.createdAt, now) : state.lastCustomerMessageAt,
    summaryWritten: state.summaryWritten || summaryOnCase,
    handoffsSynced: isHandoff && !plan.handoffAlreadySynced ? [...(state.handoffsSynced ?? []), event.occurredAt].slice(-20) : state.handoffsSynced,
    summariesSynced: summary && summaryOnCase ? [...new Set([...(state.summariesSynced ?? []), sha256Hex(summary)])].slice(-20) : state.summariesSynced,
    status: input.session.status === 'open' || !input.session.status ? 'open' : 'closed',
    firstSyncedAt: state.firstSyncedAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
  };
};
