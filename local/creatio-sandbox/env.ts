import * as z from 'zod';
import type { CreatioSandboxOptions } from './server';

const kinds = z.enum(['500', '429', 'reset', 'timeout']);
const int = z.coerce.number().int().min(0);

const envSchema = z.object({
  CREATIO_SANDBOX_PORT: int.optional(),
  CREATIO_SANDBOX_CLIENT_ID: z.string().min(1).optional(),
  CREATIO_SANDBOX_CLIENT_SECRET: z.string().min(1).optional(),
  CREATIO_SANDBOX_TOKEN_LIFETIME_SECONDS: z.coerce.number().int().positive().optional(),
  CREATIO_SANDBOX_LATENCY_MS: int.optional(),
  CREATIO_SANDBOX_FAULT_RATE: z.coerce.number().min(0).max(1).optional(),
  CREATIO_SANDBOX_FAULT_KINDS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((kind) => kind.trim())
        .filter(Boolean),
    )
    .pipe(z.array(kinds).min(1))
    .optional(),
  CREATIO_SANDBOX_RETRY_AFTER_SECONDS: int.optional(),
});

/**
 * Sandbox options from the environment (for `npm start`): CREATIO_SANDBOX_PORT, _CLIENT_ID,
 * _CLIENT_SECRET, _TOKEN_LIFETIME_SECONDS, _LATENCY_MS, _FAULT_RATE, _FAULT_KINDS (comma list of
 * 500,429,reset,timeout), _RETRY_AFTER_SECONDS. Throws with the offending variable named.
 */
export const sandboxOptionsFromEnv = (env: Readonly<Record<string, string | undefined>> = process.env): CreatioSandboxOptions => {
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith('CREATIO_SANDBOX_') && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid Creatio sandbox environment: ${problems}`);
  }
  const e = parsed.data;
  const rate = e.CREATIO_SANDBOX_FAULT_RATE ?? 0;
  return {
    ...(e.CREATIO_SANDBOX_PORT !== undefined ? { port: e.CREATIO_SANDBOX_PORT } : {}),
    ...(e.CREATIO_SANDBOX_CLIENT_ID ? { clientId: e.CREATIO_SANDBOX_CLIENT_ID } : {}),
    ...(e.CREATIO_SANDBOX_CLIENT_SECRET ? { clientSecret: e.CREATIO_SANDBOX_CLIENT_SECRET } : {}),
    ...(e.CREATIO_SANDBOX_TOKEN_LIFETIME_SECONDS ? { tokenLifetimeSeconds: e.CREATIO_SANDBOX_TOKEN_LIFETIME_SECONDS } : {}),
    ...(e.CREATIO_SANDBOX_LATENCY_MS !== undefined ? { latencyMs: e.CREATIO_SANDBOX_LATENCY_MS } : {}),
    ...(rate > 0
      ? {
          faults: {
            rate,
            kinds: e.CREATIO_SANDBOX_FAULT_KINDS ?? ['500'],
            ...(e.CREATIO_SANDBOX_RETRY_AFTER_SECONDS !== undefined ? { retryAfterSeconds: e.CREATIO_SANDBOX_RETRY_AFTER_SECONDS } : {}),
          },
        }
      : {}),
  };
};
