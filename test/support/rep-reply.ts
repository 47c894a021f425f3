import { randomUUID } from 'node:crypto';
import { ActivityCategoryIds, ActivityPriorityIds, ActivityStatusIds, ActivityTypeIds, EmailMessageTypeIds } from '../../functions/shared/creatio';
import type { CreatioSandbox } from '../../local/creatio-sandbox';

export interface RepReply {
  readonly caseId: string;
  /** The HTML body Creatio's email editor writes. */
  readonly html: string;
  readonly title?: string;
  readonly id?: string;
  /** Any other Activity columns (Sender, Recepient, OwnerId, CreatedById, …). */
  readonly columns?: Readonly<Record<string, unknown>>;
}

/**
 * What a rep's "Send" on the case page leaves in the Creatio sandbox: a completed, outgoing Email activity
 * with an HTML body on the case. Its business process then calls the bridge. Returns the activity id.
 */
export const repRepliesOnCase = (creatio: CreatioSandbox, reply: RepReply): string => {
  const id = reply.id ?? randomUUID();
  const now = new Date().toISOString();
  creatio.store.insert('Activity', {
    Id: id,
    Title: reply.title ?? 'RE: your question',
    Body: reply.html,
    IsHtmlBody: true,
    TypeId: ActivityTypeIds.Email,
    ActivityCategoryId: ActivityCategoryIds.Email,
    StatusId: ActivityStatusIds.Completed,
    PriorityId: ActivityPriorityIds.Medium,
    MessageTypeId: EmailMessageTypeIds.Outgoing,
    CaseId: reply.caseId,
    StartDate: now,
    DueDate: now,
    ...reply.columns,
  });
  return id;
};
