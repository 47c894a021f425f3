/**
 * In-memory stand-ins for the Creatio → OpenCX sync's dependencies: a StateStore with the same
 * versioned, conditional semantics as the DynamoDB adapter, and Creatio / OpenCX clients that keep
 * records in maps and count requests the way the real clients do.
 */
import {
  ActivityTypeIds,
  CaseStatusIds,
  EmailMessageTypeIds,
  type ActivityInput,
  type ActivityRecord,
  type CaseRecord as CreatioCase,
  type CaseStatusInfo,
  type CreateResult,
  type RequestCounts,
} from '../../functions/shared/creatio';
import { RetryableError } from '../../functions/shared/errors';
import type {
  ListHistoryResult,
  OpenCxHistoryItem,
  OpenCxRequestKind,
  OpenCxSession,
  SendMessageInput,
  SendMessageResult,
  UpdateSessionStatusOptions,
} from '../../functions/shared/opencx';
import { parseTenantConfig, type TenantConfig, type TenantConfigInput } from '../../functions/shared/schemas/tenant-config';
import type { CreatioQueueMessage } from '../../functions/shared/schemas/queue-messages';
import {
  ConcurrentUpdateError,
  type CaseRecord,
  type ContactRecord,
  type OutboundRecord,
  type ReplyRecord,
  type SessionRecord,
  type StateStore,
  type Versioned,
} from '../../functions/shared/state/state-store';
import type { CreatioPort, OpenCxPort, SyncToOpenCxDeps, SyncToOpenCxMetric } from '../../functions/shared/sync/to-opencx';

export const CASE_ID = '3d2b9e10-8c4f-4a7b-9e21-5f6a7b8c9d01';
export const ACTIVITY_ID = 'a81c4f22-0d9e-4b3a-8f7c-6e5d4c3b2a19';
export const SESSION_ID = '6f1d8a52-3b7e-4c1a-9d2e-0a4b5c6d7e8f';
export const AGENT_CONTACT_ID = '5b0a9c1d-2e3f-4a5b-8c7d-6e5f4a3b2c1d';
/** The case's customer, as the OpenCX → Creatio sync matched the conversation's proven identity. */
export const CUSTOMER_CONTACT_ID = '0c7e5a3b-1d2f-4e6a-9b8c-7d6e5f4a3b2c';
export const NOW = new Date('2026-11-21T12:00:00.000Z');

export const testConfig = (overrides: Partial<TenantConfigInput> = {}): TenantConfig =>
  parseTenantConfig({
    tenant: 'example',
    creatio: { instanceUrl: 'https://example.creatio.com' },
    cases: { resolvedStatusId: CaseStatusIds.Resolved },
    ...overrides,
  });

/** Every write, in order, for assertions on what happened before what. */
export type WriteLog = string[];

export class InMemoryStateStore implements StateStore {
  readonly writes: WriteLog;
  private readonly items = new Map<string, { value: unknown; version: number }>();
  private readonly own = new Set<string>();

  constructor(writes: WriteLog = []) {
    this.writes = writes;
  }

  private get<T>(key: string): Versioned<T> | undefined {
    const item = this.items.get(key);
    return item ? { value: structuredClone(item.value) as T, version: item.version } : undefined;
  }

  private put(key: string, value: unknown, expectedVersion: number, label: string): number {
    const current = this.items.get(key);
    if ((current?.version ?? 0) !== expectedVersion) throw new ConcurrentUpdateError(`${key} changed while we were writing it`);
    const version = expectedVersion + 1;
    this.items.set(key, { value: structuredClone(value), version });
    this.writes.push(label);
    return version;
  }

  async getSession(sessionId: string) {
    return this.get<SessionRecord>(`SESSION#${sessionId}`);
  }
  async putSession(record: SessionRecord, expectedVersion: number) {
    return this.put(`SESSION#${record.sessionId}`, record, expectedVersion, `session:${record.resolvedBy ?? '-'}:${record.status ?? '-'}`);
  }
  async getCase(caseId: string) {
    return this.get<CaseRecord>(`CASE#${caseId}`);
  }
  async putCase(record: CaseRecord, expectedVersion: number) {
    return this.put(`CASE#${record.caseId}`, record, expectedVersion, 'case');
  }
  async getContact(contactKey: string) {
    return this.get<ContactRecord>(`CONTACT#${contactKey}`);
  }
  async putContact(record: ContactRecord, expectedVersion: number) {
    return this.put(`CONTACT#${record.contactKey}`, record, expectedVersion, 'contact');
  }
  async rememberOwnActivities(activityIds: readonly string[]) {
    for (const id of activityIds) this.own.add(id.toLowerCase());
    this.writes.push(`own:${activityIds.join(',')}`);
  }
  async isOwnActivity(activityId: string) {
    return this.own.has(activityId.toLowerCase());
  }
  async getReply(activityId: string) {
    return this.get<ReplyRecord>(`REPLY#${activityId}`);
  }
  async putReply(record: ReplyRecord, expectedVersion: number) {
    return this.put(`REPLY#${record.activityId}`, record, expectedVersion, `reply:${record.state}`);
  }
  async getOutbound(sessionId: string) {
    return this.get<OutboundRecord>(`OUTBOUND#${sessionId}`);
  }
  async putOutbound(record: OutboundRecord, expectedVersion: number) {
    return this.put(`OUTBOUND#${record.sessionId}`, record, expectedVersion, 'outbound');
  }
}

const CASE_STATUSES: readonly CaseStatusInfo[] = [
  { id: CaseStatusIds.New, name: 'New', isFinal: false, isResolved: false, isPaused: false },
  { id: CaseStatusIds.InProgress, name: 'In progress', isFinal: false, isResolved: false, isPaused: false },
  { id: CaseStatusIds.WaitingForResponse, name: 'Waiting for response', isFinal: false, isResolved: false, isPaused: true },
  { id: CaseStatusIds.Resolved, name: 'Resolved', isFinal: false, isResolved: true, isPaused: false },
  { id: CaseStatusIds.Closed, name: 'Closed', isFinal: true, isResolved: false, isPaused: false },
  { id: CaseStatusIds.Canceled, name: 'Canceled', isFinal: true, isResolved: false, isPaused: false },
  { id: CaseStatusIds.Reopened, name: 'Reopened', isFinal: false, isResolved: false, isPaused: false },
];

export class FakeCreatio implements CreatioPort {
  readonly activities = new Map<string, ActivityRecord>();
  readonly cases = new Map<string, CreatioCase>();
  readonly created: ActivityInput[] = [];
  private counts = { token: 0, get: 0, post: 0, patch: 0, delete: 0, batch: 0 };
  private readonly statusCache = new Set<string>();

  constructor(private readonly writes: WriteLog = []) {}

  async getActivity(id: string): Promise<ActivityRecord | null> {
    this.counts.get += 1;
    return this.activities.get(id.toLowerCase()) ?? null;
  }
  async getCase(id: string): Promise<CreatioCase | null> {
    this.counts.get += 1;
    return this.cases.get(id.toLowerCase()) ?? null;
  }
  /** Cached per client, as the real one is. */
  async getCaseStatus(id: string): Promise<CaseStatusInfo | null> {
    if (!this.statusCache.has(id)) this.counts.get += 1;
    this.statusCache.add(id);
    return CASE_STATUSES.find((s) => s.id === id.toLowerCase()) ?? null;
  }
  async createActivity(input: ActivityInput): Promise<CreateResult<ActivityRecord>> {
    this.counts.post += 1;
    const id = String(input.Id).toLowerCase();
    const existing = this.activities.get(id);
    if (existing) return { record: existing, created: false };
    const record = { ...input, Id: id, StartDate: String(input.StartDate), DueDate: String(input.DueDate) } as ActivityRecord;
    this.activities.set(id, record);
    this.created.push(input);
    this.writes.push(`creatio:create:${id}`);
    return { record, created: true };
  }
  requestCounts(): RequestCounts {
    return { ...this.counts };
  }
  resetRequestCounts(): void {
    this.counts = { token: 0, get: 0, post: 0, patch: 0, delete: 0, batch: 0 };
  }

  /** An agent's reply as Creatio stores it when sent from the case page (outgoing Email, HTML body). */
  addAgentEmail(overrides: Partial<ActivityRecord> = {}): ActivityRecord {
    const record: ActivityRecord = {
      Id: ACTIVITY_ID,
      Title: 'RE: Card declined twice',
      Body: '<p>Hi Dana,</p><p>we have lifted the block on your card. Please try again.</p>',
      IsHtmlBody: true,
      TypeId: ActivityTypeIds.Email,
      MessageTypeId: EmailMessageTypeIds.Outgoing,
      CaseId: CASE_ID,
      OwnerId: AGENT_CONTACT_ID,
      CreatedById: AGENT_CONTACT_ID,
      ...overrides,
    };
    this.activities.set(record.Id.toLowerCase(), record);
    return record;
  }
}

export interface SendBehaviour {
  /** Throw RetryableError 'ambiguous' after storing the message (OpenCX got it, the answer was lost) or without storing it. */
  readonly ambiguous?: 'delivered' | 'not_delivered';
  readonly error?: Error;
}

export class FakeOpenCx implements OpenCxPort {
  readonly sessions = new Map<string, { status: 'open' | 'closed_resolved' | 'closed_unresolved'; channel: string }>();
  readonly history = new Map<string, OpenCxHistoryItem[]>();
  readonly sent: { sessionId: string; input: SendMessageInput }[] = [];
  readonly updates: { sessionId: string; status: string; options: UpdateSessionStatusOptions | undefined }[] = [];
  readonly historyReads: { sessionId: string; afterCursor: string | undefined }[] = [];
  nextSend: SendBehaviour | undefined;
  private counts: Record<OpenCxRequestKind, number> = { get_session: 0, history: 0, send: 0, update: 0 };
  private messageNumber = 0;

  constructor(
    private readonly now: () => Date,
    private readonly writes: WriteLog = [],
  ) {}

  addSession(sessionId: string, channel: string, status: 'open' | 'closed_resolved' | 'closed_unresolved' = 'open'): void {
    this.sessions.set(sessionId, { status, channel });
    this.history.set(sessionId, []);
  }

  addMessage(sessionId: string, author: 'user' | 'ai' | 'agent', text: string, createdAt: string, id?: string): OpenCxHistoryItem {
    const item: OpenCxHistoryItem = {
      id: id ?? `msg_${String((this.messageNumber += 1)).padStart(3, '0')}`,
      created_at: createdAt,
      event: { type: 'message', sender: { type: author, name: author }, content: { type: 'text', text }, attachments: [] },
    };
    this.history.get(sessionId)?.push(item);
    return item;
  }

  async getSession(sessionId: string): Promise<OpenCxSession> {
    this.counts.get_session += 1;
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`unknown session ${sessionId}`);
    return { id: sessionId, status: session.status, channel: { type: session.channel } } as OpenCxSession;
  }

  async getHistory(): Promise<never> {
    throw new Error('not used');
  }

  async listHistory(sessionId: string, options: { readonly afterCursor?: string } = {}): Promise<ListHistoryResult> {
    this.counts.history += 1;
    this.historyReads.push({ sessionId, afterCursor: options.afterCursor });
    return { items: structuredClone(this.history.get(sessionId) ?? []), lastCursor: undefined, pages: 1, truncated: false };
  }

  async sendMessage(sessionId: string, input: SendMessageInput): Promise<SendMessageResult> {
    this.counts.send += 1;
    this.writes.push('opencx:send');
    const behaviour = this.nextSend;
    this.nextSend = undefined;
    if (behaviour?.error) throw behaviour.error;
    if (behaviour?.ambiguous === 'not_delivered') throw new RetryableError('OpenCX send timed out', { kind: 'ambiguous' });
    this.sent.push({ sessionId, input });
    const item = this.addMessage(sessionId, 'agent', input.text, this.now().toISOString());
    if (behaviour?.ambiguous === 'delivered') throw new RetryableError('OpenCX send timed out', { kind: 'ambiguous' });
    return { messageId: String(item.id) };
  }

  async updateSessionStatus(sessionId: string, status: 'open' | 'closed_resolved' | 'closed_unresolved', options?: UpdateSessionStatusOptions): Promise<void> {
    this.counts.update += 1;
    this.writes.push(`opencx:update:${status}`);
    this.updates.push({ sessionId, status, options });
    const session = this.sessions.get(sessionId);
    if (session) session.status = status;
  }

  requestCounts(): Readonly<Record<OpenCxRequestKind, number>> {
    return { ...this.counts };
  }
  resetRequestCounts(): void {
    this.counts = { get_session: 0, history: 0, send: 0, update: 0 };
  }
}

export interface Harness {
  readonly deps: SyncToOpenCxDeps;
  readonly store: InMemoryStateStore;
  readonly creatio: FakeCreatio;
  readonly opencx: FakeOpenCx;
  readonly metrics: Partial<Record<SyncToOpenCxMetric, number>>;
  readonly logs: { level: 'info' | 'warn'; message: string; fields: Record<string, unknown> }[];
  readonly writes: WriteLog;
  /** Moves the clock. */
  advance(ms: number): void;
}

export const harness = (options: { config?: TenantConfig } = {}): Harness => {
  const writes: WriteLog = [];
  let clock = NOW.getTime();
  const now = () => new Date(clock);
  const store = new InMemoryStateStore(writes);
  const creatio = new FakeCreatio(writes);
  const opencx = new FakeOpenCx(now, writes);
  const metrics: Partial<Record<SyncToOpenCxMetric, number>> = {};
  const logs: Harness['logs'] = [];
  const deps: SyncToOpenCxDeps = {
    config: options.config ?? testConfig(),
    creatio,
    opencx,
    store,
    now,
    observer: {
      metric: (name, value = 1) => {
        metrics[name] = (metrics[name] ?? 0) + value;
      },
      info: (message, fields) => logs.push({ level: 'info', message, fields }),
      warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
    },
  };
  return {
    deps,
    store,
    creatio,
    opencx,
    metrics,
    logs,
    writes,
    advance: (ms) => {
      clock += ms;
    },
  };
};

/** A conversation the OpenCX → Creatio sync has already turned into a case: SESSION and CASE records. */
export const knownConversation = async (h: Harness, channel: 'email' | 'whatsapp' | 'web', session: Partial<SessionRecord> = {}): Promise<void> => {
  await h.store.putSession({ sessionId: SESSION_ID, channel, caseId: CASE_ID, status: 'open', creatioContactId: CUSTOMER_CONTACT_ID, ...session }, 0);
  await h.store.putCase({ caseId: CASE_ID, sessionId: SESSION_ID, sessionIds: [SESSION_ID], channel }, 0);
  if (!h.creatio.cases.has(CASE_ID)) h.creatio.cases.set(CASE_ID, { Id: CASE_ID, ContactId: CUSTOMER_CONTACT_ID } as CreatioCase);
  h.writes.length = 0;
};

export const newActivity = (activityId = ACTIVITY_ID, caseId = CASE_ID): CreatioQueueMessage => ({
  source: 'creatio',
  dedupId: `dedup-${activityId}`,
  eventType: 'new_activity',
  caseId,
  activityId,
  receivedAt: NOW.toISOString(),
});

export const caseUpdated = (caseId = CASE_ID, modifiedOn = NOW.toISOString()): CreatioQueueMessage => ({
  source: 'creatio',
  dedupId: `dedup-case-${modifiedOn}`,
  eventType: 'case_updated',
  caseId,
  modifiedOn,
  receivedAt: NOW.toISOString(),
});

export const hoursBefore = (hours: number, from: Date = NOW): string => new Date(from.getTime() - hours * 3_600_000).toISOString();

/** HTTP requests made so far to each system (what the clients' telemetry would count). */
export const requestsMade = (h: Harness): { creatio: number; opencx: number } => ({
  creatio: Object.values(h.creatio.requestCounts()).reduce((a, b) => a + b, 0),
  opencx: Object.values(h.opencx.requestCounts()).reduce((a, b) => a + b, 0),
});
