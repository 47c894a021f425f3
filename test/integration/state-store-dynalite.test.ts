import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalAwsServers, type LocalAwsServers } from '../../local/aws-servers';
import { DynamoDbStateStore } from '../../functions/shared/state/dynamodb-state-store';
import { ConcurrentUpdateError } from '../../functions/shared/state/state-store';

let aws: LocalAwsServers;
let store: DynamoDbStateStore;

beforeAll(async () => {
  aws = await startLocalAwsServers();
  store = new DynamoDbStateStore(new DynamoDBClient({ region: LOCAL_REGION, endpoint: aws.dynamoEndpoint, credentials: LOCAL_CREDENTIALS }), aws.tableName);
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

  it('remembers more than a batch-write worth of own activity ids, case-insensitively', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

    await store.rememberOwnActivities(ids);

    expect(await store.isOwnActivity(ids[59]!.toUpperCase())).toBe(true);
    expect(await store.isOwnActivity('00000000-0000-4000-8000-999999999999')).toBe(false);
  });
});
