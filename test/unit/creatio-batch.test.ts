import { type BatchOperation, batchOp, isBatchSuccess } from '../../functions/shared/creatio';
import { PermanentError, RetryableError } from '../../functions/shared/errors';
import { deterministicId } from '../../functions/shared/ids';
import { CASE_ID, type StubCall, creatioError, json, stubClient, stubFetch } from '../fixtures/creatio/stub-fetch';

interface SentRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

const sentRequests = (call: StubCall | undefined): SentRequest[] => (JSON.parse(call?.body ?? '{}') as { requests: SentRequest[] }).requests;

const activityIds = (count: number): string[] => Array.from({ length: count }, (_, i) => deterministicId('tenant', 'session', `message-${i}`));
const createActivities = (count: number): BatchOperation[] => activityIds(count).map((Id) => batchOp.create('Activity', { Id, Title: 'x', CaseId: CASE_ID }));

/** A $batch server double answering each part with `answer(part)`, stopping at a failure unless continue-on-error. */
const batchServer =
  (answer: (part: SentRequest) => { status: number; body?: unknown }) =>
  (call: StubCall): Response => {
    const continueOnError = call.headers.prefer === 'continue-on-error';
    const responses = [];
    for (const part of sentRequests(call)) {
      const result = answer(part);
      responses.push({ id: part.id, status: result.status, headers: {}, ...(result.body !== undefined ? { body: result.body } : {}) });
      if (result.status >= 400 && !continueOnError) break;
    }
    return json(200, { responses });
  };

const duplicate = { status: 500, body: { error: { code: '', message: '23505: duplicate key value violates unique constraint "PK_Activity_Id"' } } };

describe('Creatio client $batch', () => {
  it('posts a JSON batch with relative URLs and continue-on-error by default', async () => {
    const stub = stubFetch({ onOData: batchServer((part) => ({ status: part.method === 'POST' ? 201 : 204, body: part.body })) });
    const { client } = stubClient(stub);

    await client.batch([batchOp.create('Case', { Id: CASE_ID, Subject: 'x' }), batchOp.patch('Case', CASE_ID, { Subject: 'y' })]);

    const [call] = stub.odataCalls();
    expect(call?.url).toBe('https://acme.creatio.com/0/odata/$batch');
    expect(call?.headers.prefer).toBe('continue-on-error');
    expect(call?.headers['content-type']).toMatch(/^application\/json/);
    expect(sentRequests(call).map(({ id, method, url }) => ({ id, method, url }))).toEqual([
      { id: '1', method: 'POST', url: 'Case' },
      { id: '2', method: 'PATCH', url: `Case(${CASE_ID})` },
    ]);
  });

  it('sends at most 100 requests per $batch and the rest in further batches, in order', async () => {
    const stub = stubFetch({ onOData: batchServer((part) => ({ status: 201, body: part.body })) });
    const { client } = stubClient(stub);

    const results = await client.batch(createActivities(230));

    expect(stub.odataCalls().map((call) => sentRequests(call).length)).toEqual([100, 100, 30]);
    expect(results).toHaveLength(230);
    expect(results.every((result) => result.outcome === 'created')).toBe(true);
    expect(results.map((result) => result.id)).toEqual(activityIds(230));
    expect(client.requestCounts()).toMatchObject({ token: 1, batch: 3, post: 0 });
  });

  it('maps each answer back to its operation: created, already existed, updated, read and failed', async () => {
    const ids = activityIds(2);
    const stub = stubFetch({
      onOData: batchServer((part) => {
        if (part.method === 'PATCH') return { status: 204 };
        if (part.method === 'GET') return { status: 200, body: { '@odata.context': 'x', Id: CASE_ID, Number: 'SR00000001' } };
        if (part.body?.Id === ids[0]) return { status: 201, body: { ...part.body, CreatedOn: '2025-01-01T00:00:00Z' } };
        if (part.body?.Id === ids[1]) return duplicate;
        return { status: 400, body: { error: { code: '', message: "The property 'Foo' does not exist on type 'Terrasoft.Configuration.Activity'." } } };
      }),
    });
    const { client } = stubClient(stub);

    const results = await client.batch([
      batchOp.create('Activity', { Id: ids[0], Title: 'a' }),
      batchOp.create('Activity', { Id: ids[1], Title: 'b' }),
      batchOp.create('Activity', { Id: CASE_ID, Foo: 1 }),
      batchOp.patch('Case', CASE_ID, { Subject: 'y' }),
      batchOp.get('Case', CASE_ID),
    ]);

    expect(results.map((result) => [result.index, result.outcome])).toEqual([
      [0, 'created'],
      [1, 'already_existed'],
      [2, 'failed'],
      [3, 'updated'],
      [4, 'read'],
    ]);
    expect(results[0]).toMatchObject({ record: { Id: ids[0], CreatedOn: '2025-01-01T00:00:00Z' } });
    const failed = results[2];
    expect(failed?.outcome === 'failed' && failed.error).toBeInstanceOf(PermanentError);
    expect(failed?.outcome === 'failed' && failed.error.message).toContain("The property 'Foo' does not exist");
    expect(results[4]).toMatchObject({ record: { Number: 'SR00000001' } });
    expect(results[4]).not.toHaveProperty('record.@odata.context');
    expect(results.filter(isBatchSuccess)).toHaveLength(4);
  });

  it('maps a throttled or failing item to a RetryableError', async () => {
    const stub = stubFetch({ onOData: batchServer(() => ({ status: 503, body: { error: { code: '', message: 'busy' } } })) });
    const { client } = stubClient(stub);

    const [result] = await client.batch(createActivities(1));

    expect(result?.outcome).toBe('failed');
    expect(result?.outcome === 'failed' && result.error).toBeInstanceOf(RetryableError);
    expect(result?.outcome === 'failed' && result.status).toBe(503);
  });

  it('reports the items Creatio skipped after a failure as not executed when continue-on-error is off', async () => {
    const ids = activityIds(4);
    const stub = stubFetch({
      onOData: batchServer((part) => (part.body?.Id === ids[1] ? { status: 400, body: { error: { code: '', message: 'bad' } } } : { status: 201, body: part.body })),
    });
    const { client } = stubClient(stub);

    const results = await client.batch(createActivities(4), { continueOnError: false, maxRequestsPerBatch: 3 });

    expect(results.map((result) => result.outcome)).toEqual(['created', 'failed', 'not_executed', 'not_executed']);
    expect(stub.odataCalls()).toHaveLength(1);
    expect(stub.odataCalls()[0]?.headers.prefer).toBeUndefined();
  });

  it('resumes after a create that already existed when continue-on-error is off', async () => {
    const ids = activityIds(3);
    const stub = stubFetch({ onOData: batchServer((part) => (part.body?.Id === ids[0] ? duplicate : { status: 201, body: part.body })) });
    const { client } = stubClient(stub);

    const results = await client.batch(createActivities(3), { continueOnError: false });

    expect(results.map((result) => result.outcome)).toEqual(['already_existed', 'created', 'created']);
    expect(stub.odataCalls().map((call) => sentRequests(call).length)).toEqual([3, 2]);
  });

  it('reads back records that already existed when asked to', async () => {
    const stub = stubFetch({
      onOData: batchServer((part) => (part.method === 'GET' ? { status: 200, body: { Id: part.url.slice(9, 45), Title: 'stored' } } : duplicate)),
    });
    const { client } = stubClient(stub);

    const results = await client.batch(createActivities(2), { readBackExisting: true });

    expect(results.map((result) => result.outcome)).toEqual(['already_existed', 'already_existed']);
    expect(results.map((result) => (result.outcome === 'already_existed' ? result.record?.Title : undefined))).toEqual(['stored', 'stored']);
    expect(client.requestCounts().batch).toBe(2);
  });

  it('retries a whole $batch that failed in transport, then throws a RetryableError', async () => {
    const stub = stubFetch({ onOData: () => creatioError(502, 'Bad gateway') });
    const { client } = stubClient(stub, { maxAttempts: 2 });

    await expect(client.batch(createActivities(2))).rejects.toBeInstanceOf(RetryableError);
    expect(client.requestCounts().batch).toBe(2);
  });

  it('throws a PermanentError when Creatio rejects the $batch itself', async () => {
    const stub = stubFetch({ onOData: () => creatioError(400, 'The batch request contains 101 requests; the maximum is 100.') });
    const { client } = stubClient(stub);

    await expect(client.batch(createActivities(1))).rejects.toMatchObject({ kind: 'validation', status: 400 });
  });

  it('gives each create without an Id a generated one that the result reports', async () => {
    const stub = stubFetch({ onOData: batchServer((part) => ({ status: 201, body: part.body })) });
    const { client } = stubClient(stub, { newId: () => CASE_ID });

    const [result] = await client.batch([batchOp.create('Case', { Subject: 'x' })]);

    expect(result).toMatchObject({ outcome: 'created', id: CASE_ID });
    expect(sentRequests(stub.odataCalls()[0])[0]?.body).toMatchObject({ Id: CASE_ID });
  });
});

describe('Creatio client $batch: size limits and creates of unknown outcome', () => {
  it('splits a batch by bytes as well as by count, and sends the parts after the first in parallel', async () => {
    let inFlight = 0;
    let most = 0;
    const stub = stubFetch({
      onOData: async (call) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight -= 1;
        return batchServer((part) => ({ status: 201, body: part.body }))(call);
      },
    });
    const { client } = stubClient(stub);
    const big = activityIds(40).map((Id) => batchOp.create('Activity', { Id, Title: 'x', CaseId: CASE_ID, Body: 'y'.repeat(10_000) }));

    const results = await client.batch(big, { maxBatchBytes: 100_000 });

    const sizes = stub.odataCalls().map((call) => sentRequests(call).length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(stub.odataCalls().every((call) => Buffer.byteLength(call.body ?? '') <= 100_000 + 2_000)).toBe(true);
    expect(most).toBeGreaterThan(1);
    expect(results.every((result) => result.outcome === 'created')).toBe(true);
  });

  it('treats a create answered with a generic 500 as already there when its id exists, without reading the error text', async () => {
    const ids = activityIds(3);
    const stub = stubFetch({
      onOData: (call) =>
        call.method === 'GET'
          ? json(200, { value: [{ Id: ids[0] }] })
          : batchServer((part) =>
              part.body?.Id === ids[0] ? { status: 500, body: { error: { code: '', message: 'An error has occurred.' } } } : { status: 201, body: part.body },
            )(call),
    });
    const { client } = stubClient(stub);

    const results = await client.batch(createActivities(3));

    expect(results.map((result) => result.outcome)).toEqual(['already_existed', 'created', 'created']);
    const read = stub.odataCalls().find((call) => call.method === 'GET');
    expect(decodeURIComponent(read?.url ?? '')).toContain(`Id eq ${ids[0]}`);
  });

  it('uses OData 4 minimal metadata for sub-request bodies', async () => {
    const stub = stubFetch({ onOData: batchServer((part) => ({ status: 201, body: part.body })) });
    const { client } = stubClient(stub);

    await client.batch(createActivities(1));

    expect(sentRequests(stub.odataCalls()[0])[0]?.headers['Content-Type']).toBe('application/json;odata.metadata=minimal');
  });
});
