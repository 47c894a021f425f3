import { ActivityTypeIds, EmailMessageTypeIds } from '../../functions/shared/creatio';
import { PermanentError, RetryableError } from '../../functions/shared/errors';
import { outboundTextHash } from '../../functions/shared/state/state-store';
import { syncCreatioEvent } from '../../functions/shared/sync/to-opencx';
import { ACTIVITY_ID, CASE_ID, SESSION_ID, harness, knownConversation, newActivity, requestsMade, testConfig, type Harness } from './sync-to-opencx-fakes';

const REPLY_TEXT = 'Hi Dana,\n\nwe have lifted the block on your card. Please try again.';

const emailConversation = async (): Promise<Harness> => {
  const h = harness();
  await knownConversation(h, 'email');
  h.opencx.addSession(SESSION_ID, 'email');
  return h;
};

describe('Creatio → OpenCX: an agent reply', () => {
  it('reaches the OpenCX session as the agent, taking the conversation over from the AI', async () => {
    const h = await emailConversation();
    h.creatio.addAgentEmail();

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'delivered', caseId: CASE_ID, sessionId: SESSION_ID, activityId: ACTIVITY_ID, foundInHistory: false });
    expect(h.opencx.sent).toEqual([{ sessionId: SESSION_ID, input: { text: REPLY_TEXT, takeOver: true } }]);
    expect(h.metrics).toEqual({ repliesDelivered: 1 });
    // Creatio: the activity, and the case (whose contact the conversation must be).
    expect(requestsMade(h)).toEqual({ creatio: 2, opencx: 1 });
  });

  it('is sent as plain text without the quoted earlier messages of the email thread', async () => {
    const h = await emailConversation();
    h.creatio.addAgentEmail({
      Body:
        '<div>Your refund was issued today.</div><div><br></div>' +
        '<div>On Tue, 18 Nov 2026 at 09:12, Dana Whitfield &lt;dana@example.net&gt; wrote:</div>' +
        '<blockquote><p>Where is my refund?</p></blockquote>',
    });

    await syncCreatioEvent(newActivity(), h.deps);

    expect(h.opencx.sent[0]?.input.text).toBe('Your refund was issued today.');
  });

  it('is recorded as outbound on the session before it is sent, and then carries the OpenCX message id', async () => {
    const h = await emailConversation();
    h.creatio.addAgentEmail();

    await syncCreatioEvent(newActivity(), h.deps);

    expect(h.writes).toEqual(['reply:sending', 'outbound', 'opencx:send', 'reply:sent', 'outbound']);
    const outbound = await h.store.getOutbound(SESSION_ID);
    expect(outbound?.value.messages).toEqual([{ activityId: ACTIVITY_ID, textHash: outboundTextHash(REPLY_TEXT), messageId: 'msg_001', at: expect.any(String) }]);
  });

  it('is sent once when the same business-process call arrives three times', async () => {
    const h = await emailConversation();
    h.creatio.addAgentEmail();

    const outcomes = [];
    for (let i = 0; i < 3; i += 1) outcomes.push(await syncCreatioEvent(newActivity(), h.deps));

    expect(outcomes.map((o) => o.kind)).toEqual(['delivered', 'skipped', 'skipped']);
    expect(outcomes[2]).toMatchObject({ reason: 'already_sent' });
    expect(h.opencx.sent).toHaveLength(1);
    expect(h.creatio.requestCounts().get).toBe(2);
  });

  it('is not forwarded when the bridge wrote the activity itself', async () => {
    const h = await emailConversation();
    h.creatio.addAgentEmail();
    await h.store.rememberOwnActivities([ACTIVITY_ID]);

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toEqual({ kind: 'skipped', caseId: CASE_ID, reason: 'own_activity' });
    expect(h.opencx.sent).toHaveLength(0);
    expect(h.creatio.requestCounts().get).toBe(0);
  });

  it('on a case the bridge does not know is ignored without asking Creatio', async () => {
    const h = harness();
    h.creatio.addAgentEmail();

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toEqual({ kind: 'skipped', caseId: CASE_ID, reason: 'unknown_case' });
    expect(h.creatio.requestCounts().get).toBe(0);
  });

  it.each([
    ['an incoming email', { MessageTypeId: EmailMessageTypeIds.Incoming }, 'not_an_agent_reply'],
    ['a task', { TypeId: ActivityTypeIds.Task }, 'not_an_agent_reply'],
    ['an email without text', { Body: '<p> </p>' }, 'no_text'],
    ['on another case than the business process named', { CaseId: '11111111-2222-4333-8444-555555555555' }, 'activity_on_other_case'],
  ])('is not forwarded when it is %s', async (_what, overrides, reason) => {
    const h = await emailConversation();
    h.creatio.addAgentEmail(overrides);

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'skipped', reason });
    expect(h.opencx.sent).toHaveLength(0);
    expect(await h.store.getReply(ACTIVITY_ID)).toBeUndefined();
  });

  it('of a tenant-configured type such as Task is forwarded from its body', async () => {
    const h = harness({ config: testConfig({ agentReplies: { activityTypeIds: [ActivityTypeIds.Email, ActivityTypeIds.Task] } }) });
    await knownConversation(h, 'web');
    h.opencx.addSession(SESSION_ID, 'web');
    h.creatio.addAgentEmail({ TypeId: ActivityTypeIds.Task, MessageTypeId: undefined, IsHtmlBody: false, Body: 'Your order ships tomorrow.' });

    await syncCreatioEvent(newActivity(), h.deps);

    expect(h.opencx.sent[0]?.input.text).toBe('Your order ships tomorrow.');
  });

  it('waits (retryable) while another attempt holds a fresh claim on it', async () => {
    const h = await emailConversation();
    h.creatio.addAgentEmail();
    await h.store.putReply({ activityId: ACTIVITY_ID, sessionId: SESSION_ID, state: 'sending', at: new Date(h.deps.now().getTime() - 10_000).toISOString() }, 0);

    await expect(syncCreatioEvent(newActivity(), h.deps)).rejects.toMatchObject({ name: 'RetryableError', kind: 'in_progress' });
    expect(h.opencx.sent).toHaveLength(0);
  });

  it('is not sent again after an attempt that OpenCX answered with a timeout had in fact delivered it', async () => {
    const h = await emailConversation();
    h.creatio.addAgentEmail();
    h.opencx.nextSend = { ambiguous: 'delivered' };

    await expect(syncCreatioEvent(newActivity(), h.deps)).rejects.toMatchObject({ kind: 'ambiguous' });
    const retry = await syncCreatioEvent(newActivity(), h.deps);

    expect(retry).toMatchObject({ kind: 'delivered', foundInHistory: true, messageId: 'msg_001' });
    expect(h.opencx.sent).toHaveLength(1);
    expect((await h.store.getReply(ACTIVITY_ID))?.value.state).toBe('sent');
  });

  it('is sent on the redelivery when the failed attempt had not delivered it', async () => {
    const h = await emailConversation();
    h.creatio.addAgentEmail();
    h.opencx.nextSend = { ambiguous: 'not_delivered' };

    await expect(syncCreatioEvent(newActivity(), h.deps)).rejects.toBeInstanceOf(RetryableError);
    const retry = await syncCreatioEvent(newActivity(), h.deps);

    expect(retry).toMatchObject({ kind: 'delivered', foundInHistory: false });
    expect(h.opencx.sent).toHaveLength(1);
    expect(h.opencx.requestCounts()).toMatchObject({ send: 2, history: 1 });
  });

  it('left claimed by an attempt that died is checked against the history once the claim is stale', async () => {
    const h = await emailConversation();
    h.creatio.addAgentEmail();
    const claimedAt = h.deps.now();
    await h.store.putReply({ activityId: ACTIVITY_ID, sessionId: SESSION_ID, state: 'sending', at: claimedAt.toISOString() }, 0);
    await h.store.putOutbound({ sessionId: SESSION_ID, messages: [{ activityId: ACTIVITY_ID, textHash: outboundTextHash(REPLY_TEXT), at: claimedAt.toISOString() }] }, 0);
    h.opencx.addMessage(SESSION_ID, 'agent', REPLY_TEXT, claimedAt.toISOString(), 'msg_delivered');
    h.advance(10 * 60_000);

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'delivered', foundInHistory: true, messageId: 'msg_delivered' });
    expect(h.opencx.sent).toHaveLength(0);
  });

  it('keeps the fate of OpenCX errors: a rejected message goes to the DLQ, throttling is retried', async () => {
    const h = await emailConversation();
    h.creatio.addAgentEmail();
    h.opencx.nextSend = { error: new PermanentError('OpenCX rejected POST /chat/sessions/{id}/send (400)', { kind: 'client_error', status: 400 }) };
    await expect(syncCreatioEvent(newActivity(), h.deps)).rejects.toBeInstanceOf(PermanentError);

    h.opencx.nextSend = { error: new RetryableError('rate limit', { kind: 'throttled' }) };
    await expect(syncCreatioEvent(newActivity(), h.deps)).rejects.toMatchObject({ name: 'RetryableError', kind: 'throttled' });
  });

  it('is logged by ids and outcome, never by its text', async () => {
    const h = await emailConversation();
    h.creatio.addAgentEmail();

    await syncCreatioEvent(newActivity(), h.deps);

    const logged = JSON.stringify(h.logs);
    expect(logged).toContain(ACTIVITY_ID);
    expect(logged).not.toContain('lifted the block');
  });
});
