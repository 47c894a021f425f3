import * as path from 'node:path';
import { TenantConfigError } from '../functions/shared/schemas/tenant-config';
import { readRuntimeFile, removeRuntimeFile, runtimeFileContents, runtimeFilePath, writeRuntimeFile } from './runtime-file';
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
    if (error instanceof TenantConfigError) {
      throw new StartSettingsError(process.env.TENANT_CONFIG ? `TENANT_CONFIG=${process.env.TENANT_CONFIG}: ${error.message}` : error.message);
    }
    throw new StartSettingsError(portInUseMessage(error, options.ports) ?? (error instanceof Error ? error.message : String(error)));
  }
  const file = runtimeFilePath(ROOT);
  const other = readRuntimeFile(file);
  if (!other) {
    writeRuntimeFile(file, runtimeFileContents(runtime, options.tenantConfigPath ?? path.join(ROOT, 'tenants', 'example.json')));
    process.on('exit', () => removeRuntimeFile(file));
  }
  process.stdout.write(`${readyLines(runtime).join('\n')}\n`);
  if (other) {
    process.stdout.write(
      `Note: another npm start (pid ${other.pid}) is running; \`npm run ops -- … --local\` works on that one. For this one use --local ${runtime.aws.sqsEndpoint}.\n`,
    );
  }
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
