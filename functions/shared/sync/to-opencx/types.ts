import type { CreatioClient } from '../../creatio';
import type { OpenCxClient } from '../../opencx';
import type { TenantConfig } from '../../schemas/tenant-config';
import type { StateStore } from '../../state/state-store';
import type { ReplyExtrasDeps } from './reply-attachments';

/** What the Creatio → OpenCX sync needs from the Creatio client (the real one, or a test fake). */
export type CreatioPort = Pick<CreatioClient, 'getActivity' | 'getCase' | 'getCaseStatus' | 'createActivity'>;

/** What it needs from the OpenCX client. */
export type OpenCxPort = Pick<OpenCxClient, 'getSession' | 'listHistory' | 'sendMessage' | 'updateSessionStatus'>;

/** The sync's own outcomes; requests, throttles and errors are counted by the clients and the consumer. */
export type SyncToOpenCxMetric = 'repliesDelivered' | 'repliesBlocked' | 'resolutionsToOpenCx';

/** Metrics and logs of one sync. Log fields are ids and outcomes only: never text, emails or phone numbers. */
export interface SyncToOpenCxObserver {
  metric(name: SyncToOpenCxMetric, value?: number): void;
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface SyncToOpenCxDeps {
  readonly config: TenantConfig;
  readonly creatio: CreatioPort;
  readonly opencx: OpenCxPort;
  readonly store: StateStore;
  readonly observer: SyncToOpenCxObserver;
  readonly now: () => Date;
  /**
   * A `sending` claim older than this belongs to an attempt that died mid-send (the consumer's
   * timeout is 60 s, SQS redelivers after 360 s): the next attempt checks the OpenCX history
   * before sending again. A younger claim means another attempt may be sending right now.
   * Default 120 000 ms.
   */
  readonly staleClaimMs?: number;
  /** A rep's files and the case reference (issue 15, reply-attachments.ts); absent = text-only replies. */
  readonly replyExtras?: ReplyExtrasDeps;
}

export type SkipReason =
  | 'unknown_case'
  | 'own_activity'
  | 'already_sent'
  | 'already_blocked'
  | 'activity_not_found'
  | 'activity_on_other_case'
  | 'not_an_agent_reply'
  /** Creatio emailed the reply to the customer itself (EmailSendStatus Sent). */
  | 'sent_by_creatio'
  | 'no_text'
  | 'case_not_found'
  | 'no_session'
  | 'status_unchanged'
  | 'already_resolved';

export type SyncToOpenCxOutcome =
  | { readonly kind: 'skipped'; readonly caseId: string; readonly reason: SkipReason }
  | {
      readonly kind: 'delivered';
      readonly caseId: string;
      readonly sessionId: string;
      readonly activityId: string;
      readonly messageId: string | undefined;
      /** True when a crashed attempt had already delivered it and the history showed so (nothing sent now). */
      readonly foundInHistory: boolean;
    }
  | {
      readonly kind: 'blocked';
      readonly caseId: string;
      readonly sessionId: string;
      readonly activityId: string;
      /** The Creatio activity that tells the agent why. */
      readonly noteActivityId: string;
      readonly lastCustomerMessageAt: string | undefined;
      /** Why: the WhatsApp window was closed, or no open conversation of the case's contact could receive it. */
      readonly reason: 'whatsapp_window' | 'no_verified_session' | 'files_not_deliverable';
    }
  | { readonly kind: 'resolved'; readonly caseId: string; readonly statusId: string; readonly closedSessionIds: readonly string[] }
  | { readonly kind: 'reopened'; readonly caseId: string; readonly statusId: string }
  | { readonly kind: 'status_noted'; readonly caseId: string; readonly statusId: string };
