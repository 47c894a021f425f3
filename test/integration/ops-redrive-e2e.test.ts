/**
 * The DLQ runbook end to end on the local runtime. A handoff arrives for a conversation the OpenCX API
 * does not know (as when the tenant's API key belongs to another OpenCX workspace): the consumer gets a
 * 404, which no retry fixes, and parks the message with its reason. `status` shows why; the cause is
 * fixed (the conversation becomes readable); `redrive` syncs it; a second redrive and a `replay`
 * duplicate nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE_SESSION_IDS } from '../../local/opencx-sandbox';
import { scriptedIo } from '../../scripts/ops/io';
import { queueDepth } from '../../scripts/ops/queues';
import { runRedrive } from '../../scripts/ops/redrive';
import { runReplay } from '../../scripts/ops/replay';
import { runStatus } from '../../scripts/ops/status';
import { targetFromLocal, type Target } from '../../scripts/ops/target';
import { useLocalRuntime } from '../support/local-runtime';

const HANDOFF = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'examples', 'opencx-webhook-handoff.json'), 'utf8');
const SESSION = EXAMPLE_SESSION_IDS.email;

const local = useLocalRuntime({ visibilityTimeoutSeconds: 1 });
let target: Target;

beforeAll(async () => {
  target = await targetFromLocal({ sqsEndpoint: local.runtime.aws.sqsEndpoint, config: local.runtime.config, queues: local.runtime.aws });
});
afterAll(async () => {
  target?.close();
});

const until = async <T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 12_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const parked = async () => {
  const depth = await queueDepth(target.sqs, target.queues.opencx.dlqUrl);
  return depth.waiting + depth.inFlight;
};
const activitiesOf = (caseId: unknown) => local.creatio.store.list('Activity').filter((a) => a.CaseId === caseId);

it('parks an unsyncable handoff with its reason, and once fixed, redrive syncs it once and replay adds nothing', async () => {
  // Prepare: OpenCX does not know the conversation yet; the handoff webhook arrives anyway.
  expect(JSON.parse(HANDOFF).data.conversation_id).toBe(SESSION);
  const accepted = await fetch(local.runtime.opencxWebhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: HANDOFF });
  expect(accepted.status).toBe(202);
  await until('the handoff to be parked in the DLQ', async () => (await parked()) > 0);

  // Act 1: status says why.
  const status = scriptedIo();
  expect(await runStatus(target, status.io)).toBe(2);
  const statusText = status.lines.out.join('\n');
  expect(statusText).toMatch(/DLQ: 1 parked/);
  expect(statusText).toMatch(/1 × \[not_found\] .*was not found/);
  expect(statusText).toContain(SESSION);
  expect(local.creatio.store.list('Case')).toHaveLength(0);

  // Act 2: fix the cause (the conversation is readable now; no webhook is sent for it), then redrive.
  local.opencx.seedExamples();
  const redrive = scriptedIo();
  expect(await runRedrive(target, redrive.io, { queue: 'opencx', yes: true })).toBe(0);
  const theCase = await until('the case', () => local.creatio.store.list('Case')[0]);
  await until('the transcript', () => activitiesOf(theCase.Id).length > 0);
  await pause(500);
  const activities = activitiesOf(theCase.Id).length;
  expect(await parked()).toBe(0);

  // Act 3: a second redrive and a replay of the session change nothing.
  expect(await runRedrive(target, scriptedIo().io, { queue: 'opencx', yes: true })).toBe(0);
  expect(await runReplay(target, scriptedIo().io, SESSION)).toBe(0);
  await until('the replay to be consumed', async () => {
    const depth = await queueDepth(target.sqs, target.queues.opencx.url);
    return depth.waiting + depth.inFlight === 0;
  });
  await pause(500);

  // Assert: one case, the same activities, nothing parked.
  expect(local.creatio.store.list('Case')).toHaveLength(1);
  expect(activitiesOf(theCase.Id)).toHaveLength(activities);
  expect(await parked()).toBe(0);
});
