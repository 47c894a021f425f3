/**
 * The OpenCX client against the OpenCX sandbox over loopback HTTP, with a small local receiver
 * standing in for the bridge's webhook endpoint.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermanentError } from '../../functions/shared/errors';
import { AGENT_SENDER_TYPE, createOpenCxClient, normaliseHistory, type OpenCxClient } from '../../functions/shared/opencx';
import { EXAMPLE_SESSION_IDS, startOpenCxSandbox, type OpenCxSandbox, type WebhookEnvelope } from '../../local/opencx-sandbox';
import emailHistory from '../../local/opencx-sandbox/seeds/history-email.json';
import emailSession from '../../local/opencx-sandbox/seeds/session-email.json';
import closedExample from '../fixtures/examples/opencx-webhook-closed.json';
import contactResponseExample from '../fixtures/examples/opencx-webhook-contact-response.json';
import handoffExample from '../fixtures/examples/opencx-webhook-handoff.json';

interface Receiver {
  readonly url: string;
  readonly received: { path: string; contentType: string | undefined; body: WebhookEnvelope }[];
  close(): Promise<void>;
}

/** Stands in for the bridge: records each webhook and answers 202. */
const startReceiver = async (): Promise<Receiver> => {
  const received: Receiver['received'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookEnvelope,
      });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":"x"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

const admin = async (sandbox: OpenCxSandbox, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sandbox.url}/__admin${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const sortedKeys = (value: object): string[] => Object.keys(value).sort();

describe('OpenCX client against the OpenCX sandbox', () => {
  let receiver: Receiver;
  let sandbox: OpenCxSandbox;
  let client: OpenCxClient;
  const sleeps: number[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = await startOpenCxSandbox({
      webhookUrl: `${receiver.url}/opencx/webhook/local-token`,
      organizationId: 'org_7f3c2a91',
      historyPageSize: 2,
      seedExamples: true,
    });
    client = createOpenCxClient({
      apiKey: sandbox.apiKey,
      baseUrl: sandbox.url,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
  });

  afterAll(async () => {
    await sandbox.stop();
    await receiver.close();
  });

  beforeEach(() => {
    sandbox.reset();
    sandbox.seedExamples();
    receiver.received.length = 0;
    sleeps.length = 0;
    client.resetRequestCounts();
    sandbox.setFaults(undefined);
  });

  it('serves the seeded email session exactly as the example', async () => {
    const session = await client.getSession(EXAMPLE_SESSION_IDS.email);

    expect(session).toEqual(emailSession);
  });

  it('pages through the history two items at a time and returns the whole example transcript', async () => {
    const result = await client.listHistory(EXAMPLE_SESSION_IDS.email);

    expect(result.items).toEqual(emailHistory.items);
    expect(result.pages).toBe(3);
    expect(result.lastCursor).toEqual(expect.any(String));
    expect(client.requestCounts().history).toBe(3);
  });

  it('answers a wrong API key with a NestJS-style 401 that the client reports as an auth error', async () => {
    const raw = await fetch(`${sandbox.url}/chat/sessions/${EXAMPLE_SESSION_IDS.email}`, {
      headers: { authorization: 'Bearer wrong' },
    });
    const wrongKey = createOpenCxClient({ apiKey: 'wrong', baseUrl: sandbox.url });

    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ statusCode: 401, message: 'Invalid API key', error: 'Unauthorized' });
    await expect(wrongKey.getSession(EXAMPLE_SESSION_IDS.email)).rejects.toMatchObject({ kind: 'auth', status: 401 });
  });

  it('answers an unknown session with a 404 the client reports as not_found', async () => {
    const error = await client.getSession('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ kind: 'not_found', status: 404 });
  });

  it('records an API-sent agent reply, adds it to the history and echoes conversation.agent_response', async () => {
    const sessionId = EXAMPLE_SESSION_IDS.whatsapp;

    const result = await client.sendMessage(sessionId, { text: 'Wir schicken Ersatz.', agent: { id: 311, name: 'Lee Agent' } });
    await sandbox.whenIdle();

    expect(sandbox.sentMessages.at(-1)).toMatchObject({
      sessionId,
      status: 200,
      messageId: result.messageId,
      body: { sender: AGENT_SENDER_TYPE, should_take_over_session_from_ai: true, message: { type: 'text', text: 'Wir schicken Ersatz.' } },
    });
    const history = normaliseHistory((await client.listHistory(sessionId)).items);
    expect(history.at(-1)).toMatchObject({ id: result.messageId, kind: 'message', author: 'agent', text: 'Wir schicken Ersatz.' });
    expect(receiver.received.map((r) => r.body.event)).toEqual(['conversation.agent_response']);
    expect(receiver.received[0]?.body.data).toMatchObject({ conversation_id: sessionId });
  });

  it('records a PATCH that resolves the session and posts conversation.closed', async () => {
    const sessionId = EXAMPLE_SESSION_IDS.email;

    await client.updateSessionStatus(sessionId, 'closed_resolved');
    await sandbox.whenIdle();

    expect(sandbox.statusUpdates.at(-1)).toMatchObject({
      sessionId,
      status: 200,
      body: { status: 'closed_resolved', reflect_status_change_for_integration: false },
    });
    expect((await client.getSession(sessionId)).status).toBe('closed_resolved');
    expect(receiver.received.map((r) => r.body.event)).toEqual(['conversation.closed']);
  });

  it('injects a 429 with Retry-After that the client waits out before succeeding', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['429'], retryAfterSeconds: 1, times: 1 });

    const session = await client.getSession(EXAMPLE_SESSION_IDS.whatsapp);

    expect(session.id).toBe(EXAMPLE_SESSION_IDS.whatsapp);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
    expect(client.requestCounts().get_session).toBe(2);
  });

  it('plays a whole conversation through the admin API, posting each webhook in the documented envelope', async () => {
    const created = await admin(sandbox, 'POST', '/sessions', {
      channel: 'email',
      subject: 'Broken charger',
      contact: { name: 'Ava Stone', email: 'ava@example.org', phone_number: null },
      custom_data: { plan: 'Pro' },
      first_message: { text: 'My charger stopped working.' },
    });
    const sessionId = (created.body.session as { id: string }).id;
    await admin(sandbox, 'POST', `/sessions/${sessionId}/messages`, { author: 'ai', text: 'Sorry to hear that!' });
    await admin(sandbox, 'POST', `/sessions/${sessionId}/messages`, {
      author: 'customer',
      text: '',
      attachments: [{ name: 'charger.jpg', size: 52_000, type: 'image/jpeg', url: 'https://files.test/charger.jpg' }],
    });
    await admin(sandbox, 'POST', `/sessions/${sessionId}/messages`, { author: 'agent', internal: true, text: 'Check warranty' });
    const handoff = await admin(sandbox, 'POST', `/sessions/${sessionId}/handoff`, {
      summary: 'Charger broken, photo sent.',
      sentiment: 'neutral',
      contact_reason: 'hardware',
      language: 'en',
    });
    await admin(sandbox, 'POST', `/sessions/${sessionId}/close`, { outcome: 'resolved' });

    expect(created.status).toBe(201);
    expect(handoff.body.webhook).toMatchObject({ event: 'conversation.handoff_to_human', status: 202 });
    expect(receiver.received.map((r) => r.body.event)).toEqual([
      'conversation.started',
      'conversation.ai_response',
      'conversation.contact_response',
      'conversation.handoff_to_human',
      'conversation.closed',
    ]);
    for (const { path, contentType, body } of receiver.received) {
      expect(path).toBe('/opencx/webhook/local-token');
      expect(contentType).toBe('application/json');
      expect(sortedKeys(body)).toEqual(['data', 'event', 'organization_id']);
      expect(body.organization_id).toBe('org_7f3c2a91');
      expect(body.data.conversation_id).toBe(sessionId);
    }
    const [started, , contactResponse, handoffHook, closed] = receiver.received.map((r) => r.body);
    expect(started?.data).toMatchObject({
      channel: 'email',
      first_message: 'My charger stopped working.',
      contact: { name: 'Ava Stone', enriched_data: { email: 'ava@example.org' } },
    });
    expect(sortedKeys(contactResponse!.data)).toEqual(sortedKeys(contactResponseExample.data));
    expect(sortedKeys(handoffHook!.data)).toEqual(sortedKeys(handoffExample.data));
    expect(handoffHook?.data).toMatchObject({ summary: 'Charger broken, photo sent.', user_sentiment: 'neutral', message_count: 3 });
    expect(sortedKeys(closed!.data)).toEqual(sortedKeys(closedExample.data));
    expect(closed?.data).toMatchObject({ human_resolution_status: 'resolved', closed_by: { type: 'human' } });

    const messages = normaliseHistory((await client.listHistory(sessionId)).items);
    expect(messages.map((m) => [m.kind, m.author])).toEqual([
      ['message', 'customer'],
      ['message', 'ai'],
      ['message', 'customer'],
      ['internal_comment', 'agent'],
      ['handoff', 'system'],
      ['other', 'system'],
    ]);
    expect(messages[0]?.text).toBe('Subject: Broken charger\n\nMy charger stopped working.');
    const session = await client.getSession(sessionId);
    expect(session).toMatchObject({ status: 'closed_resolved', handoff: { summary: 'Charger broken, photo sent.' } });
  });

  it('posts the handoff of a seeded session three times at once, as a duplicating sender would', async () => {
    const result = await admin(sandbox, 'POST', `/sessions/${EXAMPLE_SESSION_IDS.email}/redeliver`, {
      event: 'conversation.handoff_to_human',
      times: 3,
      concurrent: true,
    });

    expect(result.status).toBe(200);
    expect(receiver.received).toHaveLength(3);
    const [first, ...rest] = receiver.received.map((r) => r.body);
    expect(rest).toEqual([first, first]);
    // contact_reason is optional (the session object does not keep it); every other field is there.
    expect(sortedKeys(first!.data)).toEqual(sortedKeys(handoffExample.data).filter((key) => key !== 'contact_reason'));
    expect(first?.data).toMatchObject({
      conversation_id: EXAMPLE_SESSION_IDS.email,
      customer_id: handoffExample.data.customer_id,
      summary: emailSession.handoff.summary,
      user_sentiment: 'angry',
      message_count: 4,
    });
  });

  it('records a failed delivery without failing the admin call when the bridge is down', async () => {
    sandbox.setWebhookUrl('http://127.0.0.1:9/opencx/webhook/local-token');
    try {
      const created = await admin(sandbox, 'POST', '/sessions', { channel: 'web', contact: { name: 'Bo' } });

      expect(created.status).toBe(201);
      expect(created.body.webhook).toMatchObject({ event: 'conversation.started', error: expect.any(String) });
      expect(sandbox.webhookDeliveries.at(-1)?.status).toBeUndefined();
    } finally {
      sandbox.setWebhookUrl(`${receiver.url}/opencx/webhook/local-token`);
    }
  });

  it('rejects an admin message with no text and no attachment with a 400 naming the problem', async () => {
    const result = await admin(sandbox, 'POST', `/sessions/${EXAMPLE_SESSION_IDS.whatsapp}/messages`, { author: 'customer' });

    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });
});

describe('OpenCX sandbox without the agent_response echo', () => {
  it('does not post conversation.agent_response for API-sent messages when told not to', async () => {
    const receiver = await startReceiver();
    const sandbox = await startOpenCxSandbox({
      webhookUrl: `${receiver.url}/hook`,
      emitAgentResponseForApiMessages: false,
      seedExamples: true,
    });
    try {
      const client = createOpenCxClient({ apiKey: sandbox.apiKey, baseUrl: sandbox.url });

      await client.sendMessage(EXAMPLE_SESSION_IDS.email, { text: 'Refund issued.' });
      await sandbox.whenIdle();

      expect(sandbox.sentMessages).toHaveLength(1);
      expect(receiver.received).toHaveLength(0);
    } finally {
      await sandbox.stop();
      await receiver.close();
    }
  });
});
