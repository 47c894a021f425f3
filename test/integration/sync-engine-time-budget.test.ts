import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import type { CreatioSandbox } from '../../local/creatio-sandbox';
import type { OpenCxSandbox } from '../../local/opencx-sandbox';
import { deterministicId } from '../../functions/shared/ids';
import { waitFor } from '../support/wait';

let runtime: LocalRuntime;
let creatio: CreatioSandbox;
let opencx: OpenCxSandbox;

beforeAll(async () => {
  // A short function timeout (4 s) below the Creatio client's own 5 s request timeout: only the invocation's
  // time budget can end a hanging request before Lambda (here the local runtime) abandons the whole batch.
  runtime = await startLocalRuntime({
    port: 0,
    logLevel: 'SILENT',
    // Longer than the function timeout, as deployed (there 6 × the timeout): a record is not handed out again mid-invocation.
    visibilityTimeoutSeconds: 5,
    consumerTimeoutMs: 4_000,
    env: { CONSUMER_SYSTEMIC_DELAY_SECONDS: '2' },
  });
  creatio = runtime.creatio!;
  opencx = runtime.opencx!;
});
afterAll(async () => {
  await runtime.stop();
});

const depth = async (url: string) => {
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const answer = await runtime.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
};
const activitiesOfSession = (sessionId: string) => creatio.store.list('Activity').filter((a) => a.CaseId === deterministicId(runtime.config.tenant, 'case', sessionId));

const conversations = async (prefix: string, count: number): Promise<string[]> => {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { session } = await opencx.createSession({ channel: 'email', contact: { name: `${prefix} ${i}`, email: `${prefix}-${i}@example.org` } });
    await opencx.addMessage(session.id, { author: 'customer', text: `Subject: ${prefix} ${i}\n\nHello from ${prefix} ${i}.` });
    await opencx.addMessage(session.id, { author: 'ai', text: 'Let me get a colleague.' });
    ids.push(session.id);
  }
  await opencx.whenIdle();
  return ids;
};

describe('Every consumer works within its time budget', () => {
  it('ends a hanging Creatio request within the invocation, and only the unfinished record comes back', async () => {
    const sessions = await conversations('hang', 4);
    const crashesBefore = runtime.pollers[0]!.stats.handlerCrashes;
    creatio.setFaults({ rate: 1, kinds: ['timeout'], hangMs: 30_000, count: 1 });
    try {
      await Promise.all(sessions.map((sessionId) => opencx.handOff(sessionId, { summary: 'Hang.' })));
      await waitFor(() => sessions.every((sessionId) => activitiesOfSession(sessionId).length === 2), 'every conversation written', 30_000);
      await waitFor(async () => (await depth(runtime.aws.opencxEvents.url)) === 0, 'the queue drained', 20_000);
    } finally {
      creatio.setFaults(null);
    }
    expect(creatio.requestLog.some((entry) => entry.fault === 'timeout')).toBe(true);
    // No invocation outlived the function timeout: the hanging request was cut at the deadline instead.
    expect(runtime.pollers[0]!.stats.handlerCrashes).toBe(crashesBefore);
    for (const sessionId of sessions) expect(activitiesOfSession(sessionId)).toHaveLength(2);
    expect(await depth(runtime.aws.opencxEvents.dlqUrl)).toBe(0);
  }, 60_000);

  it('parks nothing while the Creatio client secret is wrong, and delivers everything once it is fixed', async () => {
    const sessions = await conversations('secret', 3);
    const secret = process.env.CREATIO_CLIENT_SECRET;
    process.env.CREATIO_CLIENT_SECRET = 'a-wrong-secret';
    try {
      await Promise.all(sessions.map((sessionId) => opencx.handOff(sessionId, { summary: 'Secret.' })));
      await waitFor(() => creatio.requestLog.filter((entry) => entry.path.endsWith('/connect/token') && entry.status === 400).length >= 2, 'the secret refused twice', 20_000);
      expect(sessions.every((sessionId) => activitiesOfSession(sessionId).length === 0)).toBe(true);
      expect(await depth(runtime.aws.opencxEvents.dlqUrl)).toBe(0);
    } finally {
      process.env.CREATIO_CLIENT_SECRET = secret;
    }
    await waitFor(() => sessions.every((sessionId) => activitiesOfSession(sessionId).length === 2), 'every conversation written after the fix', 30_000);
    await waitFor(async () => (await depth(runtime.aws.opencxEvents.url)) === 0, 'the queue drained', 20_000);
    expect(await depth(runtime.aws.opencxEvents.dlqUrl)).toBe(0);
  }, 60_000);
});
