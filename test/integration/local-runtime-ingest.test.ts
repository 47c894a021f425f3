import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { exampleText } from '../support/fixtures';
import { useLocalRuntime } from '../support/local-runtime';

// The consumers are off: what the webhooks enqueue stays in the queues for the tests to read.
const local = useLocalRuntime({ consumers: false });

const post = async (url: string, body: string | Buffer) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const drain = async (queueUrl: string) => {
  const answer = await local.runtime.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, AttributeNames: ['All'] }));
  const messages = answer.Messages ?? [];
  for (const message of messages) await local.runtime.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
  return messages;
};

describe('local runtime: webhooks over real HTTP onto the local SQS FIFO queues', () => {
  it('answers /health with the version', async () => {
    const response = await fetch(`${local.runtime.url}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', version: 'local', tenant: 'example' });
  });

  it('queues an OpenCX handoff once even when it is posted twice, grouped by conversation', async () => {
    const first = await post(local.runtime.opencxWebhookUrl, exampleText('opencx-webhook-handoff.json'));
    const second = await post(local.runtime.opencxWebhookUrl, exampleText('opencx-webhook-handoff.json'));

    expect(first.status).toBe(202);
    expect(second).toEqual(first);
    const messages = await drain(local.runtime.aws.opencxEvents.url);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.Attributes).toMatchObject({
      MessageGroupId: '6f1d8a52-3b7e-4c1a-9d2e-0a4b5c6d7e8f',
      MessageDeduplicationId: first.body.accepted,
    });
    expect(JSON.parse(messages[0]?.Body ?? '{}')).toMatchObject({ event: 'conversation.handoff_to_human', conversationId: '6f1d8a52-3b7e-4c1a-9d2e-0a4b5c6d7e8f' });
  });

  it('queues a Creatio business-process call grouped by case', async () => {
    const response = await post(local.runtime.creatioWebhookUrl, exampleText('creatio-bp-new-activity.json'));

    expect(response.status).toBe(202);
    const messages = await drain(local.runtime.aws.creatioEvents.url);
    expect(messages.map((m) => m.Attributes?.MessageGroupId)).toEqual(['3d2b9e10-8c4f-4a7b-9e21-5f6a7b8c9d01']);
  });

  it('refuses a wrong token, a malformed body and an oversized body, and queues none of them', async () => {
    const wrongToken = await post(local.runtime.opencxWebhookUrl.replace(/[^/]+$/, 'guess'), exampleText('opencx-webhook-handoff.json'));
    const malformed = await post(local.runtime.opencxWebhookUrl, JSON.stringify({ event: 'conversation.closed', data: { conversation_id: 'abc def' } }));
    const oversized = await post(local.runtime.creatioWebhookUrl, JSON.stringify({ event_type: 'case_updated', caseId: 'x', pad: 'z'.repeat(300_000) }));

    expect([wrongToken.status, malformed.status, oversized.status]).toEqual([401, 400, 413]);
    expect(malformed.body.details).toEqual([expect.stringMatching(/^data\.conversation_id: must be the conversation id/)]);
    expect(await drain(local.runtime.aws.opencxEvents.url)).toHaveLength(0);
    expect(await drain(local.runtime.aws.creatioEvents.url)).toHaveLength(0);
  });

  it('answers 404 for a route the API does not have', async () => {
    const response = await fetch(`${local.runtime.url}/opencx/webhooks`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(404);
  });
});
