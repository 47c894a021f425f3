/**
 * Runs the OpenCX sandbox on its own: `npx tsx local/opencx-sandbox/main.ts`.
 * Environment: OPENCX_SANDBOX_PORT (default 4010), OPENCX_SANDBOX_WEBHOOK_URL (the bridge's
 * webhook URL with its token), OPENCX_SANDBOX_API_KEY.
 */
import { startOpenCxSandbox } from './server';

const main = async (): Promise<void> => {
  const sandbox = await startOpenCxSandbox({
    port: Number(process.env.OPENCX_SANDBOX_PORT ?? 4010),
    seedExamples: true,
    ...(process.env.OPENCX_SANDBOX_WEBHOOK_URL ? { webhookUrl: process.env.OPENCX_SANDBOX_WEBHOOK_URL } : {}),
    ...(process.env.OPENCX_SANDBOX_API_KEY ? { apiKey: process.env.OPENCX_SANDBOX_API_KEY } : {}),
  });
  process.stdout.write(
    [
      `OpenCX sandbox listening on ${sandbox.url} (Bearer key: the sandbox default unless OPENCX_SANDBOX_API_KEY is set)`,
      `Example sessions: ${[...sandbox.sessions.keys()].join(', ')}`,
      `Try: curl -s ${sandbox.url}/__admin/sessions`,
      '',
    ].join('\n'),
  );
  const shutdown = (): void => void sandbox.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
};

void main();
