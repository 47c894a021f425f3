/**
 * A rep's files on a Creatio reply (ActivityFile records of the activity) sent with the reply through
 * OpenCX's send API (issue 15). OpenCX takes attachments as `{name, mime_type, url | base64}`
 * (reference opencx.md §1.3); Creatio file content needs our OAuth token to read, so OpenCX cannot
 * fetch it by URL: the bridge reads it and sends base64.
 *
 * Limits (pure, `checkReplyFile`):
 * - WhatsApp Cloud API media: images jpeg/png ≤ 5 MB; audio aac/amr/mpeg/mp4/ogg ≤ 16 MB; video
 *   mp4/3gpp ≤ 16 MB; documents (pdf, office, text) ≤ 100 MB; other types are not delivered.
 * - Email: providers refuse messages over ~25 MB; base64 grows a file by a third: ≤ 18 MB in total.
 * - Web chat: OpenCX's widget takes uploads up to 5 MB (reference §1.5).
 * - OpenCX's own send body: undocumented; we keep a reply's files ≤ 5 MB together (≈ 6.7 MB of base64),
 *   the largest upload OpenCX documents anywhere.
 * A file that cannot be sent is named, with the reason, in a note on the case; the rest is sent.
 */
import { type ActivityFileRecord, listActivityFiles, safeFileName } from '../../creatio/activity-files';
import type { CreatioClient } from '../../creatio';
import type { SendMessageAttachment } from '../../opencx/client';
import { formatBytes } from '../render/attachments';
import { caseCustomData, withCaseReference } from './case-reference';

const MB = 1024 * 1024;
/** The most OpenCX's send is given per file and per message (see above). */
export const OPENCX_MAX_FILE_BYTES = 5 * MB;
export const OPENCX_MAX_TOTAL_BYTES = 5 * MB;

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  txt: 'text/plain',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  amr: 'audio/amr',
  mp4: 'video/mp4',
  '3gp': 'video/3gpp',
  zip: 'application/zip',
};

/** Creatio stores no MIME type for a file: it is taken from the name's extension. */
export const mimeTypeFor = (name: string): string => {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 && MIME_BY_EXTENSION[name.slice(dot + 1).toLowerCase()]) || 'application/octet-stream';
};

const WHATSAPP_DOCUMENTS = new Set([
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
]);

/** Per-file limit of a channel for a MIME type; undefined = the channel does not take this type. */
const channelLimit = (channel: string | undefined, mime: string): number | undefined => {
  switch ((channel ?? '').toLowerCase()) {
    case 'whatsapp':
      if (mime === 'image/jpeg' || mime === 'image/png') return 5 * MB;
      if (['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'].includes(mime)) return 16 * MB;
      if (mime === 'video/mp4' || mime === 'video/3gpp') return 16 * MB;
      if (WHATSAPP_DOCUMENTS.has(mime)) return 100 * MB;
      return undefined;
    case 'email':
      return 18 * MB;
    case 'sms':
    case 'phone':
    case 'phone_voice':
    case 'web_voice':
      return undefined;
    default:
      return 5 * MB;
  }
};

export type ReplyFileCheck = { readonly ok: true; readonly mimeType: string } | { readonly ok: false; readonly reason: string };

/** Pure: can this file go out on this channel? */
export const checkReplyFile = (file: { readonly name: string; readonly size: number | undefined }, channel: string | undefined): ReplyFileCheck => {
  const mimeType = mimeTypeFor(file.name);
  const limit = channelLimit(channel, mimeType);
  const channelName = channel === 'whatsapp' ? 'WhatsApp' : (channel ?? 'this channel');
  if (limit === undefined) return { ok: false, reason: `${channelName} does not deliver ${mimeType === 'application/octet-stream' ? 'this file type' : mimeType} files` };
  const max = Math.min(limit, OPENCX_MAX_FILE_BYTES);
  if (file.size !== undefined && file.size > max)
    return { ok: false, reason: `${formatBytes(file.size)} is over the ${formatBytes(max)} limit for a file sent through OpenCX on ${channelName}` };
  return { ok: true, mimeType };
};

export interface ReplyFiles {
  readonly attachments: readonly SendMessageAttachment[];
  readonly unsent: readonly { readonly name: string; readonly reason: string }[];
  /** Creatio requests made (one query + one read per file sent). */
  readonly requests: number;
}

export type ReplyFilesCreatio = Pick<CreatioClient, 'query' | 'getBinary'>;

/** The rep's files on the activity, without their content (one query). */
export const listReplyFiles = (creatio: Pick<CreatioClient, 'query'>, activityId: string): Promise<ActivityFileRecord[]> => listActivityFiles(creatio, activityId);

/** I/O: reads the files that can be sent (within the channel's and OpenCX's limits) as base64. */
export const readReplyFiles = async (creatio: ReplyFilesCreatio, files: readonly ActivityFileRecord[], channel: string | undefined): Promise<ReplyFiles> => {
  const attachments: SendMessageAttachment[] = [];
  const unsent: { name: string; reason: string }[] = [];
  let total = 0;
  let requests = 0;
  for (const file of files) {
    const name = safeFileName(String(file.Name ?? 'attachment'));
    const size = typeof file.Size === 'number' ? file.Size : undefined;
    const check = checkReplyFile({ name, size }, channel);
    if (!check.ok) {
      unsent.push({ name, reason: check.reason });
      continue;
    }
    if (size !== undefined && total + size > OPENCX_MAX_TOTAL_BYTES) {
      unsent.push({ name, reason: `the files of one reply may add up to ${formatBytes(OPENCX_MAX_TOTAL_BYTES)}` });
      continue;
    }
    requests += 1;
    const bytes = await creatio.getBinary('ActivityFile', file.Id, 'Data');
    if (!bytes || bytes.length === 0) {
      unsent.push({ name, reason: 'the file has no content in Creatio' });
      continue;
    }
    const checked = checkReplyFile({ name, size: bytes.length }, channel);
    if (!checked.ok || total + bytes.length > OPENCX_MAX_TOTAL_BYTES) {
      unsent.push({ name, reason: checked.ok ? `the files of one reply may add up to ${formatBytes(OPENCX_MAX_TOTAL_BYTES)}` : checked.reason });
      continue;
    }
    total += bytes.length;
    attachments.push({ name, mimeType: check.mimeType, base64: bytes.toString('base64') });
  }
  return { attachments, unsent, requests: requests + 1 };
};

/** The note on the case naming files that did not go out. */
export const unsentFilesNote = (unsent: ReplyFiles['unsent'], delivered: boolean): { readonly title: string; readonly body: string } => ({
  title: `${unsent.length === 1 ? 'An attachment was' : `${unsent.length} attachments were`} not sent to the customer`,
  body: [
    delivered ? 'Your reply was sent to the customer without these files:' : 'Your reply was NOT sent: none of its files can be delivered, and it has no text:',
    ...unsent.map((file) => `- ${file.name}: ${file.reason}`),
    'Send them another way (a link, or by email), or make them smaller.',
  ].join('\n'),
});

/** What the Creatio → OpenCX sync needs for issue 15 (files, case reference); absent = text-only replies. */
export interface ReplyExtrasDeps {
  readonly creatio: Pick<CreatioClient, 'query' | 'getBinary' | 'getCase'>;
  /** Where case links point (the tenant's Creatio). */
  readonly instanceUrl: string;
}

export interface PreparedReply {
  /** The text to send (email: with the case token). */
  readonly text: string;
  readonly attachments: readonly SendMessageAttachment[];
  readonly unsent: ReplyFiles['unsent'];
  readonly customData: Readonly<Record<string, string>> | undefined;
  /** Nothing left to send (no text, no deliverable file). */
  readonly empty: boolean;
}

/** The rep's files on the reply activity, when the extras are on (one query). */
export const replyFilesOf = async (extras: ReplyExtrasDeps | undefined, activityId: string): Promise<readonly ActivityFileRecord[]> =>
  extras ? listReplyFiles(extras.creatio, activityId) : [];

/**
 * I/O: reads the case number (one GET) and the sendable files' content, and decides the text,
 * attachments and session attributes of the send. Without the extras the reply goes as it is.
 */
export const prepareReply = async (
  extras: ReplyExtrasDeps | undefined,
  input: { readonly caseId: string; readonly text: string; readonly files: readonly ActivityFileRecord[]; readonly channel: string | undefined },
): Promise<PreparedReply> => {
  if (!extras) return { text: input.text, attachments: [], unsent: [], customData: undefined, empty: input.text === '' };
  const found = await extras.creatio.getCase(input.caseId);
  const caseNumber = typeof found?.Number === 'string' && found.Number !== '' ? found.Number : undefined;
  const files = input.files.length ? await readReplyFiles(extras.creatio, input.files, input.channel) : { attachments: [], unsent: [], requests: 0 };
  const empty = input.text === '' && files.attachments.length === 0;
  return {
    text: empty ? '' : withCaseReference(input.text, caseNumber, input.channel),
    attachments: files.attachments,
    unsent: files.unsent,
    customData: caseCustomData({ caseId: input.caseId, caseNumber, instanceUrl: extras.instanceUrl }),
    empty,
  };
};
