/**
 * Which Creatio activities are an agent's reply to the customer, and the plain text to send for one.
 * Pure: no I/O.
 */
import { ActivityTypeIds, type ActivityRecord } from '../../creatio';
import type { TenantConfig } from '../../schemas/tenant-config';
import { maxReplyLength } from '../render/limits';
import { newText } from '../render/new-text';
import { capText } from '../render/text';

const same = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

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
 * email editor writes HTML), and for emails only the new words: the quoted thread is removed by
 * the same code as a customer's email into Creatio (render/new-text.ts); a reply that is nothing
 * but a quote gives ''. Capped to what the session's channel takes (render/limits.ts), with a
 * "[truncated: N more characters]" note. An activity's `Title` is never sent: for a task it is the
 * rep's note to themselves.
 */
export const replyText = (activity: ActivityRecord, channel?: string | null): string => {
  const body = typeof activity.Body === 'string' ? activity.Body : '';
  if (body.trim() === '') return '';
  const { text } = newText(body, { html: activity.IsHtmlBody === true ? true : undefined, email: isEmailType(activity) });
  return capText(text, maxReplyLength(channel));
};
