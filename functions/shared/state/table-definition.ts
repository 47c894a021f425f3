/** The one state table (design §5): the same key schema in CDK, the local runtime and the repository. */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' } as const;

/**
 * The DynamoDB actions the state store (dynamodb-state-store.ts) calls, and so all a consumer Lambda
 * is granted on the table. A new call in the store needs its action here, or it is denied in AWS
 * (the local DynamoDB server does not check IAM).
 */
export const STATE_STORE_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'] as const;
