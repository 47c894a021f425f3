import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { renderAdminPage } from './admin-page';
import { type Answer, JSON_TYPE, ODataHandler } from './odata-handler';
import { type ColumnDef, buildSchemas } from './schema';
import { SandboxError, errors } from './sandbox-errors';
import { type SandboxRecord, SandboxStore, type StoreHooks } from './store';
import { FILE_DATA_PATH, type StoredFile, type UploadFaults, createFileContentStore } from './file-content';

export type FaultKind = '500' | '429' | 'reset' | 'timeout';

export interface CreatioSandboxFaults {
  /** Probability (0..1) that an eligible request gets a fault. */
  readonly rate: number;
  readonly kinds: readonly FaultKind[];
  /** For 429 answers; default 1. */
  readonly retryAfterSeconds?: number;
  /** Inject at most this many faults, then behave. */
  readonly count?: number;
  /**
   * 'before' (default): the request has no effect. 'after': the write is applied, then the answer is
   * lost or replaced — a retried create then meets its own record (a lost-response replay).
   */
  readonly when?: 'before' | 'after';
  /** Also fault `/connect/token` (default: OData only). */
  readonly includeToken?: boolean;
  /** 'timeout': hold the request this long before answering (default 30 s); a client that gives up first gets nothing. */
  readonly hangMs?: number;
}

export interface CreatioSandboxOptions extends StoreHooks {
  /** 0 (default) = a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** `expires_in` of issued tokens; default 3600 like Creatio. */
  readonly tokenLifetimeSeconds?: number;
  /** Added before every answer (token and OData). */
  readonly latencyMs?: number;
  readonly faults?: CreatioSandboxFaults | null;
  /** Seed the lookups (default true). */
  readonly seed?: boolean;
  /** '/0/odata' (default) or '/odata'. */
  readonly odataRoot?: string;
  readonly caseNumberStart?: number;
  /** Custom `Usr*` columns per collection. */
  readonly extraColumns?: Readonly<Record<string, readonly ColumnDef[]>>;
  readonly maxBatchRequests?: number;
  readonly random?: () => number;
  readonly now?: () => Date;
  /** ActivityFile content larger than this is kept as size + sha256 only (default 32 MB). */
  readonly keepFileBytesUpTo?: number;
}

export interface RequestLogEntry {
  readonly at: string;
  readonly method: string;
  /** Path only: queries (which hold e-mails and phone numbers) are not logged, nor bodies. */
  readonly path: string;
  /** null when no answer was sent (reset, or a hang the client gave up on). */
  status: number | null;
  fault?: FaultKind;
}

export interface CreatioSandbox {
  /** Instance URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Identity service base URL: `<url>/0` (token at `<url>/0/connect/token`, discoverable from `<url>/0/.well-known/openid-configuration`). */
  readonly identityUrl: string;
  readonly odataUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly store: SandboxStore;
  readonly requestLog: readonly RequestLogEntry[];
  setFaults(faults: CreatioSandboxFaults | null): void;
  /** ActivityFile content by record id (lower-case), written with PUT …/ActivityFile(<id>)/Data. */
  readonly files: ReadonlyMap<string, StoredFile>;
  /** Cut the next upload(s) part-way, keeping what arrived (see file-content.ts). */
  setUploadFaults(faults: UploadFaults | null): void;
  /** What a rep's "attach file" on an activity leaves: an ActivityFile record (type File) and its content. Returns the file id. */
  attachFile(activityId: string, name: string, bytes: Buffer): string;
  setLatency(ms: number): void;
  /** Every token issued so far stops working (the next OData call gets 401). */
  expireAllTokens(): void;
  /** Restores the seeded data and forgets tokens and the request log; faults and latency stay. */
  reset(): void;
  /** Resolves when hooks started so far have finished. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Where the sandbox issues tokens: under `/0` on the instance, as newer Creatio versions do
 * (creatio-detail.md §1.2, Medium), and as `/0/.well-known/openid-configuration` says. Not at
 * `<instance>/connect/token`, which Creatio does not serve.
 */
const TOKEN_PATH = '/0/connect/token';
const LOGIN_PAGE = '<!DOCTYPE html><html><head><title>Creatio</title></head><body><form action="/Login/NuiLogin.aspx">Login</form></body></html>';

const faultsSchema = z.object({
  rate: z.number().min(0).max(1),
  kinds: z.array(z.enum(['500', '429', 'reset', 'timeout'])).min(1),
  retryAfterSeconds: z.number().int().min(0).optional(),
  count: z.number().int().min(0).optional(),
  when: z.enum(['before', 'after']).optional(),
  includeToken: z.boolean().optional(),
  hangMs: z.number().int().min(0).optional(),
});

class BodyTooLarge extends Error {}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const parseJson = (buffer: Buffer): unknown => {
  if (buffer.length === 0) return undefined;
  try {
    return JSON.parse(buffer.toString('utf8')) as unknown;
  } catch {
    throw errors.badBody('The request body is not valid JSON.');
  }
};

const basicCredentials = (header: string | undefined): { id: string; secret: string } | undefined => {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
};

/**
 * Starts an in-memory Creatio look-alike: the Identity Service token endpoint and the OData 4 service
 * on one origin, with fault and latency injection. See README-level notes in index.ts.
 */
export const startCreatioSandbox = async (options: CreatioSandboxOptions = {}): Promise<CreatioSandbox> => {
  const clientId = options.clientId ?? 'sandbox-client';
  const clientSecret = options.clientSecret ?? 'sandbox-secret';
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  const root = `/${(options.odataRoot ?? '/0/odata').replace(/^\/+|\/+$/g, '')}`;
  const maxBatch = options.maxBatchRequests ?? 100;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  let latencyMs = options.latencyMs ?? 0;
  let faults: CreatioSandboxFaults | null = options.faults ? faultsSchema.parse(options.faults) : null;
  let faultsInjected = 0;
  let stopped = false;
  let origin = '';

  const tokens = new Map<string, number>();
  const requestLog: RequestLogEntry[] = [];
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();

  const store = new SandboxStore({
    schemas: buildSchemas(options.extraColumns),
    now,
    seed: options.seed ?? true,
    caseNumberStart: options.caseNumberStart ?? 1,
    hooks: {
      ...(options.onRecordAdded ? { onRecordAdded: options.onRecordAdded } : {}),
      ...(options.onRecordModified ? { onRecordModified: options.onRecordModified } : {}),
      ...(options.onRecordDeleted ? { onRecordDeleted: options.onRecordDeleted } : {}),
    },
  });
  const odata = new ODataHandler(store, () => `${origin}${root}`);
  const fileContent = createFileContentStore(options.keepFileBytesUpTo !== undefined ? { keepBytesUpTo: options.keepFileBytesUpTo } : {});

  /** A delay that stop() cuts short. */
  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0 || stopped) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        timers.delete(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timers.add(timer);
      waiters.add(done);
    });

  const send = (res: ServerResponse, entry: RequestLogEntry, answer: Answer): void => {
    entry.status = answer.status;
    if (res.writableEnded || res.destroyed) return;
    const headers: Record<string, string> = { 'OData-Version': '4.0', ...answer.headers };
    let payload: string | undefined;
    if (answer.text !== undefined) payload = answer.text;
    else if (answer.body !== undefined) {
      payload = JSON.stringify(answer.body);
      headers['Content-Type'] ??= JSON_TYPE;
    }
    if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
    res.writeHead(answer.status, headers);
    res.end(payload);
  };

  const pickFault = (isToken: boolean): FaultKind | undefined => {
    if (!faults || (isToken && !faults.includeToken)) return undefined;
    if (faults.count !== undefined && faultsInjected >= faults.count) return undefined;
    if (random() >= faults.rate) return undefined;
    const kind = faults.kinds[Math.min(faults.kinds.length - 1, Math.floor(random() * faults.kinds.length))];
    if (kind) faultsInjected += 1;
    return kind;
  };

  // ---- token endpoint (Identity Service) -------------------------------------------------------

  const tokenEndpoint = (req: IncomingMessage, raw: Buffer): Answer => {
    if (req.method !== 'POST') return { status: 405, body: { error: 'invalid_request' } };
    const form = new URLSearchParams(raw.toString('utf8'));
    const basic = basicCredentials(req.headers.authorization);
    const id = basic?.id ?? form.get('client_id');
    const secret = basic?.secret ?? form.get('client_secret');
    const noStore = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
    // IdentityServer authenticates the client before looking at the grant (Medium).
    if (id !== clientId || secret !== clientSecret) return { status: 400, body: { error: 'invalid_client' }, headers: noStore };
    const grant = form.get('grant_type');
    if (!grant) return { status: 400, body: { error: 'invalid_request' }, headers: noStore };
    if (grant !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' }, headers: noStore };
    const token = randomBytes(32).toString('base64url');
    tokens.set(token, now().getTime() + tokenLifetimeSeconds * 1000);
    return {
      status: 200,
      body: { access_token: token, expires_in: tokenLifetimeSeconds, token_type: 'Bearer', scope: 'ApplicationAccess_sandbox' },
      headers: noStore,
    };
  };

  const authorised = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) return false;
    const expiresAt = tokens.get(header.slice(7).trim());
    return expiresAt !== undefined && now().getTime() < expiresAt;
  };

  // Status 401 is High (reference §1.3); the header and the empty body are a guess (Low): the client
  // relies on the status only.
  const unauthorised: Answer = {
    status: 401,
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  };

  // ---- $batch ----------------------------------------------------------------------------------

  const batchRequestSchema = z.object({
    requests: z.array(
      z.looseObject({
        id: z.union([z.string(), z.number()]).transform(String),
        method: z.string(),
        url: z.string(),
        headers: z.record(z.string(), z.string()).optional(),
        body: z.unknown().optional(),
        atomicityGroup: z.string().optional(),
      }),
    ),
  });

  const batch = (req: IncomingMessage, raw: Buffer): Answer => {
    if (req.method !== 'POST') throw errors.methodNotAllowed(req.method ?? '');
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.includes('json')) {
      // Creatio also accepts multipart/mixed (High); the sandbox implements the JSON format only.
      throw new SandboxError(415, 'The sandbox implements JSON $batch only (Content-Type: application/json).');
    }
    const parsed = batchRequestSchema.safeParse(parseJson(raw));
    if (!parsed.success) throw errors.badBody('The batch request body must be {"requests":[{id, method, url, headers?, body?}]}.');
    const { requests } = parsed.data;
    if (requests.length > maxBatch) throw errors.batchTooLarge(requests.length, maxBatch);
    // Documented on the outer request (Academy, High); the Academy example also sets it per part.
    // `atomicityGroup` is accepted but not honoured: the sandbox does not roll a group back (Creatio's
    // change-set semantics for JSON batches: not confirmed, Low).
    const continueOnError = /continue-on-error/i.test(String(req.headers.prefer ?? ''));
    const responses: Record<string, unknown>[] = [];
    for (const part of requests) {
      const target = new URL(part.url, `${origin}${root}/`);
      const resource = target.pathname.startsWith(`${root}/`) ? target.pathname.slice(root.length + 1) : target.pathname.replace(/^\/+/, '');
      const answer = odata.handle({
        method: part.method.toUpperCase(),
        resource: decodeURIComponent(resource),
        params: target.searchParams,
        body: part.body,
      });
      responses.push({
        id: part.id,
        status: answer.status,
        headers: { 'content-type': JSON_TYPE, ...Object.fromEntries(Object.entries(answer.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])) },
        ...(answer.body !== undefined ? { body: answer.body } : {}),
      });
      if (answer.status >= 400 && !continueOnError) break;
    }
    return { status: 200, body: { responses } };
  };

  // ---- admin -----------------------------------------------------------------------------------

  const admin = (req: IncomingMessage, path: string, raw: Buffer): Answer => {
    const method = req.method ?? 'GET';
    if (path === '/_sandbox' || path === '/_sandbox/') {
      return { status: 200, text: renderAdminPage(store), headers: { 'Content-Type': 'text/html; charset=utf-8' } };
    }
    if (method === 'GET' && path === '/_sandbox/requests') return { status: 200, body: requestLog };
    if (method === 'GET' && path === '/_sandbox/api') {
      return { status: 200, body: Object.fromEntries(store.collections().map((name) => [name, store.list(name).length])) };
    }
    const record = /^\/_sandbox\/api\/([A-Za-z_][A-Za-z0-9_]*)(?:\/([0-9a-fA-F-]{36}))?$/.exec(path);
    if (method === 'GET' && record) {
      const [, collection = '', id] = record;
      if (!store.schema(collection)) return { status: 404, body: errors.unknownSegment(collection).toBody() };
      if (id === undefined) return { status: 200, body: store.list(collection) };
      const found = store.get(collection, id);
      return found ? { status: 200, body: found } : { status: 404, body: errors.notFound(collection, id).toBody() };
    }
    if (method === 'POST' && path === '/_sandbox/faults') {
      const body = parseJson(raw);
      if (body === null || body === undefined) {
        sandbox.setFaults(null);
        return { status: 204 };
      }
      const parsed = faultsSchema.safeParse(body);
      if (!parsed.success) return { status: 400, body: { error: { code: '', message: parsed.error.message } } };
      sandbox.setFaults(parsed.data);
      return { status: 204 };
    }
    if (method === 'POST' && path === '/_sandbox/upload-faults') {
      const parsed = z
        .object({ afterFraction: z.number().min(0).max(1).optional(), count: z.number().int().min(0).optional() })
        .nullable()
        .safeParse(parseJson(raw) ?? null);
      if (!parsed.success) return { status: 400, body: { error: { code: '', message: 'expected {"afterFraction"?: 0..1, "count"?: n} or null' } } };
      fileContent.setUploadFaults(parsed.data);
      return { status: 204 };
    }
    if (method === 'POST' && path === '/_sandbox/latency') {
      const parsed = z.object({ ms: z.number().int().min(0) }).safeParse(parseJson(raw));
      if (!parsed.success) return { status: 400, body: { error: { code: '', message: 'expected {"ms": <non-negative integer>}' } } };
      sandbox.setLatency(parsed.data.ms);
      return { status: 204 };
    }
    if (method === 'POST' && path === '/_sandbox/expire-tokens') {
      sandbox.expireAllTokens();
      return { status: 204 };
    }
    if (method === 'POST' && path === '/_sandbox/reset') {
      sandbox.reset();
      return { status: 204 };
    }
    return { status: 404, body: errors.unknownSegment(path).toBody() };
  };

  // ---- dispatch --------------------------------------------------------------------------------

  const dispatch = (req: IncomingMessage, url: URL, raw: Buffer): Answer => {
    const path = url.pathname;
    if (path === TOKEN_PATH) return tokenEndpoint(req, raw);
    if (path === '/0/.well-known/openid-configuration') {
      return { status: 200, body: { issuer: 'creatio.com', token_endpoint: `${origin}${TOKEN_PATH}`, grant_types_supported: ['client_credentials'] } };
    }
    // The app host has no identity-service routes: like Creatio, it answers with its login page (HTTP 200, HTML).
    if (path === '/connect/token' || path === '/.well-known/openid-configuration')
      return { status: 200, text: LOGIN_PAGE, headers: { 'Content-Type': 'text/html; charset=utf-8' } };
    if (path !== root && !path.startsWith(`${root}/`)) return { status: 404, body: errors.unknownSegment(path).toBody() };
    if (!authorised(req)) return unauthorised;
    const resource = decodeURIComponent(path.slice(root.length).replace(/^\/+/, ''));
    try {
      if (resource === '$batch') return batch(req, raw);
      const method = (req.method ?? 'GET').toUpperCase();
      const body = method === 'POST' || method === 'PATCH' || method === 'MERGE' ? parseJson(raw) : undefined;
      return odata.handle({ method, resource, params: url.searchParams, body });
    } catch (error) {
      if (error instanceof SandboxError) return { status: error.status, body: error.toBody() };
      throw error;
    }
  };

  const applyFault = async (kind: FaultKind, req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry, answer: () => Answer): Promise<void> => {
    entry.fault = kind;
    switch (kind) {
      case '500':
        answer();
        send(res, entry, { status: 500, body: errors.serverFault().toBody() });
        return;
      case '429': {
        answer();
        const seconds = faults?.retryAfterSeconds ?? 1;
        send(res, entry, { status: 429, body: errors.throttled().toBody(), headers: { 'Retry-After': String(seconds) } });
        return;
      }
      case 'reset':
        answer();
        entry.status = null;
        req.socket.destroy();
        return;
      case 'timeout': {
        let closed = false;
        const gone = new Promise<void>((resolve) =>
          res.once('close', () => {
            closed = true;
            resolve();
          }),
        );
        await Promise.race([wait(faults?.hangMs ?? 30_000), gone]);
        if (closed || stopped) {
          entry.status = null;
          return;
        }
        send(res, entry, answer());
        return;
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const entry: RequestLogEntry = { at: now().toISOString(), method: req.method ?? 'GET', path: url.pathname, status: null };
    // File content streams: it is not read into the 10 MB JSON body buffer.
    const fileData = url.pathname.startsWith(`${root}/`) ? FILE_DATA_PATH.exec(url.pathname.slice(root.length)) : null;
    if (fileData) {
      requestLog.push(entry);
      await wait(latencyMs);
      if (stopped) return;
      if (!authorised(req)) {
        req.resume();
        send(res, entry, unauthorised);
        return;
      }
      const id = fileData[2] ?? '';
      const status = await fileContent.handle(req, res, id, store.get('ActivityFile', id) !== undefined);
      entry.status = status || null;
      return;
    }
    // The case page's file links: downloaded, never rendered.
    const download = /^\/_sandbox\/files\/([0-9a-fA-F-]{36})$/.exec(url.pathname);
    if (download) {
      const file = fileContent.files.get((download[1] ?? '').toLowerCase());
      if (file?.bytes) {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Disposition': 'attachment', 'Content-Length': String(file.bytes.length) }).end(file.bytes);
      } else res.writeHead(404).end();
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        requestLog.push(entry);
        send(res, entry, { status: 413, body: errors.badBody('The request body is too large.').toBody() });
      }
      return;
    }
    if (url.pathname.startsWith('/_sandbox')) {
      try {
        send(res, entry, admin(req, url.pathname, raw));
      } catch (error) {
        send(res, entry, error instanceof SandboxError ? { status: error.status, body: error.toBody() } : { status: 500, body: errors.serverFault().toBody() });
      }
      return;
    }
    requestLog.push(entry);
    await wait(latencyMs);
    if (stopped) return;
    const isToken = url.pathname === TOKEN_PATH;
    const eligible = isToken || url.pathname === root || url.pathname.startsWith(`${root}/`);
    const fault = eligible ? pickFault(isToken) : undefined;
    try {
      if (!fault) {
        send(res, entry, dispatch(req, url, raw));
        return;
      }
      if ((faults?.when ?? 'before') === 'after') {
        const done = dispatch(req, url, raw);
        await applyFault(fault, req, res, entry, () => done);
        return;
      }
      // 'before': the request has no effect, except a hang that ends while the client still waits.
      await applyFault(fault, req, res, entry, () => (fault === 'timeout' ? dispatch(req, url, raw) : { status: 0 }));
    } catch {
      send(res, entry, { status: 500, body: errors.serverFault().toBody() });
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${host}:${address.port}`;

  const sandbox: CreatioSandbox = {
    url: origin,
    identityUrl: `${origin}/0`,
    odataUrl: `${origin}${root}`,
    clientId,
    clientSecret,
    store,
    requestLog,
    files: fileContent.files,
    setUploadFaults: (next) => fileContent.setUploadFaults(next),
    attachFile(activityId, name, bytes) {
      const record = store.insert('ActivityFile', { Name: name, ActivityId: activityId, TypeId: '529bc2f8-0ee0-df11-971b-001d60e938c6', Size: bytes.length });
      fileContent.put(String(record.Id), bytes);
      return String(record.Id);
    },
    setFaults(next) {
      faults = next ? faultsSchema.parse(next) : null;
      faultsInjected = 0;
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    expireAllTokens() {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    reset() {
      store.reset();
      fileContent.reset();
      tokens.clear();
      requestLog.length = 0;
      faultsInjected = 0;
    },
    idle: () => store.idle(),
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const done of [...waiters]) done();
      for (const timer of timers) clearTimeout(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.idle();
    },
  };
  return sandbox;
};

export type { SandboxRecord };
