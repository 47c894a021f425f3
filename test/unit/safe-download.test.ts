import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyAddress, isHostAllowed } from '../../functions/shared/net/address-policy';
import { DownloadRefusedError, checkUrl, openDownload, type Resolver } from '../../functions/shared/net/safe-download';
import { RetryableError } from '../../functions/shared/errors';

let server: Server;
let base: string;
const pdf = Buffer.from(`%PDF-1.7\n${'x'.repeat(5000)}`);

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/file.pdf') {
      res.writeHead(200, { 'content-type': 'Application/PDF; name="a.pdf"', 'content-length': String(pdf.length) });
      res.end(pdf);
    } else if (path === '/redirect-to-metadata') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' });
      res.end();
    } else if (path === '/redirect-to-metadata-https') {
      res.writeHead(307, { location: 'https://169.254.169.254/latest/meta-data/' });
      res.end();
    } else if (path === '/redirect-to-file') {
      res.writeHead(301, { location: '/file.pdf' });
      res.end();
    } else if (path === '/loop') {
      res.writeHead(302, { location: '/loop' });
      res.end();
    } else if (path === '/huge-declared') {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(25 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
      // never finishes: the client must not wait for 25 MB
    } else if (path === '/lying-chunked') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 20; i += 1) res.write(Buffer.alloc(1024, i));
      res.end();
    } else if (path === '/slow') {
      res.writeHead(200, { 'content-type': 'audio/ogg', 'content-length': '100000' });
      res.write(Buffer.alloc(10));
    } else if (path === '/gone') {
      res.writeHead(404).end();
    } else if (path === '/busy') {
      res.writeHead(503).end();
    } else {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const local = { maxBytes: 10_000, allowLoopbackHttp: true, timeoutMs: 2_000 } as const;
const readAll = async (body: NodeJS.ReadableStream): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
const refusal = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DownloadRefusedError) return error.reason;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('which URLs and addresses a download may reach', () => {
  it('refuses plain http outside local mode, and http to a non-loopback host even in local mode', () => {
    expect(() => checkUrl('http://files.example.net/a.pdf', { allowLoopbackHttp: false })).toThrow(/not https/);
    expect(() => checkUrl('http://files.example.net/a.pdf', { allowLoopbackHttp: true })).toThrow(/not https/);
    expect(checkUrl('http://127.0.0.1:9/a.pdf', { allowLoopbackHttp: true }).hostname).toBe('127.0.0.1');
  });

  it('refuses the metadata endpoint, link-local and private literals, in local mode too', () => {
    for (const url of ['https://169.254.169.254/latest/meta-data', 'https://[fe80::1]/', 'https://10.0.0.7/a', 'https://192.168.1.2/a', 'https://[::ffff:169.254.169.254]/']) {
      expect(() => checkUrl(url, { allowLoopbackHttp: true })).toThrow(DownloadRefusedError);
    }
    expect(() => checkUrl('https://127.0.0.1/a', { allowLoopbackHttp: false })).toThrow(/private or internal/);
    // Other spellings of the metadata address are normalised by the URL parser and refused the same way.
    for (const url of ['https://2852039166/', 'https://0xA9FEA9FE/', 'https://169.254.43518/', 'https://[::ffff:a9fe:a9fe]/']) {
      expect(() => checkUrl(url, { allowLoopbackHttp: true })).toThrow(/private or internal/);
    }
  });

  it('classifies addresses, mapped IPv6 included', () => {
    expect(classifyAddress('169.254.169.254')).toBe('link_local');
    expect(classifyAddress('::ffff:10.1.2.3')).toBe('private');
    expect(classifyAddress('fd00:ec2::254')).toBe('link_local');
    expect(classifyAddress('100.64.0.1')).toBe('private');
    expect(classifyAddress('93.184.216.34')).toBe('public');
  });

  it('honours the tenant allow-list, with *.domain for subdomains', () => {
    expect(isHostAllowed('cdn.open.cx', ['*.open.cx'])).toBe(true);
    expect(isHostAllowed('open.cx.evil.net', ['*.open.cx'])).toBe(false);
    expect(() => checkUrl('https://evil.example/a', { allowedHosts: ['files.open.cx'] })).toThrow(/allowed list/);
  });
});

describe('downloading an attachment', () => {
  it('streams the bytes with the declared type and length', async () => {
    const download = await openDownload(`${base}/file.pdf`, local);
    const bytes = await readAll(download.body);

    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(pdf).digest('hex'));
    expect(download.contentType).toBe('application/pdf');
    expect(download.contentLength).toBe(pdf.length);
    expect(download.bytesRead()).toBe(pdf.length);
  });

  it('follows a redirect to an allowed place', async () => {
    const download = await openDownload(`${base}/redirect-to-file`, local);
    expect((await readAll(download.body)).length).toBe(pdf.length);
  });

  it('refuses a redirect to the cloud metadata endpoint', async () => {
    expect(await refusal(openDownload(`${base}/redirect-to-metadata`, local))).toBe('not_https');
    expect(await refusal(openDownload(`${base}/redirect-to-metadata-https`, local))).toBe('blocked_address');
  });

  it('refuses a name that resolves to a link-local or private address (checked after DNS)', async () => {
    const hostile: Resolver = async () => [{ address: '169.254.169.254', family: 4 }];
    const privateNet: Resolver = async () => [{ address: '10.0.0.8', family: 4 }];
    const port = new URL(base).port;

    expect(await refusal(openDownload(`http://files.localhost:${port}/file.pdf`, local, { resolve: hostile }))).toBe('blocked_address');
    expect(await refusal(openDownload(`http://files.localhost:${port}/file.pdf`, local, { resolve: privateNet }))).toBe('blocked_address');
  });

  it('connects to the address it checked', async () => {
    const toLoopback: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const port = new URL(base).port;
    const download = await openDownload(`http://files.localhost:${port}/file.pdf`, local, { resolve: toLoopback });
    expect((await readAll(download.body)).length).toBe(pdf.length);
  });

  it('stops after too many redirects', async () => {
    expect(await refusal(openDownload(`${base}/loop`, local))).toBe('too_many_redirects');
  });

  it('refuses a file whose declared length is over the cap without reading it', async () => {
    expect(await refusal(openDownload(`${base}/huge-declared`, local))).toBe('too_large');
  });

  it('stops a body that grows past the cap while streaming', async () => {
    const download = await openDownload(`${base}/lying-chunked`, local);
    expect(await refusal(readAll(download.body))).toBe('too_large');
    expect(download.bytesRead()).toBeLessThanOrEqual(11 * 1024);
  });

  it('gives up on a server that stalls, within the timeout', async () => {
    const download = await openDownload(`${base}/slow`, { ...local, maxBytes: 200_000, timeoutMs: 300 });
    expect(await refusal(readAll(download.body))).toBe('timeout');
  });

  it('treats an expired link as refused and a busy server as retryable', async () => {
    expect(await refusal(openDownload(`${base}/gone`, local))).toBe('http_status');
    await expect(openDownload(`${base}/busy`, local)).rejects.toBeInstanceOf(RetryableError);
  });
});
