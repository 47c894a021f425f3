import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { measureBundles } from './bundles';
import { estimateCost } from './cost';
import { measureEndToEnd } from './end-to-end';
import { measureRequestsPerHandoff } from './requests-per-handoff';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const table = (headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string =>
  [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

/** `npm run bench`: prints the figures and writes them to bench/RESULTS.md. Not part of `npm test`. */
const main = async () => {
  const quick = process.argv.includes('--quick');
  const sections: string[] = [];
  const print = (section: string) => {
    process.stdout.write(`${section}\n\n`);
    sections.push(section);
  };

  const requests = await measureRequestsPerHandoff();
  print(
    `## Requests per handoff (one sync, cold clients: token and lookups included)\n\n${table(
      ['messages', 'contact', 'Creatio', 'OpenCX', 'DynamoDB writes', 'naive Creatio', 'naive ÷ ours'],
      requests.map((r) => [r.messages, r.contact, r.creatio, r.opencx, r.dynamoWrites, r.naiveCreatio, `${(r.naiveCreatio / r.creatio).toFixed(1)}×`]),
    )}\n\nThe naive baseline is implemented in bench/requests-per-handoff.ts (one request per record, a token per request) and run against the same sandbox.`,
  );

  const e2e = await measureEndToEnd({ handoffs: quick ? 10 : 40, messages: 10, concurrency: 4 });
  print(
    `## End-to-end latency (handoff webhook accepted → last activity in Creatio) and throughput\n\n${table(
      ['Creatio latency', 'handoffs', 'messages each', 'p50 ms', 'p95 ms', 'p99 ms', 'handoffs/s', 'consumer invocations'],
      e2e.map((r) => [`${r.creatioLatencyMs} ms`, r.handoffs, r.messagesPerHandoff, r.p50, r.p95, r.p99, r.throughputPerSecond, r.consumerInvocations]),
    )}\n\nLocal pipeline on this machine: real HTTP, local-aws-sqs (polled every 50 ms), dynalite, the sandboxes; 4 handoffs in flight.`,
  );

  const bundles = measureBundles();
  print(
    `## Lambda bundles (esbuild output as cdk synth builds it) and module init time\n\n${table(
      ['function', 'bundle KB', 'init ms (median of 20 cold node processes)'],
      bundles.map((b) => [b.fn, Math.round(b.bytes / 1024), b.initMsMedian]),
    )}`,
  );

  const ten = requests.find((r) => r.messages === 10 && r.contact === 'new');
  const cost = estimateCost({ dynamoWritesPerHandoff: ten?.dynamoWrites ?? 5, messagesPerConversation: 10, handoffSyncMs: e2e[0]?.p50 ?? 200 });
  print(
    `## Cost estimate per 10 000 handoffs\n\n${table(
      ['item', 'quantity', 'USD'],
      cost.lines.map((l) => [l.item, l.quantity, l.usd.toFixed(4)]),
    )}\n\n**Total: $${cost.perTenThousandHandoffs.toFixed(2)} per 10 000 handoffs.** Assumptions:\n${cost.assumptions.map((a) => `- ${a}`).join('\n')}`,
  );

  print((await import('./render-text')).renderTextSection());

  const header = `# Benchmark results\n\nWritten by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Node ${process.version}${quick ? ' (quick run)' : ''}.\n`;
  fs.writeFileSync(path.join(__dirname, 'RESULTS.md'), `${header}\n${sections.join('\n\n')}\n`);
  process.stdout.write('wrote bench/RESULTS.md\n');
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
