import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BASELINE } from './baseline';
import { measureBundles } from './bundles';
import { estimateCost } from './cost';
import { measureEndToEnd } from './end-to-end';
import { measureEveryConversation, measureRequestsPerHandoff, OPENCX_PAGE_SIZE, OPENCX_REQUESTS_PER_MINUTE, type Counts } from './requests-per-handoff';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const table = (headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string =>
  [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

const CREATIO_LATENCY_MS = 50;

/** Creatio as "round trips (+ $batch sub-requests)". */
const creatioCell = (c: Counts) =>
  `${c.creatio}${c.creatioSequential !== c.creatio ? ` [${c.creatioSequential} in sequence]` : ''}${c.creatioSubRequests ? ` (+${c.creatioSubRequests})` : ''}`;

/**
 * `npm run bench`: prints the figures. `--write` also writes them to bench/RESULTS.md (a plain run
 * never touches the tree); `--quick` runs fewer repetitions.
 */
const main = async () => {
  const quick = process.argv.includes('--quick');
  const write = process.argv.includes('--write');
  const runs = quick ? 1 : 3;
  const sections: string[] = [];
  const print = (section: string) => {
    process.stdout.write(`${section}\n\n`);
    sections.push(section);
  };

  const requests = await measureRequestsPerHandoff({ sizes: [1, 10, 50, 200], runs, creatioLatencyMs: CREATIO_LATENCY_MS });
  print(
    `## Requests and state per handoff (one sync through the real code, sandboxes and dynalite)\n\n${table(
      [
        'messages',
        'contact',
        'client',
        'Creatio round trips [in sequence, when some overlap] (+ $batch sub-requests)',
        'OpenCX',
        'DynamoDB reads',
        'DynamoDB writes',
        'naive Creatio',
        'naive OpenCX',
        'naive ÷ ours (Creatio)',
        `sync ms min / median (Creatio ${CREATIO_LATENCY_MS} ms)`,
      ],
      requests.map((r) => [
        r.messages,
        r.contact,
        r.client,
        creatioCell(r.ours),
        r.ours.opencx,
        r.ours.dynamoReads,
        r.ours.dynamoWrites,
        r.naive.creatio,
        r.naive.opencx,
        `${(r.naive.creatio / r.ours.creatio).toFixed(1)}×`,
        `${r.syncMs.min} / ${r.syncMs.median}`,
      ]),
    )}\n\nKnown contact: the contact exists with an open case (the default append path). Cold: new clients (token and lookups included); warm: clients that synced a new and a returning contact before. OpenCX history pages hold ${OPENCX_PAGE_SIZE} items. Counts are exact (the same in every run); times are min / median of ${runs} run(s). The naive baseline (bench/requests-per-handoff.ts) fetches one token and reuses it, then makes one request per record (session, each history page, contact search, contact or open-case lookup, case, one POST per message), against the same sandboxes.`,
  );

  const every = await measureEveryConversation({ coalesced: true });
  print(
    `## "Every conversation" mode: OpenCX requests per synced message\n\n${table(
      ['pattern', 'messages', 'OpenCX requests', 'per message', `ceiling at ${OPENCX_REQUESTS_PER_MINUTE} req/min (messages/min)`],
      every.map((r) => [r.pattern, r.messages, r.opencx, r.perMessage, r.ceilingPerMinute]),
    )}`,
  );

  const e2e = await measureEndToEnd({ handoffs: quick ? 10 : 40, messages: 10, concurrency: 4 });
  print(
    `## End-to-end latency (handoff webhook accepted → last activity in Creatio) and throughput\n\n${table(
      ['Creatio latency', 'handoffs', 'messages each', 'p50 ms', 'p95 ms', 'p99 ms', 'handoffs/s', 'consumer invocations'],
      e2e.map((r) => [`${r.creatioLatencyMs} ms`, r.handoffs, r.messagesPerHandoff, r.p50, r.p95, r.p99, r.throughputPerSecond, r.consumerInvocations]),
    )}\n\nLocal pipeline on this machine: real HTTP, local-aws-sqs (polled every 50 ms), dynalite, the sandboxes; 4 handoffs in flight.`,
  );

  const initRuns = quick ? 5 : 15;
  const bundles = await measureBundles({ runs: initRuns });
  print(
    `## Lambda bundles (as \`cdk synth\` builds them) and module init as deployed\n\n${table(
      ['function', 'bundle KB', 'map KB', 'init ms min / median as deployed', 'init ms min / median with --enable-source-maps', 'largest parts (KB, esbuild metafile)'],
      bundles.rows.map((b) => [b.fn, b.kb, b.mapKb, `${b.init.min} / ${b.init.median}`, `${b.initWithMaps.min} / ${b.initWithMaps.median}`, b.largest]),
    )}\n\nEach sample is a fresh node process importing the built index.mjs with the function's NODE_OPTIONS (${initRuns} samples, ${process.version} here; Lambda runs Node 24). The external \`.map\` ships in every asset; it is loaded at init only for functions with \`runtimeSourceMaps\` (none by default: the bridge logs no stacks).\n\nAWS SDK bundled or the runtime's: ${bundles.sdk.fn} with the SDK bundled is ${bundles.sdk.bundled.kb} KB and starts in ${bundles.sdk.bundled.init.min} / ${bundles.sdk.bundled.init.median} ms; with \`@aws-sdk/*\` and \`@smithy/*\` left to the runtime (loaded unbundled from node_modules, as the runtime's copy is) it is ${bundles.sdk.runtimeSdk.kb} KB and starts in ${bundles.sdk.runtimeSdk.init.min} / ${bundles.sdk.runtimeSdk.init.median} ms. The webhooks use no SDK at all (two signed fetch calls).`,
  );

  const handoff = requests.find((r) => r.messages === 10 && r.contact === 'known' && r.client === 'warm') ?? requests[0]!;
  const cost = estimateCost({
    dynamoWritesPerHandoff: handoff.ours.dynamoWrites,
    dynamoReadsPerHandoff: handoff.ours.dynamoReads,
    messagesPerConversation: 10,
    handoffSyncMs: handoff.syncMs.median,
    creatioLatencyMs: CREATIO_LATENCY_MS,
  });
  print(
    `## Cost estimate per 10 000 handoffs\n\n${table(
      ['item', 'quantity', 'USD'],
      cost.lines.map((l) => [l.item, l.quantity, l.usd.toFixed(4)]),
    )}\n\n**Total: $${cost.perTenThousandHandoffs.toFixed(2)} per 10 000 handoffs.** Assumptions:\n${cost.assumptions.map((a) => `- ${a}`).join('\n')}`,
  );

  // Issue 13's table: the baseline (bench/baseline.ts), the figures of this run, the goals.
  const at = (messages: number, contact: 'new' | 'known', client: 'cold' | 'warm') => requests.find((r) => r.messages === messages && r.contact === contact && r.client === client);
  const live = every.find((r) => r.pattern.startsWith('one event per message'));
  const coalesced = every.find((r) => r.pattern.startsWith('a message every 5 s'));
  const burst = every.find((r) => r.messages === 10);
  const bundle = (fn: string) => bundles.rows.find((b) => b.fn === fn);
  const init = (fn: string) => {
    const b = bundle(fn);
    return b ? `${b.init.min} / ${b.init.median} (${b.initWithMaps.min} / ${b.initWithMaps.median} with maps)` : '–';
  };
  const was = (fn: string) => `${BASELINE.initMs[fn]?.min} / ${BASELINE.initMs[fn]?.median}`;
  const creatio = (m: number, c: 'new' | 'known') => `${at(m, c, 'cold')?.ours.creatio} / ${at(m, c, 'warm')?.ours.creatio}`;
  const b10 = BASELINE.creatio10;
  const b200 = BASELINE.creatio200;
  print(
    `## Issue 13: before (${BASELINE.commit}) and now\n\n${table(
      ['figure', `before (${BASELINE.commit})`, 'now', 'goal', 'naive, same run'],
      [
        [
          'OpenCX requests per message, every-conversation mode: a message every 5 s through the consumer / each event its own sync / burst of 10 in one batch',
          `${BASELINE.everyConversation.livePerMessage} / ${BASELINE.everyConversation.livePerMessage} / ${BASELINE.everyConversation.burstOfTen / 10}`,
          `${coalesced?.perMessage} / ${live?.perMessage} / ${burst?.perMessage}`,
          '≤ 0.3',
          '2 / 2 / 2',
        ],
        ['messages/min within OpenCX’s 100 req/min, a message every 5 s', `${100 / BASELINE.everyConversation.livePerMessage}`, `${coalesced?.ceilingPerMinute}`, '≥ 330', '50'],
        [
          'OpenCX requests per 200-message handoff (pages of 20)',
          BASELINE.opencxPerHandoff200,
          at(200, 'new', 'warm')?.ours.opencx ?? '–',
          '≤ 2 + pages',
          at(200, 'new', 'warm')?.naive.opencx ?? '–',
        ],
        [
          'Creatio round trips, 10 messages, new contact, cold / warm',
          `${b10.newCold} / ${b10.newWarm}`,
          creatio(10, 'new'),
          '≤ 2 cold',
          at(10, 'new', 'warm')?.naive.creatio ?? '–',
        ],
        [
          'Creatio round trips, 10 messages, known contact (open case), cold / warm',
          `${b10.knownCold} / ${b10.knownWarm}`,
          creatio(10, 'known'),
          '≤ 2 cold, ≤ 1 warm',
          at(10, 'known', 'warm')?.naive.creatio ?? '–',
        ],
        [
          'Creatio round trips, 200 messages, known contact, cold / warm',
          `${b200.knownCold} / ${b200.knownWarm}`,
          creatio(200, 'known'),
          '≤ 2 warm',
          at(200, 'known', 'warm')?.naive.creatio ?? '–',
        ],
        [
          'DynamoDB writes per handoff, 10 / 200 messages (new contact)',
          `${BASELINE.dynamoWrites.m10} / ${BASELINE.dynamoWrites.m200}`,
          `${at(10, 'new', 'warm')?.ours.dynamoWrites} / ${at(200, 'new', 'warm')?.ours.dynamoWrites}`,
          '≤ 4, flat in N',
          '–',
        ],
        ['DynamoDB reads per handoff', BASELINE.dynamoReads, at(10, 'new', 'warm')?.ours.dynamoReads ?? '–', '≤ 3', '–'],
        [
          'webhook bundles KB (opencx / creatio)',
          `${BASELINE.bundleKb['opencx-webhook']} / ${BASELINE.bundleKb['creatio-webhook']}`,
          `${bundle('opencx-webhook')?.kb} / ${bundle('creatio-webhook')?.kb}`,
          '≤ 150',
          '–',
        ],
        [
          'consumer bundles KB (sync-to-creatio / sync-to-opencx)',
          `${BASELINE.bundleKb['sync-to-creatio']} / ${BASELINE.bundleKb['sync-to-opencx']}`,
          `${bundle('sync-to-creatio')?.kb} / ${bundle('sync-to-opencx')?.kb}`,
          '≤ 400',
          '–',
        ],
        ['opencx-webhook init ms min / median, as deployed', was('opencx-webhook'), init('opencx-webhook'), '≤ 60', '–'],
        ['creatio-webhook init ms min / median, as deployed', was('creatio-webhook'), init('creatio-webhook'), '≤ 60', '–'],
        ['sync-to-creatio init ms min / median, as deployed', was('sync-to-creatio'), init('sync-to-creatio'), '≤ 100', '–'],
        ['sync-to-opencx init ms min / median, as deployed', was('sync-to-opencx'), init('sync-to-opencx'), '≤ 100', '–'],
      ],
    )}\n\nBefore, "as deployed" loaded source maps at init on every function; now none does (the bracket shows the same bundle with \`--enable-source-maps\`). Init times depend on the machine's load: compare min with min. What is still open and why: docs/performance.md.`,
  );

  print((await import('./render-text')).renderTextSection());

  if (write) {
    const header = `# Benchmark results\n\nWritten by \`npm run bench -- --write\` on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Node ${process.version}${quick ? ' (quick run)' : ''}.\n`;
    fs.writeFileSync(path.join(__dirname, 'RESULTS.md'), `${header}\n${sections.join('\n\n')}\n`);
    process.stdout.write('wrote bench/RESULTS.md\n');
  }
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
