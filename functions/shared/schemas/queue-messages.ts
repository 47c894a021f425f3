import * as z from 'zod';
import { OPENCX_EVENTS_ACTED_ON } from './opencx-webhook';
import { CREATIO_EVENTS_ACTED_ON } from './creatio-webhook';

/**
 * The contract between the webhook Lambdas (producers) and the consumers: what one SQS FIFO message
 * body holds. Only identifiers and small hints; the consumer re-reads the authoritative record.
 */
/** Sent by the operator's `replay` command (not by OpenCX): re-sync one conversation now. */
export const REPLAY_EVENT = 'bridge.replay';

export const opencxQueueMessageSchema = z.object({
  source: z.literal('opencx'),
  dedupId: z.string(),
  event: z.enum([...OPENCX_EVENTS_ACTED_ON, REPLAY_EVENT]),
  organizationId: z.string().optional(),
  conversationId: z.string(),
  contactId: z.string().optional(),
  /** When OpenCX says the event happened (falls back to when we received it). */
  occurredAt: z.string(),
  receivedAt: z.string(),
  handoff: z
    .object({
      summary: z.string().optional(),
      reason: z.string().optional(),
      sentiment: z.string().optional(),
      contactReason: z.string().optional(),
      language: z.string().optional(),
    })
    .optional(),
  closure: z
    .object({
      humanResolution: z.enum(['resolved', 'not_resolved']).nullable().optional(),
      aiResolution: z.string().nullable().optional(),
      closedByType: z.string().optional(),
      summary: z.string().optional(),
    })
    .optional(),
});
export type OpenCxQueueMessage = z.infer<typeof opencxQueueMessageSchema>;

export const creatioQueueMessageSchema = z.object({
  source: z.literal('creatio'),
  dedupId: z.string(),
  eventType: z.enum(CREATIO_EVENTS_ACTED_ON),
  caseId: z.string(),
  activityId: z.string().optional(),
  modifiedOn: z.string().optional(),
  receivedAt: z.string(),
});
export type CreatioQueueMessage = z.infer<typeof creatioQueueMessageSchema>;
