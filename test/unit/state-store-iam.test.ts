import { BatchWriteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbStateStore } from '../../functions/shared/state/dynamodb-state-store';
import { STATE_STORE_TABLE_ACTIONS } from '../../functions/shared/state/table-definition';

describe('state store and its IAM grant', () => {
  it('calls only the DynamoDB actions the consumers are granted, whichever record it reads or writes', async () => {
    const dynamo = mockClient(DynamoDBClient);
    dynamo.on(GetItemCommand).resolves({});
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(BatchWriteItemCommand).resolves({});
    const store = new DynamoDbStateStore(new DynamoDBClient({ region: 'eu-west-1' }), 'state');

    await store.getSession('s');
    await store.putSession({ sessionId: 's' }, 0);
    await store.getCase('c');
    await store.putCase({ caseId: 'c', sessionId: 's', sessionIds: ['s'] }, 0);
    await store.getContact('email:a@example.org');
    await store.putContact({ contactKey: 'email:a@example.org', creatioContactId: 'x' }, 0);
    await store.getReply('a');
    await store.putReply({ activityId: 'a', sessionId: 's', state: 'sent', at: '2026-01-01T00:00:00Z' }, 0);
    await store.getOutbound('s');
    await store.putOutbound({ sessionId: 's', messages: [] }, 0);
    await store.rememberOwnActivities(['a']);
    await store.isOwnActivity('a');

    const used = [...new Set(dynamo.calls().map((call) => `dynamodb:${call.args[0].constructor.name.replace(/Command$/, '')}`))].sort();
    expect(used).toEqual([...STATE_STORE_TABLE_ACTIONS].sort());
    dynamo.restore();
  });
});
