/**
 * Customer attachments (OpenCX → Creatio) become files on their activity (issue 15).
 *
 * `planCustomerFiles` (pure) decides per attachment, before anything is written: upload it, or keep
 * it as the link the activity body already lists, with the reason (no URL, not https, a host off the
 * tenant's list, a private address, or a declared size over the tenant's limit). Its `notes` go into
 * the activity body when the activity is written, so a rep reads the reason next to the link.
 *
 * `storeCustomerFiles` (I/O) runs after the activity is written: for each planned upload it opens the
 * safe download and streams it into `ActivityFile(<deterministic id>)/Data`, one file at a time (memory
 * stays at a few stream buffers whatever the size). A refusal discovered while downloading (a redirect
 * to the metadata endpoint, a name resolving to a private address, more bytes than declared, a server
 * that stalls) removes any half-made file record and appends the reason to the activity body (one
 * PATCH per message). A transient failure (network, 5xx, Creatio unavailable) is thrown: the event is
 * redelivered, and the deterministic file ids and whole-content PUT make the retry converge.
 */
import { PermanentError } from '../../errors';
import { type ActivityFilePort, activityFileId, uploadActivityFile } from '../../creatio/activity-files';
import { DownloadRefusedError, checkUrl, openDownload, type DownloadDeps, type OpenedDownload } from '../../net/safe-download';
import type { OpenCxMessage, OpenCxMessageAttachment } from '../../opencx/messages';
import type { TenantConfig } from '../../schemas/tenant-config';
import { formatBytes } from '../render/attachments';

export interface CustomerFilePolicy {
  readonly maxFileBytes: number;
  readonly allowedHosts: readonly string[];
  readonly downloadTimeoutMs: number;
  /** Local mode only (sandboxes on 127.0.0.1 over http). */
  readonly allowLoopbackHttp: boolean;
}

export const customerFilePolicy = (config: TenantConfig, allowLoopbackHttp: boolean): CustomerFilePolicy => ({
  maxFileBytes: config.attachments.maxFileBytes,
  allowedHosts: config.attachments.allowedHosts,
  downloadTimeoutMs: config.attachments.downloadTimeoutMs,
  allowLoopbackHttp,
});

export type PlannedFile =
  | { readonly action: 'upload'; readonly attachment: OpenCxMessageAttachment; readonly fileId: string; readonly url: string }
  | { readonly action: 'link'; readonly attachment: OpenCxMessageAttachment; readonly reason: string };

export interface FilePlan {
  readonly files: readonly PlannedFile[];
  /** Lines for the activity body ('' when every file will be stored). */
  readonly notes: string;
}

const noteLine = (attachment: OpenCxMessageAttachment, reason: string): string => `- ${attachment.name}: ${reason}`;

/** Sentences for files that stay links; '' when there are none. */
export const linkNotes = (lines: readonly string[]): string => (lines.length ? ['Not stored in Creatio (open with the link above):', ...lines].join('\n') : '');

/** Pure: which attachments of a message are stored as Creatio files, which stay links and why. */
export const planCustomerFiles = (
  message: Pick<OpenCxMessage, 'id' | 'attachments'>,
  context: { readonly tenant: string; readonly sessionId: string; readonly policy: CustomerFilePolicy },
): FilePlan => {
  const { policy } = context;
  const files = message.attachments.map((attachment): PlannedFile => {
    if (!attachment.url) return { action: 'link', attachment, reason: 'OpenCX gave no download link' };
    if (attachment.size !== undefined && attachment.size > policy.maxFileBytes) {
      return { action: 'link', attachment, reason: `${formatBytes(attachment.size)} is over the ${formatBytes(policy.maxFileBytes)} limit for files` };
    }
    try {
      checkUrl(attachment.url, policy);
    } catch (error) {
      if (error instanceof DownloadRefusedError) return { action: 'link', attachment, reason: error.readable };
      throw error;
    }
    return { action: 'upload', attachment, url: attachment.url, fileId: activityFileId(context.tenant, context.sessionId, message.id, attachment.id) };
  });
  const lines = files.flatMap((file) => (file.action === 'link' ? [noteLine(file.attachment, file.reason)] : []));
  return { files, notes: linkNotes(lines) };
};

/** The rep-facing reason a download did not give us the file. */
const downloadReason = (error: unknown, policy: CustomerFilePolicy): string => {
  if (error instanceof DownloadRefusedError) return error.reason === 'too_large' ? `larger than the ${formatBytes(policy.maxFileBytes)} limit for files` : error.readable;
  return 'the file could not be downloaded from OpenCX just now';
};

export interface StoreFilesInput {
  readonly activityId: string;
  /** The body the activity was written with (refusals found while downloading are appended to it). */
  readonly activityBody: string;
  readonly plan: FilePlan;
  readonly policy: CustomerFilePolicy;
  /** The consumer's deadline. */
  readonly signal?: AbortSignal;
}

export interface StoreFilesResult {
  readonly stored: number;
  readonly bytes: number;
  readonly refused: readonly { readonly name: string; readonly reason: string }[];
}

export type CustomerFilesCreatio = ActivityFilePort;

/** I/O: downloads and stores the planned files of one activity. */
export const storeCustomerFiles = async (creatio: CustomerFilesCreatio, input: StoreFilesInput, deps: DownloadDeps = {}): Promise<StoreFilesResult> => {
  const { policy } = input;
  let stored = 0;
  let bytes = 0;
  const refused: { name: string; reason: string }[] = [];
  const refuse = (name: string, reason: string) => refused.push({ name, reason });
  for (const file of input.plan.files) {
    if (file.action !== 'upload') continue;
    let download: OpenedDownload;
    try {
      download = await openDownload(
        file.url,
        {
          maxBytes: policy.maxFileBytes,
          allowedHosts: policy.allowedHosts,
          allowLoopbackHttp: policy.allowLoopbackHttp,
          timeoutMs: policy.downloadTimeoutMs,
          ...(input.signal ? { signal: input.signal } : {}),
        },
        deps,
      );
    } catch (error) {
      // A download that cannot start (refused, host unknown, OpenCX storage failing) keeps the link: the
      // conversation is not held up for a copy of a file the rep can still open.
      refuse(file.attachment.name, downloadReason(error, policy));
      continue;
    }
    try {
      const size = download.contentLength ?? file.attachment.size ?? 0;
      const result = await uploadActivityFile(creatio, { id: file.fileId, activityId: input.activityId, name: file.attachment.name, size }, download.body, {
        timeoutMs: policy.downloadTimeoutMs,
      });
      stored += 1;
      bytes += result.bytes;
    } catch (error) {
      download.body.destroy();
      const failedDownload = download.sourceError();
      if (failedDownload || error instanceof DownloadRefusedError) {
        // A record may exist with part of the content: a link with a reason is better than half a file.
        await creatio.delete('ActivityFile', file.fileId);
        refuse(file.attachment.name, downloadReason(failedDownload ?? error, policy));
      } else if (error instanceof PermanentError) {
        // Creatio refused the file for good (a denied extension, an activity it refused): the link stays.
        await creatio.delete('ActivityFile', file.fileId).catch(() => undefined);
        refuse(file.attachment.name, `Creatio refused the file (${error.status ?? error.kind})`);
      } else throw error; // Creatio unavailable: the event is redelivered and the upload converges.
    }
  }
  if (refused.length) {
    const notes = linkNotes(refused.map((r) => `- ${r.name}: ${r.reason}`));
    try {
      if (!input.activityBody.includes(notes)) await creatio.patch('Activity', input.activityId, { Body: [input.activityBody, notes].filter(Boolean).join('\n\n') });
    } catch (error) {
      // The activity itself was refused (quarantined): there is no body to add the reason to.
      if (!(error instanceof PermanentError)) throw error;
    }
  }
  return { stored, bytes, refused };
};

/** What the sync's plan holds for one message's files: the decisions and the body its activity was written with. */
export interface PlannedMessageFiles {
  readonly activityId: string;
  readonly files?: { readonly plan: FilePlan; readonly body: string } | undefined;
}

/** Pure: the files part of one message's plan, and the activity body with the reasons for links. */
export const messageFiles = (
  message: Pick<OpenCxMessage, 'id' | 'attachments'>,
  renderedBody: string,
  context: { readonly tenant: string; readonly sessionId: string; readonly policy: CustomerFilePolicy | undefined },
): { readonly body: string; readonly files: { readonly plan: FilePlan; readonly body: string } | undefined } => {
  const { policy } = context;
  if (!policy || message.attachments.length === 0) return { body: renderedBody, files: undefined };
  const plan = planCustomerFiles(message, { tenant: context.tenant, sessionId: context.sessionId, policy });
  const body = plan.notes ? `${renderedBody}\n\n${plan.notes}` : renderedBody;
  return { body, files: { plan, body } };
};

/**
 * All file downloads of one event together: the consumer Lambda has 60 s, and the batch, the state write
 * and Creatio's retries need their share. A file still downloading when it runs out stays a link ("the
 * download took too long") rather than the event timing out and every file being fetched again.
 */
export const FILES_BUDGET_MS = 30_000;

/** The executor step after the activities are written: each message's files, one at a time, in order. */
export const storePlannedFiles = async (
  messages: readonly PlannedMessageFiles[],
  creatio: CustomerFilesCreatio,
  policy: CustomerFilePolicy | undefined,
  options: { readonly signal?: AbortSignal; readonly budgetMs?: number; readonly deps?: DownloadDeps } = {},
): Promise<{ readonly stored: number; readonly bytes: number; readonly refused: number }> => {
  let stored = 0;
  let bytes = 0;
  let refused = 0;
  if (!policy || !messages.some((m) => m.files?.plan.files.some((f) => f.action === 'upload'))) return { stored, bytes, refused };
  const budget = AbortSignal.timeout(options.budgetMs ?? FILES_BUDGET_MS);
  const signal = options.signal ? AbortSignal.any([budget, options.signal]) : budget;
  for (const message of messages) {
    if (!message.files?.plan.files.some((f) => f.action === 'upload')) continue;
    const result = await storeCustomerFiles(creatio, { activityId: message.activityId, activityBody: message.files.body, plan: message.files.plan, policy, signal }, options.deps);
    stored += result.stored;
    bytes += result.bytes;
    refused += result.refused.length;
  }
  return { stored, bytes, refused };
};
