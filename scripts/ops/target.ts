import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TenantConfig } from '../../functions/shared/schemas/tenant-config';
import { loadTenantConfig, tenantConfigPath } from '../../lib/tenant-config-loader';
import { readRuntimeFile, RUNTIME_FILE_NAME, runtimeFilePath, type RuntimeFile } from '../../local/runtime-file';
import { environmentStore, secretsManagerStore, type SecretStore } from './secret-store';

/**
 * What a command works on: one tenant's queues, secrets and endpoints, either a deployed stack
 * (`OpenCxCreatioSync-<tenant>`, read from its CloudFormation outputs) or the local runtime
 * (`npm start`: its SQS server, credentials from the environment). Commands take a Target and never
 * ask where it came from, so tests run them against real local servers.
 */
export type QueueKey = 'opencx' | 'creatio';
export const QUEUE_KEYS: readonly QueueKey[] = ['opencx', 'creatio'];

export interface QueuePair {
  /** e.g. `opencx-events` */
  readonly name: string;
  /** Which way its messages go, for people. */
  readonly direction: string;
  readonly url: string;
  readonly dlqUrl: string;
}

export interface StateTable {
  readonly tableName: string;
  readonly region?: string;
  /** The local DynamoDB API (dynalite) of npm start; unset for AWS. */
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface Endpoints {
  readonly creatioUrl: string;
  readonly creatioIdentityUrl?: string;
  readonly opencxApiUrl: string;
}

export interface Target {
  readonly tenant: string;
  /** "stack OpenCxCreatioSync-acme (eu-west-1)" or "local runtime (SQS at http://127.0.0.1:…)". */
  readonly description: string;
  readonly config: TenantConfig;
  readonly sqs: SQSClient;
  readonly queues: Readonly<Record<QueueKey, QueuePair>>;
  readonly secrets: SecretStore;
  readonly endpoints: Endpoints;
  readonly dashboardUrl?: string;
  /**
   * The state table, for commands that read the bridge's state (e.g. quarantined conversations): deployed
   * from the StateTableName output, locally from the running npm start; undefined when not known.
   */
  readonly stateTable?: StateTable;
  /** The local runtime (`--local`), whose credentials come from the environment of npm start. */
  readonly local?: boolean;
  /**
   * The target flags as the operator typed them (`--tenant example --local`), so that every follow-up
   * command the CLI prints works when pasted. Set by the command line; defaults to `--tenant <tenant>`.
   */
  readonly flags?: string;
  close(): void;
}

/** The target flags as the operator gave them (`--tenant x --local`, `--tenant x --region r`...). */
export const targetFlags = (options: { readonly tenant: string; readonly local?: string; readonly region?: string; readonly configPath?: string }): string =>
  [
    `--tenant ${options.tenant}`,
    options.local === LOCAL_AUTO ? '--local' : options.local ? `--local ${options.local}` : '',
    options.region ? `--region ${options.region}` : '',
    options.configPath ? `--config ${options.configPath}` : '',
  ]
    .filter(Boolean)
    .join(' ');

/** `npm run ops -- <command> <flags>` for a follow-up command, keeping the flags that were used. */
export const followUp = (target: Pick<Target, 'tenant' | 'flags'>, command: string, extra = ''): string =>
  `npm run ops -- ${command} ${target.flags ?? `--tenant ${target.tenant}`}${extra ? ` ${extra}` : ''}`;

export const stackName = (tenant: string): string => `OpenCxCreatioSync-${tenant}`;

const DIRECTIONS: Readonly<Record<QueueKey, { name: string; direction: string }>> = {
  opencx: { name: 'opencx-events', direction: 'OpenCX → Creatio' },
  creatio: { name: 'creatio-events', direction: 'Creatio → OpenCX' },
};

/** The stack outputs the CLI reads (see the CfnOutputs in lib/opencx-creatio-sync-stack.ts). */
export const STACK_OUTPUTS = {
  opencxQueue: 'OpenCxEventsQueueUrl',
  opencxDlq: 'OpenCxEventsDlqUrl',
  creatioQueue: 'CreatioEventsQueueUrl',
  creatioDlq: 'CreatioEventsDlqUrl',
  creatioSecret: 'CreatioCredentialsSecretArn',
  opencxSecret: 'OpenCxApiKeySecretArn',
  dashboardUrl: 'DashboardUrl',
  stateTable: 'StateTableName',
} as const;

export class TargetError extends Error {
  override readonly name = 'TargetError';
}

/** Builds a Target from a stack's outputs (a pure mapping: the outputs are fetched by the caller). */
export const targetFromOutputs = (input: {
  readonly tenant: string;
  readonly config: TenantConfig;
  readonly outputs: Readonly<Record<string, string>>;
  readonly region: string | undefined;
  readonly sqs: SQSClient;
  readonly secrets: SecretsManagerClient;
  readonly close?: () => void;
  /** The flags the operator used, repeated in the commands the CLI prints. */
  readonly flags?: string;
}): Target => {
  const { outputs, tenant } = input;
  const stateTableName = outputs[STACK_OUTPUTS.stateTable];
  const need = (key: string): string => {
    const value = outputs[key];
    if (!value) throw new TargetError(`Stack ${stackName(tenant)} has no output ${key}: deploy the current version (npx cdk deploy -c tenant=${tenant}).`);
    return value;
  };
  return {
    tenant,
    description: `stack ${stackName(tenant)}${input.region ? ` (${input.region})` : ''}`,
    config: input.config,
    sqs: input.sqs,
    queues: {
      opencx: { ...DIRECTIONS.opencx, url: need(STACK_OUTPUTS.opencxQueue), dlqUrl: need(STACK_OUTPUTS.opencxDlq) },
      creatio: { ...DIRECTIONS.creatio, url: need(STACK_OUTPUTS.creatioQueue), dlqUrl: need(STACK_OUTPUTS.creatioDlq) },
    },
    secrets: secretsManagerStore(input.secrets, { creatio: need(STACK_OUTPUTS.creatioSecret), opencx: need(STACK_OUTPUTS.opencxSecret) }, tenant, input.flags),
    ...(input.flags ? { flags: input.flags } : {}),
    endpoints: {
      creatioUrl: input.config.creatio.instanceUrl,
      ...(input.config.creatio.identityUrl ? { creatioIdentityUrl: input.config.creatio.identityUrl } : {}),
      opencxApiUrl: input.config.opencx.apiUrl,
    },
    ...(outputs[STACK_OUTPUTS.dashboardUrl] ? { dashboardUrl: outputs[STACK_OUTPUTS.dashboardUrl] } : {}),
    ...(stateTableName ? { stateTable: { tableName: stateTableName, ...(input.region ? { region: input.region } : {}) } } : {}),
    close: input.close ?? (() => undefined),
  };
};

/** A deployed tenant: reads `OpenCxCreatioSync-<tenant>`'s outputs with the caller's AWS credentials. */
export const targetFromStack = async (options: { readonly tenant: string; readonly config: TenantConfig; readonly region?: string; readonly flags?: string }): Promise<Target> => {
  const region = options.region ?? options.config.aws.region;
  const clientConfig = region ? { region } : {};
  const cloudformation = new CloudFormationClient(clientConfig);
  let outputs: Record<string, string>;
  try {
    const answer = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName(options.tenant) }));
    outputs = Object.fromEntries((answer.Stacks?.[0]?.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/does not exist/i.test(message)) {
      throw new TargetError(
        `Stack ${stackName(options.tenant)} was not found${region ? ` in ${region}` : ''}. Deploy it (npx cdk deploy -c tenant=${options.tenant}), pass --region, or add --local for the local runtime (npm start).`,
      );
    }
    if (/region is missing/i.test(message)) {
      throw new TargetError(
        `No AWS region for stack ${stackName(options.tenant)}: set aws.region in tenants/${options.tenant}.json, pass --region <region>, or export AWS_REGION. For the local runtime (npm start) add --local.`,
      );
    }
    if (/credential/i.test(message))
      throw new TargetError(`No usable AWS credentials (${message}). Log in (e.g. aws sso login) or export AWS_PROFILE. For the local runtime (npm start) add --local.`);
    throw error;
  } finally {
    cloudformation.destroy();
  }
  const sqs = new SQSClient(clientConfig);
  const secrets = new SecretsManagerClient(clientConfig);
  return targetFromOutputs({
    ...(options.flags ? { flags: options.flags } : {}),
    tenant: options.tenant,
    config: options.config,
    outputs,
    region,
    sqs,
    secrets,
    close: () => {
      sqs.destroy();
      secrets.destroy();
    },
  });
};

/** Same values as local/aws-servers.ts (checked by test/integration/ops-cli.test.ts). */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  queueName: (key: QueueKey) => `${DIRECTIONS[key].name}.fifo`,
  dlqName: (key: QueueKey) => `${DIRECTIONS[key].name}-dlq.fifo`,
} as const;

export interface LocalQueueUrls {
  readonly opencxEvents: { readonly url: string; readonly dlqUrl: string };
  readonly creatioEvents: { readonly url: string; readonly dlqUrl: string };
}

/**
 * The local runtime: `startLocalRuntime().aws` (or `startLocalAwsServers()`) has the queue URLs; from
 * another shell only the SQS endpoint is known and the URLs are looked up by name. Credentials and
 * endpoints come from the same variables `npm start` reads.
 */
export const targetFromLocal = async (options: {
  readonly sqsEndpoint: string;
  readonly config: TenantConfig;
  readonly env?: NodeJS.ProcessEnv;
  readonly queues?: LocalQueueUrls;
  /** What the running `npm start` wrote (.npm-start.json): its sandboxes' URLs and credentials. */
  readonly runtime?: RuntimeFile;
}): Promise<Target> => {
  const env = { ...sandboxEnv(options.runtime), ...(options.env ?? process.env) };
  const sqs = new SQSClient({ region: LOCAL_AWS.region, endpoint: options.sqsEndpoint, credentials: LOCAL_AWS.credentials });
  const urlOf = async (name: string) => {
    try {
      const answer = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      if (!answer.QueueUrl) throw new Error('no QueueUrl');
      return answer.QueueUrl;
    } catch (error) {
      sqs.destroy();
      throw new TargetError(
        `The local SQS server at ${options.sqsEndpoint} has no queue ${name} (${error instanceof Error ? error.message : String(error)}). Is npm start running, and is this its "SQS API" address? With npm start running, --local alone finds it.`,
      );
    }
  };
  const queues = options.queues ??
    options.runtime?.queues ?? {
      opencxEvents: { url: await urlOf(LOCAL_AWS.queueName('opencx')), dlqUrl: await urlOf(LOCAL_AWS.dlqName('opencx')) },
      creatioEvents: { url: await urlOf(LOCAL_AWS.queueName('creatio')), dlqUrl: await urlOf(LOCAL_AWS.dlqName('creatio')) },
    };
  const identityUrl = env.CREATIO_IDENTITY_URL || options.config.creatio.identityUrl;
  return {
    tenant: options.config.tenant,
    description: options.runtime
      ? `local runtime (npm start, pid ${options.runtime.pid}; SQS at ${options.sqsEndpoint}; Creatio ${options.runtime.creatio.sandbox ? 'sandbox ' : ''}${options.runtime.creatio.url}; OpenCX ${options.runtime.opencx.sandbox ? 'sandbox ' : ''}${options.runtime.opencx.url})`
      : `local runtime (SQS at ${options.sqsEndpoint})`,
    config: options.config,
    sqs,
    queues: {
      opencx: { ...DIRECTIONS.opencx, ...queues.opencxEvents },
      creatio: { ...DIRECTIONS.creatio, ...queues.creatioEvents },
    },
    secrets: environmentStore(env),
    endpoints: {
      creatioUrl: env.CREATIO_URL || options.config.creatio.instanceUrl,
      ...(identityUrl ? { creatioIdentityUrl: identityUrl } : {}),
      opencxApiUrl: env.OPENCX_API_URL || options.config.opencx.apiUrl,
    },
    ...(options.runtime
      ? { stateTable: { tableName: options.runtime.tableName, region: LOCAL_AWS.region, endpoint: options.runtime.dynamoEndpoint, credentials: LOCAL_AWS.credentials } }
      : {}),
    local: true,
    close: () => sqs.destroy(),
  };
};

export interface ResolveTargetOptions {
  readonly tenant: string;
  /**
   * The local runtime: `auto` (a bare `--local`) finds the running `npm start` through .npm-start.json;
   * otherwise its SQS endpoint (`--local <url>`, or env LOCAL_SQS_ENDPOINT).
   */
  readonly local?: string;
  readonly region?: string;
  /** A tenant JSON other than tenants/<tenant>.json (`--config`, or env TENANT_CONFIG for the local runtime). */
  readonly configPath?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly root?: string;
}

export const LOCAL_AUTO = 'auto';

/** The bundled sandboxes' endpoints and (sandbox) credentials, as the variables `npm start` would read. */
const sandboxEnv = (runtime: RuntimeFile | undefined): NodeJS.ProcessEnv => {
  if (!runtime) return {};
  const { creatio, opencx } = runtime;
  return {
    CREATIO_URL: creatio.url,
    ...(creatio.identityUrl ? { CREATIO_IDENTITY_URL: creatio.identityUrl } : {}),
    ...(creatio.sandbox && creatio.clientId && creatio.clientSecret ? { CREATIO_CLIENT_ID: creatio.clientId, CREATIO_CLIENT_SECRET: creatio.clientSecret } : {}),
    OPENCX_API_URL: opencx.url,
    ...(opencx.sandbox && opencx.apiKey ? { OPENCX_API_KEY: opencx.apiKey } : {}),
  };
};

/** `--local` / LOCAL_SQS_ENDPOINT → the local runtime; otherwise the deployed stack. */
export const resolveTarget = async (options: ResolveTargetOptions): Promise<Target> => {
  const env = options.env ?? process.env;
  const local = options.local ?? (env.LOCAL_SQS_ENDPOINT || undefined);
  const root = options.root ?? path.join(__dirname, '..', '..');
  const runtime = local ? readRuntimeFile(runtimeFilePath(root)) : undefined;
  if (local === LOCAL_AUTO && !runtime) {
    throw new TargetError(
      `--local: no npm start is running in ${root} (it writes ${RUNTIME_FILE_NAME} there while it runs). Start it in another terminal (npm start), or pass --local <its "SQS API" address>.`,
    );
  }
  // The running npm start when --local names it (or names nothing): its tenant file, queues and sandboxes.
  const started = runtime && (local === LOCAL_AUTO || local === runtime.sqsEndpoint) ? runtime : undefined;
  const ownFile = tenantConfigPath(options.tenant, root);
  const configPath =
    options.configPath ??
    (started ? started.tenantConfigPath : local && env.TENANT_CONFIG ? env.TENANT_CONFIG : local && !fs.existsSync(ownFile) ? path.join(root, 'tenants', 'example.json') : ownFile);
  const config = loadTenantConfig(configPath);
  if (started && config.tenant !== options.tenant) {
    throw new TargetError(`npm start is running tenant "${config.tenant}" (${path.relative(root, configPath)}), not "${options.tenant}": use --tenant ${config.tenant}.`);
  }
  if (!local && config.tenant !== options.tenant) {
    throw new TargetError(`${configPath} is for tenant "${config.tenant}", not "${options.tenant}".`);
  }
  if (local) return targetFromLocal({ sqsEndpoint: started?.sqsEndpoint ?? local, config, env, ...(started ? { runtime: started } : {}) });
  return targetFromStack({ tenant: options.tenant, config, flags: targetFlags(options), ...(options.region ? { region: options.region } : {}) });
};
