import type { OpenCxQueueMessage } from '../../functions/shared/schemas/queue-messages';
import { parseTenantConfig } from '../../functions/shared/schemas/tenant-config';
import type { SessionRecord } from '../../functions/shared/state/state-store';
import { gateBeforeSession } from '../../functions/shared/sync/to-creatio/event-gate';

const every = parseTenantConfig({
  tenant: 'acme',
  creatio: { instanceUrl: 'https://acme.creatio.com' },
  cases: { createCaseOnlyOnHandoff: false, coalesceBeforeHandoffSeconds: 20 },
});
const now = new Date('2026-12-02T10:00:10Z');
const event = (name: OpenCxQueueMessage['event']): OpenCxQueueMessage => ({
  source: 'opencx',
  dedupId: 'd1',
  event: name,
  conversationId: 's1',
  occurredAt: now.toISOString(),
  receivedAt: now.toISOString(),
});
/** A conversation in its AI phase, synced 10 s ago. */
const aiPhase: SessionRecord = { sessionId: 's1', caseId: 'c1', updatedAt: '2026-12-02T10:00:00Z' };

describe('AI-phase messages are synced together (every-conversation mode)', () => {
  it('holds a new message of a conversation synced 10 s ago for the rest of the 20 s window', () => {
    expect(gateBeforeSession(event('conversation.contact_response'), aiPhase, every, { firstDelivery: true, now })).toMatchObject({ go: false, deferMs: 10_000 });
  });

  it('syncs the held message when it comes back, whatever the time', () => {
    expect(gateBeforeSession(event('conversation.contact_response'), aiPhase, every, { firstDelivery: false, now })).toEqual({ go: true });
  });

  it('syncs at once once the window has passed', () => {
    const later = new Date('2026-12-02T10:00:30Z');
    expect(gateBeforeSession(event('conversation.ai_response'), aiPhase, every, { firstDelivery: true, now: later })).toEqual({ go: true });
  });

  it('never holds back a handoff, a closure, or any message after the handoff (a rep is waiting)', () => {
    expect(gateBeforeSession(event('conversation.handoff_to_human'), aiPhase, every, { firstDelivery: true, now })).toEqual({ go: true });
    expect(gateBeforeSession(event('conversation.closed'), aiPhase, every, { firstDelivery: true, now })).toEqual({ go: true });
    const handedOff: SessionRecord = { ...aiPhase, handoffsSynced: ['2026-12-02T09:59:00Z'] };
    expect(gateBeforeSession(event('conversation.contact_response'), handedOff, every, { firstDelivery: true, now })).toEqual({ go: true });
  });

  it('holds nothing when the tenant turns coalescing off', () => {
    const off = parseTenantConfig({
      tenant: 'acme',
      creatio: { instanceUrl: 'https://acme.creatio.com' },
      cases: { createCaseOnlyOnHandoff: false, coalesceBeforeHandoffSeconds: 0 },
    });
    expect(gateBeforeSession(event('conversation.contact_response'), aiPhase, off, { firstDelivery: true, now })).toEqual({ go: true });
  });
});
