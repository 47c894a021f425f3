import { startLocalRuntime } from './runtime';
import { sandboxOptionsFromEnv } from './creatio-sandbox';

/** `npm start`: the whole bridge on this machine, on embedded defaults. */
const main = async () => {
  const runtime = await startLocalRuntime({
    port: Number(process.env.PORT ?? 3000),
    opencxWebhookToken: process.env.OPENCX_WEBHOOK_TOKEN,
    creatioWebhookToken: process.env.CREATIO_WEBHOOK_TOKEN,
    tenantConfigPath: process.env.TENANT_CONFIG,
    // Fixed ports, so that the README's curl examples work; tests use free ports instead.
    creatioSandbox: { port: 4020, ...sandboxOptionsFromEnv() },
    opencxSandbox: { port: Number(process.env.OPENCX_SANDBOX_PORT ?? 4010) },
  });
  const lines = [
    `opencx-creatio-sync ready on ${runtime.url} (tenant ${runtime.config.tenant})`,
    `  OpenCX webhook   POST ${runtime.opencxWebhookUrl}`,
    `  Creatio webhook  POST ${runtime.creatioWebhookUrl}`,
    `  health           GET  ${runtime.url}/health`,
    `  DynamoDB API     ${runtime.aws.dynamoEndpoint} (table ${runtime.aws.tableName})`,
    `  SQS API          ${runtime.aws.sqsEndpoint}`,
    runtime.creatio
      ? `  Creatio sandbox  ${runtime.creatio.url} (cases and activities: ${runtime.creatio.url}/_sandbox)`
      : `  Creatio          ${process.env.CREATIO_URL}`,
    runtime.opencx ? `  OpenCX sandbox   ${runtime.opencx.url} (admin: ${runtime.opencx.url}/__admin, see local/opencx-sandbox/README.md)` : `  OpenCX           ${process.env.OPENCX_API_URL}`,
    '',
    'Try it:',
    `  curl -s -X POST ${runtime.opencxWebhookUrl} -H 'content-type: application/json' --data @../shared/examples/opencx-webhook-handoff.json`,
    'Ctrl-C stops everything.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping...\n');
    await runtime.stop();
    process.stdout.write('stopped\n');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
