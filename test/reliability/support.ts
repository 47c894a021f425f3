import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { LocalRuntime } from '../../local/runtime';

/** A small seeded PRNG (mulberry32): a failing run can be repeated with the seed it printed. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

/** The seed of this run: `RELIABILITY_SEED=<n>` repeats an earlier one. */
export const runSeed = (): number => Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Fisher–Yates, into a new array. */
export const shuffled = <T>(items: readonly T[], random: () => number): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

/** Runs `task` over `items` with at most `concurrency` in flight; results in input order. */
export const inPool = async <T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
};

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
}

/** POSTs raw bytes (or a string) and reads the whole answer. */
export const post = async (url: string, body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<HttpAnswer> => {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
};

/**
 * What is left in a queue, received without waiting (WaitTimeSeconds 0) and hidden for a minute: each
 * message as its event, conversation or case, receive count and (for a parked message) the reason.
 */
export const receiveAll = async (runtime: LocalRuntime, queueUrl: string): Promise<string[]> => {
  const found: string[] = [];
  for (let round = 0; round < 20; round += 1) {
    const answer = await runtime.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = answer.Messages ?? [];
    if (!messages.length) break;
    for (const message of messages) {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(message.Body ?? '') as Record<string, unknown>;
      } catch {
        // not JSON: shown as received
      }
      const what = body.event ?? body.eventType ?? '?';
      const about = body.conversationId ?? body.caseId ?? message.Body?.slice(0, 80);
      const reason = message.MessageAttributes?.reason?.StringValue;
      found.push(`${String(what)} ${String(about)} (received ${message.Attributes?.ApproximateReceiveCount}×${reason ? `; parked: ${reason}` : ''})`);
    }
  }
  return found;
};

/** Both queues and both DLQs, by name: what is still in each. */
export const leftInQueues = async (runtime: LocalRuntime): Promise<Record<string, string[]>> => {
  const { opencxEvents, creatioEvents } = runtime.aws;
  const [a, b, c, d] = await Promise.all([
    receiveAll(runtime, opencxEvents.url),
    receiveAll(runtime, opencxEvents.dlqUrl),
    receiveAll(runtime, creatioEvents.url),
    receiveAll(runtime, creatioEvents.dlqUrl),
  ]);
  return { 'opencx-events': a, 'opencx-events-dlq': b, 'creatio-events': c, 'creatio-events-dlq': d };
};

export const dlqs = async (runtime: LocalRuntime): Promise<Record<string, string[]>> => {
  const [a, b] = await Promise.all([receiveAll(runtime, runtime.aws.opencxEvents.dlqUrl), receiveAll(runtime, runtime.aws.creatioEvents.dlqUrl)]);
  return { 'opencx-events-dlq': a, 'creatio-events-dlq': b };
};

/** Prints one figure line for the report (jest shows console output of the file). */
export const figure = (file: string, text: string): void => {
  process.stdout.write(`[reliability] ${file}: ${text}\n`);
};

export { drained, inQueues } from '../support/pipeline';
