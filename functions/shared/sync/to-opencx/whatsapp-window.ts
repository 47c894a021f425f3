/**
 * WhatsApp's customer-service window: a business may send a free-form message only within 24 hours
 * of the customer's last message; after that only an approved template message (reference opencx.md
 * §3.2). Pure: no I/O.
 */
import type { OpenCxMessage } from '../../opencx';

export const isWhatsAppChannel = (channel: string | null | undefined): boolean => (channel ?? '').toLowerCase() === 'whatsapp';

const time = (iso: string | undefined): number | undefined => {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
};

/**
 * When the customer last wrote: the latest customer-authored message in the history read, or the
 * time the OpenCX → Creatio sync stored, whichever is later (the history may have been read from a
 * cursor, after the customer's last message).
 */
export const lastCustomerMessageAt = (history: readonly OpenCxMessage[], stored: string | undefined): string | undefined => {
  const times = [...history.filter((m) => m.author === 'customer' && m.kind === 'message').map((m) => time(m.createdAt)), time(stored)].filter((t): t is number => t !== undefined);
  return times.length ? new Date(Math.max(...times)).toISOString() : undefined;
};

/** Closed when the customer's last message is older than the window, or when there is none to count from. */
export const isWindowClosed = (lastCustomerAt: string | undefined, now: Date, windowHours: number): boolean => {
  const last = time(lastCustomerAt);
  return last === undefined || now.getTime() - last > windowHours * 3_600_000;
};

/** "2025-05-01 10:00 UTC": unambiguous for a rep anywhere. */
const readableTime = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

const elapsed = (fromIso: string, now: Date): string => {
  const hours = Math.floor((now.getTime() - Date.parse(fromIso)) / 3_600_000);
  return hours >= 48 ? `${Math.floor(hours / 24)} days` : `${hours} hours`;
};

export interface BlockedReplyNoteInput {
  readonly lastCustomerMessageAt: string | undefined;
  readonly windowHours: number;
  readonly now: Date;
  /** "View session in OpenCX" link. */
  readonly sessionUrl: string;
}

/** The activity that tells the rep, on the case, that the reply did not go out and what to do instead. */
export const blockedReplyNote = (input: BlockedReplyNoteInput): { readonly title: string; readonly body: string } => {
  const hours = Number.isInteger(input.windowHours) ? String(input.windowHours) : input.windowHours.toFixed(1);
  const when = input.lastCustomerMessageAt
    ? `The customer's last WhatsApp message was at ${readableTime(input.lastCustomerMessageAt)}, ${elapsed(input.lastCustomerMessageAt, input.now)} before this reply.`
    : 'No message from the customer could be found in this WhatsApp conversation.';
  return {
    title: `Reply not delivered: WhatsApp ${hours}-hour window closed`,
    body: [
      'Your reply on this case was NOT sent to the customer.',
      `WhatsApp lets a business send a normal message only within ${hours} hours of the customer's last message. ${when}`,
      [
        'What to do:',
        `- Send the customer an approved WhatsApp template message from OpenCX: ${input.sessionUrl}`,
        '- Or reach the customer on another channel (email or phone).',
      ].join('\n'),
      `Once the customer writes again, replies on this case are delivered for the next ${hours} hours. This reply is not sent later by itself: send it again then.`,
    ].join('\n\n'),
  };
};
