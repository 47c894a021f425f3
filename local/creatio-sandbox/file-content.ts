/**
 * File content of `ActivityFile` records: `PUT …/ActivityFile(<id>)/Data` (raw bytes,
 * `application/octet-stream`) and `GET …/ActivityFile(<id>)/Data` (creatio-detail.md §3.6, Pattern A).
 *
 * Stored per record id with its size and sha256; the bytes themselves are kept up to `keepBytesUpTo`
 * (so a memory experiment with large files measures the bridge, not the sandbox).
 *
 * The inconvenient side: an upload fault (`dropUploads`) reads part of the body, KEEPS what arrived
 * (a half-written file, as a server that commits what it received would) and drops the connection;
 * `Size` on the record is never corrected by the sandbox: the client must write it right.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface StoredFile {
  readonly size: number;
  readonly sha256: string;
  /** Undefined when the file was larger than `keepBytesUpTo`. */
  readonly bytes?: Buffer;
  /** True when the upload that wrote it was cut off. */
  readonly partial: boolean;
}

export interface UploadFaults {
  /** Cut the next `count` uploads (default 1) after this fraction of the declared length (default 0.5). */
  readonly afterFraction?: number;
  readonly count?: number;
}

export const FILE_DATA_PATH = /^\/(ActivityFile)\(([0-9a-fA-F-]{36})\)\/Data$/;
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

export interface FileContentStore {
  readonly files: ReadonlyMap<string, StoredFile>;
  setUploadFaults(faults: UploadFaults | null): void;
  /** Content written directly (a rep's upload in the UI). */
  put(id: string, bytes: Buffer): void;
  /** Handles PUT/GET of a record's Data; `exists` says whether the record is there. */
  handle(req: IncomingMessage, res: ServerResponse, id: string, exists: boolean): Promise<number>;
  reset(): void;
}

const errorBody = (message: string) => JSON.stringify({ error: { code: '', message } });

export const createFileContentStore = (options: { readonly keepBytesUpTo?: number } = {}): FileContentStore => {
  const files = new Map<string, StoredFile>();
  const keepBytesUpTo = options.keepBytesUpTo ?? 32 * 1024 * 1024;
  let faults: UploadFaults | null = null;
  let faultsLeft = 0;

  const answer = (res: ServerResponse, status: number, body?: string, type = 'application/json; charset=utf-8'): number => {
    if (body === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) }).end(body);
    return status;
  };

  return {
    files,
    setUploadFaults(next) {
      faults = next;
      faultsLeft = next ? (next.count ?? 1) : 0;
    },
    reset() {
      files.clear();
    },
    put(id, bytes) {
      files.set(id.toLowerCase(), { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), partial: false, bytes });
    },
    async handle(req, res, id, exists) {
      const key = id.toLowerCase();
      const method = req.method ?? 'GET';
      if (!exists) {
        req.resume();
        return answer(res, 404, errorBody(`Resource not found for the segment 'ActivityFile'.`));
      }
      if (method === 'GET') {
        const file = files.get(key);
        if (!file) return answer(res, 204);
        if (!file.bytes) return answer(res, 500, errorBody('The sandbox did not keep the bytes of this large file.'));
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(file.bytes.length) }).end(file.bytes);
        return 200;
      }
      if (method !== 'PUT') {
        req.resume();
        return answer(res, 405, errorBody(`The HTTP method '${method}' is not allowed on Data.`));
      }
      const declared = Number(req.headers['content-length']);
      const cutAt = faults && faultsLeft > 0 ? Math.floor((Number.isFinite(declared) && declared > 0 ? declared : 2 * 65536) * (faults.afterFraction ?? 0.5)) : undefined;
      if (cutAt !== undefined) faultsLeft -= 1;
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      return new Promise<number>((resolve) => {
        const store = (partial: boolean) => {
          files.set(key, { size, sha256: hash.digest('hex'), partial, ...(size <= keepBytesUpTo ? { bytes: Buffer.concat(chunks) } : {}) });
        };
        let cut = false;
        req.on('data', (chunk: Buffer) => {
          if (tooLarge || cut) return;
          let part = chunk;
          if (cutAt !== undefined && size + part.length >= cutAt) part = part.subarray(0, cutAt - size);
          size += part.length;
          hash.update(part);
          if (size <= keepBytesUpTo) chunks.push(part);
          else chunks.length = 0;
          if (size > MAX_UPLOAD_BYTES) {
            tooLarge = true;
            resolve(answer(res, 413, errorBody('Maximum request length exceeded.')));
            return;
          }
          if (cutAt !== undefined && size >= cutAt) {
            // What arrived is kept; the client never hears back.
            cut = true;
            store(true);
            req.socket.destroy();
            resolve(0);
          }
        });
        req.on('end', () => {
          if (tooLarge || cut || res.writableEnded) return;
          store(false);
          resolve(answer(res, 204));
        });
        req.on('error', () => resolve(0));
      });
    },
  };
};
