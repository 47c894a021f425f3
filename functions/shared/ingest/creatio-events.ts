import { sha256Hex } from '../ids';
import { CREATIO_EVENTS_ACTED_ON, creatioEnvelopeSchema, creatioEventSchema, type CreatioEvent } from '../schemas/creatio-webhook';
import type { CreatioQueueMessage } from '../schemas/queue-messages';
import type { Interpretation } from './webhook-ingest';
import { parseOrThrow } from './validation';

/** Same event, same case, same activity (and same ModifiedOn / status when sent): same dedup id. */
export const creatioDedupId = (event: CreatioEvent): string =>
  sha256Hex(
    event.event_type === 'new_activity'
      ? ['creatio', event.event_type, event.caseId.toLowerCase(), event.activityId.toLowerCase()].join('\n')
      : ['creatio', event.event_type, event.caseId.toLowerCase(), event.modifiedOn ?? '', event.statusId?.toLowerCase() ?? ''].join('\n'),
  );

export const interpretCreatioWebhook =
  () =>
  (json: unknown, receivedAt: Date): Interpretation => {
    const envelope = parseOrThrow(creatioEnvelopeSchema, json, 'The body must be a JSON object like {"event_type": "new_activity", "caseId": "<guid>", "activityId": "<guid>"}');
    if (!(CREATIO_EVENTS_ACTED_ON as readonly string[]).includes(envelope.event_type)) {
      return { kind: 'ignored', event: envelope.event_type };
    }
    const event = parseOrThrow(creatioEventSchema, json, `The ${envelope.event_type} body from the Creatio business process is malformed`);
    const dedupId = creatioDedupId(event);
    const message: CreatioQueueMessage = {
      source: 'creatio',
      dedupId,
      eventType: event.event_type,
      caseId: event.caseId.toLowerCase(),
      activityId: event.event_type === 'new_activity' ? event.activityId.toLowerCase() : undefined,
      modifiedOn: event.event_type === 'case_updated' ? event.modifiedOn : undefined,
      receivedAt: receivedAt.toISOString(),
    };
    return { kind: 'enqueue', event: event.event_type, message: { groupId: message.caseId, dedupId, body: message } };
  };
