import { createWebhookLambda } from '../shared/aws/webhook-lambda';
import { interpretCreatioWebhook } from '../shared/ingest/creatio-events';

/** POST /creatio/webhook/{token}: Creatio business-process calls → creatio-events FIFO queue (group = case). */
export const handler = createWebhookLambda({
  service: 'creatio-webhook',
  queueUrlEnv: 'CREATIO_EVENTS_QUEUE_URL',
  secretArnEnv: 'CREATIO_WEBHOOK_SECRET_ARN',
  tokenEnv: 'CREATIO_WEBHOOK_TOKEN',
  signingKeyEnv: 'CREATIO_WEBHOOK_SIGNING_KEY',
  interpret: interpretCreatioWebhook(),
});
