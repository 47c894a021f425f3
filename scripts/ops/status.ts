import type { SQSClient } from '@aws-sdk/client-sqs';
import { formatAge, type Io } from './io';
import { STATUS_SECTIONS, type StatusSection } from './status-sections';
import { describeDlq, peekDlq, queueDepth, release, type DlqMessage, type QueueDepth } from './queues';
import { followUp, QUEUE_KEYS, type QueueKey, type QueuePair, type Target } from './target';

export interface QueueStatus {
  readonly key: QueueKey;
  readonly queue: QueuePair;
  readonly depth: QueueDepth;
  readonly dlq: { readonly depth: QueueDepth; readonly messages: readonly DlqMessage[]; readonly oldestAgeSeconds: number | undefined };
}

/**
 * One queue and its DLQ: counts from queue attributes; DLQ messages received to read why they were
 * parked, then shown again at once (the DLQ has no consumer, so nothing else is disturbed).
 */
export const queueStatus = async (sqs: SQSClient, key: QueueKey, queue: QueuePair, now: Date = new Date()): Promise<QueueStatus> => {
  const [depth, dlqDepth] = await Promise.all([queueDepth(sqs, queue.url), queueDepth(sqs, queue.dlqUrl)]);
  const messages = dlqDepth.waiting > 0 ? await peekDlq(sqs, queue.dlqUrl, { max: 200, visibilityTimeoutSeconds: 30 }) : [];
  await release(sqs, queue.dlqUrl, messages);
  const times = messages.map((message) => (message.sentAt ?? message.failedAt ?? now).getTime());
  return {
    key,
    queue,
    depth,
    dlq: { depth: dlqDepth, messages, oldestAgeSeconds: times.length ? (now.getTime() - Math.min(...times)) / 1000 : undefined },
  };
};

/** What a message group is in each direction. */
const GROUP_LABEL: Readonly<Record<QueueKey, string>> = { opencx: 'conversation', creatio: 'case' };

export const formatStatus = (target: Pick<Target, 'tenant' | 'description' | 'dashboardUrl' | 'flags'>, statuses: readonly QueueStatus[], now: Date): string[] => {
  const lines = [`${target.tenant}: ${target.description}`];
  for (const status of statuses) {
    const { depth, dlq, queue } = status;
    lines.push('');
    lines.push(`${queue.name} (${queue.direction})`);
    lines.push(`  waiting ${depth.waiting}, in flight ${depth.inFlight}${depth.delayed ? `, delayed ${depth.delayed}` : ''}`);
    lines.push(
      depth.waiting + depth.inFlight === 0
        ? '  nothing queued: the bridge is keeping up'
        : target.dashboardUrl
          ? '  age of the oldest waiting message: dashboard widget "Work queues: age of oldest message" (reading it here would count as a delivery attempt)'
          : '  (local runtime: the npm start terminal logs what the consumers are doing; no dashboard locally)',
    );
    const parked = dlq.depth.waiting + dlq.depth.inFlight;
    if (parked === 0) {
      lines.push('  DLQ: empty');
      continue;
    }
    lines.push(`  DLQ: ${parked} parked${dlq.oldestAgeSeconds !== undefined ? `, oldest ${formatAge(dlq.oldestAgeSeconds)} old` : ''}`);
    lines.push(...describeDlq(dlq.messages, now, '    ', GROUP_LABEL[status.key]));
    lines.push(`  → fix the cause, then: ${followUp(target, 'redrive', `--queue ${status.key}`)}`);
  }
  if (target.dashboardUrl) lines.push('', `dashboard: ${target.dashboardUrl}`);
  return lines;
};

/**
 * `status`: queue depths, parked messages and why, for both directions, then the extra sections of
 * ./status-sections.ts (each in its own file). Exit code 0, or 2 when something is parked or a section
 * reports a problem.
 */
export const runStatus = async (target: Target, io: Io, now: () => Date = () => new Date(), sections: readonly StatusSection[] = STATUS_SECTIONS): Promise<number> => {
  const statuses = [];
  for (const key of QUEUE_KEYS) statuses.push(await queueStatus(target.sqs, key, target.queues[key], now()));
  const lines = formatStatus(target, statuses, now());
  // The dashboard link stays last.
  const dashboard = lines.at(-1)?.startsWith('dashboard: ') ? lines.splice(lines.length - 2, 2) : [];
  let problem = false;
  for (const section of sections) {
    const result = await section(target, now());
    // One blank line before each section, whether or not the section starts with one.
    const [first, ...rest] = result.lines;
    lines.push('', ...(first === '' ? rest : result.lines));
    problem ||= result.problem;
  }
  for (const line of [...lines, ...dashboard]) io.out(line);
  return problem || statuses.some((status) => status.dlq.depth.waiting + status.dlq.depth.inFlight > 0) ? 2 : 0;
};
