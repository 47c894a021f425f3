import type { OpenCxSession } from '../../opencx';
import { REPLAY_EVENT, type OpenCxQueueMessage } from '../../schemas/queue-messages';
import type { TenantConfig } from '../../schemas/tenant-config';
import type { SessionRecord } from '../../state/state-store';

/** Events that carry (or hint at) a new message of the conversation. */
const MESSAGE_EVENTS: ReadonlySet<string> = new Set(['conversation.started', 'conversation.contact_response', 'conversation.ai_response', 'conversation.agent_response']);

export const isMessageEvent = (name: string): boolean => MESSAGE_EVENTS.has(name);

export type Gate = { readonly go: true } | { readonly go: false; readonly reason: string; readonly deferMs?: number };
const GO: Gate = { go: true };

/** Whether this event may create the case (depends on the tenant's "case only on handoff" setting). */
export const mayCreateCase = (event: OpenCxQueueMessage, config: TenantConfig): boolean =>
  !config.cases.createCaseOnlyOnHandoff || event.event === 'conversation.handoff_to_human' || event.event === REPLAY_EVENT;

export interface Delivery {
  /** Sessions whose history was read earlier in this batch. */
  readonly syncedThisBatch?: ReadonlySet<string> | undefined;
  /** The queue delivers this event for the first time (a deferred event is never deferred again). */
  readonly firstDelivery?: boolean | undefined;
  readonly now: Date;
}

/**
 * Before a handoff (AI phase, "every conversation" mode) nobody works the case yet: a message event of a conversation
 * synced less than the tenant's window ago waits out the rest of the window, and the events that arrive meanwhile
 * queue behind it in the conversation's message group, so one sync covers them all (one OpenCX history read).
 */
const coalesceDelayMs = (event: OpenCxQueueMessage, state: SessionRecord, config: TenantConfig, delivery: Delivery): number | undefined => {
  const windowMs = config.cases.coalesceBeforeHandoffSeconds * 1000;
  if (!windowMs || !delivery.firstDelivery || !isMessageEvent(event.event)) return undefined;
  if (!state.caseId || state.handoffsSynced?.length || !state.updatedAt) return undefined;
  const left = new Date(state.updatedAt).getTime() + windowMs - delivery.now.getTime();
  return left > 0 ? left : undefined;
};

/** Before reading OpenCX: events that cannot lead to a Creatio write, or that wait to be synced with later ones. */
export const gateBeforeSession = (event: OpenCxQueueMessage, state: SessionRecord, config: TenantConfig, delivery: Delivery): Gate => {
  if (!state.caseId && !mayCreateCase(event, config) && event.event !== 'conversation.closed') {
    return { go: false, reason: 'no case yet (cases are created at handoff)' };
  }
  if (isMessageEvent(event.event) && delivery.syncedThisBatch?.has(event.conversationId)) {
    return { go: false, reason: 'already synced in this batch' };
  }
  const deferMs = coalesceDelayMs(event, state, config, delivery);
  if (deferMs !== undefined) return { go: false, reason: 'synced moments ago: waits to be synced with the messages that follow', deferMs };
  return GO;
};

/** Whether OpenCX says the conversation was handed to a human. */
export const wasHandedOff = (session: OpenCxSession): boolean => Boolean(session.handoff) || session.ai_closure_type === 'handed_off';

/** After reading the session: a close or replay of a conversation that never reached a human needs no case. */
export const gateAfterSession = (event: OpenCxQueueMessage, state: SessionRecord, session: OpenCxSession, config: TenantConfig): Gate => {
  const handedOff = wasHandedOff(session);
  if (!state.caseId && !mayCreateCase(event, config) && !(handedOff && config.cases.createCaseOnlyOnHandoff)) {
    return { go: false, reason: 'conversation closed without a handoff' };
  }
  if (event.event === REPLAY_EVENT && !state.caseId && config.cases.createCaseOnlyOnHandoff && !handedOff) {
    return { go: false, reason: 'replay of a conversation that was never handed off' };
  }
  return GO;
};
