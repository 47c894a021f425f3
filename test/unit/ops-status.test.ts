/** `status`: each parked message with its id, reason and age; follow-ups keep the flags; no dashboard locally. */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import * as path from 'node:path';
import { loadTenantConfig } from '../../lib/tenant-config-loader';
import { scriptedIo } from '../../scripts/ops/io';
import type { QueueStatus } from '../../scripts/ops/status';
import { formatStatus, runStatus } from '../../scripts/ops/status';
import { memoryStore } from '../../scripts/ops/secret-store';
import type { Target } from '../../scripts/ops/target';
import type { DlqMessage } from '../../scripts/ops/queues';

const now = new Date('2026-12-02T12:00:00Z');
const parked = (messageId: string, minutesAgo: number, reason?: string): DlqMessage => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: '{}',
  groupId: `session-${messageId}`,
  sentAt: new Date(now.getTime() - minutesAgo * 60_000),
  reason,
  errorKind: reason ? 'forbidden' : undefined,
  downstreamStatus: reason ? '403' : undefined,
  failedAt: reason ? new Date(now.getTime() - minutesAgo * 60_000) : undefined,
  otherAttributes: {},
});

const status = (messages: DlqMessage[], waiting = 0): QueueStatus => ({
  key: 'opencx',
  queue: { name: 'opencx-events', direction: 'OpenCX → Creatio', url: 'q', dlqUrl: 'dlq' },
  depth: { waiting, inFlight: 0, delayed: 0 },
  dlq: { depth: { waiting: messages.length, inFlight: 0, delayed: 0 }, messages, oldestAgeSeconds: 600 },
});

describe('ops status output', () => {
  it('lists every parked message with its id, conversation, age and reason, oldest first', () => {
    const lines = formatStatus(
      { tenant: 'acme', description: 'stack OpenCxCreatioSync-acme', flags: '--tenant acme --region eu-west-1' },
      [status([parked('m-2', 3, 'Creatio answered 403 to POST Case'), parked('m-1', 10)])],
      now,
    );

    expect(lines).toContain(
      '    - message m-1 · conversation session-m-1 · failed 10 min ago · [retries_exhausted] no reason recorded: search the consumer logs for this message id',
    );
    expect(lines).toContain('    - message m-2 · conversation session-m-2 · failed 3 min ago · [forbidden] Creatio answered 403 to POST Case (HTTP 403)');
    expect(lines.indexOf(lines.find((line) => line.includes('m-1')) ?? '')).toBeLessThan(lines.indexOf(lines.find((line) => line.includes('- message m-2')) ?? ''));
    expect(lines).toContain('  → fix the cause, then: npm run ops -- redrive --tenant acme --region eu-west-1 --queue opencx');
  });

  it('does not point at a dashboard for the local runtime', () => {
    const lines = formatStatus({ tenant: 'example', description: 'local runtime', flags: '--tenant example --local' }, [status([], 3)], now);

    expect(lines.join('\n')).not.toMatch(/dashboard widget/);
    expect(lines.join('\n')).toMatch(/npm start terminal/);
  });
});

describe('ops status sections', () => {
  it('prints extra sections (e.g. quarantined conversations) after the queues, before the dashboard link, and exits 2 when one has a problem', async () => {
    const sqsMock = mockClient(SQSClient);
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' } });
    const target: Target = {
      tenant: 'acme',
      description: 'stack OpenCxCreatioSync-acme',
      config: loadTenantConfig(path.join(__dirname, '..', '..', 'tenants', 'example.json')),
      sqs: new SQSClient({ region: 'eu-west-1' }),
      queues: {
        opencx: { name: 'opencx-events', direction: 'OpenCX → Creatio', url: 'q1', dlqUrl: 'd1' },
        creatio: { name: 'creatio-events', direction: 'Creatio → OpenCX', url: 'q2', dlqUrl: 'd2' },
      },
      secrets: memoryStore(),
      endpoints: { creatioUrl: 'https://acme.creatio.com', opencxApiUrl: 'https://api.open.cx' },
      dashboardUrl: 'https://console.aws.amazon.com/cloudwatch/dashboards/acme',
      stateTable: { tableName: 'acme-state' },
      close: () => undefined,
    };
    const { io, lines } = scriptedIo();

    const code = await runStatus(target, io, () => now, [async (t) => ({ lines: ['quarantined conversations', `  1 in ${t.stateTable?.tableName}`], problem: true })]);

    expect(code).toBe(2);
    expect(lines.out.slice(-5)).toEqual(['', 'quarantined conversations', '  1 in acme-state', '', 'dashboard: https://console.aws.amazon.com/cloudwatch/dashboards/acme']);
    sqsMock.restore();
  });
});
