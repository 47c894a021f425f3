import type { QuarantinedMessage } from '../../state/state-store';
import type { CaseTarget } from './choose-case';
import type { WriteOutcome } from './execute-plan';
import type { SyncPlan } from './plan-sync';
import type { SyncObserver } from './sync-conversation';

/** Metrics of a written plan, and the quarantined messages by id and redacted reason (never content). */
export const reportWrite = (
  observer: SyncObserver,
  sessionId: string,
  facts: { readonly contactCreated: boolean; readonly caseCreated: boolean; readonly target: CaseTarget; readonly plan: SyncPlan; readonly written: WriteOutcome },
): void => {
  const { plan, written, target } = facts;
  if (facts.contactCreated) observer.metric('contactsCreated');
  if (facts.caseCreated) observer.metric('casesCreated');
  if (target.mode === 'appended') observer.metric('casesAppended');
  const refusedMessages = written.quarantined.filter((q) => !q.messageId.startsWith('handoff:')).length;
  if (plan.messages.length > refusedMessages) observer.metric('activitiesWritten', plan.messages.length - refusedMessages);
  if (!written.quarantined.length) return;
  observer.metric('messagesQuarantined', written.quarantined.length);
  // The operator lists them with `ops status` and retries with `ops replay`.
  observer.warn('Creatio refused messages for good: quarantined, the rest of the conversation goes on', {
    sessionId,
    quarantined: written.quarantined.map((q) => ({ messageId: q.messageId, reason: q.reason })),
  });
};

/** The sync's lag metric and its one log line. */
export const reportSynced = (
  observer: SyncObserver,
  facts: {
    readonly sessionId: string;
    readonly occurredAt: string;
    readonly now: Date;
    readonly target: CaseTarget;
    readonly activities: number;
    readonly quarantined: readonly QuarantinedMessage[];
    readonly resolved: boolean;
  },
): void => {
  const lagMs = Math.max(0, facts.now.getTime() - new Date(facts.occurredAt).getTime());
  observer.metric('syncLag', lagMs);
  observer.info('conversation synced to Creatio', {
    sessionId: facts.sessionId,
    lagMs,
    caseId: facts.target.caseId,
    caseMode: facts.target.mode,
    activities: facts.activities,
    quarantined: facts.quarantined.length,
    resolved: facts.resolved,
  });
};
