import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type QueryCommandOutput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { RetryableError } from '../errors';
import { TABLE_KEYS } from './table-definition';
import {
  ConcurrentUpdateError,
  type CaseRecord,
  type ContactRecord,
  type OutboundRecord,
  type QuarantinedMessage,
  type ReplyRecord,
  type SessionRecord,
  type StateStore,
  type Versioned,
  storedContactKey,
} from './state-store';

/** Session and case records name their contact by the hashed key only. */
const withStoredContactKey = <T extends { readonly contactKey?: string | undefined }>(record: T): T =>
  record.contactKey ? { ...record, contactKey: storedContactKey(record.contactKey) } : record;

const DAY_SECONDS = 86_400;
/** Own-activity and reply markers are kept for half a year, mappings for two years. */
const MARKER_TTL_DAYS = 180;
const MAPPING_TTL_DAYS = 730;

type Item = Record<string, AttributeValue>;

const QUARANTINE_PK = 'QUARANTINE';

/**
 * One table, one item per record: `pk`/`sk`, a `version` number that guards every write, the record as
 * JSON in `data`, and `expiresAt` for DynamoDB TTL. No transactions (the local DynamoDB server has none):
 * every write is one conditional PutItem.
 */
export class DynamoDbStateStore implements StateStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private key(pk: string, sk: string): Item {
    return { [TABLE_KEYS.partitionKey]: { S: pk }, [TABLE_KEYS.sortKey]: { S: sk } };
  }

  private async get<T>(pk: string, sk: string): Promise<Versioned<T> | undefined> {
    const answer = await this.send(() => this.client.send(new GetItemCommand({ TableName: this.tableName, Key: this.key(pk, sk), ConsistentRead: true })));
    const item = answer.Item;
    if (!item?.data?.S) return undefined;
    return { value: JSON.parse(item.data.S) as T, version: Number(item.version?.N ?? '0') };
  }

  private async put(pk: string, sk: string, value: unknown, expectedVersion: number, ttlDays: number): Promise<number> {
    const version = expectedVersion + 1;
    const expiresAt = Math.floor(this.now().getTime() / 1000) + ttlDays * DAY_SECONDS;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(pk, sk),
            version: { N: String(version) },
            data: { S: JSON.stringify(value) },
            [TABLE_KEYS.ttlAttribute]: { N: String(expiresAt) },
          },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(#pk)' : '#version = :expected',
          ExpressionAttributeNames: expectedVersion === 0 ? { '#pk': TABLE_KEYS.partitionKey } : { '#version': 'version' },
          ExpressionAttributeValues: expectedVersion === 0 ? undefined : { ':expected': { N: String(expectedVersion) } },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') {
        // The key's kind only: contact keys hold an email address or a phone number, and this message is logged.
        throw new ConcurrentUpdateError(`A ${pk.split('#')[0]?.toLowerCase() ?? 'state'} record changed while we were writing it`);
      }
      throw this.classify(error);
    }
    return version;
  }

  /** Throttling and 5xx from DynamoDB are worth a redelivery; the SDK has already retried them. */
  private classify(error: unknown): Error {
    const name = (error as { name?: string }).name ?? '';
    if (/Throughput|Throttl|RequestLimit|InternalServer|ServiceUnavailable|TimeoutError|ECONN/.test(name) || (error as { $retryable?: unknown }).$retryable) {
      return new RetryableError(`DynamoDB: ${name}`, { kind: 'dynamodb', cause: error });
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  private async send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.classify(error);
    }
  }

  getSession(sessionId: string) {
    return this.get<SessionRecord>(`SESSION#${sessionId}`, 'META');
  }
  putSession(record: SessionRecord, expectedVersion: number) {
    return this.put(`SESSION#${record.sessionId}`, 'META', withStoredContactKey(record), expectedVersion, MAPPING_TTL_DAYS);
  }
  getCase(caseId: string) {
    return this.get<CaseRecord>(`CASE#${caseId}`, 'META');
  }
  putCase(record: CaseRecord, expectedVersion: number) {
    return this.put(`CASE#${record.caseId}`, 'META', withStoredContactKey(record), expectedVersion, MAPPING_TTL_DAYS);
  }
  /** Contact keys are hashed (`CONTACT#sha256:…`); the record comes back with the key it was asked by. */
  async getContact(contactKey: string) {
    const found = await this.get<ContactRecord>(`CONTACT#${storedContactKey(contactKey)}`, 'META');
    return found ? { ...found, value: { ...found.value, contactKey } } : undefined;
  }
  putContact(record: ContactRecord, expectedVersion: number) {
    const key = storedContactKey(record.contactKey);
    return this.put(`CONTACT#${key}`, 'META', { ...record, contactKey: key }, expectedVersion, MAPPING_TTL_DAYS);
  }
  getReply(activityId: string) {
    return this.get<ReplyRecord>(`REPLY#${activityId}`, 'META');
  }
  putReply(record: ReplyRecord, expectedVersion: number) {
    return this.put(`REPLY#${record.activityId}`, 'META', record, expectedVersion, MARKER_TTL_DAYS);
  }

  /** QUARANTINE / <session>: listed by `ops status` with one Query (the consumers only Put it). */
  async recordQuarantine(sessionId: string, messages: readonly QuarantinedMessage[]): Promise<void> {
    const expiresAt = Math.floor(this.now().getTime() / 1000) + MAPPING_TTL_DAYS * DAY_SECONDS;
    await this.send(() =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(QUARANTINE_PK, sessionId),
            version: { N: '1' },
            data: { S: JSON.stringify({ sessionId, messages }) },
            [TABLE_KEYS.ttlAttribute]: { N: String(expiresAt) },
          },
        }),
      ),
    );
  }

  /** Every session with quarantined messages (for the operator; needs dynamodb:Query, which the consumers do not have). */
  async listQuarantined(): Promise<{ sessionId: string; messages: QuarantinedMessage[] }[]> {
    const found: { sessionId: string; messages: QuarantinedMessage[] }[] = [];
    let start: Item | undefined;
    do {
      const answer: QueryCommandOutput = await this.send(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
            ExpressionAttributeValues: { ':pk': { S: QUARANTINE_PK } },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of answer.Items ?? []) {
        const value = JSON.parse(item.data?.S ?? '{}') as { sessionId?: string; messages?: QuarantinedMessage[] };
        if (value.sessionId && value.messages?.length) found.push({ sessionId: value.sessionId, messages: value.messages });
      }
      start = answer.LastEvaluatedKey;
    } while (start);
    return found;
  }

  getOutbound(sessionId: string) {
    return this.get<OutboundRecord>(`SESSION#${sessionId}`, 'OUTBOUND');
  }
  putOutbound(record: OutboundRecord, expectedVersion: number) {
    return this.put(`SESSION#${record.sessionId}`, 'OUTBOUND', record, expectedVersion, MAPPING_TTL_DAYS);
  }

  async rememberOwnActivities(activityIds: readonly string[]): Promise<void> {
    const expiresAt = String(Math.floor(this.now().getTime() / 1000) + MARKER_TTL_DAYS * DAY_SECONDS);
    const unique = [...new Set(activityIds.map((id) => id.toLowerCase()))];
    for (let i = 0; i < unique.length; i += 25) {
      let pending: Item[] = unique.slice(i, i + 25).map((id) => ({
        ...this.key(`OWN#${id}`, 'ACTIVITY'),
        version: { N: '1' },
        data: { S: '{}' },
        [TABLE_KEYS.ttlAttribute]: { N: expiresAt },
      }));
      for (let attempt = 0; pending.length && attempt < 5; attempt += 1) {
        const answer = await this.send(() =>
          this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } })),
        );
        pending = (answer.UnprocessedItems?.[this.tableName] ?? []).map((request) => request.PutRequest?.Item ?? {});
        if (pending.length) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
      if (pending.length) throw new RetryableError('DynamoDB left own-activity markers unprocessed', { kind: 'dynamodb' });
    }
  }

  async isOwnActivity(activityId: string): Promise<boolean> {
    const answer = await this.send(() =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: this.key(`OWN#${activityId.toLowerCase()}`, 'ACTIVITY'), ConsistentRead: true })),
    );
    return Boolean(answer.Item);
  }
}
