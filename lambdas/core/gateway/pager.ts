import { gunzipSync, gzipSync } from 'node:zlib';
import type { EnginePage, GatewayResult } from '../ports/index.js';
import type { PageToken } from '../protocol/page-token.js';

/**
 * The one pager: how rows become pages of at most `maxPageBytes` of JSON, for the results the
 * gateway holds and for the pages engines return alike. A page always takes its first row (a
 * row larger than the cap goes out alone), then every next row that keeps the page's JSON text,
 * brackets and commas counted, within the cap. Where the next page resumes is carried in the
 * nextUri's token: `c` the engine's cursor, `s` the rows of that page already sent.
 */
export function fitRows<T>(rows: readonly T[], start: number, rowText: (row: T) => string, maxBytes: number): { json: string; end: number } {
  const taken: string[] = [];
  let bytes = 2;
  let end = start;
  for (; end < rows.length; end++) {
    const text = rowText(rows[end]!);
    const size = Buffer.byteLength(text, 'utf8') + 1;
    if (taken.length > 0 && bytes + size > maxBytes) break;
    taken.push(text);
    bytes += size;
  }
  return { json: '[' + taken.join(',') + ']', end };
}

export interface HeldPage {
  dataJson: string;
  /** The last rows of the result are on this page. */
  done: boolean;
  /** Where the next page starts, when not done. */
  next?: PageToken;
}

/** Rows the gateway holds are JSON texts already. */
const asIs = (row: string) => row;

/** A page of a result the gateway holds itself (USE, SHOW, catalog answers), from token.s on. */
export function heldResultPage(result: GatewayResult, token: PageToken, maxBytes: number): HeldPage {
  const rows = resultRows(result);
  const { json, end } = fitRows(rows, token.s ?? 0, asIs, maxBytes);
  const done = end >= rows.length;
  return { dataJson: json, done, ...(done ? {} : { next: { n: token.n + 1, s: end } }) };
}

export interface EngineSlice {
  /** Undefined when the page has no columns or no rows left to send. */
  dataJson?: string;
  /** Rows remain: on this engine page, or on the engine's next one. */
  more: boolean;
  /** The engine finished and every row was sent. */
  done: boolean;
  next?: PageToken;
}

/**
 * The part of an engine page that fits one client page, from token.s on. `renderRow` writes a
 * row as JSON text in the client's encoding; undefined when the page carries no columns yet.
 */
export function enginePageSlice(page: EnginePage, token: PageToken, renderRow: ((row: unknown[]) => string) | undefined, maxBytes: number): EngineSlice {
  const skip = token.s ?? 0;
  const rows = page.rows ?? [];
  let dataJson: string | undefined;
  let taken = 0;
  if (renderRow && rows.length > skip) {
    const fitted = fitRows(rows, skip, renderRow, maxBytes);
    taken = fitted.end - skip;
    dataJson = fitted.json;
  }
  const consumedPage = skip + taken >= rows.length;
  const more = !consumedPage || page.nextCursor !== undefined;
  const done = page.state === 'FINISHED' && !more;
  let next: PageToken | undefined;
  if (!done) {
    // Rows left on this engine page: the same cursor again, further on. Else the engine's next
    // page; else (still running) the same page again, past what it already held.
    const cursor = token.c !== undefined ? { c: token.c } : {};
    if (!consumedPage) next = { n: token.n + 1, ...cursor, s: skip + taken };
    else if (page.nextCursor !== undefined) next = { n: token.n + 1, c: page.nextCursor };
    else next = { n: token.n + 1, ...cursor, ...(rows.length ? { s: rows.length } : {}) };
  }
  return { dataJson, more, done, next };
}

/** Large answers (a catalog listing) are stored gzip-compressed: an item holds at most 400 KB. */
export function compactResult(result: GatewayResult): GatewayResult {
  const rows = result.rows ?? [];
  if (rows.reduce((n, r) => n + r.length, 0) < 32_768) return result;
  const { rows: _rows, ...rest } = result;
  return { ...rest, rowsGzip: gzipSync(JSON.stringify(rows)).toString('base64') };
}

function resultRows(result: GatewayResult): string[] {
  if (!result.rowsGzip) return result.rows ?? [];
  const rows: unknown = JSON.parse(gunzipSync(Buffer.from(result.rowsGzip, 'base64')).toString('utf8'));
  if (!Array.isArray(rows) || !rows.every((r) => typeof r === 'string')) throw new Error('stored result rows are not JSON texts');
  return rows;
}
