import { EmailMessageTypeIds, batchOp, type BatchOperation } from '../../creatio';
import { deterministicId, sha256Hex } from '../../ids';
import { outboundTextHash } from '../../state/state-store';
import type { OpenCxMessage, OpenCxSession } from '../../opencx';
import type { OpenCxQueueMessage } from '../../schemas/queue-messages';
import type { TenantConfig } from '../../schemas/tenant-config';
import type { SessionRecord } from '../../state/state-store';
import { sessionUrl } from '../../config';
import { isCustomerVisible, renderActivity, subjectFor } from '../render';
import { activityCreate, toIso } from './activity-fields';
import type { CaseTarget } from './choose-case';
import type { ContactIdentity, ContactMatch } from './contact';
import { handoffNoteFields } from './handoff-note';
import { messageFiles, type CustomerFilePolicy, type PlannedMessageFiles } from '../attachments/customer-files';

/** Everything the planner decides from: state and reads, no clients. */
export interface PlanInput {
  readonly event: OpenCxQueueMessage;
  readonly state: SessionRecord;
  /** Undefined for a new message of a known conversation (`skipsSessionRead`): the session was not read. */
  readonly session: OpenCxSession | undefined;
  /** History items after the cursor (the whole transcript at the first sync), normalised, in order. */
  readonly history: readonly OpenCxMessage[];
  /** Quarantined messages to try again (a replay), found in the history. */
  readonly retry?: readonly OpenCxMessage[];
  /** The appended-to case is Resolved (not final): it is moved back to a working status. */
  readonly reopenCase?: boolean;
  /** Message ids and text hashes of replies the bridge itself sent to OpenCX (never written back). */
  readonly echoes: ReadonlySet<string>;
  readonly identity: ContactIdentity;
  readonly target: CaseTarget;
  /** The Creatio contact, when it had to be found for this sync. */
  readonly contact: ContactMatch | undefined;
  /** Case columns read from lookups (origin, AI fields), for a case created now. */
  readonly caseColumns: Readonly<Record<string, string>>;
  readonly config: TenantConfig;
  readonly now: Date;
  /** Customer attachments become Creatio files (issue 15); absent = links only. */
  readonly filePolicy?: CustomerFilePolicy | undefined;
}

/** One Creatio activity for one OpenCX message. */
export interface MessageWrite {
  readonly message: OpenCxMessage;
  readonly activityId: string;
  readonly operation: BatchOperation;
  /** Its attachments: which become files after the write, and the body written (issue 15). */
  readonly files?: PlannedMessageFiles['files'];
}

export interface SyncPlan {
  /** Contact and case writes: no activity can be written without them. */
  readonly setup: readonly BatchOperation[];
  /** The "handed off again" note, when one is due. */
  readonly note: { readonly activityId: string; readonly occurredAt: string; readonly operation: BatchOperation } | undefined;
  /** One activity per customer-visible new message, in order. */
  readonly messages: readonly MessageWrite[];
  readonly creatioContactId: string | undefined;
  readonly channel: string | undefined;
  readonly summary: string | undefined;
  /** The same handoff was synced before (no second note, not recorded again). */
  readonly handoffAlreadySynced: boolean;
}

/** The same handoff seen again: by OpenCX's timestamp, or by its summary already being on the case. */
export const isHandoffAlreadySynced = (event: OpenCxQueueMessage, state: SessionRecord): boolean => {
  if (event.event !== 'conversation.handoff_to_human') return false;
  const summary = event.handoff?.summary;
  return (state.handoffsSynced ?? []).includes(event.occurredAt) || (summary !== undefined && (state.summariesSynced ?? []).includes(sha256Hex(summary)));
};

/**
 * The case description: the handoff summary, and what an unproven customer said about themselves, marked
 * unverified (shown to the rep, never used to match a contact or a case).
 */
export const caseDescription = (summary: string | undefined, identity: ContactIdentity): string => {
  const declared = [identity.unverified?.email, identity.unverified?.phone].filter((v): v is string => Boolean(v));
  const note = declared.length ? `Contact details given by the customer (unverified: ${declared.join(', ')})` : '';
  return [summary ?? '', note].filter(Boolean).join('\n\n');
};

/** A message the bridge posted to OpenCX itself (an agent reply from Creatio): never written back. */
const isEcho = (message: OpenCxMessage, echoes: ReadonlySet<string>): boolean =>
  message.author === 'agent' && (echoes.has(message.id) || echoes.has(outboundTextHash(message.text)));

/**
 * OpenCX → Creatio, decided (design §3): the contact and case writes, the handoff note and one activity per
 * new customer-visible message, all with deterministic ids, so a redelivered or replayed event converges
 * on the same records.
 */
export const planSync = (input: PlanInput): SyncPlan => {
  const { event, state, session, config, target, identity, now } = input;
  const sessionId = state.sessionId;
  const isHandoff = event.event === 'conversation.handoff_to_human';
  const handoffAlreadySynced = isHandoffAlreadySynced(event, state);
  const channel = session?.channel?.type ?? state.channel ?? undefined;
  const creatioContactId = state.creatioContactId ?? input.contact?.creatioContactId;
  const summary = event.handoff?.summary ?? session?.handoff?.summary ?? session?.summary ?? undefined;

  const setup: BatchOperation[] = [];
  if (input.contact?.create) setup.push(batchOp.create('Contact', input.contact.create));
  if (target.mode === 'created') {
    setup.push(
      batchOp.create('Case', {
        Id: target.caseId,
        Subject: subjectFor(input.history, channel),
        Symptoms: caseDescription(summary, identity),
        StatusId: config.cases.newStatusId,
        PriorityId: config.cases.priorityId,
        RegisteredOn: toIso(session?.created_at, now),
        ...(creatioContactId ? { ContactId: creatioContactId } : {}),
        ...(config.cases.defaultOwnerId ? { OwnerId: config.cases.defaultOwnerId } : {}),
        ...(config.cases.defaultGroupId ? { GroupId: config.cases.defaultGroupId } : {}),
        ...(target.parentCaseId ? { ParentCaseId: target.parentCaseId } : {}),
        ...(config.attachments.caseSessionColumn ? { [config.attachments.caseSessionColumn]: sessionId } : {}),
        ...input.caseColumns,
      }),
    );
  } else if (isHandoff && summary && target.mode === 'existing' && !state.summaryWritten) {
    // A case created before the handoff ("every conversation" mode) gets the summary now.
    setup.push(batchOp.patch('Case', target.caseId, { Symptoms: summary }));
  }
  if (input.reopenCase && target.mode === 'appended') {
    // As Creatio itself reopens a resolved case when the customer writes again (creatio-detail.md §4.3).
    setup.push(batchOp.patch('Case', target.caseId, { StatusId: config.cases.reopenedStatusId }));
  }

  const link = sessionUrl(config, sessionId);
  const note =
    isHandoff && target.mode !== 'created' && !handoffAlreadySynced
      ? (() => {
          const activityId = deterministicId(config.tenant, 'handoff', sessionId, event.occurredAt);
          const fields = handoffNoteFields(event, target.mode === 'appended', summary, link, now);
          return { activityId, occurredAt: event.occurredAt, operation: activityCreate(activityId, target.caseId, creatioContactId, fields) };
        })()
      : undefined;

  const retryIds = new Set((input.retry ?? []).map((m) => m.id));
  const visible = [...(input.retry ?? []), ...input.history.filter((m) => !retryIds.has(m.id))].filter((m) => isCustomerVisible(m) && !isEcho(m, input.echoes));
  const firstOfSession = !state.cursor;
  const customerAddress = identity.email ?? identity.phone;
  const messages = visible.map((message, index): MessageWrite => {
    const rendered = renderActivity(message, {
      channel,
      isFirst: firstOfSession && index === 0,
      sessionUrl: link,
      ...(identity.name ? { customerName: identity.name } : {}),
      ...(customerAddress ? { customerAddress } : {}),
      ...(config.creatio.supportMailbox ? { agentMailbox: config.creatio.supportMailbox } : {}),
      registrationMailboxes: config.creatio.caseRegistrationMailboxes,
    });
    const at = toIso(message.createdAt, now);
    const activityId = deterministicId(config.tenant, 'activity', sessionId, message.id);
    const withFiles = messageFiles(message, rendered.body, { tenant: config.tenant, sessionId, policy: input.filePolicy });
    const operation = activityCreate(activityId, target.caseId, creatioContactId, {
      Title: rendered.title,
      Body: withFiles.body,
      StartDate: at,
      DueDate: at,
      SendDate: at,
      Sender: rendered.sender.slice(0, 250),
      Recepient: rendered.recipient.slice(0, 250),
      MessageTypeId: rendered.direction === 'incoming' ? EmailMessageTypeIds.Incoming : EmailMessageTypeIds.Outgoing,
    });
    return { message, activityId, operation, ...(withFiles.files ? { files: withFiles.files } : {}) };
  });

  return { setup, note, messages, creatioContactId, channel, summary, handoffAlreadySynced };
};

/** Every activity id of the plan (remembered before the write, so the agent-reply process never forwards them). */
export const plannedActivityIds = (plan: SyncPlan): string[] => [...(plan.note ? [plan.note.activityId] : []), ...plan.messages.map((m) => m.activityId)];

/** The plan's operations in batch order: setup, note, messages. */
export const plannedOperations = (plan: SyncPlan): BatchOperation[] => [...plan.setup, ...(plan.note ? [plan.note.operation] : []), ...plan.messages.map((m) => m.operation)];
