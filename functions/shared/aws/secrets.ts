import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type * as z from 'zod';

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

/** Reads a JSON secret and validates it; the message names the secret but never its value. */
export const readJsonSecret = async <S extends z.ZodType>(client: SecretsManagerClient, secretId: string, schema: S, what: string): Promise<z.infer<S>> => {
  const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  let json: unknown;
  try {
    json = JSON.parse(answer.SecretString ?? '');
  } catch {
    throw new SecretNotReadyError(`The ${what} secret is not JSON yet. Fill it with \`npm run ops -- secrets --tenant <name>\`.`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new SecretNotReadyError(`The ${what} secret is missing or has wrong fields (${fields}). Fill it with \`npm run ops -- secrets --tenant <name>\`.`);
  }
  return parsed.data;
};
