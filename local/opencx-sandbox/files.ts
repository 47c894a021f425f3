/**
 * Attachment bytes, as OpenCX's file storage serves them to the bridge: `GET /files/<id>/<name>`,
 * unauthenticated (OpenCX attachment URLs are public links). Files are either given bytes, or
 * generated content of any size streamed in 64 KB blocks (a 25 MB file is never allocated).
 *
 * Hostile shapes for the bridge's safe download: `redirectTo` (e.g. to the cloud metadata endpoint),
 * `stallAfterBytes` (a slow server that stops sending), `announcedSize` (a Content-Length larger than
 * what is sent: "oversized"), `chunked` (no Content-Length, so the size is only known while reading).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const BLOCK = 64 * 1024;

export interface HostFileInput {
  readonly name: string;
  /** MIME type sent as Content-Type. */
  readonly type: string;
  /** Exact content; otherwise `size` bytes generated from `seed`. */
  readonly bytes?: Buffer;
  readonly size?: number;
  readonly seed?: string;
  /** Answer 302 with this Location instead of the bytes. */
  readonly redirectTo?: string;
  /** Send this many bytes, then nothing more (the connection stays open). */
  readonly stallAfterBytes?: number;
  /** Content-Length to declare (default: the real size). */
  readonly announcedSize?: number;
  /** No Content-Length (chunked transfer). */
  readonly chunked?: boolean;
}

interface HostedFile extends HostFileInput {
  readonly id: string;
  fetches: number;
}

const block = (seed: string): Buffer => {
  const out = Buffer.alloc(BLOCK);
  let digest = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < BLOCK; offset += digest.length) {
    digest.copy(out, offset);
    digest = createHash('sha256').update(digest).digest();
  }
  return out;
};

/** The generated content of a file, block by block (the n-th block carries n in its first 4 bytes). */
export function* generatedContent(seed: string, size: number): Generator<Buffer> {
  const base = block(seed);
  for (let offset = 0, n = 0; offset < size; offset += BLOCK, n += 1) {
    const chunk = Buffer.from(base.subarray(0, Math.min(BLOCK, size - offset)));
    if (chunk.length >= 4) chunk.writeUInt32BE(n, 0);
    yield chunk;
  }
}

/** sha256 of generated content, computed without holding it. */
export const generatedSha256 = (seed: string, size: number): string => {
  const hash = createHash('sha256');
  for (const chunk of generatedContent(seed, size)) hash.update(chunk);
  return hash.digest('hex');
};

export interface FileHost {
  host(input: HostFileInput, origin: string): { id: string; url: string; size: number; sha256?: string };
  /** How many times each file was requested. */
  fetches(id: string): number;
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  reset(): void;
}

export const createFileHost = (): FileHost => {
  const files = new Map<string, HostedFile>();
  let counter = 0;
  return {
    host(input, origin) {
      counter += 1;
      const id = `f${counter}`;
      files.set(id, { ...input, id, fetches: 0 });
      const size = input.bytes?.length ?? input.size ?? 0;
      const sha256 = input.bytes ? createHash('sha256').update(input.bytes).digest('hex') : undefined;
      return { id, url: `${origin}/files/${id}/${encodeURIComponent(input.name)}`, size, ...(sha256 ? { sha256 } : {}) };
    },
    fetches: (id) => files.get(id)?.fetches ?? 0,
    reset: () => files.clear(),
    handle(req, res, path) {
      const match = /^\/files\/([^/]+)\/[^/]+$/.exec(path);
      if (!match) return false;
      const file = files.get(match[1]!);
      if (!file || (req.method ?? 'GET') !== 'GET') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 404, message: 'Not Found' }));
        return true;
      }
      file.fetches += 1;
      if (file.redirectTo) {
        res.writeHead(302, { location: file.redirectTo }).end();
        return true;
      }
      const size = file.bytes?.length ?? file.size ?? 0;
      const headers: Record<string, string> = { 'content-type': file.type, 'cache-control': 'private, max-age=300' };
      if (!file.chunked) headers['content-length'] = String(file.announcedSize ?? size);
      res.writeHead(200, headers);
      const chunks = file.bytes ? [file.bytes] : generatedContent(file.seed ?? file.id, size);
      let sent = 0;
      const limit = file.stallAfterBytes ?? (file.announcedSize !== undefined && file.announcedSize > size ? Math.min(size, BLOCK) : Number.POSITIVE_INFINITY);
      const iterator = chunks[Symbol.iterator]();
      const pump = (): void => {
        for (;;) {
          if (sent >= limit) return; // stall: keep the connection open, send nothing more
          const next = iterator.next();
          if (next.done) {
            res.end();
            return;
          }
          const chunk = sent + next.value.length > limit ? next.value.subarray(0, limit - sent) : next.value;
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      res.on('close', () => undefined);
      pump();
      return true;
    },
  };
};
