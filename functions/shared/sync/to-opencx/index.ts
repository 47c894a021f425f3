export { syncCreatioEvent } from './sync-creatio-event';
export { syncAgentReply } from './agent-reply';
export { syncCaseUpdate } from './case-resolution';
export { isAgentReplyActivity, replyText } from './reply-text';
export { blockedReplyNote, isWhatsAppChannel, isWindowClosed, lastCustomerMessageAt } from './whatsapp-window';
export type {
  CreatioPort,
  OpenCxPort,
  SkipReason,
  SyncToOpenCxDeps,
  SyncToOpenCxMetric,
  SyncToOpenCxObserver,
  SyncToOpenCxOutcome,
} from './types';
