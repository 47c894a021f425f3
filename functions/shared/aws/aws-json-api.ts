import { AwsClient } from 'aws4fetch';

/**
 * The two AWS calls a webhook Lambda makes (SQS SendMessage, Secrets Manager GetSecretValue), signed
 * with SigV4 by aws4fetch over the built-in fetch. The AWS SDK bundles ~300 KB (protocols, retry
 * strategies, a chain of credential providers) that a webhook never uses and that costs tens of
 * milliseconds of every cold start; both services speak plain AWS JSON, so this is all it takes.
 *
 * Credentials and region come from the Lambda environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN, AWS_REGION) the way the SDK's `fromEnv` reads them; `AWS_ENDPOINT_URL_<SERVICE>`
 * and `AWS_ENDPOINT_URL` are honoured as the SDK honours them (the local runtime points SQS at
 * local-aws-sqs that way).
 */
export type AwsJsonService = 'sqs' | 'secretsmanager';

const PROTOCOL: Record<AwsJsonService, { readonly targetPrefix: string; readonly contentType: string; readonly envSuffix: string }> = {
  sqs: { targetPrefix: 'AmazonSQS', contentType: 'application/x-amz-json-1.0', envSuffix: 'SQS' },
  secretsmanager: { targetPrefix: 'secretsmanager', contentType: 'application/x-amz-json-1.1', envSuffix: 'SECRETS_MANAGER' },
};

/** An AWS error answer: `__type` (e.g. `AWS.SimpleQueueService.NonExistentQueue`) and status; never the request. */
export class AwsJsonError extends Error {
  override readonly name = 'AwsJsonError';
  constructor(
    readonly service: AwsJsonService,
    readonly operation: string,
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(`${service} ${operation} failed with ${status} ${type}: ${message}`.slice(0, 500));
  }
}

export interface AwsJsonApiOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Per-attempt timeout; the webhook must answer well inside API Gateway's 29 s. */
  readonly timeoutMs?: number;
  /** Extra attempts on 5xx and throttling (aws4fetch backs off exponentially). */
  readonly retries?: number;
}

export type AwsJsonCall = <T>(service: AwsJsonService, operation: string, input: Record<string, unknown>) => Promise<T>;

export const endpointOf = (service: AwsJsonService, env: NodeJS.ProcessEnv): string => {
  const configured = env[`AWS_ENDPOINT_URL_${PROTOCOL[service].envSuffix}`] || env.AWS_ENDPOINT_URL;
  if (configured) return configured.replace(/\/+$/, '');
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('Missing environment variable AWS_REGION');
  return `https://${service}.${region}.amazonaws.com`;
};

/** One signed AWS JSON call; a client per credential set, so a rotated session token is picked up. */
export const createAwsJsonApi = (options: AwsJsonApiOptions = {}): AwsJsonCall => {
  const env = options.env ?? process.env;
  let client: { key: string; aws: AwsClient } | undefined;
  const clientFor = (): AwsClient => {
    const accessKeyId = env.AWS_ACCESS_KEY_ID ?? '';
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? '';
    const sessionToken = env.AWS_SESSION_TOKEN || undefined;
    if (!accessKeyId || !secretAccessKey) throw new Error('Missing AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
    const key = `${accessKeyId}\n${secretAccessKey}\n${sessionToken ?? ''}`;
    if (client?.key !== key) {
      client = {
        key,
        aws: new AwsClient({
          accessKeyId,
          secretAccessKey,
          ...(sessionToken ? { sessionToken } : {}),
          region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
          retries: options.retries ?? 2,
          initRetryMs: 50,
        }),
      };
    }
    return client.aws;
  };

  return async <T>(service: AwsJsonService, operation: string, input: Record<string, unknown>): Promise<T> => {
    const protocol = PROTOCOL[service];
    const response = await clientFor().fetch(`${endpointOf(service, env)}/`, {
      method: 'POST',
      headers: { 'content-type': protocol.contentType, 'x-amz-target': `${protocol.targetPrefix}.${operation}` },
      body: JSON.stringify(input),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      aws: { service },
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = {};
    }
    if (!response.ok) {
      const type =
        String(json.__type ?? response.headers.get('x-amzn-errortype') ?? 'UnknownError')
          .split('#')
          .pop() ?? 'UnknownError';
      const message = typeof json.message === 'string' ? json.message : typeof json.Message === 'string' ? json.Message : '';
      throw new AwsJsonError(service, operation, response.status, type, message);
    }
    return json as T;
  };
};
