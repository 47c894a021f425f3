import { SQSClient } from '@aws-sdk/client-sqs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { loadTenantConfig } from '../lib/tenant-config-loader';
import type { TenantConfig } from '../functions/shared/schemas/tenant-config';
import { startApiServer, type HttpLambda } from './api-server';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalAwsServers, type LocalAwsServers } from './aws-servers';
import { startPoller, type Poller, type SqsLambda } from './sqs-poller';
import { CONSUMER_SETTINGS } from '../lib/consumer-settings';
import { startCreatioSandbox, type CreatioSandbox } from './creatio-sandbox';
import { createBusinessProcesses, type BusinessProcessOptions, type CreatioBusinessProcesses } from './creatio-sandbox/business-processes';
import { startOpenCxSandbox, type OpenCxSandbox } from './opencx-sandbox';

// Node 20 is what this machine has; the SDK's notice about Node 22 is not for local runs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const DEFAULT_OPENCX_WEBHOOK_TOKEN = 'local-opencx-webhook-token';
export const DEFAULT_CREATIO_WEBHOOK_TOKEN = 'local-creatio-webhook-token';
const ROOT = path.join(__dirname, '..');

export interface LocalRuntimeOptions {
  /** HTTP port of the API routes; 0 picks a free one. */
  readonly port?: number;
  readonly opencxWebhookToken?: string;
  readonly creatioWebhookToken?: string;
  readonly opencxSigningKey?: string;
  readonly creatioSigningKey?: string;
  /** Path of the tenant JSON (default tenants/example.json). */
  readonly tenantConfigPath?: string;
  /**
   * Visibility timeout of the local queues (default 30 s). Deployed it is 6 × the consumer timeout; locally it
   * is shorter so that a retry is seen soon, but it must exceed a whole batch's processing time, or records
   * still waiting in the batch are delivered again. Tests pass 1-2 s to see retries quickly.
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Powertools log level of the handlers (default INFO; tests pass SILENT or WARN). */
  readonly logLevel?: string;
  /** The consumers' function timeout (default the stack's, 60 s); a longer invocation is abandoned and its batch redelivered. */
  readonly consumerTimeoutMs?: number;
  /** Start the SQS pollers (default true). Tests of the ingest alone turn them off to read the queue. */
  readonly consumers?: boolean;
  /** Extra environment for the handlers. */
  readonly env?: Readonly<Record<string, string>>;
  /** Options for the bundled sandboxes (started when CREATIO_URL / OPENCX_API_URL are unset). */
  readonly creatioSandbox?: Parameters<typeof startCreatioSandbox>[0];
  readonly opencxSandbox?: Parameters<typeof startOpenCxSandbox>[0];
  /**
   * The Creatio sandbox's emulation of the tenant's two business processes (activity added → new_activity,
   * case status changed → case_updated, POSTed to `creatioWebhookUrl`). On by default; `false` turns it off.
   */
  readonly creatioBusinessProcesses?: boolean | Omit<BusinessProcessOptions, 'webhookUrl'>;
}

export interface LocalRuntime {
  readonly url: string;
  readonly aws: LocalAwsServers;
  readonly config: TenantConfig;
  readonly pollers: readonly Poller[];
  readonly opencxWebhookUrl: string;
  readonly creatioWebhookUrl: string;
  /** A client for the local SQS server (for tests and the ops CLI). */
  readonly sqs: SQSClient;
  /** The bundled sandboxes, when no real Creatio / OpenCX is configured. */
  readonly creatio?: CreatioSandbox;
  readonly opencx?: OpenCxSandbox;
  /** The emulated Creatio business processes (with the Creatio sandbox, unless switched off): their calls, and a switch. */
  readonly creatioProcesses?: CreatioBusinessProcesses;
  stop(): Promise<void>;
}

/**
 * `npm start` in one process: dynalite + local-aws-sqs in-process, the same handler modules the
 * Lambdas run (configured through the same environment variables), the API routes on loopback and
 * pollers that feed the consumers real SQSEvent batches.
 *
 * The handler modules read their environment once when first imported, as on Lambda: start one
 * runtime per process (or per jest test file).
 */
export const startLocalRuntime = async (options: LocalRuntimeOptions = {}): Promise<LocalRuntime> => {
  const configPath = options.tenantConfigPath ?? path.join(ROOT, 'tenants', 'example.json');
  const config = loadTenantConfig(configPath);
  const aws = await startLocalAwsServers({ visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30 });
  const opencxToken = options.opencxWebhookToken ?? DEFAULT_OPENCX_WEBHOOK_TOKEN;
  const creatioToken = options.creatioWebhookToken ?? DEFAULT_CREATIO_WEBHOOK_TOKEN;

  // Real endpoints when configured; otherwise the sandboxes, which speak the same protocols.
  const processOptions = options.creatioBusinessProcesses ?? true;
  const creatioProcesses = process.env.CREATIO_URL || processOptions === false ? undefined : createBusinessProcesses(processOptions === true ? {} : processOptions);
  const creatio = process.env.CREATIO_URL
    ? undefined
    : await startCreatioSandbox({
        port: 0,
        extraColumns: { Case: customCaseColumns(config) },
        ...creatioProcesses?.hooks,
        ...options.creatioSandbox,
      });
  const opencx = process.env.OPENCX_API_URL ? undefined : await startOpenCxSandbox({ port: 0, organizationId: config.opencx.organizationId, ...options.opencxSandbox });
  if (creatio) seedTenantRecords(creatio, config);

  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: aws.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: aws.sqsEndpoint,
    TENANT: config.tenant,
    TENANT_CONFIG_JSON: JSON.stringify(config),
    STATE_TABLE_NAME: aws.tableName,
    OPENCX_EVENTS_QUEUE_URL: aws.opencxEvents.url,
    OPENCX_EVENTS_DLQ_URL: aws.opencxEvents.dlqUrl,
    CREATIO_EVENTS_QUEUE_URL: aws.creatioEvents.url,
    CREATIO_EVENTS_DLQ_URL: aws.creatioEvents.dlqUrl,
    OPENCX_WEBHOOK_TOKEN: opencxToken,
    CREATIO_WEBHOOK_TOKEN: creatioToken,
    OPENCX_ORGANIZATION_ID: config.opencx.organizationId ?? '',
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
    POWERTOOLS_DEV: 'false',
    // EMF metric lines are what CloudWatch reads; locally they would drown the logs (set to false to see them).
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    BRIDGE_VERSION: 'local',
    ...(creatio ? { CREATIO_URL: creatio.url, CREATIO_IDENTITY_URL: creatio.identityUrl, CREATIO_CLIENT_ID: creatio.clientId, CREATIO_CLIENT_SECRET: creatio.clientSecret } : {}),
    // The OpenCX sandbox serves attachments over http on 127.0.0.1: only then may downloads use loopback http.
    ...(opencx ? { OPENCX_API_URL: opencx.url, OPENCX_API_KEY: opencx.apiKey, ATTACHMENTS_ALLOW_LOOPBACK_HTTP: 'true' } : {}),
    ...(options.opencxSigningKey ? { OPENCX_WEBHOOK_SIGNING_KEY: options.opencxSigningKey } : {}),
    ...(options.creatioSigningKey ? { CREATIO_WEBHOOK_SIGNING_KEY: options.creatioSigningKey } : {}),
    ...options.env,
  });

  const [opencxWebhook, creatioWebhook, health, syncToCreatio, syncToOpenCx] = await Promise.all([
    import('../functions/opencx-webhook/handler'),
    import('../functions/creatio-webhook/handler'),
    import('../functions/health/handler'),
    import('../functions/sync-to-creatio/handler'),
    import('../functions/sync-to-opencx/handler'),
  ]);

  const errors: unknown[] = [];
  const onError = (error: unknown) => {
    errors.push(error);
    process.stderr.write(`[local] ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
  };
  const api = await startApiServer(
    [
      { method: 'POST', path: '/opencx/webhook/{token}', functionName: 'opencx-webhook', handler: opencxWebhook.handler as unknown as HttpLambda },
      { method: 'POST', path: '/creatio/webhook/{token}', functionName: 'creatio-webhook', handler: creatioWebhook.handler as unknown as HttpLambda },
      { method: 'GET', path: '/health', functionName: 'health', handler: health.handler as unknown as HttpLambda },
    ],
    options.port ?? 3000,
    onError,
  );

  const opencxWebhookUrl = `${api.url}/opencx/webhook/${opencxToken}`;
  const creatioWebhookUrl = `${api.url}/creatio/webhook/${creatioToken}`;
  opencx?.setWebhookUrl(opencxWebhookUrl);
  creatioProcesses?.setWebhookUrl(creatioWebhookUrl);

  const sqs = new SQSClient({ region: LOCAL_REGION, endpoint: aws.sqsEndpoint, credentials: LOCAL_CREDENTIALS });
  // As the event source mapping: as many pollers as its maximum concurrency, the function's timeout enforced.
  const consumer = {
    timeoutMs: options.consumerTimeoutMs ?? CONSUMER_SETTINGS.timeoutSeconds * 1000,
    batchSize: CONSUMER_SETTINGS.batchSize,
    concurrency: CONSUMER_SETTINGS.maxConcurrency,
  };
  const pollers: Poller[] =
    options.consumers === false
      ? []
      : [
          startPoller({ sqs, queue: aws.opencxEvents, handler: syncToCreatio.handler as unknown as SqsLambda, functionName: 'sync-to-creatio', ...consumer, onError }),
          startPoller({ sqs, queue: aws.creatioEvents, handler: syncToOpenCx.handler as unknown as SqsLambda, functionName: 'sync-to-opencx', ...consumer, onError }),
        ];

  const closeServer = (server: http.Server) =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    url: api.url,
    aws,
    config,
    pollers,
    sqs,
    opencxWebhookUrl,
    creatioWebhookUrl,
    ...(creatio ? { creatio } : {}),
    ...(opencx ? { opencx } : {}),
    ...(creatioProcesses ? { creatioProcesses } : {}),
    stop: async () => {
      creatioProcesses?.setEnabled(false);
      await closeServer(api.server);
      await Promise.all(pollers.map((poller) => poller.stop()));
      sqs.destroy();
      await Promise.all([aws.stop(), creatio?.stop(), opencx?.stop()]);
    },
  };
};

/** The tenant's custom (`Usr…`) text columns, so that the sandbox accepts what the AI field mapping writes. */
const customCaseColumns = (config: TenantConfig) => [
  ...config.aiFields
    .filter((field) => field.type === 'text' && !STANDARD_CASE_COLUMNS.has(field.column))
    .map((field) => ({ name: field.column, type: 'text' as const, maxLength: field.maxLength })),
  // The optional column that records the OpenCX session id on the case (issue 15).
  ...(config.attachments.caseSessionColumn ? [{ name: config.attachments.caseSessionColumn, type: 'text' as const, maxLength: 250 }] : []),
];
const STANDARD_CASE_COLUMNS = new Set(['Subject', 'Symptoms', 'Solution']);

/** The records the tenant config points at (default owner), as a real instance would have them. */
const seedTenantRecords = (creatio: CreatioSandbox, config: TenantConfig) => {
  const owner = config.cases.defaultOwnerId;
  if (owner && !creatio.store.get('Contact', owner)) creatio.store.insert('Contact', { Id: owner, Name: 'Support Lead (sandbox)' });
};
