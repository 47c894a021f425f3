/** Shapes of the OpenCX sandbox: what it serves (as OpenCX does) and what it records (for tests). */

export type FaultKind = '429' | '500';

export interface SandboxFaults {
  /** Probability in [0, 1] that a public API request fails. */
  readonly rate: number;
  readonly kinds: readonly FaultKind[];
  /** Sent as Retry-After on injected 429s. */
  readonly retryAfterSeconds?: number;
  /** Inject at most this many faults, then behave again (deterministic tests). */
  readonly times?: number;
}

export interface OpenCxSandboxOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The Bearer key the API accepts. Default `ocx_test_sandbox_key`. */
  readonly apiKey?: string;
  /** The bridge's full webhook URL, token included. Without one, no webhook is sent (deliveries are still recorded). */
  readonly webhookUrl?: string;
  /** `organization_id` of every webhook envelope. Default `org_sandbox`. */
  readonly organizationId?: string;
  /** Delay before every public API answer. */
  readonly latencyMs?: number;
  readonly faults?: SandboxFaults;
  /** After an API-sent agent message, POST `conversation.agent_response` (the echo the bridge must ignore). Default true. */
  readonly emitAgentResponseForApiMessages?: boolean;
  /** After a PATCH that closes a session, POST `conversation.closed`. Default true. */
  readonly emitClosedForApiUpdates?: boolean;
  /** History page size. Default 5. */
  readonly historyPageSize?: number;
  /** Per webhook POST. Default 3000. */
  readonly webhookTimeoutMs?: number;
  /** Load the email and WhatsApp example sessions at start. */
  readonly seedExamples?: boolean;
  /** Fault dice. Default Math.random. */
  readonly random?: () => number;
  readonly now?: () => Date;
}

export interface HistoryAttachment {
  id: string;
  name: string;
  size: number | null;
  type: string;
  url: string | null;
}

/** `GET /chat/sessions/{id}/history` item, as in shared/examples/opencx-history-*.json. */
export interface HistoryItem {
  id: string;
  created_at: string;
  event: {
    type: string;
    sender: { type: string; name: string };
    content: { type: 'text'; text: string };
    attachments: HistoryAttachment[];
  };
}

export interface SessionContact {
  id: string;
  email: string | null;
  phone_number: string | null;
  name: string | null;
  custom_data: Record<string, unknown>;
  non_verified_name?: string | null;
  non_verified_email?: string | null;
}

/** `GET /chat/sessions/{id}`, as in shared/examples/opencx-session-*.json. */
export interface SessionObject {
  id: string;
  status: 'open' | 'closed_resolved' | 'closed_unresolved';
  ai_closure_type: string | null;
  sentiment: string | null;
  channel: { type: string };
  ticket_number: number;
  assist_mode: boolean;
  created_at: string;
  updated_at: string;
  language: string | null;
  assignee_id: number | null;
  contact: SessionContact;
  custom_data: Record<string, unknown>;
  team: { id: string; name: string; description: string | null } | null;
  handoff?: { summary: string; sentiment: string | null };
  ticketing_system: null;
  [key: string]: unknown;
}

export interface SandboxSession {
  session: SessionObject;
  history: HistoryItem[];
  /** An agent has taken the session over from the AI (via the API send). */
  takenOver: boolean;
}

export interface WebhookEnvelope {
  readonly event: string;
  readonly organization_id: string;
  readonly data: Record<string, unknown>;
}

export interface WebhookDelivery {
  readonly event: string;
  readonly conversationId: string;
  readonly envelope: WebhookEnvelope;
  readonly url: string | undefined;
  readonly at: string;
  /** The bridge's HTTP status; undefined when it could not be reached (see `error`) or no URL was set. */
  readonly status?: number;
  readonly error?: string;
  readonly durationMs: number;
}

export interface SentMessageRecord {
  readonly sessionId: string;
  readonly at: string;
  /** The request body as received. */
  readonly body: unknown;
  readonly status: number;
  readonly messageId?: string;
}

export interface StatusUpdateRecord {
  readonly sessionId: string;
  readonly at: string;
  readonly body: unknown;
  readonly status: number;
}

export interface ApiRequestRecord {
  readonly method: string;
  /** Route template, e.g. `GET /chat/sessions/{id}/history`. */
  readonly route: string;
  readonly sessionId?: string;
  readonly status: number;
  readonly at: string;
}

export type Author = 'customer' | 'ai' | 'agent';

export interface AttachmentInput {
  readonly id?: string;
  readonly name: string;
  readonly size?: number;
  readonly type: string;
  readonly url?: string;
}

export interface CreateSessionInput {
  readonly id?: string;
  readonly channel: string;
  readonly contact?: {
    readonly id?: string;
    readonly name?: string | null;
    readonly email?: string | null;
    readonly phone_number?: string | null;
    readonly custom_data?: Record<string, unknown>;
    /** What a web-chat visitor typed into the widget's form: not verified by OpenCX (reference opencx.md §1.4). */
    readonly non_verified_name?: string | null;
    readonly non_verified_email?: string | null;
  };
  readonly custom_data?: Record<string, unknown>;
  readonly language?: string;
  /** Email channel: put in front of the first message as "Subject: ..." (as OpenCX's email channel does). */
  readonly subject?: string;
  /** The customer's first message, added to the history and sent as `first_message`. */
  readonly first_message?: { readonly text: string; readonly attachments?: readonly AttachmentInput[] };
  readonly created_at?: string;
}

export interface AddMessageInput {
  readonly author: Author;
  readonly text?: string;
  /** An internal agent comment (`agent_comment`): in the history, never sent to the customer, no webhook. */
  readonly internal?: boolean;
  readonly sender_name?: string;
  readonly attachments?: readonly AttachmentInput[];
  readonly created_at?: string;
}

export interface HandoffInput {
  readonly summary: string;
  readonly sentiment?: string;
  readonly contact_reason?: string;
  readonly language?: string;
  readonly reason?: string;
}

export interface CloseInput {
  readonly outcome: 'resolved' | 'unresolved';
  /** Default `{type: "human", id: 311, email: "agent@sandbox.example"}`. */
  readonly closed_by?: Record<string, unknown> & { readonly type: string };
  readonly summary?: string;
  readonly contact_reason?: string;
}
