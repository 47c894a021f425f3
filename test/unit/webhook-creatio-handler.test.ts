import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiGatewayEvent, lambdaContext } from '../support/api-gateway-event';
import { exampleJson, exampleText } from '../support/fixtures';
import { fakeAwsJson } from '../support/fake-aws-json';

const TOKEN = 'creatio-token-for-unit-tests-0123456789';
process.env.CREATIO_EVENTS_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/creatio-events.fifo';
process.env.CREATIO_WEBHOOK_TOKEN = TOKEN;

const sqs = fakeAwsJson();
type Handler = typeof import('../../functions/creatio-webhook/handler')['handler'];
let handler: Handler;

beforeAll(async () => {
  ({ handler } = await import('../../functions/creatio-webhook/handler'));
});
beforeEach(() => {
  sqs.reset();
});

const post = async (body: string, token = TOKEN) => {
  const result = (await handler(
    apiGatewayEvent({ routeKey: 'POST /creatio/webhook/{token}', token, body }),
    lambdaContext('creatio-webhook'),
  )) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: JSON.parse(String(result.body)) as Record<string, unknown> };
};

describe('Creatio business-process webhook endpoint', () => {
  it('queues a new agent activity with the case as message group and answers 202', async () => {
    const response = await post(exampleText('creatio-bp-new-activity.json'));

    expect(response.status).toBe(202);
    const sent = sqs.calls('SendMessage')[0] as Record<string, string> | undefined;
    expect(sent?.MessageGroupId).toBe('3d2b9e10-8c4f-4a7b-9e21-5f6a7b8c9d01');
    expect(JSON.parse(sent?.MessageBody ?? '{}')).toMatchObject({
      source: 'creatio',
      eventType: 'new_activity',
      caseId: '3d2b9e10-8c4f-4a7b-9e21-5f6a7b8c9d01',
      activityId: 'a81c4f22-0d9e-4b3a-8f7c-6e5d4c3b2a19',
    });
  });

  it('queues a case update', async () => {
    const response = await post(exampleText('creatio-bp-case-updated.json'));

    expect(response.status).toBe(202);
    expect(sqs.calls('SendMessage')).toHaveLength(1);
  });

  it('gives the same activity posted twice the same dedup id, whatever the GUID casing', async () => {
    const event = exampleJson<Record<string, string>>('creatio-bp-new-activity.json');
    const upper = { ...event, caseId: event.caseId?.toUpperCase(), activityId: event.activityId?.toUpperCase() };

    const a = await post(JSON.stringify(event));
    const b = await post(JSON.stringify(upper));

    expect(b.body.accepted).toBe(a.body.accepted);
  });

  it('tells a Creatio admin that activityId is required for new_activity', async () => {
    const response = await post(JSON.stringify({ event_type: 'new_activity', caseId: '3d2b9e10-8c4f-4a7b-9e21-5f6a7b8c9d01' }));

    expect(response.status).toBe(400);
    expect(response.body.details).toEqual(['activityId: is required']);
  });

  it('tells a Creatio admin when the case id is not a GUID (e.g. an unfilled process parameter)', async () => {
    const response = await post(JSON.stringify({ event_type: 'case_updated', caseId: '[#Case.Id#]' }));

    expect(response.status).toBe(400);
    expect(String(response.body.message)).toMatch(/caseId: must be the case id as a GUID/);
  });

  it('answers 400 when the body is a JSON array instead of an object', async () => {
    const response = await post('[]');

    expect(response.status).toBe(400);
    expect(sqs.calls('SendMessage')).toHaveLength(0);
  });

  it('answers 200 ignored for an event type it does not act on', async () => {
    const response = await post(JSON.stringify({ event_type: 'contact_updated', caseId: '3d2b9e10-8c4f-4a7b-9e21-5f6a7b8c9d01' }));

    expect(response).toEqual({ status: 200, body: { ignored: 'contact_updated' } });
    expect(sqs.calls('SendMessage')).toHaveLength(0);
  });

  it('answers 401 without a token and queues nothing', async () => {
    const response = await post(exampleText('creatio-bp-new-activity.json'), '');

    expect(response.status).toBe(401);
    expect(sqs.calls('SendMessage')).toHaveLength(0);
  });

  it('answers 413 for a body over 256 KB', async () => {
    const response = await post(JSON.stringify({ event_type: 'case_updated', caseId: '3d2b9e10-8c4f-4a7b-9e21-5f6a7b8c9d01', note: 'y'.repeat(262_145) }));

    expect(response.status).toBe(413);
  });

  it('answers 500 without internals when the queue fails', async () => {
    sqs.rejectWith('SendMessage', new Error('AccessDenied arn:aws:sqs:us-east-1:123456789012:creatio-events.fifo'));

    const response = await post(exampleText('creatio-bp-case-updated.json'));

    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toMatch(/AccessDenied|arn:aws/);
  });
});
