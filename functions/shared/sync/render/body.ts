import type { OpenCxMessage } from '../../opencx/messages';
import { isEmailChannel } from './channel';
import { htmlToPlainText, looksLikeHtml, splitSubjectLine, trimQuotedReply } from './text';

export interface MessageText {
  /** The readable new text of the message ('' when it has none). */
  readonly text: string;
  /** The email subject, when the message began with a "Subject:" line. */
  readonly subject?: string;
}

/**
 * A message's own text as a rep should read it: HTML converted to text; for email, the leading
 * "Subject:" line split off and quoted earlier messages trimmed.
 */
export const messageText = (message: Pick<OpenCxMessage, 'text' | 'format'>, channel: string | null | undefined): MessageText => {
  const raw = message.format === 'html' || looksLikeHtml(message.text) ? htmlToPlainText(message.text) : message.text;
  if (!isEmailChannel(channel)) return { text: raw.replace(/\r\n?/g, '\n').trim() };
  const { subject, rest } = splitSubjectLine(raw);
  const text = rest.trim() === '' ? '' : trimQuotedReply(rest);
  return subject === undefined ? { text } : { text, subject };
};
