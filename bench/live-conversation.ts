import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalRuntime } from '../local/runtime';
import { OPENCX_PAGE_SIZE, row, type EveryConversationRow } from './requests-per-handoff';

/**
 * Live chat through the whole local pipeline (webhook, SQS FIFO, the consumer's coalescing): a message
 * every 5 s against the default 20 s window, run ten times faster (a 2 s window, a message every 500 ms:
 * the same four messages a window). Every OpenCX request of the conversation is counted at the sandbox,
 * the first message's (session and history, to create the case) included. Prints the row as JSON.
 */
const measure = async (): Promise<EveryConversationRow> => {
  const example = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'tenants', 'example.json'), 'utf8'));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tenant-')), 'every.json');
  fs.writeFileSync(file, JSON.stringify({ ...example, tenant: 'bench-live', cases: { ...example.cases, createCaseOnlyOnHandoff: false, coalesceBeforeHandoffSeconds: 2 } }));
  const runtime = await startLocalRuntime({
    port: 0,
    logLevel: 'SILENT',
    tenantConfigPath: file,
    visibilityTimeoutSeconds: 1,
    opencxSandbox: { historyPageSize: OPENCX_PAGE_SIZE },
  });
  try {
    const opencx = runtime.opencx!;
    const creatio = runtime.creatio!;
    const { session } = await opencx.createSession({ channel: 'email', contact: { name: 'Live', email: 'live@example.org' } });
    const messages = 40;
    for (let i = 0; i < messages; i += 1) {
      await opencx.addMessage(session.id, { author: i % 2 ? 'ai' : 'customer', text: `live ${i}` });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const caseId = () => creatio.store.list('Activity').find((a) => String(a.Body ?? '').includes('live 0'))?.CaseId;
    const deadline = Date.now() + 30_000;
    while (creatio.store.list('Activity').filter((a) => a.CaseId && a.CaseId === caseId()).length < messages) {
      if (Date.now() > deadline) throw new Error('the live conversation did not reach Creatio within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const requests = opencx.requests.filter((r) => r.sessionId === session.id).length;
    return row('a message every 5 s, through the queue and the consumer (20 s window; run 10× faster)', messages, requests);
  } finally {
    await runtime.stop();
  }
};

measure().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
