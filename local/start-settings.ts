import * as path from 'node:path';
import { sandboxOptionsFromEnv } from './creatio-sandbox/env';
import type { LocalRuntime, LocalRuntimeOptions } from './runtime';

/**
 * The variables `npm start` reads (documented in README.md, "The local runtime"), turned into runtime
 * options, and the combinations that cannot work refused with a sentence naming the user's variables.
 */
const DEFAULT_PORTS = { PORT: 3000, OPENCX_SANDBOX_PORT: 4010, CREATIO_SANDBOX_PORT: 4020 } as const;

export type PortVariable = keyof typeof DEFAULT_PORTS;

/** What listens on each port, for a message a person understands. */
const PORT_COMPONENTS: Readonly<Record<PortVariable, string>> = {
  PORT: 'the bridge API (webhooks and /health)',
  OPENCX_SANDBOX_PORT: 'the bundled OpenCX sandbox',
  CREATIO_SANDBOX_PORT: 'the bundled Creatio sandbox',
};

export class StartSettingsError extends Error {
  override readonly name = 'StartSettingsError';
}

type Env = Readonly<Record<string, string | undefined>>;

const set = (env: Env, name: string): boolean => (env[name] ?? '').trim() !== '';

const port = (env: Env, name: PortVariable): number => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return DEFAULT_PORTS[name];
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new StartSettingsError(`${name}=${raw} is not a port number: use a whole number from 1 to 65535 (or 0 for any free port), or unset it for ${DEFAULT_PORTS[name]}.`);
  }
  return value;
};

/**
 * Every problem with the environment of `npm start`, one sentence each (empty when it can start).
 * The bundled sandboxes are used unless CREATIO_URL / OPENCX_API_URL are set; a real endpoint needs
 * its credentials, and credentials without an endpoint would be silently replaced by the sandbox's.
 */
export const startProblems = (env: Env): string[] => {
  const problems: string[] = [];
  const creatioCredentials = ['CREATIO_CLIENT_ID', 'CREATIO_CLIENT_SECRET'];
  if (set(env, 'CREATIO_URL')) {
    const missing = creatioCredentials.filter((name) => !set(env, name));
    if (missing.length) {
      problems.push(
        `CREATIO_URL is set, so npm start uses that Creatio instead of the bundled sandbox, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: set ${missing.length > 1 ? 'both' : 'it'} (the client id and secret of the instance's OAuth 2.0 client-credentials app), or unset CREATIO_URL to use the sandbox.`,
      );
    }
    if (/\/\s*$/.test(env.CREATIO_URL ?? '')) problems.push('CREATIO_URL ends with a slash: remove it (Creatio answers "Invalid credentials" to ".../").');
  } else {
    const stray = [...creatioCredentials, 'CREATIO_IDENTITY_URL'].filter((name) => set(env, name));
    if (stray.length) {
      problems.push(
        `${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} set but CREATIO_URL is not, so npm start would use the bundled Creatio sandbox and ignore ${stray.length > 1 ? 'them' : 'it'}: set CREATIO_URL to your instance, or unset ${stray.join(', ')}.`,
      );
    }
  }
  if (set(env, 'OPENCX_API_URL') && !set(env, 'OPENCX_API_KEY')) {
    problems.push(
      'OPENCX_API_URL is set, so npm start uses that OpenCX instead of the bundled sandbox, but OPENCX_API_KEY is not set: set it, or unset OPENCX_API_URL to use the sandbox.',
    );
  }
  if (!set(env, 'OPENCX_API_URL') && set(env, 'OPENCX_API_KEY')) {
    problems.push(
      'OPENCX_API_KEY is set but OPENCX_API_URL is not, so npm start would use the bundled OpenCX sandbox and ignore the key: set OPENCX_API_URL too, or unset OPENCX_API_KEY.',
    );
  }
  for (const name of Object.keys(DEFAULT_PORTS) as PortVariable[]) {
    try {
      port(env, name);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const ports = (Object.keys(DEFAULT_PORTS) as PortVariable[]).map((name) => ({ name, value: Number(env[name] || DEFAULT_PORTS[name]) })).filter((entry) => entry.value > 0);
  for (const [index, entry] of ports.entries()) {
    const clash = ports.slice(index + 1).find((other) => other.value === entry.value);
    if (clash) problems.push(`${entry.name} and ${clash.name} are both ${entry.value}: ${PORT_COMPONENTS[entry.name]} and ${PORT_COMPONENTS[clash.name]} need a port each.`);
  }
  try {
    sandboxOptionsFromEnv({ ...env, CREATIO_SANDBOX_PORT: undefined });
  } catch (error) {
    problems.push((error as Error).message);
  }
  return problems;
};

/** The runtime options of `npm start` (fixed ports, so that the README's commands work; tests pass 0). */
export const startOptions = (env: Env, root: string): LocalRuntimeOptions & { readonly ports: Record<PortVariable, number> } => {
  const problems = startProblems(env);
  if (problems.length) throw new StartSettingsError(problems.join('\n'));
  const ports = { PORT: port(env, 'PORT'), OPENCX_SANDBOX_PORT: port(env, 'OPENCX_SANDBOX_PORT'), CREATIO_SANDBOX_PORT: port(env, 'CREATIO_SANDBOX_PORT') };
  return {
    ports,
    port: ports.PORT,
    ...(env.OPENCX_WEBHOOK_TOKEN ? { opencxWebhookToken: env.OPENCX_WEBHOOK_TOKEN } : {}),
    ...(env.CREATIO_WEBHOOK_TOKEN ? { creatioWebhookToken: env.CREATIO_WEBHOOK_TOKEN } : {}),
    ...(env.TENANT_CONFIG ? { tenantConfigPath: path.resolve(root, env.TENANT_CONFIG) } : {}),
    creatioSandbox: { ...sandboxOptionsFromEnv(env), port: ports.CREATIO_SANDBOX_PORT },
    // The example sessions (local/opencx-sandbox/seeds), so that the first command printed has a session to sync.
    opencxSandbox: { port: ports.OPENCX_SANDBOX_PORT, seedExamples: true },
  };
};

/** Which part could not listen, and the variable that moves it (from the `listen` error's port). */
export const portInUseMessage = (error: unknown, ports: Readonly<Record<PortVariable, number>>): string | undefined => {
  const { code, port: taken } = (error ?? {}) as { code?: unknown; port?: unknown };
  if (code !== 'EADDRINUSE') return undefined;
  const name = (Object.keys(ports) as PortVariable[]).find((key) => ports[key] === taken);
  if (!name) return `Port ${String(taken)} is already in use (is another npm start running?).`;
  return `Port ${ports[name]} is already in use, so ${PORT_COMPONENTS[name]} cannot start: is another npm start running? Stop it, or move this one with ${name}=<free port> npm start.`;
};

const ROOT = path.join(__dirname, '..');
const FIRST_EVENT = path.join(ROOT, 'test', 'fixtures', 'examples', 'opencx-webhook-handoff.json');

/** A path the user can paste from the directory they ran `npm start` in (npm sets INIT_CWD to it). */
const shown = (file: string, cwd: string): string => {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') ? file : relative;
};

/** What `npm start` prints once everything listens: addresses, and a first command that works on a fresh start. */
export const readyLines = (runtime: LocalRuntime, cwd: string = process.env.INIT_CWD ?? process.cwd()): string[] => [
  `opencx-creatio-sync ready on ${runtime.url} (tenant ${runtime.config.tenant}; all state is in memory and is lost when npm start stops)`,
  `  OpenCX webhook   POST ${runtime.opencxWebhookUrl}`,
  `  Creatio webhook  POST ${runtime.creatioWebhookUrl}`,
  `  health           GET  ${runtime.url}/health`,
  `  DynamoDB API     ${runtime.aws.dynamoEndpoint} (table ${runtime.aws.tableName})`,
  `  SQS API          ${runtime.aws.sqsEndpoint}`,
  runtime.creatio ? `  Creatio sandbox  ${runtime.creatio.url} (cases and activities: ${runtime.creatio.url}/_sandbox)` : `  Creatio          ${process.env.CREATIO_URL ?? ''}`,
  runtime.opencx
    ? `  OpenCX sandbox   ${runtime.opencx.url} (admin API: ${runtime.opencx.url}/__admin; example sessions ${[...runtime.opencx.sessions.keys()].join(', ')})`
    : `  OpenCX           ${process.env.OPENCX_API_URL ?? ''}`,
  `  operator CLI     npm run ops -- status --tenant ${runtime.config.tenant} --local`,
  '',
  ...(runtime.opencx && runtime.creatio
    ? [
        'Try it: hand the example email conversation off to a human (the bridge reads it back from the OpenCX sandbox and writes a case):',
        `  curl -s -X POST ${runtime.opencxWebhookUrl} -H 'content-type: application/json' --data @${shown(FIRST_EVENT, cwd)}`,
        `then open ${runtime.creatio.url}/_sandbox: case "Charged twice for order 48213" with one activity per message.`,
        'The whole round trip (agent reply, resolution): README.md, "Try it with curl". Sandboxes: docs/local-sandboxes.md.',
      ]
    : ['Try it: README.md, "Try it with curl".']),
  'Ctrl-C stops everything.',
];
