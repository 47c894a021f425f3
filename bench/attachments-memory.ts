/**
 * The largest customer file moved through the local runtime, and the process's memory meanwhile.
 *
 *   npx tsx bench/attachments-memory.ts [megabytes, default 9.5]
 *   node --max-old-space-size=40 --import tsx bench/attachments-memory.ts 9.5   (the heap-cap experiment)
 *   node --expose-gc --import tsx bench/attachments-memory.ts 9.5               (live memory: GC before each sample)
 *
 * One process runs everything (runtime, dynalite, SQS, both sandboxes), so the figures are an upper
 * bound for the bridge. The OpenCX sandbox generates the file block by block and the Creatio sandbox
 * keeps only its size and sha256 (`keepFileBytesUpTo: 0`), so neither holds the file: what grows is
 * the download → upload stream. Prints baseline and peak of rss, heapUsed and arrayBuffers (sampled
 * every 5 ms; with --expose-gc after a collection) and the Creatio requests the file took.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { generatedSha256 } from '../local/opencx-sandbox/files';
import { startLocalRuntime } from '../local/runtime';

const MB = 1024 * 1024;
const sizeMb = Number(process.argv[2] ?? '9.5');
const size = Math.round(sizeMb * MB);
const fmt = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** Files over the example tenant's 10 MB limit: a copy of its config with a limit above the file. */
const tenantConfigPath = (): string | undefined => {
  if (size <= 10 * MB) return undefined;
  const config = JSON.parse(readFileSync(path.join(__dirname, '..', 'tenants', 'example.json'), 'utf8')) as Record<string, unknown>;
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'attachments-memory-')), 'example.json');
  writeFileSync(file, JSON.stringify({ ...config, attachments: { maxFileBytes: size + MB } }));
  return file;
};

const main = async (): Promise<void> => {
  const largeConfig = tenantConfigPath();
  const runtime = await startLocalRuntime({
    port: 0,
    logLevel: 'ERROR',
    visibilityTimeoutSeconds: 30,
    creatioSandbox: { keepFileBytesUpTo: 0 },
    ...(largeConfig ? { tenantConfigPath: largeConfig } : {}),
    env: { POWERTOOLS_METRICS_DISABLED: 'true' },
  });
  const creatio = runtime.creatio!;
  const opencx = runtime.opencx!;
  try {
    // Warm up: one small conversation, so that module loading and first connections are in the baseline.
    const warm = await opencx.createSession({ channel: 'email', contact: { name: 'Warm Up', email: 'warm@example.org' } });
    await opencx.addMessage(warm.session.id, { author: 'customer', text: 'Subject: hello\n\nhello' });
    await opencx.handOff(warm.session.id, { summary: 'warm-up' });
    const until = async (check: () => boolean, what: string) => {
      const deadline = Date.now() + 120_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await until(() => creatio.store.list('Case').length > 0, 'warm-up case');
    global.gc?.();
    const baseline = process.memoryUsage();
    const peak = { rss: baseline.rss, heapUsed: baseline.heapUsed, arrayBuffers: baseline.arrayBuffers };
    // With --expose-gc, collect before each sample: the peak is then what is live, not garbage awaiting a GC.
    const sampler = setInterval(() => {
      global.gc?.();
      const now = process.memoryUsage();
      peak.rss = Math.max(peak.rss, now.rss);
      peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
      peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
    }, 5);

    const file = opencx.hostFile({ name: 'large-scan.pdf', type: 'application/pdf', size, seed: 'large' });
    const before = creatio.requestLog.length;
    const started = Date.now();
    const { session } = await opencx.createSession({ channel: 'email', contact: { name: 'Big File', email: 'big.file@example.org' } });
    await opencx.addMessage(session.id, {
      author: 'customer',
      text: 'Subject: scan\n\nThe scan.',
      attachments: [{ id: 'att_big', name: 'large-scan.pdf', type: 'application/pdf', size, url: file.url }],
    });
    await opencx.handOff(session.id, { summary: 'large file' });
    await until(() => [...creatio.files.values()].some((f) => f.size === size && !f.partial), 'the file in Creatio');
    clearInterval(sampler);
    const stored = [...creatio.files.values()].find((f) => f.size === size)!;
    const requests = creatio.requestLog
      .slice(before)
      .filter((r) => /ActivityFile/.test(r.path))
      .map((r) => `${r.method} ${r.path.replace(/^.*odata\//, '')}`);

    console.log(`file: ${fmt(size)} (${size} bytes), same sha256 in Creatio: ${stored.sha256 === generatedSha256('large', size)}, ${Date.now() - started} ms end to end`);
    console.log(`Creatio requests for the file: ${requests.length} (${requests.map((r) => r.split('(')[0]).join(', ')})`);
    console.log(`rss:          baseline ${fmt(baseline.rss)}, peak ${fmt(peak.rss)}, +${fmt(peak.rss - baseline.rss)}`);
    console.log(`heapUsed:     baseline ${fmt(baseline.heapUsed)}, peak ${fmt(peak.heapUsed)}, +${fmt(peak.heapUsed - baseline.heapUsed)}`);
    console.log(`arrayBuffers: baseline ${fmt(baseline.arrayBuffers)}, peak ${fmt(peak.arrayBuffers)}, +${fmt(peak.arrayBuffers - baseline.arrayBuffers)}`);
  } finally {
    await runtime.stop();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
