import { PermanentError, RetryableError, ValidationError } from '../../functions/shared/errors';
import { AGENT_SENDER_TYPE, createOpenCxClient, type OpenCxClientConfig, type OpenCxClientEvent } from '../../functions/shared/opencx';
import emailHistory from '../../local/opencx-sandbox/seeds/history-email.json';
import emailSession from '../../local/opencx-sandbox/seeds/session-email.json';
import whatsappSession from '../../local/opencx-sandbox/seeds/session-whatsapp.json';

const API_KEY = 'ocx_live_test_0123456789';
const SESSION_ID = emailSession.id;

interface Call {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  readonly body: unknown;
}

type Answer = Response | Error | ((call: Call, signal: AbortSignal | undefined) => Response | Promise<Response>);

const json = (status: number, body?: unknown, headers: Record<string, string> = {}): Response =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** A fetch that answers from a script, one answer per request, and records the requests. */
const scriptedFetch = (...answers: Answer[]) => {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const call: Call = {
      url: new URL(String(input)),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`unexpected request ${call.method} ${call.url.pathname}`);
    if (answer instanceof Error) throw answer;
    if (typeof answer === 'function') return answer(call, init?.signal ?? undefined);
    return answer;
  }) as typeof globalThis.fetch;
  return { fetch, calls };
};

const connectionRefused = (): Error => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
const connectionReset = (): Error => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });

const makeClient = (fetch: typeof globalThis.fetch, overrides: Partial<OpenCxClientConfig> = {}) => {
  const sleeps: number[] = [];
  const client = createOpenCxClient({
    apiKey: API_KEY,
    baseUrl: 'https://opencx.test/',
    fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    maxAttempts: 3,
    ...overrides,
  });
  return { client, sleeps };
};

const captureError = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
};

describe('OpenCX client: authentication and session reads', () => {
  it('sends the API key as a Bearer token to the configured base URL', async () => {
    // Arrange
    const { fetch, calls } = scriptedFetch(json(200, emailSession));
    const { client } = makeClient(fetch);

    // Act
    await client.getSession(SESSION_ID);

    // Assert
    expect(calls[0]?.url.href).toBe(`https://opencx.test/chat/sessions/${SESSION_ID}`);
    expect(calls[0]?.headers.get('authorization')).toBe(`Bearer ${API_KEY}`);
    expect(calls[0]?.headers.get('accept')).toBe('application/json');
  });

  it('parses the email example session with its contact, handoff and custom data', async () => {
    const { fetch } = scriptedFetch(json(200, emailSession));
    const { client } = makeClient(fetch);

    const session = await client.getSession(SESSION_ID);

    expect(session.channel?.type).toBe('email');
    expect(session.ticket_number).toBe(48213);
    expect(session.contact?.email).toBe('dana.whitfield@example.org');
    expect(session.handoff?.sentiment).toBe('angry');
    expect(session.custom_data).toEqual({ priority: 'High', category: 'Billing', product: 'Annual plan' });
  });

  it('parses the WhatsApp example session although it lacks several documented fields', async () => {
    const { fetch } = scriptedFetch(json(200, whatsappSession));
    const { client } = makeClient(fetch);

    const session = await client.getSession(whatsappSession.id);

    expect(session.contact?.phone_number).toBe('+49 151 2345 6789');
    expect(session.assist_mode).toBeUndefined();
    expect(session.ticketing_system).toBeUndefined();
  });

  it('keeps fields OpenCX adds later and accepts statuses and channels it does not know yet', async () => {
    const { fetch } = scriptedFetch(json(200, { ...emailSession, status: 'snoozed', channel: { type: 'telegram' }, brand_new_field: { a: 1 } }));
    const { client } = makeClient(fetch);

    const session = await client.getSession(SESSION_ID);

    expect(session.status).toBe('snoozed');
    expect(session.channel?.type).toBe('telegram');
    expect(session['brand_new_field']).toEqual({ a: 1 });
  });

  it('fails loudly with a permanent schema error when the session has no id', async () => {
    const { fetch } = scriptedFetch(json(200, { ...emailSession, id: undefined }));
    const { client } = makeClient(fetch);

    const error = await captureError(client.getSession(SESSION_ID));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ kind: 'schema' });
    expect((error as Error).message).toContain('id');
  });

  it('refuses to start without an API key', () => {
    expect(() => createOpenCxClient({ apiKey: ' ' })).toThrow(PermanentError);
  });
});

describe('OpenCX client: history pagination', () => {
  const page = (ids: string[], next: string | null) => ({
    items: ids.map((id, i) => ({
      id,
      created_at: `2026-11-20T10:00:0${i}.000Z`,
      event: { type: 'message', sender: { type: 'user', name: 'Dana' }, content: { type: 'text', text: id }, attachments: [] },
    })),
    next,
  });

  it('reads one page with the cursor as a query parameter', async () => {
    const { fetch, calls } = scriptedFetch(json(200, emailHistory));
    const { client } = makeClient(fetch);

    const result = await client.getHistory(SESSION_ID, { cursor: 'abc=' });

    expect(calls[0]?.url.pathname).toBe(`/chat/sessions/${SESSION_ID}/history`);
    expect(calls[0]?.url.searchParams.get('cursor')).toBe('abc=');
    expect(result.items).toHaveLength(6);
    expect(result.next).toBeNull();
  });

  it('follows next cursors until the last page and returns every item with the cursor of the last page', async () => {
    const { fetch, calls } = scriptedFetch(json(200, page(['m1', 'm2'], 'c2')), json(200, page(['m3', 'm4'], 'c3')), json(200, page(['m5'], null)));
    const { client } = makeClient(fetch);

    const result = await client.listHistory(SESSION_ID);

    expect(result.items.map((item) => item.id)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(result.lastCursor).toBe('c3');
    expect(result.pages).toBe(3);
    expect(result.truncated).toBe(false);
    expect(calls.map((call) => call.url.searchParams.get('cursor'))).toEqual([null, 'c2', 'c3']);
  });

  it('resumes from a stored cursor and drops the messages already synced', async () => {
    const { fetch, calls } = scriptedFetch(json(200, page(['m3', 'm4', 'm5'], null)));
    const { client } = makeClient(fetch);

    const result = await client.listHistory(SESSION_ID, { afterCursor: 'c2', sinceMessageId: 'm4' });

    expect(calls[0]?.url.searchParams.get('cursor')).toBe('c2');
    expect(result.items.map((item) => item.id)).toEqual(['m5']);
    expect(result.lastCursor).toBe('c2');
  });

  it('stops after maxPages and returns the next unread cursor as the resume point', async () => {
    const { fetch } = scriptedFetch(json(200, page(['m1'], 'c2')), json(200, page(['m2'], 'c3')));
    const { client } = makeClient(fetch);

    const result = await client.listHistory(SESSION_ID, { maxPages: 2 });

    expect(result.truncated).toBe(true);
    expect(result.lastCursor).toBe('c3');
    expect(result.items).toHaveLength(2);
  });

  it('stops instead of looping when OpenCX hands back a cursor it already gave', async () => {
    const { fetch, calls } = scriptedFetch(json(200, page(['m1'], 'c2')), json(200, page(['m2'], 'c2')));
    const { client } = makeClient(fetch);

    const result = await client.listHistory(SESSION_ID);

    expect(calls).toHaveLength(2);
    expect(result.truncated).toBe(false);
  });
});

describe('OpenCX client: throttling, server errors and timeouts', () => {
  it('waits for the Retry-After of a 429 and then succeeds', async () => {
    const { fetch, calls } = scriptedFetch(json(429, { statusCode: 429, message: 'ThrottlerException: Too Many Requests' }, { 'retry-after': '2' }), json(200, emailSession));
    const { client, sleeps } = makeClient(fetch);

    const session = await client.getSession(SESSION_ID);

    expect(session.id).toBe(SESSION_ID);
    expect(calls).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
    expect(sleeps[0]).toBeLessThan(2500);
  });

  it('hands a Retry-After longer than the configured maximum to the caller without sleeping', async () => {
    const { fetch, calls } = scriptedFetch(json(429, { statusCode: 429 }, { 'retry-after': '60' }));
    const { client, sleeps } = makeClient(fetch, { maxRetryAfterMs: 20_000 });

    const error = await captureError(client.getSession(SESSION_ID));

    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ kind: 'throttled', retryAfterMs: 60_000 });
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries 5xx answers with growing bounded backoff and then throws a RetryableError', async () => {
    const { fetch, calls } = scriptedFetch(
      json(502, { statusCode: 502, message: 'Bad Gateway' }),
      json(500, { statusCode: 500, message: 'Internal server error' }),
      json(503, { statusCode: 503, message: 'Service Unavailable' }),
    );
    const { client, sleeps } = makeClient(fetch, { baseDelayMs: 100, maxDelayMs: 150 });

    const error = await captureError(client.getHistory(SESSION_ID));

    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ kind: 'server_error' });
    expect(calls).toHaveLength(3);
    // equal jitter with random() = 0.5: 75% of min(maxDelay, base * 2^(n-1))
    expect(sleeps).toEqual([75, 113]);
  });

  it('retries a network failure and reports it as a RetryableError of kind network', async () => {
    const { fetch, calls } = scriptedFetch(connectionReset(), connectionReset(), connectionReset());
    const { client } = makeClient(fetch);

    const error = await captureError(client.getSession(SESSION_ID));

    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ kind: 'network' });
    expect(calls).toHaveLength(3);
  });

  it('aborts a request that takes longer than the timeout and reports kind timeout', async () => {
    const hang = (_call: Call, signal: AbortSignal | undefined) =>
      new Promise<Response>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    const { fetch } = scriptedFetch(hang, hang);
    const { client } = makeClient(fetch, { timeoutMs: 20, maxAttempts: 2 });

    const error = await captureError(client.getSession(SESSION_ID));

    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ kind: 'timeout' });
  });
});

describe('OpenCX client: errors no retry will fix', () => {
  it('turns a 401 into a permanent auth error that explains the API key is missing or invalid', async () => {
    const { fetch, calls } = scriptedFetch(json(401, { statusCode: 401, message: 'Invalid API key', error: 'Unauthorized' }));
    const { client } = makeClient(fetch);

    const error = await captureError(client.getSession(SESSION_ID));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ kind: 'auth', status: 401, code: 'Unauthorized' });
    expect((error as Error).message).toMatch(/API key is missing or invalid/);
    expect((error as Error).message).not.toContain(API_KEY);
    expect(calls).toHaveLength(1);
  });

  it('turns a 403 on send into a permanent auth error naming the chat-sessions:write scope', async () => {
    const { fetch } = scriptedFetch(json(403, { statusCode: 403, message: 'Forbidden resource', error: 'Forbidden' }));
    const { client } = makeClient(fetch);

    const error = await captureError(client.sendMessage(SESSION_ID, { text: 'Hello' }));

    expect(error).toMatchObject({ kind: 'auth', status: 403 });
    expect((error as Error).message).toContain('chat-sessions:write');
  });

  it('turns a 404 into a permanent not_found error', async () => {
    const { fetch } = scriptedFetch(json(404, { statusCode: 404, message: 'Chat session not found', error: 'Not Found' }));
    const { client } = makeClient(fetch);

    const error = await captureError(client.getSession('missing-session'));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ kind: 'not_found', status: 404 });
  });

  it('carries the NestJS validation messages of a 400 in the permanent error', async () => {
    const { fetch } = scriptedFetch(
      json(400, {
        statusCode: 400,
        message: ['sender must be one of the following values: contact, human_agent', 'message.text must be a string'],
        error: 'Bad Request',
      }),
    );
    const { client } = makeClient(fetch);

    const error = await captureError(client.sendMessage(SESSION_ID, { text: 'Hello' }));

    expect(error).toMatchObject({ kind: 'client_error', status: 400, code: 'Bad Request' });
    expect((error as Error).message).toContain('sender must be one of the following values: contact, human_agent');
  });
});

describe('OpenCX client: sending and closing', () => {
  it('posts an agent message that takes the session over from the AI and returns the new message id', async () => {
    const { fetch, calls } = scriptedFetch(json(200, { success: true, data: { message: { id: 'msg_99' } } }));
    const { client } = makeClient(fetch);

    const result = await client.sendMessage(SESSION_ID, {
      text: 'We refunded the duplicate charge.',
      agent: { id: 311, name: 'Lee Agent' },
      attachments: [{ name: 'refund.pdf', mimeType: 'application/pdf', url: 'https://files.test/refund.pdf' }],
    });

    expect(result).toEqual({ messageId: 'msg_99' });
    expect(calls[0]?.method).toBe('POST');
    expect(calls[0]?.url.pathname).toBe(`/chat/sessions/${SESSION_ID}/send`);
    expect(calls[0]?.headers.get('content-type')).toBe('application/json');
    expect(calls[0]?.body).toEqual({
      sender: AGENT_SENDER_TYPE,
      message: {
        type: 'text',
        text: 'We refunded the duplicate charge.',
        attachments: [{ name: 'refund.pdf', mime_type: 'application/pdf', url: 'https://files.test/refund.pdf' }],
      },
      agent: { id: 311, name: 'Lee Agent' },
      should_take_over_session_from_ai: true,
    });
  });

  it('resends a message that OpenCX refused with 429 or before the connection was made', async () => {
    const { fetch, calls } = scriptedFetch(
      json(429, { statusCode: 429 }, { 'retry-after': '1' }),
      connectionRefused(),
      json(200, { success: true, data: { message: { id: 'msg_100' } } }),
    );
    const { client } = makeClient(fetch);

    const result = await client.sendMessage(SESSION_ID, { text: 'Hello' });

    expect(result.messageId).toBe('msg_100');
    expect(calls).toHaveLength(3);
  });

  it('does not resend a message after a 500, because OpenCX may already have delivered it', async () => {
    const { fetch, calls } = scriptedFetch(json(500, { statusCode: 500, message: 'Internal server error' }));
    const { client } = makeClient(fetch);

    const error = await captureError(client.sendMessage(SESSION_ID, { text: 'Hello' }));

    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ kind: 'ambiguous' });
    expect(calls).toHaveLength(1);
  });

  it('rejects an empty message before calling OpenCX', async () => {
    const { fetch, calls } = scriptedFetch();
    const { client } = makeClient(fetch);

    await expect(client.sendMessage(SESSION_ID, { text: '  ' })).rejects.toBeInstanceOf(ValidationError);
    expect(calls).toHaveLength(0);
  });

  it('closes a session with PATCH without reflecting the change to a connected helpdesk', async () => {
    const { fetch, calls } = scriptedFetch(new Response(null, { status: 200 }));
    const { client } = makeClient(fetch);

    await client.updateSessionStatus(SESSION_ID, 'closed_resolved');

    expect(calls[0]?.method).toBe('PATCH');
    expect(calls[0]?.url.pathname).toBe(`/chat/sessions/${SESSION_ID}`);
    expect(calls[0]?.body).toEqual({ status: 'closed_resolved', reflect_status_change_for_integration: false });
  });
});

describe('OpenCX client: request counting and metrics events', () => {
  it('counts HTTP requests by kind, retries included, and resets the counts', async () => {
    const { fetch } = scriptedFetch(json(200, emailSession), json(503, {}), json(200, emailHistory), json(200, { success: true }), new Response(null, { status: 200 }));
    const { client } = makeClient(fetch);

    await client.getSession(SESSION_ID);
    await client.getHistory(SESSION_ID);
    await client.sendMessage(SESSION_ID, { text: 'Hi' });
    await client.updateSessionStatus(SESSION_ID, 'closed_resolved');

    expect(client.requestCounts()).toEqual({ get_session: 1, history: 2, send: 1, update: 1 });
    client.resetRequestCounts();
    expect(client.requestCounts()).toEqual({ get_session: 0, history: 0, send: 0, update: 0 });
  });

  it('reports every attempt to onEvent without the key, the URL or any content', async () => {
    const events: OpenCxClientEvent[] = [];
    const { fetch } = scriptedFetch(json(429, {}, { 'retry-after': '0' }), json(200, emailSession));
    const { client } = makeClient(fetch, { onEvent: (event) => events.push(event) });

    await client.getSession(SESSION_ID);

    expect(events.map((e) => [e.kind, e.outcome, e.status])).toEqual([
      ['get_session', 'throttled', 429],
      ['get_session', 'ok', 200],
    ]);
    expect(JSON.stringify(events)).not.toMatch(new RegExp(`${API_KEY}|${SESSION_ID}|opencx.test`));
  });
});
