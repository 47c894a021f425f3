import * as path from 'node:path';
import { TenantConfigError } from '../functions/shared/schemas/tenant-config';
import { removeRuntimeFile, runtimeFilePath, writeRuntimeFile } from './runtime-file';
import { startLocalRuntime, type LocalRuntime } from './runtime';
import { portInUseMessage, readyLines, StartSettingsError, startOptions } from './start-settings';

/** `npm start`: the whole bridge on this machine, on embedded defaults (variables: README.md, "The local runtime"). */
const ROOT = path.join(__dirname, '..');

const main = async (): Promise<void> => {
  const options = startOptions(process.env, ROOT);
  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime(options);
  } catch (error) {
    throw new StartSettingsError(portInUseMessage(error, options.ports) ?? (error instanceof Error ? error.message : String(error)));
  }
  const file = runtimeFilePath(ROOT);
  writeRuntimeFile(file, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    tenant: runtime.config.tenant,
    tenantConfigPath: options.tenantConfigPath ?? path.join(ROOT, 'tenants', 'example.json'),
    bridgeUrl: runtime.url,
    sqsEndpoint: runtime.aws.sqsEndpoint,
    dynamoEndpoint: runtime.aws.dynamoEndpoint,
    tableName: runtime.aws.tableName,
    queues: {
      opencxEvents: { url: runtime.aws.opencxEvents.url, dlqUrl: runtime.aws.opencxEvents.dlqUrl },
      creatioEvents: { url: runtime.aws.creatioEvents.url, dlqUrl: runtime.aws.creatioEvents.dlqUrl },
    },
    creatio: runtime.creatio
      ? { url: runtime.creatio.url, identityUrl: runtime.creatio.identityUrl, sandbox: true, clientId: runtime.creatio.clientId, clientSecret: runtime.creatio.clientSecret }
      : { url: process.env.CREATIO_URL ?? '', ...(process.env.CREATIO_IDENTITY_URL ? { identityUrl: process.env.CREATIO_IDENTITY_URL } : {}), sandbox: false },
    opencx: runtime.opencx ? { url: runtime.opencx.url, sandbox: true, apiKey: runtime.opencx.apiKey } : { url: process.env.OPENCX_API_URL ?? '', sandbox: false },
  });
  process.on('exit', () => removeRuntimeFile(file));
  process.stdout.write(`${readyLines(runtime).join('\n')}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping...\n');
    await runtime.stop();
    removeRuntimeFile(file);
    process.stdout.write('stopped\n');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
};

main().catch((error: unknown) => {
  const known = error instanceof StartSettingsError || error instanceof TenantConfigError;
  process.stderr.write(`npm start: ${known ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
