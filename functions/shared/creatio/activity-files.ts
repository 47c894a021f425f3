/**
 * Files on a Creatio activity (creatio-detail.md §3.6, Pattern A): an `ActivityFile` record
 * `{Id, Name, Size, ActivityId, TypeId: File}`, then its bytes with `PUT …/ActivityFile(<id>)/Data`
 * as `application/octet-stream`. The reverse (a rep's files on a reply) reads the records of an
 * activity and `GET …/Data`.
 *
 * Exactly once: the record id is deterministic (tenant, session, message, attachment), so a retried
 * create meets its own record; the content PUT replaces the whole content, so an upload cut off
 * half-way and sent again converges on one complete file. The bytes streamed are counted, and when
 * they differ from the `Size` written on the record (a server that declared no length, or the wrong
 * one), `Size` is corrected.
 */
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deterministicId } from '../ids';
import type { CreatioClient } from './creatio-client';
import { filter } from './odata-query';

/** FileType lookup (creatio-detail.md §3.7, High). */
export const FileTypeIds = {
  File: '529bc2f8-0ee0-df11-971b-001d60e938c6',
  Link: '539bc2f8-0ee0-df11-971b-001d60e938c6',
  EntityLink: '549bc2f8-0ee0-df11-971b-001d60e938c6',
} as const;

/** `Name` is a MediumText column (250). */
const MAX_FILE_NAME = 250;

export type ActivityFilePort = Pick<CreatioClient, 'post' | 'patch' | 'delete' | 'putBinary' | 'getBinary' | 'query'>;

export interface ActivityFileRecord {
  readonly Id: string;
  readonly Name?: string;
  readonly Size?: number;
  readonly ActivityId?: string;
  readonly TypeId?: string;
  readonly Inline?: boolean;
  readonly [column: string]: unknown;
}

/** The id of the Creatio file made from one OpenCX attachment. */
export const activityFileId = (tenant: string, sessionId: string, messageId: string, attachmentId: string): string =>
  deterministicId(tenant, 'activity-file', sessionId, messageId, attachmentId);

/** A file name Creatio stores and a rep can open: no path, no control characters, at most 250 characters. */
export const safeFileName = (name: string): string => {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim() || 'attachment';
  if (clean.length <= MAX_FILE_NAME) return clean;
  const dot = clean.lastIndexOf('.');
  const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
  return `${clean.slice(0, MAX_FILE_NAME - ext.length - 1)}…${ext}`;
};

export interface ActivityFileInput {
  readonly id: string;
  readonly activityId: string;
  readonly name: string;
  /** Bytes expected (declared by the source); corrected after the upload if the stream differed. */
  readonly size: number;
}

export interface UploadResult {
  /** Bytes sent to Creatio. */
  readonly bytes: number;
  /** Whether the record was new (false: a retry met the record an earlier attempt created). */
  readonly created: boolean;
}

/**
 * Creates the file record (or finds it) and streams the content into it. `content` is read once; a
 * failure mid-way leaves a record whose content a later call replaces whole.
 */
export const uploadActivityFile = async (
  creatio: ActivityFilePort,
  input: ActivityFileInput,
  content: Readable | Buffer,
  options: { readonly timeoutMs?: number } = {},
): Promise<UploadResult> => {
  const { created } = await creatio.post('ActivityFile', {
    Id: input.id,
    Name: safeFileName(input.name),
    ActivityId: input.activityId,
    TypeId: FileTypeIds.File,
    Size: input.size,
  });
  const counted = { bytes: 0 };
  if (Buffer.isBuffer(content)) {
    counted.bytes = content.length;
    await creatio.putBinary('ActivityFile', input.id, 'Data', content, options);
  } else {
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        counted.bytes += chunk.length;
        done(null, chunk);
      },
    });
    // The PUT reads `counter`; the pipeline carries a source failure (cap, timeout) into the PUT and back.
    const piping = pipeline(content, counter);
    const [upload] = await Promise.allSettled([creatio.putBinary('ActivityFile', input.id, 'Data', counter, options), piping]);
    const piped = await piping.then(
      () => undefined,
      (error: unknown) => error,
    );
    if (piped !== undefined) throw piped;
    if (upload.status === 'rejected') throw upload.reason;
  }
  if (counted.bytes !== input.size) await creatio.patch('ActivityFile', input.id, { Size: counted.bytes });
  return { bytes: counted.bytes, created };
};

/** The files a rep attached to an activity (type File only; links are not content). */
export const listActivityFiles = async (creatio: Pick<CreatioClient, 'query'>, activityId: string): Promise<ActivityFileRecord[]> => {
  const page = await creatio.query<ActivityFileRecord>('ActivityFile', {
    filter: filter.eq('ActivityId', activityId),
    select: ['Id', 'Name', 'Size', 'TypeId', 'Inline', 'CreatedOn'],
    orderBy: ['CreatedOn asc'],
    top: 50,
  });
  return page.value.filter((file) => !file.TypeId || file.TypeId.toLowerCase() === FileTypeIds.File);
};
