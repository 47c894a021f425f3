import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../../functions/shared/state/dynamodb-state-store';
import type { QuarantinedMessage } from '../../functions/shared/state/state-store';
import type { StatusSection } from './status-sections';
import { followUp, type Target } from './target';

export interface QuarantinedSession {
  readonly sessionId: string;
  readonly messages: readonly QuarantinedMessage[];
}

/** The sessions with messages Creatio refused for good, from the state table. */
export const readQuarantine = async (target: Target): Promise<readonly QuarantinedSession[] | undefined> => {
  const table = target.stateTable;
  if (!table) return undefined;
  const dynamo = new DynamoDBClient({
    ...(table.region ? { region: table.region } : {}),
    ...(table.endpoint ? { endpoint: table.endpoint } : {}),
    ...(table.credentials ? { credentials: table.credentials } : {}),
  });
  try {
    return await new DynamoDbStateStore(dynamo, table.tableName).listQuarantined();
  } finally {
    dynamo.destroy();
  }
};

/** Session, message id and reason (redacted when it was recorded), never content; and how to retry. */
export const formatQuarantine = (target: Pick<Target, 'tenant' | 'flags'>, sessions: readonly QuarantinedSession[] | undefined): string[] => {
  const lines = ['', 'Quarantined messages (Creatio refused them for good; the rest of each conversation was synced)'];
  if (sessions === undefined) return [...lines, '  unknown: the state table of this target is not known'];
  if (!sessions.length) return [...lines, '  none'];
  for (const session of sessions) {
    lines.push(`  session ${session.sessionId}`);
    for (const message of session.messages) lines.push(`    message ${message.messageId} at ${message.at}: ${message.reason}`);
    lines.push(`    → fix the cause, then: ${followUp(target, 'replay', `--session ${session.sessionId}`)}`);
  }
  return lines;
};

export const quarantineSection: StatusSection = async (target) => {
  const sessions = await readQuarantine(target);
  return { lines: formatQuarantine(target, sessions), problem: Boolean(sessions?.length) };
};
