import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The token the fake accepts; any other gets 403, none gets 401 (as the real guard answers). */
export const FAKE_TOKEN = 'test-admin-token-0123';

/** A request as the fake saw it. */
export interface SeenRequest {
  method: string;
  /** The path without the query, each segment decoded (as a route parameter reaches a controller). */
  path: string;
  /** The path as sent. */
  rawPath: string;
  query: Record<string, string>;
  authorization: string | undefined;
  contentType: string | undefined;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/** An answer: a status (default 200) and a JSON body, or `raw` text sent as it is. */
export interface FakeAnswer {
  status?: number;
  body?: unknown;
  raw?: string;
}

/** Routes keyed by `METHOD /path` (exact path, no patterns): a fixed answer or one computed per request. */
export type FakeRoutes = Record<string, FakeAnswer | ((req: SeenRequest) => FakeAnswer)>;

/** A running fake admin API. */
export interface FakeAdminApi {
  url: string;
  /** Every request, in order, including refused ones. */
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Answers each call with the next of `answers`, then keeps answering the last one. */
export function sequence(...answers: FakeAnswer[]): (req: SeenRequest) => FakeAnswer {
  let i = 0;
  return () => answers[Math.min(i++, answers.length - 1)];
}

/** The API's error body. */
export function apiError(status: number, code: string, message: string): FakeAnswer {
  return { status, body: { error: { code, message } } };
}

/**
 * A real `node:http` server on an ephemeral port that answers like the admin API: the bearer guard first, then
 * `routes`, then 404 `not_found`.
 */
export async function startFakeAdminApi(routes: FakeRoutes): Promise<FakeAdminApi> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        path: url.pathname.split('/').map(decodeURIComponent).join('/'),
        rawPath: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
      requests.push(seen);
      const answer = route(routes, seen);
      res.writeHead(answer.status ?? 200, { 'content-type': answer.raw === undefined ? 'application/json' : 'text/plain' });
      res.end(answer.raw ?? JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // fetch keeps idle connections open; without this close() would wait for them to time out.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function route(routes: FakeRoutes, req: SeenRequest): FakeAnswer {
  const match = req.authorization === undefined ? null : /^Bearer (\S+)$/.exec(req.authorization);
  if (!match) return apiError(401, 'unauthorized', 'admin calls need Authorization: Bearer <ADMIN_TOKEN>');
  if (match[1] !== FAKE_TOKEN) return apiError(403, 'forbidden', 'wrong admin token');
  const handler = routes[`${req.method} ${req.path}`];
  if (!handler) return apiError(404, 'not_found', `no route ${req.method} ${req.path}`);
  return typeof handler === 'function' ? handler(req) : handler;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
