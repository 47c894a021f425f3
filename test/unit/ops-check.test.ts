/**
 * How `check` maps what Creatio and OpenCX answer onto the seed troubleshooting causes. The HTTP answers
 * are real-shaped (Creatio IdentityServer OAuth errors, OData error envelope, an HTML login page) and
 * come from a fake fetch; the sandboxes cover the happy path in test/integration/ops-cli.
 */
import * as path from 'node:path';
import type { TenantConfig } from '../../functions/shared/schemas/tenant-config';
import { loadTenantConfig } from '../../lib/tenant-config-loader';
import { OPENCX_PROBE_SESSION, runChecks, type CheckRow } from '../../scripts/ops/check';
import { memoryStore } from '../../scripts/ops/secret-store';

const config: TenantConfig = loadTenantConfig(path.join(__dirname, '..', '..', 'tenants', 'example.json'));
const secrets = () =>
  memoryStore({
    creatio: JSON.stringify({ clientId: 'client-1', clientSecret: 'secret-1' }),
    opencx: JSON.stringify({ apiKey: 'ocx_key_1' }),
  });

type Route = (url: URL, init: RequestInit | undefined) => Response | undefined;
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const token = () => json(200, { access_token: 'at-1', expires_in: 3600, token_type: 'Bearer' });
const record = (url: URL) => json(200, { Id: decodeURIComponent(url.pathname).match(/\(([^)]+)\)/)?.[1] ?? '', Name: 'Resolved', IsResolved: true });
const opencx404 = () => json(404, { statusCode: 404, message: 'Chat session not found', error: 'Not Found' });

const fakeFetch = (route: Route): typeof globalThis.fetch =>
  (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const answer = route(url, init);
    if (answer) return answer;
    if (url.pathname === '/connect/token') return token();
    if (url.pathname.includes(`/chat/sessions/${OPENCX_PROBE_SESSION}`)) return opencx404();
    if (url.pathname.includes('SysAdminUnit')) return json(200, { value: [{ Id: config.cases.defaultGroupId, Name: 'Support' }] });
    return record(url);
  }) as typeof globalThis.fetch;

const check = async (route: Route, overrides: Partial<Parameters<typeof runChecks>[0]> = {}) => {
  const rows = await runChecks({
    tenant: 'example',
    config,
    endpoints: { creatioUrl: 'https://example.creatio.com', creatioIdentityUrl: 'https://example-is.creatio.com', opencxApiUrl: 'https://api.open.cx' },
    secrets: secrets(),
    fetch: fakeFetch(route),
    timeoutMs: 1_000,
    ...overrides,
  });
  const row = (name: string): CheckRow => rows.find((r) => r.check === name) ?? { check: name, result: 'skip', detail: 'missing row', fix: '' };
  return { rows, row };
};

describe('ops check', () => {
  it('passes every row when the instance has every configured record', async () => {
    const { rows } = await check(() => undefined);

    expect(rows.filter((r) => r.result !== 'ok')).toEqual([]);
  });

  it('says to switch the OAuth app to the Client Credentials grant on unsupported_grant_type', async () => {
    const { row } = await check((url) => (url.pathname === '/connect/token' ? json(400, { error: 'unsupported_grant_type' }) : undefined));

    expect(row('Creatio token')).toMatchObject({ result: 'FAIL', fix: expect.stringContaining('Client Credentials grant') });
  });

  it('points at the URL (trailing slash, -is host) when the token endpoint answers with an HTML page', async () => {
    const { row } = await check((url) =>
      url.pathname === '/connect/token' ? new Response('<!DOCTYPE html><html><body>Login</body></html>', { status: 200, headers: { 'content-type': 'text/html' } }) : undefined,
    );

    expect(row('Creatio token')).toMatchObject({ result: 'FAIL', fix: expect.stringMatching(/trailing slash.*-is/) });
  });

  it('fails the URL row for an instance URL that ends with a slash', async () => {
    const { row } = await check(() => undefined, {
      endpoints: { creatioUrl: 'https://example.creatio.com/', opencxApiUrl: 'https://api.open.cx' },
    });

    expect(row('Creatio URL')).toMatchObject({ result: 'FAIL', fix: expect.stringContaining('Invalid credentials') });
  });

  it('maps a 403 on a lookup read to missing permissions of the integration user', async () => {
    const { row } = await check((url) =>
      url.pathname.includes('/CaseOrigin(') ? json(403, { error: { code: '', message: 'Current user does not have sufficient permissions' } }) : undefined,
    );

    expect(row('Case origins')).toMatchObject({ result: 'FAIL', fix: expect.stringMatching(/Missing permissions.*read access to CaseOrigin/) });
  });

  it('maps a 401 with a fresh token to the "Access to OData" operation', async () => {
    const { row } = await check((url) => (url.pathname.includes('/CaseStatus(ae5f2f10') ? json(401, { error: { message: 'Unauthorized' } }) : undefined));

    expect(row('New case status')).toMatchObject({ result: 'FAIL', fix: expect.stringContaining('CanUseODataService') });
  });

  it('says which scope an OpenCX key lacks on 403', async () => {
    const { row } = await check((url) => (url.hostname === 'api.open.cx' ? json(403, { statusCode: 403, message: 'Forbidden resource', error: 'Forbidden' }) : undefined));

    expect(row('OpenCX API')).toMatchObject({ result: 'FAIL', fix: expect.stringContaining('chat-sessions:read') });
  });

  it('explains an empty secret and skips what needs it', async () => {
    const { row } = await check(() => undefined, { secrets: memoryStore({ opencx: JSON.stringify({ apiKey: 'ocx_key_1' }) }) });

    expect(row('Creatio credentials')).toMatchObject({ result: 'FAIL', detail: expect.stringContaining('are not set') });
    expect(row('Creatio token').result).toBe('skip');
    expect(row('Resolved status')).toMatchObject({ result: 'skip', detail: 'needs a Creatio token' });
  });
});
