/**
 * A German tenant (creatio.defaultCountry DE) whose rep typed a customer's mobile number the national
 * way, "0151 2345 6789": WhatsApp's digits and an international spelling both find the contact.
 */
import { useLocalRuntime } from '../support/local-runtime';
import { phoneConversation, tenantForCountry } from '../support/phone-tenant';

const local = useLocalRuntime({ visibilityTimeoutSeconds: 1, tenantConfigPath: tenantForCountry('DE') });
let lena: Record<string, unknown>;

beforeAll(() => {
  lena = local.creatio.store.insert('Contact', { Name: 'Lena Vogel', MobilePhone: '0151 2345 6789' });
});

describe('a German contact stored as 0151 2345 6789 (default country DE)', () => {
  it('is found from WhatsApp’s 4915123456789', async () => {
    const theCase = await phoneConversation(local.creatio, local.opencx, 'whatsapp', '4915123456789');

    expect(theCase.ContactId).toBe(lena.Id);
  });

  it('is found from an SMS from +49 151 23456789, and no second contact is made', async () => {
    const theCase = await phoneConversation(local.creatio, local.opencx, 'sms', '+49 151 23456789');

    expect(theCase.ContactId).toBe(lena.Id);
    expect(local.creatio.store.list('Contact').filter((c) => String(c.MobilePhone).replace(/\D/g, '').endsWith('15123456789'))).toHaveLength(1);
  });
});
