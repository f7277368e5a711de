import type { GatewayRequest, GatewayResponse } from '../ports/index.js';

const MAX_BODY_BYTES = 512 * 1024;

/** An answer other than 2xx: its status, code, message and, for a refused change, its problems. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems?: string[],
    readonly headers: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

/** Admin answers are never cached, never framed, never sniffed. */
export const NO_STORE = { 'Cache-Control': ['no-store'], 'X-Content-Type-Options': ['nosniff'], 'X-Frame-Options': ['DENY'] };

export function json(status: number, body: unknown, headers: Record<string, string[]> = {}): GatewayResponse {
  return { status, headers: { 'Content-Type': ['application/json'], ...NO_STORE, ...headers }, body: JSON.stringify(body) };
}

/** The body as a JSON object: 413 when too large, 415 when not JSON, 400 when not an object. */
export function readJson(request: GatewayRequest): unknown {
  if (request.body.length > MAX_BODY_BYTES) throw new ApiError(413, 'TOO_LARGE', 'The request body is too large');
  const type = request.headers['content-type']?.[0] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON (Content-Type: application/json)');
  try {
    const value = JSON.parse(request.body.toString('utf8')) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value;
  } catch {
    throw new ApiError(400, 'BAD_REQUEST', 'The body is not a JSON object');
  }
}

/** A number from the query string; undefined when absent or empty. */
export function queryNumber(request: GatewayRequest, name: string): number | undefined {
  const value = request.query[name]?.[0];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ApiError(400, 'BAD_REQUEST', `${name} must be a number`);
  return n;
}

/** A text parameter of the query string; undefined when absent or empty. */
export function queryText(request: GatewayRequest, name: string): string | undefined {
  return request.query[name]?.[0] || undefined;
}
