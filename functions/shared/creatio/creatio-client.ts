import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { PermanentError, RetryableError } from '../errors';
import { type BatchItemResult, type BatchOperation, type BatchOptions, type BatchResponseItem, MAX_BATCH_REQUESTS, batchOp, batchResponseSchema, chunkOperations } from './batch';
import { type PhoneCandidate, contactPhoneCandidates, contactsByEmail } from './contact-search';
import { errorForStatus, isDuplicateKeyMessage, isPermanentDataErrorMessage, parseCreatioError, tokenFailureError } from './creatio-errors';
import type {
  ActivityInput,
  ActivityRecord,
  CaseInput,
  CasePatch,
  CaseRecord,
  CaseStatusInfo,
  ContactInput,
  ContactRecord,
  CreateResult,
  CreatioClientConfig,
  CreatioClientEvent,
  CreatioRecord,
  LookupCollection,
  LookupRecord,
  ODataPage,
  RequestCounts,
  RequestKind,
} from './creatio-types';
import { type ODataQuery, assertIdentifier, buildQueryString, entityPath, filter, isGuid } from './odata-query';
import { backoffDelayMs, parseRetryAfterMs, realSleep } from './retry-policy';
import { type IssuedToken, TokenCache } from './token-cache';
import { cappedTimeoutMs, retryFits } from '../deadline';
import { defaultIdentityUrl, normaliseBaseUrl } from './instance-url';
import { streamRequest } from '../net/stream-request';

const DEFAULTS = {
  timeoutMs: 5_000,
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 20_000,
  tokenRefreshMarginMs: 60_000,
  odataRoot: '/0/odata',
} as const;

/** Column lengths (creatio-detail.md §3.1-§3.4, High): over-long values fail the whole insert, so we truncate. */
const MAX_SUBJECT = 500;
const MAX_TITLE = 500;
const MAX_NAME = 250;
const MAX_SENDER = 250;
const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
  token_type: z.string().optional(),
});
const discoverySchema = z.looseObject({ token_endpoint: z.string().min(1) });
const oauthErrorSchema = z.looseObject({ error: z.string(), error_description: z.string().optional() });
const recordSchema = z.looseObject({ Id: z.string() });
const collectionSchema = z.looseObject({
  // Rows lack Id when $select leaves it out.
  value: z.array(z.record(z.string(), z.unknown())),
  '@odata.count': z.coerce.number().optional(),
});
const caseStatusSchema = z.looseObject({
  Id: z.string(),
  Name: z.string().optional(),
  IsFinal: z.boolean().optional(),
  IsResolved: z.boolean().optional(),
  IsPaused: z.boolean().optional(),
});

interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON when the answer was JSON, the text otherwise, undefined when empty. */
  readonly body: unknown;
  readonly isHtml: boolean;
}

interface SendSpec {
  readonly kind: RequestKind;
  readonly method: string;
  readonly url: string;
  /** Metrics label: the collection or endpoint, never the query. */
  readonly target: string;
  /** For messages: `POST Case`. */
  readonly operation: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A binary body is produced per attempt (a stream can be sent once: its factory throws the second time). */
  readonly body?: string | (() => BinaryBody);
  /** Overrides the configured per-attempt timeout (file transfers). */
  readonly timeoutMs?: number;
  /** Read a 200 answer as bytes (`body` is a Buffer). */
  readonly binaryAnswer?: boolean;
  readonly auth: boolean;
  /** Overrides the configured maxAttempts (e.g. 1 for a speculative probe). */
  readonly maxAttempts?: number;
  /** Looked at before a 5xx is retried; returning an answer ends the loop with it. */
  readonly on5xx?: (answer: HttpAnswer) => Promise<HttpAnswer | undefined>;
}

/** Bytes for `putBinary`: a buffer (retried like any request) or a stream (sent once). */
export type BinaryBody = Uint8Array | AsyncIterable<Uint8Array>;

/** Bytes per `$batch` request by default (IIS and gateways refuse large bodies with 413); configurable. */
export const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
/** Ids per existence check (`$filter=Id eq … or …`), keeping the URL short. */
const EXISTENCE_CHECK_IDS = 50;
/** Extra time a `$batch` gets per request it carries. */
const BATCH_TIMEOUT_PER_REQUEST_MS = 100;
/** OData 4 JSON for a sub-request body (issue 10: Creatio's OData 4 endpoint; `odata=verbose` is OData 2). */
const BATCH_PART_CONTENT_TYPE = 'application/json;odata.metadata=minimal';

interface PreparedOperation {
  readonly index: number;
  readonly operation: BatchOperation;
  readonly id: string;
}

const truncate = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const toIso = (value: string | Date): string => (value instanceof Date ? value.toISOString() : value);

const invalidInput = (message: string): PermanentError => new PermanentError(message, { kind: 'validation' });

const requireGuid = (value: unknown, what: string): string => {
  if (!isGuid(value)) throw invalidInput(`${what} must be a GUID`);
  return value.toLowerCase();
};

const stripAnnotations = (body: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!key.startsWith('@odata.')) out[key] = value;
  return out;
};

const asRecord = (body: unknown): CreatioRecord | undefined => {
  const parsed = recordSchema.safeParse(body);
  return parsed.success ? (stripAnnotations(parsed.data) as CreatioRecord) : undefined;
};

const isTimeoutError = (error: unknown, signal: AbortSignal): boolean =>
  (error instanceof Error && error.name === 'TimeoutError') || (signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError');

const networkCause = (error: unknown): string => {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'unknown';
};

/**
 * The Creatio OAuth 2.0 client-credentials + OData 4 client. No logging: metrics through `onEvent`.
 * Every HTTP attempt is counted by kind (`requestCounts()`), retries included, so a benchmark can
 * report real round trips.
 */
export class CreatioClient {
  readonly instanceUrl: string;
  readonly identityUrl: string;
  readonly odataBaseUrl: string;

  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly tokens: TokenCache;
  private counts: Record<RequestKind, number> = { token: 0, get: 0, post: 0, patch: 0, delete: 0, batch: 0 };
  private readonly lookupCache = new Map<string, LookupRecord>();
  private readonly caseStatusCache = new Map<string, CaseStatusInfo>();
  private tokenEndpointPromise: Promise<string> | undefined;

  constructor(private readonly config: CreatioClientConfig) {
    this.instanceUrl = normaliseBaseUrl(config.instanceUrl, 'instance URL');
    this.identityUrl = config.identityUrl ? normaliseBaseUrl(config.identityUrl, 'identity URL') : defaultIdentityUrl(this.instanceUrl);
    const root = `/${(config.odataRoot ?? DEFAULTS.odataRoot).replace(/^\/+|\/+$/g, '')}`;
    this.odataBaseUrl = `${this.instanceUrl}${root}`;
    if (!config.clientId || !config.clientSecret) throw new PermanentError('Creatio client id and secret are required', { kind: 'config' });
    this.fetchImpl = config.fetch ?? globalThis.fetch.bind(globalThis);
    this.sleep = config.sleep ?? realSleep;
    this.random = config.random ?? Math.random;
    this.now = config.now ?? Date.now;
    this.newId = config.newId ?? randomUUID;
    this.timeoutMs = config.timeoutMs ?? DEFAULTS.timeoutMs;
    this.maxAttempts = Math.max(1, config.maxAttempts ?? DEFAULTS.maxAttempts);
    this.baseDelayMs = config.baseDelayMs ?? DEFAULTS.baseDelayMs;
    this.maxDelayMs = config.maxDelayMs ?? DEFAULTS.maxDelayMs;
    this.maxRetryAfterMs = config.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
    this.tokens = new TokenCache({
      fetchToken: () => this.fetchToken(),
      now: this.now,
      refreshMarginMs: config.tokenRefreshMarginMs ?? DEFAULTS.tokenRefreshMarginMs,
      onRefresh: () => this.emit({ type: 'token_refreshed' }),
    });
  }

  // ---- accounting -------------------------------------------------------------------------------

  /** HTTP requests sent since creation or the last reset, by kind (every attempt counts). */
  requestCounts(): RequestCounts {
    return { ...this.counts };
  }

  resetRequestCounts(): void {
    this.counts = { token: 0, get: 0, post: 0, patch: 0, delete: 0, batch: 0 };
  }

  /** Forget cached lookups, case statuses and the token. */
  clearCaches(): void {
    this.lookupCache.clear();
    this.caseStatusCache.clear();
    this.tokens.clear();
  }

  /** Gets a token now: a cheap credentials check for the `check` command. */
  async verifyCredentials(): Promise<void> {
    await this.tokens.get();
  }

  // ---- generic OData ----------------------------------------------------------------------------

  /** A collection read. */
  async query<T extends Readonly<Record<string, unknown>> = CreatioRecord>(collection: string, query?: ODataQuery): Promise<ODataPage<T>> {
    const answer = await this.odata('get', 'GET', assertIdentifier(collection), { query, target: collection });
    if (answer.status !== 200) throw this.failure(answer, `GET ${collection}`);
    const parsed = collectionSchema.safeParse(answer.body);
    if (!parsed.success) throw new PermanentError(`Creatio GET ${collection} answered 200 without a value array`, { kind: 'bad_response' });
    const value = parsed.data.value.map((row) => stripAnnotations(row) as T);
    const count = parsed.data['@odata.count'];
    return count === undefined ? { value } : { value, count };
  }

  /** One record, or null when Creatio answers 404. */
  async get<T extends CreatioRecord = CreatioRecord>(
    collection: string,
    id: string,
    options: { readonly select?: readonly string[]; readonly maxAttempts?: number } = {},
  ): Promise<T | null> {
    const answer = await this.odata('get', 'GET', entityPath(collection, requireGuid(id, `${collection} id`)), {
      query: options.select ? { select: options.select } : undefined,
      target: collection,
      ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    });
    if (answer.status === 404) return null;
    if (answer.status !== 200) throw this.failure(answer, `GET ${collection}`);
    const record = asRecord(answer.body);
    if (!record) throw new PermanentError(`Creatio GET ${collection} answered 200 without a record`, { kind: 'bad_response' });
    return record as T;
  }

  /**
   * Creates a record with a client-chosen `Id` (one is generated when the body has none, so a retry
   * can always be recognised). If a record with that Id already exists — Creatio answers with a
   * duplicate-key error, or an earlier attempt committed before its answer was lost — the record is
   * read back and returned with `created: false`.
   */
  async post<T extends CreatioRecord = CreatioRecord>(collection: string, body: Readonly<Record<string, unknown>>): Promise<CreateResult<T>> {
    assertIdentifier(collection);
    const id = body.Id === undefined || body.Id === null ? this.newId() : requireGuid(body.Id, `${collection} Id`);
    const payload = { ...body, Id: id };
    const found: { existing?: CreatioRecord } = {};

    const answer = await this.odata('post', 'POST', collection, {
      body: payload,
      target: collection,
      on5xx: async (failed) => {
        const detail = parseCreatioError(failed.body);
        const duplicate = detail !== undefined && isDuplicateKeyMessage(detail.message);
        if (!duplicate && detail !== undefined && isPermanentDataErrorMessage(detail.message)) return undefined;
        // Either a duplicate key, or an unexplained 5xx after which our Id may already be stored
        // (checked with a single attempt: the POST's own retries cover a server that is down).
        try {
          const existing = await this.get(collection, id, duplicate ? {} : { maxAttempts: 1 });
          if (existing) found.existing = existing;
        } catch (error) {
          if (!duplicate && error instanceof RetryableError) return undefined;
          throw error;
        }
        if (found.existing) return failed;
        if (duplicate) {
          throw new PermanentError(`Creatio reported a duplicate key creating ${collection} but the record cannot be read back (does the integration user have read access?)`, {
            status: failed.status,
            code: 'duplicate_key',
            kind: 'conflict',
          });
        }
        return undefined;
      },
    });

    if (found.existing) return { record: found.existing as T, created: false };
    if (answer.status === 201 || answer.status === 200) {
      return { record: (asRecord(answer.body) ?? ({ ...payload } as CreatioRecord)) as T, created: true };
    }
    if (answer.status === 204) return { record: { ...payload } as T, created: true };
    const detail = parseCreatioError(answer.body);
    if (answer.status >= 400 && answer.status < 500 && detail && isDuplicateKeyMessage(detail.message)) {
      const record = await this.get<T>(collection, id);
      if (record) return { record, created: false };
    }
    throw this.failure(answer, `POST ${collection}`);
  }

  /** Changes the given columns (Creatio answers 204). */
  async patch(collection: string, id: string, changes: Readonly<Record<string, unknown>>): Promise<void> {
    const key = requireGuid(id, `${collection} id`);
    if (changes.Id !== undefined && String(changes.Id).toLowerCase() !== key) throw invalidInput('a PATCH cannot change a record Id');
    const body = { ...changes };
    delete body.Id;
    const answer = await this.odata('patch', 'PATCH', entityPath(collection, key), { body, target: collection });
    if (answer.status === 204 || answer.status === 200) return;
    throw this.failure(answer, `PATCH ${collection}`);
  }

  /** Deletes a record; a record that is already gone counts as deleted. */
  async delete(collection: string, id: string): Promise<void> {
    const answer = await this.odata('delete', 'DELETE', entityPath(collection, requireGuid(id, `${collection} id`)), { target: collection });
    if (answer.status === 204 || answer.status === 200 || answer.status === 404) return;
    throw this.failure(answer, `DELETE ${collection}`);
  }

  /**
   * `PUT <collection>(<id>)/<property>` with raw bytes (`application/octet-stream`): file content such
   * as `ActivityFile(<id>)/Data` (creatio-detail.md §3.6, Pattern A). A buffer is retried like any
   * request; a stream is sent once (a failure is a RetryableError: the caller re-opens it). Counted as
   * a `patch` (an update of one property).
   */
  async putBinary(collection: string, id: string, property: string, body: BinaryBody, options: { readonly timeoutMs?: number } = {}): Promise<void> {
    const path = `${entityPath(collection, requireGuid(id, `${collection} id`))}/${assertIdentifier(property)}`;
    const isBuffer = body instanceof Uint8Array;
    let used = false;
    const answer = await this.send({
      kind: 'patch',
      method: 'PUT',
      url: `${this.odataBaseUrl}/${path}`,
      target: `${collection}/${property}`,
      operation: `PUT ${collection}/${property}`,
      headers: { 'Content-Type': 'application/octet-stream', ...(isBuffer ? { 'Content-Length': String(body.byteLength) } : {}) },
      body: () => {
        if (!isBuffer && used) throw new RetryableError(`PUT ${collection}/${property}: the stream was already sent`, { kind: 'stream_consumed' });
        used = true;
        return body;
      },
      auth: true,
      ...(isBuffer ? {} : { maxAttempts: 1 }),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    if (answer.status === 200 || answer.status === 201 || answer.status === 204) return;
    throw this.failure(answer, `PUT ${collection}/${property}`);
  }

  /** `GET <collection>(<id>)/<property>` as bytes (file content); null when Creatio answers 404. */
  async getBinary(collection: string, id: string, property: string, options: { readonly timeoutMs?: number } = {}): Promise<Buffer | null> {
    const path = `${entityPath(collection, requireGuid(id, `${collection} id`))}/${assertIdentifier(property)}`;
    const answer = await this.send({
      kind: 'get',
      method: 'GET',
      url: `${this.odataBaseUrl}/${path}`,
      target: `${collection}/${property}`,
      operation: `GET ${collection}/${property}`,
      headers: { Accept: 'application/octet-stream, */*' },
      binaryAnswer: true,
      auth: true,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    if (answer.status === 404) return null;
    if (answer.status === 200 && Buffer.isBuffer(answer.body)) return answer.body;
    if (answer.status === 204) return Buffer.alloc(0);
    throw this.failure(answer, `GET ${collection}/${property}`);
  }

  // ---- typed helpers ----------------------------------------------------------------------------

  /** Contacts with this email address, primary or secondary, however Creatio stores it (`contact-search.ts`). */
  findContactsByEmail(email: string): Promise<readonly ContactRecord[]> {
    return contactsByEmail(this, email);
  }

  /** Contacts that may have this phone number, however it was typed (`contact-search.ts`): the caller confirms. */
  findContactPhoneCandidates(nationalNumber: string): Promise<readonly PhoneCandidate[]> {
    return contactPhoneCandidates(this, nationalNumber);
  }

  async createContact(input: ContactInput): Promise<CreateResult<ContactRecord>> {
    const name = input.Name?.trim();
    if (!name) throw invalidInput('Contact Name is required');
    return this.post<ContactRecord>('Contact', { ...input, Name: truncate(name, MAX_NAME) });
  }

  /** Creates a case; `Number` is left to Creatio (read it from the result). */
  async createCase(input: CaseInput): Promise<CreateResult<CaseRecord>> {
    return this.post<CaseRecord>('Case', this.caseBody(input));
  }

  async patchCase(id: string, changes: CasePatch): Promise<void> {
    const body: Record<string, unknown> = { ...changes };
    if (typeof changes.Subject === 'string') body.Subject = truncate(changes.Subject, MAX_SUBJECT);
    return this.patch('Case', id, body);
  }

  getCase(id: string): Promise<CaseRecord | null> {
    return this.get<CaseRecord>('Case', id);
  }

  async createActivity(input: ActivityInput): Promise<CreateResult<ActivityRecord>> {
    return this.post<ActivityRecord>('Activity', this.activityBody(input));
  }

  getActivity(id: string): Promise<ActivityRecord | null> {
    return this.get<ActivityRecord>('Activity', id);
  }

  /** The body `createCase` would send, for use in a `$batch`. */
  caseBody(input: CaseInput): Record<string, unknown> {
    if (!input.Subject?.trim()) throw invalidInput('Case Subject is required');
    requireGuid(input.StatusId, 'Case StatusId');
    return {
      ...input,
      Subject: truncate(input.Subject.trim(), MAX_SUBJECT),
      RegisteredOn: toIso(input.RegisteredOn ?? new Date(this.now())),
    };
  }

  /** The body `createActivity` would send, for use in a `$batch`. */
  activityBody(input: ActivityInput): Record<string, unknown> {
    if (!input.Title?.trim()) throw invalidInput('Activity Title is required');
    for (const column of ['PriorityId', 'ActivityCategoryId', 'StatusId'] as const) requireGuid(input[column], `Activity ${column}`);
    const body: Record<string, unknown> = {
      ...input,
      Title: truncate(input.Title.trim(), MAX_TITLE),
      StartDate: toIso(input.StartDate),
      DueDate: toIso(input.DueDate),
    };
    if (input.SendDate !== undefined) body.SendDate = toIso(input.SendDate);
    if (typeof input.Sender === 'string') body.Sender = truncate(input.Sender, MAX_SENDER);
    return body;
  }

  /**
   * A lookup row by its `Name` (exact match; localised tenants have localised names), cached for the
   * life of the client once found. Null when there is none.
   */
  async findLookupByName(collection: LookupCollection, name: string): Promise<LookupRecord | null> {
    const key = `${collection}\u0000${name.trim().toLowerCase()}`;
    const cached = this.lookupCache.get(key);
    if (cached) return cached;
    const page = await this.query<LookupRecord>(collection, { filter: filter.eqText('Name', name.trim()), top: 2 });
    const found = page.value[0] ?? null;
    if (found) this.lookupCache.set(key, found);
    return found;
  }

  /** A case status with its flags (cached): tells whether a case can still be appended to. */
  async getCaseStatus(id: string): Promise<CaseStatusInfo | null> {
    const key = requireGuid(id, 'CaseStatus id');
    const cached = this.caseStatusCache.get(key);
    if (cached) return cached;
    const record = await this.get('CaseStatus', key);
    if (!record) return null;
    const parsed = caseStatusSchema.parse(record);
    const info: CaseStatusInfo = {
      id: parsed.Id.toLowerCase(),
      name: parsed.Name ?? '',
      isFinal: parsed.IsFinal === true,
      isResolved: parsed.IsResolved === true,
      isPaused: parsed.IsPaused === true,
    };
    this.caseStatusCache.set(key, info);
    return info;
  }

  // ---- $batch -----------------------------------------------------------------------------------

  /**
   * Runs operations through JSON `$batch`, ≤ 100 per request, chunks in order, and maps each answer
   * back to its operation. Creates get an Id when they have none. A whole chunk that fails in
   * transport (429/5xx/timeout after retries, auth) throws: replaying is safe, since creates carry
   * their Ids and PATCHes are idempotent. Without continue-on-error, a chunk that Creatio stopped at a
   * duplicate-Id create (success for us) is resumed after it; a real failure leaves the rest
   * `not_executed`.
   */
  async batch(operations: readonly BatchOperation[], options: BatchOptions = {}): Promise<readonly BatchItemResult[]> {
    const continueOnError = options.continueOnError ?? true;
    const size = Math.min(MAX_BATCH_REQUESTS, Math.max(1, Math.trunc(options.maxRequestsPerBatch ?? MAX_BATCH_REQUESTS)));
    const prepared = operations.map((operation, index) => {
      if (operation.method !== 'POST') return { index, operation, id: requireGuid(operation.id, `${operation.collection} id`) };
      const id = operation.body.Id === undefined || operation.body.Id === null ? this.newId() : requireGuid(operation.body.Id, `${operation.collection} Id`);
      return { index, operation: { ...operation, body: { ...operation.body, Id: id } }, id };
    });
    if (continueOnError) {
      const results = await this.batchContinuing(prepared, size, options.maxBatchBytes ?? this.config.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
      results.sort((a, b) => a.index - b.index);
      return options.readBackExisting ? this.readBackExisting(results, size) : results;
    }
    const results: BatchItemResult[] = [];
    let pending = prepared;
    while (pending.length) {
      const chunk = pending.slice(0, size);
      pending = pending.slice(size);
      const answers = await this.sendBatch(
        chunk.map((item) => item.operation),
        continueOnError,
      );
      let resumeAt: number | undefined;
      let failed = false;
      for (const [position, item] of chunk.entries()) {
        const answer = answers.get(String(position + 1));
        if (!answer) {
          const previous = results[results.length - 1];
          if (!continueOnError && position > 0 && previous?.outcome === 'already_existed' && previous.index === chunk[position - 1]?.index) {
            resumeAt = position;
            break;
          }
          results.push({ index: item.index, operation: item.operation, id: item.id, outcome: 'not_executed' });
          continue;
        }
        const result = this.batchItemResult(item, answer);
        if (result.outcome === 'failed') failed = true;
        results.push(result);
      }
      if (resumeAt !== undefined) {
        pending = [...chunk.slice(resumeAt), ...pending];
      } else if (failed && !continueOnError) {
        for (const item of pending) results.push({ index: item.index, operation: item.operation, id: item.id, outcome: 'not_executed' });
        pending = [];
      }
    }
    results.sort((a, b) => a.index - b.index);
    if (options.readBackExisting) return this.readBackExisting(results, size);
    return results;
  }

  /**
   * continue-on-error `$batch`: chunks of ≤ `size` requests and ≤ `maxBytes` bytes, the first sent alone
   * (it usually holds the contact and the case the others refer to), the rest in parallel.
   */
  private async batchContinuing(prepared: readonly PreparedOperation[], size: number, maxBytes: number): Promise<BatchItemResult[]> {
    const chunks = chunkOperations(prepared, size, maxBytes);
    const [first, ...rest] = chunks;
    if (!first) return [];
    const head = await this.sendChunk(first);
    const tail = await Promise.all(rest.map((chunk) => this.sendChunk(chunk)));
    return [...head, ...tail.flat()];
  }

  /**
   * One chunk, exactly once without reading error text: when the chunk's outcome is unknown (the request
   * failed in transport: timeout, dropped connection, 5xx), the ids of its creates that already exist are
   * read (`$filter=Id eq … or …&$select=Id`) and only the missing ones are sent again. A create answered
   * with an unexplained 5xx inside the batch is checked the same way (a tenant's duplicate-key error may be
   * a generic "An error has occurred"); the duplicate-key wording stays only as a shortcut.
   */
  private async sendChunk(chunk: readonly PreparedOperation[]): Promise<BatchItemResult[]> {
    const settled: BatchItemResult[] = [];
    let pending = chunk;
    for (let attempt = 1; ; attempt += 1) {
      let answers: Map<string, BatchResponseItem>;
      try {
        answers = await this.sendBatch(
          pending.map((item) => item.operation),
          true,
          1,
        );
      } catch (error) {
        if (!(error instanceof RetryableError) || attempt >= this.maxAttempts) throw error;
        if (error.retryAfterMs !== undefined && error.retryAfterMs > this.maxRetryAfterMs) throw error;
        await this.pause({ kind: 'batch', target: '$batch' }, attempt, error.kind, error.retryAfterMs);
        // 429 and 503 were refused, not processed: nothing to look for.
        const existing = error.kind === 'throttled' || /\b503\b/.test(error.message) ? new Set<string>() : await this.existingIdsOrNone(pending);
        for (const item of pending) if (existing.has(item.id)) settled.push({ index: item.index, operation: item.operation, id: item.id, outcome: 'already_existed' });
        pending = pending.filter((item) => !existing.has(item.id));
        if (!pending.length) return settled;
        continue;
      }
      const results = pending.map((item, position): BatchItemResult => {
        const answer = answers.get(String(position + 1));
        return answer ? this.batchItemResult(item, answer) : { index: item.index, operation: item.operation, id: item.id, outcome: 'not_executed' };
      });
      const unknown = results.filter((r) => r.operation.method === 'POST' && r.outcome === 'failed' && r.error instanceof RetryableError && r.status !== 429 && r.status !== 503);
      if (!unknown.length) return [...settled, ...results];
      const existing = await this.existingIdsOrNone(unknown);
      return [
        ...settled,
        ...results.map((r): BatchItemResult => (unknown.includes(r) && existing.has(r.id) ? { index: r.index, operation: r.operation, id: r.id, outcome: 'already_existed' } : r)),
      ];
    }
  }

  /** `existingIds`, or none when Creatio cannot be asked now: re-sending a create with its own id stays safe. */
  private async existingIdsOrNone(items: readonly { readonly operation: BatchOperation; readonly id: string }[]): Promise<Set<string>> {
    try {
      return await this.existingIds(items);
    } catch (error) {
      if (error instanceof RetryableError) return new Set();
      throw error;
    }
  }

  /** Which of these creates' client-chosen ids exist in Creatio: one `$filter` read per collection (≤ 50 ids each). */
  private async existingIds(items: readonly { readonly operation: BatchOperation; readonly id: string }[]): Promise<Set<string>> {
    const byCollection = new Map<string, string[]>();
    for (const item of items) {
      if (item.operation.method !== 'POST') continue;
      byCollection.set(item.operation.collection, [...(byCollection.get(item.operation.collection) ?? []), item.id.toLowerCase()]);
    }
    const found = new Set<string>();
    const reads: Promise<void>[] = [];
    for (const [collection, ids] of byCollection) {
      for (let i = 0; i < ids.length; i += EXISTENCE_CHECK_IDS) {
        const slice = ids.slice(i, i + EXISTENCE_CHECK_IDS);
        reads.push(
          this.query(collection, { filter: filter.or(...slice.map((id) => filter.eq('Id', id))), select: ['Id'], top: slice.length }).then((page) => {
            for (const row of page.value) if (typeof row.Id === 'string') found.add(row.Id.toLowerCase());
          }),
        );
      }
    }
    await Promise.all(reads);
    return found;
  }

  /** Operation builders, re-exported for convenience: `client.ops.create('Case', body)`. */
  readonly ops = batchOp;

  // ---- internals --------------------------------------------------------------------------------

  private batchItemResult(item: { index: number; operation: BatchOperation; id: string }, answer: BatchResponseItem): BatchItemResult {
    const base = { index: item.index, operation: item.operation, id: item.id };
    const { method, collection } = item.operation;
    const body = typeof answer.body === 'string' ? safeJson(answer.body) : answer.body;
    if (answer.status >= 200 && answer.status < 300) {
      if (method === 'POST') return { ...base, outcome: 'created', record: asRecord(body) ?? ({ ...item.operation.body } as CreatioRecord) };
      if (method === 'PATCH') return { ...base, outcome: 'updated' };
      if (method === 'DELETE') return { ...base, outcome: 'deleted' };
      const record = asRecord(body);
      if (record) return { ...base, outcome: 'read', record };
    }
    const detail = parseCreatioError(body);
    if (method === 'POST' && answer.status >= 400 && detail && isDuplicateKeyMessage(detail.message)) {
      return { ...base, outcome: 'already_existed' };
    }
    const error =
      answer.status === 401
        ? new PermanentError(`Creatio ${method} ${collection} in $batch answered 401`, { status: 401, kind: 'auth' })
        : errorForStatus({ status: answer.status, body, operation: `${method} ${collection} (in $batch)` });
    return { ...base, outcome: 'failed', status: answer.status, error };
  }

  private async readBackExisting(results: BatchItemResult[], size: number): Promise<readonly BatchItemResult[]> {
    const existing = results.filter((result) => result.outcome === 'already_existed');
    if (!existing.length) return results;
    const reads = await this.batch(
      existing.map((result) => batchOp.get(result.operation.collection, result.id)),
      { continueOnError: true, maxRequestsPerBatch: size },
    );
    const records = new Map<number, CreatioRecord>();
    reads.forEach((read, i) => {
      const original = existing[i];
      if (original && read.outcome === 'read') records.set(original.index, read.record);
    });
    return results.map((result) => {
      const record = records.get(result.index);
      return result.outcome === 'already_existed' && record ? { ...result, record } : result;
    });
  }

  private async sendBatch(operations: readonly BatchOperation[], continueOnError: boolean, maxAttempts?: number): Promise<Map<string, BatchResponseItem>> {
    const prefer: Record<string, string> = continueOnError ? { Prefer: 'continue-on-error' } : {};
    const requests = operations.map((operation, position) => {
      const hasBody = operation.method === 'POST' || operation.method === 'PATCH';
      return {
        id: String(position + 1),
        method: operation.method,
        url: operation.method === 'POST' ? operation.collection : entityPath(operation.collection, operation.id),
        // The Academy example sends these per-request headers, Prefer included (High).
        headers: { ...(hasBody ? { 'Content-Type': BATCH_PART_CONTENT_TYPE } : {}), Accept: 'application/json', ...prefer },
        ...(hasBody ? { body: operation.body } : {}),
      };
    });
    const answer = await this.odata('batch', 'POST', '$batch', {
      body: { requests },
      target: '$batch',
      headers: { 'Content-Type': 'application/json; odata=verbose; IEEE754Compatible=true', ...prefer },
      ...(maxAttempts !== undefined ? { maxAttempts } : {}),
      // A $batch's timeout scales with its size (Creatio writes the parts one by one); the deadline still caps it.
      timeoutMs: this.timeoutMs + BATCH_TIMEOUT_PER_REQUEST_MS * operations.length,
    });
    if (answer.status !== 200) throw this.failure(answer, 'POST $batch');
    const parsed = batchResponseSchema.safeParse(answer.body);
    if (!parsed.success) throw new PermanentError('Creatio $batch answered 200 without a responses array', { kind: 'bad_response' });
    return new Map(parsed.data.responses.map((response) => [response.id, response]));
  }

  private failure(answer: HttpAnswer, operation: string): PermanentError | RetryableError {
    return errorForStatus({
      status: answer.status,
      body: answer.body,
      operation,
      retryAfterMs: parseRetryAfterMs(answer.headers.get('retry-after'), this.now()),
    });
  }

  private async odata(
    kind: RequestKind,
    method: string,
    relativePath: string,
    options: {
      readonly query?: ODataQuery | undefined;
      readonly body?: unknown;
      readonly target: string;
      readonly headers?: Readonly<Record<string, string>>;
      readonly on5xx?: SendSpec['on5xx'];
      readonly maxAttempts?: number;
      readonly timeoutMs?: number;
    },
  ): Promise<HttpAnswer> {
    const hasBody = options.body !== undefined;
    const answer = await this.send({
      kind,
      method,
      url: `${this.odataBaseUrl}/${relativePath}${buildQueryString(options.query)}`,
      target: options.target,
      operation: `${method} ${options.target}`,
      headers: { ...(hasBody ? { 'Content-Type': 'application/json; charset=utf-8' } : {}), ...options.headers },
      ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
      auth: true,
      ...(options.on5xx ? { on5xx: options.on5xx } : {}),
      ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    if (answer.isHtml) {
      // Reference §2.5 (Medium): an HTML answer means a wrong URL or a login redirect.
      throw new PermanentError(
        `Creatio answered ${method} ${options.target} with an HTML page (HTTP ${answer.status}): the instance URL or OData root is probably wrong (${this.odataBaseUrl}; cloud uses /0/odata, .NET 8 on-site uses /odata)`,
        { status: answer.status, code: 'html_response', kind: 'auth' },
      );
    }
    return answer;
  }

  /** One logical request: token, retries with backoff, a refresh + replay on 401 (twice in a row is permanent). */
  private async send(spec: SendSpec): Promise<HttpAnswer> {
    const maxAttempts = Math.max(1, spec.maxAttempts ?? this.maxAttempts);
    let attempt = 0;
    let refreshed = false;
    let token = spec.auth ? await this.tokens.get() : undefined;
    for (;;) {
      attempt += 1;
      let answer: HttpAnswer;
      try {
        answer = await this.exchange(spec, token, attempt);
      } catch (error) {
        if (error instanceof RetryableError && attempt < maxAttempts) {
          await this.pause(spec, attempt, error.kind, undefined);
          continue;
        }
        throw error;
      }
      if (spec.auth && answer.status === 401 && token !== undefined) {
        if (refreshed) {
          throw new PermanentError(
            `Creatio ${spec.operation} answered 401 even with a fresh token: the OAuth app's user may be inactive or lack "Access to OData" (CanUseODataService)`,
            { status: 401, kind: 'auth' },
          );
        }
        refreshed = true;
        attempt -= 1; // the forced refresh does not use up a retry
        token = await this.tokens.renewAfterRejection(token);
        continue;
      }
      // Only a 401 straight after a refresh means the credentials are refused: a token that got any other
      // answer was accepted, so if it expires later in this request's retries it may be refreshed again.
      refreshed = false;
      if (answer.status === 408 || answer.status === 429 || answer.status >= 500) {
        if (answer.status >= 500 && spec.on5xx) {
          const settled = await spec.on5xx(answer);
          if (settled) return settled;
        }
        const error = errorForStatus({
          status: answer.status,
          body: answer.body,
          operation: spec.operation,
          retryAfterMs: parseRetryAfterMs(answer.headers.get('retry-after'), this.now()),
        });
        if (error instanceof PermanentError) return answer;
        if (attempt >= maxAttempts) throw error;
        if (error.retryAfterMs !== undefined && error.retryAfterMs > this.maxRetryAfterMs) throw error;
        await this.pause(spec, attempt, error.kind, error.retryAfterMs);
        if (spec.auth && token !== undefined) token = await this.tokens.get();
        continue;
      }
      return answer;
    }
  }

  private async pause(spec: Pick<SendSpec, 'kind' | 'target'>, attempt: number, reason: string, retryAfterMs: number | undefined): Promise<void> {
    const delayMs = retryAfterMs ?? backoffDelayMs(attempt, { baseDelayMs: this.baseDelayMs, maxDelayMs: this.maxDelayMs, random: this.random });
    if (!retryFits(delayMs, this.config.deadline, 500, this.now())) {
      // The invocation's time budget: the message comes back later instead of the Lambda timing out.
      throw new RetryableError(`Creatio ${spec.target}: no time left in this invocation for another attempt (${reason})`, { kind: 'deadline' });
    }
    this.emit({ type: 'retry', kind: spec.kind, target: spec.target, reason, delayMs, attempt });
    await this.sleep(delayMs);
  }

  /** One HTTP attempt; a timeout or network failure becomes a RetryableError. */
  private async exchange(spec: SendSpec, token: string | undefined, attempt: number): Promise<HttpAnswer> {
    this.counts[spec.kind] += 1;
    const started = this.now();
    const timeoutMs = cappedTimeoutMs(spec.timeoutMs ?? this.timeoutMs, this.config.deadline, this.now());
    const signal = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { Accept: 'application/json', ...spec.headers };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    try {
      const payload = typeof spec.body === 'function' ? spec.body() : spec.body;
      const streamed = payload !== undefined && typeof payload !== 'string' && !(payload instanceof Uint8Array);
      // A streamed body goes through node:http, which keeps to the socket's pace (see stream-request.ts).
      const response = streamed
        ? await streamRequest(spec.url, { method: spec.method, headers, body: payload, signal })
        : await this.fetchImpl(spec.url, {
            method: spec.method,
            headers,
            ...(payload !== undefined ? { body: payload as string } : {}),
            signal,
          } as RequestInit);
      if (spec.binaryAnswer && response.status === 200) {
        const bytes = Buffer.from(await response.arrayBuffer());
        this.emit({ type: 'request', kind: spec.kind, target: spec.target, status: response.status, attempt, durationMs: this.now() - started });
        return { status: response.status, headers: response.headers, body: bytes, isHtml: false };
      }
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      const isHtml = contentType.includes('text/html') || /^\s*<(!doctype|html)/i.test(text);
      const body = text === '' ? undefined : contentType.includes('json') || /^\s*[[{]/.test(text) ? safeJson(text) : text;
      this.emit({ type: 'request', kind: spec.kind, target: spec.target, status: response.status, attempt, durationMs: this.now() - started });
      return { status: response.status, headers: response.headers, body, isHtml };
    } catch (error) {
      const timedOut = isTimeoutError(error, signal);
      this.emit({
        type: 'request',
        kind: spec.kind,
        target: spec.target,
        status: undefined,
        attempt,
        durationMs: this.now() - started,
        failure: timedOut ? 'timeout' : 'network',
      });
      if (timedOut) {
        throw new RetryableError(`Creatio ${spec.operation} timed out after ${timeoutMs} ms`, { kind: 'timeout', cause: error });
      }
      throw new RetryableError(`Creatio ${spec.operation} failed: network error (${networkCause(error)})`, { kind: 'network', cause: error });
    }
  }

  /**
   * The token endpoint: `<identityUrl>/connect/token` when the identity service is configured;
   * otherwise discovered once from `<instance>/0/.well-known/openid-configuration` (its
   * `token_endpoint`), falling back to the `-is` host for `*.creatio.com` and then to
   * `<instance>/0/connect/token` (on-site and custom domains: `<instance>/connect/token` is not
   * served). Kept for the life of the client; a discovery that could not reach the instance is tried
   * again next time.
   */
  private tokenEndpoint(): Promise<string> {
    if (this.config.identityUrl) return Promise.resolve(`${this.identityUrl}/connect/token`);
    this.tokenEndpointPromise ??= this.discoverTokenEndpoint().then((found) => {
      if (!found.cache) this.tokenEndpointPromise = undefined;
      return found.url;
    });
    return this.tokenEndpointPromise;
  }

  private async discoverTokenEndpoint(): Promise<{ readonly url: string; readonly cache: boolean }> {
    const host = new URL(this.instanceUrl).hostname.toLowerCase();
    const fallback = host.endsWith('.creatio.com') ? `${defaultIdentityUrl(this.instanceUrl)}/connect/token` : `${this.instanceUrl}/0/connect/token`;
    let answer: HttpAnswer;
    try {
      answer = await this.send({
        kind: 'token',
        method: 'GET',
        url: `${this.instanceUrl}/0/.well-known/openid-configuration`,
        target: 'openid-configuration',
        operation: 'token endpoint discovery',
        auth: false,
        maxAttempts: 2,
      });
    } catch (error) {
      if (error instanceof RetryableError) return { url: fallback, cache: false };
      throw error;
    }
    const parsed = discoverySchema.safeParse(answer.body);
    if (answer.status === 200 && !answer.isHtml && parsed.success && this.isAllowedTokenEndpoint(parsed.data.token_endpoint)) {
      return { url: parsed.data.token_endpoint, cache: true };
    }
    return { url: fallback, cache: answer.status < 500 };
  }

  /** The client secret goes there: https only (plain http only when the instance itself is local http). */
  private isAllowedTokenEndpoint(value: string): boolean {
    try {
      const url = new URL(value);
      if (url.search || url.hash || url.username || url.password) return false;
      return url.protocol === 'https:' || (url.protocol === 'http:' && new URL(this.instanceUrl).protocol === 'http:');
    } catch {
      return false;
    }
  }

  private async fetchToken(): Promise<IssuedToken> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.config.clientId,
      client_secret: this.config.clientSecret,
    });
    const tokenUrl = await this.tokenEndpoint();
    const answer = await this.send({
      kind: 'token',
      method: 'POST',
      url: tokenUrl,
      target: 'connect/token',
      operation: 'token request',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      auth: false,
    });
    const failure = { status: answer.status, identityUrl: this.identityUrl, tokenUrl };
    if (answer.isHtml) throw tokenFailureError({ ...failure, error: undefined, description: undefined, html: true });
    if (answer.status >= 200 && answer.status < 300) {
      const parsed = tokenResponseSchema.safeParse(answer.body);
      if (!parsed.success) {
        throw tokenFailureError({ ...failure, error: 'no_access_token', description: 'the answer carried no access_token', html: false });
      }
      return { accessToken: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in ?? 3600 };
    }
    const oauth = oauthErrorSchema.safeParse(answer.body);
    throw tokenFailureError({
      ...failure,
      error: oauth.success ? oauth.data.error : undefined,
      description: oauth.success ? oauth.data.error_description : undefined,
      html: false,
    });
  }

  private emit(event: CreatioClientEvent): void {
    if (!this.config.onEvent) return;
    try {
      this.config.onEvent(event);
    } catch {
      // a metrics hook must never break a request
    }
  }
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};
