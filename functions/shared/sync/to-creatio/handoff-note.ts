import type { OpenCxQueueMessage } from '../../schemas/queue-messages';
import { EmailMessageTypeIds, toIso } from './activity-fields';

/**
 * The note announcing a handoff onto a case that already existed (second handoff, or a new conversation
 * appended to the contact's open case), with its summary, so the rep sees why it came back.
 */
export const handoffNoteFields = (event: OpenCxQueueMessage, appended: boolean, summary: string | undefined, link: string, now: Date): Record<string, unknown> => ({
  Title: appended ? 'New OpenCX conversation handed off (appended to this case)' : 'Conversation handed off to a human agent again',
  Body: [summary ? `Summary: ${summary}` : 'No summary was given.', event.handoff?.reason ? `Reason: ${event.handoff.reason}` : '', `View session in OpenCX: ${link}`]
    .filter(Boolean)
    .join('\n\n'),
  StartDate: toIso(event.occurredAt, now),
  DueDate: toIso(event.occurredAt, now),
  // Creatio orders the case history by SendDate; Incoming would show the note as written by the customer.
  SendDate: toIso(event.occurredAt, now),
  MessageTypeId: EmailMessageTypeIds.Outgoing,
});
