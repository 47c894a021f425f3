import * as fs from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import type { LocalRuntime } from './runtime';

/**
 * While `npm start` runs, it writes where its parts listen to `.npm-start.json` at the repository root
 * (git-ignored, deleted when it stops), so that `npm run ops -- <command> --local` finds the local SQS
 * server and the bundled sandboxes with no extra variables. Credentials are written only for the
 * bundled sandboxes (fixed sandbox values); real ones stay in the environment of the two commands.
 */
export const RUNTIME_FILE_NAME = '.npm-start.json';
export const runtimeFilePath = (root: string = path.join(__dirname, '..')): string => path.join(root, RUNTIME_FILE_NAME);

const queuePair = z.object({ url: z.string(), dlqUrl: z.string() });

const runtimeFileSchema = z.object({
  pid: z.number().int(),
  startedAt: z.string(),
  tenant: z.string(),
  tenantConfigPath: z.string(),
  bridgeUrl: z.string(),
  sqsEndpoint: z.string(),
  dynamoEndpoint: z.string(),
  tableName: z.string(),
  queues: z.object({ opencxEvents: queuePair, creatioEvents: queuePair }),
  creatio: z.object({
    url: z.string(),
    identityUrl: z.string().optional(),
    sandbox: z.boolean(),
    clientId: z.string().optional(),
    clientSecret: z.string().optional(),
  }),
  opencx: z.object({ url: z.string(), sandbox: z.boolean(), apiKey: z.string().optional() }),
});
export type RuntimeFile = z.infer<typeof runtimeFileSchema>;

export const writeRuntimeFile = (file: string, contents: RuntimeFile): void => {
  fs.writeFileSync(file, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600 });
};

/** Deletes the file if it is this process's (a second `npm start` that failed must not delete the first one's). */
export const removeRuntimeFile = (file: string, pid: number = process.pid): void => {
  try {
    if (runtimeFileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8'))).pid === pid) fs.rmSync(file, { force: true });
  } catch {
    // already gone, or not ours
  }
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The running `npm start`, or undefined when none is (no file, or its process has gone). */
export const readRuntimeFile = (file: string): RuntimeFile | undefined => {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = runtimeFileSchema.safeParse(json);
  if (!parsed.success || !alive(parsed.data.pid)) return undefined;
  return parsed.data;
};

/** What a started runtime writes: where its parts listen; sandbox credentials only (real ones stay in the environment). */
export const runtimeFileContents = (runtime: LocalRuntime, tenantConfigPath: string, env: NodeJS.ProcessEnv = process.env): RuntimeFile => ({
  pid: process.pid,
  startedAt: new Date().toISOString(),
  tenant: runtime.config.tenant,
  tenantConfigPath,
  bridgeUrl: runtime.url,
  sqsEndpoint: runtime.aws.sqsEndpoint,
  dynamoEndpoint: runtime.aws.dynamoEndpoint,
  tableName: runtime.aws.tableName,
  queues: {
    opencxEvents: { url: runtime.aws.opencxEvents.url, dlqUrl: runtime.aws.opencxEvents.dlqUrl },
    creatioEvents: { url: runtime.aws.creatioEvents.url, dlqUrl: runtime.aws.creatioEvents.dlqUrl },
  },
  creatio: runtime.creatio
    ? { url: runtime.creatio.url, identityUrl: runtime.creatio.identityUrl, sandbox: true, clientId: runtime.creatio.clientId, clientSecret: runtime.creatio.clientSecret }
    : { url: env.CREATIO_URL ?? '', ...(env.CREATIO_IDENTITY_URL ? { identityUrl: env.CREATIO_IDENTITY_URL } : {}), sandbox: false },
  opencx: runtime.opencx ? { url: runtime.opencx.url, sandbox: true, apiKey: runtime.opencx.apiKey } : { url: env.OPENCX_API_URL ?? '', sandbox: false },
});
