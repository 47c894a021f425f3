import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ActivityTypeIds, CaseStatusIds } from '../../functions/shared/creatio';
import { deterministicId } from '../../functions/shared/ids';
import type { CreatioQueueMessage } from '../../functions/shared/schemas/queue-messages';
import { DynamoDbStateStore } from '../../functions/shared/state/dynamodb-state-store';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/aws-servers';
import { repRepliesOnCase } from '../support/rep-reply';
import { settle, waitFor } from '../support/wait';
import { useLocalRuntime } from '../support/local-runtime';

const AGENT = '5b0a9c1d-2e3f-4a5b-8c7d-6e5f4a3b2c1d';
const HOUR = 3_600_000;

const local = useLocalRuntime({ visibilityTimeoutSeconds: 1, env: { POWERTOOLS_METRICS_DISABLED: 'true' } });
let store: DynamoDbStateStore;

beforeAll(async () => {
  const dynamo = new DynamoDBClient({ region: LOCAL_REGION, endpoint: local.runtime.aws.dynamoEndpoint, credentials: LOCAL_CREDENTIALS });
  store = new DynamoDbStateStore(dynamo, local.runtime.aws.tableName);
});
type Row = Record<string, unknown>;
const activitiesOf = (caseId: string): Row[] => local.creatio.store.list('Activity').filter((a) => a.CaseId === caseId);
const sentTo = (sessionId: string) => local.opencx.sentMessages.filter((m) => m.sessionId === sessionId);
const handled = () => local.runtime.pollers[1]!.stats.recordsSucceeded;
/** Until nothing moves: records, messages, webhooks and both consumers. */
const quiet = () =>
  settle(() => [
    local.creatio.store.list('Activity').length,
    local.opencx.sentMessages.length,
    local.opencx.webhookDeliveries.length,
    local.runtime.pollers.map((p) => ({ ...p.stats })),
  ]);

/**
 * A conversation already turned into a case, as the OpenCX → Creatio sync leaves it: the OpenCX
 * session (set up without webhooks), the case and contact in Creatio, SESSION and CASE records with
 * the sync cursor at the end of the history.
 */
const conversationOnCase = async (channel: 'email' | 'whatsapp', customerWroteAt: Date) => {
  local.opencx.setWebhookUrl(undefined);
  const { session } = await local.opencx.createSession({
    channel,
    contact: channel === 'email' ? { name: 'Dana Whitfield', email: 'dana@example.org' } : { name: 'Jonas Becker', phone_number: '+4915123456789' },
    first_message: { text: channel === 'email' ? 'My card was declined twice.' : 'Mein Paket ist beschädigt' },
    created_at: customerWroteAt.toISOString(),
  });
  local.opencx.setWebhookUrl(local.runtime.opencxWebhookUrl);
  const contact = local.creatio.store.insert('Contact', { Name: session.contact.name });
  const theCase = local.creatio.store.insert('Case', { Subject: 'Customer needs help', StatusId: CaseStatusIds.New, ContactId: contact.Id });
  const history = local.opencx.sessions.get(session.id)!.history;
  await store.putSession(
    {
      sessionId: session.id,
      channel,
      caseId: theCase.Id,
      creatioContactId: contact.Id,
      status: 'open',
      lastCustomerMessageAt: customerWroteAt.toISOString(),
      cursor: { lastMessageId: history.at(-1)!.id, count: history.length },
    },
    0,
  );
  await store.putCase({ caseId: theCase.Id, sessionId: session.id, sessionIds: [session.id], channel }, 0);
  return { sessionId: session.id, caseId: theCase.Id };
};

/** What an agent's "Send" on the case page leaves in Creatio: an outgoing Email activity with an HTML body. */
const agentReplies = (caseId: string, html: string, id?: string): string =>
  repRepliesOnCase(local.creatio, { caseId, html, title: 'RE: Customer needs help', ...(id ? { id } : {}), columns: { OwnerId: AGENT, CreatedById: AGENT } });

describe('Creatio → OpenCX through the local runtime: agent replies', () => {
  it('delivers an agent’s email reply to the OpenCX session exactly once, also when the webhook arrives three times', async () => {
    const { sessionId, caseId } = await conversationOnCase('email', new Date(Date.now() - 2 * HOUR));
    const handledBefore = handled();

    const activityId = agentReplies(caseId, '<p>Hi Dana,</p><p>the block on your card is lifted.</p>');
    const body = JSON.stringify({ event_type: 'new_activity', caseId, activityId });
    for (let i = 0; i < 2; i += 1) await fetch(local.runtime.creatioWebhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    // And once more after SQS's five-minute deduplication window: a new queue message for the same activity.
    const late: CreatioQueueMessage = { source: 'creatio', dedupId: 'late', eventType: 'new_activity', caseId, activityId, receivedAt: new Date().toISOString() };
    await local.runtime.sqs.send(
      new SendMessageCommand({ QueueUrl: local.runtime.aws.creatioEvents.url, MessageBody: JSON.stringify(late), MessageGroupId: caseId, MessageDeduplicationId: 'late' }),
    );
    // The three posts are one queue message (same deduplication id), plus the late one.
    await waitFor(() => handled() >= handledBefore + 2, 'both queue messages handled');
    await quiet();

    expect(local.runtime.creatioProcesses!.calls.filter((c) => c.body.activityId === activityId)).toEqual([
      expect.objectContaining({ body: { event_type: 'new_activity', caseId, activityId }, status: 202 }),
    ]);
    expect(sentTo(sessionId)).toEqual([
      expect.objectContaining({
        status: 200,
        body: expect.objectContaining({
          sender: 'agent',
          // Email replies end with the case number (issue 15: OpenCX's send has no subject field).
          message: { type: 'text', text: expect.stringMatching(/^Hi Dana,\n\nthe block on your card is lifted\.\n\nCase reference: \[SR\d+\]$/) },
          should_take_over_session_from_ai: true,
        }),
      }),
    ]);
    expect(await store.getReply(activityId)).toMatchObject({ value: { state: 'sent', sessionId } });
  });

  it('brings nothing back: OpenCX’s agent_response for the reply adds no activity to the case', async () => {
    const { sessionId, caseId } = await conversationOnCase('email', new Date(Date.now() - HOUR));

    agentReplies(caseId, '<p>Your refund was issued today.</p>');
    await waitFor(() => local.opencx.webhookDeliveries.some((d) => d.conversationId === sessionId && d.event === 'conversation.agent_response'), 'the echo webhook');
    await quiet();

    expect(sentTo(sessionId)).toHaveLength(1);
    expect(activitiesOf(caseId)).toHaveLength(1);
  });

  it('does not forward an activity the bridge wrote itself', async () => {
    const { sessionId, caseId } = await conversationOnCase('email', new Date(Date.now() - HOUR));
    const ownId = deterministicId('example', 'activity', sessionId, 'msg_ai_1');
    await store.rememberOwnActivities([ownId]);

    agentReplies(caseId, '<p>(an AI reply the bridge logged as an outgoing email)</p>', ownId);
    await waitFor(() => local.runtime.creatioProcesses!.calls.some((c) => c.body.activityId === ownId), 'the business process call');
    await quiet();

    expect(sentTo(sessionId)).toHaveLength(0);
    expect(await store.getReply(ownId)).toBeUndefined();
  });
});

describe('Creatio → OpenCX through the local runtime: the WhatsApp 24-hour window', () => {
  it('sends a WhatsApp reply while the customer wrote within the last 24 hours', async () => {
    const { sessionId, caseId } = await conversationOnCase('whatsapp', new Date(Date.now() - 3 * HOUR));

    agentReplies(caseId, '<p>Wir schicken Ihnen heute einen Ersatz.</p>');
    await waitFor(() => sentTo(sessionId).length > 0, 'the reply in OpenCX');

    expect(sentTo(sessionId)[0]?.body).toMatchObject({ message: { text: 'Wir schicken Ihnen heute einen Ersatz.' } });
  });

  it('holds a WhatsApp reply back after 24 hours and says so on the case, which is not forwarded either', async () => {
    const lastMessage = new Date(Date.now() - 30 * HOUR);
    const { sessionId, caseId } = await conversationOnCase('whatsapp', lastMessage);

    const activityId = agentReplies(caseId, '<p>Haben Sie das Paket noch?</p>');
    const noteId = deterministicId('example', 'reply-not-delivered', activityId);
    const note = await waitFor(() => local.creatio.store.get('Activity', noteId), 'the note on the case');
    await waitFor(() => local.runtime.creatioProcesses!.calls.some((c) => c.body.activityId === noteId), 'the business process call for the note');
    await quiet();

    expect(sentTo(sessionId)).toHaveLength(0);
    expect(note).toMatchObject({ CaseId: caseId, TypeId: ActivityTypeIds.Email, Title: 'Reply not delivered: WhatsApp 24-hour window closed' });
    expect(note.Body).toContain(`The customer's last WhatsApp message was at ${lastMessage.toISOString().slice(0, 10)}`);
    expect(note.Body).toContain('approved WhatsApp template message');
    expect(activitiesOf(caseId)).toHaveLength(2);
    expect(await store.getReply(activityId)).toMatchObject({ value: { state: 'blocked' } });
  });
});
