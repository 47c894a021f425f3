import { contactIdentity } from '../../functions/shared/sync/to-creatio/contact';
import { aiFieldColumns } from '../../functions/shared/sync/to-creatio/case-fields';
import { LookupResolver } from '../../functions/shared/sync/to-creatio/lookups';
import { parseTenantConfig } from '../../functions/shared/schemas/tenant-config';
import type { OpenCxSession } from '../../functions/shared/opencx';
import type { CreatioClient } from '../../functions/shared/creatio';
import { exampleJson } from '../support/fixtures';

const emailSession = exampleJson<OpenCxSession>('opencx-session-email.json');
const whatsappSession = exampleJson<OpenCxSession>('opencx-session-whatsapp.json');

describe('who the customer is', () => {
  it('is identified by email address on the email channel', () => {
    expect(contactIdentity(emailSession)).toMatchObject({ key: 'email:dana.whitfield@example.org', name: 'Dana Whitfield', email: 'dana.whitfield@example.org' });
  });

  it('is identified by E.164 phone number on WhatsApp', () => {
    expect(contactIdentity(whatsappSession)).toMatchObject({ key: 'phone:+4915123456789', name: 'Jonas Becker', phone: '+4915123456789' });
  });

  it('prefers the phone number on WhatsApp even when an email is known', () => {
    const session = { ...whatsappSession, contact: { ...whatsappSession.contact, email: 'jonas@example.org' } };

    expect(contactIdentity(session).key).toBe('phone:+4915123456789');
  });

  it('falls back to a name-less placeholder keyed by the OpenCX contact id', () => {
    const session = { ...emailSession, channel: { type: 'web' }, contact: { id: 'c0a80121-7e2b-4f55-a1d3-9b8c7d6e5f40' } } as OpenCxSession;

    expect(contactIdentity(session)).toMatchObject({ key: 'opencx:c0a80121-7e2b-4f55-a1d3-9b8c7d6e5f40', name: 'OpenCX contact c0a80121' });
  });
});

describe('AI-filled fields', () => {
  const config = parseTenantConfig({
    tenant: 'unit',
    creatio: { instanceUrl: 'https://unit.creatio.com' },
    aiFields: [
      {
        source: { kind: 'custom_data', key: 'priority' },
        column: 'PriorityId',
        type: 'lookup',
        lookupCollection: 'CasePriority',
        labels: { High: '8b700f24-f46b-1410-ee8c-0050ba5d6c38' },
      },
      { source: { kind: 'custom_data', key: 'category' }, column: 'CategoryId', type: 'lookup', lookupCollection: 'CaseCategory' },
      { source: { kind: 'sentiment' }, column: 'UsrSentiment', type: 'text', maxLength: 5 },
      { source: { kind: 'custom_data', key: 'absent' }, column: 'UsrAbsent', type: 'text' },
    ],
  });
  const lookedUp: string[] = [];
  const creatio = {
    findLookupByName: async (collection: string, name: string) => {
      lookedUp.push(`${collection}:${name}`);
      return name === 'Billing' ? { Id: '1b0bc159-150a-e111-a31b-00155d04c01d', Name: 'Billing' } : null;
    },
  } as unknown as CreatioClient;

  it('maps labels to GUIDs, resolves unknown labels by Name once, cuts text, and skips missing values', async () => {
    const lookups = new LookupResolver(() => creatio);

    const first = await aiFieldColumns(config, emailSession, undefined, lookups);
    const second = await aiFieldColumns(config, emailSession, undefined, lookups);

    expect(first.columns).toEqual({ PriorityId: '8b700f24-f46b-1410-ee8c-0050ba5d6c38', CategoryId: '1b0bc159-150a-e111-a31b-00155d04c01d', UsrSentiment: 'angry' });
    expect(second).toEqual(first);
    expect(lookedUp).toEqual(['CaseCategory:Billing']);
  });

  it('leaves a label with no GUID empty and reports the column, never guessing', async () => {
    const session = { ...emailSession, custom_data: { priority: 'Whenever', category: 'Unknown' } };

    const result = await aiFieldColumns(config, session, undefined, new LookupResolver(() => creatio));

    expect(result.columns.PriorityId).toBeUndefined();
    expect(result.columns.CategoryId).toBeUndefined();
    expect(result.unmapped).toEqual(['PriorityId', 'CategoryId']);
  });
});
