import type { OpenCxQueueMessage } from '../../functions/shared/schemas/queue-messages';
import { storedContactKey, type SessionRecord } from '../../functions/shared/state/state-store';
import { identityFromContact, skipsSessionRead, type KnownConversation } from '../../functions/shared/sync/to-creatio/known-customer';

const SESSION = '6f1d8a52-3b7e-4c1a-9d2e-0a4b5c6d7e8f';
const CUSTOMER = 'c0a80121-7e2b-4f55-a1d3-9b8c7d6e5f40';
const event = (name: OpenCxQueueMessage['event']): OpenCxQueueMessage => ({
  source: 'opencx',
  dedupId: `d-${name}`,
  event: name,
  conversationId: SESSION,
  contactId: CUSTOMER,
  occurredAt: '2026-11-20T14:09:40.002Z',
  receivedAt: '2026-11-20T14:09:40.100Z',
});
/** As the state table keeps it: the contact key hashed, no address. */
const known = (contactKey: string, channel = 'email'): KnownConversation => ({
  sessionId: SESSION,
  caseId: 'a1b2c3d4-0000-4000-8000-000000000001',
  creatioContactId: 'a1b2c3d4-0000-4000-8000-000000000002',
  contactKey: storedContactKey(contactKey),
  channel,
  status: 'open',
});
const CONTACT_ID = 'a1b2c3d4-0000-4000-8000-000000000002';

describe('a new message of a known conversation: who the customer is, without the OpenCX session', () => {
  it('skips the session read only for a message event of an open conversation with its case and contact', () => {
    const state = known('email:dana@example.org');
    expect(skipsSessionRead(event('conversation.contact_response'), state)).toBe(true);
    expect(skipsSessionRead(event('conversation.ai_response'), state)).toBe(true);
    for (const name of ['conversation.handoff_to_human', 'conversation.closed'] as const) expect(skipsSessionRead(event(name), state)).toBe(false);
    const { caseId: _case, ...noCase } = state;
    expect(skipsSessionRead(event('conversation.contact_response'), noCase as SessionRecord)).toBe(false);
    expect(skipsSessionRead(event('conversation.contact_response'), { ...state, status: 'closed' })).toBe(false);
  });

  it('takes the address from the Creatio contact when it is the one the conversation was proven by, however Creatio stores it', () => {
    const identity = identityFromContact(known('email:dana@example.org'), event('conversation.contact_response'), {
      Id: CONTACT_ID,
      Name: 'Dana Whitfield',
      Email: '  Dana@Example.ORG ',
    });
    expect(identity).toEqual({ key: 'email:dana@example.org', name: 'Dana Whitfield', email: 'dana@example.org', proven: true });
  });

  it('finds the WhatsApp number among the phone columns as people type it', () => {
    const identity = identityFromContact(known('phone:+14155550134', 'whatsapp'), event('conversation.contact_response'), {
      Id: CONTACT_ID,
      Name: 'Sam',
      Email: 'sam@example.org',
      Phone: '+1 (415) 555-0199',
      MobilePhone: '+1 (415) 555-0134',
    });
    expect(identity).toMatchObject({ key: 'phone:+14155550134', phone: '+14155550134', proven: true });
    expect(identity?.email).toBeUndefined();
  });

  it('gives up (the session is read) when the contact no longer carries the address the conversation was proven by', () => {
    const identity = identityFromContact(known('email:dana@example.org'), event('conversation.contact_response'), {
      Id: CONTACT_ID,
      Name: 'Dana Whitfield',
      Email: 'dana.whitfield@work.example',
    });
    expect(identity).toBeUndefined();
  });

  it('never turns an unproven visitor into a proven one: their key stays the OpenCX contact id, with no address', () => {
    const identity = identityFromContact(known(`opencx:${CUSTOMER}`, 'web'), event('conversation.contact_response'), {
      Id: CONTACT_ID,
      Name: 'Visitor',
      Email: 'dana@example.org',
    });
    expect(identity).toEqual({ key: `opencx:${CUSTOMER}`, name: 'Visitor', proven: false });
  });
});
