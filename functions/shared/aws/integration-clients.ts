import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { CreatioClient, type CreatioClientEvent } from '../creatio';
import { createOpenCxClient, type OpenCxClient, type OpenCxClientEvent } from '../opencx';
import { createRateBudget, type RateBudget } from '../opencx/rate-budget';
import { budgetKeyFor, dynamoBudgetStore } from '../opencx/rate-budget-dynamodb';
import { numberEnv, optionalEnv, requireEnv } from '../env';
import type { TenantConfig } from '../schemas/tenant-config';
import { createAwsJsonApi, type AwsJsonCall } from './aws-json-api';
import { cached, readJsonSecret } from './secrets';
import { invocationDeadline } from '../deadline';

export interface IntegrationClients {
  readonly creatio: CreatioClient;
  readonly opencx: OpenCxClient;
}

const creatioSecretSchema = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) });
const opencxSecretSchema = z.object({ apiKey: z.string().min(1) });

export interface IntegrationClientOptions {
  readonly onCreatioEvent?: (event: CreatioClientEvent) => void;
  readonly onOpenCxEvent?: (event: OpenCxClientEvent) => void;
  /** The shared OpenCX budget made a request wait (inline: slept here; otherwise handed to the queue). */
  readonly onOpenCxBudgetWait?: (waitMs: number, inline: boolean) => void;
  /** Overrides the shared OpenCX budget (tests); `null` turns it off. */
  readonly opencxBudget?: ((apiKey: string) => RateBudget) | null;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The shared OpenCX request budget of an API key (rate-budget.ts), one item in the state table.
 * On when deployed; locally only when `OPENCX_REQUESTS_PER_MINUTE` is set (the sandbox has no limit,
 * and the test suites would only wait). `OPENCX_REQUESTS_PER_MINUTE=0` turns it off anywhere.
 */
const defaultOpenCxBudget = (env: NodeJS.ProcessEnv, local: boolean, onWait?: (waitMs: number, inline: boolean) => void) => {
  const tableName = optionalEnv('STATE_TABLE_NAME', env);
  const configured = optionalEnv('OPENCX_REQUESTS_PER_MINUTE', env);
  if (!tableName || configured === '0' || (local && configured === undefined)) return undefined;
  let dynamo: DynamoDBClient | undefined;
  return (apiKey: string): RateBudget =>
    createRateBudget({
      store: dynamoBudgetStore((dynamo ??= new DynamoDBClient({})), tableName),
      key: budgetKeyFor(apiKey),
      settings: { requestsPerMinute: numberEnv('OPENCX_REQUESTS_PER_MINUTE', 80, env), burst: numberEnv('OPENCX_REQUEST_BURST', 10, env) },
      ...(onWait ? { onWait } : {}),
    });
};

/**
 * The Creatio and OpenCX clients of a consumer, built once per container and rebuilt only when a
 * secret's value changes (checked every five minutes), so the cached OAuth token survives invocations.
 *
 * Deployed, credentials come from Secrets Manager (`CREATIO_CREDENTIALS_SECRET_ARN`,
 * `OPENCX_API_KEY_SECRET_ARN`) and URLs from the tenant config. Locally, `CREATIO_URL`,
 * `CREATIO_IDENTITY_URL`, `CREATIO_CLIENT_ID`, `CREATIO_CLIENT_SECRET`, `OPENCX_API_URL` and
 * `OPENCX_API_KEY` take their place.
 */
export const integrationClients = (config: TenantConfig, options: IntegrationClientOptions = {}): (() => Promise<IntegrationClients>) => {
  const env = options.env ?? process.env;
  const localCreatio = optionalEnv('CREATIO_CLIENT_ID', env);
  const localOpenCx = optionalEnv('OPENCX_API_KEY', env);
  // Two GetSecretValue calls every five minutes: a signed fetch, not the SDK's Secrets Manager client.
  let aws: AwsJsonCall | undefined;
  const secretString = (secretId: string) => async () =>
    (await (aws ??= createAwsJsonApi({ env }))<{ SecretString?: string }>('secretsmanager', 'GetSecretValue', { SecretId: secretId })).SecretString;

  const creatioCredentials = localCreatio
    ? async () => ({ clientId: localCreatio, clientSecret: requireEnv('CREATIO_CLIENT_SECRET', env) })
    : cached(() => readJsonSecret(secretString(requireEnv('CREATIO_CREDENTIALS_SECRET_ARN', env)), creatioSecretSchema, 'Creatio credentials'), 5 * 60_000);
  const opencxKey = localOpenCx
    ? async () => ({ apiKey: localOpenCx })
    : cached(() => readJsonSecret(secretString(requireEnv('OPENCX_API_KEY_SECRET_ARN', env)), opencxSecretSchema, 'OpenCX API key'), 5 * 60_000);

  const budgetFor = options.opencxBudget === null ? undefined : (options.opencxBudget ?? defaultOpenCxBudget(env, Boolean(localOpenCx), options.onOpenCxBudgetWait));

  let current: { key: string; clients: IntegrationClients } | undefined;
  return async () => {
    const [creatio, opencx] = await Promise.all([creatioCredentials(), opencxKey()]);
    const key = JSON.stringify([creatio.clientId, creatio.clientSecret, opencx.apiKey]);
    if (current?.key === key) return current.clients;
    const identityUrl = optionalEnv('CREATIO_IDENTITY_URL', env) ?? config.creatio.identityUrl;
    current = {
      key,
      clients: {
        creatio: new CreatioClient({
          instanceUrl: optionalEnv('CREATIO_URL', env) ?? config.creatio.instanceUrl,
          ...(identityUrl ? { identityUrl } : {}),
          odataRoot: config.creatio.odataRoot,
          clientId: creatio.clientId,
          clientSecret: creatio.clientSecret,
          deadline: invocationDeadline,
          ...(options.onCreatioEvent ? { onEvent: options.onCreatioEvent } : {}),
        }),
        opencx: createOpenCxClient({
          baseUrl: optionalEnv('OPENCX_API_URL', env) ?? config.opencx.apiUrl,
          apiKey: opencx.apiKey,
          deadline: invocationDeadline,
          ...(budgetFor ? { beforeRequest: budgetFor(opencx.apiKey).acquire } : {}),
          ...(options.onOpenCxEvent ? { onEvent: options.onOpenCxEvent } : {}),
        }),
      },
    };
    return current.clients;
  };
};
