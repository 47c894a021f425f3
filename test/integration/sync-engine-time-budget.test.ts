import { deterministicId } from '../../functions/shared/ids';
import { waitFor } from '../support/wait';
import { useLocalRuntime } from '../support/local-runtime';

// A short function timeout (4 s) below the Creatio client's own 5 s request timeout: only the invocation's
// time budget can end a hanging request before Lambda (here the local runtime) abandons the whole batch.
const local = useLocalRuntime({
  // Longer than the function timeout, as deployed (there 6 × the timeout): a record is not handed out again mid-invocation.
  visibilityTimeoutSeconds: 5,
  consumerTimeoutMs: 4_000,
  env: { CONSUMER_SYSTEMIC_DELAY_SECONDS: '2' },
});

const depth = async (url: string) => {
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const answer = await local.runtime.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
};
const activitiesOfSession = (sessionId: string) => local.creatio.store.list('Activity').filter((a) => a.CaseId === deterministicId(local.runtime.config.tenant, 'case', sessionId));

const conversations = async (prefix: string, count: number): Promise<string[]> => {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { session } = await local.opencx.createSession({ channel: 'email', contact: { name: `${prefix} ${i}`, email: `${prefix}-${i}@example.org` } });
    await local.opencx.addMessage(session.id, { author: 'customer', text: `Subject: ${prefix} ${i}\n\nHello from ${prefix} ${i}.` });
    await local.opencx.addMessage(session.id, { author: 'ai', text: 'Let me get a colleague.' });
    ids.push(session.id);
  }
  await local.opencx.whenIdle();
  return ids;
};

describe('Every consumer works within its time budget', () => {
  it('ends a hanging Creatio request within the invocation, and only the unfinished record comes back', async () => {
    const sessions = await conversations('hang', 4);
    const crashesBefore = local.runtime.pollers[0]!.stats.handlerCrashes;
    local.creatio.setFaults({ rate: 1, kinds: ['timeout'], hangMs: 30_000, count: 1 });
    try {
      await Promise.all(sessions.map((sessionId) => local.opencx.handOff(sessionId, { summary: 'Hang.' })));
      await waitFor(() => sessions.every((sessionId) => activitiesOfSession(sessionId).length === 2), 'every conversation written', 30_000);
      await waitFor(async () => (await depth(local.runtime.aws.opencxEvents.url)) === 0, 'the queue drained', 20_000);
    } finally {
      local.creatio.setFaults(null);
    }
    expect(local.creatio.requestLog.some((entry) => entry.fault === 'timeout')).toBe(true);
    // No invocation outlived the function timeout: the hanging request was cut at the deadline instead.
    expect(local.runtime.pollers[0]!.stats.handlerCrashes).toBe(crashesBefore);
    for (const sessionId of sessions) expect(activitiesOfSession(sessionId)).toHaveLength(2);
    expect(await depth(local.runtime.aws.opencxEvents.dlqUrl)).toBe(0);
  }, 60_000);

  it('parks nothing while the Creatio client secret is wrong, and delivers everything once it is fixed', async () => {
    const sessions = await conversations('secret', 3);
    const secret = process.env.CREATIO_CLIENT_SECRET;
    process.env.CREATIO_CLIENT_SECRET = 'a-wrong-secret';
    try {
      await Promise.all(sessions.map((sessionId) => local.opencx.handOff(sessionId, { summary: 'Secret.' })));
      await waitFor(
        () => local.creatio.requestLog.filter((entry) => entry.path.endsWith('/connect/token') && entry.status === 400).length >= 2,
        'the secret refused twice',
        20_000,
      );
      expect(sessions.every((sessionId) => activitiesOfSession(sessionId).length === 0)).toBe(true);
      expect(await depth(local.runtime.aws.opencxEvents.dlqUrl)).toBe(0);
    } finally {
      process.env.CREATIO_CLIENT_SECRET = secret;
    }
    await waitFor(() => sessions.every((sessionId) => activitiesOfSession(sessionId).length === 2), 'every conversation written after the fix', 30_000);
    await waitFor(async () => (await depth(local.runtime.aws.opencxEvents.url)) === 0, 'the queue drained', 20_000);
    expect(await depth(local.runtime.aws.opencxEvents.dlqUrl)).toBe(0);
  }, 60_000);
});
