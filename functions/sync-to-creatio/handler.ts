import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createFifoConsumer } from '../shared/aws/fifo-consumer';
import { clientTelemetry } from '../shared/aws/client-telemetry';
import { integrationClients, type IntegrationClients } from '../shared/aws/integration-clients';
import { readTenantConfig } from '../shared/config';
import { numberEnv, requireEnv } from '../shared/env';
import { createLogger } from '../shared/log';
import { createMetrics, METRIC, MetricUnit } from '../shared/metrics';
import { opencxQueueMessageSchema } from '../shared/schemas/queue-messages';
import { DynamoDbStateStore } from '../shared/state/dynamodb-state-store';
import { LookupResolver } from '../shared/sync/to-creatio/lookups';
import { syncConversation, type SyncMetric, type SyncObserver } from '../shared/sync/to-creatio/sync-conversation';
import { customerFilePolicy } from '../shared/sync/attachments/customer-files';

// Built once per container: configuration, clients, caches.
const logger = createLogger('sync-to-creatio');
const metrics = createMetrics('sync-to-creatio');
const config = readTenantConfig();
const sqs = new SQSClient({});
const store = new DynamoDbStateStore(new DynamoDBClient({}), requireEnv('STATE_TABLE_NAME'));
// Loopback http downloads only where the local runtime sets this (its OpenCX sandbox); never deployed.
const filePolicy = customerFilePolicy(config, process.env.ATTACHMENTS_ALLOW_LOOPBACK_HTTP === 'true');
const clients = integrationClients(config, clientTelemetry(metrics));
let current: IntegrationClients | undefined;
const lookups = new LookupResolver(() => {
  if (!current) throw new Error('clients not ready');
  return current.creatio;
});

const METRIC_OF: Record<SyncMetric, string> = {
  handoffsReceived: METRIC.handoffsReceived,
  casesCreated: METRIC.casesCreated,
  casesAppended: METRIC.casesAppended,
  contactsCreated: METRIC.contactsCreated,
  activitiesWritten: METRIC.activitiesWritten,
  resolutionsToCreatio: METRIC.resolutionsToCreatio,
  messagesQuarantined: METRIC.messagesQuarantined,
  syncLag: METRIC.syncLag,
};
/** Records of different conversations run concurrently: each log line carries its own keys (no shared appendKeys). */
const observerFor = (keys: Record<string, unknown>): SyncObserver => ({
  metric: (name, value = 1) => metrics.addMetric(METRIC_OF[name], name === 'syncLag' ? MetricUnit.Milliseconds : MetricUnit.Count, value),
  info: (message, fields) => logger.info(message, { ...keys, ...fields }),
  warn: (message, fields) => logger.warn(message, { ...keys, ...fields }),
});

let batch: { id: string; sessions: Set<string> } = { id: '', sessions: new Set() };

/** opencx-events FIFO → Creatio cases and activities (design §3). */
export const handler = createFifoConsumer({
  logger,
  metrics,
  sqs,
  dlqUrl: requireEnv('OPENCX_EVENTS_DLQ_URL'),
  // Credentials or permissions refused: the batch waits this long in the queue before it is tried again.
  systemicDelaySeconds: numberEnv('CONSUMER_SYSTEMIC_DELAY_SECONDS', 300),
  schema: opencxQueueMessageSchema,
  handle: async (message, meta) => {
    if (batch.id !== meta.invocationId) batch = { id: meta.invocationId, sessions: new Set() };
    current = await clients();
    const keys = { sessionId: message.conversationId, event: message.event };
    const outcome = await syncConversation(message, {
      config,
      creatio: current.creatio,
      opencx: current.opencx,
      store,
      lookups,
      observer: observerFor(keys),
      now: () => new Date(),
      syncedThisBatch: batch.sessions,
      firstDelivery: meta.receiveCount <= 1,
      filePolicy,
    });
    if (outcome.kind === 'skipped') logger.info('event needs no Creatio write', { ...keys, reason: outcome.reason, messageId: meta.messageId });
  },
});
