import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';

/**
 * Where a tenant's Creatio and OpenCX credentials live: Secrets Manager for a deployed stack (the
 * stack creates the secrets, the operator fills them), the environment for the local runtime. Values
 * go in and out of these functions only: nothing here prints or logs them.
 */
export type SecretKind = 'creatio' | 'opencx';

export const creatioCredentialsSchema = z.object({ clientId: z.string().trim().min(1), clientSecret: z.string().trim().min(1) });
export const opencxApiKeySchema = z.object({ apiKey: z.string().trim().min(1) });
export type CreatioCredentials = z.infer<typeof creatioCredentialsSchema>;
export type OpenCxApiKey = z.infer<typeof opencxApiKeySchema>;

export const SECRET_LABEL: Readonly<Record<SecretKind, string>> = { creatio: 'Creatio client credentials', opencx: 'OpenCX API key' };

export interface SecretStore {
  /** Where the values are, for messages (an ARN or variable names, never a value). */
  describe(kind: SecretKind): string;
  /** How the operator fills it, for messages. */
  readonly fillHint: string;
  /** The stored string (JSON for Secrets Manager), or undefined when there is none. */
  read(kind: SecretKind): Promise<string | undefined>;
  write(kind: SecretKind, value: CreatioCredentials | OpenCxApiKey): Promise<void>;
}

export class SecretProblem extends Error {
  override readonly name = 'SecretProblem';
}

const parseStored = <S extends z.ZodType>(raw: string | undefined, schema: S, label: string, store: SecretStore, kind: SecretKind): z.infer<S> => {
  if (raw === undefined || raw.trim() === '') throw new SecretProblem(`${label} are not set (${store.describe(kind)}). ${store.fillHint}`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // A freshly deployed stack holds a random placeholder: never show it.
    throw new SecretProblem(`${label}: ${store.describe(kind)} does not hold JSON yet (still the placeholder created at deploy). ${store.fillHint}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new SecretProblem(`${label}: ${store.describe(kind)} is missing or has empty fields (${fields}). ${store.fillHint}`);
  }
  return parsed.data;
};

export const readCreatioCredentials = async (store: SecretStore): Promise<CreatioCredentials> =>
  parseStored(await store.read('creatio'), creatioCredentialsSchema, SECRET_LABEL.creatio, store, 'creatio');

export const readOpenCxApiKey = async (store: SecretStore): Promise<OpenCxApiKey> =>
  parseStored(await store.read('opencx'), opencxApiKeySchema, SECRET_LABEL.opencx, store, 'opencx');

/** The two secrets of a deployed stack (ARNs from its outputs). */
export const secretsManagerStore = (client: SecretsManagerClient, arns: Readonly<Record<SecretKind, string>>, tenant: string, flags = `--tenant ${tenant}`): SecretStore => ({
  describe: (kind) => `secret ${arns[kind]}`,
  fillHint: `Fill it with \`npm run ops -- secrets ${flags}\`.`,
  read: async (kind) => {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: arns[kind] }));
    return answer.SecretString;
  },
  write: async (kind, value) => {
    await client.send(new PutSecretValueCommand({ SecretId: arns[kind], SecretString: JSON.stringify(value) }));
  },
});

/**
 * The local runtime reads credentials from its environment (the same variables as `npm start`:
 * CREATIO_CLIENT_ID, CREATIO_CLIENT_SECRET, OPENCX_API_KEY). The CLI cannot change another process's
 * environment, so writing is refused with what to do instead.
 */
export const environmentStore = (env: NodeJS.ProcessEnv): SecretStore => ({
  describe: (kind) => (kind === 'creatio' ? 'environment variables CREATIO_CLIENT_ID / CREATIO_CLIENT_SECRET' : 'environment variable OPENCX_API_KEY'),
  fillHint: 'Set the variables in the environment of `npm start` and of this command.',
  read: async (kind) => {
    if (kind === 'creatio') {
      const clientId = env.CREATIO_CLIENT_ID;
      const clientSecret = env.CREATIO_CLIENT_SECRET;
      return clientId || clientSecret ? JSON.stringify({ clientId: clientId ?? '', clientSecret: clientSecret ?? '' }) : undefined;
    }
    return env.OPENCX_API_KEY ? JSON.stringify({ apiKey: env.OPENCX_API_KEY }) : undefined;
  },
  write: async () => {
    throw new SecretProblem(
      'The local runtime takes its credentials from the environment of `npm start` (CREATIO_CLIENT_ID, CREATIO_CLIENT_SECRET, OPENCX_API_KEY); set them there and restart it. `secrets` writes to a deployed stack.',
    );
  },
});

/** In memory, for tests and dry runs. */
export const memoryStore = (initial: Partial<Record<SecretKind, string>> = {}): SecretStore & { readonly values: Partial<Record<SecretKind, string>> } => {
  const values: Partial<Record<SecretKind, string>> = { ...initial };
  return {
    values,
    describe: (kind) => `in-memory ${kind} secret`,
    fillHint: 'Fill it with `npm run ops -- secrets`.',
    read: async (kind) => values[kind],
    write: async (kind, value) => {
      values[kind] = JSON.stringify(value);
    },
  };
};
