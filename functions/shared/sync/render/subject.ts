import type { OpenCxMessage } from '../../opencx/messages';
import { isCustomerVisible } from '../../opencx/messages';
import { describeAttachmentsSentence } from './attachments';
import { messageText } from './body';
import { channelLabel } from './channel';
import { collapseWhitespace, truncate } from './text';

/** Creatio's Case.Subject holds at most 500 characters. */
export const MAX_CASE_SUBJECT = 500;

export interface SubjectOptions {
  /** Length of a subject made from a message's text (the email subject itself may use up to 500). Default 120. */
  readonly maxLength?: number;
}

/**
 * The case subject: the email's subject (the "Subject:" line of the first customer email), else
 * the first customer message's text, collapsed and trimmed to `maxLength`, else what the customer
 * sent ("Sent an image: ..."), else "<Channel> conversation". Never longer than 500 characters.
 */
export const subjectFor = (messages: readonly OpenCxMessage[], channel: string | null | undefined, options: SubjectOptions = {}): string => {
  const maxLength = Math.min(MAX_CASE_SUBJECT, Math.max(10, options.maxLength ?? 120));
  const fromCustomer = messages.filter((m) => isCustomerVisible(m) && m.author === 'customer');
  // Only the first customer message carries the thread's subject.
  const first = fromCustomer[0];
  const emailSubject = first === undefined ? undefined : messageText(first, channel).subject;
  if (emailSubject) return truncate(emailSubject, MAX_CASE_SUBJECT);
  for (const message of fromCustomer) {
    const text = collapseWhitespace(messageText(message, channel).text);
    if (text !== '') return truncate(text, maxLength);
    if (message.attachments.length > 0) return truncate(describeAttachmentsSentence(message.attachments), maxLength);
  }
  return `${channelLabel(channel)} conversation`;
};
