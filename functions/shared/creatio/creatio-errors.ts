import * as z from 'zod';
import { PermanentError, RetryableError } from '../errors';

/**
 * Creatio's OData error envelope (creatio-detail.md §2.5, Medium):
 * `{"error":{"code","message","innererror":{"message","type","internalexception":{"message"}}}}`.
 * The most useful text is often the inner exception's message.
 */
const innerErrorSchema: z.ZodType<{ message?: string | undefined; internalexception?: unknown }> = z.looseObject({
  message: z.string().optional(),
  internalexception: z.unknown().optional(),
});

const odataErrorSchema = z.object({
  error: z.looseObject({
    code: z.union([z.string(), z.number()]).optional(),
    message: z.string().optional(),
    innererror: z.unknown().optional(),
  }),
});

export interface CreatioErrorDetail {
  readonly code: string | undefined;
  /** Creatio's own message, with the innermost exception message appended when it says more. */
  readonly message: string;
}

const innerMessages = (value: unknown, depth = 0): string[] => {
  if (depth > 4) return [];
  const parsed = innerErrorSchema.safeParse(value);
  if (!parsed.success) return [];
  const own = parsed.data.message ? [parsed.data.message] : [];
  return [...own, ...innerMessages(parsed.data.internalexception, depth + 1)];
};

/** Reads Creatio's error message from a response body; undefined when the body is not that envelope. */
export const parseCreatioError = (body: unknown): CreatioErrorDetail | undefined => {
  const parsed = odataErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { code, message, innererror } = parsed.data.error;
  const texts = [message ?? '', ...innerMessages(innererror)].map((text) => text.trim()).filter(Boolean);
  const unique = texts.filter((text, index) => texts.indexOf(text) === index);
  return {
    code: code === undefined || code === '' ? undefined : String(code),
    message: unique.join(' | ') || 'no message',
  };
};

/**
 * A create that reused an existing primary key. Creatio surfaces the database error (reference:
 * "fails with a server error (duplicate primary key)", Medium); its text is PostgreSQL's
 * (`23505: duplicate key value violates unique constraint "PK…"`) or SQL Server's
 * (`Violation of PRIMARY KEY constraint 'PK…'. Cannot insert duplicate key …`) depending on the
 * tenant's database. Exact wording on a live tenant: not confirmed (Low). A localised database message
 * would not match, which is why creates also probe for the record before retrying a 5xx.
 */
const DUPLICATE_KEY = /duplicate key|PRIMARY KEY constraint|\b23505\b|\b2627\b|already exists/i;
export const isDuplicateKeyMessage = (message: string): boolean => DUPLICATE_KEY.test(message);

/**
 * 5xx answers that are really data errors no retry will fix: too long a value, a missing referenced
 * record, a NOT NULL column (PostgreSQL 22001/23503/23502, SQL Server 8152/2628/547/515). Medium:
 * inferred from the database behind Creatio (reference §7.8 "Over-long values fail the whole insert").
 */
const PERMANENT_DATA_ERROR =
  /value too long|would be truncated|violates foreign key|FOREIGN KEY constraint|violates not-null|cannot insert the value NULL|\b22001\b|\b23502\b|\b23503\b/i;
export const isPermanentDataErrorMessage = (message: string): boolean => PERMANENT_DATA_ERROR.test(message);

const permanentKindForStatus = (status: number): string => {
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status >= 500) return 'data';
  return 'validation';
};

export interface HttpFailure {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfterMs?: number | undefined;
  /** What was being done, e.g. `POST Case`: no ids, no query string. */
  readonly operation: string;
}

/** Maps a non-2xx OData answer to the error that carries its fate. */
export const errorForStatus = (failure: HttpFailure): PermanentError | RetryableError => {
  const detail = parseCreatioError(failure.body);
  const text = detail?.message ?? (typeof failure.body === 'string' && failure.body ? failure.body.slice(0, 300) : 'no message');
  const message = `Creatio ${failure.operation} failed with HTTP ${failure.status}: ${text}`;
  if (failure.status === 429) {
    return new RetryableError(message, { kind: 'throttled', retryAfterMs: failure.retryAfterMs });
  }
  // 408 Request Timeout: the server gave up waiting for the request; sending it again is the remedy.
  if (failure.status === 408) return new RetryableError(message, { kind: 'timeout', retryAfterMs: failure.retryAfterMs });
  if (failure.status >= 500) {
    if (isPermanentDataErrorMessage(text)) {
      return new PermanentError(message, { status: failure.status, code: detail?.code, kind: 'data' });
    }
    if (isDuplicateKeyMessage(text)) {
      return new PermanentError(message, { status: failure.status, code: detail?.code ?? 'duplicate_key', kind: 'conflict' });
    }
    return new RetryableError(message, { kind: 'server_error', retryAfterMs: failure.retryAfterMs });
  }
  return new PermanentError(message, { status: failure.status, code: detail?.code, kind: permanentKindForStatus(failure.status) });
};

export interface TokenFailure {
  readonly status: number;
  /** The OAuth `error` field, e.g. `invalid_client`. */
  readonly error: string | undefined;
  readonly description: string | undefined;
  readonly identityUrl: string;
  /** The token URL used (configured, discovered or derived); defaults to `<identityUrl>/connect/token`. */
  readonly tokenUrl?: string;
  readonly html: boolean;
}

/**
 * The token endpoint said no. The message names the causes the seed troubleshooting lists (trailing
 * slash / wrong URL, OAuth app not using the client credentials grant, wrong or expired secret),
 * most likely first, and never the secret itself.
 */
export const tokenFailureError = (failure: TokenFailure): PermanentError => {
  const urlCause = `the instance or identity-service URL is wrong or ends with a slash (token URL used: ${failure.tokenUrl ?? `${failure.identityUrl}/connect/token`}; Creatio cloud uses the "-is" host, e.g. https://mycompany-is.creatio.com)`;
  const grantCause = 'the OAuth 2.0 integrated application in Creatio is not set up for the Client Credentials grant';
  const secretCause = 'the client id or secret is wrong, expired, or was regenerated in Creatio (copy both again from "OAuth 2.0 integrated applications")';
  let causes: string[];
  if (failure.html) causes = [urlCause];
  else if (failure.error === 'unsupported_grant_type' || failure.error === 'unauthorized_client') causes = [grantCause, urlCause, secretCause];
  else if (failure.error === 'invalid_client') causes = [secretCause, grantCause, urlCause];
  else if (failure.status === 404 || failure.status === 405) causes = [urlCause];
  else causes = [urlCause, grantCause, secretCause];
  const what = failure.html
    ? `answered with an HTML page (HTTP ${failure.status}) instead of a token`
    : `rejected the client credentials (HTTP ${failure.status}${failure.error ? ` ${failure.error}` : ''}${failure.description ? `: ${failure.description}` : ''})`;
  return new PermanentError(`Creatio identity service ${what}. Likely causes: ${causes.map((cause, i) => `(${i + 1}) ${cause}`).join('; ')}.`, {
    status: failure.status,
    code: failure.error ?? (failure.html ? 'html_response' : undefined),
    kind: 'auth',
  });
};
