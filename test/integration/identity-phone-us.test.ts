/**
 * A US tenant (creatio.defaultCountry US) whose rep typed a customer's mobile number as
 * "+1 (415) 555-0134": however the number reaches us, the customer is that contact.
 */
import { useLocalRuntime } from '../support/local-runtime';
import { phoneConversation, tenantForCountry } from '../support/phone-tenant';

const local = useLocalRuntime({ visibilityTimeoutSeconds: 1, tenantConfigPath: tenantForCountry('US') });
let maya: Record<string, unknown>;

beforeAll(() => {
  maya = local.creatio.store.insert('Contact', { Name: 'Maya Chen', MobilePhone: '+1 (415) 555-0134' });
});

const contactsWithTheNumber = () => local.creatio.store.list('Contact').filter((c) => /555.?0134/.test(String(c.MobilePhone)));

describe('a US contact stored as +1 (415) 555-0134 (default country US)', () => {
  it('is found from WhatsApp’s 14155550134', async () => {
    const theCase = await phoneConversation(local.creatio, local.opencx, 'whatsapp', '14155550134');

    expect(theCase.ContactId).toBe(maya.Id);
  });

  it('is found from an SMS from +14155550134', async () => {
    const theCase = await phoneConversation(local.creatio, local.opencx, 'sms', '+14155550134');

    expect(theCase.ContactId).toBe(maya.Id);
  });

  it('is found from a call from (415) 555-0134, read with the default country', async () => {
    const theCase = await phoneConversation(local.creatio, local.opencx, 'phone_voice', '(415) 555-0134');

    expect(theCase.ContactId).toBe(maya.Id);
    expect(contactsWithTheNumber()).toHaveLength(1);
  });

  it('gives a caller with an unknown number a new contact carrying the number in E.164', async () => {
    const theCase = await phoneConversation(local.creatio, local.opencx, 'sms', '(628) 555-0199');
    const created = local.creatio.store.get('Contact', String(theCase.ContactId));

    expect(created?.MobilePhone).toBe('+16285550199');
  });
});
