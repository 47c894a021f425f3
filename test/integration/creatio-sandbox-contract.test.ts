/**
 * Pins the sandbox to the documented Creatio behaviour (Creatio Academy facts the team keeps with the design) with raw HTTP, so that it cannot
 * drift into whatever the client happens to do. Each expectation names the fact it checks.
 */
import { type CreatioSandbox, type SandboxRecord, startCreatioSandbox } from '../../local/creatio-sandbox';

const NEW = 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38';
const RESOLVED = 'ae7f411e-f46b-1410-009b-0050ba5d6c38';
const CLOSED = '3e7f420c-f46b-1410-fc9a-0050ba5d6c38';
const EMAIL_TYPE = 'e2831dec-cfc0-df11-b00f-001d60e938c6';
const EMAIL_CATEGORY = '8038a396-7825-e011-8165-00155d043204';
const COMPLETED = '4bdbb88f-58e6-df11-971b-001d60e938c6';
const ACTIVITY_PRIORITY = 'ab96fa02-7fe6-df11-971b-001d60e938c6';
const CASE_ID = '6f1c2f1e-8d0a-5b7e-9c3d-2a1b0c9d8e7f';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sandbox: CreatioSandbox;
let token: string;
const added: { collection: string; record: SandboxRecord }[] = [];
const modified: { collection: string; before: SandboxRecord; after: SandboxRecord }[] = [];

const tokenRequest = (form: Record<string, string>): Promise<Response> =>
  fetch(`${sandbox.identityUrl}/connect/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });

const newToken = async (): Promise<string> => {
  const answer = await tokenRequest({ grant_type: 'client_credentials', client_id: sandbox.clientId, client_secret: sandbox.clientSecret });
  return ((await answer.json()) as { access_token: string }).access_token;
};

const odata = (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> =>
  fetch(`${sandbox.odataUrl}/${path}`, {
    method: init.method ?? 'GET',
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'Content-Type': 'application/json', ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

const readJson = async (answer: Response): Promise<Record<string, unknown>> => (await answer.json()) as Record<string, unknown>;
const errorMessage = async (answer: Response): Promise<string> => ((await readJson(answer)).error as { message: string }).message;

const caseBody = (overrides: Record<string, unknown> = {}) => ({ Subject: 'Printer on fire', StatusId: NEW, ...overrides });
const activityBody = (overrides: Record<string, unknown> = {}) => ({
  Title: 'Customer wrote',
  StartDate: '2025-01-01T10:00:00Z',
  DueDate: '2025-01-01T10:00:00Z',
  TypeId: EMAIL_TYPE,
  ActivityCategoryId: EMAIL_CATEGORY,
  StatusId: COMPLETED,
  PriorityId: ACTIVITY_PRIORITY,
  ...overrides,
});

beforeAll(async () => {
  sandbox = await startCreatioSandbox({
    onRecordAdded: (collection, record) => {
      added.push({ collection, record });
    },
    onRecordModified: (collection, before, after) => {
      modified.push({ collection, before, after });
    },
  });
});

afterAll(async () => {
  await sandbox.stop();
});

beforeEach(async () => {
  sandbox.reset();
  sandbox.setFaults(null);
  added.length = 0;
  modified.length = 0;
  token = await newToken();
});

describe('Creatio sandbox contract: identity service', () => {
  it('issues a Bearer token with expires_in for valid client credentials', async () => {
    const answer = await tokenRequest({ grant_type: 'client_credentials', client_id: sandbox.clientId, client_secret: sandbox.clientSecret });

    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ access_token: expect.any(String), expires_in: 3600, token_type: 'Bearer' });
  });

  it('answers 400 invalid_client for a wrong secret', async () => {
    const answer = await tokenRequest({ grant_type: 'client_credentials', client_id: sandbox.clientId, client_secret: 'nope' });

    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error: 'invalid_client' });
  });

  it('answers 400 unsupported_grant_type for a grant other than client credentials', async () => {
    const answer = await tokenRequest({ grant_type: 'password', client_id: sandbox.clientId, client_secret: sandbox.clientSecret });

    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error: 'unsupported_grant_type' });
  });

  it('answers 401 to an OData call without a token, and with a token that has expired', async () => {
    const anonymous = await fetch(`${sandbox.odataUrl}/Case`);
    sandbox.expireAllTokens();
    const expired = await odata('Case');

    expect(anonymous.status).toBe(401);
    expect(expired.status).toBe(401);
  });
});

describe('Creatio sandbox contract: where the token is served', () => {
  it('names its token endpoint in /0/.well-known/openid-configuration (§1.1 discovery document)', async () => {
    const answer = await fetch(`${sandbox.url}/0/.well-known/openid-configuration`);

    expect(await readJson(answer)).toMatchObject({ issuer: 'creatio.com', token_endpoint: `${sandbox.url}/0/connect/token` });
  });

  it('answers a token request on the app host root with the HTML login page and HTTP 200, as Creatio does (§1.2)', async () => {
    const answer = await fetch(`${sandbox.url}/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sandbox.clientId, client_secret: sandbox.clientSecret }).toString(),
    });

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/html');
  });
});

describe('Creatio sandbox contract: data as people typed it (PostgreSQL, ContactCommunication)', () => {
  it('compares text case-sensitively unless the filter lowers the column', async () => {
    const exact = await readJson(await odata(`Contact?$filter=${encodeURIComponent("Email eq 'priya.raman@example.com'")}`));
    const lowered = await readJson(await odata(`Contact?$filter=${encodeURIComponent("tolower(Email) eq 'priya.raman@example.com'")}`));

    expect(exact.value).toEqual([]);
    expect((lowered.value as SandboxRecord[]).map((c) => c.Name)).toEqual(['Priya Raman']);
  });

  it('keeps a contact phone number as typed, mirrored into ContactCommunication with its digits reversed in SearchNumber', async () => {
    const answer = await readJson(await odata(`ContactCommunication?$filter=${encodeURIComponent("startswith(SearchNumber,'7810555212')")}&$select=ContactId,Number,SearchNumber`));

    expect(answer.value).toEqual([expect.objectContaining({ Number: '+1 (212) 555-0187', SearchNumber: '78105552121' })]);
  });

  it('computes SearchNumber itself for a communication row a client creates', async () => {
    const contact = (await readJson(await odata('Contact', { method: 'POST', body: { Name: 'Typed Number' } }))) as SandboxRecord;
    const row = await readJson(
      await odata('ContactCommunication', {
        method: 'POST',
        body: { ContactId: contact.Id, CommunicationTypeId: 'd4a2dc80-30ca-df11-9b2a-001d60e938c6', Number: '0151 2345 6789', SearchNumber: 'ignored' },
      }),
    );

    expect(row.SearchNumber).toBe('987654321510');
  });
});

describe('Creatio sandbox contract: OData 4 records', () => {
  it('answers a collection read with @odata.context and value', async () => {
    const answer = await odata('CaseStatus?$select=Id,Name,IsFinal,IsResolved&$orderby=Name');
    const body = await readJson(answer);

    expect(answer.status).toBe(200);
    expect(body['@odata.context']).toBe(`${sandbox.odataUrl}/$metadata#CaseStatus(Id,Name,IsFinal,IsResolved)`);
    expect(body.value).toEqual(
      expect.arrayContaining([
        { Id: NEW, Name: 'New', IsFinal: false, IsResolved: false },
        { Id: RESOLVED, Name: 'Resolved', IsFinal: false, IsResolved: true },
        { Id: CLOSED, Name: 'Closed', IsFinal: true, IsResolved: false },
      ]),
    );
  });

  it('seeds case origins with Email, Portal and Call under their Creatio GUIDs, and chat-like origins by name', async () => {
    const body = await readJson(await odata('CaseOrigin?$select=Id,Name'));
    const byName = Object.fromEntries((body.value as { Id: string; Name: string }[]).map((row) => [row.Name, row.Id]));

    expect(byName).toMatchObject({
      Email: '7f9e1f1e-f46b-1410-3492-0050ba5d6c38',
      Portal: 'debf4124-f46b-1410-3592-0050ba5d6c38',
      Call: '5e5e202a-f46b-1410-3692-0050ba5d6c38',
      Chat: expect.stringMatching(GUID),
      WhatsApp: expect.stringMatching(GUID),
    });
  });

  it('creates a case with 201, the whole entity, a generated Id and an SR number', async () => {
    const answer = await odata('Case', { method: 'POST', body: caseBody() });
    const body = await readJson(answer);

    expect(answer.status).toBe(201);
    expect(body).toMatchObject({
      '@odata.context': `${sandbox.odataUrl}/$metadata#Case/$entity`,
      Id: expect.stringMatching(GUID),
      Number: 'SR00000001',
      Subject: 'Printer on fire',
      StatusId: NEW,
      RegisteredOn: expect.any(String),
      CreatedOn: expect.any(String),
      ModifiedOn: expect.any(String),
    });
    expect(answer.headers.get('location')).toBe(`${sandbox.odataUrl}/Case(${String(body.Id)})`);
    expect((await readJson(await odata('Case', { method: 'POST', body: caseBody() }))).Number).toBe('SR00000002');
  });

  it('keeps a client-chosen Id and answers unset lookups as the empty GUID and unset text as empty', async () => {
    const body = await readJson(await odata('Case', { method: 'POST', body: caseBody({ Id: CASE_ID.toUpperCase() }) }));

    expect(body.Id).toBe(CASE_ID);
    expect(body.ContactId).toBe('00000000-0000-0000-0000-000000000000');
    expect(body.Symptoms).toBe('');
  });

  it('rejects a second create with the same Id with a generic server error, or with the database wording when asked to', async () => {
    await odata('Case', { method: 'POST', body: caseBody({ Id: CASE_ID }) });

    const generic = await odata('Case', { method: 'POST', body: caseBody({ Id: CASE_ID }) });
    sandbox.store.genericDuplicateErrors = false;
    const worded = await odata('Case', { method: 'POST', body: caseBody({ Id: CASE_ID }) });
    sandbox.store.genericDuplicateErrors = true;

    expect(generic.status).toBe(500);
    expect(await errorMessage(generic)).toBe('An error has occurred.');
    expect(worded.status).toBe(500);
    expect(await errorMessage(worded)).toMatch(/duplicate key value violates unique constraint/);
    expect(sandbox.store.list('Case')).toHaveLength(1);
  });

  it('rejects an unknown column with a 400 naming the property and the type', async () => {
    const answer = await odata('Case', { method: 'POST', body: caseBody({ UsrSentiment: 'angry' }) });

    expect(answer.status).toBe(400);
    expect(await errorMessage(answer)).toBe(
      "The property 'UsrSentiment' does not exist on type 'Terrasoft.Configuration.Case'. Make sure to only use property names that are defined by the type.",
    );
  });

  it('enforces required columns on Case, Activity and Contact', async () => {
    const noSubject = await odata('Case', { method: 'POST', body: { StatusId: NEW } });
    const noStatus = await odata('Case', { method: 'POST', body: { Subject: 'x' } });
    const noDueDate = await odata('Activity', { method: 'POST', body: activityBody({ DueDate: null }) });
    const noName = await odata('Contact', { method: 'POST', body: { Email: 'a@b.c' } });

    expect([noSubject.status, noStatus.status, noDueDate.status, noName.status]).toEqual([400, 400, 400, 400]);
    expect(await errorMessage(noDueDate)).toMatch(/"DueDate"/);
  });

  it('fails a subject over 500 characters with a database error', async () => {
    const answer = await odata('Case', { method: 'POST', body: caseBody({ Subject: 'x'.repeat(501) }) });

    expect(answer.status).toBe(500);
    expect(await errorMessage(answer)).toMatch(/^String or binary data would be truncated in table 'dbo.Case', column 'Subject'. Truncated value: 'x+'\.$/);
  });

  it('fails a lookup pointing at a missing row with a foreign key error', async () => {
    const answer = await odata('Case', { method: 'POST', body: caseBody({ StatusId: CASE_ID }) });

    expect(answer.status).toBe(500);
    expect(await errorMessage(answer)).toMatch(/violates foreign key constraint/);
  });

  it('answers PATCH with 204 and no body, and updates ModifiedOn', async () => {
    const created = await readJson(await odata('Case', { method: 'POST', body: caseBody({ Id: CASE_ID }) }));
    await new Promise((resolve) => setTimeout(resolve, 5));

    const answer = await odata(`Case(${CASE_ID})`, { method: 'PATCH', body: { StatusId: RESOLVED } });
    const after = await readJson(await odata(`Case(${CASE_ID})`));

    expect(answer.status).toBe(204);
    expect(await answer.text()).toBe('');
    expect(after).toMatchObject({ StatusId: RESOLVED, '@odata.context': `${sandbox.odataUrl}/$metadata#Case/$entity` });
    expect(String(after.ModifiedOn) > String(created.ModifiedOn)).toBe(true);
  });

  it('addresses a record by a bare GUID only: a quoted key is a 400 and a missing record a 404', async () => {
    const quoted = await odata(`Case('${CASE_ID}')`);
    const missing = await odata(`Case(${CASE_ID})`);

    expect(quoted.status).toBe(400);
    expect(missing.status).toBe(404);
  });

  it("filters a lookup as Case/Id eq <guid> or CaseId eq <guid>, and refuses CaseId eq '<guid>'", async () => {
    await odata('Case', { method: 'POST', body: caseBody({ Id: CASE_ID }) });
    await odata('Activity', { method: 'POST', body: activityBody({ CaseId: CASE_ID }) });
    await odata('Activity', { method: 'POST', body: activityBody({ Title: 'Unrelated' }) });

    const navigation = await readJson(await odata(`Activity?$filter=${encodeURIComponent(`Case/Id eq ${CASE_ID}`)}`));
    const scalar = await readJson(await odata(`Activity?$filter=${encodeURIComponent(`CaseId eq ${CASE_ID}`)}`));
    const quoted = await odata(`Activity?$filter=${encodeURIComponent(`CaseId eq '${CASE_ID}'`)}`);

    expect((navigation.value as unknown[]).length).toBe(1);
    expect((scalar.value as unknown[]).length).toBe(1);
    expect(quoted.status).toBe(400);
    expect(await errorMessage(quoted)).toMatch(/incompatible types/);
  });

  it('supports $filter with contains and quotes, $orderby, $top, $skip and $count', async () => {
    for (const name of ["Ann O'Brien", 'Bob Brown', 'Cid Brook', 'Dee Stone']) {
      await odata('Contact', { method: 'POST', body: { Name: name } });
    }

    const page = await readJson(
      await odata(`Contact?$filter=${encodeURIComponent("contains(Name,'Bro') or Name eq 'Ann O''Brien'")}&$orderby=Name desc&$top=2&$skip=1&$count=true&$select=Name`),
    );

    expect(page['@odata.count']).toBe(3);
    expect(page.value).toEqual([{ Name: 'Bob Brown' }, { Name: "Ann O'Brien" }]);
  });

  it('rejects an unknown property in $select or $filter with the OData message', async () => {
    const answer = await odata('Contact?$select=Id,Emial');

    expect(answer.status).toBe(400);
    expect(await errorMessage(answer)).toBe("Could not find a property named 'Emial' on type 'Terrasoft.Configuration.Contact'.");
  });

  it('tells hooks about added and modified records, as business-process signals would', async () => {
    await odata('Case', { method: 'POST', body: caseBody({ Id: CASE_ID }) });
    await odata(`Case(${CASE_ID})`, { method: 'PATCH', body: { StatusId: RESOLVED } });
    await sandbox.idle();

    expect(added.map(({ collection, record }) => [collection, record.Id])).toEqual([['Case', CASE_ID]]);
    expect(modified).toHaveLength(1);
    expect(modified[0]?.before.StatusId).toBe(NEW);
    expect(modified[0]?.after.StatusId).toBe(RESOLVED);
  });
});

describe('Creatio sandbox contract: $batch', () => {
  const batch = (requests: unknown[], headers: Record<string, string> = {}) =>
    odata('$batch', { method: 'POST', body: { requests }, headers: { 'Content-Type': 'application/json; odata=verbose; IEEE754Compatible=true', ...headers } });

  const parts = [
    { id: '1', method: 'POST', url: 'Case', body: caseBody({ Id: CASE_ID }) },
    { id: '2', method: 'POST', url: 'Case', body: caseBody({ Id: CASE_ID }) },
    { id: '3', method: 'POST', url: 'Activity', body: activityBody({ CaseId: CASE_ID }) },
  ];

  it('stops at the first failing request without Prefer: continue-on-error', async () => {
    const answer = await batch(parts);
    const body = (await readJson(answer)) as { responses: { id: string; status: number }[] };

    expect(answer.status).toBe(200);
    expect(body.responses.map(({ id, status }) => [id, status])).toEqual([
      ['1', 201],
      ['2', 500],
    ]);
    expect(sandbox.store.list('Activity')).toHaveLength(0);
  });

  it('runs every request with Prefer: continue-on-error and answers each with id, status and body', async () => {
    const answer = await batch(parts, { Prefer: 'continue-on-error' });
    const body = (await readJson(answer)) as { responses: { id: string; status: number; body?: Record<string, unknown> }[] };

    expect(body.responses.map(({ id, status }) => [id, status])).toEqual([
      ['1', 201],
      ['2', 500],
      ['3', 201],
    ]);
    expect(body.responses[0]?.body).toMatchObject({ Id: CASE_ID, Number: 'SR00000001' });
    expect(sandbox.store.list('Activity')).toHaveLength(1);
  });

  it('runs PATCH and GET parts addressed relative to the OData root', async () => {
    await odata('Case', { method: 'POST', body: caseBody({ Id: CASE_ID }) });

    const body = (await readJson(
      await batch([
        { id: 'a', method: 'PATCH', url: `Case(${CASE_ID})`, body: { StatusId: RESOLVED } },
        { id: 'b', method: 'GET', url: `Case(${CASE_ID})` },
      ]),
    )) as { responses: { id: string; status: number; body?: Record<string, unknown> }[] };

    expect(body.responses.map((response) => response.status)).toEqual([204, 200]);
    expect(body.responses[1]?.body?.StatusId).toBe(RESOLVED);
  });

  it('refuses a batch of more than 100 requests', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ id: String(i), method: 'GET', url: `Case(${CASE_ID})` }));

    const answer = await batch(many);

    expect(answer.status).toBe(400);
  });
});

describe('Creatio sandbox contract: faults and admin view', () => {
  it('answers 429 with Retry-After when throttling is injected', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['429'], retryAfterSeconds: 7, count: 1 });

    const throttled = await odata('Case');
    const next = await odata('Case');

    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(next.status).toBe(200);
  });

  it('drops the connection for a reset fault, and with when=after the write still happens', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['reset'], count: 1, when: 'after' });

    const error = await odata('Case', { method: 'POST', body: caseBody({ Id: CASE_ID }) }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect(sandbox.store.get('Case', CASE_ID)?.Subject).toBe('Printer on fire');
    expect(sandbox.requestLog.at(-1)).toMatchObject({ method: 'POST', path: '/0/odata/Case', status: null, fault: 'reset' });
  });

  it('logs method, path and status but never the query string', async () => {
    await odata(`Contact?$filter=${encodeURIComponent("Email eq 'ann@example.com'")}`);

    expect(sandbox.requestLog.at(-1)).toEqual({ at: expect.any(String), method: 'GET', path: '/0/odata/Contact', status: 200 });
    expect(JSON.stringify(sandbox.requestLog)).not.toContain('ann@example.com');
  });

  it('shows what was written through a read-only JSON and HTML view', async () => {
    await odata('Case', { method: 'POST', body: caseBody({ Id: CASE_ID, Subject: 'Printer <on> fire' }) });
    await odata('Activity', { method: 'POST', body: activityBody({ CaseId: CASE_ID }) });

    const cases = (await (await fetch(`${sandbox.url}/_sandbox/api/Case`)).json()) as { Id: string }[];
    const page = await (await fetch(`${sandbox.url}/_sandbox`)).text();

    expect(cases.map((row) => row.Id)).toEqual([CASE_ID]);
    expect(page).toContain('SR00000001');
    expect(page).toContain('Printer &lt;on&gt; fire');
    expect(page).toContain('Customer wrote');
  });

  it('accepts fault settings through the admin endpoint', async () => {
    const set = await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ rate: 1, kinds: ['500'], count: 1 }) });

    const failing = await odata('Case');

    expect(set.status).toBe(204);
    expect(failing.status).toBe(500);
  });
});
