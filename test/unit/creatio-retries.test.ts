import { type CreatioClientEvent, backoffDelayMs, parseRetryAfterMs } from '../../functions/shared/creatio';
import { PermanentError, RetryableError } from '../../functions/shared/errors';
import { CASE_ID, creatioError, json, sequence, stubClient, stubFetch } from '../fixtures/creatio/stub-fetch';

const caseBody = { Id: CASE_ID, Subject: 'Printer on fire' };

describe('Creatio client retries and error mapping', () => {
  it('retries a 503 and returns the answer of the next attempt', async () => {
    const stub = stubFetch({
      onOData: sequence(
        () => creatioError(503, 'Service unavailable'),
        () => json(200, caseBody),
      ),
    });
    const { client, sleeps } = stubClient(stub);

    const found = await client.getCase(CASE_ID);

    expect(found?.Subject).toBe('Printer on fire');
    expect(stub.odataCalls()).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it('retries a 408 Request Timeout, and leaves it retryable when attempts run out', async () => {
    const recovering = stubFetch({
      onOData: sequence(
        () => new Response('Request Timeout', { status: 408 }),
        () => json(200, caseBody),
      ),
    });
    const failing = stubFetch({ onOData: () => new Response('Request Timeout', { status: 408 }) });

    const found = await stubClient(recovering).client.getCase(CASE_ID);
    const error = await stubClient(failing, { maxAttempts: 2 })
      .client.getCase(CASE_ID)
      .catch((caught: unknown) => caught);

    expect(found?.Subject).toBe('Printer on fire');
    expect(recovering.odataCalls()).toHaveLength(2);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ kind: 'timeout' });
  });

  it('throws a server_error RetryableError once maxAttempts 5xx answers were used up', async () => {
    const stub = stubFetch({ onOData: () => creatioError(500, 'An error has occurred.') });
    const { client, sleeps } = stubClient(stub, { maxAttempts: 3 });

    const error = await client.getCase(CASE_ID).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ kind: 'server_error' });
    expect((error as Error).message).toContain('An error has occurred.');
    expect(stub.odataCalls()).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('waits as long as a 429 Retry-After in seconds asks before retrying', async () => {
    const stub = stubFetch({
      onOData: sequence(
        () => creatioError(429, 'Too many requests.', undefined, { 'Retry-After': '3' }),
        () => json(200, caseBody),
      ),
    });
    const { client, sleeps } = stubClient(stub);

    await client.getCase(CASE_ID);

    expect(sleeps).toEqual([3000]);
  });

  it('honours a Retry-After given as an HTTP date', async () => {
    const now = Date.parse('2025-03-01T10:00:00Z');
    const stub = stubFetch({
      onOData: sequence(
        () => creatioError(429, 'Slow down', undefined, { 'Retry-After': 'Sat, 01 Mar 2025 10:00:07 GMT' }),
        () => json(200, caseBody),
      ),
    });
    const { client, sleeps } = stubClient(stub, { now: () => now });

    await client.getCase(CASE_ID);

    expect(sleeps).toEqual([7000]);
  });

  it('throws at once, carrying retryAfterMs, when Retry-After is longer than maxRetryAfterMs', async () => {
    const stub = stubFetch({ onOData: () => creatioError(429, 'Daily quota', undefined, { 'Retry-After': '3600' }) });
    const { client, sleeps } = stubClient(stub, { maxRetryAfterMs: 10_000 });

    const error = await client.getCase(CASE_ID).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ kind: 'throttled', retryAfterMs: 3_600_000 });
    expect(sleeps).toEqual([]);
  });

  it('backs off exponentially with full jitter, bounded by maxDelayMs', async () => {
    const stub = stubFetch({ onOData: () => creatioError(502, 'Bad gateway') });
    const { client, sleeps } = stubClient(stub, { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999 });

    await expect(client.getCase(CASE_ID)).rejects.toBeInstanceOf(RetryableError);

    expect(sleeps).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelayMs(3, { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0 })).toBe(0);
  });

  it('turns a response slower than timeoutMs into a timeout RetryableError', async () => {
    const stub = stubFetch({
      onOData: (_call, signal) =>
        new Promise<Response>((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason as Error));
        }),
    });
    const { client } = stubClient(stub, { timeoutMs: 20, maxAttempts: 2 });

    const error = await client.getCase(CASE_ID).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(stub.odataCalls()).toHaveLength(2);
  });

  it('turns a network failure into a network RetryableError after retrying it', async () => {
    const stub = stubFetch({
      onOData: () => {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
      },
    });
    const { client } = stubClient(stub, { maxAttempts: 2 });

    const error = await client.getCase(CASE_ID).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ kind: 'network' });
    expect((error as Error).message).toContain('ECONNRESET');
    expect(stub.odataCalls()).toHaveLength(2);
  });

  it("maps a 400 to a PermanentError carrying Creatio's own message", async () => {
    const stub = stubFetch({
      onOData: () => creatioError(400, "The property 'Sbject' does not exist on type 'Terrasoft.Configuration.Case'."),
    });
    const { client } = stubClient(stub);

    const error = await client.patchCase(CASE_ID, { Sbject: 'typo' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ status: 400, kind: 'validation' });
    expect((error as Error).message).toContain("The property 'Sbject' does not exist");
    expect(stub.odataCalls()).toHaveLength(1);
  });

  it('adds the inner exception message to the error when Creatio gives one', async () => {
    const stub = stubFetch({ onOData: () => creatioError(403, 'Forbidden', 'Current user does not have sufficient permissions to use OData') });
    const { client } = stubClient(stub);

    const error = await client.getCase(CASE_ID).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 403, kind: 'forbidden' });
    expect((error as Error).message).toContain('sufficient permissions to use OData');
  });

  it('does not retry a 500 that reports a value too long for its column', async () => {
    const stub = stubFetch({ onOData: () => creatioError(500, '22001: value too long for type character varying(250)') });
    const { client } = stubClient(stub);

    const error = await client.patch('Contact', CASE_ID, { Email: 'x'.repeat(300) }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ kind: 'data', status: 500 });
    expect(stub.odataCalls()).toHaveLength(1);
  });

  it('reports an HTML answer to an OData call as a wrong instance URL or OData root', async () => {
    const stub = stubFetch({ onOData: () => new Response('<html><body>Login</body></html>', { status: 200, headers: { 'content-type': 'text/html' } }) });
    const { client } = stubClient(stub);

    await expect(client.getCase(CASE_ID)).rejects.toMatchObject({ kind: 'auth', code: 'html_response' });
  });

  it('emits metrics events that name the collection but not the query', async () => {
    const events: CreatioClientEvent[] = [];
    const stub = stubFetch({
      onOData: sequence(
        () => creatioError(503, 'busy'),
        () => json(200, { value: [] }),
      ),
    });
    const { client } = stubClient(stub, { onEvent: (event) => events.push(event) });

    await client.findLookupByName('CaseOrigin', 'Chat');

    expect(events.map((event) => event.type)).toEqual(['request', 'token_refreshed', 'request', 'retry', 'request']);
    expect(JSON.stringify(events)).not.toMatch(/Chat|filter/);
    expect(events.find((event) => event.type === 'retry')).toMatchObject({ kind: 'get', target: 'CaseOrigin', reason: 'server_error' });
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores nonsense', () => {
    const now = Date.parse('2025-03-01T10:00:00Z');
    expect(parseRetryAfterMs('2', now)).toBe(2000);
    expect(parseRetryAfterMs('Sat, 01 Mar 2025 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Sat, 01 Mar 2025 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });
});
