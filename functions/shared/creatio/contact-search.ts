/**
 * Finding the Creatio contact of a proven email address or phone number, as Creatio stores them (issue 10):
 * case and spaces as typed, numbers in any format, secondary ones in `ContactCommunication`. Two GETs side by
 * side (a third only for a secondary owner not found yet); candidates oldest first, confirmed by the caller
 * where the filter can only narrow.
 */
import type { CreatioClient } from './creatio-client';
import type { ContactRecord } from './creatio-types';
import { filter, isGuid, odataString } from './odata-query';

/** What the search needs of the client. */
type ContactQueries = Pick<CreatioClient, 'query'>;

/** Bounded reads for the matching helpers (Creatio caps a query at 20,000 rows anyway). */
const MATCH_TOP = 50;
const PHONE_COLUMNS = ['Phone', 'MobilePhone', 'HomePhone'] as const;

/** A contact that may have a phone number, with the numbers it was found by (its phone columns, matching communications). */
export interface PhoneCandidate {
  readonly contact: ContactRecord;
  readonly numbers: readonly string[];
}

/** Oldest first, then by Id: a deterministic pick among several matching contacts. */
const byAgeThenId = (a: ContactRecord, b: ContactRecord): number => {
  const x = typeof a.CreatedOn === 'string' ? Date.parse(a.CreatedOn) : Number.NaN;
  const y = typeof b.CreatedOn === 'string' ? Date.parse(b.CreatedOn) : Number.NaN;
  if (!Number.isNaN(x) && !Number.isNaN(y) && x !== y) return x - y;
  return a.Id.toLowerCase() < b.Id.toLowerCase() ? -1 : a.Id.toLowerCase() > b.Id.toLowerCase() ? 1 : 0;
};

/** Contacts matching `onContact`, and owners of `ContactCommunication` rows matching `onCommunication` with those rows' numbers. */
const findContacts = async (client: ContactQueries, onContact: string, onCommunication: string): Promise<readonly { contact: ContactRecord; numbers: readonly string[] }[]> => {
  const [direct, communications] = await Promise.all([
    client.query<ContactRecord>('Contact', { filter: onContact, top: MATCH_TOP, orderBy: ['CreatedOn asc', 'Id asc'] }),
    client.query('ContactCommunication', { filter: onCommunication, select: ['Id', 'ContactId', 'Number'], top: MATCH_TOP }),
  ]);
  const found = new Map(direct.value.map((contact) => [contact.Id.toLowerCase(), contact]));
  const numbers = new Map<string, string[]>();
  for (const row of communications.value) {
    if (!isGuid(row.ContactId) || typeof row.Number !== 'string') continue;
    const id = row.ContactId.toLowerCase();
    numbers.set(id, [...(numbers.get(id) ?? []), row.Number]);
  }
  const missing = [...numbers.keys()].filter((id) => !found.has(id));
  if (missing.length) {
    const more = await client.query<ContactRecord>('Contact', { filter: filter.or(...missing.map((id) => filter.eq('Id', id))), top: MATCH_TOP });
    for (const contact of more.value) found.set(contact.Id.toLowerCase(), contact);
  }
  return [...found.values()].sort(byAgeThenId).map((contact) => ({ contact, numbers: numbers.get(contact.Id.toLowerCase()) ?? [] }));
};

/**
 * Contacts whose primary `Email`, or a `ContactCommunication.Number` (secondary addresses), is the
 * address regardless of case and of spaces around it. PostgreSQL (Creatio cloud) compares text
 * case-sensitively and Creatio keeps values as typed, so the filter lowers the column and looks for
 * the address inside it (`contains(tolower(Email),'<lower>')`: a stored " Ann@Example.com " is
 * found too), and every candidate is confirmed here (trimmed, lower case, equal). Oldest first
 * (then by Id): the pick is the same every time. 2 GETs in parallel, a 3rd when a
 * secondary-address owner was not already found.
 */
export const contactsByEmail = async (client: ContactQueries, email: string): Promise<readonly ContactRecord[]> => {
  const address = email.trim().toLowerCase();
  if (!address) return [];
  const same = (value: unknown): boolean => typeof value === 'string' && value.trim().toLowerCase() === address;
  const found = await findContacts(client, `contains(tolower(Email),${odataString(address)})`, `contains(tolower(Number),${odataString(address)})`);
  return found.filter((c) => same(c.contact.Email) || c.numbers.some(same)).map((c) => c.contact);
};

/**
 * Contacts that may have the phone number whose national significant number is given
 * (`4155550134` for +1 415 555 0134), however it was typed: `ContactCommunication` rows whose
 * `SearchNumber` (Creatio keeps the number's digits reversed there) starts with the reversed
 * national number, and contacts whose `Phone`, `MobilePhone` or `HomePhone` contain its last four
 * digits. Candidates only, each with the numbers that made it one: the caller confirms by comparing
 * normalised numbers. 2 GETs in parallel, a 3rd when a number's owner was not already found.
 */
export const contactPhoneCandidates = async (client: ContactQueries, nationalNumber: string): Promise<readonly PhoneCandidate[]> => {
  const digits = nationalNumber.replace(/\D/g, '');
  if (digits.length < 4) return [];
  const reversed = [...digits].reverse().join('');
  const tail = digits.slice(-4);
  const onContact = filter.or(...PHONE_COLUMNS.map((column) => filter.contains(column, tail)));
  const found = await findContacts(client, onContact, `startswith(SearchNumber,${odataString(reversed)})`);
  return found.map(({ contact, numbers }) => ({
    contact,
    numbers: [...PHONE_COLUMNS.map((column) => contact[column]).filter((v): v is string => typeof v === 'string' && v.trim() !== ''), ...numbers],
  }));
};
