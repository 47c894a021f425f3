import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreatioClient } from '../functions/shared/creatio';
import { createOpenCxClient, type OpenCxClient } from '../functions/shared/opencx';
import type { OpenCxQueueMessage } from '../functions/shared/schemas/queue-messages';
import { parseTenantConfig, type TenantConfig } from '../functions/shared/schemas/tenant-config';
import { DynamoDbStateStore } from '../functions/shared/state/dynamodb-state-store';
import { LookupResolver } from '../functions/shared/sync/to-creatio/lookups';
import { syncConversation } from '../functions/shared/sync/to-creatio/sync-conversation';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalAwsServers } from '../local/aws-servers';
import { startCreatioSandbox, type CreatioSandbox } from '../local/creatio-sandbox';
import { startOpenCxSandbox, type OpenCxSandbox } from '../local/opencx-sandbox';

/** OpenCX's history page size in these runs: the API documents no page-size parameter; 20 is what it returns. */
export const OPENCX_PAGE_SIZE = 20;
/** The OpenCX key's documented limit. */
export const OPENCX_REQUESTS_PER_MINUTE = 100;

export interface Counts {
  /** HTTP round trips to Creatio (token included). */
  readonly creatio: number;
  /** Requests inside `$batch` bodies, each counted once more as a sub-request. */
  readonly creatioSubRequests: number;
  /** Creatio round trips one after another: a request sent while another is in flight adds none. */
  readonly creatioSequential: number;
  readonly opencx: number;
  readonly dynamoReads: number;
  readonly dynamoWrites: number;
}

export interface RequestsRow {
  readonly messages: number;
  readonly contact: 'new' | 'known';
  readonly client: 'cold' | 'warm';
  readonly ours: Counts;
  readonly naive: Counts;
  /** Wall time of the sync against the sandbox, min/median of the runs (ms). */
  readonly syncMs: { readonly min: number; readonly median: number };
}

export interface EveryConversationRow {
  readonly pattern: string;
  readonly messages: number;
  readonly opencx: number;
  readonly perMessage: number;
  /** Messages a tenant can sync per minute before OpenCX's 100 requests/minute run out. */
  readonly ceilingPerMinute: number;
}

const baseConfig = { tenant: 'bench', creatio: { instanceUrl: 'https://bench.creatio.com' } };
const handoffConfig: TenantConfig = parseTenantConfig(baseConfig);
const everyConfig: TenantConfig = parseTenantConfig({ ...baseConfig, cases: { createCaseOnlyOnHandoff: false } });

/** Counts round trips and `$batch` sub-requests of one Creatio client. */
const countingFetch = () => {
  const counts = { roundTrips: 0, subRequests: 0, sequential: 0 };
  let inFlight = 0;
  const fetchImpl: typeof fetch = async (input, init) => {
    counts.roundTrips += 1;
    if (inFlight === 0) counts.sequential += 1;
    inFlight += 1;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (/\/\$batch(\?|$)/.test(url) && typeof init?.body === 'string') {
      try {
        counts.subRequests += (JSON.parse(init.body) as { requests?: unknown[] }).requests?.length ?? 0;
      } catch {
        // not JSON: counted as a round trip only
      }
    }
    try {
      const response = await fetch(input, init);
      // The body is part of the round trip: read it before the request counts as done.
      const body = await response.arrayBuffer();
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } finally {
      inFlight -= 1;
    }
  };
  return { counts, fetchImpl };
};

/** Counts DynamoDB reads and writes (items, for batch calls) by wrapping the client's send. */
const countingDynamo = (endpoint: string) => {
  const client = new DynamoDBClient({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS });
  const counts = { reads: 0, writes: 0 };
  const send = client.send.bind(client) as (command: { constructor: { name: string }; input: any }) => Promise<unknown>;
  (client as unknown as { send: typeof send }).send = async (command) => {
    const name = command.constructor.name;
    const items = (requestItems: Record<string, unknown>) =>
      Object.values(requestItems).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : ((v as { Keys?: unknown[] }).Keys?.length ?? 0)), 0);
    if (name === 'GetItemCommand' || name === 'QueryCommand' || name === 'ScanCommand') counts.reads += 1;
    if (name === 'BatchGetItemCommand') counts.reads += items(command.input.RequestItems);
    if (name === 'PutItemCommand' || name === 'UpdateItemCommand' || name === 'DeleteItemCommand') counts.writes += 1;
    if (name === 'BatchWriteItemCommand') counts.writes += items(command.input.RequestItems);
    return send(command);
  };
  return { client, counts, reset: () => Object.assign(counts, { reads: 0, writes: 0 }) };
};

interface Clients {
  readonly creatio: CreatioClient;
  readonly opencx: OpenCxClient;
  readonly lookups: LookupResolver;
  readonly creatioCounts: { roundTrips: number; subRequests: number; sequential: number };
}

const newClients = (creatioSandbox: CreatioSandbox, opencxSandbox: OpenCxSandbox): Clients => {
  const { counts, fetchImpl } = countingFetch();
  const creatio = new CreatioClient({
    instanceUrl: creatioSandbox.url,
    identityUrl: creatioSandbox.identityUrl,
    clientId: creatioSandbox.clientId,
    clientSecret: creatioSandbox.clientSecret,
    fetch: fetchImpl,
  });
  const opencx = createOpenCxClient({ baseUrl: opencxSandbox.url, apiKey: opencxSandbox.apiKey });
  return { creatio, opencx, lookups: new LookupResolver(() => creatio), creatioCounts: counts };
};

const conversation = async (opencx: OpenCxSandbox, email: string, messages: number): Promise<string> => {
  const { session } = await opencx.createSession({ channel: 'email', contact: { name: 'Bench', email } });
  for (let i = 0; i < messages; i += 1) {
    await opencx.addMessage(session.id, {
      author: i % 2 ? 'ai' : 'customer',
      text: `message ${i}`,
      created_at: new Date(Date.UTC(2026, 10, 20, 12, 0, 0, i * 1000)).toISOString(),
    });
  }
  return session.id;
};

const event = (sessionId: string, name: OpenCxQueueMessage['event']): OpenCxQueueMessage => ({
  source: 'opencx',
  dedupId: `${sessionId}-${name}-${Math.random()}`,
  event: name,
  conversationId: sessionId,
  occurredAt: new Date().toISOString(),
  receivedAt: new Date().toISOString(),
  ...(name === 'conversation.handoff_to_human' ? { handoff: { summary: 'bench' } } : {}),
});

const quietObserver = { metric: () => undefined, info: () => undefined, warn: () => undefined };

/** What the consumer hands syncConversation, for one tenant config and one set of clients. */
const syncDeps = (config: TenantConfig, clients: Clients, store: DynamoDbStateStore, syncedThisBatch?: Set<string>) => ({
  config,
  creatio: clients.creatio,
  opencx: clients.opencx,
  store,
  lookups: clients.lookups,
  observer: quietObserver,
  now: () => new Date(),
  ...(syncedThisBatch ? { syncedThisBatch } : {}),
});

const sum = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * The naive baseline, implemented here for comparison only and run against the same sandboxes: a
 * token fetched once and reused (as any integration does), then one request per record: the OpenCX
 * session and every history page, a contact search, the contact (if new), the contact's open case
 * (if known) or a new case, and one POST per message.
 */
const naiveHandoff = async (creatio: CreatioSandbox, opencx: OpenCxSandbox, sessionId: string, email: string, messages: number, known: boolean): Promise<Counts> => {
  let creatioRequests = 0;
  let opencxRequests = 0;
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: creatio.clientId, client_secret: creatio.clientSecret });
  const token = (await (await fetch(`${creatio.identityUrl}/connect/token`, { method: 'POST', body: form })).json()) as { access_token: string };
  creatioRequests += 1;
  const call = async (method: string, path: string, body?: unknown) => {
    creatioRequests += 1;
    const response = await fetch(`${creatio.url}/0/odata/${path}`, {
      method,
      headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new Error(`naive baseline: ${method} ${path.split('?')[0]} answered ${response.status}`);
    return (await response.json().catch(() => ({}))) as Record<string, any>;
  };
  const opencxGet = async (path: string) => {
    opencxRequests += 1;
    return (await (await fetch(`${opencx.url}${path}`, { headers: { authorization: `Bearer ${opencx.apiKey}` } })).json()) as Record<string, any>;
  };
  await opencxGet(`/chat/sessions/${sessionId}`);
  let cursor: string | undefined;
  do {
    const page = await opencxGet(`/chat/sessions/${sessionId}/history${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
    cursor = typeof page.next === 'string' ? page.next : undefined;
  } while (cursor);
  const found = await call('GET', `Contact?$filter=${encodeURIComponent(`Email eq '${email}'`)}`);
  const contact = found.value?.[0] ?? (await call('POST', 'Contact', { Name: email, Email: email }));
  let caseId: string | undefined;
  if (known) {
    const open = await call('GET', `Case?$filter=${encodeURIComponent(`ContactId eq ${contact.Id}`)}&$top=1`);
    caseId = open.value?.[0]?.Id;
  }
  caseId ??= (await call('POST', 'Case', { Subject: 'naive', StatusId: 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38', ContactId: contact.Id, RegisteredOn: new Date().toISOString() })).Id;
  for (let i = 0; i < messages; i += 1) {
    await call('POST', 'Activity', {
      Title: `message ${i}`,
      StartDate: new Date().toISOString(),
      DueDate: new Date().toISOString(),
      PriorityId: 'ab96fa02-7fe6-df11-971b-001d60e938c6',
      ActivityCategoryId: '8038a396-7825-e011-8165-00155d043204',
      StatusId: '4bdbb88f-58e6-df11-971b-001d60e938c6',
      CaseId: caseId,
    });
  }
  if (!caseId) throw new Error('the naive baseline could not create its case');
  return { creatio: creatioRequests, creatioSubRequests: 0, creatioSequential: creatioRequests, opencx: opencxRequests, dynamoReads: 0, dynamoWrites: 0 };
};

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Requests, state reads/writes and sync time of one handoff through the real sync code, against the
 * sandboxes and dynalite, for 1-200 messages, new and known contacts (known: a contact with an open
 * case, the default append path), with cold clients (token and lookups included) and warm ones.
 */
export const measureRequestsPerHandoff = async (options: { sizes: readonly number[]; runs: number; creatioLatencyMs: number }): Promise<RequestsRow[]> => {
  const aws = await startLocalAwsServers();
  const creatioSandbox = await startCreatioSandbox({ port: 0 });
  const opencxSandbox = await startOpenCxSandbox({ port: 0, historyPageSize: OPENCX_PAGE_SIZE });
  const dynamo = countingDynamo(aws.dynamoEndpoint);
  const store = new DynamoDbStateStore(dynamo.client, aws.tableName);
  const sync = (clients: Clients, sessionId: string) => syncConversation(event(sessionId, 'conversation.handoff_to_human'), syncDeps(handoffConfig, clients, store));
  const rows: RequestsRow[] = [];
  let serial = 0;
  try {
    creatioSandbox.setLatency(options.creatioLatencyMs);
    for (const messages of options.sizes) {
      for (const contact of ['new', 'known'] as const) {
        for (const client of ['cold', 'warm'] as const) {
          const times: number[] = [];
          let ours: Counts | undefined;
          let naive: Counts | undefined;
          for (let run = 0; run < options.runs; run += 1) {
            serial += 1;
            const email = `${contact}-${client}-${messages}-${serial}@example.org`;
            const clients = newClients(creatioSandbox, opencxSandbox);
            // Warm: the container has synced before, a new contact and a returning one (token and lookups cached).
            if (client === 'warm') {
              for (let i = 0; i < 2; i += 1) await sync(clients, await conversation(opencxSandbox, `warmup-${serial}@example.org`, 1));
            }
            // Known: the contact exists in Creatio with an open case (an earlier handoff, not closed).
            if (contact === 'known') await sync(newClients(creatioSandbox, opencxSandbox), await conversation(opencxSandbox, email, 1));
            const sessionId = await conversation(opencxSandbox, email, messages);
            clients.creatio.resetRequestCounts?.();
            clients.opencx.resetRequestCounts();
            clients.creatioCounts.roundTrips = 0;
            clients.creatioCounts.subRequests = 0;
            clients.creatioCounts.sequential = 0;
            dynamo.reset();
            const started = performance.now();
            await sync(clients, sessionId);
            times.push(performance.now() - started);
            ours = {
              creatio: clients.creatioCounts.roundTrips,
              creatioSubRequests: clients.creatioCounts.subRequests,
              creatioSequential: clients.creatioCounts.sequential,
              opencx: sum(clients.opencx.requestCounts()),
              dynamoReads: dynamo.counts.reads,
              dynamoWrites: dynamo.counts.writes,
            };
            if (run === 0 && client === 'warm') {
              const naiveEmail = `naive-${email}`;
              if (contact === 'known') await naiveHandoff(creatioSandbox, opencxSandbox, await conversation(opencxSandbox, naiveEmail, 1), naiveEmail, 1, false);
              naive = await naiveHandoff(creatioSandbox, opencxSandbox, sessionId, naiveEmail, messages, contact === 'known');
            }
          }
          rows.push({
            messages,
            contact,
            client,
            ours: ours!,
            naive: naive ?? rows.find((r) => r.messages === messages && r.contact === contact)?.naive ?? ours!,
            syncMs: { min: Math.round(Math.min(...times)), median: Math.round(median(times)) },
          });
        }
      }
    }
    // The naive baseline is measured once per size and contact (it has no cold/warm difference but the token).
    for (const row of rows) {
      const warm = rows.find((r) => r.messages === row.messages && r.contact === row.contact && r.client === 'warm');
      if (warm && row.client === 'cold') Object.assign(row, { naive: { ...warm.naive } });
    }
  } finally {
    await Promise.all([aws.stop(), creatioSandbox.stop(), opencxSandbox.stop()]);
  }
  return rows;
};

export const row = (pattern: string, messages: number, opencx: number): EveryConversationRow => ({
  pattern,
  messages,
  opencx,
  perMessage: Math.round((opencx / messages) * 100) / 100,
  ceilingPerMinute: Math.floor(OPENCX_REQUESTS_PER_MINUTE / (opencx / messages)),
});

/**
 * "Every conversation" mode (a case from the first message, messages logged live): OpenCX requests
 * per synced message, when each message event is its own sync (live chat) and when a burst of ten
 * arrives in one SQS batch, and the messages per minute OpenCX's limit allows at that rate.
 */
export const measureEveryConversation = async (options: { readonly coalesced?: boolean } = {}): Promise<EveryConversationRow[]> => {
  const aws = await startLocalAwsServers();
  const creatioSandbox = await startCreatioSandbox({ port: 0 });
  const opencxSandbox = await startOpenCxSandbox({ port: 0, historyPageSize: OPENCX_PAGE_SIZE });
  const store = new DynamoDbStateStore(new DynamoDBClient({ region: LOCAL_REGION, endpoint: aws.dynamoEndpoint, credentials: LOCAL_CREDENTIALS }), aws.tableName);
  const rows: EveryConversationRow[] = [];
  try {
    const clients = newClients(creatioSandbox, opencxSandbox);
    const deps = (syncedThisBatch?: Set<string>) => syncDeps(everyConfig, clients, store, syncedThisBatch);

    // Live: every message is its own event and its own invocation.
    const live = await conversation(opencxSandbox, 'live@example.org', 0);
    clients.opencx.resetRequestCounts();
    for (let i = 0; i < 20; i += 1) {
      await opencxSandbox.addMessage(live, { author: i % 2 ? 'ai' : 'customer', text: `live ${i}` });
      await syncConversation(event(live, i % 2 ? 'conversation.ai_response' : 'conversation.contact_response'), deps());
    }
    rows.push(row('one event per message, each its own invocation', 20, sum(clients.opencx.requestCounts())));

    // Burst: ten messages land before the consumer runs; their ten events arrive in one batch.
    const burst = await conversation(opencxSandbox, 'burst@example.org', 1);
    await syncConversation(event(burst, 'conversation.contact_response'), deps());
    for (let i = 0; i < 10; i += 1) await opencxSandbox.addMessage(burst, { author: i % 2 ? 'ai' : 'customer', text: `burst ${i}` });
    clients.opencx.resetRequestCounts();
    const batch = new Set<string>();
    for (let i = 0; i < 10; i += 1) await syncConversation(event(burst, 'conversation.contact_response'), deps(batch));
    rows.push(row('burst of 10 messages, events in one batch', 10, sum(clients.opencx.requestCounts())));
  } finally {
    await Promise.all([aws.stop(), creatioSandbox.stop(), opencxSandbox.stop()]);
  }
  if (options.coalesced) rows.push(measureLiveConversation());
  return rows;
};

/**
 * bench/live-conversation.ts in a process of its own: a local runtime's handler modules read their
 * configuration once (as on Lambda), and this one runs with its own tenant ("every conversation" mode).
 */
const measureLiveConversation = (): EveryConversationRow => {
  const run = spawnSync(path.join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [path.join(__dirname, 'live-conversation.ts')], { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`bench/live-conversation.ts failed: ${(run.stderr || run.stdout).slice(-1500)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as EveryConversationRow;
};
