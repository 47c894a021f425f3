/**
 * The operator CLI: `npm run ops -- <command> --tenant <name>` (check, secrets, redrive, replay, status).
 * Each command lives in scripts/ops/<command>.ts as a function of a Target and an Io; this file only
 * wires the real terminal and the process exit code. Runbook: docs/operations.md.
 */
import { runOps } from './ops/cli';
import { processIo } from './ops/io';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `npm run ops -- status | head`: a closed pipe is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

runOps(process.argv.slice(2), { io: processIo() })
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
