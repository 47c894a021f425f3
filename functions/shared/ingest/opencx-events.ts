import { ValidationError } from '../errors';
import { sha256Hex } from '../ids';
import { isActedOn, opencxDataArraySchema, opencxEnvelopeSchema, opencxEventDataSchema, type OpenCxEventData } from '../schemas/opencx-webhook';
import type { OpenCxQueueMessage } from '../schemas/queue-messages';
import type { Interpretation } from './webhook-ingest';
import { parseOrThrow } from './validation';

export interface OpenCxInterpretOptions {
  /** When set, envelopes from another OpenCX organization are refused. */
  readonly organizationId?: string | undefined;
}

/**
 * The dedup id comes from the event's own identity (event, conversation, OpenCX's timestamp, message id),
 * so the same webhook delivered twice within SQS's 5-minute window is one message. Without a timestamp
 * the whole `data` object stands in for it.
 */
export const opencxDedupId = (event: string, data: OpenCxEventData): string =>
  sha256Hex(data.timestamp ? ['opencx', event, data.conversation_id, data.timestamp, data.message_id ?? ''].join('\n') : ['opencx', event, JSON.stringify(data)].join('\n'));

const text = (value: string | null | undefined): string | undefined => (value ? value : undefined);

export const interpretOpenCxWebhook =
  (options: OpenCxInterpretOptions = {}) =>
  (json: unknown, receivedAt: Date): Interpretation => {
    const envelope = parseOrThrow(opencxEnvelopeSchema, json, 'This is not an OpenCX webhook envelope {event, organization_id, data}');
    if (!isActedOn(envelope.event)) return { kind: 'ignored', event: envelope.event };
    if (options.organizationId && envelope.organization_id && envelope.organization_id !== options.organizationId) {
      throw new ValidationError('organization_id: this webhook comes from another OpenCX organization than the one this tenant is configured for', 400, [
        'organization_id: does not match the tenant configuration (opencx.organizationId)',
      ]);
    }
    // OpenCX types conversation_id as nullable on several events: such an event concerns no
    // conversation we could sync. 200 with the reason, so OpenCX neither retries nor alerts.
    const first: unknown = Array.isArray(envelope.data) ? envelope.data[0] : envelope.data;
    if (first === null || first === undefined || (typeof first === 'object' && (first as { conversation_id?: unknown }).conversation_id == null)) {
      return { kind: 'ignored', event: envelope.event, reason: 'data.conversation_id is missing or null: the event names no conversation to sync' };
    }
    const summary = `The ${envelope.event} event is malformed`;
    const data: OpenCxEventData = Array.isArray(envelope.data)
      ? parseOrThrow(opencxDataArraySchema, envelope.data, summary, 'data')[0]!
      : parseOrThrow(opencxEventDataSchema, envelope.data, summary, 'data');
    const dedupId = opencxDedupId(envelope.event, data);
    const message: OpenCxQueueMessage = {
      source: 'opencx',
      dedupId,
      event: envelope.event,
      organizationId: envelope.organization_id,
      conversationId: data.conversation_id,
      contactId: text(data.customer_id) ?? text(data.contact_id),
      occurredAt: data.timestamp ?? receivedAt.toISOString(),
      receivedAt: receivedAt.toISOString(),
      handoff:
        envelope.event === 'conversation.handoff_to_human'
          ? {
              summary: text(data.summary),
              reason: text(data.reason),
              sentiment: text(data.user_sentiment),
              contactReason: text(data.contact_reason),
              language: text(data.language),
            }
          : undefined,
      closure:
        envelope.event === 'conversation.closed'
          ? {
              humanResolution: data.human_resolution_status ?? null,
              aiResolution: data.ai_resolution_status ?? null,
              closedByType: data.closed_by?.type,
              summary: text(data.summary),
            }
          : undefined,
    };
    return { kind: 'enqueue', event: envelope.event, message: { groupId: data.conversation_id, dedupId, body: message } };
  };
