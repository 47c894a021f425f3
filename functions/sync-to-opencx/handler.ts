import { SQSClient } from '@aws-sdk/client-sqs';
import { createFifoConsumer } from '../shared/aws/fifo-consumer';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/log';
import { creatioQueueMessageSchema } from '../shared/schemas/queue-messages';

const logger = createLogger('sync-to-opencx');
const sqs = new SQSClient({});
const dlqUrl = requireEnv('CREATIO_EVENTS_DLQ_URL');

/** creatio-events FIFO → OpenCX. (Foundation stub: logs the event; the sync lands with issue 5.) */
export const handler = createFifoConsumer({
  logger,
  sqs,
  dlqUrl,
  schema: creatioQueueMessageSchema,
  handle: async (message, meta) => {
    logger.info('creatio event received', { event: message.eventType, caseId: message.caseId, messageId: meta.messageId });
  },
});
