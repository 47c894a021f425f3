/**
 * Who the customer of a conversation is, without asking OpenCX (issue 13: OpenCX allows 100 requests a
 * minute, Creatio has no such ceiling). A new message of a conversation whose case and contact are known
 * needs the session only for the customer's name and address on the activity; the state keeps neither
 * (only the contact key, hashed: no customer data in the table). The Creatio contact is read instead,
 * side by side with the OpenCX history, and trusted only when its address hashes to the stored key: the
 * same proven identity the session gave. Anything else reads the session as before.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { ContactRecord, CreatioClient } from '../../creatio';
import type { OpenCxQueueMessage } from '../../schemas/queue-messages';
import { storedContactKey, type SessionRecord } from '../../state/state-store';
import { toE164 } from '../render/phone';
import type { ContactIdentity } from './contact';
import { isMessageEvent } from './event-gate';

const PHONE_COLUMNS = ['MobilePhone', 'Phone', 'HomePhone'] as const;
const CONTACT_COLUMNS = ['Id', 'Name', 'Email', ...PHONE_COLUMNS];

/** The state a session-free sync starts from: a conversation with its case, contact and channel known, not closed. */
export type KnownConversation = SessionRecord & { readonly caseId: string; readonly creatioContactId: string; readonly contactKey: string; readonly channel: string };

/**
 * Whether this event's sync can do without the OpenCX session: a new message (not a handoff, close or
 * replay) of a conversation that is open and already has its case and Creatio contact.
 */
export const skipsSessionRead = (event: OpenCxQueueMessage, state: SessionRecord): state is KnownConversation =>
  isMessageEvent(event.event) && Boolean(state.caseId && state.creatioContactId && state.contactKey && state.channel) && state.status !== 'closed';

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/**
 * The identity the stored (hashed) contact key stands for, rebuilt from the Creatio contact: an unproven
 * key (the OpenCX contact id or the session id) needs no address; a proven one must be the contact's
 * `Email` or one of its phone numbers, normalised as `contactIdentity` does. Undefined when none hashes to
 * the key (e.g. the customer wrote from a secondary address): then the session is read.
 */
export const identityFromContact = (state: KnownConversation, event: OpenCxQueueMessage, contact: ContactRecord, defaultCountry?: string): ContactIdentity | undefined => {
  const stored = storedContactKey(state.contactKey);
  const is = (key: string) => storedContactKey(key) === stored;
  const name = text(contact.Name);
  for (const key of [event.contactId ? `opencx:${event.contactId}` : undefined, `session:${state.sessionId}`]) {
    if (key && is(key)) return { key, name: name ?? 'Customer', proven: false };
  }
  const email = text(contact.Email)?.toLowerCase();
  if (email && is(`email:${email}`)) return { key: `email:${email}`, name: name ?? email, email, proven: true };
  for (const column of PHONE_COLUMNS) {
    const phone = toE164(text(contact[column]), defaultCountry as CountryCode | undefined, { international: state.channel === 'whatsapp' });
    if (phone && is(`phone:${phone}`)) return { key: `phone:${phone}`, name: name ?? phone, phone, proven: true };
  }
  return undefined;
};

/** Reads the conversation's Creatio contact (one GET) and rebuilds the identity from it, if it still proves the same one. */
export const knownCustomer = async (
  state: KnownConversation,
  event: OpenCxQueueMessage,
  deps: { readonly creatio: CreatioClient; readonly defaultCountry?: string | undefined },
): Promise<ContactIdentity | undefined> => {
  const contact = await deps.creatio.get<ContactRecord>('Contact', state.creatioContactId, { select: CONTACT_COLUMNS });
  return contact ? identityFromContact(state, event, contact, deps.defaultCountry) : undefined;
};
