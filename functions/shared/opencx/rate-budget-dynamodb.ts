import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { TABLE_KEYS } from '../state/table-definition';
import type { BudgetState, BudgetStore } from './rate-budget';

/** The budget's item id for an API key: a hash, so neither the key nor a usable part of it is stored. */
export const budgetKeyFor = (apiKey: string): string => `opencx:${createHash('sha256').update(apiKey).digest('hex').slice(0, 24)}`;

const SORT_KEY = 'BUDGET';
/** A budget item untouched for a day is forgotten (TTL); the next request starts a full bucket. */
const TTL_SECONDS = 24 * 3600;

/**
 * The rate budget's one item in the state table (`pk = RATE#<key>`, `sk = BUDGET`): a consistent
 * GetItem and a PutItem conditioned on the version read, the same two actions (and IAM grants) the
 * state store already uses. Works on dynalite (no transactions, no update expressions needed).
 */
export const dynamoBudgetStore = (client: DynamoDBClient, tableName: string): BudgetStore => {
  const key = (budgetKey: string) => ({ [TABLE_KEYS.partitionKey]: { S: `RATE#${budgetKey}` }, [TABLE_KEYS.sortKey]: { S: SORT_KEY } });
  return {
    read: async (budgetKey): Promise<BudgetState | undefined> => {
      const answer = await client.send(new GetItemCommand({ TableName: tableName, Key: key(budgetKey), ConsistentRead: true }));
      const item = answer.Item;
      if (!item?.tat?.N || !item.version?.N) return undefined;
      return { tat: Number(item.tat.N), version: Number(item.version.N) };
    },
    write: async (budgetKey, tat, expectedVersion) => {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              ...key(budgetKey),
              tat: { N: String(Math.ceil(tat)) },
              version: { N: String(expectedVersion + 1) },
              [TABLE_KEYS.ttlAttribute]: { N: String(Math.floor(Date.now() / 1000) + TTL_SECONDS) },
            },
            ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(#pk)' : '#version = :expected',
            ExpressionAttributeNames: expectedVersion === 0 ? { '#pk': TABLE_KEYS.partitionKey } : { '#version': 'version' },
            ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } } }),
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
  };
};
