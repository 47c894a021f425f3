/**
 * The operator CLI's command line: help, usage errors and dispatch to a Target, with AWS mocked at the
 * SDK boundary (the commands themselves run against real local servers in test/integration/ops-cli).
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import * as path from 'node:path';
import { REPLAY_EVENT, opencxQueueMessageSchema } from '../../functions/shared/schemas/queue-messages';
import { loadTenantConfig } from '../../lib/tenant-config-loader';
import { runOps } from '../../scripts/ops/cli';
import { formatAge, redactor, scriptedIo, table } from '../../scripts/ops/io';
import { replayMessage, ReplayInputError } from '../../scripts/ops/replay';
import { memoryStore } from '../../scripts/ops/secret-store';
import { TargetError, type Target } from '../../scripts/ops/target';

const config = loadTenantConfig(path.join(__dirname, '..', '..', 'tenants', 'example.json'));
const sqsMock = mockClient(SQSClient);

const fakeTarget = (): Target => ({
  tenant: 'example',
  description: 'test target',
  config,
  sqs: new SQSClient({ region: 'us-east-1' }),
  queues: {
    opencx: { name: 'opencx-events', direction: 'OpenCX → Creatio', url: 'https://sqs.test/opencx-events.fifo', dlqUrl: 'https://sqs.test/opencx-events-dlq.fifo' },
    creatio: { name: 'creatio-events', direction: 'Creatio → OpenCX', url: 'https://sqs.test/creatio-events.fifo', dlqUrl: 'https://sqs.test/creatio-events-dlq.fifo' },
  },
  secrets: memoryStore(),
  endpoints: { creatioUrl: 'https://example.creatio.com', opencxApiUrl: 'https://api.open.cx' },
  close: () => undefined,
});

beforeEach(() => sqsMock.reset());

describe('ops command line', () => {
  it('prints the commands and target options for --help', async () => {
    const { io, lines } = scriptedIo();

    const code = await runOps(['--help'], { io });

    expect(code).toBe(0);
    const text = lines.out.join('\n');
    for (const command of ['check', 'secrets', 'redrive', 'replay', 'status']) expect(text).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(text).toContain('--local <sqs-url>');
  });

  it("prints a command's own usage for <command> --help without touching AWS", async () => {
    const { io, lines } = scriptedIo();
    const resolveTarget = jest.fn();

    const code = await runOps(['redrive', '--help'], { io, resolveTarget });

    expect(code).toBe(0);
    expect(lines.out[0]).toContain('redrive --tenant <name> [--queue opencx|creatio] [--yes]');
    expect(resolveTarget).not.toHaveBeenCalled();
  });

  it.each([
    [['frobnicate', '--tenant', 'x'], /Unknown command "frobnicate"/],
    [['status'], /status needs --tenant <name>/],
    [['status', '--tenant', 'x', '--bogus'], /Unknown option '--bogus'/],
    [['redrive', '--tenant', 'x', '--queue', 'both'], /--queue must be one of opencx, creatio/],
    [['replay', '--tenant', 'x'], /replay needs --session/],
    [['secrets', '--tenant', 'x', '--only', 'aws'], /--only must be one of creatio, opencx/],
  ])('refuses %j with a usage message and exit code 64', async (argv, message) => {
    const { io, lines } = scriptedIo();

    const code = await runOps(argv, { io, resolveTarget: async () => fakeTarget() });

    expect(code).toBe(64);
    expect(lines.err.join('\n')).toMatch(message);
  });

  it('reports a target problem in one sentence with exit code 1', async () => {
    const { io, lines } = scriptedIo();

    const code = await runOps(['status', '--tenant', 'acme'], {
      io,
      resolveTarget: async () => {
        throw new TargetError('Stack OpenCxCreatioSync-acme was not found in eu-west-1.');
      },
    });

    expect(code).toBe(1);
    expect(lines.err).toEqual(['Stack OpenCxCreatioSync-acme was not found in eu-west-1.']);
  });

  it('passes --tenant, --local, --region and --config to the target resolution', async () => {
    const resolveTarget = jest.fn(async () => fakeTarget());
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

    await runOps(['replay', '--tenant', 'example', '--local', 'http://127.0.0.1:9324', '--region', 'eu-west-1', '--config', 'x.json', '--session', 's-1'], {
      io: scriptedIo().io,
      resolveTarget,
    });

    expect(resolveTarget).toHaveBeenCalledWith({ tenant: 'example', local: 'http://127.0.0.1:9324', region: 'eu-west-1', configPath: 'x.json' });
  });

  it('replays a session as one REPLAY_EVENT on opencx-events with the session as group', async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    const { io, lines } = scriptedIo();

    const code = await runOps(['replay', '--tenant', 'example', '--session', 'sess-42'], { io, resolveTarget: async () => fakeTarget() });

    expect(code).toBe(0);
    const sent = sqsMock.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ QueueUrl: 'https://sqs.test/opencx-events.fifo', MessageGroupId: 'sess-42' });
    const body = opencxQueueMessageSchema.parse(JSON.parse(sent[0]!.MessageBody!));
    expect(body).toMatchObject({ event: REPLAY_EVENT, conversationId: 'sess-42' });
    expect(sent[0]!.MessageDeduplicationId).toBe(body.dedupId);
    expect(lines.out[0]).toContain('Queued a re-sync of session sess-42');
  });
});

describe('replay message', () => {
  it('gets a new dedup id each time so that SQS never swallows a replay', () => {
    const now = new Date('2026-03-02T09:00:00.000Z');

    const first = replayMessage('sess-1', now);
    const second = replayMessage('sess-1', now);

    expect(first.dedupId).not.toBe(second.dedupId);
    expect(first).toMatchObject({ source: 'opencx', event: REPLAY_EVENT, conversationId: 'sess-1', occurredAt: now.toISOString(), receivedAt: now.toISOString() });
  });

  it.each([[''], ['has space'], ['x'.repeat(129)]])('refuses the session id %j, which cannot be a message group', (session) => {
    expect(() => replayMessage(session, new Date())).toThrow(ReplayInputError);
  });
});

describe('terminal helpers', () => {
  it('redacts every occurrence of a secret, whatever printed it', () => {
    const redact = redactor(['s3cr3t-value', undefined, 'ab']);

    expect(redact('token s3cr3t-value and again s3cr3t-value; ab stays')).toBe('token *** and again ***; ab stays');
  });

  it('lines up a table and leaves the last column free', () => {
    expect(
      table(
        ['check', 'result', 'detail'],
        [
          ['a', 'ok', 'long detail'],
          ['longer', 'FAIL', 'x'],
        ],
      ),
    ).toEqual(['check  | result | detail', '-------|--------|-----------', 'a      | ok     | long detail', 'longer | FAIL   | x']);
  });

  it.each([
    [5, '5 s'],
    [600, '10 min'],
    [7500, '2 h 5 min'],
    [200_000, '2 d 7 h'],
  ])('writes an age of %i s as %s', (seconds, text) => {
    expect(formatAge(seconds)).toBe(text);
  });
});
