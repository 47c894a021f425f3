import * as z from 'zod';

/**
 * OpenCX outbound webhook envelope `{event, organization_id, data}` (reference/opencx.md §2).
 * Webhooks are hints, not truth: we keep only identifiers and the few fields the sync uses, and the
 * consumer re-reads the session from OpenCX. `data` may be an object or a one-element array.
 */
export const OPENCX_EVENTS_ACTED_ON = [
  'conversation.started',
  'conversation.contact_response',
  'conversation.ai_response',
  'conversation.agent_response',
  'conversation.handoff_to_human',
  'conversation.closed',
] as const;
export type OpenCxEventName = (typeof OPENCX_EVENTS_ACTED_ON)[number];

export const isActedOn = (event: string): event is OpenCxEventName => (OPENCX_EVENTS_ACTED_ON as readonly string[]).includes(event);

const id = (what: string) =>
  z
    .string({ error: `must be the ${what} as a string` })
    .min(1, `must not be empty`)
    .max(128, 'must be at most 128 characters')
    .regex(/^(?!\.{1,2}$)[A-Za-z0-9_.:-]+$/, `must be the ${what} (letters, digits, "-", "_", ".", ":"; not "." or "..")`);

const optionalText = (max: number) => z.string().max(max, `must be at most ${max} characters`).nullish();

/** The fields of `data` we rely on; everything else is passed through untouched. */
export const opencxEventDataSchema = z.looseObject({
  conversation_id: id('conversation id'),
  timestamp: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-20T14:03:12.418Z' }).optional(),
  customer_id: id('contact id').nullish(),
  contact_id: id('contact id').nullish(),
  summary: optionalText(20000),
  reason: optionalText(200),
  contact_reason: optionalText(500),
  user_sentiment: optionalText(50),
  language: optionalText(20),
  message_id: id('message id').optional(),
  human_resolution_status: z.enum(['resolved', 'not_resolved']).nullish(),
  ai_resolution_status: optionalText(50),
  closed_by: z.looseObject({ type: z.string().max(50) }).nullish(),
  message_count: z.number().int().nonnegative().optional(),
});
export type OpenCxEventData = z.infer<typeof opencxEventDataSchema>;

export const opencxEnvelopeSchema = z.object({
  event: z.string({ error: 'must be the event name, e.g. "conversation.handoff_to_human"' }).min(1).max(100),
  organization_id: z.string().min(1).max(128).optional(),
  // Optional: an envelope without data names no conversation and is ignored (200), not refused.
  data: z.optional(z.unknown()),
});

/** `data` as one object, or (as one version of OpenCX's docs types it) a one-element array of one. */
export const opencxDataArraySchema = z
  .array(opencxEventDataSchema)
  .length(1, 'must hold exactly one event object when sent as an array');
