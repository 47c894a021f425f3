/** Runs the sandbox on its own: `npx tsx local/creatio-sandbox/main.ts` (options from CREATIO_SANDBOX_* variables). */
import { sandboxOptionsFromEnv } from './env';
import { startCreatioSandbox } from './server';

const main = async (): Promise<void> => {
  const sandbox = await startCreatioSandbox({ port: 4510, ...sandboxOptionsFromEnv() });
  process.stdout.write(
    `Creatio sandbox at ${sandbox.url} (OData ${sandbox.odataUrl}, client id "${sandbox.clientId}")\n` +
      `Cases: ${sandbox.url}/_sandbox\n` +
      `Try: curl -s -d grant_type=client_credentials -d client_id=${sandbox.clientId} -d client_secret=<secret> ${sandbox.identityUrl}/connect/token\n`,
  );
  const shutdown = (): void => {
    void sandbox.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
};

void main();
