import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small S3 for tests and benchmarks: path-style GET (with Range), HEAD, PUT and DELETE of
 * objects held in memory. Pre-signed GETs (X-Amz-Signature in the query) are refused once
 * X-Amz-Date + X-Amz-Expires has passed, as S3 refuses them (403); signatures are not checked.
 * Point SDK clients at it with AWS_ENDPOINT_URL_S3 (an IP address makes them use path style).
 */
export class LocalS3 {
  readonly objects = new Map<string, { body: Buffer; etag: string; modified: Date }>();
  readonly requests: { method: string; key: string; presigned: boolean }[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.answer(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  put(bucket: string, key: string, body: Buffer | string): void {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    // A new opaque ETag per write, as S3 gives objects encrypted with SSE-KMS (not their MD5):
    // hashing every segment here would be the stand's cost, not the gateway's.
    this.objects.set(`${bucket}/${key}`, { body: bytes, etag: `"${randomBytes(16).toString('hex')}"`, modified: new Date() });
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix));
  }

  private answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const key = decodeURIComponent(url.pathname.slice(1));
    const presigned = url.searchParams.has('X-Amz-Signature');
    const method = req.method ?? 'GET';
    this.requests.push({ method, key, presigned });
    if (presigned && expired(url)) return error(res, 403, 'AccessDenied', 'Request has expired');
    if (!presigned && !req.headers.authorization) return error(res, 403, 'AccessDenied', 'Anonymous access is refused');
    if (method === 'PUT') {
      this.put(key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1), body);
      res.writeHead(200, { ETag: this.objects.get(key)!.etag }).end();
      return;
    }
    if (method === 'DELETE') {
      this.objects.delete(key);
      res.writeHead(204).end();
      return;
    }
    const object = this.objects.get(key);
    if (!object) return error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    const range = /^bytes=(\d+)-(\d+)?$/.exec(req.headers.range ?? '');
    const headers = { ETag: object.etag, 'Last-Modified': object.modified.toUTCString(), 'Content-Type': 'application/octet-stream' };
    if (!range) {
      res.writeHead(200, { ...headers, 'Content-Length': object.body.length }).end(method === 'HEAD' ? undefined : object.body);
      return;
    }
    const first = Number(range[1]);
    if (first >= object.body.length) return error(res, 416, 'InvalidRange', 'The requested range is not satisfiable');
    const last = Math.min(object.body.length - 1, range[2] !== undefined ? Number(range[2]) : object.body.length - 1);
    const part = object.body.subarray(first, last + 1);
    res.writeHead(206, { ...headers, 'Content-Length': part.length, 'Content-Range': `bytes ${first}-${last}/${object.body.length}` }).end(method === 'HEAD' ? undefined : part);
  }
}

function expired(url: URL): boolean {
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(url.searchParams.get('X-Amz-Date') ?? '');
  const seconds = Number(url.searchParams.get('X-Amz-Expires'));
  if (!date || !Number.isFinite(seconds)) return true;
  const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
  return Date.now() > Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) + seconds * 1000;
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}
