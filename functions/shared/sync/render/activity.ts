/**
 * One OpenCX message → the content of one Creatio Email-type activity (design §3 "Activities").
 * Pure: no ids, dates or lookups here; the sync adds those.
 */
import { isCustomerVisible, type OpenCxMessage } from '../../opencx/messages';
import { attachmentList, describeAttachmentsSentence } from './attachments';
import { messageText } from './body';
import { channelLabel, isEmailChannel, isVoiceChannel } from './channel';
import { MAX_ACTIVITY_BODY } from './limits';
import { capText, truncate } from './text';

export interface RenderContext {
  /** The session's OpenCX channel type (`email`, `whatsapp`, `web`, `sms`, ...). */
  readonly channel: string | null | undefined;
  /** The first activity of the case carries the link to the session. */
  readonly isFirst: boolean;
  /** Link to the session in the OpenCX dashboard. */
  readonly sessionUrl: string;
  readonly customerName?: string;
  /** The customer's email address (email channel) or E.164 phone number (WhatsApp, SMS, voice). */
  readonly customerAddress?: string;
  /**
   * The address our side appears as (sender of replies, recipient of customer messages). Must not
   * be a case-registration mailbox: Creatio may reopen a resolved case for a logged email to one.
   */
  readonly agentMailbox?: string;
  /** The tenant's case-registration mailboxes: never written as an address, whatever `agentMailbox` says. */
  readonly registrationMailboxes?: readonly string[];
}

export interface RenderedActivity {
  readonly title: string;
  /** Plain text. */
  readonly body: string;
  readonly isHtml: false;
  /** Incoming for the customer, outgoing for AI and agent. */
  readonly direction: 'incoming' | 'outgoing';
  readonly sender: string;
  readonly recipient: string;
}

/** Creatio's Activity.Title holds 500 characters; keep titles readable in lists. */
const MAX_TITLE = 250;
/** What an email that only quotes or forwards earlier messages reads as, instead of the whole thread. */
export const ONLY_QUOTE_NOTE = '(No new text: this email only quotes or forwards earlier messages. The full email is in OpenCX.)';

/** Names go into "Name <address>": drop characters that would break that form. */
const cleanName = (name: string | undefined): string | undefined => {
  const cleaned = name
    ?.replace(/[<>"\r\n]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned ? cleaned : undefined;
};

const party = (name: string, address: string | undefined): string => {
  const trimmed = address?.trim();
  if (!trimmed) return name;
  return trimmed.includes('@') ? `${name} <${trimmed}>` : `${name} (${trimmed})`;
};

export const titleFor = (message: Pick<OpenCxMessage, 'author'>, channel: string | null | undefined): string => {
  const label = channelLabel(channel);
  switch (message.author) {
    case 'customer': {
      if (isEmailChannel(channel) || (channel ?? '').toLowerCase() === 'sms') return `${label} from customer`;
      if (isVoiceChannel(channel)) return `${label} · Customer`;
      return `${label} message from customer`;
    }
    case 'ai':
      return `${label} · AI reply`;
    case 'agent':
      return `${label} · Agent reply`;
    default:
      return `${label} · System message`;
  }
};

/**
 * Renders one customer-visible message. Throws for internal comments, system notices and other
 * events: filter with `isCustomerVisible` first, so an internal note can never reach Creatio as
 * conversation content by accident.
 */
export const renderActivity = (message: OpenCxMessage, context: RenderContext): RenderedActivity => {
  if (!isCustomerVisible(message)) {
    throw new Error(`renderActivity: message ${message.id} (${message.kind}) is not customer-visible content; filter with isCustomerVisible`);
  }
  const { channel } = context;
  const label = channelLabel(channel);
  const { text, subject, onlyQuote } = messageText(message, channel);

  const title = truncate(subject ? `${titleFor(message, channel)} · ${subject}` : titleFor(message, channel), MAX_TITLE);

  // The message text first, then the attachment list and the session link, each its own paragraph;
  // only the message text is ever shortened, so the link is always there in full.
  const after: string[] = [];
  const attachments = attachmentList(message.attachments);
  if (attachments !== '') after.push(attachments);
  if (context.isFirst && context.sessionUrl.trim() !== '') after.push(`View session in OpenCX: ${context.sessionUrl.trim()}`);
  let lead: string;
  if (text !== '') lead = capText(text, Math.max(1000, MAX_ACTIVITY_BODY - after.join('\n\n').length - 2));
  else if (onlyQuote) lead = ONLY_QUOTE_NOTE;
  else if (message.attachments.length > 0) lead = describeAttachmentsSentence(message.attachments);
  else lead = '(empty message)';
  const body = [lead, ...after].join('\n\n');

  const registration = new Set((context.registrationMailboxes ?? []).map((m) => m.trim().toLowerCase()));
  const mailbox = context.agentMailbox?.trim();
  const ourAddress = mailbox && !registration.has(mailbox.toLowerCase()) ? mailbox : undefined;
  const ours = (name: string): string => (ourAddress ? party(name, ourAddress) : `${name} (${label} via OpenCX)`);

  const customerName = cleanName(context.customerName) ?? (message.author === 'customer' ? cleanName(message.authorName) : undefined) ?? 'Customer';
  const customerAddress = context.customerAddress?.trim().toLowerCase();
  const safeCustomerAddress = customerAddress && registration.has(customerAddress) ? undefined : context.customerAddress;
  const customer = party(customerName, safeCustomerAddress);

  if (message.author === 'customer') {
    return { title, body, isHtml: false, direction: 'incoming', sender: customer, recipient: ours('Support') };
  }
  const author = message.author === 'ai' ? `${cleanName(message.authorName) ?? 'AI assistant'} (AI)` : (cleanName(message.authorName) ?? 'Support agent');
  return { title, body, isHtml: false, direction: 'outgoing', sender: ours(author), recipient: customer };
};
