import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientTelemetry } from '../shared/aws/client-telemetry';
import { createFifoConsumer } from '../shared/aws/fifo-consumer';
import { integrationClients } from '../shared/aws/integration-clients';
import { readTenantConfig } from '../shared/config';
import { numberEnv, requireEnv } from '../shared/env';
import { createLogger } from '../shared/log';
import { createMetrics, METRIC, MetricUnit } from '../shared/metrics';
import { creatioQueueMessageSchema } from '../shared/schemas/queue-messages';
import { DynamoDbStateStore } from '../shared/state/dynamodb-state-store';
import { syncCreatioEvent, type SyncToOpenCxMetric, type SyncToOpenCxObserver } from '../shared/sync/to-opencx';

// Built once per container: configuration, clients (with their token cache), the store.
const logger = createLogger('sync-to-opencx');
const metrics = createMetrics('sync-to-opencx');
const config = readTenantConfig();
const sqs = new SQSClient({});
const store = new DynamoDbStateStore(new DynamoDBClient({}), requireEnv('STATE_TABLE_NAME'));
// Requests, throttles and auth failures of both APIs are counted from the clients' own events.
const clients = integrationClients(config, clientTelemetry(metrics));

const METRIC_OF: Record<SyncToOpenCxMetric, string> = {
  repliesDelivered: METRIC.repliesDelivered,
  repliesBlocked: METRIC.repliesBlocked,
  resolutionsToOpenCx: METRIC.resolutionsToOpenCx,
};
/** Records of different cases run concurrently: each log line carries its own keys (no shared appendKeys). */
const observerFor = (keys: Record<string, unknown>): SyncToOpenCxObserver => ({
  metric: (name, value = 1) => metrics.addMetric(METRIC_OF[name], MetricUnit.Count, value),
  info: (message, fields) => logger.info(message, { ...keys, ...fields }),
  warn: (message, fields) => logger.warn(message, { ...keys, ...fields }),
});

/** creatio-events FIFO (group = case) → OpenCX: agent replies and resolutions (design §4). */
export const handler = createFifoConsumer({
  logger,
  metrics,
  sqs,
  dlqUrl: requireEnv('CREATIO_EVENTS_DLQ_URL'),
  // Credentials or permissions refused: the batch waits this long in the queue before it is tried again.
  systemicDelaySeconds: numberEnv('CONSUMER_SYSTEMIC_DELAY_SECONDS', 300),
  schema: creatioQueueMessageSchema,
  handle: async (message, meta) => {
    const { creatio, opencx } = await clients();
    const keys = { caseId: message.caseId, event: message.eventType, ...(message.activityId ? { activityId: message.activityId } : {}) };
    const replyExtras = { creatio, instanceUrl: config.creatio.instanceUrl };
    const outcome = await syncCreatioEvent(message, { config, creatio, opencx, store, observer: observerFor(keys), now: () => new Date(), replyExtras });
    logger.info('creatio event handled', {
      ...keys,
      messageId: meta.messageId,
      outcome: outcome.kind,
      ...(outcome.kind === 'skipped' ? { reason: outcome.reason } : {}),
      ...('sessionId' in outcome ? { sessionId: outcome.sessionId } : {}),
    });
  },
});
