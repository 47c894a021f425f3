import type { Io } from './io';
import { SECRET_LABEL, SecretProblem, creatioCredentialsSchema, opencxApiKeySchema, type SecretKind, type SecretStore } from './secret-store';

export interface SetSecretsOptions {
  readonly store: SecretStore;
  readonly io: Io;
  /** Which secrets to set (default both). */
  readonly kinds?: readonly SecretKind[];
  readonly tenant: string;
  /** The target flags used (`--tenant x --region r`), repeated in the follow-up command. */
  readonly flags?: string;
}

/** Keeps whitespace and line ends a paste may carry out of the value. */
const clean = (value: string): string => value.trim();

/**
 * `secrets`: asks for the Creatio client id and secret and the OpenCX API key — typed without echo at a
 * terminal, or one per line from piped stdin — and stores them as the JSON the Lambdas read
 * (`{clientId, clientSecret}`, `{apiKey}`). An empty answer keeps the stored value. Values are never
 * printed, not even in part.
 */
export const setSecrets = async (options: SetSecretsOptions): Promise<number> => {
  const { store, io } = options;
  const kinds = options.kinds ?? ['creatio', 'opencx'];
  if (io.interactive) io.err('Values are not shown while you type. Press Enter on an empty line to keep the stored value.');
  let problems = 0;
  for (const kind of kinds) {
    try {
      if (kind === 'creatio') {
        const clientId = clean(await options.io.ask('Creatio OAuth 2.0 client id: ', { hidden: true }));
        const clientSecret = clean(await options.io.ask('Creatio OAuth 2.0 client secret: ', { hidden: true }));
        if (!clientId && !clientSecret) {
          io.out(`${SECRET_LABEL.creatio}: kept (${store.describe(kind)})`);
          continue;
        }
        const parsed = creatioCredentialsSchema.safeParse({ clientId, clientSecret });
        if (!parsed.success)
          throw new SecretProblem('Creatio needs both the client id and the client secret (from System Designer → OAuth 2.0 integrated applications); nothing was stored.');
        if (/\s/.test(parsed.data.clientId) || /\s/.test(parsed.data.clientSecret)) {
          throw new SecretProblem('The Creatio client id or secret contains a space: probably a copy mistake; nothing was stored.');
        }
        await store.write(kind, parsed.data);
      } else {
        const apiKey = clean(await options.io.ask('OpenCX API key: ', { hidden: true }));
        if (!apiKey) {
          io.out(`${SECRET_LABEL.opencx}: kept (${store.describe(kind)})`);
          continue;
        }
        const parsed = opencxApiKeySchema.safeParse({ apiKey });
        if (!parsed.success || /\s/.test(apiKey)) throw new SecretProblem('The OpenCX API key contains a space: probably a copy mistake; nothing was stored.');
        await store.write(kind, parsed.data);
      }
      io.out(`${SECRET_LABEL[kind]}: stored (${store.describe(kind)})`);
    } catch (error) {
      problems += 1;
      io.err(`${SECRET_LABEL[kind]}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (problems === 0) {
    io.out('Running Lambdas pick new values up within 5 minutes.');
    io.out(`Verify with: npm run ops -- check ${options.flags ?? `--tenant ${options.tenant}`}`);
  }
  return problems === 0 ? 0 : 1;
};
