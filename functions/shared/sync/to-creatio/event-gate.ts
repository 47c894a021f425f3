import type { OpenCxSession } from '../../opencx';
import { REPLAY_EVENT, type OpenCxQueueMessage } from '../../schemas/queue-messages';
import type { TenantConfig } from '../../schemas/tenant-config';
import type { SessionRecord } from '../../state/state-store';

/** Events that carry (or hint at) a new message of the conversation. */
const MESSAGE_EVENTS = new Set(['conversation.started', 'conversation.contact_response', 'conversation.ai_response', 'conversation.agent_response']);

export type Gate = { readonly go: true } | { readonly go: false; readonly reason: string };
const GO: Gate = { go: true };

/** Whether this event may create the case (depends on the tenant's "case only on handoff" setting). */
export const mayCreateCase = (event: OpenCxQueueMessage, config: TenantConfig): boolean =>
  !config.cases.createCaseOnlyOnHandoff || event.event === 'conversation.handoff_to_human' || event.event === REPLAY_EVENT;

/** Before reading OpenCX: events that cannot lead to a Creatio write. */
export const gateBeforeSession = (event: OpenCxQueueMessage, state: SessionRecord, config: TenantConfig, syncedThisBatch: ReadonlySet<string> | undefined): Gate => {
  if (!state.caseId && !mayCreateCase(event, config) && event.event !== 'conversation.closed') {
    return { go: false, reason: 'no case yet (cases are created at handoff)' };
  }
  if (MESSAGE_EVENTS.has(event.event) && syncedThisBatch?.has(event.conversationId)) {
    return { go: false, reason: 'already synced in this batch' };
  }
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
