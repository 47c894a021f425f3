import { safeParse, type $ZodType, type output } from 'zod/v4/core';

/**
 * A value loaded once and kept for `ttlMs`, so that a rotated secret is picked up without a cold start.
 * Concurrent callers share one load; a failed load is not cached.
 */
export const cached = <T>(load: () => Promise<T>, ttlMs: number, now: () => number = Date.now): (() => Promise<T>) => {
  let value: { data: T; at: number } | undefined;
  let inFlight: Promise<T> | undefined;
  return async () => {
    if (value && now() - value.at < ttlMs) return value.data;
    inFlight ??= load()
      .then((data) => {
        value = { data, at: now() };
        return data;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
};

export class SecretNotReadyError extends Error {
  override readonly name = 'SecretNotReadyError';
}

/**
 * Reads a JSON secret and validates it; the message names the secret but never its value.
 * `getSecretString` is the transport: the SDK's GetSecretValue in the consumers, a signed fetch in
 * the webhook Lambdas (functions/shared/aws/aws-json-api.ts). Accepts zod and zod/mini schemas.
 */
export const readJsonSecret = async <S extends $ZodType>(getSecretString: () => Promise<string | undefined>, schema: S, what: string): Promise<output<S>> => {
  const secretString = await getSecretString();
  let json: unknown;
  try {
    json = JSON.parse(secretString ?? '');
  } catch {
    throw new SecretNotReadyError(`The ${what} secret is not JSON yet. Fill it with \`npm run ops -- secrets --tenant <name>\`.`);
  }
  const parsed = safeParse(schema, json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new SecretNotReadyError(`The ${what} secret is missing or has wrong fields (${fields}). Fill it with \`npm run ops -- secrets --tenant <name>\`.`);
  }
  return parsed.data;
};
