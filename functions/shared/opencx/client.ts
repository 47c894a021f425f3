/**
 * Client for OpenCX's public REST API (shared/reference/opencx.md §1).
 *
 * - `Authorization: Bearer <key>`; base URL configurable (the sandbox, or https://api.open.cx).
 * - OpenCX documents 100 requests/minute. 429 is retried after Retry-After (or a backoff), 5xx,
 *   timeouts and network failures with bounded exponential backoff and jitter; when attempts run
 *   out the error is a RetryableError so that SQS redelivers later. A Retry-After longer than
 *   `maxRetryAfterMs` is not slept on inside the Lambda: it is handed to the caller at once.
 * - Sending a message is not idempotent: it is retried only when OpenCX cannot have accepted it
 *   (429, 503, connection refused). After a timeout or another 5xx the message may or may not have
 *   arrived, so the client throws RetryableError with kind 'ambiguous' instead of resending;
 *   callers should look for the message in the history before sending again.
 * - 401/403 → PermanentError kind 'auth'; 404 → kind 'not_found'; other 4xx → kind 'client_error'
 *   with OpenCX's NestJS-style message; an answer of an unexpected shape → kind 'schema'.
 * - It never logs. Metrics go through `onEvent`, which carries no URLs, keys or content.
 */
import type * as z from 'zod';
import { cappedTimeoutMs, retryFits, type Deadline } from '../deadline';
import { PermanentError, RetryableError, ValidationError } from '../errors';
import { historyItemIds } from './messages';
import {
  OpenCxErrorBodySchema,
  OpenCxHistoryPageSchema,
  OpenCxSendResponseSchema,
  OpenCxSessionSchema,
  type OpenCxHistoryItem,
  type OpenCxHistoryPage,
  type OpenCxSession,
  type OpenCxSessionStatus,
} from './schemas';

export const DEFAULT_OPENCX_BASE_URL = 'https://api.open.cx';

/**
 * The `sender` value for a message sent as a human agent. UNVERIFIED (reference §1.3, Low):
 * the current widget enum says `agent`, the 2024 history spec says `human_agent`; the send
 * docs excerpt we have shows neither. If OpenCX answers 400 on send, check the live Swagger at
 * https://api.open.cx/api and change this one constant.
 */
export const AGENT_SENDER_TYPE = 'agent';

export type OpenCxRequestKind = 'get_session' | 'history' | 'send' | 'update';
export const OPENCX_REQUEST_KINDS: readonly OpenCxRequestKind[] = ['get_session', 'history', 'send', 'update'];

export type OpenCxOutcome = 'ok' | 'throttled' | 'server_error' | 'timeout' | 'network' | 'auth' | 'not_found' | 'client_error';

/** One HTTP attempt, for metrics. Carries no URL, key, id or content. */
export interface OpenCxClientEvent {
  readonly kind: OpenCxRequestKind;
  readonly attempt: number;
  readonly outcome: OpenCxOutcome;
  readonly status?: number;
  readonly durationMs: number;
  /** Set when another attempt follows after this delay. */
  readonly retryInMs?: number;
}

export interface OpenCxClientConfig {
  readonly apiKey: string;
  /** Default https://api.open.cx. */
  readonly baseUrl?: string;
  /** Default globalThis.fetch. */
  readonly fetch?: typeof globalThis.fetch;
  /** Per attempt, including reading the body. Default 10 000. */
  readonly timeoutMs?: number;
  /** Attempts per call, including the first. Default 4. */
  readonly maxAttempts?: number;
  /** First backoff step; doubles per attempt. Default 300. */
  readonly baseDelayMs?: number;
  /** Backoff ceiling. Default 8 000. */
  readonly maxDelayMs?: number;
  /** A Retry-After above this is returned to the caller (RetryableError.retryAfterMs) rather than slept on. Default 20 000. */
  readonly maxRetryAfterMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Clock for Retry-After dates and durations. Default Date.now. */
  readonly now?: () => number;
  readonly onEvent?: (event: OpenCxClientEvent) => void;
  readonly userAgent?: string;
  /** The invocation's time budget: caps each attempt's timeout, and no retry starts that would end after it. */
  readonly deadline?: Deadline;
  /**
   * Awaited before every HTTP attempt (retries included): the shared rate budget (rate-budget.ts)
   * waits here, or throws RetryableError so that the record waits in the queue instead of drawing 429s.
   */
  readonly beforeRequest?: (kind: OpenCxRequestKind) => Promise<void>;
}

export interface SendMessageAttachment {
  readonly name: string;
  readonly mimeType: string;
  /** A public URL OpenCX can fetch, or `base64` content. */
  readonly url?: string;
  readonly base64?: string;
}

export interface SendMessageInput {
  readonly text: string;
  /** OpenCX agent ids are numbers. */
  readonly agent?: { readonly id?: number; readonly name?: string };
  /** `should_take_over_session_from_ai`; default true (an agent replying takes the session over). */
  readonly takeOver?: boolean;
  readonly attachments?: readonly SendMessageAttachment[];
  /**
   * Top-level `custom_data`: merged into the session's attributes (strings, numbers, booleans), returned
   * by Get Session, visible to OpenCX Inbox agents, never to the customer (reference §1.3, High).
   */
  readonly customData?: Readonly<Record<string, string | number | boolean>>;
}

export interface SendMessageResult {
  /** OpenCX's id of the message it stored, when the answer carried one. */
  readonly messageId?: string;
}

export interface UpdateSessionStatusOptions {
  /** `reflect_status_change_for_integration`: push the change to a connected helpdesk. Default false. */
  readonly reflectToIntegration?: boolean;
  readonly generateSummaryAndSentimentOnResolve?: boolean;
  readonly sessionClosedPayload?: unknown;
}

export interface ListHistoryOptions {
  /** Start from this cursor (a previous `lastCursor`) instead of the beginning. */
  readonly afterCursor?: string;
  /** Drop items up to and including this message id (raw or derived id); all items are kept if it is not found. */
  readonly sinceMessageId?: string;
  /** Stop after this many pages (default 50); the result is then `truncated`. */
  readonly maxPages?: number;
}

export interface ListHistoryResult {
  readonly items: OpenCxHistoryItem[];
  /**
   * Where to resume next time (pass it back as `afterCursor`): the cursor of the last page read
   * (re-reading it returns that page plus anything appended since; undefined when that page was
   * the first), or, when `truncated`, the cursor of the first page not read yet.
   */
  readonly lastCursor: string | undefined;
  readonly pages: number;
  readonly truncated: boolean;
}

export interface OpenCxClient {
  getSession(sessionId: string): Promise<OpenCxSession>;
  getHistory(sessionId: string, options?: { readonly cursor?: string }): Promise<OpenCxHistoryPage>;
  listHistory(sessionId: string, options?: ListHistoryOptions): Promise<ListHistoryResult>;
  sendMessage(sessionId: string, input: SendMessageInput): Promise<SendMessageResult>;
  updateSessionStatus(sessionId: string, status: OpenCxSessionStatus, options?: UpdateSessionStatusOptions): Promise<void>;
  /** HTTP requests made so far (retries included), by kind. */
  requestCounts(): Readonly<Record<OpenCxRequestKind, number>>;
  resetRequestCounts(): void;
}

/** Network error codes that mean the request never reached OpenCX (safe to resend anything). */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH']);

const SCOPE_BY_KIND: Record<OpenCxRequestKind, string> = {
  get_session: 'chat-sessions:read',
  history: 'chat-sessions:read',
  send: 'chat-sessions:write',
  update: 'chat-sessions:write',
};

const ROUTE_BY_KIND: Record<OpenCxRequestKind, string> = {
  get_session: 'GET /chat/sessions/{id}',
  history: 'GET /chat/sessions/{id}/history',
  send: 'POST /chat/sessions/{id}/send',
  update: 'PATCH /chat/sessions/{id}',
};

const MAX_ERROR_TEXT = 300;

interface RequestSpec {
  readonly kind: OpenCxRequestKind;
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: string;
  readonly body?: unknown;
  /** Safe to repeat after an ambiguous failure (timeout, 5xx). */
  readonly idempotent: boolean;
  /** For 404 messages. */
  readonly sessionId: string;
}

/** No time left in the invocation for another attempt: the message comes back later. */
const outOfTime = (what: string): RetryableError => new RetryableError(`OpenCX ${what}: no time left in this invocation for another attempt`, { kind: 'deadline' });

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const errorCode = (error: unknown): string | undefined => {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Object; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
};

/** Retry-After is delta-seconds or an HTTP date. */
export const parseRetryAfter = (value: string | null, now: number): number | undefined => {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};

const describeOpenCxError = (json: unknown, fallback: string): { message: string; code?: string } => {
  const parsed = OpenCxErrorBodySchema.safeParse(json);
  if (!parsed.success) return { message: fallback };
  const raw = parsed.data.message;
  const message = (Array.isArray(raw) ? raw.join('; ') : raw) || fallback;
  return {
    message: message.length > MAX_ERROR_TEXT ? `${message.slice(0, MAX_ERROR_TEXT)}…` : message,
    ...(parsed.data.error ? { code: parsed.data.error } : {}),
  };
};

const parseAnswer = <S extends z.ZodType>(schema: S, json: unknown, what: string): z.infer<S> => {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new PermanentError(`OpenCX ${what} answer has an unexpected shape (${problems}); check the live Swagger`, {
    kind: 'schema',
    code: 'unexpected_response',
  });
};

const requireId = (sessionId: string): string => {
  if (typeof sessionId !== 'string' || sessionId.trim() === '') {
    throw new ValidationError('An OpenCX session id is required');
  }
  return encodeURIComponent(sessionId);
};

export const createOpenCxClient = (config: OpenCxClientConfig): OpenCxClient => {
  const baseUrl = (config.baseUrl ?? DEFAULT_OPENCX_BASE_URL).replace(/\/+$/, '');
  const fetchImpl = config.fetch ?? globalThis.fetch;
  const timeoutMs = config.timeoutMs ?? 10_000;
  const maxAttempts = Math.max(1, config.maxAttempts ?? 4);
  const baseDelayMs = config.baseDelayMs ?? 300;
  const maxDelayMs = config.maxDelayMs ?? 8_000;
  const maxRetryAfterMs = config.maxRetryAfterMs ?? 20_000;
  const sleep = config.sleep ?? defaultSleep;
  const random = config.random ?? Math.random;
  const now = config.now ?? Date.now;
  const onEvent = config.onEvent;
  if (!config.apiKey || config.apiKey.trim() === '') {
    // Fail at construction: every call would be a 401 otherwise.
    throw new PermanentError('The OpenCX API key is missing: fill the tenant’s OpenCX secret', { kind: 'auth' });
  }
  const headers = {
    authorization: `Bearer ${config.apiKey}`,
    accept: 'application/json',
    'user-agent': config.userAgent ?? 'opencx-creatio-sync',
  };

  const counts: Record<OpenCxRequestKind, number> = { get_session: 0, history: 0, send: 0, update: 0 };

  /** Equal jitter: half the capped exponential step, plus up to the other half at random. */
  const backoff = (attempt: number): number => {
    const step = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(step / 2 + random() * (step / 2));
  };

  const emit = (event: OpenCxClientEvent): void => {
    try {
      onEvent?.(event);
    } catch {
      // A metrics callback must never break a sync.
    }
  };

  const request = async (spec: RequestSpec): Promise<unknown> => {
    const what = ROUTE_BY_KIND[spec.kind];
    for (let attempt = 1; ; attempt += 1) {
      if (config.beforeRequest) await config.beforeRequest(spec.kind);
      const started = now();
      const controller = new AbortController();
      const attemptTimeoutMs = cappedTimeoutMs(timeoutMs, config.deadline, now());
      const timer = setTimeout(() => controller.abort(), attemptTimeoutMs);
      const canRetry = attempt < maxAttempts;
      let status: number;
      let retryAfterHeader: string | null;
      let text: string;
      counts[spec.kind] += 1;
      try {
        const response = await fetchImpl(`${baseUrl}${spec.path}`, {
          method: spec.method,
          headers: spec.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
          ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
          signal: controller.signal,
        });
        status = response.status;
        retryAfterHeader = response.headers.get('retry-after');
        text = await response.text();
      } catch (error) {
        const timedOut = controller.signal.aborted;
        const outcome = timedOut ? 'timeout' : 'network';
        const notSent = !timedOut && NOT_SENT_CODES.has(errorCode(error) ?? '');
        const durationMs = now() - started;
        if (canRetry && (spec.idempotent || notSent)) {
          const retryInMs = backoff(attempt);
          emit({ kind: spec.kind, attempt, outcome, durationMs, retryInMs });
          if (!retryFits(retryInMs, config.deadline, 500, now())) throw outOfTime(what);
          await sleep(retryInMs);
          continue;
        }
        emit({ kind: spec.kind, attempt, outcome, durationMs });
        const detail = timedOut ? `timed out after ${attemptTimeoutMs} ms` : `failed (${errorCode(error) ?? 'network error'})`;
        if (!spec.idempotent && !notSent) {
          throw new RetryableError(`OpenCX ${what} ${detail}; the message may or may not have been delivered: check the history before resending`, {
            kind: 'ambiguous',
            cause: error,
          });
        }
        throw new RetryableError(`OpenCX ${what} ${detail} after ${attempt} attempt(s)`, { kind: outcome, cause: error });
      } finally {
        clearTimeout(timer);
      }

      const durationMs = now() - started;
      let json: unknown;
      if (text.trim() !== '') {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
      }

      if (status >= 200 && status < 300) {
        emit({ kind: spec.kind, attempt, outcome: 'ok', status, durationMs });
        if (json === undefined && text.trim() !== '') {
          throw new PermanentError(`OpenCX ${what} answered ${status} with a body that is not JSON`, {
            status,
            kind: 'schema',
            code: 'unexpected_response',
          });
        }
        return json;
      }

      if (status === 429 || status === 408 || status >= 500) {
        const outcome: OpenCxOutcome = status === 429 ? 'throttled' : status === 408 ? 'timeout' : 'server_error';
        const retryAfterMs = parseRetryAfter(retryAfterHeader, now());
        // 429 and 503 mean the request was refused, not processed: safe to resend even a message.
        const refused = status === 429 || status === 503;
        const mayRetry = spec.idempotent || refused;
        const tooLong = retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs;
        if (canRetry && mayRetry && !tooLong) {
          const retryInMs = retryAfterMs !== undefined ? retryAfterMs + Math.round(random() * 250) : status === 429 ? Math.max(1_000, backoff(attempt)) : backoff(attempt);
          emit({ kind: spec.kind, attempt, outcome, status, durationMs, retryInMs });
          if (!retryFits(retryInMs, config.deadline, 500, now())) throw outOfTime(what);
          await sleep(retryInMs);
          continue;
        }
        emit({ kind: spec.kind, attempt, outcome, status, durationMs });
        const { message } = describeOpenCxError(json, `HTTP ${status}`);
        if (!mayRetry) {
          throw new RetryableError(`OpenCX ${what} answered ${status} (${message}); the message may or may not have been delivered: check the history before resending`, {
            kind: 'ambiguous',
          });
        }
        const label = status === 429 ? 'rate limit reached (OpenCX allows 100 requests/minute)' : message;
        throw new RetryableError(`OpenCX ${what} answered ${status}: ${label}; gave up after ${attempt} attempt(s)`, {
          kind: outcome,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
      }

      const { message, code } = describeOpenCxError(json, `HTTP ${status}`);
      const codeOption = code ? { code } : {};
      if (status === 401 || status === 403) {
        emit({ kind: spec.kind, attempt, outcome: 'auth', status, durationMs });
        const explanation =
          status === 401
            ? 'the API key is missing or invalid: create one in OpenCX Settings → Access and store it in the tenant’s OpenCX secret'
            : `the API key is valid but lacks access: it needs the scope ${SCOPE_BY_KIND[spec.kind]} (or use a full-access key)`;
        throw new PermanentError(`OpenCX refused ${what} (${status}): ${explanation}. OpenCX said: ${message}`, {
          status,
          kind: 'auth',
          ...codeOption,
        });
      }
      if (status === 404) {
        emit({ kind: spec.kind, attempt, outcome: 'not_found', status, durationMs });
        throw new PermanentError(`OpenCX session ${spec.sessionId} was not found (${what} answered 404)`, {
          status,
          kind: 'not_found',
          ...codeOption,
        });
      }
      emit({ kind: spec.kind, attempt, outcome: 'client_error', status, durationMs });
      throw new PermanentError(`OpenCX rejected ${what} (${status}): ${message}`, {
        status,
        kind: 'client_error',
        ...codeOption,
      });
    }
  };

  const getHistory = async (sessionId: string, options: { readonly cursor?: string } = {}) => {
    const query = options.cursor ? `?cursor=${encodeURIComponent(options.cursor)}` : '';
    const json = await request({
      kind: 'history',
      method: 'GET',
      path: `/chat/sessions/${requireId(sessionId)}/history${query}`,
      idempotent: true,
      sessionId,
    });
    return parseAnswer(OpenCxHistoryPageSchema, json, 'history');
  };

  return {
    async getSession(sessionId) {
      const json = await request({
        kind: 'get_session',
        method: 'GET',
        path: `/chat/sessions/${requireId(sessionId)}`,
        idempotent: true,
        sessionId,
      });
      return parseAnswer(OpenCxSessionSchema, json, 'session');
    },

    getHistory,

    async listHistory(sessionId, options = {}) {
      const maxPages = Math.max(1, options.maxPages ?? 50);
      const items: OpenCxHistoryItem[] = [];
      const seenCursors = new Set<string>();
      let cursor = options.afterCursor || undefined;
      let pages = 0;
      let truncated = false;
      let lastCursor = cursor;
      for (;;) {
        const page = await getHistory(sessionId, cursor === undefined ? {} : { cursor });
        pages += 1;
        items.push(...page.items);
        lastCursor = cursor;
        const next = page.next ?? undefined;
        // Defensive: a cursor that repeats would loop for ever.
        if (next === undefined || next === '' || next === cursor || seenCursors.has(next)) break;
        seenCursors.add(next);
        if (pages >= maxPages) {
          truncated = true;
          lastCursor = next;
          break;
        }
        cursor = next;
      }
      let fresh = items;
      if (options.sinceMessageId !== undefined) {
        const ids = historyItemIds(items);
        const at = ids.lastIndexOf(options.sinceMessageId);
        if (at >= 0) fresh = items.slice(at + 1);
      }
      return { items: fresh, lastCursor, pages, truncated };
    },

    async sendMessage(sessionId, input) {
      const attachments = input.attachments ?? [];
      if (input.text.trim() === '' && attachments.length === 0) {
        throw new ValidationError('An OpenCX message needs text or an attachment');
      }
      const agent =
        input.agent && (input.agent.id !== undefined || input.agent.name !== undefined)
          ? {
              ...(input.agent.id !== undefined ? { id: input.agent.id } : {}),
              ...(input.agent.name !== undefined ? { name: input.agent.name } : {}),
            }
          : undefined;
      const body = {
        sender: AGENT_SENDER_TYPE,
        message: {
          type: 'text',
          text: input.text,
          ...(attachments.length > 0
            ? {
                attachments: attachments.map((a) => ({
                  name: a.name,
                  mime_type: a.mimeType,
                  ...(a.url !== undefined ? { url: a.url } : {}),
                  ...(a.base64 !== undefined ? { base64: a.base64 } : {}),
                })),
              }
            : {}),
        },
        ...(agent ? { agent } : {}),
        ...(input.customData && Object.keys(input.customData).length > 0 ? { custom_data: input.customData } : {}),
        should_take_over_session_from_ai: input.takeOver ?? true,
      };
      const json = await request({
        kind: 'send',
        method: 'POST',
        path: `/chat/sessions/${requireId(sessionId)}/send`,
        body,
        idempotent: false,
        sessionId,
      });
      if (json === undefined) return {};
      const answer = parseAnswer(OpenCxSendResponseSchema, json, 'send');
      if (answer.success === false) {
        throw new PermanentError('OpenCX did not accept the message (send answered success: false)', {
          kind: 'rejected',
        });
      }
      const messageId = answer.data?.message?.id ?? undefined;
      return messageId === undefined ? {} : { messageId };
    },

    async updateSessionStatus(sessionId, status, options = {}) {
      await request({
        kind: 'update',
        method: 'PATCH',
        path: `/chat/sessions/${requireId(sessionId)}`,
        body: {
          status,
          reflect_status_change_for_integration: options.reflectToIntegration ?? false,
          ...(options.generateSummaryAndSentimentOnResolve !== undefined ? { generate_summary_and_sentiment_on_resolve: options.generateSummaryAndSentimentOnResolve } : {}),
          ...(options.sessionClosedPayload !== undefined ? { session_closed_payload: options.sessionClosedPayload } : {}),
        },
        // Setting a status twice leaves the same status.
        idempotent: true,
        sessionId,
      });
    },

    requestCounts: () => ({ ...counts }),
    resetRequestCounts() {
      for (const kind of OPENCX_REQUEST_KINDS) counts[kind] = 0;
    },
  };
};
