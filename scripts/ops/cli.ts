import { parseArgs, type ParseArgsConfig } from 'node:util';
import { runCheck } from './check';
import type { Io } from './io';
import { runRedrive } from './redrive';
import { ReplayInputError, runReplay } from './replay';
import { setSecrets } from './secrets';
import { SecretProblem, type SecretKind } from './secret-store';
import { runStatus } from './status';
import { runSessionStatus } from './session-status';
import { LOCAL_AUTO, QUEUE_KEYS, TargetError, resolveTarget, targetFlags, type QueueKey, type ResolveTargetOptions, type Target } from './target';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly details: readonly string[];
  readonly options: Options;
  run(target: Target, values: Values, io: Io): Promise<number>;
}

const TARGET_OPTIONS: Options = {
  tenant: { type: 'string' },
  local: { type: 'string' },
  region: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const TARGET_HELP = [
  'Target (all commands):',
  '  --tenant <name>        required; the deployed stack OpenCxCreatioSync-<name> and tenants/<name>.json',
  '  --region <region>      AWS region of the stack (default: tenants/<name>.json aws.region, then your AWS config)',
  '  --local                work on the running `npm start` instead (found through .npm-start.json, which it writes): its',
  '                         queues, and its bundled Creatio / OpenCX sandboxes. No other variable needed.',
  '  --local <sqs-url>      the same, naming its "SQS API" address (or set LOCAL_SQS_ENDPOINT); a runtime started with real',
  '                         endpoints takes credentials from CREATIO_CLIENT_ID, CREATIO_CLIENT_SECRET, OPENCX_API_KEY, as npm start.',
  '  --config <file>        a tenant JSON other than tenants/<name>.json (local default: TENANT_CONFIG or tenants/example.json)',
];

const oneOf = <T extends string>(value: unknown, allowed: readonly T[], flag: string): T | undefined => {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`);
};

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const COMMANDS: Readonly<Record<string, Command>> = {
  check: {
    summary: 'verify credentials and every GUID of the tenant config against Creatio and OpenCX',
    usage: 'check --tenant <name>',
    details: [
      'Reads the stored credentials, gets a Creatio token (client credentials grant), reads the configured new / resolved',
      'status, priority, default owner (Contact), group (role), case origins, AI field lookup GUIDs and agent-reply activity',
      'types, and makes one authenticated OpenCX call. Prints `check | result | detail → fix`. Exit code 1 when a check fails.',
    ],
    options: {},
    run: (target, _values, io) => runCheck(target, io),
  },
  secrets: {
    summary: 'store the Creatio client credentials and the OpenCX API key (typed without echo, or piped)',
    usage: 'secrets --tenant <name> [--only creatio|opencx]',
    details: [
      'At a terminal: asks for the Creatio client id, client secret and OpenCX API key without showing them; an empty answer',
      'keeps the stored value. Piped: one value per line in that order, e.g.',
      '  printf \'%s\\n\' "$CLIENT_ID" "$CLIENT_SECRET" "$OPENCX_KEY" | npm run ops -- secrets --tenant acme',
      'Writes {"clientId","clientSecret"} and {"apiKey"} to the stack\'s secrets. Values are never printed.',
    ],
    options: { only: { type: 'string' } },
    run: (target, values, io) => {
      const only = oneOf<SecretKind>(values.only, ['creatio', 'opencx'], '--only');
      if (target.local) {
        io.err(
          'secrets writes the credentials of a deployed stack. npm start uses its bundled sandboxes, or takes real credentials from its own environment (CREATIO_CLIENT_ID, CREATIO_CLIENT_SECRET, OPENCX_API_KEY): set them there and restart it.',
        );
        return Promise.resolve(1);
      }
      return setSecrets({ store: target.secrets, io, tenant: target.tenant, ...(target.flags ? { flags: target.flags } : {}), ...(only ? { kinds: [only] } : {}) });
    },
  },
  redrive: {
    summary: 'move dead-lettered messages back to their work queue (shows count and reasons first)',
    usage: 'redrive --tenant <name> [--queue opencx|creatio] [--yes]',
    details: [
      'For each DLQ (or the one named): shows how many messages and why they were parked, asks (or --yes), then sends each',
      'back with its original group (conversation / case) and a fresh dedup id, deleting it from the DLQ only after the send',
      'succeeded. Fix the cause first (`check`, `status`), or the messages come back. Exit code 1 when something was left.',
    ],
    options: { queue: { type: 'string' }, yes: { type: 'boolean', short: 'y' } },
    run: (target, values, io) => {
      const queue = oneOf<QueueKey>(values.queue, QUEUE_KEYS, '--queue');
      return runRedrive(target, io, { yes: values.yes === true, ...(queue ? { queue } : {}) });
    },
  },
  replay: {
    summary: 're-sync one OpenCX conversation to Creatio now',
    usage: 'replay --tenant <name> --session <opencx-session-id>',
    details: [
      'Queues a bridge.replay event for the session on opencx-events (group = the session, after anything already queued for',
      'it). The consumer re-reads the session and history from OpenCX and writes only what Creatio is missing: safe to repeat.',
    ],
    options: { session: { type: 'string' } },
    run: (target, values, io) => {
      if (typeof values.session !== 'string' || values.session.trim() === '') throw new UsageError('replay needs --session <opencx-session-id>');
      return runReplay(target, io, values.session);
    },
  },
  status: {
    summary: 'queue depths, dead-lettered messages with their reasons, in both directions',
    usage: 'status --tenant <name> [--session <opencx-session-id>]',
    details: [
      'Per direction: messages waiting and in flight on the work queue, and the DLQ: how many, why (kind and reason the consumer',
      'recorded), which conversations / cases, how old. Exit code 2 when something is in a DLQ.',
    ],
    options: { session: { type: 'string' } },
    // --session: the Creatio case (number, link, id) a conversation went to.
    run: (target, values, io) => (typeof values.session === 'string' && values.session.trim() !== '' ? runSessionStatus(target, io, values.session.trim()) : runStatus(target, io)),
  },
};

export const usage = (): string[] => [
  'opencx-creatio-sync operator CLI',
  '',
  'Usage: npm run ops -- <command> --tenant <name> [options]',
  '       npm run ops -- <command> --help',
  '',
  'Commands:',
  ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(8)} ${command.summary}`),
  '',
  ...TARGET_HELP,
  '',
  'Runbook: docs/operations.md',
];

const commandUsage = (name: string, command: Command): string[] => [
  `Usage: npm run ops -- ${command.usage} [--region <r>] [--local [<sqs-url>]] [--config <file>]`,
  '',
  `${name}: ${command.summary}`,
  ...command.details.map((line) => `  ${line}`),
  '',
  ...TARGET_HELP,
];

export interface OpsDeps {
  readonly io: Io;
  readonly env?: NodeJS.ProcessEnv;
  readonly resolveTarget?: (options: ResolveTargetOptions) => Promise<Target>;
}

/** A bare `--local` (last, or followed by another flag) means the running `npm start`. */
const expandBareLocal = (args: readonly string[]): string[] =>
  args.flatMap((arg, index) => (arg === '--local' && (index === args.length - 1 || args[index + 1]?.startsWith('-')) ? [`--local=${LOCAL_AUTO}`] : [arg]));

/** Runs one command line (without `node script`); returns the exit code. */
export const runOps = async (argv: readonly string[], deps: OpsDeps): Promise<number> => {
  const { io } = deps;
  const [name, ...given] = argv;
  const rest = expandBareLocal(given);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    for (const line of usage()) io.out(line);
    return name ? 0 : 64;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`Unknown command "${name}".`);
    for (const line of usage()) io.err(line);
    return 64;
  }
  let values: Values;
  try {
    values = parseArgs({ args: [...rest], options: { ...TARGET_OPTIONS, ...command.options }, strict: true, allowPositionals: false }).values as Values;
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    io.err(`See: npm run ops -- ${name} --help`);
    return 64;
  }
  if (values.help) {
    for (const line of commandUsage(name, command)) io.out(line);
    return 0;
  }
  if (typeof values.tenant !== 'string' || !values.tenant) {
    io.err(`${name} needs --tenant <name>. See: npm run ops -- ${name} --help`);
    return 64;
  }

  let target: Target | undefined;
  try {
    const resolved = await (deps.resolveTarget ?? resolveTarget)({
      tenant: values.tenant,
      ...(typeof values.local === 'string' ? { local: values.local } : {}),
      ...(typeof values.region === 'string' ? { region: values.region } : {}),
      ...(typeof values.config === 'string' ? { configPath: values.config } : {}),
      ...(deps.env ? { env: deps.env } : {}),
    });
    const flags = targetFlags({
      tenant: values.tenant,
      ...(typeof values.local === 'string' ? { local: values.local } : {}),
      ...(typeof values.region === 'string' ? { region: values.region } : {}),
      ...(typeof values.config === 'string' ? { configPath: values.config } : {}),
    });
    target = { ...resolved, flags };
    return await command.run(target, values, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}. See: npm run ops -- ${name} --help`);
      return 64;
    }
    const known =
      error instanceof TargetError || error instanceof SecretProblem || error instanceof ReplayInputError || (error instanceof Error && error.name === 'TenantConfigError');
    io.err(known ? (error as Error).message : `${name} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 1;
  } finally {
    target?.close();
  }
};
