/**
 * The README's "Try it with curl" blocks, run verbatim (only the three ports are moved to free ones) with
 * bash against the local runtime as `npm start` configures it, and checked against the `# →` lines the
 * README shows under each command. If the product or the README changes alone, this fails.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { readyLines, startOptions } from '../../local/start-settings';

const ROOT = path.join(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The ```bash blocks of one README section (up to the next `## ` heading). */
const bashBlocks = (markdown: string, heading: string): string[] => {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const end = markdown.indexOf('\n## ', start + heading.length + 2);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
};

/** `# → text` lines, in order; `…` in them stands for anything. */
const expectations = (block: string): RegExp[] =>
  block
    .split('\n')
    .filter((line) => line.startsWith('# → '))
    .map(
      (line) =>
        new RegExp(
          line
            .slice('# → '.length)
            .split('…')
            .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('[\\s\\S]*?'),
        ),
    );

const bash = (script: string): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: ROOT, timeout: 60_000, env: { ...process.env, WAIT_FOR_TIMEOUT_MS: '20000' } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

/** Checks that every expected output appears, in order. */
const expectOutputs = (stdout: string, expected: readonly RegExp[]): void => {
  let rest = stdout;
  for (const pattern of expected) {
    const match = pattern.exec(rest);
    if (!match) throw new Error(`expected output ${pattern} not found in what was left of the output:\n${rest}\n(whole output:\n${stdout})`);
    rest = rest.slice(match.index + match[0].length);
  }
};

let runtime: LocalRuntime;
let ports: (block: string) => string;

beforeAll(async () => {
  const { ports: _fixed, ...options } = startOptions({ PORT: '0', OPENCX_SANDBOX_PORT: '0', CREATIO_SANDBOX_PORT: '0' }, ROOT);
  runtime = await startLocalRuntime({ ...options, logLevel: 'SILENT' });
  const port = (url: string) => new URL(url).port;
  const moved = {
    '3000': port(runtime.url),
    '4010': port(runtime.opencx?.url ?? ''),
    '4020': port(runtime.creatio?.url ?? ''),
  } as const;
  ports = (block) => block.replace(/localhost:(3000|4010|4020)\b/g, (_all, fixed: keyof typeof moved) => `localhost:${moved[fixed]}`);
});

afterAll(async () => {
  await runtime?.stop();
});

const blocks = bashBlocks(README, '## Try it with curl');

describe('the README, "Try it with curl"', () => {
  it('has the first command, the webhook answers and the round trip, each with the outputs it shows', () => {
    expect(blocks).toHaveLength(3);
    for (const block of blocks) expect(expectations(block).length).toBeGreaterThanOrEqual(2);
  });

  it('starts with exactly the first command npm start prints', () => {
    const printed = readyLines(runtime, ROOT)
      .find((line) => line.trim().startsWith('curl '))
      ?.trim()
      .replace('http://127.0.0.1:', 'localhost:');
    const readme = ports(blocks[0]?.split('\n')[0] ?? '');

    expect(printed).toBe(readme);
  });

  it('the first command creates the example case, as shown', async () => {
    const block = blocks[0] ?? '';
    const result = await bash(ports(block));

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expectOutputs(result.stdout, expectations(block));
  });

  it('the webhook answers are as shown', async () => {
    const block = blocks[1] ?? '';
    const result = await bash(ports(block));

    expect(result.code).toBe(0);
    expectOutputs(result.stdout, expectations(block));
  });

  it('the round trip, pasted whole and twice, prints what it shows; each reply reaches OpenCX once, the second conversation gets a new case linked to the closed one, nothing is parked', async () => {
    const block = blocks[2] ?? '';
    for (const run of [1, 2]) {
      const result = await bash(ports(block));
      if (result.code !== 0) throw new Error(`run ${run} exited with ${result.code}:\n${result.stderr}\n${result.stdout}`);
      expectOutputs(result.stdout, expectations(block));
    }

    const replies = runtime.opencx?.sentMessages.filter((message) => JSON.stringify(message.body).includes('I have refunded the second charge')) ?? [];
    expect(replies).toHaveLength(2);
    expect(new Set(replies.map((reply) => reply.sessionId)).size).toBe(2);
    const cases = runtime.creatio?.store.list('Case').filter((record) => record.Subject === 'Refund for order 48213') ?? [];
    expect(cases).toHaveLength(2);
    const [first, second] = [...cases].sort((a, b) => String(a.Number).localeCompare(String(b.Number)));
    expect(second?.ParentCaseId).toBe(first?.Id);
    const depth = async (url: string) => {
      const answer = await runtime.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    };
    expect(await depth(runtime.aws.opencxEvents.dlqUrl)).toBe(0);
    expect(await depth(runtime.aws.creatioEvents.dlqUrl)).toBe(0);
  });
});
