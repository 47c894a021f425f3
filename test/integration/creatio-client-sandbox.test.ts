/**
 * The Creatio client against the sandbox over loopback HTTP: the round trips a handoff costs, and how
 * the client rides through expired tokens, throttling, resets and slow answers.
 */
import {
  type ActivityInput,
  ActivityCategoryIds,
  ActivityPriorityIds,
  ActivityStatusIds,
  ActivityTypeIds,
  type BatchOperation,
  CaseOriginIds,
  CaseStatusIds,
  CommunicationTypeIds,
  CreatioClient,
  type CreatioClientConfig,
  EmailMessageTypeIds,
  batchOp,
  lookupValue,
} from '../../functions/shared/creatio';
import { PermanentError, RetryableError } from '../../functions/shared/errors';
import { deterministicId } from '../../functions/shared/ids';
import { type CreatioSandbox, startCreatioSandbox } from '../../local/creatio-sandbox';

let sandbox: CreatioSandbox;
let sleeps: number[];

const clientFor = (overrides: Partial<CreatioClientConfig> = {}): CreatioClient =>
  new CreatioClient({
    instanceUrl: `${sandbox.url}/`,
    identityUrl: sandbox.identityUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    timeoutMs: 1_000,
    baseDelayMs: 5,
    maxDelayMs: 20,
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20)));
    },
    ...overrides,
  });

const tenant = 'acme';
const session = 'session-42';
const contactId = deterministicId(tenant, 'contact', 'opencx-contact-7');
const caseId = deterministicId(tenant, 'case', session);

const message = (index: number): ActivityInput => ({
  Id: deterministicId(tenant, 'activity', session, `message-${index}`),
  Title: `[OpenCX chat] ${index % 2 ? 'AI' : 'Customer'} message ${index}`,
  Body: `<p>Message ${index}</p>`,
  IsHtmlBody: true,
  TypeId: ActivityTypeIds.Email,
  ActivityCategoryId: ActivityCategoryIds.Email,
  StatusId: ActivityStatusIds.Completed,
  PriorityId: ActivityPriorityIds.Medium,
  MessageTypeId: index % 2 ? EmailMessageTypeIds.Outgoing : EmailMessageTypeIds.Incoming,
  CaseId: caseId,
  ContactId: contactId,
  StartDate: new Date(Date.UTC(2025, 0, 1, 10, index)),
  DueDate: new Date(Date.UTC(2025, 0, 1, 10, index)),
  SendDate: new Date(Date.UTC(2025, 0, 1, 10, index)),
});

/** Contact + case + ten activities, as one handoff writes them. */
const handoffOperations = (client: CreatioClient): BatchOperation[] => [
  batchOp.create('Contact', { Id: contactId, Name: 'Ann Smith', Email: 'ann@example.com' }),
  batchOp.create(
    'Case',
    client.caseBody({ Id: caseId, Subject: 'Printer on fire', Symptoms: 'Summary', StatusId: CaseStatusIds.New, OriginId: CaseOriginIds.Email, ContactId: contactId }),
  ),
  ...Array.from({ length: 10 }, (_, i) => batchOp.create('Activity', client.activityBody(message(i)))),
];

beforeAll(async () => {
  sandbox = await startCreatioSandbox();
});

afterAll(async () => {
  await sandbox.stop();
});

beforeEach(() => {
  sandbox.reset();
  sandbox.setFaults(null);
  sandbox.setLatency(0);
  sleeps = [];
});

describe('Creatio client against the sandbox', () => {
  it('writes a contact, a case and ten activities in one $batch round trip after the token', async () => {
    const client = clientFor();

    const results = await client.batch(handoffOperations(client));

    expect(results.map((result) => result.outcome)).toEqual(Array(12).fill('created'));
    expect(client.requestCounts()).toEqual({ token: 1, get: 0, post: 0, patch: 0, delete: 0, batch: 1 });
    expect(results[1]).toMatchObject({ record: { Id: caseId, Number: 'SR00000001' } });
    const activities = await client.query('Activity', { filter: `Case/Id eq ${caseId}`, orderBy: ['SendDate asc'], count: true });
    expect(activities.count).toBe(10);
    expect(activities.value.map((activity) => lookupValue(activity.ContactId))).toEqual(Array(10).fill(contactId));
  });

  it('needs twelve POSTs for the same handoff without $batch', async () => {
    const client = clientFor();

    await client.createContact({ Id: contactId, Name: 'Ann Smith', Email: 'ann@example.com' });
    await client.createCase({ Id: caseId, Subject: 'Printer on fire', StatusId: CaseStatusIds.New, ContactId: contactId });
    for (let i = 0; i < 10; i += 1) await client.createActivity(message(i));

    expect(client.requestCounts()).toEqual({ token: 1, get: 0, post: 12, patch: 0, delete: 0, batch: 0 });
  });

  it('replays the same handoff as a no-op: every create reports that it already existed', async () => {
    const client = clientFor();
    await client.batch(handoffOperations(client));

    const replay = await client.batch(handoffOperations(client));

    expect(replay.map((result) => result.outcome)).toEqual(Array(12).fill('already_existed'));
    expect(sandbox.store.list('Activity')).toHaveLength(10);
    expect(sandbox.store.list('Case')).toHaveLength(1);
  });

  it('returns an existing case, with its number, when its create is retried with the same Id', async () => {
    const client = clientFor();
    const first = await client.createCase({ Id: caseId, Subject: 'Printer on fire', StatusId: CaseStatusIds.New });

    const second = await client.createCase({ Id: caseId, Subject: 'Printer on fire', StatusId: CaseStatusIds.New });

    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, record: { Id: caseId, Number: first.record.Number } });
  });

  it('finds a contact by e-mail in any case, and by a secondary address', async () => {
    const client = clientFor();
    await client.createContact({ Id: contactId, Name: 'Ann Smith', Email: 'Ann@Example.com' });
    const other = await client.createContact({ Name: 'Bob Jones', Email: 'bob@example.com' });
    await client.post('ContactCommunication', { ContactId: other.record.Id, CommunicationTypeId: CommunicationTypeIds.Email, Number: 'bob@work.example' });

    const byPrimary = await client.findContactsByEmail('ann@example.com');
    const bySecondary = await client.findContactsByEmail('bob@work.example');
    const nobody = await client.findContactsByEmail('nobody@example.com');

    expect(byPrimary.map((contact) => contact.Id)).toEqual([contactId]);
    expect(bySecondary.map((contact) => contact.Name)).toEqual(['Bob Jones']);
    expect(nobody).toEqual([]);
  });

  it('finds a contact by mobile phone however it was typed, through SearchNumber', async () => {
    const client = clientFor();
    await client.createContact({ Id: contactId, Name: 'Ann Smith', MobilePhone: '+1 (555) 123-4567' });

    const found = await client.findContactPhoneCandidates('5551234567');

    const ann = found.find((candidate) => candidate.contact.Id === contactId);
    expect(ann?.numbers).toContain('+1 (555) 123-4567');
  });

  it('gets its token through discovery on an instance outside creatio.com with no identity URL configured', async () => {
    const client = clientFor({ identityUrl: undefined });

    await client.getCase(caseId);
    await client.findLookupByName('CaseOrigin', 'Email');

    const paths = sandbox.requestLog.slice(-4).map((entry) => `${entry.method} ${entry.path} ${entry.status}`);
    expect(paths.slice(0, 2)).toEqual(['GET /0/.well-known/openid-configuration 200', 'POST /0/connect/token 200']);
    expect(client.requestCounts().token).toBe(2);
  });

  it('resolves lookups by name and tells a final case status from an open one', async () => {
    const client = clientFor();

    const chat = await client.findLookupByName('CaseOrigin', 'Chat');
    const closed = await client.getCaseStatus(CaseStatusIds.Closed);
    const inProgress = await client.getCaseStatus(CaseStatusIds.InProgress);

    expect(chat?.Name).toBe('Chat');
    expect(closed).toMatchObject({ isFinal: true });
    expect(inProgress).toMatchObject({ isFinal: false, isResolved: false });
  });

  it('patches a case status', async () => {
    const client = clientFor();
    await client.createCase({ Id: caseId, Subject: 'Printer on fire', StatusId: CaseStatusIds.New });

    await client.patchCase(caseId, { StatusId: CaseStatusIds.Resolved, Solution: 'Resolved in OpenCX' });

    expect(await client.getCase(caseId)).toMatchObject({ StatusId: CaseStatusIds.Resolved, Solution: 'Resolved in OpenCX' });
  });

  it('refreshes its token once when every token expires mid-run', async () => {
    const client = clientFor();
    await client.createCase({ Id: caseId, Subject: 'Printer on fire', StatusId: CaseStatusIds.New });

    sandbox.expireAllTokens();
    const found = await client.getCase(caseId);

    expect(found?.Id).toBe(caseId);
    expect(client.requestCounts()).toMatchObject({ token: 2, get: 2, post: 1 });
    expect(sandbox.requestLog.map((entry) => entry.status)).toEqual([200, 201, 401, 200, 200]);
  });

  it('refreshes on its own when the sandbox issues short-lived tokens', async () => {
    const shortLived = await startCreatioSandbox({ tokenLifetimeSeconds: 1 });
    try {
      const client = new CreatioClient({ instanceUrl: shortLived.url, identityUrl: shortLived.identityUrl, clientId: shortLived.clientId, clientSecret: shortLived.clientSecret });
      await client.findLookupByName('CaseStatus', 'New');
      await new Promise((resolve) => setTimeout(resolve, 900));
      await client.getCaseStatus(CaseStatusIds.New);

      expect(client.requestCounts().token).toBe(2);
      expect(shortLived.requestLog.filter((entry) => entry.status === 401)).toHaveLength(0);
    } finally {
      await shortLived.stop();
    }
  });

  it('waits for Retry-After on a 429 and then succeeds', async () => {
    const client = clientFor();
    await client.verifyCredentials();
    sandbox.setFaults({ rate: 1, kinds: ['429'], retryAfterSeconds: 2, count: 1 });

    const status = await client.getCaseStatus(CaseStatusIds.New);

    expect(status?.name).toBe('New');
    expect(sleeps).toEqual([2000]);
    expect(sandbox.requestLog.map((entry) => entry.status)).toEqual([200, 429, 200]);
  });

  it('retries after a connection reset, and a create whose answer was lost is found rather than duplicated', async () => {
    const client = clientFor();
    await client.verifyCredentials();
    sandbox.setFaults({ rate: 1, kinds: ['reset'], count: 1, when: 'after' });

    const result = await client.createCase({ Id: caseId, Subject: 'Printer on fire', StatusId: CaseStatusIds.New });

    expect(result).toMatchObject({ created: false, record: { Id: caseId, Number: 'SR00000001' } });
    expect(sandbox.store.list('Case')).toHaveLength(1);
    expect(sandbox.requestLog.map((entry) => [entry.method, entry.status])).toEqual([
      ['POST', 200],
      ['POST', null],
      ['POST', 500],
      ['GET', 200],
    ]);
  });

  it('after a batch whose answer was lost, reads which of its ids exist and sends none of them again', async () => {
    const client = clientFor();
    await client.verifyCredentials();
    sandbox.setFaults({ rate: 1, kinds: ['500'], count: 1, when: 'after' });

    const results = await client.batch(handoffOperations(client));

    expect(results.map((result) => result.outcome)).toEqual(Array(12).fill('already_existed'));
    expect(sandbox.store.list('Activity')).toHaveLength(10);
    expect(client.requestCounts().batch).toBe(1);
  });

  it('gives up on answers slower than its timeout with a timeout RetryableError', async () => {
    const client = clientFor({ timeoutMs: 150, maxAttempts: 2 });
    await client.verifyCredentials();
    sandbox.setFaults({ rate: 1, kinds: ['timeout'], hangMs: 5_000 });

    const started = Date.now();
    const error = await client.getCase(caseId).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(sandbox.requestLog.filter((entry) => entry.fault === 'timeout')).toHaveLength(2);
  });

  it('rides through latency shorter than its timeout', async () => {
    const client = clientFor({ timeoutMs: 500 });
    sandbox.setLatency(50);

    await expect(client.getCaseStatus(CaseStatusIds.New)).resolves.toMatchObject({ name: 'New' });
  });

  it('throws a RetryableError after repeated 500s', async () => {
    const client = clientFor({ maxAttempts: 3 });
    await client.verifyCredentials();
    sandbox.setFaults({ rate: 1, kinds: ['500'] });

    await expect(client.getCase(caseId)).rejects.toMatchObject({ kind: 'server_error' });
    expect(client.requestCounts().get).toBe(3);
  });

  it('reports a bad secret as an auth PermanentError that names the likely causes', async () => {
    const client = clientFor({ clientSecret: 'regenerated-since' });

    const error = await client.getCase(caseId).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ kind: 'auth', code: 'invalid_client' });
    expect((error as Error).message).toMatch(/secret is wrong, expired, or was regenerated/);
  });

  it("surfaces Creatio's message for a create the sandbox rejects", async () => {
    const client = clientFor();

    const error = await client.post('Case', { Subject: 'x', StatusId: CaseStatusIds.New, UsrMood: 'angry' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ status: 400, kind: 'validation' });
    expect((error as Error).message).toContain("The property 'UsrMood' does not exist on type 'Terrasoft.Configuration.Case'");
  });

  it('maps a partly failing continue-on-error batch item by item', async () => {
    const client = clientFor();
    const operations = handoffOperations(client).slice(0, 3);
    operations.splice(2, 0, batchOp.create('Activity', { Title: 'missing required columns', CaseId: caseId }));

    const results = await client.batch(operations);

    expect(results.map((result) => result.outcome)).toEqual(['created', 'created', 'failed', 'created']);
    const failed = results[2];
    expect(failed?.outcome === 'failed' && failed.error).toBeInstanceOf(PermanentError);
  });
});
