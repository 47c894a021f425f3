/**
 * Who the customer is, and which Creatio contact that is (design §3 "Contact (trust boundary)").
 *
 * The trust rule: an identity may link a conversation to an existing Creatio contact (and so to that
 * contact's cases and replies) only when the channel proves it:
 * - an email address OpenCX gives as the contact's `email` (the sender's address on the email channel,
 *   or an address OpenCX verified); never `non_verified_email`, never an address typed into a chat;
 * - a phone number on WhatsApp, SMS or phone voice (the number the message came from); never
 *   `non_verified_phone`, never a number given on another channel.
 * Anything else is "unproven": the conversation gets its own contact, keyed by the OpenCX contact id
 * (or the session id), created by the bridge and never matched by email or phone. What the visitor
 * typed is kept in `unverified`, for display only.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { ContactInput, ContactRecord, CreatioClient } from '../../creatio';
import { deterministicId } from '../../ids';
import type { OpenCxSession } from '../../opencx';
import { nationalSignificantNumber, toE164 } from '../render/phone';

export interface ContactIdentity {
  /** `email:<lower-case address>`, `phone:<E.164>` (proven), `opencx:<contact id>` or `session:<session id>`. */
  readonly key: string;
  readonly name: string;
  /** Proven address only (lower case). */
  readonly email?: string;
  /** Proven number only (E.164). */
  readonly phone?: string;
  /** True when `key` is a proven email or phone: only then may it match an existing contact. */
  readonly proven: boolean;
  /** What the customer declared but the channel does not prove: shown as "unverified", never matched. */
  readonly unverified?: { readonly email?: string; readonly phone?: string };
}

/** Channels whose messages come from the customer's phone number. `web_voice` is a browser call: no number is proven. */
const PHONE_CHANNELS = new Set(['whatsapp', 'sms', 'phone_voice', 'phone']);

const clean = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed ? trimmed : undefined;
};

const looksLikeEmail = (value: string): boolean => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);

/**
 * The customer's identity as the channel proves it. `defaultCountry` (the tenant's
 * `creatio.defaultCountry`) reads national numbers; WhatsApp's digits-only numbers are international.
 */
export const contactIdentity = (session: OpenCxSession, defaultCountry?: string): ContactIdentity => {
  const contact = session.contact ?? undefined;
  const extra = (contact ?? {}) as Record<string, unknown>;
  const channel = clean(session.channel?.type)?.toLowerCase();
  const country = defaultCountry as CountryCode | undefined;

  const verifiedEmail = clean(contact?.email)?.toLowerCase();
  const email = verifiedEmail && looksLikeEmail(verifiedEmail) ? verifiedEmail : undefined;
  const rawPhone = clean(contact?.phone_number);
  const phoneChannel = channel !== undefined && PHONE_CHANNELS.has(channel);
  const phone = phoneChannel ? toE164(rawPhone, country, { international: channel === 'whatsapp' }) : undefined;

  const typedEmail = clean(contact?.non_verified_email)?.toLowerCase();
  const typedPhone = clean(extra.non_verified_phone) ?? (phoneChannel ? undefined : rawPhone);
  const unverifiedEmail = typedEmail && typedEmail !== email ? typedEmail : undefined;
  const unverifiedPhone = typedPhone ? (toE164(typedPhone, country) ?? typedPhone) : undefined;
  const unverified =
    unverifiedEmail || (unverifiedPhone && unverifiedPhone !== phone)
      ? { ...(unverifiedEmail ? { email: unverifiedEmail } : {}), ...(unverifiedPhone && unverifiedPhone !== phone ? { phone: unverifiedPhone } : {}) }
      : undefined;
  const extras = unverified ? { unverified } : {};

  const name = clean(contact?.name) ?? clean(contact?.non_verified_name);
  const proven = { ...(email ? { email } : {}), ...(phone ? { phone } : {}), proven: true, ...extras };
  if (phone && (phoneChannel || !email)) return { key: `phone:${phone}`, name: name ?? phone, ...proven };
  if (email) return { key: `email:${email}`, name: name ?? email, ...proven };

  const contactId = clean(contact?.id);
  if (contactId) return { key: `opencx:${contactId}`, name: name ?? `OpenCX contact ${contactId.slice(0, 8)}`, proven: false, ...extras };
  return {
    key: `session:${session.id}`,
    name: name ?? `OpenCX customer (session ${session.ticket_number ?? session.id.slice(0, 8)})`,
    proven: false,
    ...extras,
  };
};

export interface ContactMatch {
  readonly creatioContactId: string;
  /** The Contact create to put in the sync's batch when no Creatio contact matched. */
  readonly create?: ContactInput;
  /** Every contact that matched, when more than one did (the first, oldest, was picked). Ids only: safe to log. */
  readonly ambiguousContactIds?: readonly string[];
}

/** What matching needs from the Creatio client. */
export type ContactLookupPort = Pick<CreatioClient, 'findContactsByEmail' | 'findContactPhoneCandidates'>;

/** Someone to tell that several contacts matched (ids only). */
export interface AmbiguityObserver {
  warn(message: string, fields: Record<string, unknown>): void;
}

/**
 * Finds the Creatio contact of a proven identity: by email regardless of case, or by phone however
 * Creatio stores it (candidates by `SearchNumber` and the phone columns, confirmed here by comparing
 * numbers normalised with the tenant's default country). Several matches: the oldest, and the
 * ambiguity is reported. An unproven identity never matches: it gets its own contact. When nothing
 * matches, returns the create to add to the sync's batch, with an id derived from the identity so
 * that two concurrent syncs create one contact.
 */
export const matchContact = async (
  creatio: ContactLookupPort,
  tenant: string,
  identity: ContactIdentity,
  options: { readonly defaultCountry?: string; readonly observer?: AmbiguityObserver } = {},
): Promise<ContactMatch> => {
  const matches = identity.proven ? await findProven(creatio, identity, options.defaultCountry as CountryCode | undefined) : [];
  const [found] = matches;
  if (found) {
    if (matches.length === 1) return { creatioContactId: found.Id };
    const ambiguousContactIds = matches.map((c) => c.Id);
    options.observer?.warn('several Creatio contacts match the customer; the oldest was used', {
      creatioContactId: found.Id,
      candidateContactIds: ambiguousContactIds,
      matchedBy: identity.key.slice(0, identity.key.indexOf(':')),
    });
    return { creatioContactId: found.Id, ambiguousContactIds };
  }
  const id = bridgeContactId(tenant, identity);
  return { creatioContactId: id, create: contactCreate(id, identity) };
};

const findProven = async (creatio: ContactLookupPort, identity: ContactIdentity, country: CountryCode | undefined): Promise<readonly ContactRecord[]> => {
  if (identity.key.startsWith('email:') && identity.email) return creatio.findContactsByEmail(identity.email);
  if (identity.key.startsWith('phone:') && identity.phone) {
    const national = nationalSignificantNumber(identity.phone);
    if (!national) return [];
    const candidates = await creatio.findContactPhoneCandidates(national);
    return candidates.filter((c) => c.numbers.some((n) => toE164(n, country) === identity.phone)).map((c) => c.contact);
  }
  return [];
};

/** The id the bridge gives a contact it creates: the same for every attempt. */
export const bridgeContactId = (tenant: string, identity: ContactIdentity): string => deterministicId(tenant, 'contact', identity.key);

/** A contact the bridge creates: proven email / phone (E.164 in `MobilePhone`) only. */
export const contactCreate = (id: string, identity: ContactIdentity): ContactInput => ({
  Id: id,
  Name: identity.name.slice(0, 250),
  ...(identity.proven && identity.email ? { Email: identity.email } : {}),
  ...(identity.proven && identity.phone ? { MobilePhone: identity.phone } : {}),
});
