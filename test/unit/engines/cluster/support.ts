import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { HttpFetch, HttpRequestInit } from '../../../../lambdas/core/engines/cluster/index.js';
import type { EngineSubmission, ClientSession } from '../../../../lambdas/core/ports/index.js';

/**
 * Recorded cluster answers (test/fixtures/cluster/<scenario>/): `scenario.json` maps
 * "METHOD /path" to a response file (raw text, so big integers stay as Trino wrote them),
 * a status and headers; `{{BASE}}` in a body is the origin the scenario is served on.
 */
const FIXTURES = fileURLToPath(new URL('../../../fixtures/cluster/', import.meta.url));

export interface RecordedResponse {
  status?: number;
  file?: string;
  headers?: Record<string, string[]>;
}

export function scenario(name: string): Record<string, RecordedResponse> {
  return JSON.parse(readFileSync(`${FIXTURES}${name}/scenario.json`, 'utf8')) as Record<string, RecordedResponse>;
}

export function recordedBody(name: string, file: string, base: string): string {
  return readFileSync(`${FIXTURES}${name}/${file}`, 'utf8').replaceAll('{{BASE}}', base);
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body?: string;
}

export type Intercept = (request: SeenRequest, attempt: number) => { status: number; body?: string; headers?: Record<string, string[]> } | Error | 'hang' | undefined;

/** A fake fetch serving a recorded scenario on `base`, recording every request. */
export class FakeCluster {
  readonly requests: SeenRequest[] = [];
  intercept: Intercept | undefined;
  private readonly routes: Record<string, RecordedResponse>;
  private readonly attempts = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly base = 'https://trino.example.com:8443',
  ) {
    this.routes = scenario(name);
  }

  readonly fetch: HttpFetch = async (url: string, init: HttpRequestInit) => {
    const seen: SeenRequest = { method: init.method, url, headers: init.headers, ...(init.body !== undefined ? { body: init.body } : {}) };
    this.requests.push(seen);
    const key = `${init.method} ${new URL(url).pathname}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const intercepted = this.intercept?.(seen, attempt);
    if (intercepted === 'hang') {
      return new Promise((_resolve, reject) => {
        init.signal.addEventListener('abort', () => reject(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })));
      });
    }
    if (intercepted instanceof Error) throw intercepted;
    if (intercepted) return response(intercepted.status, intercepted.body ?? '', intercepted.headers ?? {});
    if (!url.startsWith(this.base + '/')) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND', message: `getaddrinfo ENOTFOUND ${new URL(url).hostname}` } });
    const route = this.routes[key];
    if (!route) return response(404, 'Query not found', { 'Content-Type': ['text/plain'] });
    return response(route.status ?? 200, route.file ? recordedBody(this.name, route.file, this.base) : '', { 'Content-Type': ['application/json'], ...(route.headers ?? {}) });
  };

  /** The requests made to a path (method and pathname). */
  made(method: string, pathPrefix: string): SeenRequest[] {
    return this.requests.filter((r) => r.method === method && new URL(r.url).pathname.startsWith(pathPrefix));
  }
}

function response(status: number, body: string, headers: Record<string, string[]>) {
  const h = new Headers();
  for (const [name, values] of Object.entries(headers)) for (const v of values) h.append(name, v);
  return { status, headers: h, text: async () => body };
}

export function header(request: SeenRequest, name: string): string[] {
  return request.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

/** A recorded scenario served over real HTTP (node:http), gzipped when the client accepts it. */
export async function serveScenario(name: string, options: { gzip?: boolean } = {}): Promise<{ url: string; requests: { method: string; path: string; headers: Record<string, string[]> }[]; responses: { path: string; encoding?: string }[]; close(): Promise<void>; server: Server }> {
  const routes = scenario(name);
  const requests: { method: string; path: string; headers: Record<string, string[]> }[] = [];
  const responses: { path: string; encoding?: string }[] = [];
  let base = '';
  const server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', base);
    const headers: Record<string, string[]> = {};
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) (headers[req.rawHeaders[i]!.toLowerCase()] ??= []).push(req.rawHeaders[i + 1]!);
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers });
    req.resume();
    req.on('end', () => {
      const route = routes[`${req.method} ${url.pathname}`];
      if (!route) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Query not found');
        return;
      }
      for (const [n, values] of Object.entries(route.headers ?? {})) res.setHeader(n, values);
      let body: Buffer = Buffer.from(route.file ? recordedBody(name, route.file, base) : '', 'utf8');
      const gzip = options.gzip !== false && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && body.length > 0;
      if (gzip) {
        body = gzipSync(body);
        res.setHeader('Content-Encoding', 'gzip');
      }
      responses.push({ path: url.pathname, ...(gzip ? { encoding: 'gzip' } : {}) });
      res.setHeader('Content-Type', 'application/json');
      res.writeHead(route.status ?? 200).end(route.status === 204 ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    responses,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function session(overrides: Partial<ClientSession> = {}): ClientSession {
  return { dialect: 'trino', user: 'alice', clientTags: [], clientCapabilities: [], properties: {}, resourceEstimates: {}, roles: {}, extraCredentials: {}, preparedStatements: {}, ...overrides };
}

export function submission(sql: string, overrides: Partial<ClientSession> = {}, extra: Partial<EngineSubmission> = {}): EngineSubmission {
  return { queryId: '20240501_000000_00001_gatew', sql, session: session(overrides), target: 'legacy', ...extra };
}

/** A clock and sleep that move together, so retry budgets can be tested without waiting. */
export function virtualTime(start = 1_000_000): { clock: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[]; advance(ms: number): void } {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    advance(ms: number) {
      now += ms;
    },
  };
}
