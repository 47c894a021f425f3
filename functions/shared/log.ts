import { Logger } from '@aws-lambda-powertools/logger';
import { types } from 'node:util';
import { redact } from './redact';

/**
 * JSON logs with correlation keys (tenant, function). Never pass message bodies, emails, phone numbers,
 * tokens or secrets to the logger: log ids and outcomes only.
 */
export const createLogger = (serviceName: string): Logger =>
  new Logger({
    serviceName,
    persistentKeys: { tenant: process.env.TENANT ?? 'local' },
  });

/** The safe part of an error for a log line: its class, kind and its message with customer data redacted (downstream errors quote values). */
export const errorFields = (error: unknown): Record<string, unknown> => {
  // isNativeError also knows an Error made in another realm (a VM context, as under jest), which instanceof does not.
  if (error instanceof Error || types.isNativeError(error)) {
    const kind = (error as { kind?: unknown }).kind;
    const status = (error as { status?: unknown }).status;
    return { errorName: error.name, errorMessage: redact(error.message).slice(0, 500), ...(kind ? { errorKind: kind } : {}), ...(status ? { errorStatus: status } : {}) };
  }
  return { errorName: typeof error };
};
