/**
 * The OpenCX sandbox: a real HTTP server with OpenCX's public session API (Bearer auth, NestJS
 * error bodies, cursor-paginated history, send, status update) and an unauthenticated /__admin API
 * that plays customer, AI and agent and POSTs OpenCX's webhooks to the bridge. See README.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { AGENT_SENDER_TYPE } from '../../functions/shared/opencx/client';
import { createSandboxState, SandboxError, type SendBody } from './state';
import type {
  AddMessageInput,
  ApiRequestRecord,
  CloseInput,
  CreateSessionInput,
  HandoffInput,
  HistoryItem,
  OpenCxSandboxOptions,
  SandboxFaults,
  SandboxSession,
  SentMessageRecord,
  SessionObject,
  StatusUpdateRecord,
  WebhookDelivery,
} from './types';
import { createWebhookSender } from './webhooks';
import { createFileHost, type HostFileInput } from './files';

export const DEFAULT_SANDBOX_API_KEY = 'ocx_test_sandbox_key';
/**
 * 8 MB: a send may carry base64 attachments. OpenCX documents no body limit; its widget takes uploads
 * up to 5 MB (reference §1.5), i.e. ~6.7 MB as base64, which must fit.
 */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const STATUSES = ['open', 'closed_resolved', 'closed_unresolved'] as const;

export interface OpenCxSandbox {
  /** Base URL of the API, e.g. http://127.0.0.1:41234 (give it to the client as `baseUrl`). */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  readonly organizationId: string;
  /** Live view of the sessions and their histories. */
  readonly sessions: ReadonlyMap<string, SandboxSession>;
  /** Every `POST /chat/sessions/{id}/send`, accepted or not (after auth). */
  readonly sentMessages: readonly SentMessageRecord[];
  /** Every `PATCH /chat/sessions/{id}`, accepted or not (after auth). */
  readonly statusUpdates: readonly StatusUpdateRecord[];
  /** Every webhook POST and the bridge's answer. */
  readonly webhookDeliveries: readonly WebhookDelivery[];
  /** Every public API request (including 401s and injected faults), for request counting. */
  readonly requests: readonly ApiRequestRecord[];
  setWebhookUrl(url: string | undefined): void;
  setFaults(faults: SandboxFaults | undefined): void;
  setLatency(ms: number): void;
  /** Serves an attachment at `<url>/files/<id>/<name>` (see files.ts for slow, oversized and redirecting ones). */
  hostFile(input: HostFileInput): { id: string; url: string; size: number; sha256?: string };
  /** How many times a hosted file was downloaded. */
  fileFetches(id: string): number;
  /** The same operations as the admin endpoints, for in-process tests. */
  createSession(input: CreateSessionInput): Promise<{ session: SessionObject; webhook: WebhookDelivery }>;
  addMessage(sessionId: string, input: AddMessageInput): Promise<{ item: HistoryItem; webhook: WebhookDelivery | null }>;
  handOff(sessionId: string, input: HandoffInput): Promise<{ session: SessionObject; webhook: WebhookDelivery }>;
  close(sessionId: string, input: CloseInput): Promise<{ session: SessionObject; webhook: WebhookDelivery }>;
  seedExamples(): string[];
  /**
   * Posts a webhook of this session again, as a retrying or duplicating sender would: the last
   * envelope of `event` sent for it, or, for a handoff that happened before (seeded sessions),
   * one built from the session. `concurrent` posts all copies at once.
   */
  redeliver(sessionId: string, event: string, options?: { times?: number; concurrent?: boolean }): Promise<WebhookDelivery[]>;
  /** Forget sessions and recordings (keeps URL, key, faults). */
  reset(): void;
  /** Resolves once every webhook started so far has been delivered or has failed. */
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

const attachmentInput = z.object({
  id: z.string().optional(),
  name: z.string().min(1),
  size: z.number().int().nonnegative().optional(),
  type: z.string().min(1),
  url: z.string().optional(),
});

const CreateSessionBody = z.object({
  id: z.string().min(1).optional(),
  channel: z.string().min(1),
  contact: z
    .object({
      id: z.string().optional(),
      name: z.string().nullish(),
      email: z.string().nullish(),
      phone_number: z.string().nullish(),
      custom_data: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  custom_data: z.record(z.string(), z.unknown()).optional(),
  language: z.string().optional(),
  subject: z.string().optional(),
  first_message: z.object({ text: z.string(), attachments: z.array(attachmentInput).optional() }).optional(),
  created_at: z.string().optional(),
});

const AddMessageBody = z.object({
  author: z.enum(['customer', 'ai', 'agent']),
  text: z.string().optional(),
  internal: z.boolean().optional(),
  sender_name: z.string().optional(),
  attachments: z.array(attachmentInput).optional(),
  created_at: z.string().optional(),
});

const HandoffBody = z.object({
  summary: z.string(),
  sentiment: z.string().optional(),
  contact_reason: z.string().optional(),
  language: z.string().optional(),
  reason: z.string().optional(),
});

const CloseBody = z.object({
  outcome: z.enum(['resolved', 'unresolved']),
  closed_by: z.looseObject({ type: z.string() }).optional(),
  summary: z.string().optional(),
  contact_reason: z.string().optional(),
});

/** `POST /__admin/files`: an attachment to serve (see files.ts). */
const HostFileBody = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  text: z.string().optional(),
  size: z
    .number()
    .int()
    .nonnegative()
    .max(200 * 1024 * 1024)
    .optional(),
  seed: z.string().optional(),
  redirect_to: z.string().optional(),
  stall_after_bytes: z.number().int().nonnegative().optional(),
  announced_size: z.number().int().nonnegative().optional(),
  chunked: z.boolean().optional(),
});

const RedeliverBody = z.object({
  event: z.string().min(1),
  times: z.number().int().min(1).max(20).optional(),
  concurrent: z.boolean().optional(),
});

const FaultsBody = z
  .object({
    rate: z.number().min(0).max(1),
    kinds: z.array(z.enum(['429', '500'])).min(1),
    retryAfterSeconds: z.number().nonnegative().optional(),
    times: z.number().int().positive().optional(),
  })
  .nullable();

const parseWith = <T>(schema: z.ZodType<T>, body: unknown): T => {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new SandboxError(
      400,
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`),
    );
  }
  return parsed.data;
};

/** class-validator style checks of the send body, with NestJS-like messages. */
const validateSend = (body: unknown): SendBody => {
  const problems: string[] = [];
  const b = (body ?? {}) as Record<string, unknown>;
  const senders = [AGENT_SENDER_TYPE, 'contact'];
  if (!senders.includes(b.sender as string)) problems.push(`sender must be one of the following values: ${senders.join(', ')}`);
  const message = b.message as Record<string, unknown> | undefined;
  if (typeof message !== 'object' || message === null) problems.push('message must be an object');
  else {
    if (message.type !== 'text') problems.push('message.type must be one of the following values: text');
    if (typeof message.text !== 'string') problems.push('message.text must be a string');
    const attachments = message.attachments;
    if (attachments !== undefined && !Array.isArray(attachments)) problems.push('message.attachments must be an array');
    if (Array.isArray(attachments)) {
      attachments.forEach((a: Record<string, unknown>, i) => {
        if (typeof a?.name !== 'string') problems.push(`message.attachments.${i}.name must be a string`);
        if (typeof a?.mime_type !== 'string') problems.push(`message.attachments.${i}.mime_type must be a string`);
        if (typeof a?.url !== 'string' && typeof a?.base64 !== 'string') problems.push(`message.attachments.${i} needs url or base64`);
      });
    }
    if (typeof message.text === 'string' && message.text.trim() === '' && !(Array.isArray(attachments) && attachments.length > 0)) {
      problems.push('message.text should not be empty');
    }
  }
  const agent = b.agent as Record<string, unknown> | undefined;
  if (agent !== undefined) {
    if (typeof agent !== 'object' || agent === null) problems.push('agent must be an object');
    else {
      if (agent.id !== undefined && typeof agent.id !== 'number') problems.push('agent.id must be a number');
      if (agent.name !== undefined && typeof agent.name !== 'string') problems.push('agent.name must be a string');
    }
  }
  const customData = b.custom_data;
  if (customData !== undefined) {
    if (typeof customData !== 'object' || customData === null || Array.isArray(customData)) problems.push('custom_data must be an object');
    else if (Object.values(customData).some((v) => typeof v === 'object' && v !== null)) problems.push('custom_data values must be strings, numbers or booleans');
  }
  const takeOver = b.should_take_over_session_from_ai;
  if (takeOver !== undefined && typeof takeOver !== 'boolean') problems.push('should_take_over_session_from_ai must be a boolean value');
  if (problems.length > 0) throw new SandboxError(400, problems);
  return b as unknown as SendBody;
};

const readBody = (req: IncomingMessage): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SandboxError(413, 'request entity too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new SandboxError(400, 'Body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });

const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void => {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(text);
};

const encodeCursor = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url');
const decodeCursor = (cursor: string): number => {
  const match = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new SandboxError(400, 'cursor is invalid');
  return Number(match[1]);
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const startOpenCxSandbox = async (options: OpenCxSandboxOptions = {}): Promise<OpenCxSandbox> => {
  const apiKey = options.apiKey ?? DEFAULT_SANDBOX_API_KEY;
  const organizationId = options.organizationId ?? 'org_sandbox';
  const pageSize = Math.max(1, options.historyPageSize ?? 5);
  const emitAgentResponse = options.emitAgentResponseForApiMessages ?? true;
  const emitClosed = options.emitClosedForApiUpdates ?? true;
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date());
  let webhookUrl = options.webhookUrl;
  let faults = options.faults;
  let faultsLeft = options.faults?.times;
  let latencyMs = options.latencyMs ?? 0;

  const sentMessages: SentMessageRecord[] = [];
  const statusUpdates: StatusUpdateRecord[] = [];
  const webhookDeliveries: WebhookDelivery[] = [];
  const requests: ApiRequestRecord[] = [];

  const webhooks = createWebhookSender({
    url: () => webhookUrl,
    timeoutMs: options.webhookTimeoutMs ?? 3000,
    now,
    record: (delivery) => webhookDeliveries.push(delivery),
  });
  const state = createSandboxState({ organizationId, now, webhooks });
  if (options.seedExamples) state.seedExamples();

  /** Fire a webhook after the API has answered, as OpenCX does asynchronously (tracked by whenIdle). */
  const later = (followUp: (() => Promise<unknown>) | undefined): void => {
    if (followUp) void followUp();
  };

  const injectFault = (): { status: number; headers: Record<string, string> } | undefined => {
    if (!faults || faults.kinds.length === 0) return undefined;
    if (faultsLeft !== undefined && faultsLeft <= 0) return undefined;
    if (random() >= faults.rate) return undefined;
    if (faultsLeft !== undefined) faultsLeft -= 1;
    const kind = faults.kinds[Math.floor(random() * faults.kinds.length)] ?? faults.kinds[0];
    if (kind === '429') {
      const headers: Record<string, string> = faults.retryAfterSeconds !== undefined ? { 'retry-after': String(faults.retryAfterSeconds) } : {};
      return { status: 429, headers };
    }
    return { status: 500, headers: {} };
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const match = /^\/chat\/sessions\/([^/]+)(\/history|\/send)?\/?$/.exec(url.pathname);
    const sessionId = match ? decodeURIComponent(match[1]!) : undefined;
    const suffix = match?.[2] ?? '';
    const route = `${method} ${match ? `/chat/sessions/{id}${suffix}` : url.pathname}`;
    const record = (status: number): void => {
      requests.push({ method, route, ...(sessionId ? { sessionId } : {}), status, at: now().toISOString() });
    };
    const reply = (status: number, body?: unknown, headers?: Record<string, string>): void => {
      record(status);
      send(res, status, body, headers);
    };

    if (latencyMs > 0) await sleep(latencyMs);
    const fault = injectFault();
    if (fault) {
      const body =
        fault.status === 429
          ? { statusCode: 429, message: 'ThrottlerException: Too Many Requests', error: 'Too Many Requests' }
          : { statusCode: 500, message: 'Internal server error' };
      return reply(fault.status, body, fault.headers);
    }
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${apiKey}`) {
      const message = auth === '' ? 'Missing API key' : 'Invalid API key';
      return reply(401, { statusCode: 401, message, error: 'Unauthorized' });
    }

    try {
      if (!match || sessionId === undefined) throw new SandboxError(404, `Cannot ${method} ${url.pathname}`);
      if (method === 'GET' && suffix === '') return reply(200, state.get(sessionId).session);
      if (method === 'GET' && suffix === '/history') {
        const { history } = state.get(sessionId);
        const cursor = url.searchParams.get('cursor');
        const offset = cursor ? decodeCursor(cursor) : 0;
        const items = history.slice(offset, offset + pageSize);
        const next = offset + pageSize < history.length ? encodeCursor(offset + pageSize) : null;
        return reply(200, { items, next });
      }
      if (method === 'POST' && suffix === '/send') {
        const body = await readBody(req);
        const at = now().toISOString();
        try {
          state.get(sessionId);
          const valid = validateSend(body);
          const result = state.send(sessionId, valid, AGENT_SENDER_TYPE);
          sentMessages.push({ sessionId, at, body, status: 200, messageId: result.messageId });
          reply(200, result.response);
          if (valid.sender !== AGENT_SENDER_TYPE || emitAgentResponse) later(result.followUp);
          return;
        } catch (error) {
          if (error instanceof SandboxError) sentMessages.push({ sessionId, at, body, status: error.statusCode });
          throw error;
        }
      }
      if (method === 'PATCH' && suffix === '') {
        const body = await readBody(req);
        const at = now().toISOString();
        try {
          state.get(sessionId);
          const b = (body ?? {}) as Record<string, unknown>;
          const problems: string[] = [];
          if (!STATUSES.includes(b.status as (typeof STATUSES)[number])) {
            problems.push(`status must be one of the following values: ${STATUSES.join(', ')}`);
          }
          for (const flag of ['reflect_status_change_for_integration', 'generate_summary_and_sentiment_on_resolve']) {
            if (b[flag] !== undefined && typeof b[flag] !== 'boolean') problems.push(`${flag} must be a boolean value`);
          }
          if (problems.length > 0) throw new SandboxError(400, problems);
          const { followUp } = state.updateStatus(sessionId, b.status as SessionObject['status'], emitClosed);
          statusUpdates.push({ sessionId, at, body, status: 200 });
          reply(200);
          later(followUp);
          return;
        } catch (error) {
          if (error instanceof SandboxError) statusUpdates.push({ sessionId, at, body, status: error.statusCode });
          throw error;
        }
      }
      throw new SandboxError(404, `Cannot ${method} ${url.pathname}`);
    } catch (error) {
      if (error instanceof SandboxError) return reply(error.statusCode, error.body);
      return reply(500, { statusCode: 500, message: 'Internal server error' });
    }
  };

  const handleAdmin = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');
    const sessionMatch = /^\/__admin\/sessions\/([^/]+)(?:\/(messages|handoff|close|redeliver))?$/.exec(path);
    try {
      if (method === 'POST' && path === '/__admin/sessions') {
        const input = parseWith(CreateSessionBody, await readBody(req)) as CreateSessionInput;
        return send(res, 201, await state.createSession(input));
      }
      if (method === 'GET' && path === '/__admin/sessions') {
        return send(res, 200, { sessions: [...state.sessions.values()].map((s) => s.session) });
      }
      if (sessionMatch) {
        const id = decodeURIComponent(sessionMatch[1]!);
        const action = sessionMatch[2];
        if (method === 'GET' && action === undefined) {
          const entry = state.get(id);
          return send(res, 200, { session: entry.session, history: entry.history });
        }
        if (method === 'POST' && action === 'messages') {
          const input = parseWith(AddMessageBody, await readBody(req)) as AddMessageInput;
          return send(res, 201, await state.addMessage(id, input));
        }
        if (method === 'POST' && action === 'handoff') {
          const input = parseWith(HandoffBody, await readBody(req)) as HandoffInput;
          return send(res, 200, await state.handOff(id, input));
        }
        if (method === 'POST' && action === 'close') {
          const input = parseWith(CloseBody, await readBody(req)) as CloseInput;
          return send(res, 200, await state.close(id, input));
        }
        if (method === 'POST' && action === 'redeliver') {
          const input = parseWith(RedeliverBody, await readBody(req));
          const options = {
            ...(input.times !== undefined ? { times: input.times } : {}),
            ...(input.concurrent !== undefined ? { concurrent: input.concurrent } : {}),
          };
          return send(res, 200, { webhooks: await redeliver(id, input.event, options) });
        }
      }
      if (method === 'POST' && path === '/__admin/files') {
        const input = parseWith(HostFileBody, await readBody(req));
        const hosted = fileHost.host(
          {
            name: input.name,
            type: input.type,
            ...(input.text !== undefined ? { bytes: Buffer.from(input.text) } : {}),
            ...(input.size !== undefined ? { size: input.size } : {}),
            ...(input.seed !== undefined ? { seed: input.seed } : {}),
            ...(input.redirect_to !== undefined ? { redirectTo: input.redirect_to } : {}),
            ...(input.stall_after_bytes !== undefined ? { stallAfterBytes: input.stall_after_bytes } : {}),
            ...(input.announced_size !== undefined ? { announcedSize: input.announced_size } : {}),
            ...(input.chunked !== undefined ? { chunked: input.chunked } : {}),
          },
          `http://${req.headers.host ?? '127.0.0.1'}`,
        );
        return send(res, 201, hosted);
      }
      if (method === 'POST' && path === '/__admin/seed') return send(res, 200, { sessions: state.seedExamples() });
      if (method === 'GET' && path === '/__admin/state') {
        return send(res, 200, { sentMessages, statusUpdates, webhookDeliveries, requests, webhookUrl: webhookUrl ?? null, faults: faults ?? null });
      }
      if (method === 'PUT' && path === '/__admin/webhook') {
        const body = parseWith(z.object({ url: z.string().url().nullable() }), await readBody(req));
        webhookUrl = body.url ?? undefined;
        return send(res, 200, { url: body.url });
      }
      if (method === 'PUT' && path === '/__admin/faults') {
        const body = parseWith(FaultsBody, (await readBody(req)) ?? null);
        faults = body ?? undefined;
        faultsLeft = body?.times;
        return send(res, 200, { faults: body });
      }
      if (method === 'PUT' && path === '/__admin/latency') {
        const body = parseWith(z.object({ ms: z.number().int().nonnegative() }), await readBody(req));
        latencyMs = body.ms;
        return send(res, 200, { ms: body.ms });
      }
      if (method === 'POST' && path === '/__admin/reset') {
        reset();
        return send(res, 200, { reset: true });
      }
      throw new SandboxError(404, `Cannot ${method} ${url.pathname}`);
    } catch (error) {
      if (error instanceof SandboxError) return send(res, error.statusCode, error.body);
      return send(res, 500, { statusCode: 500, message: error instanceof Error ? error.message : 'Internal server error' });
    }
  };

  const redeliver = async (sessionId: string, event: string, options: { times?: number; concurrent?: boolean } = {}): Promise<WebhookDelivery[]> => {
    state.get(sessionId);
    const previous = [...webhookDeliveries].reverse().find((d) => d.conversationId === sessionId && d.event === event);
    let envelope = previous?.envelope;
    if (!envelope && event === 'conversation.handoff_to_human') envelope = state.handoffEnvelope(sessionId);
    if (!envelope) throw new SandboxError(400, `No ${event} webhook was sent for session ${sessionId} yet`);
    const copy = envelope;
    const times = Math.max(1, options.times ?? 1);
    if (options.concurrent) {
      return Promise.all(Array.from({ length: times }, () => webhooks.deliver(copy, sessionId)));
    }
    const deliveries: WebhookDelivery[] = [];
    for (let i = 0; i < times; i += 1) deliveries.push(await webhooks.deliver(copy, sessionId));
    return deliveries;
  };

  const reset = (): void => {
    state.reset();
    sentMessages.length = 0;
    statusUpdates.length = 0;
    webhookDeliveries.length = 0;
    requests.length = 0;
  };

  const fileHost = createFileHost();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (url.pathname.startsWith('/files/') && fileHost.handle(req, res, url.pathname)) return;
    const handler = url.pathname === '/__admin' || url.pathname.startsWith('/__admin/') ? handleAdmin : handleApi;
    handler(req, res, url).catch(() => {
      if (!res.headersSent) send(res, 500, { statusCode: 500, message: 'Internal server error' });
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    apiKey,
    organizationId,
    sessions: state.sessions,
    sentMessages,
    statusUpdates,
    webhookDeliveries,
    requests,
    setWebhookUrl(next) {
      webhookUrl = next;
    },
    setFaults(next) {
      faults = next;
      faultsLeft = next?.times;
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    hostFile: (input) => fileHost.host(input, url),
    fileFetches: (id) => fileHost.fetches(id),
    createSession: (input) => state.createSession(input),
    addMessage: (sessionId, input) => state.addMessage(sessionId, input),
    handOff: (sessionId, input) => state.handOff(sessionId, input),
    close: (sessionId, input) => state.close(sessionId, input),
    seedExamples: () => state.seedExamples(),
    redeliver,
    reset,
    whenIdle: () => webhooks.whenIdle(),
    async stop() {
      await webhooks.whenIdle();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
};
