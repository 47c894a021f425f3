/**
 * Traceability between a Creatio case and its OpenCX conversation (issue 15). Pure.
 *
 * - On the OpenCX session: OpenCX has no endpoint that writes session attributes on their own
 *   (`PATCH /chat/sessions/{id}` takes status fields only). Its send API merges a top-level
 *   `custom_data` into the session, returned by Get Session and shown to Inbox agents, never to the
 *   customer (reference §1.3). So the case number, id and link ride along with every agent reply the
 *   bridge sends (no extra request, nothing extra to the customer). Before the first reply, the
 *   mapping is in the bridge's state (SESSION record → case id) and on the case itself (the first
 *   activity's "View session in OpenCX" link, and the optional session-id column).
 * - In email replies: OpenCX's send API has no subject field (OpenCX keeps the thread's subject and
 *   its own `[ticket]` token), so the case number cannot be put into the subject through the
 *   documented API. It goes at the end of the reply text as `[SR00001234]`, which Creatio's email
 *   binding finds in the body when `ConnectEmailsByCaseNumberInBody` is on, and which a customer
 *   quoting the reply carries back.
 */

/** Classic UI case page; Freedom UI instances redirect it to their own form. */
export const caseUrl = (instanceUrl: string, caseId: string): string => `${instanceUrl.replace(/\/+$/, '')}/0/Nui/ViewModule.aspx#CardModuleV2/CasePage/edit/${caseId}`;

/** Session attributes written with each agent reply. */
export const caseCustomData = (input: { readonly caseId: string; readonly caseNumber: string | undefined; readonly instanceUrl: string }): Record<string, string> => ({
  creatio_case_id: input.caseId,
  ...(input.caseNumber ? { creatio_case_number: input.caseNumber } : {}),
  creatio_case_url: caseUrl(input.instanceUrl, input.caseId),
});

/** `SR00001234` → `[SR00001234]`. */
export const caseToken = (caseNumber: string): string => `[${caseNumber}]`;

/** Email replies end with the case token (once); other channels are left as they are. */
export const withCaseReference = (text: string, caseNumber: string | undefined, channel: string | undefined): string => {
  if (!caseNumber || (channel ?? '').toLowerCase() !== 'email' || text.includes(caseToken(caseNumber))) return text;
  return text.trim() === '' ? `Case reference: ${caseToken(caseNumber)}` : `${text}\n\nCase reference: ${caseToken(caseNumber)}`;
};
