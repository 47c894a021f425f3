/**
 * The sandbox's sessions and what happens to them: the admin operations that stand in for a
 * customer, the AI and an agent (each POSTing the webhook OpenCX would), and the effects of the
 * public API's send and update.
 */
import { randomUUID } from 'node:crypto';
import { exampleSeeds } from './seeds';
import type {
  AddMessageInput,
  AttachmentInput,
  Author,
  CloseInput,
  CreateSessionInput,
  HandoffInput,
  HistoryAttachment,
  HistoryItem,
  SandboxSession,
  SessionObject,
  WebhookDelivery,
  WebhookEnvelope,
} from './types';
import type { WebhookSender } from './webhooks';

/** An error answer in OpenCX's NestJS shape `{statusCode, message, error}`. */
export class SandboxError extends Error {
  readonly body: { statusCode: number; message: string | string[]; error: string };
  constructor(
    readonly statusCode: number,
    message: string | string[],
  ) {
    super(Array.isArray(message) ? message.join('; ') : message);
    this.body = { statusCode, message, error: STATUS_TEXT[statusCode] ?? 'Error' };
  }
}

export const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

const AI_NAME = 'Support Assistant';
const SENDER_TYPE: Record<Author, string> = { customer: 'user', ai: 'ai', agent: 'agent' };
const RESPONSE_EVENT: Record<Author, string> = {
  customer: 'conversation.contact_response',
  ai: 'conversation.ai_response',
  agent: 'conversation.agent_response',
};
/** History event types that count as conversation messages in `message_count`. */
const MESSAGE_TYPES = new Set(['message', 'agent_message']);

export interface SandboxStateOptions {
  readonly organizationId: string;
  readonly now: () => Date;
  readonly webhooks: WebhookSender;
}

export interface SendBody {
  readonly sender: string;
  readonly message: {
    readonly type: 'text';
    readonly text: string;
    readonly attachments?: readonly { name: string; url?: string; base64?: string; mime_type: string }[];
  };
  readonly agent?: { readonly id?: number; readonly name?: string };
  readonly contact?: Record<string, unknown>;
  /** Session attributes merged into the session (documented: strings, numbers, booleans; not shown to the customer). */
  readonly custom_data?: Record<string, string | number | boolean>;
  readonly should_take_over_session_from_ai?: boolean;
}

export const createSandboxState = (options: SandboxStateOptions) => {
  const sessions = new Map<string, SandboxSession>();
  let messageCounter = 0;
  let ticketCounter = 50_000;

  const nowIso = (): string => options.now().toISOString();
  const nextMessageId = (): string => `sbx_msg_${String((messageCounter += 1)).padStart(4, '0')}`;

  const get = (id: string): SandboxSession => {
    const found = sessions.get(id);
    if (!found) throw new SandboxError(404, `Chat session ${id} not found`);
    return found;
  };

  const envelope = (event: string, data: Record<string, unknown>): WebhookEnvelope => ({
    event,
    organization_id: options.organizationId,
    data,
  });

  const emit = (event: string, sessionId: string, data: Record<string, unknown>): Promise<WebhookDelivery> =>
    options.webhooks.deliver(envelope(event, { conversation_id: sessionId, ...data }), sessionId);

  const toAttachment = (input: AttachmentInput): HistoryAttachment => ({
    id: input.id ?? `att_${randomUUID().slice(0, 8)}`,
    name: input.name,
    size: input.size ?? null,
    type: input.type,
    url: input.url ?? null,
  });

  const append = (
    entry: SandboxSession,
    item: { type: string; senderType: string; senderName: string; text: string; attachments?: HistoryAttachment[]; createdAt?: string },
  ): HistoryItem => {
    const historyItem: HistoryItem = {
      id: nextMessageId(),
      created_at: item.createdAt ?? nowIso(),
      event: {
        type: item.type,
        sender: { type: item.senderType, name: item.senderName },
        content: { type: 'text', text: item.text },
        attachments: item.attachments ?? [],
      },
    };
    entry.history.push(historyItem);
    entry.session.updated_at = historyItem.created_at;
    return historyItem;
  };

  const messageCount = (entry: SandboxSession): number => entry.history.filter((item) => MESSAGE_TYPES.has(item.event.type)).length;

  const customerId = (entry: SandboxSession): string => entry.session.contact.id;

  const handoffData = (entry: SandboxSession, timestamp: string, input: HandoffInput): Record<string, unknown> => ({
    timestamp,
    customer_id: customerId(entry),
    reason: input.reason ?? 'ai_decided_to_handoff_the_conversation',
    summary: input.summary,
    ...(input.contact_reason !== undefined ? { contact_reason: input.contact_reason } : {}),
    ...(input.sentiment !== undefined ? { user_sentiment: input.sentiment } : {}),
    language: entry.session.language,
    message_count: messageCount(entry),
  });

  const contactPayload = (entry: SandboxSession) => ({
    id: entry.session.contact.id,
    name: entry.session.contact.name,
    email: entry.session.contact.email,
    phone_number: entry.session.contact.phone_number,
    custom_data: entry.session.contact.custom_data ?? {},
  });

  return {
    sessions,

    get,

    reset(): void {
      sessions.clear();
    },

    /** Loads the example sessions (replacing any with the same ids). No webhooks. */
    seedExamples(): string[] {
      return exampleSeeds().map(({ session, history }) => {
        sessions.set(session.id, { session, history, takenOver: false });
        return session.id;
      });
    },

    /** A new conversation; POSTs `conversation.started`. */
    async createSession(input: CreateSessionInput): Promise<{ session: SessionObject; webhook: WebhookDelivery }> {
      const id = input.id ?? randomUUID();
      if (sessions.has(id)) throw new SandboxError(400, `Chat session ${id} already exists`);
      const createdAt = input.created_at ?? nowIso();
      const contact = input.contact ?? {};
      const session: SessionObject = {
        id,
        status: 'open',
        ai_closure_type: null,
        sentiment: null,
        channel: { type: input.channel },
        ticket_number: (ticketCounter += 1),
        assist_mode: false,
        created_at: createdAt,
        updated_at: createdAt,
        language: input.language ?? null,
        assignee_id: null,
        contact: {
          id: contact.id ?? randomUUID(),
          email: contact.email ?? null,
          phone_number: contact.phone_number ?? null,
          name: contact.name ?? null,
          custom_data: contact.custom_data ?? {},
          ...(contact.non_verified_name !== undefined ? { non_verified_name: contact.non_verified_name } : {}),
          ...(contact.non_verified_email !== undefined ? { non_verified_email: contact.non_verified_email } : {}),
        },
        custom_data: input.custom_data ?? {},
        team: null,
        ticketing_system: null,
      };
      const entry: SandboxSession = { session, history: [], takenOver: false };
      sessions.set(id, entry);
      let firstText: string | null = null;
      if (input.first_message) {
        const text = input.subject && input.channel === 'email' ? `Subject: ${input.subject}\n\n${input.first_message.text}` : input.first_message.text;
        firstText = input.first_message.text;
        append(entry, {
          type: 'message',
          senderType: 'user',
          senderName: contact.name ?? 'Customer',
          text,
          attachments: (input.first_message.attachments ?? []).map(toAttachment),
          createdAt,
        });
      }
      const webhook = await emit('conversation.started', id, {
        assignee: { type: 'AI', name: AI_NAME },
        contact: {
          id: session.contact.id,
          name: session.contact.name,
          enriched_data: { address: null, phone_number: session.contact.phone_number, email: session.contact.email },
          custom_data: session.contact.custom_data,
        },
        channel: input.channel,
        first_message: firstText,
        timestamp: createdAt,
      });
      return { session, webhook };
    },

    /**
     * A customer, AI or agent message (or, with `internal`, an agent's internal comment);
     * POSTs `conversation.contact_response` / `ai_response` / `agent_response` (none for a comment).
     */
    async addMessage(sessionId: string, input: AddMessageInput): Promise<{ item: HistoryItem; webhook: WebhookDelivery | null }> {
      const entry = get(sessionId);
      if (input.internal && input.author !== 'agent') throw new SandboxError(400, 'Only agents write internal comments');
      const attachments = (input.attachments ?? []).map(toAttachment);
      if (!input.text && attachments.length === 0) throw new SandboxError(400, 'A message needs text or attachments');
      const senderName = input.sender_name ?? (input.author === 'customer' ? (entry.session.contact.name ?? 'Customer') : input.author === 'ai' ? AI_NAME : 'Agent');
      const item = append(entry, {
        type: input.internal ? 'agent_comment' : 'message',
        senderType: SENDER_TYPE[input.author],
        senderName,
        text: input.text ?? '',
        attachments,
        ...(input.created_at ? { createdAt: input.created_at } : {}),
      });
      if (input.internal) return { item, webhook: null };
      // Message-level payloads are undocumented: only the fields of the contact_response example.
      const webhook = await emit(RESPONSE_EVENT[input.author], sessionId, {
        timestamp: item.created_at,
        customer_id: customerId(entry),
      });
      return { item, webhook };
    },

    /** AI escalation; POSTs `conversation.handoff_to_human` with the documented fields. */
    async handOff(sessionId: string, input: HandoffInput): Promise<{ session: SessionObject; webhook: WebhookDelivery }> {
      const entry = get(sessionId);
      const { session } = entry;
      const sentiment = input.sentiment ?? null;
      session.handoff = { summary: input.summary, sentiment };
      session.ai_closure_type = 'handed_off';
      if (sentiment) session.sentiment = sentiment;
      if (input.language) session.language = input.language;
      const item = append(entry, {
        type: 'handoff',
        senderType: 'system',
        senderName: 'System',
        text: 'Conversation handed off to a human agent',
      });
      const webhook = await emit('conversation.handoff_to_human', sessionId, handoffData(entry, item.created_at, input));
      return { session, webhook };
    },

    /**
     * The envelope of a handoff that already happened (a seeded session, or to post it again):
     * built from the session's `handoff` and its last handoff event.
     */
    handoffEnvelope(sessionId: string): WebhookEnvelope {
      const entry = get(sessionId);
      const { handoff } = entry.session;
      if (!handoff) throw new SandboxError(400, `Chat session ${sessionId} has not been handed off`);
      const at = [...entry.history].reverse().find((item) => item.event.type.startsWith('handoff'))?.created_at;
      return envelope('conversation.handoff_to_human', {
        conversation_id: sessionId,
        ...handoffData(entry, at ?? entry.session.updated_at, {
          summary: handoff.summary,
          ...(handoff.sentiment ? { sentiment: handoff.sentiment } : {}),
        }),
      });
    },

    /** Closure in OpenCX (agent, AI, contact or workflow); POSTs `conversation.closed`. */
    async close(sessionId: string, input: CloseInput): Promise<{ session: SessionObject; webhook: WebhookDelivery }> {
      const entry = get(sessionId);
      const { session } = entry;
      const resolved = input.outcome === 'resolved';
      const closedBy = input.closed_by ?? { type: 'human', id: 311, email: 'agent@sandbox.example' };
      const byType = String(closedBy.type).toLowerCase();
      const actor = byType === 'human' ? 'agent' : byType === 'contact' ? 'contact' : 'system';
      session.status = resolved ? 'closed_resolved' : 'closed_unresolved';
      const item = append(entry, {
        type: `${resolved ? 'closed_resolved' : 'closed_unresolved'}_by_${actor}`,
        senderType: 'system',
        senderName: 'System',
        text: resolved ? 'Conversation resolved' : 'Conversation closed as unresolved',
      });
      const resolution = resolved ? 'resolved' : 'not_resolved';
      const webhook = await emit('conversation.closed', sessionId, {
        timestamp: item.created_at,
        contact_id: customerId(entry),
        contact: contactPayload(entry),
        human_resolution_status: byType === 'human' ? resolution : null,
        ai_resolution_status: byType === 'ai' ? resolution : null,
        closed_by: closedBy,
        is_from_third_party: false,
        third_party_name: null,
        summary: input.summary ?? session.handoff?.summary ?? null,
        contact_reason: input.contact_reason ?? null,
      });
      return { session, webhook };
    },

    /** `POST /chat/sessions/{id}/send` effects. Webhooks are returned, not awaited: the API answers first. */
    send(sessionId: string, body: SendBody, agentSenderType: string): { response: Record<string, unknown>; messageId: string; followUp: () => Promise<unknown> } {
      const entry = get(sessionId);
      if (body.custom_data) entry.session.custom_data = { ...(entry.session.custom_data ?? {}), ...body.custom_data };
      const attachments = (body.message.attachments ?? []).map((a) =>
        toAttachment({
          name: a.name,
          type: a.mime_type,
          ...(a.url !== undefined ? { url: a.url } : {}),
          ...(a.base64 !== undefined ? { size: Math.floor((a.base64.length * 3) / 4) } : {}),
        }),
      );
      if (body.sender === agentSenderType) {
        if (body.should_take_over_session_from_ai && !entry.takenOver) {
          entry.takenOver = true;
          entry.session.assignee_id = body.agent?.id ?? null;
          append(entry, {
            type: 'agent_took_session_from_ai',
            senderType: 'system',
            senderName: 'System',
            text: 'An agent took over the conversation from the AI',
          });
        }
        const item = append(entry, {
          type: 'message',
          senderType: 'agent',
          senderName: body.agent?.name ?? 'Agent',
          text: body.message.text,
          attachments,
        });
        return {
          response: { success: true, data: { message: { id: item.id } } },
          messageId: item.id,
          followUp: () => emit('conversation.agent_response', sessionId, { timestamp: item.created_at, customer_id: customerId(entry) }),
        };
      }
      // sender "contact": a customer message through the API (the AI does not answer in the sandbox).
      const item = append(entry, {
        type: 'message',
        senderType: 'user',
        senderName: entry.session.contact.name ?? 'Customer',
        text: body.message.text,
        attachments,
      });
      return {
        response: {
          autopilotResponse: null,
          uiResponse: null,
          sessionIsHandedOff: entry.session.ai_closure_type === 'handed_off',
          resolveArgs: null,
          code: null,
        },
        messageId: item.id,
        followUp: () => emit('conversation.contact_response', sessionId, { timestamp: item.created_at, customer_id: customerId(entry) }),
      };
    },

    /** `PATCH /chat/sessions/{id}` effects; returns a follow-up webhook when the status moved to closed. */
    updateStatus(sessionId: string, status: SessionObject['status'], emitClosed: boolean): { followUp?: () => Promise<unknown> } {
      const entry = get(sessionId);
      const { session } = entry;
      const previous = session.status;
      if (previous === status) return {};
      session.status = status;
      if (status === 'open') {
        append(entry, { type: 'system_reopened_session', senderType: 'system', senderName: 'System', text: 'Conversation reopened' });
        return {};
      }
      const resolved = status === 'closed_resolved';
      const item = append(entry, {
        type: `${status}_by_api`,
        senderType: 'system',
        senderName: 'System',
        text: resolved ? 'Conversation resolved' : 'Conversation closed as unresolved',
      });
      if (!emitClosed) return {};
      return {
        // Who closed is not documented for API closures: closed_by is null here.
        followUp: () =>
          emit('conversation.closed', sessionId, {
            timestamp: item.created_at,
            contact_id: customerId(entry),
            contact: contactPayload(entry),
            human_resolution_status: resolved ? 'resolved' : 'not_resolved',
            ai_resolution_status: null,
            closed_by: null,
            is_from_third_party: false,
            third_party_name: null,
            summary: session.handoff?.summary ?? null,
            contact_reason: null,
          }),
      };
    },
  };
};

export type SandboxState = ReturnType<typeof createSandboxState>;
