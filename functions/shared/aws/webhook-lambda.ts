import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { optionalEnv, requireEnv } from '../env';
import { ingestWebhook, type Interpretation, type WebhookSecrets } from '../ingest/webhook-ingest';
import { createLogger } from '../log';
import { createMetrics, METRIC, MetricUnit } from '../metrics';
import { cached, readJsonSecret } from './secrets';
import { sqsEnqueue } from './sqs-enqueue';
import { internalErrorAs500, toHttpResponse, toWebhookRequest } from './http-api';

const webhookSecretSchema = z.object({ token: z.string().min(16), signingKey: z.string().min(16).optional() });

export interface WebhookLambdaOptions {
  readonly service: string;
  /** Env var holding the FIFO queue URL. */
  readonly queueUrlEnv: string;
  /** Env var holding the ARN of the `{token, signingKey?}` secret (deployed). */
  readonly secretArnEnv: string;
  /** Env vars holding the token / signing key directly (local runtime only). */
  readonly tokenEnv: string;
  readonly signingKeyEnv: string;
  readonly interpret: (json: unknown, receivedAt: Date) => Interpretation;
}

/**
 * Builds a webhook Lambda: clients and configuration once per cold start, the secret cached for five
 * minutes (so a rotated token is honoured), and the shared ingest pipeline per request.
 */
export const createWebhookLambda = (options: WebhookLambdaOptions) => {
  const logger = createLogger(options.service);
  const metrics = createMetrics(options.service);
  const queueUrl = requireEnv(options.queueUrlEnv);
  const sqs = new SQSClient({});
  const localToken = optionalEnv(options.tokenEnv);
  const secrets: () => Promise<WebhookSecrets> = localToken
    ? async () => ({ token: localToken, signingKey: optionalEnv(options.signingKeyEnv) })
    : (() => {
        const secretArn = requireEnv(options.secretArnEnv);
        const client = new SecretsManagerClient({});
        return cached(() => readJsonSecret(client, secretArn, webhookSecretSchema, `${options.service} token`), 5 * 60_000);
      })();
  const deps = { secrets, enqueue: sqsEnqueue(sqs, queueUrl), now: () => new Date() };

  const lambdaHandler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const outcome = await ingestWebhook(toWebhookRequest(event), deps, options.interpret);
    const fields = { outcome: outcome.outcome, status: outcome.result.statusCode, event: outcome.event, groupId: outcome.groupId };
    if (outcome.result.statusCode >= 400) {
      logger.warn('webhook refused', { ...fields, error: outcome.result.body.error });
      metrics.addMetric(METRIC.webhooksRefused, MetricUnit.Count, 1);
    } else {
      logger.info('webhook handled', fields);
      if (outcome.outcome === 'accepted') metrics.addMetric(METRIC.webhooksAccepted, MetricUnit.Count, 1);
    }
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    return toHttpResponse(outcome.result);
  };

  return middy(lambdaHandler).use(injectLambdaContext(logger)).use(internalErrorAs500(logger));
};
