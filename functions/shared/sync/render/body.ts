import type { OpenCxMessage } from '../../opencx/messages';
import { isEmailChannel } from './channel';
import { newText } from './new-text';

export interface MessageText {
  /** The readable new text of the message ('' when it has none). */
  readonly text: string;
  /** The email subject, when the message began with a "Subject:" line. */
  readonly subject?: string;
  /** True when the email was nothing but quoted or forwarded earlier messages (`text` is then ''). */
  readonly onlyQuote?: boolean;
}

/**
 * A message's own text as a rep should read it: HTML converted to text; for email, the leading
 * "Subject:" line split off and quoted earlier messages removed. Chat messages keep every word.
 */
export const messageText = (message: Pick<OpenCxMessage, 'text' | 'format'>, channel: string | null | undefined): MessageText => {
  const result = newText(message.text, {
    html: message.format === 'html' ? true : undefined,
    email: isEmailChannel(channel),
    splitSubject: isEmailChannel(channel),
  });
  return {
    text: result.text,
    ...(result.subject === undefined ? {} : { subject: result.subject }),
    ...(result.onlyQuote ? { onlyQuote: true } : {}),
  };
};
