import type { ContactInput, CreatioClient } from '../../creatio';
import type { OpenCxSession } from '../../opencx';
import { deterministicId } from '../../ids';
import { toE164 } from '../render';

export interface ContactIdentity {
  /** `email:<address>`, `phone:<E.164>`, `opencx:<contact id>` or `session:<session id>`. */
  readonly key: string;
  readonly name: string;
  readonly email?: string;
  readonly phone?: string;
  /** Phone spellings to search Creatio for (E.164 and as OpenCX gave it). */
  readonly phoneVariants: readonly string[];
}

const PHONE_CHANNELS = new Set(['whatsapp', 'sms', 'phone_voice', 'phone', 'web_voice']);

const clean = (value: string | null | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

/**
 * Who the customer is (design §3 "Contact"): by email (email channel, or any contact email), else by
 * phone in E.164 (WhatsApp / SMS / voice, or any phone), else a name-less placeholder keyed by the
 * OpenCX contact id.
 */
export const contactIdentity = (session: OpenCxSession): ContactIdentity => {
  const contact = session.contact;
  const email = clean(contact?.email ?? contact?.non_verified_email)?.toLowerCase();
  const rawPhone = clean(contact?.phone_number);
  const phone = toE164(rawPhone);
  const name = clean(contact?.name) ?? clean(contact?.non_verified_name);
  const channel = session.channel?.type ?? undefined;
  const phoneVariants = [...new Set([phone, rawPhone].filter((v): v is string => Boolean(v)))];
  const preferPhone = channel !== undefined && PHONE_CHANNELS.has(channel) && phone !== undefined;
  if (email && !preferPhone) return { key: `email:${email}`, name: name ?? email, email, ...(phone ? { phone } : {}), phoneVariants };
  if (phone) return { key: `phone:${phone}`, name: name ?? phone, phone, ...(email ? { email } : {}), phoneVariants };
  if (email) return { key: `email:${email}`, name: name ?? email, email, phoneVariants };
  const contactId = clean(contact?.id);
  if (contactId) return { key: `opencx:${contactId}`, name: name ?? `OpenCX contact ${contactId.slice(0, 8)}`, phoneVariants };
  return { key: `session:${session.id}`, name: name ?? `OpenCX customer (session ${session.ticket_number ?? session.id.slice(0, 8)})`, phoneVariants };
};

export interface ContactMatch {
  readonly creatioContactId: string;
  /** The Contact create to put in the batch when no Creatio contact matched. */
  readonly create?: ContactInput;
}

/**
 * Finds the Creatio contact by email or phone; when none matches, returns the create to add to the
 * sync's batch, with an id derived from the identity so that two concurrent syncs create one contact.
 */
export const matchContact = async (creatio: CreatioClient, tenant: string, identity: ContactIdentity): Promise<ContactMatch> => {
  const candidates = identity.email
    ? await creatio.findContactsByEmail(identity.email)
    : identity.phoneVariants.length
      ? await creatio.findContactsByPhone(identity.phoneVariants)
      : [];
  const found = candidates[0];
  if (found) return { creatioContactId: found.Id };
  const id = bridgeContactId(tenant, identity);
  return { creatioContactId: id, create: contactCreate(id, identity) };
};

/** The id the bridge gives a contact it creates: the same for every attempt. */
export const bridgeContactId = (tenant: string, identity: ContactIdentity): string => deterministicId(tenant, 'contact', identity.key);

export const contactCreate = (id: string, identity: ContactIdentity): ContactInput => ({
  Id: id,
  Name: identity.name.slice(0, 250),
  ...(identity.email ? { Email: identity.email } : {}),
  ...(identity.phone ? { MobilePhone: identity.phone } : {}),
});
