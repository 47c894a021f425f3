import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { CreatioClient, type CreatioClientEvent } from '../creatio';
import { createOpenCxClient, type OpenCxClient, type OpenCxClientEvent } from '../opencx';
import { optionalEnv, requireEnv } from '../env';
import type { TenantConfig } from '../schemas/tenant-config';
import { cached, readJsonSecret } from './secrets';

export interface IntegrationClients {
  readonly creatio: CreatioClient;
  readonly opencx: OpenCxClient;
}

const creatioSecretSchema = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) });
const opencxSecretSchema = z.object({ apiKey: z.string().min(1) });

export interface IntegrationClientOptions {
  readonly onCreatioEvent?: (event: CreatioClientEvent) => void;
  readonly onOpenCxEvent?: (event: OpenCxClientEvent) => void;
  readonly env?: NodeJS.ProcessEnv;
}

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
  let secrets: SecretsManagerClient | undefined;
  const secretsClient = () => (secrets ??= new SecretsManagerClient({}));
  const secretString = (secretId: string) => async () => (await secretsClient().send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;

  const creatioCredentials = localCreatio
    ? async () => ({ clientId: localCreatio, clientSecret: requireEnv('CREATIO_CLIENT_SECRET', env) })
    : cached(() => readJsonSecret(secretString(requireEnv('CREATIO_CREDENTIALS_SECRET_ARN', env)), creatioSecretSchema, 'Creatio credentials'), 5 * 60_000);
  const opencxKey = localOpenCx
    ? async () => ({ apiKey: localOpenCx })
    : cached(() => readJsonSecret(secretString(requireEnv('OPENCX_API_KEY_SECRET_ARN', env)), opencxSecretSchema, 'OpenCX API key'), 5 * 60_000);

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
          ...(options.onCreatioEvent ? { onEvent: options.onCreatioEvent } : {}),
        }),
        opencx: createOpenCxClient({
          baseUrl: optionalEnv('OPENCX_API_URL', env) ?? config.opencx.apiUrl,
          apiKey: opencx.apiKey,
          ...(options.onOpenCxEvent ? { onEvent: options.onOpenCxEvent } : {}),
        }),
      },
    };
    return current.clients;
  };
};
