/**
 * `status --session <id>`: which Creatio case a conversation went to (issue 15, traceability). OpenCX
 * has no API to write attributes on a session by themselves, so until a rep's first reply carries the
 * case number to the session (`custom_data`), this is how someone holding an OpenCX session id finds
 * its case: the bridge's SESSION record, and the case number read from Creatio.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreatioClient } from '../../functions/shared/creatio';
import { sessionUrl } from '../../functions/shared/config';
import { DynamoDbStateStore } from '../../functions/shared/state/dynamodb-state-store';
import type { SessionRecord } from '../../functions/shared/state/state-store';
import { caseUrl } from '../../functions/shared/sync/to-opencx/case-reference';
import type { Io } from './io';
import { readCreatioCredentials } from './secret-store';
import type { Target } from './target';

export interface SessionStatusDeps {
  /** Reads the SESSION record (default: the target's state table). */
  readonly readSession?: (sessionId: string) => Promise<SessionRecord | undefined>;
  /** Reads the case number (default: Creatio with the stored credentials). */
  readonly readCaseNumber?: (caseId: string) => Promise<string | undefined>;
}

const defaultReadSession =
  (target: Target) =>
  async (sessionId: string): Promise<SessionRecord | undefined> => {
    const table = target.stateTable;
    if (!table) throw new Error('the state table of this target is not known (deploy the current stack version, or start npm start)');
    const dynamo = new DynamoDBClient({
      ...(table.region ? { region: table.region } : {}),
      ...(table.endpoint ? { endpoint: table.endpoint } : {}),
      ...(table.credentials ? { credentials: table.credentials } : {}),
    });
    try {
      return (await new DynamoDbStateStore(dynamo, table.tableName).getSession(sessionId))?.value;
    } finally {
      dynamo.destroy();
    }
  };

const defaultReadCaseNumber =
  (target: Target) =>
  async (caseId: string): Promise<string | undefined> => {
    const credentials = await readCreatioCredentials(target.secrets);
    const creatio = new CreatioClient({
      instanceUrl: target.endpoints.creatioUrl,
      ...(target.endpoints.creatioIdentityUrl ? { identityUrl: target.endpoints.creatioIdentityUrl } : {}),
      odataRoot: target.config.creatio.odataRoot,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      maxAttempts: 2,
    });
    const found = await creatio.get<{ Id: string; Number?: string }>('Case', caseId, { select: ['Id', 'Number'] });
    return found?.Number || undefined;
  };

/** Exit code 0 when the conversation has a case, 1 when the bridge does not know it. */
export const runSessionStatus = async (target: Target, io: Io, sessionId: string, deps: SessionStatusDeps = {}): Promise<number> => {
  const session = await (deps.readSession ?? defaultReadSession(target))(sessionId);
  if (!session?.caseId) {
    io.out(`OpenCX conversation ${sessionId}: no Creatio case (not handed off yet, or not this tenant's).`);
    return 1;
  }
  let number: string | undefined;
  let numberProblem: string | undefined;
  try {
    number = await (deps.readCaseNumber ?? defaultReadCaseNumber(target))(session.caseId);
  } catch (error) {
    numberProblem = error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
  }
  io.out(`OpenCX conversation ${sessionId}${session.channel ? ` (${session.channel})` : ''}: ${sessionUrl(target.config, sessionId)}`);
  io.out(`  Creatio case ${number ?? '(number not read)'}: ${caseUrl(target.config.creatio.instanceUrl, session.caseId)}`);
  io.out(`  case id ${session.caseId}${session.creatioContactId ? `, contact id ${session.creatioContactId}` : ''}`);
  if (numberProblem) io.err(`  the case number could not be read from Creatio: ${numberProblem}`);
  io.out(
    `  messages synced: ${session.cursor?.count ?? 0}${session.updatedAt ? `, last sync ${session.updatedAt}` : ''}${session.status ? `, conversation ${session.status}` : ''}`,
  );
  return 0;
};
