/**
 * Where an agent's reply may go (design §3, the trust rule, reply side): only to an open OpenCX
 * conversation whose customer is the case's own Creatio contact, as the OpenCX → Creatio sync
 * matched it. A conversation is linked to an existing contact only by an identity its channel proves
 * (email address on email, phone number on WhatsApp / SMS / voice); an unproven one gets its own
 * contact. So a web-chat visitor who typed someone else's email address never has that customer's
 * contact, and never receives the replies written on that customer's case.
 */
import { lookupValue } from '../../creatio';
import { OPENCX_ID_PATTERN } from '../../schemas/opencx-webhook';
import type { CaseRecord as CaseState } from '../../state/state-store';
import type { SyncToOpenCxDeps } from './types';

/**
 * The newest open conversation of the case's contact, or undefined when there is none (the reply is
 * then not sent, and a note on the case says why). Costs one Creatio GET (the case's contact) and one
 * DynamoDB read per conversation looked at.
 */
export const replySession = async (caseId: string, caseState: CaseState, deps: Pick<SyncToOpenCxDeps, 'creatio' | 'store'>): Promise<string | undefined> => {
  const found = await deps.creatio.getCase(caseId);
  const caseContactId = lookupValue(found?.ContactId);
  if (!caseContactId) return undefined;
  const newestFirst = [...new Set([caseState.sessionId, ...[...caseState.sessionIds].reverse()])].filter(Boolean);
  for (const sessionId of newestFirst) {
    // Ids reach OpenCX URL paths: only the documented shape (validated at ingest too).
    if (!OPENCX_ID_PATTERN.test(sessionId)) continue;
    const session = await deps.store.getSession(sessionId);
    if (!session || session.value.status === 'closed') continue;
    if (lookupValue(session.value.creatioContactId) === caseContactId) return sessionId;
  }
  return undefined;
};

/** The note on the case when no conversation may receive the reply. */
export const noVerifiedSessionNote = (input: { readonly sessionUrl: string | undefined }): { readonly title: string; readonly body: string } => ({
  title: 'Reply not delivered: no open conversation with this contact',
  body: [
    'Your reply on this case was NOT sent to the customer.',
    "Replies are delivered only to an open OpenCX conversation of the case's contact whose identity the channel proves: their email address on email, their phone number on WhatsApp, SMS or phone. There is none: the conversation was closed, or the person who wrote in could not be shown to be this contact (for example an email address typed into a web chat).",
    [
      'What to do:',
      "- Reply by email from Creatio to the contact's address, or call them.",
      ...(input.sessionUrl ? [`- Check the conversation in OpenCX: ${input.sessionUrl}`] : []),
    ].join('\n'),
    'This reply is not sent later by itself.',
  ].join('\n\n'),
});
