import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayRequest, GatewayResponse } from '../../core/ports/index.js';

/** The largest request body accepted, as the ALB accepts (1 MB). */
export const MAX_BODY_BYTES = 1_048_576;

export class BodyTooLargeError extends Error {}

/** node:http request → GatewayRequest. Repeated headers stay repeated (rawHeaders). */
export async function fromNodeRequest(req: IncomingMessage, secure: boolean): Promise<GatewayRequest> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) (headers[req.rawHeaders[i]!.toLowerCase()] ??= []).push(req.rawHeaders[i + 1]!);
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError(`Request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const host = headers.host?.[0] ?? `localhost:${req.socket.localPort}`;
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query,
    headers,
    body: Buffer.concat(chunks),
    remoteAddress: req.socket.remoteAddress,
    baseUrl: `${secure ? 'https' : 'http'}://${host}`,
  };
}

export function writeNodeResponse(res: ServerResponse, response: GatewayResponse, method: string): void {
  for (const [name, values] of Object.entries(response.headers)) res.setHeader(name, values.length === 1 ? values[0]! : values);
  const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
  if (response.status !== 204) res.setHeader('Content-Length', String(body.length));
  res.writeHead(response.status);
  res.end(method === 'HEAD' || response.status === 204 ? undefined : body);
}
