/**
 * The operator CLI against real local servers: local-aws-sqs (the queues and DLQs the local runtime
 * creates), the Creatio sandbox and the OpenCX sandbox. Commands run through the same Target the CLI
 * builds for `--local <sqs-endpoint>`.
 */
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parkInDlq } from '../../functions/shared/aws/fifo-consumer';
import { PermanentError } from '../../functions/shared/errors';
import { REPLAY_EVENT, opencxQueueMessageSchema } from '../../functions/shared/schemas/queue-messages';
import { loadTenantConfig } from '../../lib/tenant-config-loader';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalAwsServers, type LocalAwsServers } from '../../local/aws-servers';
import { startCreatioSandbox, type CreatioSandbox } from '../../local/creatio-sandbox';
import { startOpenCxSandbox, type OpenCxSandbox } from '../../local/opencx-sandbox';
import { runCheck } from '../../scripts/ops/check';
import { runOps } from '../../scripts/ops/cli';
import { scriptedIo } from '../../scripts/ops/io';
import { runRedrive } from '../../scripts/ops/redrive';
import { runReplay } from '../../scripts/ops/replay';
import { runStatus } from '../../scripts/ops/status';
import { targetFromLocal, type Target } from '../../scripts/ops/target';

const config = loadTenantConfig(path.join(__dirname, '..', '..', 'tenants', 'example.json'));
const SESSION = 'sess_01J9ZK2V8Q0X4M7Y3R5T6W8E1A';

let aws: LocalAwsServers;
let sqs: SQSClient;
let creatio: CreatioSandbox;
let opencx: OpenCxSandbox;
let target: Target;

const sandboxEnv = (overrides: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  CREATIO_URL: creatio.url,
  CREATIO_IDENTITY_URL: creatio.identityUrl,
  CREATIO_CLIENT_ID: creatio.clientId,
  CREATIO_CLIENT_SECRET: creatio.clientSecret,
  OPENCX_API_URL: opencx.url,
  OPENCX_API_KEY: opencx.apiKey,
  ...overrides,
});

beforeAll(async () => {
  [aws, creatio, opencx] = await Promise.all([
    startLocalAwsServers({ visibilityTimeoutSeconds: 30 }),
    startCreatioSandbox({ port: 0, clientId: 'ops-check-client', clientSecret: 'ops-check-secret-5f2a9c' }),
    startOpenCxSandbox({ port: 0, apiKey: 'ocx_ops_check_key_7d41' }),
  ]);
  // The records the example tenant points at, as a real instance would have them.
  creatio.store.insert('Contact', { Id: config.cases.defaultOwnerId, Name: 'Support Lead' });
  sqs = new SQSClient({ region: LOCAL_REGION, endpoint: aws.sqsEndpoint, credentials: LOCAL_CREDENTIALS });
  // Queue URLs looked up by name, as `--local <endpoint>` does from another shell.
  target = await targetFromLocal({ sqsEndpoint: aws.sqsEndpoint, config, env: sandboxEnv() });
});
afterAll(async () => {
  target?.close();
  sqs?.destroy();
  await Promise.all([aws?.stop(), creatio?.stop(), opencx?.stop()]);
});

/** A record as the consumer saw it, parked the way the consumer parks it (real attribute names). */
const park = async (dlqUrl: string, body: object, group: string, dedup: string, error: PermanentError) => {
  const record = {
    messageId: `m-${dedup}`,
    body: JSON.stringify(body),
    attributes: { MessageGroupId: group, MessageDeduplicationId: dedup, ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
  } as unknown as SQSRecord;
  await parkInDlq(sqs, dlqUrl, record, error);
};

/** Everything currently receivable, without long polls (local-aws-sqs duplicates those), deduplicated by MessageId. */
const drain = async (queueUrl: string): Promise<Message[]> => {
  const seen = new Map<string, Message>();
  for (let empty = 0; empty < 3; ) {
    const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30, AttributeNames: ['All'] }));
    const messages = answer.Messages ?? [];
    if (messages.length === 0) {
      empty += 1;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    for (const message of messages) if (message.MessageId && !seen.has(message.MessageId)) seen.set(message.MessageId, message);
  }
  for (const message of seen.values()) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
  return [...seen.values()];
};

const depth = async (queueUrl: string): Promise<number> => {
  const answer = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
};

const handoff = (dedupId: string) => ({
  source: 'opencx',
  dedupId,
  event: 'conversation.handoff_to_human',
  conversationId: SESSION,
  occurredAt: '2026-03-02T09:15:00.000Z',
  receivedAt: '2026-03-02T09:15:01.000Z',
});

describe('ops status, redrive and replay against local SQS', () => {
  afterEach(async () => {
    for (const queue of [aws.opencxEvents, aws.creatioEvents]) {
      await drain(queue.url);
      await drain(queue.dlqUrl);
    }
  });

  it('shows a parked message with its kind, reason and conversation, and leaves it in the DLQ', async () => {
    await park(
      aws.opencxEvents.dlqUrl,
      handoff('d-status'),
      SESSION,
      'd-status',
      new PermanentError('Creatio POST Case failed with HTTP 403: Insufficient permissions', { status: 403, kind: 'forbidden' }),
    );
    const { io, lines } = scriptedIo();

    const code = await runStatus(target, io);

    const output = lines.out.join('\n');
    expect(code).toBe(2);
    expect(output).toContain('opencx-events (OpenCX → Creatio)');
    expect(output).toMatch(/DLQ: 1 parked/);
    expect(output).toContain('1 × [forbidden] Creatio POST Case failed with HTTP 403: Insufficient permissions');
    expect(output).toContain(SESSION);
    expect(output).toContain('redrive --tenant example --queue opencx');
    expect(output).toMatch(/creatio-events \(Creatio → OpenCX\)[\s\S]*DLQ: empty/);
    expect(await depth(aws.opencxEvents.dlqUrl)).toBe(1);
  });

  it('moves a parked message back exactly once, with its group, and empties the DLQ', async () => {
    const body = handoff('d-redrive');
    await park(aws.opencxEvents.dlqUrl, body, SESSION, 'd-redrive', new PermanentError('Creatio answered 403', { status: 403, kind: 'forbidden' }));
    const { io, lines } = scriptedIo();

    const code = await runRedrive(target, io, { queue: 'opencx', yes: true });
    const again = await runRedrive(target, scriptedIo().io, { queue: 'opencx', yes: true });

    expect(code).toBe(0);
    expect(again).toBe(0);
    expect(lines.out.join('\n')).toContain('1 × [forbidden] Creatio answered 403');
    expect(lines.out.join('\n')).toContain('opencx-events: moved 1 message(s) back');
    expect(await depth(aws.opencxEvents.dlqUrl)).toBe(0);
    const delivered = await drain(aws.opencxEvents.url);
    expect(delivered).toHaveLength(1);
    expect(JSON.parse(delivered[0]!.Body!)).toEqual(body);
    expect(delivered[0]!.Attributes?.MessageGroupId).toBe(SESSION);
  });

  it("keeps the order of a conversation's messages when moving them back", async () => {
    for (const n of [1, 2, 3]) await park(aws.opencxEvents.dlqUrl, handoff(`d-order-${n}`), SESSION, `d-order-${n}`, new PermanentError(`failure ${n}`, { kind: 'data' }));

    await runRedrive(target, scriptedIo().io, { queue: 'opencx', yes: true });

    const delivered = await drain(aws.opencxEvents.url);
    expect(delivered.map((m) => (JSON.parse(m.Body!) as { dedupId: string }).dedupId)).toEqual(['d-order-1', 'd-order-2', 'd-order-3']);
  });

  it('leaves parked messages where they are when stdin is not a terminal and --yes is missing', async () => {
    await park(aws.creatioEvents.dlqUrl, { source: 'creatio' }, 'case-1', 'd-declined', new PermanentError('bad message', { kind: 'bad_message' }));
    const { io, lines } = scriptedIo();

    const code = await runRedrive(target, io, { queue: 'creatio', yes: false });

    expect(code).toBe(1);
    expect(lines.err.join('\n')).toContain('add --yes');
    expect(await depth(aws.creatioEvents.dlqUrl)).toBe(1);
    expect(await depth(aws.creatioEvents.url)).toBe(0);
  });

  it('enqueues a REPLAY_EVENT for the session, grouped by the session', async () => {
    const { io } = scriptedIo();

    const code = await runReplay(target, io, SESSION);

    expect(code).toBe(0);
    const delivered = await drain(aws.opencxEvents.url);
    expect(delivered).toHaveLength(1);
    const message = opencxQueueMessageSchema.parse(JSON.parse(delivered[0]!.Body!));
    expect(message).toMatchObject({ source: 'opencx', event: REPLAY_EVENT, conversationId: SESSION });
    expect(message.dedupId).toMatch(/^[0-9a-f]{64}$/);
    expect(delivered[0]!.Attributes?.MessageGroupId).toBe(SESSION);
  });
});

describe('ops command line against the local runtime', () => {
  it('runs status with --local <sqs endpoint>, finding the queues by name', async () => {
    const { io, lines } = scriptedIo();

    const code = await runOps(['status', '--tenant', 'example', '--local', aws.sqsEndpoint], { io, env: {} });

    expect(lines.err).toEqual([]);
    expect(code).toBe(0);
    expect(lines.out[0]).toBe(`example: local runtime (SQS at ${aws.sqsEndpoint})`);
    expect(lines.out.join('\n')).toMatch(/opencx-events[\s\S]*DLQ: empty[\s\S]*creatio-events[\s\S]*DLQ: empty/);
  });

  it('is what `npm run ops` starts: scripts/ops.ts answers --help with exit code 0', () => {
    const root = path.join(__dirname, '..', '..');

    const result = spawnSync(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'scripts', 'ops.ts'), 'status', '--help'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20_000,
    });

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: npm run ops -- status --tenant <name>');
  });
});

describe('ops check against the Creatio and OpenCX sandboxes', () => {
  const check = async (env: NodeJS.ProcessEnv) => {
    const local = await targetFromLocal({ sqsEndpoint: aws.sqsEndpoint, config, env, queues: aws });
    const { io, lines } = scriptedIo();
    try {
      const code = await runCheck(local, io, { timeoutMs: 3_000 });
      const rowOf = (name: string) => lines.out.find((line) => line.startsWith(`${name} `) && /^[^|]+\|/.test(line) && line.split('|')[0]!.trim() === name) ?? '';
      return { code, output: lines.out.join('\n'), rowOf };
    } finally {
      local.close();
    }
  };

  it('reports ok for good credentials and every configured GUID that exists', async () => {
    const { code, output, rowOf } = await check(sandboxEnv());

    expect(code).toBe(0);
    for (const row of [
      'Creatio credentials',
      'Creatio token',
      'New case status',
      'Default owner (Contact)',
      'Resolved status',
      'Case origins',
      'AI field lookups',
      'OpenCX API key',
      'OpenCX API',
    ]) {
      expect({ row, line: rowOf(row) }).toEqual({ row, line: expect.stringMatching(/\| ok +\|/) });
    }
    expect(output).not.toMatch(/\| FAIL/);
    expect(output).toContain('All checks passed.');
  });

  it('fails the token check with the invalid-credentials explanation for a wrong secret, without printing any secret', async () => {
    const wrongSecret = 'regenerated-secret-0b7e31';

    const { code, output, rowOf } = await check(sandboxEnv({ CREATIO_CLIENT_SECRET: wrongSecret }));

    expect(code).toBe(1);
    expect(rowOf('Creatio token')).toMatch(/\| FAIL +\|/);
    expect(rowOf('Creatio token')).toContain('invalid_client');
    expect(rowOf('Creatio token')).toMatch(/wrong, expired or was regenerated/);
    expect(rowOf('Default owner (Contact)')).toMatch(/\| skip +\| needs a Creatio token/);
    expect(output).not.toContain(wrongSecret);
    expect(output).not.toContain(creatio.clientSecret);
    expect(output).not.toContain(opencx.apiKey);
  });

  it('fails the OpenCX check with what to do for a revoked API key', async () => {
    const { code, rowOf, output } = await check(sandboxEnv({ OPENCX_API_KEY: 'ocx_revoked_key_1234' }));

    expect(code).toBe(1);
    expect(rowOf('OpenCX API')).toMatch(/\| FAIL +\|.*401.*create one in OpenCX/);
    expect(output).not.toContain('ocx_revoked_key_1234');
  });

  it('fails a GUID check for an owner that is not a Contact of the instance', async () => {
    const owner = '11111111-2222-4333-8444-555555555555';
    const local = await targetFromLocal({
      sqsEndpoint: aws.sqsEndpoint,
      config: { ...config, cases: { ...config.cases, defaultOwnerId: owner } },
      env: sandboxEnv(),
      queues: aws,
    });
    const { io, lines } = scriptedIo();

    const code = await runCheck(local, io, { timeoutMs: 3_000 });
    local.close();

    expect(code).toBe(1);
    expect(lines.out.find((line) => line.startsWith('Default owner (Contact)'))).toMatch(/FAIL.*no Contact with id 11111111.*Wrong GUID in cases\.defaultOwnerId/);
  });
});
