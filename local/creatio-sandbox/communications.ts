/**
 * What Creatio does around a contact's phone numbers (creatio-detail.md §3.5): the Phone, MobilePhone
 * and HomePhone columns are kept as `ContactCommunication` rows too, and every communication row
 * carries `SearchNumber`, the digits of the number as typed, reversed (`+1 (415) 555-0134` →
 * `43105551414`; Medium), which is what a phone search looks at. Numbers are stored exactly as typed:
 * Creatio does not normalise them.
 */
export const MIRRORED_PHONE_COLUMNS: Readonly<Record<string, string>> = {
  // CommunicationType ids (seed.ts): Main phone, Mobile phone, Home phone.
  Phone: '6a3fb10c-67cc-df11-9b2a-001d60e938c6',
  MobilePhone: 'd4a2dc80-30ca-df11-9b2a-001d60e938c6',
  HomePhone: '0da6a26b-d7bc-df11-b00f-001d60e938c6',
};

/** Creatio's SearchNumber for a communication value. */
export const searchNumberOf = (value: unknown): string => (typeof value === 'string' ? [...value.replace(/\D/g, '')].reverse().join('') : '');
