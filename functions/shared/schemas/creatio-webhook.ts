// zod/mini: bundled by the webhook Lambda (see opencx-webhook.ts, which loads zod's English messages).
import * as z from 'zod/mini';

/**
 * What the Creatio business processes POST ("Call web service" element):
 * `{event_type: "new_activity" | "case_updated", caseId, activityId?}` (examples/creatio-bp-*.json).
 * `modifiedOn` is optional; when the process sends `[#Case.ModifiedOn#]` two real changes of a case
 * within five minutes are not mistaken for one duplicate delivery.
 */
export const CREATIO_EVENTS_ACTED_ON = ['new_activity', 'case_updated'] as const;
export type CreatioEventType = (typeof CREATIO_EVENTS_ACTED_ON)[number];

const guid = (what: string) =>
  z
    .string({ error: `must be the ${what} as a GUID string, e.g. "[#Case.Id#]" in the process's web service body` })
    .check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, `must be the ${what} as a GUID such as 3d2b9e10-8c4f-4a7b-9e21-5f6a7b8c9d01`));

export const creatioEnvelopeSchema = z.looseObject({
  event_type: z.string({ error: 'must be "new_activity" or "case_updated"' }).check(z.minLength(1), z.maxLength(100)),
});

export const creatioNewActivitySchema = z.looseObject({
  event_type: z.literal('new_activity'),
  caseId: guid('case id'),
  activityId: guid('activity id'),
});

export const creatioCaseUpdatedSchema = z.looseObject({
  event_type: z.literal('case_updated'),
  caseId: guid('case id'),
  modifiedOn: z.optional(z.string().check(z.maxLength(64))),
  statusId: z.optional(guid('status id')),
});

export const creatioEventSchema = z.discriminatedUnion('event_type', [creatioNewActivitySchema, creatioCaseUpdatedSchema]);
export type CreatioEvent = z.infer<typeof creatioEventSchema>;
