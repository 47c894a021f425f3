import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { optionalEnv, requireEnv } from '../env';
import { ingestWebhook, type Interpretation, type WebhookSecrets } from '../ingest/webhook-ingest';
import { createLogger } from '../log';
import { createMetrics, METRIC, MetricUnit } from '../metrics';
import { createAwsJsonApi } from './aws-json-api';
import { cached, readJsonSecret } from './secrets';
import { sqsEnqueue } from './sqs-enqueue';
import { internalErrorAs500, toHttpResponse, toWebhookRequest } from './http-api';

const webhookSecretSchema = z.object({ token: z.string().check(z.minLength(16)), signingKey: z.optional(z.string().check(z.minLength(16))) });

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
  // No AWS SDK here: two signed JSON calls (aws-json-api.ts) start far faster than the SDK's clients.
  const aws = createAwsJsonApi();
  const localToken = optionalEnv(options.tokenEnv);
  const secrets: () => Promise<WebhookSecrets> = localToken
    ? async () => ({ token: localToken, signingKey: optionalEnv(options.signingKeyEnv) })
    : (() => {
        const secretArn = requireEnv(options.secretArnEnv);
        const secretString = async () => (await aws<{ SecretString?: string }>('secretsmanager', 'GetSecretValue', { SecretId: secretArn })).SecretString;
        return cached(() => readJsonSecret(secretString, webhookSecretSchema, `${options.service} token`), 5 * 60_000);
      })();
  const deps = { secrets, enqueue: sqsEnqueue(aws, queueUrl), now: () => new Date() };

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
