import { createHash } from 'node:crypto';
import type { AthenaStatementKind } from './statement.js';

/**
 * The Athena engine's opaque strings. The handle lives in the query item; the cursor is signed
 * into the nextUri by the gateway. Both are small JSON documents, versioned, validated on read.
 */
export interface AthenaHandle {
  v: 1;
  /** QueryExecutionId. */
  id: string;
  /** Workgroup the query runs in. */
  wg: string;
  /** Statement kind (result shaping). */
  k: AthenaStatementKind;
  /** Trino updateType for DDL and DML. */
  u?: string;
  /** Complex-type hints by result position: [type, expected column name]. */
  h?: Record<string, [string, string?]>;
}

/**
 * Where a page starts. `api`: GetQueryResults with this NextToken (undefined on no page yet).
 * `x` marks DDL/UTILITY output (shaped, never typed from hints).
 * `csv`: the result CSV at this byte offset; `n` is the object's size, `l` its location, `e` an
 * ETag that must still match, `r` the bytes to read for the next page. `h` carries the complex-type decisions taken on the first page so
 * that every page declares the same types.
 */
export type AthenaCursor =
  | { p: 'api'; t: string; h?: Record<string, [string, string?]>; x?: 1 }
  | { p: 'csv'; o: number; n: number; l: string; e?: string; r?: number; h?: Record<string, [string, string?]> };

export function encodeHandle(handle: AthenaHandle): string {
  return JSON.stringify(handle);
}

export function decodeHandle(text: string): AthenaHandle {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('Not an Athena engine handle');
  }
  const h = parsed as Partial<AthenaHandle>;
  if (!h || h.v !== 1 || typeof h.id !== 'string' || typeof h.wg !== 'string' || typeof h.k !== 'string') throw new Error('Not an Athena engine handle');
  return h as AthenaHandle;
}

export function encodeCursor(cursor: AthenaCursor): string {
  return JSON.stringify(cursor);
}

export function decodeCursor(text: string): AthenaCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('Not an Athena page cursor');
  }
  const c = parsed as Partial<AthenaCursor> & Record<string, unknown>;
  if (c?.p === 'api' && typeof c.t === 'string') return c as AthenaCursor;
  if (c?.p === 'csv' && typeof c.o === 'number' && typeof c.n === 'number' && typeof c.l === 'string' && c.o >= 0 && (c.r === undefined || (typeof c.r === 'number' && c.r > 0))) return c as AthenaCursor;
  throw new Error('Not an Athena page cursor');
}

/**
 * StartQueryExecution's ClientRequestToken (32–128 characters): the gateway's query id plus a
 * digest of everything that defines the execution. A retried submit of the same query sends the
 * same token, so Athena returns the same QueryExecutionId instead of running it twice; the same
 * query sent to another workgroup (fallback) or with other text gets another token, since Athena
 * refuses a reused token with different parameters.
 */
export function clientRequestToken(queryId: string, parts: readonly (string | undefined)[]): string {
  const digest = createHash('sha256').update(parts.map((p) => p ?? '\u0000').join('\u0001')).digest('hex').slice(0, 24);
  const safeId = queryId.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 90);
  const token = `bifrost-${safeId}-${digest}`;
  return token.length >= 32 ? token : token.padEnd(32, '0');
}
