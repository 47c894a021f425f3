import { SQSClient } from '@aws-sdk/client-sqs';
import { createFifoConsumer } from '../shared/aws/fifo-consumer';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/log';
import { opencxQueueMessageSchema } from '../shared/schemas/queue-messages';

const logger = createLogger('sync-to-creatio');
const sqs = new SQSClient({});
const dlqUrl = requireEnv('OPENCX_EVENTS_DLQ_URL');

/** opencx-events FIFO → Creatio. (Foundation stub: logs the event; the sync lands with issue 4.) */
export const handler = createFifoConsumer({
  logger,
  sqs,
  dlqUrl,
  schema: opencxQueueMessageSchema,
  handle: async (message, meta) => {
    logger.info('opencx event received', { event: message.event, sessionId: message.conversationId, messageId: meta.messageId });
  },
});
