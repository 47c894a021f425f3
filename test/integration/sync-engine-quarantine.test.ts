import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/aws-servers';
import { deterministicId } from '../../functions/shared/ids';
import { scriptedIo } from '../../scripts/ops/io';
import { runReplay } from '../../scripts/ops/replay';
import { runStatus } from '../../scripts/ops/status';
import { targetFromLocal, type Target } from '../../scripts/ops/target';
import { settle, waitFor } from '../support/wait';
import { useLocalRuntime } from '../support/local-runtime';

const local = useLocalRuntime({ logLevel: process.env.DBG_LOG ?? 'SILENT', visibilityTimeoutSeconds: 1 });
let target: Target;

beforeAll(async () => {
  const localTarget = await targetFromLocal({ sqsEndpoint: local.runtime.aws.sqsEndpoint, config: local.runtime.config, queues: local.runtime.aws });
  target = {
    ...localTarget,
    stateTable: { tableName: local.runtime.aws.tableName, endpoint: local.runtime.aws.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
  };
});
afterAll(async () => {
  target?.close();
});

type Row = Record<string, any>;
const activitiesOf = (caseId: string): Row[] =>
  local.creatio.store
    .list('Activity')
    .filter((a) => a.CaseId === caseId)
    .sort((a, b) => String(a.StartDate).localeCompare(String(b.StartDate)));
const dlqDepth = async () => {
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const answer = await local.runtime.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: local.runtime.aws.opencxEvents.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
};

describe('A message Creatio refuses for good is quarantined; the conversation goes on', () => {
  let sessionId: string;
  let caseId: string;
  let refusedMessageId: string;

  it('writes the case and the two messages after the refused one, and parks nothing', async () => {
    // A tenant's business rule refuses one message (e.g. a required custom column the bridge does not fill).
    local.creatio.store.businessRule = (collection, row) =>
      collection === 'Activity' && String(row.Body).includes('order #BLOCKED') ? 'Field "Order number" must be filled in for this case category.' : undefined;
    const { session } = await local.opencx.createSession({ channel: 'email', contact: { name: 'Quinn Q', email: 'quinn.q@example.org' } });
    sessionId = session.id;
    await local.opencx.addMessage(sessionId, { author: 'customer', text: 'Subject: Refund\n\nMy refund did not arrive.', created_at: '2026-11-20T10:00:00.000Z' });
    await local.opencx.addMessage(sessionId, { author: 'customer', text: 'It was order #BLOCKED from last week.', created_at: '2026-11-20T10:01:00.000Z' });
    await local.opencx.addMessage(sessionId, { author: 'ai', text: 'Thanks, I am handing you to a colleague.', created_at: '2026-11-20T10:02:00.000Z' });
    await local.opencx.handOff(sessionId, { summary: 'Refund missing.' });
    caseId = deterministicId(local.runtime.config.tenant, 'case', sessionId);
    await waitFor(() => activitiesOf(caseId).length === 2, 'the case with two activities');

    await local.opencx.addMessage(sessionId, { author: 'customer', text: 'Any news?', created_at: '2026-11-20T10:30:00.000Z' });
    await waitFor(() => activitiesOf(caseId).length === 3, 'the later customer message');
    await settle(() => [activitiesOf(caseId).length]);

    const bodies = activitiesOf(caseId).map((a) => String(a.Body));
    expect(bodies.some((b) => b.includes('My refund did not arrive'))).toBe(true);
    expect(bodies.some((b) => b.includes('handing you to a colleague'))).toBe(true);
    expect(bodies.some((b) => b.includes('Any news?'))).toBe(true);
    expect(bodies.some((b) => b.includes('#BLOCKED'))).toBe(false);
    expect(await dlqDepth()).toBe(0);
    refusedMessageId = String(local.opencx.sessions.get(sessionId)?.history[1]?.id);
  });

  it('is listed by ops status with the session, the message id and the reason, and no content', async () => {
    const { io, lines } = scriptedIo();
    const code = await runStatus(target, io);
    const output = lines.out.join('\n');
    expect(code).toBe(2);
    expect(output).toContain(`session ${sessionId}`);
    expect(output).toContain(`message ${refusedMessageId}`);
    expect(output).toMatch(/Creatio refused POST Activity \(400\)/);
    expect(output).not.toContain('#BLOCKED');
    expect(output).toContain(`replay --tenant ${local.runtime.config.tenant}`);
  });

  it('is written by ops replay once the refusal stops, exactly once, and leaves the list', async () => {
    local.creatio.store.businessRule = undefined;
    const { io } = scriptedIo();
    expect(await runReplay(target, io, sessionId)).toBe(0);
    await waitFor(() => activitiesOf(caseId).length === 4, 'the quarantined message written');
    await settle(() => [activitiesOf(caseId).length]);
    expect(activitiesOf(caseId).filter((a) => String(a.Body).includes('#BLOCKED'))).toHaveLength(1);
    expect(activitiesOf(caseId)).toHaveLength(4);

    const { io: statusIo, lines } = scriptedIo();
    await runStatus(target, statusIo);
    expect(lines.out.join('\n')).not.toContain(`session ${sessionId}`);
  });
});
