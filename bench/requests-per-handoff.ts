import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreatioClient } from '../functions/shared/creatio';
import { createOpenCxClient } from '../functions/shared/opencx';
import type { OpenCxQueueMessage } from '../functions/shared/schemas/queue-messages';
import { parseTenantConfig, type TenantConfig } from '../functions/shared/schemas/tenant-config';
import { DynamoDbStateStore } from '../functions/shared/state/dynamodb-state-store';
import { LookupResolver } from '../functions/shared/sync/to-creatio/lookups';
import { syncConversation } from '../functions/shared/sync/to-creatio/sync-conversation';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalAwsServers } from '../local/aws-servers';
import { startCreatioSandbox, type CreatioSandbox } from '../local/creatio-sandbox';
import { startOpenCxSandbox, type OpenCxSandbox } from '../local/opencx-sandbox';

export interface RequestsRow {
  readonly messages: number;
  readonly contact: 'new' | 'known';
  readonly creatio: number;
  readonly opencx: number;
  readonly dynamoWrites: number;
  readonly naiveCreatio: number;
}

const config: TenantConfig = parseTenantConfig({ tenant: 'bench', creatio: { instanceUrl: 'https://bench.creatio.com' } });

/**
 * The naive baseline, implemented here for comparison only: one request per record and a token per
 * request (what a first integration often does). It really runs against the sandbox, so its count is
 * measured, not assumed.
 */
const naiveHandoff = async (creatio: CreatioSandbox, email: string, messages: number): Promise<number> => {
  let requests = 0;
  const call = async (method: string, path: string, body?: unknown) => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: creatio.clientId, client_secret: creatio.clientSecret });
    const token = (await (await fetch(`${creatio.identityUrl}/connect/token`, { method: 'POST', body: form })).json()) as { access_token: string };
    const response = await fetch(`${creatio.url}/0/odata/${path}`, {
      method,
      headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    requests += 2;
    return (await response.json().catch(() => ({}))) as Record<string, any>;
  };
  const found = await call('GET', `Contact?$filter=Email eq '${email}'`);
  const contact = found.value?.[0] ?? (await call('POST', 'Contact', { Name: email, Email: email }));
  const theCase = await call('POST', 'Case', { Subject: 'naive', StatusId: 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38', ContactId: contact.Id, RegisteredOn: new Date().toISOString() });
  for (let i = 0; i < messages; i += 1) {
    await call('POST', 'Activity', {
      Title: `message ${i}`,
      StartDate: new Date().toISOString(),
      DueDate: new Date().toISOString(),
      PriorityId: 'ab96fa02-7fe6-df11-971b-001d60e938c6',
      ActivityCategoryId: '8038a396-7825-e011-8165-00155d043204',
      StatusId: '4bdbb88f-58e6-df11-971b-001d60e938c6',
      CaseId: theCase.Id,
    });
  }
  return requests;
};

/** Counts DynamoDB writes by wrapping the client's send. */
const countingDynamo = (endpoint: string) => {
  const client = new DynamoDBClient({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS });
  let writes = 0;
  const send = client.send.bind(client) as (command: { constructor: { name: string }; input: any }) => Promise<unknown>;
  (client as unknown as { send: typeof send }).send = async (command) => {
    const name = command.constructor.name;
    if (name === 'PutItemCommand') writes += 1;
    if (name === 'BatchWriteItemCommand') writes += Object.values(command.input.RequestItems as Record<string, unknown[]>)[0]?.length ?? 0;
    return send(command);
  };
  return { client, writes: () => writes, reset: () => (writes = 0) };
};

const conversation = async (opencx: OpenCxSandbox, email: string, messages: number): Promise<string> => {
  const { session } = await opencx.createSession({ channel: 'email', contact: { name: 'Bench', email } });
  for (let i = 0; i < messages; i += 1) {
    await opencx.addMessage(session.id, { author: i % 2 ? 'ai' : 'customer', text: `message ${i}`, created_at: new Date(Date.UTC(2026, 10, 20, 12, 0, i)).toISOString() });
  }
  return session.id;
};

export const measureRequestsPerHandoff = async (): Promise<RequestsRow[]> => {
  const aws = await startLocalAwsServers();
  const creatioSandbox = await startCreatioSandbox({ port: 0 });
  const opencxSandbox = await startOpenCxSandbox({ port: 0, historyPageSize: 100 });
  const dynamo = countingDynamo(aws.dynamoEndpoint);
  const store = new DynamoDbStateStore(dynamo.client, aws.tableName);
  const rows: RequestsRow[] = [];
  try {
    for (const messages of [1, 10, 50]) {
      for (const contact of ['new', 'known'] as const) {
        const email = contact === 'new' ? `new-${messages}@example.org` : 'returning@example.org';
        if (contact === 'known') {
          // The contact exists in Creatio already and the bridge has met them before (a closed earlier case).
          const earlier = await conversation(opencxSandbox, email, 1);
          await runSync(earlier, creatioSandbox, opencxSandbox, store);
          const state = await store.getContact(`email:${email}`);
          if (state) await store.putContact({ ...state.value, openCaseId: undefined }, state.version);
        }
        const sessionId = await conversation(opencxSandbox, email, messages);
        dynamo.reset();
        const counts = await runSync(sessionId, creatioSandbox, opencxSandbox, store);
        const naiveCreatio = await naiveHandoff(creatioSandbox, `naive-${contact}-${messages}@example.org`, messages);
        rows.push({ messages, contact, ...counts, dynamoWrites: dynamo.writes(), naiveCreatio });
      }
    }
  } finally {
    await Promise.all([aws.stop(), creatioSandbox.stop(), opencxSandbox.stop()]);
  }
  return rows;
};

/** One handoff through the real sync code with fresh clients (so the token request is counted too). */
const runSync = async (sessionId: string, creatioSandbox: CreatioSandbox, opencxSandbox: OpenCxSandbox, store: DynamoDbStateStore) => {
  const creatio = new CreatioClient({ instanceUrl: creatioSandbox.url, clientId: creatioSandbox.clientId, clientSecret: creatioSandbox.clientSecret });
  const opencx = createOpenCxClient({ baseUrl: opencxSandbox.url, apiKey: opencxSandbox.apiKey });
  const event: OpenCxQueueMessage = {
    source: 'opencx',
    dedupId: sessionId,
    event: 'conversation.handoff_to_human',
    conversationId: sessionId,
    occurredAt: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
    handoff: { summary: 'bench' },
  };
  await syncConversation(event, {
    config,
    creatio,
    opencx,
    store,
    lookups: new LookupResolver(() => creatio),
    observer: { metric: () => undefined, info: () => undefined, warn: () => undefined },
    now: () => new Date(),
  });
  const sum = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);
  return { creatio: sum(creatio.requestCounts()), opencx: sum(opencx.requestCounts()) };
};
