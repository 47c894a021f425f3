import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const version = process.env.BRIDGE_VERSION ?? 'dev';
const tenant = process.env.TENANT ?? 'local';

/** GET /health: for load balancers and operators. Touches nothing downstream. */
export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify({ status: 'ok', service: 'opencx-creatio-sync', tenant, version }),
});
