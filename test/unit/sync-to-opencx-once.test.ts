import { EmailSendStatusIds } from '../../functions/shared/creatio';
import { outboundTextHash } from '../../functions/shared/state/state-store';
import { syncCreatioEvent } from '../../functions/shared/sync/to-opencx';
import { isOutboundEcho } from '../../functions/shared/sync/to-opencx/sent-by-creatio';
import { SESSION_ID, harness, knownConversation, newActivity, testConfig } from './sync-to-opencx-fakes';

describe('Creatio → OpenCX: replies once, and only real ones', () => {
  it('does not send again through OpenCX an email Creatio itself sent to the customer', async () => {
    const h = harness({ config: testConfig({ creatio: { instanceUrl: 'https://example.creatio.com', supportMailbox: 'support@example.com' } }) });
    await knownConversation(h, 'email');
    h.opencx.addSession(SESSION_ID, 'email');
    h.creatio.addAgentEmail({ EmailSendStatusId: EmailSendStatusIds.Sent, Recepient: 'Dana Whitfield <dana@example.org>', Sender: 'support@example.com' });

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'skipped', reason: 'sent_by_creatio' });
    expect(h.opencx.sent).toEqual([]);
  });

  it('still delivers a reply that is only logged in Creatio (not sent), or addressed only to the tenant’s own mailbox', async () => {
    for (const overrides of [
      { EmailSendStatusId: EmailSendStatusIds.NotSent, Recepient: 'dana@example.org' },
      { EmailSendStatusId: EmailSendStatusIds.Sent, Recepient: 'support@example.com' },
    ]) {
      const h = harness({ config: testConfig({ creatio: { instanceUrl: 'https://example.creatio.com', supportMailbox: 'support@example.com' } }) });
      await knownConversation(h, 'email');
      h.opencx.addSession(SESSION_ID, 'email');
      h.creatio.addAgentEmail(overrides);

      const outcome = await syncCreatioEvent(newActivity(), h.deps);

      expect(outcome).toMatchObject({ kind: 'delivered' });
    }
  });
});

describe('recognising our own reply when it comes back from OpenCX', () => {
  const sentAt = '2026-11-21T12:00:00.000Z';
  const outbound = (messageId?: string) => ({
    sessionId: SESSION_ID,
    messages: [{ activityId: 'a1', textHash: outboundTextHash('Thanks!'), at: sentAt, ...(messageId ? { messageId } : {}) }],
  });

  it('knows it by OpenCX’s message id', () => {
    expect(isOutboundEcho({ id: 'msg_9', text: 'anything', createdAt: '2026-11-25T00:00:00Z' }, outbound('msg_9'))).toBe(true);
  });

  it('knows it by its text only within minutes of sending, while the id is not known yet', () => {
    expect(isOutboundEcho({ id: 'msg_1', text: 'Thanks!', createdAt: '2026-11-21T12:00:04.000Z' }, outbound())).toBe(true);
    expect(isOutboundEcho({ id: 'msg_2', text: 'Thanks!', createdAt: '2026-11-22T09:00:00.000Z' }, outbound())).toBe(false);
  });

  it('does not drop a rep’s own "Thanks!" once the id of the earlier reply that said the same is known', () => {
    expect(isOutboundEcho({ id: 'msg_2', text: 'Thanks!', createdAt: '2026-11-21T12:01:00.000Z' }, outbound('msg_1'))).toBe(false);
  });
});
