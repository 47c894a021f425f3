// zod/mini: the webhook Lambdas bundle this schema, and mini is a fraction of classic zod's size.
import * as z from 'zod/mini';

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

/** An OpenCX id as it may appear in a URL path: letters, digits, `-_.:`, never `.` or `..` (a path segment of its own). */
export const OPENCX_ID_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9_.:-]+$/;

const id = (what: string) =>
  z
    .string({ error: `must be the ${what} as a string` })
    .check(
      z.minLength(1, `must not be empty`),
      z.maxLength(128, 'must be at most 128 characters'),
      z.regex(OPENCX_ID_PATTERN, `must be the ${what} (letters, digits, "-", "_", ".", ":"; not "." or "..")`),
    );

const optionalText = (max: number) => z.nullish(z.string().check(z.maxLength(max, `must be at most ${max} characters`)));

/** The fields of `data` we rely on; everything else is passed through untouched. */
export const opencxEventDataSchema = z.looseObject({
  conversation_id: id('conversation id'),
  timestamp: z.optional(z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-20T14:03:12.418Z' })),
  customer_id: z.nullish(id('contact id')),
  contact_id: z.nullish(id('contact id')),
  summary: optionalText(20000),
  reason: optionalText(200),
  contact_reason: optionalText(500),
  user_sentiment: optionalText(50),
  language: optionalText(20),
  message_id: z.optional(id('message id')),
  human_resolution_status: z.nullish(z.enum(['resolved', 'not_resolved'])),
  ai_resolution_status: optionalText(50),
  closed_by: z.nullish(z.looseObject({ type: z.string().check(z.maxLength(50)) })),
  message_count: z.optional(z.int().check(z.nonnegative())),
});
export type OpenCxEventData = z.infer<typeof opencxEventDataSchema>;

export const opencxEnvelopeSchema = z.object({
  event: z.string({ error: 'must be the event name, e.g. "conversation.handoff_to_human"' }).check(z.minLength(1), z.maxLength(100)),
  organization_id: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  // Optional: an envelope without data names no conversation and is ignored (200), not refused.
  data: z.optional(z.unknown()),
});

/** `data` as one object, or (as one version of OpenCX's docs types it) a one-element array of one. */
export const opencxDataArraySchema = z.array(opencxEventDataSchema).check(z.length(1, 'must hold exactly one event object when sent as an array'));
