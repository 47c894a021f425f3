/**
 * The bridge's own model of one OpenCX history item, independent of OpenCX's wire vocabulary,
 * which has changed before (2024 spec: sender `contact`/`human_agent`, events `human_agent_comment`;
 * current: sender `user`/`agent`, events `agent_message`/`agent_comment`) and will again.
 */
import { sha256Hex } from '../ids';
import type { OpenCxHistoryItem } from './schemas';

export type OpenCxMessageKind = 'message' | 'internal_comment' | 'system' | 'handoff' | 'other';
export type OpenCxAuthor = 'customer' | 'ai' | 'agent' | 'system';

export interface OpenCxMessageAttachment {
  readonly id: string;
  readonly name: string;
  /** Bytes, when OpenCX gave a size. */
  readonly size?: number;
  /** MIME type; `application/octet-stream` when OpenCX gave none. */
  readonly type: string;
  readonly url?: string;
}

export interface OpenCxMessage {
  /** OpenCX's id, or a derived stable id when the item has none (see `historyItemIds`). */
  readonly id: string;
  /** ISO 8601 as OpenCX sent it; an item without one inherits the previous item's time ('' if none). */
  readonly createdAt: string;
  readonly kind: OpenCxMessageKind;
  readonly author: OpenCxAuthor;
  readonly authorName?: string;
  /** The message text as OpenCX stores it (may be HTML when `format` is 'html'); '' when none. */
  readonly text: string;
  readonly format: 'text' | 'html';
  /** OpenCX's raw event type (`message`, `agent_comment`, `closed_resolved_by_agent`, ...), for diagnostics. */
  readonly eventType: string;
  readonly attachments: readonly OpenCxMessageAttachment[];
}

const CUSTOMER_SENDERS = new Set(['user', 'contact', 'customer', 'visitor', 'end_user']);
const AGENT_SENDERS = new Set(['agent', 'human_agent', 'human']);
const INTERNAL_COMMENT_EVENTS = new Set(['agent_comment', 'human_agent_comment']);
const MESSAGE_EVENTS = new Set(['message', 'agent_message']);

const eventText = (item: OpenCxHistoryItem): string => {
  const content = item.event.content;
  if (typeof content === 'string') return content;
  return content?.text ?? '';
};

const eventFormat = (item: OpenCxHistoryItem): 'text' | 'html' => {
  const content = item.event.content;
  return typeof content === 'object' && content?.type?.toLowerCase() === 'html' ? 'html' : 'text';
};

const authorOf = (senderType: string | undefined, eventType: string): OpenCxAuthor => {
  const sender = senderType?.toLowerCase();
  if (sender !== undefined) {
    if (CUSTOMER_SENDERS.has(sender)) return 'customer';
    if (sender === 'ai' || sender === 'bot') return 'ai';
    if (AGENT_SENDERS.has(sender)) return 'agent';
  }
  // `unknown`, `system` or no sender: agent-only event types still tell us who wrote them.
  if (eventType === 'agent_message' || INTERNAL_COMMENT_EVENTS.has(eventType)) return 'agent';
  return 'system';
};

const kindOf = (eventType: string, author: OpenCxAuthor): OpenCxMessageKind => {
  if (INTERNAL_COMMENT_EVENTS.has(eventType)) return 'internal_comment';
  if (eventType.startsWith('handoff')) return 'handoff';
  if (MESSAGE_EVENTS.has(eventType)) return author === 'system' ? 'system' : 'message';
  return 'other';
};

/**
 * The id of each history item, in order. OpenCX documents `id` as optional on history items; when
 * it is absent we derive one that stays the same on every read, because Creatio activity ids are
 * derived from it (exactly-once writes):
 *   `derived-` + sha256(created_at, event type, sender, text, attachment urls/names)[0..24]
 *   + `-<n>` for the n-th repeat (n ≥ 1) of an identical (time, content) item.
 * The index is the occurrence number among identical items rather than the position in the
 * history, so that reading from a stored cursor (which starts mid-history) yields the same ids.
 */
export const historyItemIds = (items: readonly OpenCxHistoryItem[]): string[] => {
  const occurrences = new Map<string, number>();
  return items.map((item) => {
    if (item.id !== undefined && item.id !== null && item.id !== '') return item.id;
    const fingerprint = [
      item.created_at ?? '',
      item.event.type ?? '',
      item.event.sender?.type ?? '',
      eventText(item),
      ...(item.event.attachments ?? []).map((a) => a.url ?? a.name ?? ''),
    ].join('\u0000');
    const hash = sha256Hex(fingerprint).slice(0, 24);
    const seen = occurrences.get(hash) ?? 0;
    occurrences.set(hash, seen + 1);
    return seen === 0 ? `derived-${hash}` : `derived-${hash}-${seen}`;
  });
};

const lastPathSegment = (url: string | null | undefined): string | undefined => {
  if (!url) return undefined;
  try {
    const segment = new URL(url).pathname.split('/').filter(Boolean).pop();
    return segment ? decodeURIComponent(segment) : undefined;
  } catch {
    return undefined;
  }
};

const normaliseAttachments = (item: OpenCxHistoryItem, messageId: string): OpenCxMessageAttachment[] =>
  (item.event.attachments ?? []).map((attachment, index) => ({
    id: attachment.id ?? `${messageId}-attachment-${index + 1}`,
    name: attachment.name?.trim() || lastPathSegment(attachment.url) || `attachment-${index + 1}`,
    ...(typeof attachment.size === 'number' && attachment.size >= 0 ? { size: attachment.size } : {}),
    type: attachment.type?.trim() || 'application/octet-stream',
    ...(attachment.url ? { url: attachment.url } : {}),
  }));

/**
 * OpenCX history items → the bridge's messages, oldest first (stable for equal times).
 * Sender kinds: `user`/`contact` → customer, `ai` → ai, `agent`/`human_agent` → agent, anything else → system.
 * Event types: `message`/`agent_message` → message (system when a system sender wrote it),
 * `agent_comment`/`human_agent_comment` → internal_comment, `handoff*` → handoff, anything else → other.
 */
export const normaliseHistory = (items: readonly OpenCxHistoryItem[]): OpenCxMessage[] => {
  const ids = historyItemIds(items);
  let carriedTime = '';
  const withOrder = items.map((item, index) => {
    if (item.created_at && !Number.isNaN(Date.parse(item.created_at))) carriedTime = item.created_at;
    const eventType = (item.event.type ?? '').toLowerCase();
    const author = authorOf(item.event.sender?.type ?? undefined, eventType);
    const id = ids[index]!;
    const authorName = item.event.sender?.name?.trim();
    const message: OpenCxMessage = {
      id,
      createdAt: item.created_at || carriedTime,
      kind: kindOf(eventType, author),
      author,
      ...(authorName ? { authorName } : {}),
      text: eventText(item),
      format: eventFormat(item),
      eventType,
      attachments: normaliseAttachments(item, id),
    };
    const time = Date.parse(carriedTime);
    return { message, index, time: Number.isNaN(time) ? 0 : time };
  });
  withOrder.sort((a, b) => a.time - b.time || a.index - b.index);
  return withOrder.map((entry) => entry.message);
};

/**
 * Whether a message is conversation content the customer saw (and so may appear in Creatio as
 * such). Internal agent comments, system notices, handoff markers and every other event are not.
 */
export const isCustomerVisible = (message: Pick<OpenCxMessage, 'kind' | 'author'>): boolean => message.kind === 'message' && message.author !== 'system';
