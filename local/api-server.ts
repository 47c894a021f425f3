import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { localContext } from './lambda-context';

export type HttpLambda = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LocalRoute {
  readonly method: 'GET' | 'POST';
  /** API Gateway route path, e.g. `/opencx/webhook/{token}`. */
  readonly path: string;
  readonly functionName: string;
  readonly handler: HttpLambda;
}

/** API Gateway HTTP API refuses payloads over 10 MB before any Lambda runs. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;

const compile = (path: string) => {
  const names: string[] = [];
  const pattern = path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const regex = new RegExp(`^${pattern}$`);
  return (actual: string): Record<string, string> | undefined => {
    const match = regex.exec(actual);
    if (!match) return undefined;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
  };
};

const isValidUtf8 = (bytes: Buffer): boolean => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
};

const TEXT_TYPES = /^(text\/|application\/(json|[\w.+-]+\+json|x-www-form-urlencoded|xml))/i;

/** Node request → API Gateway HTTP API payload 2.0 event, as the deployed gateway would build it. */
export const toApiGatewayEvent = (req: http.IncomingMessage, body: Buffer, routeKey: string, pathParameters: Record<string, string>): APIGatewayProxyEventV2 => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const contentType = headers['content-type'] ?? '';
  const asText = body.length === 0 || (TEXT_TYPES.test(contentType) && isValidUtf8(body));
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    pathParameters,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length ? (asText ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: !asText,
  };
};

const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

/** The API Gateway routes of the stack, served on loopback, invoking the real handlers. */
export const startApiServer = async (routes: readonly LocalRoute[], port: number, onError: (error: unknown) => void): Promise<{ server: http.Server; url: string }> => {
  const compiled = routes.map((route) => ({ route, match: compile(route.path) }));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > GATEWAY_MAX_BODY) {
        if (!refused) send(res, 413, { message: 'Request Entity Too Large' });
        refused = true;
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
      const candidates = compiled.map(({ route, match }) => ({ route, params: match(pathname) })).filter((c) => c.params);
      const hit = candidates.find((c) => c.route.method === req.method);
      if (!hit || !hit.params) {
        send(res, 404, { message: 'Not Found' });
        return;
      }
      const event = toApiGatewayEvent(req, Buffer.concat(chunks), `${hit.route.method} ${hit.route.path}`, hit.params);
      hit.route
        .handler(event, localContext(hit.route.functionName, 10_000))
        .then((result) => send(res, result.statusCode ?? 200, result.body ?? '', (result.headers ?? {}) as Record<string, string>))
        .catch((error: unknown) => {
          onError(error);
          send(res, 500, { message: 'Internal Server Error' });
        });
    });
    req.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.keepAliveTimeout = 5_000;
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};
