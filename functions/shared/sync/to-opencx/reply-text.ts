/**
 * Which Creatio activities are an agent's reply to the customer, and the plain text to send for one.
 * Pure: no I/O.
 */
import { ActivityTypeIds, type ActivityRecord } from '../../creatio';
import type { TenantConfig } from '../../schemas/tenant-config';
import { htmlToPlainText, looksLikeHtml, trimQuotedReply } from '../render/text';

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

const isEmailType = (activity: ActivityRecord): boolean => same(activity.TypeId, ActivityTypeIds.Email);

/**
 * An agent reply is an activity of one of the tenant's reply types (default: Email); an Email-type
 * activity must also be outgoing (`MessageTypeId`), so that logged incoming mail is never sent back
 * to the customer.
 */
export const isAgentReplyActivity = (activity: ActivityRecord, replies: TenantConfig['agentReplies']): boolean => {
  if (!replies.activityTypeIds.some((typeId) => same(activity.TypeId, typeId))) return false;
  if (isEmailType(activity)) return same(activity.MessageTypeId, replies.outgoingMessageTypeId);
  return true;
};

/**
 * The text the customer should read: the activity's `Body`, HTML converted to plain text (Creatio's
 * email editor writes HTML), and for emails the quoted earlier messages and signature trimmed. An
 * activity's `Title` is never sent: for a task it is the rep's note to themselves.
 */
export const replyText = (activity: ActivityRecord): string => {
  const body = typeof activity.Body === 'string' ? activity.Body : '';
  if (body.trim() === '') return '';
  const plain = activity.IsHtmlBody === true || looksLikeHtml(body) ? htmlToPlainText(body) : body.replace(/\r\n?/g, '\n');
  return (isEmailType(activity) ? trimQuotedReply(plain) : plain).trim();
};
