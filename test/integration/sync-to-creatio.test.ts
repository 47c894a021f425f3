import { drained } from '../support/pipeline';
import { settle, waitFor } from '../support/wait';
import { useLocalRuntime } from '../support/local-runtime';

const RESOLVED = 'ae7f411e-f46b-1410-009b-0050ba5d6c38';
const CLOSED = '3e7f420c-f46b-1410-fc9a-0050ba5d6c38';
const NEW = 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38';
const HIGH_PRIORITY = '8b700f24-f46b-1410-ee8c-0050ba5d6c38';
const OWNER = '410006e1-ca4e-4502-a9ec-e54d922d2c00';
const GROUP = 'a29a3ba5-4b0d-de11-9a51-005056c00008';
const EMAIL_ORIGIN = '7f9e1f1e-f46b-1410-3492-0050ba5d6c38';

const local = useLocalRuntime({ visibilityTimeoutSeconds: 1 });

type Row = Record<string, any>;
const casesOf = (contactId: string): Row[] => local.creatio.store.list('Case').filter((c) => c.ContactId === contactId);
const casesForSession = (sessionId: string): Row[] =>
  local.creatio.store.list('Case').filter((c) => local.creatio.store.list('Activity').some((a) => a.CaseId === c.Id && String(a.Body).includes(sessionId)));
const activitiesOf = (caseId: string): Row[] =>
  local.creatio.store
    .list('Activity')
    .filter((a) => a.CaseId === caseId)
    .sort((a, b) => String(a.StartDate).localeCompare(String(b.StartDate)));
const contactByEmail = (email: string): Row | undefined => local.creatio.store.list('Contact').find((c) => String(c.Email).toLowerCase() === email);

const emailConversation = async (email: string, name: string) => {
  const { session } = await local.opencx.createSession({
    channel: 'email',
    contact: { name, email },
    custom_data: { priority: 'High', product: 'Annual plan' },
    language: 'en',
  });
  await local.opencx.addMessage(session.id, {
    author: 'customer',
    text: 'Subject: Charged twice for order 48213\n\nHello,\n\nI was charged twice. Please refund the second charge.\n\nThanks',
    attachments: [{ name: 'statement-nov.pdf', type: 'application/pdf', size: 184233, url: 'https://files.example.net/att_9/statement-nov.pdf' }],
    created_at: '2026-11-20T13:51:07.000Z',
  });
  await local.opencx.addMessage(session.id, { author: 'ai', text: 'Could you confirm the last four digits of the card?', created_at: '2026-11-20T13:51:19.000Z' });
  await local.opencx.addMessage(session.id, {
    author: 'customer',
    text: "It's 4417. Can someone just fix this?\n\nOn Thu, Nov 20, 2026 at 1:51 PM Support Assistant <support@example.com> wrote:\n> Could you confirm the last four\n> digits of the card?",
    created_at: '2026-11-20T14:01:55.000Z',
  });
  await local.opencx.addMessage(session.id, { author: 'agent', internal: true, text: 'Internal: check Stripe for duplicate capture.', created_at: '2026-11-20T14:02:30.000Z' });
  return session.id;
};

describe('OpenCX → Creatio: an email conversation handed off', () => {
  let sessionId: string;
  let theCase: Row;

  beforeAll(async () => {
    sessionId = await emailConversation('dana.whitfield@example.org', 'Dana Whitfield');
    await local.opencx.handOff(sessionId, { summary: 'Customer was charged twice for order 48213 and asks for a refund.', sentiment: 'angry', contact_reason: 'billing' });
    const contact = await waitFor(() => contactByEmail('dana.whitfield@example.org'), 'the contact');
    theCase = await waitFor(() => casesOf(contact.Id)[0], 'the case');
    await waitFor(() => activitiesOf(theCase.Id).length === 3, 'three activities');
  });

  it('creates the case with the email subject, the summary as description, owner, group, origin and status New', () => {
    expect(theCase).toMatchObject({
      Subject: 'Charged twice for order 48213',
      Symptoms: 'Customer was charged twice for order 48213 and asks for a refund.',
      OwnerId: OWNER,
      GroupId: GROUP,
      StatusId: NEW,
      OriginId: EMAIL_ORIGIN,
    });
    expect(theCase.Number).toMatch(/^SR\d+$/);
  });

  it('fills the AI fields mapped in the tenant config (lookup by label, and a text column)', () => {
    expect(theCase.PriorityId).toBe(HIGH_PRIORITY);
    expect(theCase.UsrProduct).toBe('Annual plan');
  });

  it('writes one completed Email activity per customer-visible message, in order, without the internal comment', () => {
    const activities = activitiesOf(theCase.Id);

    expect(activities.map((a) => a.Title)).toEqual([
      expect.stringMatching(/^Email from customer/),
      expect.stringMatching(/AI reply/),
      expect.stringMatching(/^Email from customer/),
    ]);
    expect(activities.every((a) => a.TypeId === 'e2831dec-cfc0-df11-b00f-001d60e938c6' && a.StatusId === '4bdbb88f-58e6-df11-971b-001d60e938c6')).toBe(true);
    expect(JSON.stringify(activities)).not.toContain('Stripe');
  });

  it('puts "View session in OpenCX" in the first activity, lists the attachment and trims the quoted reply', () => {
    const [first, , third] = activitiesOf(theCase.Id);

    expect(first?.Body).toContain(`View session in OpenCX: https://platform.open.cx/inbox/${sessionId}`);
    expect(first?.Body).toMatch(/statement-nov\.pdf/);
    expect(third?.Body).toContain("It's 4417. Can someone just fix this?");
    expect(third?.Body).not.toContain('wrote:');
  });

  it('sets direction and never uses the case-registration mailbox as recipient', () => {
    const [first, second] = activitiesOf(theCase.Id);

    expect(first?.MessageTypeId).toBe('7f9d1f86-f36b-1410-068c-20cf30b39373');
    expect(second?.MessageTypeId).toBe('7f6d3f94-f36b-1410-068c-20cf30b39373');
    expect(first?.Sender).toContain('dana.whitfield@example.org');
    expect(JSON.stringify(activitiesOf(theCase.Id).map((a) => a.Recepient))).not.toContain('support@example.com');
  });

  it('appends a later customer message to the same case as one more activity', async () => {
    await local.opencx.addMessage(sessionId, { author: 'customer', text: 'Any news on the refund?', created_at: '2026-11-20T15:00:00.000Z' });

    await waitFor(() => activitiesOf(theCase.Id).length === 4, 'the fourth activity');
    expect(casesOf(theCase.ContactId)).toHaveLength(1);
    expect(activitiesOf(theCase.Id)[3]?.Body).toContain('Any news on the refund?');
  });

  it('keeps one case and one activity per message when the handoff webhook arrives three times at once', async () => {
    const before = activitiesOf(theCase.Id).length;

    await local.opencx.redeliver(sessionId, 'conversation.handoff_to_human', { times: 3, concurrent: true });
    await settle(() => local.creatio.store.list('Activity').length);

    expect(casesOf(theCase.ContactId)).toHaveLength(1);
    // The redelivered handoff is the same event (same OpenCX timestamp): SQS deduplicates it within five
    // minutes, and the sync recognises it after that (local-aws-sqs forgets dedup ids once a message is deleted).
    expect(activitiesOf(theCase.Id)).toHaveLength(before);
  });

  it('appends a second handoff of the same conversation to its case with a note', async () => {
    const before = activitiesOf(theCase.Id).length;

    await local.opencx.handOff(sessionId, { summary: 'Customer asks again about the refund.' });

    await waitFor(() => activitiesOf(theCase.Id).length === before + 1, 'the handoff note');
    expect(activitiesOf(theCase.Id).some((a) => String(a.Title).includes('handed off') && String(a.Body).includes('Customer asks again'))).toBe(true);
    expect(casesOf(theCase.ContactId)).toHaveLength(1);
  });

  it("sets the tenant's Resolved status when OpenCX closes the conversation as resolved", async () => {
    await local.opencx.close(sessionId, { outcome: 'resolved', closed_by: { type: 'human', id: 311, email: 'lee.agent@example.com' } });

    await waitFor(() => local.creatio.store.get('Case', theCase.Id)?.StatusId === RESOLVED, 'the Resolved status');
  });
});

describe('OpenCX → Creatio: resolved, reopened, resolved again', () => {
  const IN_PROGRESS = '7e9f1204-f46b-1410-fb9a-0050ba5d6c38';
  const REOPENED = 'f063ebbe-fdc6-4982-8431-d8cfa52fedcf';
  /** What OpenCX does when the customer writes to a closed conversation: it opens again. */
  const reopenInOpenCx = async (sessionId: string): Promise<void> => {
    const answer = await fetch(`${local.opencx.url}/chat/sessions/${sessionId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${local.opencx.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'open' }),
    });
    expect(answer.status).toBe(200);
  };

  it('resolves the case each time OpenCX resolves the conversation, also after the customer came back in between', async () => {
    const sessionId = await emailConversation('tomas.r@example.org', 'Tomas R');
    await local.opencx.handOff(sessionId, { summary: 'Refund not received.' });
    const contact = await waitFor(() => contactByEmail('tomas.r@example.org'), 'the contact');
    const theCase = await waitFor(() => casesOf(contact.Id)[0], 'the case');
    await local.opencx.close(sessionId, { outcome: 'resolved', closed_by: { type: 'human', id: 311, email: 'lee.agent@example.com' } });
    await waitFor(() => local.creatio.store.get('Case', theCase.Id)?.StatusId === RESOLVED, 'the first resolution');

    // The customer writes again; a rep takes the case back into work in Creatio; OpenCX resolves the conversation again.
    await reopenInOpenCx(sessionId);
    await local.opencx.addMessage(sessionId, { author: 'customer', text: 'The refund still has not arrived.' });
    await waitFor(() => activitiesOf(theCase.Id).some((a) => String(a.Body).includes('still has not arrived')), 'the message after the reopening');
    local.creatio.store.update('Case', theCase.Id, { StatusId: IN_PROGRESS });
    await local.opencx.close(sessionId, { outcome: 'resolved', closed_by: { type: 'human', id: 311, email: 'lee.agent@example.com' } });

    await waitFor(() => local.creatio.store.get('Case', theCase.Id)?.StatusId === RESOLVED, 'the second resolution');
  });

  it('moves a Resolved case back to Reopened when the same customer starts a new conversation, with the handoff note', async () => {
    const first = await emailConversation('lena.m@example.org', 'Lena M');
    await local.opencx.handOff(first, { summary: 'Login fails.' });
    const contact = await waitFor(() => contactByEmail('lena.m@example.org'), 'the contact');
    const theCase = await waitFor(() => casesOf(contact.Id)[0], 'the case');
    await local.opencx.close(first, { outcome: 'resolved', closed_by: { type: 'human', id: 311, email: 'lee.agent@example.com' } });
    await waitFor(() => local.creatio.store.get('Case', theCase.Id)?.StatusId === RESOLVED, 'the case resolved');

    const second = await emailConversation('lena.m@example.org', 'Lena M');
    await local.opencx.handOff(second, { summary: 'Login fails again.' });

    await waitFor(() => local.creatio.store.get('Case', theCase.Id)?.StatusId === REOPENED, 'the case reopened');
    expect(casesOf(contact.Id)).toHaveLength(1);
    expect(activitiesOf(theCase.Id).some((a) => String(a.Title).includes('handed off') && String(a.Body).includes('Login fails again.'))).toBe(true);
  });
});

describe('OpenCX → Creatio: returning customers', () => {
  it('appends a new conversation of a contact whose case is still open to that case', async () => {
    const first = await emailConversation('ravi.k@example.org', 'Ravi K');
    await local.opencx.handOff(first, { summary: 'First problem.' });
    const contact = await waitFor(() => contactByEmail('ravi.k@example.org'), 'the contact');
    const theCase = await waitFor(() => casesOf(contact.Id)[0], 'the first case');
    await waitFor(() => activitiesOf(theCase.Id).length === 3, 'first transcript');

    const second = await emailConversation('ravi.k@example.org', 'Ravi K');
    await local.opencx.handOff(second, { summary: 'Second problem.' });

    await waitFor(() => activitiesOf(theCase.Id).length === 3 + 1 + 3, 'the appended conversation (note + 3 messages)');
    expect(casesOf(contact.Id)).toHaveLength(1);
    expect(activitiesOf(theCase.Id).filter((a) => String(a.Body).includes('View session in OpenCX'))).toHaveLength(3);
  });

  it('never reopens a closed case: a new conversation gets a new case linked to it', async () => {
    const first = await emailConversation('mei.l@example.org', 'Mei L');
    await local.opencx.handOff(first, { summary: 'Old problem.' });
    const contact = await waitFor(() => contactByEmail('mei.l@example.org'), 'the contact');
    const oldCase = await waitFor(() => casesOf(contact.Id)[0], 'the first case');
    local.creatio.store.update('Case', oldCase.Id, { StatusId: CLOSED });

    const second = await emailConversation('mei.l@example.org', 'Mei L');
    await local.opencx.handOff(second, { summary: 'New problem.' });

    const newCase = await waitFor(() => casesOf(contact.Id).find((c) => c.Id !== oldCase.Id), 'the new case');
    expect(newCase.ParentCaseId).toBe(oldCase.Id);
    expect(local.creatio.store.get('Case', oldCase.Id)?.StatusId).toBe(CLOSED);
  });

  it('matches a WhatsApp customer to the existing Creatio contact by phone number in E.164', async () => {
    const existing = local.creatio.store.insert('Contact', { Name: 'Jonas Becker', MobilePhone: '+4915123456789' });
    const { session } = await local.opencx.createSession({ channel: 'whatsapp', contact: { name: 'Jonas Becker', phone_number: '+49 151 2345 6789' } });
    await local.opencx.addMessage(session.id, { author: 'customer', text: 'Hallo, mein Paket ist beschädigt angekommen', created_at: '2026-11-21T08:10:00.000Z' });
    await local.opencx.addMessage(session.id, {
      author: 'customer',
      text: '',
      attachments: [{ name: 'IMG-20261121-WA0003.jpg', type: 'image/jpeg', size: 412877, url: 'https://files.example.net/att_w1/IMG.jpg' }],
      created_at: '2026-11-21T08:10:30.000Z',
    });

    await local.opencx.handOff(session.id, { summary: 'Damaged parcel.', language: 'de' });

    const theCase = await waitFor(() => casesOf(existing.Id)[0], 'the WhatsApp case');
    const activities = await waitFor(() => (activitiesOf(theCase.Id).length === 2 ? activitiesOf(theCase.Id) : undefined), 'two activities');
    expect(activities.map((a) => a.Title)).toEqual([expect.stringMatching(/WhatsApp/), expect.stringMatching(/WhatsApp/)]);
    expect(activities[1]?.Body).toMatch(/IMG-20261121-WA0003\.jpg/);
    expect(local.creatio.store.list('Contact').filter((c) => c.MobilePhone === '+4915123456789')).toHaveLength(1);
  });

  it('creates no case for a conversation that is never handed off (create case only on handoff)', async () => {
    const { session } = await local.opencx.createSession({ channel: 'web', contact: { name: 'Sam', email: 'sam.noho@example.org' } });
    await local.opencx.addMessage(session.id, { author: 'customer', text: 'What are your opening hours?' });
    await local.opencx.addMessage(session.id, { author: 'ai', text: 'We are open 9 to 5.' });
    await local.opencx.close(session.id, { outcome: 'resolved', closed_by: { type: 'AI' } });

    await local.opencx.whenIdle();
    await settle(() => local.creatio.store.list('Case').length);

    expect(contactByEmail('sam.noho@example.org')).toBeUndefined();
  });
});

describe('OpenCX → Creatio: cost and failures', () => {
  const handoffCost = async (messages: number, email: string) => {
    const { session } = await local.opencx.createSession({ channel: 'web', contact: { name: `Load ${messages}`, email } });
    for (let i = 0; i < messages; i += 1) {
      await local.opencx.addMessage(session.id, { author: i % 2 ? 'ai' : 'customer', text: `message ${i}`, created_at: new Date(Date.UTC(2026, 10, 20, 12, 0, i)).toISOString() });
    }
    // Only this handoff's requests are counted: earlier events (of this test or others) are all synced first.
    await local.opencx.whenIdle();
    await drained(local.runtime, 200);
    const before = local.creatio.requestLog.length;
    await local.opencx.handOff(session.id, { summary: `${messages} messages` });
    const contact = await waitFor(() => contactByEmail(email), 'the contact');
    const theCase = await waitFor(() => casesOf(contact.Id)[0], 'the case');
    await waitFor(() => activitiesOf(theCase.Id).length === messages, `${messages} activities`);
    await drained(local.runtime, 200);
    return local.creatio.requestLog.slice(before).filter((r) => !r.path.startsWith('/_sandbox')).length;
  };

  it('costs the same number of Creatio requests for a handoff of 2 messages as for one of 60', async () => {
    // The first handoff of a container also fetches the token and the case-origin lookup: not what is compared here.
    await handoffCost(1, 'warm.handoff@example.org');
    const short = await handoffCost(2, 'short.handoff@example.org');
    const long = await handoffCost(60, 'long.handoff@example.org');

    expect(long).toBe(short);
    // A new contact on a warm client: its two searches side by side, then one $batch.
    expect(short).toBeLessThanOrEqual(3);
  });

  it('parks an event that Creatio refuses for good in the DLQ with the reason, and writes nothing twice', async () => {
    const { ReceiveMessageCommand } = await import('@aws-sdk/client-sqs');
    // The priority the AI field maps "High" to no longer exists: Creatio refuses the case (foreign key).
    const priority = local.creatio.store.get('CasePriority', HIGH_PRIORITY)!;
    local.creatio.store.remove('CasePriority', HIGH_PRIORITY);
    try {
      const { session } = await local.opencx.createSession({ channel: 'email', contact: { name: 'Nora P', email: 'nora.p@example.org' }, custom_data: { priority: 'High' } });
      await local.opencx.addMessage(session.id, { author: 'customer', text: 'Subject: Broken\n\nIt is broken.' });
      await local.opencx.handOff(session.id, { summary: 'Broken.' });

      const parked = await waitFor(async () => {
        const answer = await local.runtime.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: local.runtime.aws.opencxEvents.dlqUrl, MessageAttributeNames: ['All'], VisibilityTimeout: 60 }),
        );
        return answer.Messages?.find((m) => String(m.Body).includes(session.id));
      }, 'the parked message');

      expect(parked.MessageAttributes?.errorKind?.StringValue).toBe('creatio_rejected');
      expect(parked.MessageAttributes?.reason?.StringValue).toMatch(/Creatio refused POST Case/);
      const contacts = local.creatio.store.list('Contact').filter((c) => c.Email === 'nora.p@example.org');
      expect(contacts).toHaveLength(1);
      expect(casesOf(contacts[0]!.Id)).toHaveLength(0);
    } finally {
      local.creatio.store.insert('CasePriority', priority);
    }
  });
});
