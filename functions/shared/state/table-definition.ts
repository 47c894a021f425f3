/** The one state table (design §5): the same key schema in CDK, the local runtime and the repository. */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' } as const;
