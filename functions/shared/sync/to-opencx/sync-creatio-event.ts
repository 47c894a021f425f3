import type { CreatioQueueMessage } from '../../schemas/queue-messages';
import { syncAgentReply } from './agent-reply';
import { syncCaseUpdate } from './case-resolution';
import type { SyncToOpenCxDeps, SyncToOpenCxOutcome } from './types';

/**
 * Creatio → OpenCX for one queued business-process call (design §4): `new_activity` forwards an
 * agent's reply, `case_updated` carries a resolution. Re-reads the activity or case from Creatio (the
 * webhook is only a hint). Errors keep their fate: RetryableError → SQS retry, PermanentError → DLQ.
 */
export const syncCreatioEvent = (message: CreatioQueueMessage, deps: SyncToOpenCxDeps): Promise<SyncToOpenCxOutcome> =>
  message.eventType === 'new_activity' ? syncAgentReply(message, deps) : syncCaseUpdate(message, deps);
