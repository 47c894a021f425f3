import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermanentError, RetryableError } from '../../functions/shared/errors';
import { messageFiles, storePlannedFiles, type CustomerFilePolicy, type CustomerFilesCreatio } from '../../functions/shared/sync/attachments/customer-files';

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok.pdf') res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': '5' }).end('%PDF-');
    else if (req.url === '/stall.ogg') {
      res.writeHead(200, { 'content-type': 'audio/ogg', 'content-length': '1000' });
      res.write(Buffer.alloc(10));
    } else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A Creatio that records what the files step asked of it; PUT reads the whole stream. */
const fakeCreatio = (options: { putFails?: Error } = {}) => {
  const calls: string[] = [];
  const bodies: Record<string, unknown>[] = [];
  const creatio = {
    post: async (collection: string, body: Record<string, unknown>) => {
      calls.push(`POST ${collection}`);
      return { record: { Id: String(body.Id) }, created: true };
    },
    putBinary: async (_c: string, _id: string, _p: string, body: AsyncIterable<Uint8Array> | Uint8Array) => {
      calls.push('PUT Data');
      if (options.putFails) throw options.putFails;
      if (!(body instanceof Uint8Array)) for await (const _chunk of body) void _chunk;
    },
    patch: async (collection: string, _id: string, changes: Record<string, unknown>) => {
      calls.push(`PATCH ${collection}`);
      bodies.push(changes);
    },
    delete: async (collection: string) => {
      calls.push(`DELETE ${collection}`);
    },
  } as unknown as CustomerFilesCreatio;
  return { creatio, calls, bodies };
};

const policy: CustomerFilePolicy = { maxFileBytes: 10_000, allowedHosts: [], downloadTimeoutMs: 5_000, allowLoopbackHttp: true };
const planned = (attachments: { id: string; name: string; url: string }[]) => {
  const message = { id: 'm1', attachments: attachments.map((a) => ({ ...a, type: 'application/octet-stream' })) };
  const { files } = messageFiles(message, 'Body of the email', { tenant: 'example', sessionId: 's1', policy });
  return [{ activityId: 'a1', files }];
};

describe('storing a message’s files after its activity', () => {
  it('stores a file in two Creatio requests', async () => {
    const { creatio, calls } = fakeCreatio();

    const result = await storePlannedFiles(planned([{ id: 'f1', name: 'ok.pdf', url: `${base}/ok.pdf` }]), creatio, policy);

    expect(result).toEqual({ stored: 1, bytes: 5, refused: 0 });
    expect(calls).toEqual(['POST ActivityFile', 'PUT Data']);
  });

  it('keeps a stalled download as a link with the reason once the event’s file budget runs out', async () => {
    const { creatio, calls, bodies } = fakeCreatio();

    const result = await storePlannedFiles(planned([{ id: 'f2', name: 'voice.ogg', url: `${base}/stall.ogg` }]), creatio, policy, { budgetMs: 300 });

    expect(result.refused).toBe(1);
    expect(calls).toEqual(['POST ActivityFile', 'PUT Data', 'DELETE ActivityFile', 'PATCH Activity']);
    expect(String(bodies[0]?.Body)).toBe('Body of the email\n\nNot stored in Creatio (open with the link above):\n- voice.ogg: the download took too long');
  });

  it('keeps the link when OpenCX storage fails, without retrying the event', async () => {
    const { creatio, calls } = fakeCreatio();

    const result = await storePlannedFiles(planned([{ id: 'f3', name: 'x.pdf', url: `${base}/busy` }]), creatio, policy);

    expect(result.refused).toBe(1);
    expect(calls).toEqual(['PATCH Activity']);
  });

  it('retries the event when Creatio is unavailable, and links a file Creatio refuses for good', async () => {
    const down = fakeCreatio({ putFails: new RetryableError('Creatio 503', { kind: 'server_error' }) });
    await expect(storePlannedFiles(planned([{ id: 'f4', name: 'ok.pdf', url: `${base}/ok.pdf` }]), down.creatio, policy)).rejects.toBeInstanceOf(RetryableError);

    const refusing = fakeCreatio({ putFails: new PermanentError('extension denied', { status: 403 }) });
    const result = await storePlannedFiles(planned([{ id: 'f5', name: 'ok.pdf', url: `${base}/ok.pdf` }]), refusing.creatio, policy);
    expect(result.refused).toBe(1);
    expect(refusing.calls).toEqual(['POST ActivityFile', 'PUT Data', 'DELETE ActivityFile', 'PATCH Activity']);
  });
});
