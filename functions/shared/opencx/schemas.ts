/**
 * zod schemas of OpenCX's REST answers (see shared/reference/opencx.md §1.4, §1.5).
 *
 * Lenient on purpose: OpenCX's public API is "1.0-beta" and drifts. Only the fields the bridge
 * cannot work without are required (a session's `id`, a history item's `event`); every other field
 * is optional and nullable, and unknown fields pass through (`looseObject`), so that a new field
 * never breaks a sync and a missing one fails loudly where it is used. Enumerations that OpenCX may
 * extend (status, channel, sender and event types) are typed as known literals but accept any string.
 */
import * as z from 'zod';

/** A string enum that also accepts values OpenCX may add later, without losing the known literals in the type. */
const openEnum = <const T extends readonly [string, ...string[]]>(_known: T) => z.string() as unknown as z.ZodType<T[number] | (string & {})>;

/** Ids are UUIDs for sessions and contacts but numbers for agents: accept both, keep a string. */
const idLike = z.union([z.string(), z.number()]).transform(String);

const customData = z.record(z.string(), z.unknown());

export const SESSION_STATUSES = ['open', 'closed_resolved', 'closed_unresolved'] as const;
export type OpenCxSessionStatus = (typeof SESSION_STATUSES)[number];

/** Channel types seen in OpenCX's docs (the current list filter enum plus the 2024 spec). */
export const CHANNEL_TYPES = ['web', 'email', 'phone_voice', 'slack', 'sms', 'whatsapp', 'instagram', 'messenger', 'api', 'web_voice', 'phone'] as const;
export type OpenCxChannelType = (typeof CHANNEL_TYPES)[number];

export const OpenCxContactSchema = z.looseObject({
  id: idLike.nullish(),
  name: z.string().nullish(),
  email: z.string().nullish(),
  phone_number: z.string().nullish(),
  custom_data: customData.nullish(),
  non_verified_name: z.string().nullish(),
  non_verified_email: z.string().nullish(),
  non_verified_custom_data: customData.nullish(),
});
export type OpenCxContact = z.infer<typeof OpenCxContactSchema>;

export const OpenCxSessionSchema = z.looseObject({
  id: z.string().min(1),
  status: openEnum(SESSION_STATUSES).nullish(),
  ai_closure_type: z.string().nullish(),
  sentiment: z.string().nullish(),
  channel: z.looseObject({ type: openEnum(CHANNEL_TYPES).nullish() }).nullish(),
  ticket_number: z.union([z.number(), z.string()]).nullish(),
  assist_mode: z.boolean().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  language: z.string().nullish(),
  assignee_id: idLike.nullish(),
  contact: OpenCxContactSchema.nullish(),
  custom_data: customData.nullish(),
  team: z.looseObject({ id: idLike.nullish(), name: z.string().nullish(), description: z.string().nullish() }).nullish(),
  /** Present only once the session was handed off. */
  handoff: z.looseObject({ summary: z.string().nullish(), sentiment: z.string().nullish() }).nullish(),
  ticketing_system: z.looseObject({ name: z.string().nullish(), external_id: idLike.nullish(), id_type: z.string().nullish() }).nullish(),
  /** Medium confidence (tap-opencx added it in 2026). */
  summary: z.string().nullish(),
});
export type OpenCxSession = z.infer<typeof OpenCxSessionSchema>;

export const OpenCxAttachmentSchema = z.looseObject({
  id: idLike.nullish(),
  name: z.string().nullish(),
  size: z.number().nullish(),
  /** MIME type. */
  type: z.string().nullish(),
  url: z.string().nullish(),
});
export type OpenCxAttachment = z.infer<typeof OpenCxAttachmentSchema>;

/** Current sender kinds (widget `SenderTypeEnum`) plus the 2024 spec's `contact` and `human_agent`. */
export const SENDER_TYPES = ['user', 'contact', 'ai', 'agent', 'human_agent', 'system', 'unknown'] as const;

export const OpenCxHistoryEventSchema = z.looseObject({
  /** `message`, `agent_message`, `agent_comment`, `handoff`, `closed_resolved_by_agent`, ... (~90 values). */
  type: z.string().nullish(),
  sender: z.looseObject({ type: openEnum(SENDER_TYPES).nullish(), name: z.string().nullish() }).nullish(),
  /** Usually `{type: "text", text}`; tolerate a bare string. */
  content: z.union([z.string(), z.looseObject({ type: z.string().nullish(), text: z.string().nullish() })]).nullish(),
  attachments: z.array(OpenCxAttachmentSchema).nullish(),
  context: z.unknown().optional(),
});
export type OpenCxHistoryEvent = z.infer<typeof OpenCxHistoryEventSchema>;

export const OpenCxHistoryItemSchema = z.looseObject({
  /** Documented as optional: normaliseHistory derives a stable id when it is absent. */
  id: idLike.nullish(),
  created_at: z.string().nullish(),
  event: OpenCxHistoryEventSchema,
});
export type OpenCxHistoryItem = z.infer<typeof OpenCxHistoryItemSchema>;

export const OpenCxHistoryPageSchema = z.looseObject({
  items: z.array(OpenCxHistoryItemSchema),
  /** Cursor of the next page; null/absent on the last page. */
  next: z.union([z.string(), z.number()]).transform(String).nullish(),
});
export type OpenCxHistoryPage = z.infer<typeof OpenCxHistoryPageSchema>;

/** `POST /chat/sessions/{id}/send` answer for the agent variant: `{success, data: {message: {id}}}` (Medium). */
export const OpenCxSendResponseSchema = z.looseObject({
  success: z.boolean().nullish(),
  data: z.looseObject({ message: z.looseObject({ id: idLike.nullish() }).nullish() }).nullish(),
});
export type OpenCxSendResponse = z.infer<typeof OpenCxSendResponseSchema>;

/** NestJS-style error body (`ErrorDto`): `message` is a string, or a list of validation messages. */
export const OpenCxErrorBodySchema = z.looseObject({
  statusCode: z.number().nullish(),
  message: z.union([z.string(), z.array(z.string())]).nullish(),
  error: z.string().nullish(),
});
export type OpenCxErrorBody = z.infer<typeof OpenCxErrorBodySchema>;
