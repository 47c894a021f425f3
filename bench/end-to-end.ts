import { OPENCX_PAGE_SIZE } from './requests-per-handoff';
import { deterministicId } from '../functions/shared/ids';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime';

export interface LatencyRow {
  readonly creatioLatencyMs: number;
  readonly handoffs: number;
  readonly messagesPerHandoff: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly throughputPerSecond: number;
  readonly consumerInvocations: number;
  readonly webhooks: number;
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/**
 * Webhook accepted → last activity written in Creatio, through the whole local pipeline (HTTP → SQS →
 * consumer → Creatio sandbox), for `handoffs` conversations handed off `concurrency` at a time.
 */
const run = async (runtime: LocalRuntime, creatioLatencyMs: number, handoffs: number, messages: number, concurrency: number): Promise<LatencyRow> => {
  const creatio = runtime.creatio!;
  const opencx = runtime.opencx!;
  creatio.setLatency(creatioLatencyMs);
  const sessions: string[] = [];
  for (let i = 0; i < handoffs; i += 1) {
    const { session } = await opencx.createSession({ channel: 'email', contact: { name: `Bench ${i}`, email: `bench-${creatioLatencyMs}-${i}@example.org` } });
    for (let m = 0; m < messages; m += 1) {
      await opencx.addMessage(session.id, { author: m % 2 ? 'ai' : 'customer', text: `message ${m}`, created_at: new Date(Date.UTC(2026, 10, 20, 12, 0, m)).toISOString() });
    }
    sessions.push(session.id);
  }
  await opencx.whenIdle();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const invocationsBefore = runtime.pollers.reduce((sum, p) => sum + p.stats.invocations, 0);
  const webhooksBefore = opencx.webhookDeliveries.length;
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < sessions.length) {
      const sessionId = sessions[next++]!;
      // Ids are deterministic: the last message's activity is looked up directly, and the batch writes in order.
      const history = opencx.sessions.get(sessionId)?.history ?? [];
      const lastMessageId = String(history[history.length - 1]?.id);
      const lastActivityId = deterministicId(runtime.config.tenant, 'activity', sessionId, lastMessageId);
      const t0 = performance.now();
      await opencx.handOff(sessionId, { summary: 'bench' });
      while (!creatio.store.get('Activity', lastActivityId)) await new Promise((resolve) => setTimeout(resolve, 5));
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    creatioLatencyMs,
    handoffs,
    messagesPerHandoff: messages,
    p50: Math.round(percentile(latencies, 50)),
    p95: Math.round(percentile(latencies, 95)),
    p99: Math.round(percentile(latencies, 99)),
    throughputPerSecond: Math.round((handoffs / elapsed) * 10) / 10,
    consumerInvocations: runtime.pollers.reduce((sum, p) => sum + p.stats.invocations, 0) - invocationsBefore,
    webhooks: opencx.webhookDeliveries.length - webhooksBefore,
  };
};

export const measureEndToEnd = async (options: { handoffs: number; messages: number; concurrency: number }): Promise<LatencyRow[]> => {
  const runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', opencxSandbox: { historyPageSize: OPENCX_PAGE_SIZE } });
  try {
    const rows: LatencyRow[] = [];
    for (const latency of [0, 50]) rows.push(await run(runtime, latency, options.handoffs, options.messages, options.concurrency));
    return rows;
  } finally {
    await runtime.stop();
  }
};
