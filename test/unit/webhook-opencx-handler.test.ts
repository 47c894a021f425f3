import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiGatewayEvent, lambdaContext } from '../support/api-gateway-event';
import { exampleJson, exampleText } from '../support/fixtures';
import { fakeAwsJson } from '../support/fake-aws-json';

const TOKEN = 'opencx-token-for-unit-tests-0123456789';
process.env.OPENCX_EVENTS_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/opencx-events.fifo';
process.env.OPENCX_WEBHOOK_TOKEN = TOKEN;
process.env.OPENCX_ORGANIZATION_ID = 'org_7f3c2a91';

const sqs = fakeAwsJson();
type Handler = typeof import('../../functions/opencx-webhook/handler')['handler'];
let handler: Handler;

beforeAll(async () => {
  ({ handler } = await import('../../functions/opencx-webhook/handler'));
});
beforeEach(() => {
  sqs.reset();
});

const post = async (body: string | Buffer, options: { token?: string; headers?: Record<string, string> } = {}) => {
  const result = (await handler(
    apiGatewayEvent({ routeKey: 'POST /opencx/webhook/{token}', token: options.token ?? TOKEN, body, headers: options.headers }),
    lambdaContext('opencx-webhook'),
  )) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: JSON.parse(String(result.body)) as Record<string, unknown> };
};

describe('OpenCX webhook endpoint', () => {
  it('queues a handoff with the conversation as message group and answers 202 with the dedup id', async () => {
    const response = await post(exampleText('opencx-webhook-handoff.json'));

    expect(response.status).toBe(202);
    const sent = sqs.calls('SendMessage')[0] as Record<string, string> | undefined;
    expect(sent?.MessageGroupId).toBe('6f1d8a52-3b7e-4c1a-9d2e-0a4b5c6d7e8f');
    expect(sent?.MessageDeduplicationId).toBe(response.body.accepted);
    const message = JSON.parse(sent?.MessageBody ?? '{}');
    expect(message).toMatchObject({
      source: 'opencx',
      event: 'conversation.handoff_to_human',
      conversationId: '6f1d8a52-3b7e-4c1a-9d2e-0a4b5c6d7e8f',
      occurredAt: '2026-11-20T14:03:12.418Z',
      handoff: { sentiment: 'angry', contactReason: 'billing', language: 'en' },
    });
  });

  it('accepts data sent as a one-element array, with the same dedup id as the object form', async () => {
    const asObject = exampleJson('opencx-webhook-handoff.json');
    const asArray = { ...asObject, data: [asObject.data] };

    const first = await post(JSON.stringify(asObject));
    const second = await post(JSON.stringify(asArray));

    expect(second.status).toBe(202);
    expect(second.body.accepted).toBe(first.body.accepted);
  });

  it('gives the same webhook delivered twice the same dedup id, and a later message a different one', async () => {
    const event = exampleJson<{ data: Record<string, unknown> }>('opencx-webhook-contact-response.json');
    const later = { ...event, data: { ...event.data, timestamp: '2026-11-20T14:10:02.000Z' } };

    const a = await post(JSON.stringify(event));
    const b = await post(JSON.stringify(event));
    const c = await post(JSON.stringify(later));

    expect(a.body.accepted).toBe(b.body.accepted);
    expect(c.body.accepted).not.toBe(a.body.accepted);
  });

  it('answers 200 ignored for events it does not act on, and queues nothing', async () => {
    const response = await post(JSON.stringify({ event: 'csat.score_submitted', organization_id: 'org_7f3c2a91', data: { score: 5 } }));

    expect(response).toEqual({ status: 200, body: { ignored: 'csat.score_submitted' } });
    expect(sqs.calls('SendMessage')).toHaveLength(0);
  });

  it('answers 401 for a wrong token and queues nothing', async () => {
    const response = await post(exampleText('opencx-webhook-handoff.json'), { token: 'not-the-token' });

    expect(response.status).toBe(401);
    expect(response.body.message).toMatch(/token in the webhook URL is not valid/);
    expect(sqs.calls('SendMessage')).toHaveLength(0);
  });

  it('answers 200 "ignored" with the reason, and queues nothing, when conversation_id is null or missing', async () => {
    const missing = await post(JSON.stringify({ event: 'conversation.closed', organization_id: 'org_7f3c2a91', data: { timestamp: '2026-11-21T09:30:00.000Z' } }));
    const isNull = await post(JSON.stringify({ event: 'conversation.closed', organization_id: 'org_7f3c2a91', data: { conversation_id: null } }));

    expect([missing.status, isNull.status]).toEqual([200, 200]);
    expect(missing.body).toEqual({ ignored: 'conversation.closed', reason: expect.stringContaining('conversation_id') });
    expect(isNull.body.reason).toContain('conversation_id');
    expect(sqs.calls('SendMessage')).toHaveLength(0);
  });

  it('answers 400 for a conversation_id that is a path segment such as ".."', async () => {
    const response = await post(JSON.stringify({ event: 'conversation.closed', organization_id: 'org_7f3c2a91', data: { conversation_id: '..' } }));

    expect(response.status).toBe(400);
    expect(sqs.calls('SendMessage')).toHaveLength(0);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await post('{"event": "conversation.closed", ');

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_json' });
  });

  it('answers 400 for bytes that are not UTF-8', async () => {
    const response = await post(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_encoding' });
  });

  it('answers 400 for a webhook from another OpenCX organization', async () => {
    const event = { ...exampleJson('opencx-webhook-handoff.json'), organization_id: 'org_someone_else' };

    const response = await post(JSON.stringify(event));

    expect(response.status).toBe(400);
    expect(String(response.body.message)).toMatch(/another OpenCX organization/);
  });

  it('answers 413 for a body over 256 KB', async () => {
    const event = exampleJson<{ data: Record<string, unknown> }>('opencx-webhook-handoff.json');
    const huge = { ...event, data: { ...event.data, padding: 'x'.repeat(300 * 1024) } };

    const response = await post(JSON.stringify(huge));

    expect(response.status).toBe(413);
    expect(sqs.calls('SendMessage')).toHaveLength(0);
  });

  it('answers 500 without internals when the queue cannot be reached', async () => {
    sqs.rejectWith('SendMessage', new Error('connect ECONNREFUSED 10.0.0.1:443 secret-internal-detail'));

    const response = await post(exampleText('opencx-webhook-handoff.json'));

    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toMatch(/ECONNREFUSED|secret-internal-detail/);
    expect(response.body.message).toMatch(/Retry later/);
  });
});
