/**
 * Downloads a file from a URL someone else gave us (an OpenCX attachment URL) without letting that
 * URL reach what it should not (SSRF), fill the memory, or outlive the consumer's budget.
 *
 * - `https` only. Local mode (`allowLoopbackHttp`, the sandboxes on 127.0.0.1) also takes `http` to a
 *   loopback host; nothing else changes in local mode (link-local and private stay refused).
 * - An optional allow-list of hosts (tenant config `attachments.allowedHosts`).
 * - The address is checked after DNS resolution, and the connection goes to the address that was
 *   checked (a custom `lookup` on the request), so a name that resolves to 169.254.169.254 or to a
 *   private address is refused, and a second resolution cannot swap it.
 * - Redirects are followed by hand (at most `maxRedirects`), each hop checked like the first URL.
 * - The size cap is checked on `Content-Length` before the body is read, and again while it streams.
 * - A timeout (and/or an AbortSignal from the consumer's deadline) covers connect, headers and body.
 * - The content type is the one the server declared, reduced to `type/subtype`; the bytes are passed on
 *   as they are, never parsed, rendered or executed.
 *
 * Refusals are `DownloadRefusedError` (a PermanentError: a retry will not change them); a network
 * failure, a 5xx or a 429 is a RetryableError; running out of time is a `DownloadRefusedError` with
 * reason `timeout` (the caller keeps the link rather than block the conversation on a slow server).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { Transform, type Readable } from 'node:stream';
import { PermanentError, RetryableError } from '../errors';
import { classifyAddress, isAddressAllowed, isHostAllowed } from './address-policy';

export type DownloadRefusal = 'bad_url' | 'not_https' | 'host_not_allowed' | 'blocked_address' | 'too_many_redirects' | 'too_large' | 'http_status' | 'timeout';

/** Words a rep reads in the activity ("Not stored in Creatio: …"). */
const REASON_TEXT: Record<DownloadRefusal, string> = {
  bad_url: 'the link is not a valid URL',
  not_https: 'the link is not https',
  host_not_allowed: "the link's host is not on the tenant's allowed list",
  blocked_address: 'the link points to a private or internal network address',
  too_many_redirects: 'the link redirects too many times',
  too_large: 'the file is larger than the limit',
  http_status: 'the file could not be downloaded',
  timeout: 'the download took too long',
};

export class DownloadRefusedError extends PermanentError {
  readonly reason: DownloadRefusal;
  constructor(reason: DownloadRefusal, detail?: string) {
    super(`Download refused: ${REASON_TEXT[reason]}${detail ? ` (${detail})` : ''}`, { kind: 'download_refused', code: reason });
    this.reason = reason;
  }
  /** The rep-facing sentence, without internals such as addresses. */
  get readable(): string {
    return REASON_TEXT[this.reason];
  }
}

export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface DownloadPolicy {
  /** Bytes; more is refused with `too_large` (before reading when Content-Length says so, else while reading). */
  readonly maxBytes: number;
  /** Host names (or `*.example.com`) the URL and every redirect must be on; empty or absent = any. */
  readonly allowedHosts?: readonly string[];
  /** Local mode only: http to, and connections to, loopback addresses (the sandboxes). */
  readonly allowLoopbackHttp?: boolean;
  /** Default 3. */
  readonly maxRedirects?: number;
  /** Whole download (connect, headers, body). Default 20 000. */
  readonly timeoutMs?: number;
  /** The consumer's deadline, when it has one: aborting it aborts the download. */
  readonly signal?: AbortSignal;
}

export interface DownloadDeps {
  /** DNS (default `dns.lookup` with all addresses); tests pass a fake to simulate hostile names. */
  readonly resolve?: Resolver;
  /** For tests against a local TLS server. */
  readonly ca?: string | Buffer;
}

export interface OpenedDownload {
  /** The body, capped at `maxBytes`; read it (or destroy it) once. */
  readonly body: Readable;
  /** Declared by the server (`type/subtype` only), or undefined. */
  readonly contentType: string | undefined;
  /** Declared by the server, or undefined (chunked). */
  readonly contentLength: number | undefined;
  /** After redirects. */
  readonly finalUrl: string;
  /** Bytes passed on so far. */
  bytesRead(): number;
  /** Set when the download itself failed (network, cap, timeout), as opposed to whoever reads `body`. */
  sourceError(): Error | undefined;
}

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** `Image/PNG; charset=x` → `image/png`; anything odd → undefined. */
export const cleanContentType = (value: string | null | undefined): string | undefined => {
  const type = (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return MIME.test(type) ? type : undefined;
};

const isLoopbackName = (host: string): boolean => host === 'localhost' || host.endsWith('.localhost') || classifyAddress(host) === 'loopback';

/** The checks that need no network: scheme, host list, literal addresses. */
export const checkUrl = (raw: string, policy: Pick<DownloadPolicy, 'allowedHosts' | 'allowLoopbackHttp'>): URL => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DownloadRefusedError('bad_url');
  }
  if (url.username || url.password) throw new DownloadRefusedError('bad_url', 'credentials in the URL');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopbackHttp = policy.allowLoopbackHttp === true && url.protocol === 'http:' && isLoopbackName(host);
  if (url.protocol !== 'https:' && !loopbackHttp) throw new DownloadRefusedError('not_https', url.protocol);
  if (!isHostAllowed(host, policy.allowedHosts)) throw new DownloadRefusedError('host_not_allowed', host);
  if (isIP(host) && !isAddressAllowed(host, { allowLoopback: policy.allowLoopbackHttp === true })) {
    throw new DownloadRefusedError('blocked_address', classifyAddress(host));
  }
  return url;
};

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http.request that resolves, keeps only allowed addresses, and connects to those. */
const guardedLookup =
  (resolve: Resolver, allowLoopback: boolean, onRefused: (error: DownloadRefusedError) => void) =>
  (hostname: string, options: { all?: boolean } | number | undefined, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        const allowed = addresses.filter((a) => isAddressAllowed(a.address, { allowLoopback }));
        if (allowed.length === 0) {
          const refused = new DownloadRefusedError('blocked_address', addresses.map((a) => classifyAddress(a.address)).join(','));
          onRefused(refused);
          callback(refused, '', 4);
          return;
        }
        const wantsAll = typeof options === 'object' && options?.all === true;
        if (wantsAll) callback(null, allowed);
        else callback(null, allowed[0]!.address, allowed[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };

const capStream = (maxBytes: number, counter: { bytes: number; failure?: Error }): Transform =>
  new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.bytes += chunk.length;
      if (counter.bytes > maxBytes) {
        counter.failure ??= new DownloadRefusedError('too_large', `more than ${maxBytes} bytes`);
        done(counter.failure);
        return;
      }
      done(null, chunk);
    },
  });

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Opens the download: follows redirects, checks every hop, and resolves once a 2xx answer's headers
 * have arrived and its declared length is under the cap. The caller streams `body` onwards.
 */
export const openDownload = async (rawUrl: string, policy: DownloadPolicy, deps: DownloadDeps = {}): Promise<OpenedDownload> => {
  const resolve = deps.resolve ?? systemResolver;
  const allowLoopback = policy.allowLoopbackHttp === true;
  const maxRedirects = policy.maxRedirects ?? 3;
  const timeoutMs = policy.timeoutMs ?? 20_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = policy.signal ? AbortSignal.any([timeout, policy.signal]) : timeout;
  const timedOut = (): DownloadRefusedError => new DownloadRefusedError('timeout', `${timeoutMs} ms`);
  if (signal.aborted) throw timedOut();

  let url = checkUrl(rawUrl, policy);
  for (let hop = 0; ; hop += 1) {
    let refused: DownloadRefusedError | undefined;
    const transport = url.protocol === 'https:' ? https : http;
    const response = await new Promise<http.IncomingMessage>((done, fail) => {
      const request = transport.request(
        url,
        {
          method: 'GET',
          headers: { accept: '*/*', 'accept-encoding': 'identity', 'user-agent': 'opencx-creatio-sync' },
          lookup: guardedLookup(resolve, allowLoopback, (error) => (refused = error)) as unknown as typeof dnsLookup,
          signal,
          // Each download gets its own connection: the address check must run for it.
          agent: false,
          ...(deps.ca ? { ca: deps.ca } : {}),
        },
        done,
      );
      request.on('error', (error) => fail(error));
      request.end();
    }).catch((error: unknown) => {
      if (refused) throw refused;
      if (signal.aborted) throw timedOut();
      const code = (error as { code?: string }).code ?? (error as Error).name;
      throw new RetryableError(`Attachment download failed: network error (${code})`, { kind: 'network', cause: error });
    });

    const status = response.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      response.resume();
      const location = response.headers.location;
      if (!location) throw new DownloadRefusedError('http_status', `${status} without Location`);
      if (hop >= maxRedirects) throw new DownloadRefusedError('too_many_redirects', `more than ${maxRedirects}`);
      url = checkUrl(new URL(location, url).toString(), policy);
      continue;
    }
    if (status === 429 || status >= 500) {
      response.resume();
      throw new RetryableError(`Attachment download answered ${status}`, { kind: status === 429 ? 'throttled' : 'server_error' });
    }
    if (status < 200 || status >= 300) {
      response.resume();
      throw new DownloadRefusedError('http_status', String(status));
    }

    const declared = Number(response.headers['content-length']);
    const contentLength = Number.isFinite(declared) && declared >= 0 && response.headers['content-length'] !== undefined ? declared : undefined;
    if (contentLength !== undefined && contentLength > policy.maxBytes) {
      response.destroy();
      throw new DownloadRefusedError('too_large', `${contentLength} bytes declared`);
    }
    const counter: { bytes: number; failure?: Error } = { bytes: 0 };
    const cap = capStream(policy.maxBytes, counter);
    let closed = false;
    const fail = (error: Error) => {
      if (closed) return; // the reader gave up first: that is not a failure of the download
      counter.failure ??= error;
      cap.destroy(counter.failure);
    };
    cap.once('close', () => {
      closed = true;
      response.destroy();
    });
    response.on('error', (error) => fail(signal.aborted ? timedOut() : error));
    response.on('aborted', () => fail(signal.aborted ? timedOut() : new RetryableError('Attachment download was cut off', { kind: 'network' })));
    signal.addEventListener('abort', () => fail(timedOut()), { once: true });
    response.pipe(cap);
    return {
      body: cap,
      contentType: cleanContentType(response.headers['content-type']),
      contentLength,
      finalUrl: url.toString(),
      bytesRead: () => counter.bytes,
      sourceError: () => counter.failure,
    };
  }
};
