import { sha256Hex } from '../ids';

/**
 * The bridge's state (design §5), as a port: the sync code depends on this interface, the DynamoDB
 * adapter implements it, tests may use either. Every write is a single-item conditional write.
 */
export interface SessionRecord {
  readonly sessionId: string;
  readonly channel?: string | undefined;
  readonly contactKey?: string | undefined;
  readonly creatioContactId?: string | undefined;
  readonly caseId?: string | undefined;
  /** Id of the last OpenCX history item written to Creatio, and how many items were synced. */
  readonly cursor?: { readonly lastMessageId: string; readonly count: number } | undefined;
  /** OpenCX's history cursor of the last page read: the next sync resumes there. */
  readonly historyCursor?: string | undefined;
  /** OpenCX timestamps of the handoffs already synced (a redelivered handoff adds no second note). */
  readonly handoffsSynced?: readonly string[] | undefined;
  /** sha256 of the handoff summaries already on the case. */
  readonly summariesSynced?: readonly string[] | undefined;
  /** Whether the handoff summary is on the case (a case created before the handoff gets it later). */
  readonly summaryWritten?: boolean | undefined;
  readonly lastCustomerMessageAt?: string | undefined;
  readonly status?: 'open' | 'closed' | undefined;
  /** Who resolved the conversation last (to avoid reflecting a resolution back where it came from). */
  readonly resolvedBy?: 'opencx' | 'creatio' | undefined;
  readonly firstSyncedAt?: string | undefined;
  readonly updatedAt?: string | undefined;
  /** Messages Creatio refused for good: skipped by the cursor, retried by a replay (no content, reason redacted). */
  readonly quarantined?: readonly QuarantinedMessage[] | undefined;
  /** OpenCX closure timestamps already applied to the case (each closure resolves it once). */
  readonly closuresSynced?: readonly string[] | undefined;
}

export interface QuarantinedMessage {
  /** OpenCX's message id (or `handoff:<timestamp>` for a handoff note). */
  readonly messageId: string;
  readonly activityId: string;
  readonly reason: string;
  readonly status?: number | undefined;
  readonly at: string;
}

export interface CaseRecord {
  readonly caseId: string;
  /** The conversation replies go to: the latest one appended to this case. */
  readonly sessionId: string;
  readonly sessionIds: readonly string[];
  readonly contactKey?: string | undefined;
  readonly channel?: string | undefined;
  readonly resolvedBy?: 'opencx' | 'creatio' | undefined;
  readonly lastStatusId?: string | undefined;
}

export interface ContactRecord {
  /** `email:<address>`, `phone:<E.164>` or `opencx:<contact id>`. */
  readonly contactKey: string;
  readonly creatioContactId: string;
  /** The contact's case that was last known not to be final. */
  readonly openCaseId?: string | undefined;
  /** When `openCaseId` was claimed (a claim younger than a minute may not exist in Creatio yet). */
  readonly claimedAt?: string | undefined;
  /**
   * The status `openCaseId` had when the bridge last saw it open (neither final nor resolved) in Creatio, and
   * when (ISO). Fresh enough (tenant `cases.caseStatusMaxAgeSeconds`), the sync appends without reading the case.
   */
  readonly openCaseStatusId?: string | undefined;
  readonly statusCheckedAt?: string | undefined;
}

export interface ReplyRecord {
  readonly activityId: string;
  readonly sessionId: string;
  readonly state: 'sending' | 'sent' | 'blocked';
  readonly at: string;
}

/**
 * Replies the bridge posted to OpenCX for a session. Recorded *before* sending, so that when the reply
 * shows up in the OpenCX history (or as a `conversation.agent_response` webhook) the sync to Creatio
 * recognises it as ours and does not write it back as a new activity.
 */
export interface OutboundRecord {
  readonly sessionId: string;
  readonly messages: readonly {
    /** The Creatio activity the reply came from. */
    readonly activityId: string;
    /** sha256 of the reply text, whitespace-normalised (see `outboundTextHash`). */
    readonly textHash: string;
    /** OpenCX's id of the sent message, once known. */
    readonly messageId?: string | undefined;
    readonly at: string;
  }[];
}

export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}

export interface StateStore {
  getSession(sessionId: string): Promise<Versioned<SessionRecord> | undefined>;
  /** Writes the session if its stored version is still `expectedVersion` (0 = must not exist). */
  putSession(record: SessionRecord, expectedVersion: number): Promise<number>;
  getCase(caseId: string): Promise<Versioned<CaseRecord> | undefined>;
  putCase(record: CaseRecord, expectedVersion: number): Promise<number>;
  getContact(contactKey: string): Promise<Versioned<ContactRecord> | undefined>;
  putContact(record: ContactRecord, expectedVersion: number): Promise<number>;
  /** Remembers Creatio activities the bridge wrote, so that they are never synced back. */
  rememberOwnActivities(activityIds: readonly string[]): Promise<void>;
  isOwnActivity(activityId: string): Promise<boolean>;
  getReply(activityId: string): Promise<Versioned<ReplyRecord> | undefined>;
  putReply(record: ReplyRecord, expectedVersion: number): Promise<number>;
  /**
   * The operator's list of quarantined messages (one entry per session, overwritten; an empty list clears
   * it), next to the session record that holds the truth. Optional: fakes in tests may leave it out.
   */
  recordQuarantine?(sessionId: string, messages: readonly QuarantinedMessage[]): Promise<void>;
  getOutbound(sessionId: string): Promise<Versioned<OutboundRecord> | undefined>;
  putOutbound(record: OutboundRecord, expectedVersion: number): Promise<number>;
}

/** How a reply's text is compared with what later appears in the OpenCX history. */
export const normaliseOutboundText = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Another writer got there first: re-read and decide again (SQS redelivers if the caller gives up). */
export class ConcurrentUpdateError extends Error {
  override readonly name = 'ConcurrentUpdateError';
  readonly kind = 'conflict';
}

export const outboundTextHash = (text: string): string => sha256Hex(normaliseOutboundText(text));

/**
 * How a contact key is stored: `sha256:<hex>` of `email:<address>` / `phone:<E.164>` / `opencx:<id>`,
 * so that the table holds no email address or phone number (not as a key, not in a record). Already
 * hashed keys are returned unchanged.
 */
export const storedContactKey = (contactKey: string): string => (contactKey.startsWith('sha256:') ? contactKey : `sha256:${sha256Hex(contactKey)}`);
