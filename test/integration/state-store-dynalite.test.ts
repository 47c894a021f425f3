import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalAwsServers, type LocalAwsServers } from '../../local/aws-servers';
import { DynamoDbStateStore } from '../../functions/shared/state/dynamodb-state-store';
import { ConcurrentUpdateError } from '../../functions/shared/state/state-store';

let aws: LocalAwsServers;
let store: DynamoDbStateStore;
let client: DynamoDBClient;

beforeAll(async () => {
  aws = await startLocalAwsServers();
  client = new DynamoDBClient({ region: LOCAL_REGION, endpoint: aws.dynamoEndpoint, credentials: LOCAL_CREDENTIALS });
  store = new DynamoDbStateStore(client, aws.tableName);
});
afterAll(async () => {
  await aws.stop();
});

describe('state store on a real DynamoDB-API server', () => {
  it('lets only one of two writers create the same session', async () => {
    const results = await Promise.allSettled([store.putSession({ sessionId: 's-race', caseId: 'a' }, 0), store.putSession({ sessionId: 's-race', caseId: 'b' }, 0)]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(ConcurrentUpdateError) });
  });

  it('refuses an update based on a stale version', async () => {
    const v1 = await store.putSession({ sessionId: 's-stale', caseId: 'x' }, 0);
    await store.putSession({ sessionId: 's-stale', caseId: 'y' }, v1);

    await expect(store.putSession({ sessionId: 's-stale', caseId: 'z' }, v1)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect((await store.getSession('s-stale'))?.value.caseId).toBe('y');
  });

  it('keeps no email address or phone number anywhere in the table: contact keys are hashed, also inside session and case records', async () => {
    const email = 'email:dana.whitfield@example.org';
    const phone = 'phone:+14155550134';
    await store.putContact({ contactKey: email, creatioContactId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' }, 0);
    await store.putContact({ contactKey: phone, creatioContactId: '9a8b7c6d-5e4f-4a3b-9c1d-0e1f2a3b4c5d' }, 0);
    await store.putSession({ sessionId: 's-pii', contactKey: phone, caseId: 'c-pii' }, 0);
    await store.putCase({ caseId: 'c-pii', sessionId: 's-pii', sessionIds: ['s-pii'], contactKey: email }, 0);

    const found = await store.getContact(email);
    const raw = JSON.stringify((await client.send(new ScanCommand({ TableName: aws.tableName }))).Items);

    expect(found?.value).toEqual({ contactKey: email, creatioContactId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' });
    expect((await store.getContact(phone))?.value.creatioContactId).toBe('9a8b7c6d-5e4f-4a3b-9c1d-0e1f2a3b4c5d');
    expect(raw).toMatch(/CONTACT#sha256:[0-9a-f]{64}/);
    expect(raw).not.toMatch(/dana|whitfield|4155550134/i);
  });

  it('remembers more than a batch-write worth of own activity ids, case-insensitively', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

    await store.rememberOwnActivities(ids);

    expect(await store.isOwnActivity(ids[59]!.toUpperCase())).toBe(true);
    expect(await store.isOwnActivity('00000000-0000-4000-8000-999999999999')).toBe(false);
  });
});
