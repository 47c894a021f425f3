import { createWebhookLambda } from '../shared/aws/webhook-lambda';
import { interpretOpenCxWebhook } from '../shared/ingest/opencx-events';

/** POST /opencx/webhook/{token}: OpenCX outbound webhooks → opencx-events FIFO queue (group = conversation). */
export const handler = createWebhookLambda({
  service: 'opencx-webhook',
  queueUrlEnv: 'OPENCX_EVENTS_QUEUE_URL',
  secretArnEnv: 'OPENCX_WEBHOOK_SECRET_ARN',
  tokenEnv: 'OPENCX_WEBHOOK_TOKEN',
  signingKeyEnv: 'OPENCX_WEBHOOK_SIGNING_KEY',
  interpret: interpretOpenCxWebhook({ organizationId: process.env.OPENCX_ORGANIZATION_ID || undefined }),
});
