import { ActivityCategoryIds, ActivityPriorityIds, ActivityStatusIds, CaseStatusIds } from '../../functions/shared/creatio';
import { PermanentError } from '../../functions/shared/errors';
import { CASE_ID, CONTACT_ID, OTHER_CONTACT_ID, type StubCall, creatioError, json, noContent, sequence, stubClient, stubFetch } from '../fixtures/creatio/stub-fetch';

const filterOf = (call: StubCall | undefined): string | null => (call ? new URL(call.url).searchParams.get('$filter') : null);

describe('Creatio client records', () => {
  it('creates a case with its own Id and returns the 201 record as created', async () => {
    const stub = stubFetch({ onOData: (call) => json(201, { '@odata.context': 'x', ...JSON.parse(call.body ?? '{}'), Number: 'SR00000042' }) });
    const { client } = stubClient(stub);

    const result = await client.createCase({ Id: CASE_ID, Subject: '  Printer on fire ', StatusId: CaseStatusIds.New });

    expect(result.created).toBe(true);
    expect(result.record).toMatchObject({ Id: CASE_ID, Number: 'SR00000042', Subject: 'Printer on fire' });
    expect(result.record).not.toHaveProperty('@odata.context');
    const sent = JSON.parse(stub.odataCalls()[0]?.body ?? '{}') as Record<string, unknown>;
    expect(sent).toMatchObject({ Id: CASE_ID, StatusId: CaseStatusIds.New });
    expect(typeof sent.RegisteredOn).toBe('string');
    expect(sent).not.toHaveProperty('Number');
  });

  it('treats a duplicate-key answer to a create as success and reads the record back', async () => {
    const stub = stubFetch({
      onOData: (call) =>
        call.method === 'POST'
          ? creatioError(500, 'An error has occurred.', '23505: duplicate key value violates unique constraint "PK_Case_Id"')
          : json(200, { Id: CASE_ID, Number: 'SR00000007', Subject: 'Printer on fire' }),
    });
    const { client, sleeps } = stubClient(stub);

    const result = await client.createCase({ Id: CASE_ID, Subject: 'Printer on fire', StatusId: CaseStatusIds.New });

    expect(result).toEqual({ created: false, record: { Id: CASE_ID, Number: 'SR00000007', Subject: 'Printer on fire' } });
    expect(stub.odataCalls().map((call) => call.method)).toEqual(['POST', 'GET']);
    expect(sleeps).toEqual([]);
  });

  it("recognises SQL Server's duplicate primary key wording too", async () => {
    const stub = stubFetch({
      onOData: (call) =>
        call.method === 'POST'
          ? creatioError(500, "Violation of PRIMARY KEY constraint 'PKxyz'. Cannot insert duplicate key in object 'dbo.Activity'.")
          : json(200, { Id: CASE_ID }),
    });
    const { client } = stubClient(stub);

    const result = await client.post('Activity', { Id: CASE_ID, Title: 'x' });

    expect(result.created).toBe(false);
  });

  it('checks for its record after an unexplained 500 on a create and stops retrying when the record is there', async () => {
    const stub = stubFetch({
      onOData: (call) => (call.method === 'POST' ? creatioError(500, 'An error has occurred.') : json(200, { Id: CASE_ID, Title: 'x' })),
    });
    const { client } = stubClient(stub);

    const result = await client.post('Activity', { Id: CASE_ID, Title: 'x' });

    expect(result.created).toBe(false);
    expect(stub.odataCalls().map((call) => call.method)).toEqual(['POST', 'GET']);
  });

  it('retries a create after a 500 when its record is not there', async () => {
    const stub = stubFetch({
      onOData: sequence(
        () => creatioError(500, 'An error has occurred.'),
        () => creatioError(404, "Resource not found for the segment 'Activity'."),
        () => json(201, { Id: CASE_ID, Title: 'x' }),
      ),
    });
    const { client } = stubClient(stub);

    const result = await client.post('Activity', { Id: CASE_ID, Title: 'x' });

    expect(result.created).toBe(true);
    expect(stub.odataCalls().map((call) => call.method)).toEqual(['POST', 'GET', 'POST']);
  });

  it('checks for its record with a single GET per failed create attempt', async () => {
    const stub = stubFetch({ onOData: (call) => (call.method === 'POST' ? creatioError(500, 'An error has occurred.') : creatioError(503, 'busy')) });
    const { client } = stubClient(stub, { maxAttempts: 2 });

    await expect(client.post('Activity', { Id: CASE_ID, Title: 'x' })).rejects.toMatchObject({ kind: 'server_error' });
    expect(stub.odataCalls().map((call) => call.method)).toEqual(['POST', 'GET', 'POST', 'GET']);
  });

  it('gives every create an Id, generating one when the body has none', async () => {
    const stub = stubFetch({ onOData: (call) => json(201, JSON.parse(call.body ?? '{}')) });
    const { client } = stubClient(stub, { newId: () => CONTACT_ID });

    const result = await client.createContact({ Name: 'Ann Smith', Email: 'ann@example.com' });

    expect(result.record.Id).toBe(CONTACT_ID);
    expect(JSON.parse(stub.odataCalls()[0]?.body ?? '{}')).toMatchObject({ Id: CONTACT_ID, Name: 'Ann Smith' });
  });

  it('returns null for a record Creatio does not have', async () => {
    const stub = stubFetch({ onOData: () => creatioError(404, "Resource not found for the segment 'Case'.") });
    const { client } = stubClient(stub);

    await expect(client.getCase(CASE_ID)).resolves.toBeNull();
  });

  it('refuses a create without a required column before calling Creatio', async () => {
    const stub = stubFetch();
    const { client } = stubClient(stub);

    await expect(client.createCase({ Subject: ' ', StatusId: CaseStatusIds.New })).rejects.toBeInstanceOf(PermanentError);
    await expect(client.createContact({ Name: '' })).rejects.toThrow(/Name is required/);
    await expect(client.createCase({ Subject: 'x', StatusId: 'New' })).rejects.toMatchObject({ kind: 'validation' });
    expect(stub.calls).toHaveLength(0);
  });

  it('truncates a subject and a title to the 500 characters Creatio stores', async () => {
    const stub = stubFetch({ onOData: (call) => json(201, JSON.parse(call.body ?? '{}')) });
    const { client } = stubClient(stub);

    const created = await client.createCase({ Subject: 'a'.repeat(600), StatusId: CaseStatusIds.New });
    const body = client.activityBody({
      Title: 'b'.repeat(501),
      StartDate: new Date('2025-01-01T10:00:00Z'),
      DueDate: '2025-01-01T10:00:00Z',
      PriorityId: ActivityPriorityIds.Medium,
      ActivityCategoryId: ActivityCategoryIds.Email,
      StatusId: ActivityStatusIds.Completed,
    });

    expect(String(created.record.Subject)).toHaveLength(500);
    expect(String(body.Title)).toHaveLength(500);
    expect(body.StartDate).toBe('2025-01-01T10:00:00.000Z');
  });

  it('finds contacts by e-mail in any case, by primary and secondary address, reading owners it has not seen', async () => {
    const stub = stubFetch({
      onOData: (call) => {
        if (call.path.endsWith('/ContactCommunication')) return json(200, { value: [{ Id: CASE_ID, ContactId: OTHER_CONTACT_ID, Number: " O'Brien@Example.com" }] });
        const filter = filterOf(call) ?? '';
        if (filter.includes('Email')) return json(200, { value: [{ Id: CONTACT_ID, Email: "o'brien@EXAMPLE.com" }] });
        return json(200, { value: [{ Id: OTHER_CONTACT_ID, Email: 'other@example.com' }] });
      },
    });
    const { client } = stubClient(stub);

    const contacts = await client.findContactsByEmail(" O'Brien@example.com ");

    expect(contacts.map((contact) => contact.Id).sort()).toEqual([CONTACT_ID, OTHER_CONTACT_ID].sort());
    const filters = stub.odataCalls().map(filterOf);
    expect(filters).toContain("contains(tolower(Email),'o''brien@example.com')");
    expect(filters).toContain("contains(tolower(Number),'o''brien@example.com')");
    expect(filters).toContain(`(Id eq ${OTHER_CONTACT_ID})`);
  });

  it('drops an e-mail candidate whose address turns out to be a different one', async () => {
    const stub = stubFetch({
      onOData: (call) => (call.path.endsWith('/ContactCommunication') ? json(200, { value: [] }) : json(200, { value: [{ Id: CONTACT_ID, Email: 'ann.other@example.com' }] })),
    });
    const { client } = stubClient(stub);

    const contacts = await client.findContactsByEmail('ann@example.com');

    expect(contacts).toEqual([]);
  });

  it('looks phone candidates up by reversed digits in SearchNumber and by the last digits in the phone columns', async () => {
    const stub = stubFetch({ onOData: () => json(200, { value: [] }) });
    const { client } = stubClient(stub);

    await client.findContactPhoneCandidates('4155550134');

    const filters = stub.odataCalls().map(filterOf);
    expect(filters).toContain("startswith(SearchNumber,'4310555514')");
    expect(filters).toContain("(contains(Phone,'0134')) or (contains(MobilePhone,'0134')) or (contains(HomePhone,'0134'))");
    expect(stub.odataCalls()).toHaveLength(2);
  });

  it('looks a lookup up by Name once and then answers from its cache', async () => {
    const stub = stubFetch({ onOData: () => json(200, { value: [{ Id: CASE_ID, Name: 'Chat' }] }) });
    const { client } = stubClient(stub);

    const first = await client.findLookupByName('CaseOrigin', 'Chat');
    const second = await client.findLookupByName('CaseOrigin', 'chat');

    expect(first?.Id).toBe(CASE_ID);
    expect(second).toBe(first);
    expect(stub.odataCalls()).toHaveLength(1);
    expect(filterOf(stub.odataCalls()[0])).toBe("Name eq 'Chat'");
  });

  it('reads a case status with its final, resolved and paused flags', async () => {
    const stub = stubFetch({
      onOData: () => json(200, { Id: CaseStatusIds.Closed, Name: 'Closed', IsFinal: true, IsResolved: false, IsPaused: false }),
    });
    const { client } = stubClient(stub);

    const status = await client.getCaseStatus(CaseStatusIds.Closed.toUpperCase());
    await client.getCaseStatus(CaseStatusIds.Closed);

    expect(status).toEqual({ id: CaseStatusIds.Closed, name: 'Closed', isFinal: true, isResolved: false, isPaused: false });
    expect(stub.odataCalls()).toHaveLength(1);
  });

  it('counts every request by kind and starts again from zero after a reset', async () => {
    const stub = stubFetch({
      onOData: sequence(
        () => json(200, { Id: CASE_ID }),
        () => creatioError(503, 'busy'),
        () => noContent(),
        () => json(201, { Id: CONTACT_ID }),
      ),
    });
    const { client } = stubClient(stub);

    await client.getCase(CASE_ID);
    await client.patchCase(CASE_ID, { StatusId: CaseStatusIds.Resolved });
    expect(client.requestCounts()).toEqual({ token: 1, get: 1, post: 0, patch: 2, delete: 0, batch: 0 });

    client.resetRequestCounts();
    await client.createContact({ Name: 'Ann' });

    expect(client.requestCounts()).toEqual({ token: 0, get: 0, post: 1, patch: 0, delete: 0, batch: 0 });
  });
});
