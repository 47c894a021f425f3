import { CreatioClient, defaultIdentityUrl } from '../../functions/shared/creatio';
import { PermanentError } from '../../functions/shared/errors';
import { json, noContent, stubClient, stubFetch, tokenAnswer, CASE_ID } from '../fixtures/creatio/stub-fetch';

const caseBody = { Id: CASE_ID, Subject: 'Printer on fire', Number: 'SR00000001' };

describe('Creatio client authentication', () => {
  it('derives the identity service of a creatio.com instance by adding -is to the host', () => {
    expect(defaultIdentityUrl('https://acme.creatio.com')).toBe('https://acme-is.creatio.com');
    expect(defaultIdentityUrl('https://123456-crm-bundle.creatio.com')).toBe('https://123456-crm-bundle-is.creatio.com');
  });

  it('uses the instance URL itself as identity service outside creatio.com', () => {
    expect(defaultIdentityUrl('http://127.0.0.1:4510')).toBe('http://127.0.0.1:4510');
    expect(defaultIdentityUrl('https://crm.example.org')).toBe('https://crm.example.org');
  });

  it('discovers the token endpoint of a custom-domain instance from its openid-configuration, once', async () => {
    const stub = stubFetch({
      onDiscovery: () => json(200, { issuer: 'creatio.com', token_endpoint: 'https://login.crm.example.org/connect/token' }),
      onOData: () => json(200, caseBody),
    });
    const { client } = stubClient(stub, { instanceUrl: 'https://crm.example.org', identityUrl: undefined });

    await client.getCase(CASE_ID);
    client.clearCaches();
    await client.getCase(CASE_ID);

    expect(stub.discoveryCalls.map((call) => call.url)).toEqual(['https://crm.example.org/0/.well-known/openid-configuration']);
    expect(stub.tokenCalls().map((call) => call.url)).toEqual(['https://login.crm.example.org/connect/token', 'https://login.crm.example.org/connect/token']);
  });

  it('falls back to the -is host on creatio.com and to <instance>/0/connect/token elsewhere when there is no discovery document', async () => {
    const cloud = stubFetch({ onOData: () => json(200, caseBody) });
    const onSite = stubFetch({ onOData: () => json(200, caseBody) });

    await stubClient(cloud, { identityUrl: undefined }).client.getCase(CASE_ID);
    await stubClient(onSite, { instanceUrl: 'https://crm.example.org', identityUrl: undefined }).client.getCase(CASE_ID);

    expect(cloud.tokenCalls()[0]?.url).toBe('https://acme-is.creatio.com/connect/token');
    expect(onSite.tokenCalls()[0]?.url).toBe('https://crm.example.org/0/connect/token');
  });

  it('does not send the client secret to a discovered token endpoint that is not https', async () => {
    const stub = stubFetch({
      onDiscovery: () => json(200, { token_endpoint: 'http://login.crm.example.org/connect/token' }),
      onOData: () => json(200, caseBody),
    });
    const { client } = stubClient(stub, { instanceUrl: 'https://crm.example.org', identityUrl: undefined });

    await client.getCase(CASE_ID);

    expect(stub.tokenCalls().map((call) => call.url)).toEqual(['https://crm.example.org/0/connect/token']);
  });

  it('refuses a plain-http instance or identity URL off this machine', () => {
    expect(() => new CreatioClient({ instanceUrl: 'http://acme.creatio.com', clientId: 'a', clientSecret: 'b' })).toThrow(/must be an https:\/\/ URL/);
    expect(() => new CreatioClient({ instanceUrl: 'https://acme.creatio.com', identityUrl: 'http://acme-is.creatio.com', clientId: 'a', clientSecret: 'b' })).toThrow(
      PermanentError,
    );
    expect(new CreatioClient({ instanceUrl: 'http://127.0.0.1:4510', clientId: 'a', clientSecret: 'b' }).instanceUrl).toBe('http://127.0.0.1:4510');
  });

  it('strips trailing slashes from the instance URL', () => {
    const client = new CreatioClient({ instanceUrl: 'https://acme.creatio.com///', clientId: 'a', clientSecret: 'b' });
    expect(client.instanceUrl).toBe('https://acme.creatio.com');
    expect(client.odataBaseUrl).toBe('https://acme.creatio.com/0/odata');
  });

  it('posts form-encoded client credentials to the token endpoint and sends the token as Bearer', async () => {
    const stub = stubFetch({ onOData: () => json(200, caseBody) });
    const { client } = stubClient(stub);

    await client.getCase(CASE_ID);

    const [tokenCall, odataCall] = stub.calls;
    expect(tokenCall?.url).toBe('https://acme-is.creatio.com/connect/token');
    expect(tokenCall?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenCall?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'client-id',
      client_secret: 'super-secret-value',
    });
    expect(odataCall?.url).toBe(`https://acme.creatio.com/0/odata/Case(${CASE_ID})`);
    expect(odataCall?.headers.authorization).toBe('Bearer token-1');
  });

  it('reuses the cached token for later requests', async () => {
    const stub = stubFetch({ onOData: () => json(200, caseBody) });
    const { client } = stubClient(stub);

    await client.getCase(CASE_ID);
    await client.getCase(CASE_ID);
    await client.getCase(CASE_ID);

    expect(stub.tokenCalls()).toHaveLength(1);
  });

  it('asks for a new token once the cached one is within the refresh margin of expiry', async () => {
    let now = 1_000_000;
    const stub = stubFetch({ onOData: () => json(200, caseBody) });
    const { client } = stubClient(stub, { now: () => now, tokenRefreshMarginMs: 60_000 });

    await client.getCase(CASE_ID);
    now += 3_539_000; // 1 s before the refresh point (3600 s − 60 s)
    await client.getCase(CASE_ID);
    now += 2_000;
    await client.getCase(CASE_ID);

    expect(stub.tokenCalls()).toHaveLength(2);
    expect(stub.odataCalls().map((call) => call.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
  });

  it('shares one token request between concurrent callers', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stub = stubFetch({
      onToken: async () => {
        await gate;
        return tokenAnswer('shared');
      },
      onOData: () => json(200, caseBody),
    });
    const { client } = stubClient(stub);

    const calls = Array.from({ length: 10 }, () => client.getCase(CASE_ID));
    release();
    await Promise.all(calls);

    expect(stub.tokenCalls()).toHaveLength(1);
    expect(new Set(stub.odataCalls().map((call) => call.headers.authorization))).toEqual(new Set(['Bearer shared']));
  });

  it('refreshes the token and replays the request once when OData answers 401', async () => {
    const stub = stubFetch({
      onOData: (call) => (call.headers.authorization === 'Bearer token-1' ? new Response(null, { status: 401 }) : json(200, caseBody)),
    });
    const { client, sleeps } = stubClient(stub);

    const found = await client.getCase(CASE_ID);

    expect(found?.Number).toBe('SR00000001');
    expect(stub.tokenCalls()).toHaveLength(2);
    expect(stub.odataCalls()).toHaveLength(2);
    expect(sleeps).toEqual([]);
  });

  it('gives up with an auth PermanentError when a fresh token is also refused', async () => {
    const stub = stubFetch({ onOData: () => new Response(null, { status: 401 }) });
    const { client } = stubClient(stub);

    const failure = client.getCase(CASE_ID);

    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toMatchObject({ kind: 'auth', status: 401 });
    expect(stub.odataCalls()).toHaveLength(2);
  });

  it('refreshes a token refused by concurrent requests only once', async () => {
    const stub = stubFetch({
      onOData: (call) => (call.headers.authorization === 'Bearer token-1' ? new Response(null, { status: 401 }) : noContent()),
    });
    const { client } = stubClient(stub);
    await client.verifyCredentials();

    await Promise.all(Array.from({ length: 5 }, () => client.patchCase(CASE_ID, { Subject: 'x' })));

    expect(stub.tokenCalls()).toHaveLength(2);
  });

  it('explains invalid_client with the secret, the grant type and the URL as likely causes', async () => {
    const stub = stubFetch({ onToken: () => json(400, { error: 'invalid_client' }) });
    const { client } = stubClient(stub);

    const error = await client.getCase(CASE_ID).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ kind: 'auth', status: 400, code: 'invalid_client' });
    const message = (error as Error).message;
    expect(message).toMatch(/secret is wrong, expired, or was regenerated/);
    expect(message).toMatch(/Client Credentials grant/);
    expect(message).toMatch(/ends with a slash/);
    expect(message).toContain('https://acme-is.creatio.com/connect/token');
    expect(message).not.toContain('super-secret-value');
  });

  it('puts the grant type first when the token endpoint answers unsupported_grant_type', async () => {
    const stub = stubFetch({ onToken: () => json(400, { error: 'unsupported_grant_type' }) });
    const { client } = stubClient(stub);

    const error = (await client.getCase(CASE_ID).catch((caught: unknown) => caught)) as Error;

    expect(error.message).toMatch(/Likely causes: \(1\) the OAuth 2.0 integrated application/);
  });

  it('reports an HTML answer from the token endpoint as a wrong identity URL', async () => {
    const stub = stubFetch({ onToken: () => new Response('<!DOCTYPE html><html>Login</html>', { status: 200, headers: { 'content-type': 'text/html' } }) });
    const { client } = stubClient(stub);

    const error = await client.getCase(CASE_ID).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ kind: 'auth', code: 'html_response' });
    expect((error as Error).message).toMatch(/HTML page/);
  });

  it('does not retry a token request that was rejected', async () => {
    const stub = stubFetch({ onToken: () => json(401, { error: 'invalid_client' }) });
    const { client } = stubClient(stub);

    await expect(client.getCase(CASE_ID)).rejects.toMatchObject({ kind: 'auth' });
    expect(stub.tokenCalls()).toHaveLength(1);
  });
});
