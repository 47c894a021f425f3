import { deterministicId } from '../../functions/shared/ids';
import { waitFor } from '../support/wait';
import { useLocalRuntime } from '../support/local-runtime';

const local = useLocalRuntime({ visibilityTimeoutSeconds: 1 });

const queueDepth = async (url: string) => {
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const answer = await local.runtime.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
};

describe('Exactly once when Creatio commits, drops the connection, and words a duplicate id as a generic error', () => {
  it('converges on one contact, one case and one activity per message for every conversation', async () => {
    // The less convenient Creatio: a duplicate Id answers "An error has occurred." (no key wording), and the
    // first answers of $batch requests are lost after the write was committed.
    local.creatio.store.genericDuplicateErrors = true;
    const sessions: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const { session } = await local.opencx.createSession({ channel: 'email', contact: { name: `Drop ${i}`, email: `drop-${i}@example.org` } });
      for (let m = 0; m < 4; m += 1) {
        await local.opencx.addMessage(session.id, {
          author: m % 2 ? 'ai' : 'customer',
          text: `message ${m} of ${i}`,
          created_at: new Date(Date.UTC(2026, 10, 20, 9, i, m)).toISOString(),
        });
      }
      sessions.push(session.id);
    }
    await local.opencx.whenIdle();
    local.creatio.setFaults({ rate: 1, kinds: ['reset'], when: 'after', count: 8 });
    try {
      for (const sessionId of sessions) await local.opencx.handOff(sessionId, { summary: 'Dropped answers.' });
      const caseIds = sessions.map((sessionId) => deterministicId(local.runtime.config.tenant, 'case', sessionId));
      await waitFor(() => caseIds.every((caseId) => local.creatio.store.list('Activity').filter((a) => a.CaseId === caseId).length >= 4), 'every conversation written', 60_000);
      await waitFor(async () => (await queueDepth(local.runtime.aws.opencxEvents.url)) === 0, 'the queue drained', 30_000);

      expect(local.creatio.requestLog.filter((entry) => entry.fault === 'reset').length).toBeGreaterThan(0);
      for (const [i, caseId] of caseIds.entries()) {
        expect(local.creatio.store.list('Contact').filter((c) => String(c.Email).toLowerCase() === `drop-${i}@example.org`)).toHaveLength(1);
        expect(local.creatio.store.list('Case').filter((c) => c.Id === caseId)).toHaveLength(1);
        const bodies = local.creatio.store
          .list('Activity')
          .filter((a) => a.CaseId === caseId)
          .map((a) => String(a.Body));
        expect(bodies).toHaveLength(4);
        expect(new Set(bodies).size).toBe(4);
      }
      expect(await queueDepth(local.runtime.aws.opencxEvents.dlqUrl)).toBe(0);
    } finally {
      local.creatio.setFaults(null);
      local.creatio.store.genericDuplicateErrors = false;
    }
  }, 120_000);
});
