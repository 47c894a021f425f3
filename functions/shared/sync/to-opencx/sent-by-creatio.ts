/**
 * Replies once, and only real ones (issue 10 §6). Pure: no I/O.
 *
 * - A rep who answers an email customer with Creatio's own "Send" has already reached them: the
 *   Email activity is outgoing, its `EmailSendStatus` says Sent (creatio-detail.md §3.7) and it went
 *   to an address outside the tenant's own mailboxes. Sending it again through OpenCX would deliver
 *   it twice (and, on WhatsApp or chat, as a second copy on another channel).
 * - When the reply we sent comes back from OpenCX (history, `conversation.agent_response`), it is
 *   recognised by OpenCX's message id; by its text only within a short window after we sent it, so
 *   that a rep's later "Thanks!" in the OpenCX inbox is not mistaken for an earlier reply that said
 *   the same.
 */
import { ActivityTypeIds, EmailSendStatusIds, type ActivityRecord } from '../../creatio';
import { outboundTextHash, type OutboundRecord } from '../../state/state-store';

const same = (a: unknown, b: string): boolean => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
const ADDRESS = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Creatio emailed this activity to someone outside the tenant's mailboxes itself. */
export const wasSentByCreatio = (activity: ActivityRecord, ownMailboxes: readonly string[]): boolean => {
  if (!same(activity.TypeId, ActivityTypeIds.Email)) return false;
  const status = (activity as Record<string, unknown>).EmailSendStatusId;
  if (!same(status, EmailSendStatusIds.Sent) && !same(status, EmailSendStatusIds.Opened)) return false;
  const own = new Set(ownMailboxes.map((m) => m.trim().toLowerCase()));
  const recipients = (typeof activity.Recepient === 'string' ? activity.Recepient.match(ADDRESS) : null) ?? [];
  return recipients.some((address) => !own.has(address.toLowerCase()));
};

/** How long after we sent a reply an agent message with the same text counts as its echo. */
export const ECHO_TEXT_WINDOW_MS = 10 * 60_000;

/**
 * Whether an agent message in the OpenCX history is the echo of a reply the bridge sent: the same
 * OpenCX message id, or — while that id is not known yet — the same text within
 * `ECHO_TEXT_WINDOW_MS` of the time the reply was recorded.
 */
export const isOutboundEcho = (message: { readonly id: string; readonly text: string; readonly createdAt?: string | undefined }, outbound: OutboundRecord | undefined): boolean => {
  const entries = outbound?.messages ?? [];
  if (entries.some((entry) => entry.messageId === message.id)) return true;
  const hash = outboundTextHash(message.text);
  const at = message.createdAt ? Date.parse(message.createdAt) : Number.NaN;
  return entries.some((entry) => {
    if (entry.messageId || entry.textHash !== hash) return false;
    const sent = Date.parse(entry.at);
    return !Number.isNaN(at) && !Number.isNaN(sent) && Math.abs(at - sent) <= ECHO_TEXT_WINDOW_MS;
  });
};
