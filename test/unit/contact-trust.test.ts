import type { ContactRecord, PhoneCandidate } from '../../functions/shared/creatio';
import type { OpenCxSession } from '../../functions/shared/opencx';
import { parseTenantConfig } from '../../functions/shared/schemas/tenant-config';
import { contactIdentity, matchContact, type ContactLookupPort } from '../../functions/shared/sync/to-creatio/contact';
import { exampleJson } from '../support/fixtures';

const emailSession = exampleJson<OpenCxSession>('opencx-session-email.json');
const CONTACT_ID = 'c0a80121-7e2b-4f55-a1d3-9b8c7d6e5f40';
const session = (channel: string, contact: Record<string, unknown>): OpenCxSession =>
  ({ ...emailSession, channel: { type: channel }, contact: { id: CONTACT_ID, ...contact } }) as OpenCxSession;

/** A Creatio lookup double that records what was asked. */
const lookups = (found: { byEmail?: ContactRecord[]; byPhone?: PhoneCandidate[] } = {}) => {
  const asked: string[] = [];
  const port: ContactLookupPort = {
    findContactsByEmail: async (email) => {
      asked.push(`email ${email}`);
      return found.byEmail ?? [];
    },
    findContactPhoneCandidates: async (national) => {
      asked.push(`phone ${national}`);
      return found.byPhone ?? [];
    },
  };
  return { port, asked };
};

describe('only what the channel proves identifies a customer', () => {
  it('does not trust an email address a web-chat visitor typed: their own identity, keyed by the OpenCX contact id', () => {
    const identity = contactIdentity(session('web', { non_verified_email: 'Dana.Whitfield@example.org', non_verified_name: 'Dana' }));

    expect(identity).toEqual({
      key: `opencx:${CONTACT_ID}`,
      name: 'Dana',
      proven: false,
      unverified: { email: 'dana.whitfield@example.org' },
    });
  });

  it('does not trust a phone number given on a channel that does not carry it (web chat, browser voice)', () => {
    expect(contactIdentity(session('web', { phone_number: '+14155550134' }))).toMatchObject({ proven: false, unverified: { phone: '+14155550134' } });
    expect(contactIdentity(session('web_voice', { phone_number: '+14155550134' }))).toMatchObject({ proven: false });
  });

  it('trusts an address OpenCX verified, on any channel, and lower-cases it', () => {
    expect(contactIdentity(session('web', { email: ' Dana.Whitfield@Example.ORG ' }))).toMatchObject({
      key: 'email:dana.whitfield@example.org',
      email: 'dana.whitfield@example.org',
      proven: true,
    });
  });

  it('reads a WhatsApp number given as digits only as international', () => {
    expect(contactIdentity(session('whatsapp', { phone_number: '14155550134' }), 'DE')).toMatchObject({ key: 'phone:+14155550134', proven: true });
  });

  it('reads a national SMS number with the tenant default country', () => {
    expect(contactIdentity(session('sms', { phone_number: '(415) 555-0134' }), 'US')).toMatchObject({ key: 'phone:+14155550134', phone: '+14155550134' });
    expect(contactIdentity(session('sms', { phone_number: '0151 2345 6789' }), 'DE')).toMatchObject({ key: 'phone:+4915123456789' });
  });
});

describe('matching a Creatio contact', () => {
  it('never looks an unproven identity up: it gets its own contact without email or phone', async () => {
    const { port, asked } = lookups({ byEmail: [{ Id: 'someone-else' }] });
    const identity = contactIdentity(session('web', { non_verified_email: 'dana.whitfield@example.org' }));

    const match = await matchContact(port, 'example', identity);

    expect(asked).toEqual([]);
    expect(match.create).toEqual({ Id: match.creatioContactId, Name: expect.any(String) });
  });

  it('confirms a phone candidate by its number read with the default country, whatever the format', async () => {
    const { port, asked } = lookups({
      byPhone: [
        { contact: { Id: 'other-number' }, numbers: ['+1 (415) 555-9134'] },
        { contact: { Id: 'typed-nationally' }, numbers: ['(415) 555-0134'] },
      ],
    });
    const identity = contactIdentity(session('whatsapp', { phone_number: '14155550134' }));

    const match = await matchContact(port, 'example', identity, { defaultCountry: 'US' });

    expect(asked).toEqual(['phone 4155550134']);
    expect(match).toEqual({ creatioContactId: 'typed-nationally' });
  });

  it('picks the first (oldest) of several matching contacts and reports the ambiguity by ids only', async () => {
    const warnings: { message: string; fields: Record<string, unknown> }[] = [];
    const { port } = lookups({ byEmail: [{ Id: 'oldest' }, { Id: 'newer' }] });
    const identity = contactIdentity(session('email', { email: 'dana.whitfield@example.org' }));

    const match = await matchContact(port, 'example', identity, { observer: { warn: (message, fields) => warnings.push({ message, fields }) } });

    expect(match).toEqual({ creatioContactId: 'oldest', ambiguousContactIds: ['oldest', 'newer'] });
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).not.toContain('dana');
  });

  it('creates a contact carrying the number in E.164 in MobilePhone when none matches', async () => {
    const { port } = lookups();
    const identity = contactIdentity(session('whatsapp', { phone_number: '4915123456789', name: 'Jonas Becker' }));

    const match = await matchContact(port, 'example', identity);

    expect(match.create).toEqual({ Id: match.creatioContactId, Name: 'Jonas Becker', MobilePhone: '+4915123456789' });
  });
});

describe('tenant settings for identity', () => {
  const base = { tenant: 'example', creatio: { instanceUrl: 'https://example.creatio.com' } };

  it('accepts an ISO 3166 alpha-2 default country and refuses anything else', () => {
    expect(parseTenantConfig({ ...base, creatio: { ...base.creatio, defaultCountry: 'DE' } }).creatio.defaultCountry).toBe('DE');
    expect(() => parseTenantConfig({ ...base, creatio: { ...base.creatio, defaultCountry: 'Germany' } })).toThrow(/creatio\.defaultCountry/);
    expect(() => parseTenantConfig({ ...base, creatio: { ...base.creatio, defaultCountry: 'XX' } })).toThrow(/creatio\.defaultCountry/);
  });

  it('refuses plain http for a tenant URL, except on this machine', () => {
    expect(() => parseTenantConfig({ ...base, creatio: { instanceUrl: 'http://example.creatio.com' } })).toThrow(/creatio\.instanceUrl: must be an https/);
    expect(parseTenantConfig({ ...base, creatio: { instanceUrl: 'http://127.0.0.1:4510' } }).creatio.instanceUrl).toBe('http://127.0.0.1:4510');
  });
});
