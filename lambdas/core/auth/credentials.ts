import type { GatewayRequest } from '../ports/index.js';
import { detectDialect, Header, wireName } from '../protocol/headers.js';

/**
 * What a request presents: the `Authorization` header read the way Trino reads it
 * (BasicAuthCredentials: the scheme is case-insensitive, the user may not be empty, an empty
 * password is no password), and the user the client asks to run as (X-Trino-User / X-Presto-User).
 */
export type Presented =
  | { kind: 'none' }
  | { kind: 'basic'; user: string; password?: string }
  | { kind: 'bearer'; token: string }
  /** An Authorization header that could not be read; `reason` is safe to show (no secret in it). */
  | { kind: 'malformed'; reason: string }
  /** Another scheme. Its name is not kept: a header without a scheme would be all token. */
  | { kind: 'other' };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function presentedCredential(request: GatewayRequest): Presented {
  const values = request.headers['authorization'] ?? [];
  if (values.length === 0) return { kind: 'none' };
  if (values.length > 1) return { kind: 'malformed', reason: 'more than one Authorization header' };
  const header = values[0]!.trim();
  if (header === '') return { kind: 'none' };
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme === 'basic') {
    if (!BASE64.test(rest) || rest.length % 4 === 1) return { kind: 'malformed', reason: 'Invalid base64 encoded credentials' };
    const decoded = decodeCredentialBytes(Buffer.from(rest, 'base64'));
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    if (user === '') return { kind: 'malformed', reason: 'Malformed credentials: user is empty' };
    return password === '' ? { kind: 'basic', user } : { kind: 'basic', user, password };
  }
  if (scheme === 'bearer') {
    if (rest === '' || /\s/.test(rest)) return { kind: 'malformed', reason: 'Malformed bearer token' };
    return { kind: 'bearer', token: rest };
  }
  return { kind: 'other' };
}

/**
 * Basic credentials have no declared charset. The JDBC driver and the CLI (OkHttp) send
 * ISO-8859-1, Python's requests and most browsers send UTF-8. Bytes that are valid UTF-8 are read
 * as UTF-8, anything else as ISO-8859-1: both kinds of client then log in with the same password.
 */
function decodeCredentialBytes(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** The user the request asks to run as, read exactly as the session reader reads it. */
export function requestedUser(request: GatewayRequest): string | undefined {
  const dialect = detectDialect(request.headers) ?? 'trino';
  const values = request.headers[wireName(dialect, Header.user).toLowerCase()] ?? [];
  const value = values.length ? values.join(',').trim() : '';
  return value === '' ? undefined : value;
}
