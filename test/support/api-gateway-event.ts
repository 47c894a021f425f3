import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** An API Gateway HTTP API (payload 2.0) event as the deployed gateway sends it to a webhook Lambda. */
export const apiGatewayEvent = (options: {
  routeKey: string;
  token?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  base64?: boolean;
}): APIGatewayProxyEventV2 => {
  const raw = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
  const base64 = options.base64 ?? (raw ? Buffer.isBuffer(options.body) : false);
  return {
    version: '2.0',
    routeKey: options.routeKey,
    rawPath: options.routeKey.split(' ')[1]?.replace('{token}', options.token ?? '') ?? '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    pathParameters: options.token === undefined ? undefined : { token: options.token },
    requestContext: {
      accountId: '123456789012',
      apiId: 'test',
      domainName: 'test.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'test',
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: options.routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: raw === undefined ? undefined : base64 ? raw.toString('base64') : raw.toString('utf8'),
    isBase64Encoded: base64,
  };
};

export const lambdaContext = (functionName: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
  memoryLimitInMB: '256',
  awsRequestId: 'aws-req-1',
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});
