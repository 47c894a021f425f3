import type { MiddlewareObj } from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpResult, WebhookRequest } from '../ingest/webhook-ingest';
import { errorFields } from '../log';

/** API Gateway HTTP API (payload 2.0) event → the plain request the domain understands. */
export const toWebhookRequest = (event: APIGatewayProxyEventV2): WebhookRequest => {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = event.body ?? '';
  return {
    pathToken: event.pathParameters?.token,
    rawBody: event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
    headers,
  };
};

export const toHttpResponse = (result: HttpResult): APIGatewayProxyStructuredResultV2 => ({
  statusCode: result.statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(result.body),
});

/**
 * Any unexpected error becomes a generic 500 that tells the sender to retry and leaks nothing;
 * the log gets the error's class and message (never the request body).
 */
export const internalErrorAs500 = (logger: Logger): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> => ({
  onError: async (request) => {
    logger.error('unhandled error', errorFields(request.error));
    request.response = toHttpResponse({
      statusCode: 500,
      body: { error: 'internal_error', message: 'The event could not be accepted right now and was not queued. Retry later.' },
    });
  },
});
