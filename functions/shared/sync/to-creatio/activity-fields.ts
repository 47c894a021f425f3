import { ActivityCategoryIds, ActivityPriorityIds, ActivityStatusIds, ActivityTypeIds, EmailMessageTypeIds, batchOp, type BatchOperation } from '../../creatio';

/** An ISO timestamp from OpenCX's value, or `fallback` when it is missing or unreadable. */
export const toIso = (value: string | null | undefined, fallback: Date): string => {
  const parsed = value ? new Date(value) : undefined;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed.toISOString() : fallback.toISOString();
};

/** The columns every activity the bridge writes shares: a completed Email-type activity on the case (shown in its history). */
export const activityCreate = (id: string, caseId: string, creatioContactId: string | undefined, fields: Readonly<Record<string, unknown>>): BatchOperation =>
  batchOp.create('Activity', {
    Id: id,
    TypeId: ActivityTypeIds.Email,
    ActivityCategoryId: ActivityCategoryIds.Email,
    StatusId: ActivityStatusIds.Completed,
    PriorityId: ActivityPriorityIds.Medium,
    CaseId: caseId,
    ...(creatioContactId ? { ContactId: creatioContactId } : {}),
    IsHtmlBody: false,
    ...fields,
  });

export { EmailMessageTypeIds };
