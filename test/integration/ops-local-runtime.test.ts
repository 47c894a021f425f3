/**
 * `npm run ops -- <command> --tenant example --local` against a local runtime started as `npm start`
 * starts it (bundled sandboxes, the .npm-start.json it writes): no other variable, and every follow-up
 * command the CLI prints keeps --local.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runtimeFileContents, runtimeFilePath, writeRuntimeFile } from '../../local/runtime-file';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { startOptions } from '../../local/start-settings';
import { runOps } from '../../scripts/ops/cli';
import { scriptedIo } from '../../scripts/ops/io';
import { resolveTarget } from '../../scripts/ops/target';
import { waitFor } from '../support/wait';

const ROOT = path.join(__dirname, '..', '..');
let runtime: LocalRuntime;
let root: string;

/** The CLI as `npm run ops` runs it, with the repository at `root` and an empty environment. */
const ops = async (...argv: string[]) => {
  const { io, lines } = scriptedIo();
  const code = await runOps(argv, { io, env: {}, resolveTarget: (options) => resolveTarget({ ...options, root }) });
  return { code, out: lines.out, err: lines.err };
};

beforeAll(async () => {
  const { ports: _fixed, ...options } = startOptions({ PORT: '0', OPENCX_SANDBOX_PORT: '0', CREATIO_SANDBOX_PORT: '0' }, ROOT);
  runtime = await startLocalRuntime({ ...options, logLevel: 'SILENT', visibilityTimeoutSeconds: 2 });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-local-'));
  fs.mkdirSync(path.join(root, 'tenants'));
  fs.copyFileSync(path.join(ROOT, 'tenants', 'example.json'), path.join(root, 'tenants', 'example.json'));
  writeRuntimeFile(runtimeFilePath(root), runtimeFileContents(runtime, path.join(root, 'tenants', 'example.json')));
});

afterAll(async () => {
  await runtime?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('ops --local against a running npm start', () => {
  it('check: every row passes against the bundled sandboxes, with no variable set', async () => {
    const result = await ops('check', '--tenant', 'example', '--local');

    expect(result.err).toEqual([]);
    expect(result.out.at(-1)).toBe('All checks passed.');
    expect(result.code).toBe(0);
  });

  it('status: lists a parked message by id, reason and age, and the redrive command keeps --local', async () => {
    const handoff = fs
      .readFileSync(path.join(ROOT, 'test', 'fixtures', 'examples', 'opencx-webhook-handoff.json'), 'utf8')
      .replaceAll('6f1d8a52-3b7e-4c1a-9d2e-0a4b5c6d7e8f', 'no-such-session');
    const accepted = await fetch(runtime.opencxWebhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: handoff });
    expect(accepted.status).toBe(202);

    const parked = await waitFor(async () => {
      const result = await ops('status', '--tenant', 'example', '--local');
      return result.code === 2 ? result : undefined;
    }, 'the handoff of an unknown session to be parked');

    const text = parked.out.join('\n');
    expect(text).toMatch(/- message [0-9a-f-]{36} · conversation no-such-session · failed \d+ s ago · \[not_found\] OpenCX session no-such-session was not found/);
    expect(text).toContain('→ fix the cause, then: npm run ops -- redrive --tenant example --local --queue opencx');
    expect(text).not.toMatch(/dashboard/);
  });

  it('redrive and replay work and print follow-ups that keep --local', async () => {
    const redrive = await ops('redrive', '--tenant', 'example', '--local', '--queue', 'opencx', '--yes');
    expect(redrive.out).toContain('opencx-events: moved 1 message(s) back');
    expect(redrive.out).toContain('Follow the sync with: npm run ops -- status --tenant example --local');

    const replay = await ops('replay', '--tenant', 'example', '--local', '--session', '6f1d8a52-3b7e-4c1a-9d2e-0a4b5c6d7e8f');
    expect(replay.code).toBe(0);
    expect(replay.out).toContain('Follow it with: npm run ops -- status --tenant example --local');
  });

  it('secrets: says at once that npm start takes credentials from its environment, without asking for any', async () => {
    const result = await ops('secrets', '--tenant', 'example', '--local');

    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toEqual([expect.stringMatching(/^secrets writes the credentials of a deployed stack\. npm start uses its bundled sandboxes/)]);
  });

  it('says in one sentence that npm start is not running when there is no .npm-start.json', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-none-'));
    fs.mkdirSync(path.join(empty, 'tenants'));
    fs.copyFileSync(path.join(ROOT, 'tenants', 'example.json'), path.join(empty, 'tenants', 'example.json'));
    const { io, lines } = scriptedIo();

    const code = await runOps(['status', '--tenant', 'example', '--local'], { io, env: {}, resolveTarget: (options) => resolveTarget({ ...options, root: empty }) });

    expect(code).toBe(1);
    expect(lines.err).toEqual([expect.stringMatching(/^--local: no npm start is running in .* Start it in another terminal \(npm start\)/)]);
    fs.rmSync(empty, { recursive: true, force: true });
  });
});
