import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CaseStatusIds } from '../../functions/shared/creatio';
import { DynamoDbStateStore } from '../../functions/shared/state/dynamodb-state-store';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/aws-servers';
import { settle, waitFor } from '../support/wait';
import { useLocalRuntime } from '../support/local-runtime';

const local = useLocalRuntime({ visibilityTimeoutSeconds: 1, env: { POWERTOOLS_METRICS_DISABLED: 'true' } });
let store: DynamoDbStateStore;

beforeAll(async () => {
  const dynamo = new DynamoDBClient({ region: LOCAL_REGION, endpoint: local.runtime.aws.dynamoEndpoint, credentials: LOCAL_CREDENTIALS });
  store = new DynamoDbStateStore(dynamo, local.runtime.aws.tableName);
});
const updatesOf = (sessionId: string) => local.opencx.statusUpdates.filter((u) => u.sessionId === sessionId);
const casePatches = (caseId: string) => local.creatio.requestLog.filter((r) => r.method === 'PATCH' && r.path.includes(caseId));
const caseEvents = (caseId: string) => local.runtime.creatioProcesses!.calls.filter((c) => c.body.caseId === caseId && c.body.event_type === 'case_updated');
/** Until nothing moves: records, status changes, webhooks and both consumers. */
const quiet = () =>
  settle(() => [
    local.creatio.store.list('Case').map((c) => c.ModifiedOn),
    local.opencx.statusUpdates.length,
    local.opencx.webhookDeliveries.length,
    local.runtime.pollers.map((p) => ({ ...p.stats })),
  ]);

/**
 * An email conversation already turned into a case, as the OpenCX → Creatio sync leaves it (set up
 * directly, without its webhooks): the OpenCX session, the case and contact, SESSION and CASE records.
 */
const conversationOnCase = async () => {
  local.opencx.setWebhookUrl(undefined);
  const { session } = await local.opencx.createSession({
    channel: 'email',
    contact: { name: 'Dana Whitfield', email: 'dana@example.org' },
    first_message: { text: 'My card was declined twice.' },
  });
  local.opencx.setWebhookUrl(local.runtime.opencxWebhookUrl);
  const contact = local.creatio.store.insert('Contact', { Name: 'Dana Whitfield' });
  const theCase = local.creatio.store.insert('Case', { Subject: 'Card declined twice', StatusId: CaseStatusIds.InProgress, ContactId: contact.Id });
  const history = local.opencx.sessions.get(session.id)!.history;
  await store.putSession(
    {
      sessionId: session.id,
      channel: 'email',
      caseId: theCase.Id,
      creatioContactId: contact.Id,
      status: 'open',
      lastCustomerMessageAt: session.created_at,
      cursor: { lastMessageId: history.at(-1)!.id, count: history.length },
    },
    0,
  );
  await store.putCase({ caseId: theCase.Id, sessionId: session.id, sessionIds: [session.id], channel: 'email' }, 0);
  return { sessionId: session.id, caseId: theCase.Id };
};

/** What a rep does on the case page; the emulated business process then calls the bridge. */
const repSetsStatus = (caseId: string, statusId: string) => local.creatio.store.update('Case', caseId, { StatusId: statusId });

describe('Resolution through the local runtime', () => {
  it('closes the OpenCX conversation once when the case is resolved in Creatio, and does not reflect it back', async () => {
    const { sessionId, caseId } = await conversationOnCase();

    repSetsStatus(caseId, CaseStatusIds.Resolved);
    await waitFor(() => updatesOf(sessionId).length > 0, 'the conversation closed in OpenCX');
    await waitFor(() => local.opencx.webhookDeliveries.some((d) => d.conversationId === sessionId && d.event === 'conversation.closed'), 'OpenCX’s closed webhook');
    await quiet();

    expect(updatesOf(sessionId)).toEqual([expect.objectContaining({ status: 200, body: { status: 'closed_resolved', reflect_status_change_for_integration: false } })]);
    expect(local.opencx.sessions.get(sessionId)?.session.status).toBe('closed_resolved');
    expect(casePatches(caseId)).toEqual([]);
    expect(local.creatio.store.get('Case', caseId)?.StatusId).toBe(CaseStatusIds.Resolved);
    expect((await store.getSession(sessionId))?.value).toMatchObject({ resolvedBy: 'creatio', status: 'closed' });
  });

  it('keeps a rep’s own resolved status: OpenCX’s report of the closure does not overwrite it with the tenant’s', async () => {
    const solvedByPhone = local.creatio.store.insert('CaseStatus', { Name: 'Solved by phone', IsResolved: true }).Id;
    const { sessionId, caseId } = await conversationOnCase();

    repSetsStatus(caseId, solvedByPhone);
    await waitFor(() => local.opencx.webhookDeliveries.some((d) => d.conversationId === sessionId && d.event === 'conversation.closed'), 'OpenCX’s closed webhook');
    await quiet();

    expect(updatesOf(sessionId)).toHaveLength(1);
    expect(casePatches(caseId)).toEqual([]);
    expect(local.creatio.store.get('Case', caseId)?.StatusId).toBe(solvedByPhone);
  });

  it('does nothing more when the same case_updated is delivered again', async () => {
    const { sessionId, caseId } = await conversationOnCase();
    repSetsStatus(caseId, CaseStatusIds.Resolved);
    await waitFor(() => updatesOf(sessionId).length > 0, 'the conversation closed in OpenCX');
    await quiet();
    const handledBefore = local.runtime.pollers[1]!.stats.recordsSucceeded;

    const response = await fetch(local.runtime.creatioWebhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event_type: 'case_updated', caseId, modifiedOn: new Date().toISOString() }),
    });
    await waitFor(() => local.runtime.pollers[1]!.stats.recordsSucceeded > handledBefore, 'the redelivery handled');
    await quiet();

    expect(response.status).toBe(202);
    expect(updatesOf(sessionId)).toHaveLength(1);
  });

  it('leaves the OpenCX conversation alone when the case is reopened, and notes the new status', async () => {
    const { sessionId, caseId } = await conversationOnCase();
    repSetsStatus(caseId, CaseStatusIds.Resolved);
    await waitFor(() => updatesOf(sessionId).length > 0, 'the conversation closed in OpenCX');
    await quiet();

    repSetsStatus(caseId, CaseStatusIds.Reopened);
    await waitFor(async () => (await store.getCase(caseId))?.value.lastStatusId === CaseStatusIds.Reopened, 'the reopening noted');
    await quiet();

    expect(caseEvents(caseId)).toHaveLength(2);
    expect(updatesOf(sessionId)).toHaveLength(1);
    expect(local.opencx.sessions.get(sessionId)?.session.status).toBe('closed_resolved');
  });

  it('does not close from Creatio a conversation whose resolution came from OpenCX', async () => {
    const { sessionId, caseId } = await conversationOnCase();

    await local.opencx.close(sessionId, { outcome: 'resolved' });
    await waitFor(() => local.creatio.store.get('Case', caseId)?.StatusId === CaseStatusIds.Resolved, 'the case resolved by the OpenCX → Creatio sync');
    await waitFor(() => caseEvents(caseId).length > 0, 'the business process call for the status change');
    await quiet();

    expect(casePatches(caseId)).toHaveLength(1);
    expect(updatesOf(sessionId)).toEqual([]);
  });
});
