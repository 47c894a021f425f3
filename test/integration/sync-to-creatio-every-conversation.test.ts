import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { useLocalRuntime } from '../support/local-runtime';
import { waitFor } from '../support/wait';

/** The example tenant in "every conversation" mode, with a 3 s coalescing window. */
const everyConversationTenant = (): string => {
  const example = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tenants', 'example.json'), 'utf8'));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-')), 'every.json');
  fs.writeFileSync(file, JSON.stringify({ ...example, tenant: 'every', cases: { ...example.cases, createCaseOnlyOnHandoff: false, coalesceBeforeHandoffSeconds: 3 } }));
  return file;
};
const local = useLocalRuntime({ tenantConfigPath: everyConversationTenant(), visibilityTimeoutSeconds: 1 });

/**
 * A conversation whose first customer message has become a case with its activity (as "every conversation" mode
 * does before any handoff); `subject` is the case subject the message gives.
 */
const conversationWithCase = async (channel: string, contact: { name: string; email: string }, text: string, subject: string) => {
  const { creatio, opencx } = local;
  const { session } = await opencx.createSession({ channel, contact });
  await opencx.addMessage(session.id, { author: 'customer', text });
  const theCase = await waitFor(() => creatio.store.list('Case').find((c) => c.Subject === subject), 'the case at the first message');
  const activities = () => creatio.store.list('Activity').filter((a) => a.CaseId === theCase.Id);
  await waitFor(() => activities().length === 1, 'the first activity');
  const requests = (route: string) => opencx.requests.filter((r) => r.sessionId === session.id && r.route === route).length;
  return { creatio, opencx, session, theCase, activities, requests };
};

describe('OpenCX → Creatio with "create case only on handoff" off', () => {
  it('creates the case at the first message, logs the messages that follow within seconds, and adds the summary at handoff', async () => {
    const { creatio, opencx, session, theCase, activities } = await conversationWithCase(
      'web',
      { name: 'Ana', email: 'ana@example.org' },
      'My invoice is wrong.',
      'My invoice is wrong.',
    );
    await opencx.addMessage(session.id, { author: 'ai', text: 'Which invoice number?' });
    await waitFor(() => activities().length === 2, 'the AI reply, within the coalescing window');

    await opencx.handOff(session.id, { summary: 'Invoice amount disputed.' });

    await waitFor(() => creatio.store.get('Case', theCase.Id)?.Symptoms === 'Invoice amount disputed.', 'the summary on the case');
    await waitFor(() => activities().some((a) => String(a.Title).includes('handed off')), 'the handoff note');
    expect(creatio.store.list('Case').filter((c) => c.ContactId === theCase.ContactId)).toHaveLength(1);
  });

  it('syncs a burst of AI-phase messages together: one OpenCX history read for the burst, not one per message', async () => {
    const { opencx, session, activities, requests } = await conversationWithCase('web', { name: 'Bo', email: 'bo@example.org' }, 'Where is my parcel?', 'Where is my parcel?');
    const historyReads = () => requests('GET /chat/sessions/{id}/history');
    const readsBefore = historyReads();

    // Five messages, 300 ms apart: without coalescing each would be its own sync.
    for (const text of ['It was due Monday.', 'Let me check the tracking.', 'Order 5521.', 'It shows as delayed.', 'Thanks.']) {
      await opencx.addMessage(session.id, { author: text.startsWith('It was') || text.startsWith('Order') || text === 'Thanks.' ? 'customer' : 'ai', text });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await waitFor(() => activities().length === 6, 'the whole burst in Creatio');

    expect(historyReads() - readsBefore).toBeLessThanOrEqual(2);
    expect(activities().map((a) => String(a.Body))).toEqual(expect.arrayContaining([expect.stringContaining('Order 5521.'), expect.stringContaining('Thanks.')]));
  });

  it("logs a later message without reading the OpenCX session again, with the customer's name and address on it", async () => {
    const { opencx, session, activities, requests } = await conversationWithCase(
      'email',
      { name: 'Cleo Park', email: 'Cleo.Park@Example.org' },
      'Subject: Broken hinge\n\nThe hinge broke.',
      'Broken hinge',
    );
    const sessionReads = () => requests('GET /chat/sessions/{id}');
    const readsBefore = sessionReads();

    await opencx.addMessage(session.id, { author: 'customer', text: 'Photo attached soon.' });
    const later = await waitFor(() => activities().find((a) => String(a.Body).includes('Photo attached soon.')), 'the later message');

    expect(sessionReads()).toBe(readsBefore);
    expect(later.Sender).toBe(activities().find((a) => String(a.Body).includes('The hinge broke.'))?.Sender);
    expect(String(later.Sender)).toContain('cleo.park@example.org');
  });

  it('reads the session again when the Creatio contact no longer carries the address the customer writes from', async () => {
    const { creatio, opencx, session, theCase, activities, requests } = await conversationWithCase(
      'email',
      { name: 'Dev Rao', email: 'dev@example.org' },
      'Subject: Refund\n\nWhere is my refund?',
      'Refund',
    );
    // A rep changed the contact's primary email in Creatio; the customer still writes from the old address.
    creatio.store.update('Contact', String(theCase.ContactId), { Email: 'dev.rao@work.example' });
    const sessionReads = () => requests('GET /chat/sessions/{id}');
    const readsBefore = sessionReads();

    await opencx.addMessage(session.id, { author: 'customer', text: 'Still waiting.' });
    const later = await waitFor(() => activities().find((a) => String(a.Body).includes('Still waiting.')), 'the later message');

    expect(sessionReads()).toBe(readsBefore + 1);
    expect(String(later.Sender)).toContain('dev@example.org');
    expect(String(later.Sender)).not.toContain('work.example');
  });
});
