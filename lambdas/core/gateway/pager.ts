import { gunzipSync, gzipSync } from 'node:zlib';
import type { EnginePage, GatewayResult, JsonRows } from '../ports/index.js';
import type { PageToken } from '../protocol/page-token.js';

/**
 * The one pager: how rows become pages of at most `maxPageBytes` of JSON, for the results the
 * gateway holds and for the pages engines return alike. A page always takes its first row (a
 * row larger than the cap goes out alone), then every next row that keeps the page's JSON text,
 * brackets and commas counted, within the cap. Where the next page resumes is carried in the
 * nextUri's token: `c` the engine's cursor, `s` the rows of that page already sent.
 *
 * As a Trino coordinator does, a page with rows always carries a nextUri: the final answer
 * (FINISHED, no nextUri) comes on the poll after the last rows and carries none. trino-client
 * hands back the data of a final answer a second time, so rows there are counted twice.
 */
export function fitRows<T>(rows: readonly T[], start: number, rowText: (row: T) => string, maxBytes: number): { json: string; end: number } {
  const taken: string[] = [];
  let bytes = 2;
  let end = start;
  for (; end < rows.length; end++) {
    const text = rowText(rows[end]!);
    const size = enveloped(text) + 1;
    if (taken.length > 0 && bytes + size > maxBytes) break;
    taken.push(text);
    bytes += size;
  }
  return { json: '[' + taken.join(',') + ']', end };
}

/**
 * The bytes a row takes where the cap matters: behind the ALB the whole body travels again as a
 * JSON string inside the Lambda's response, where every quote and backslash gains an escape and a
 * control character becomes up to six. The ALB refuses a response over 1 MB, so pages are
 * measured as they will be sent there, in both homes alike (the same pages everywhere).
 */
export function enveloped(text: string): number {
  let extra = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) extra += 1;
    else if (c < 0x20) extra += 5;
  }
  return Buffer.byteLength(text, 'utf8') + extra;
}

/**
 * fitRows for rows the engine wrote as JSON (EnginePage.jsonRows): each row measured as `enveloped`
 * measures its text (a quote or a backslash counts twice; the JSON holds no raw control character).
 */
export function fitJsonRows({ bytes, ends, count }: JsonRows, start: number, maxBytes: number): { json: string; end: number } {
  const first = start === 0 ? 0 : ends[start - 1]! + 1;
  let size = 2;
  let end = start;
  for (let from = first; end < count; end++) {
    const to = ends[end]!;
    let row = to - from + 1;
    for (let i = from; i < to; i++) if (bytes[i] === 0x22 || bytes[i] === 0x5c) row++;
    if (end > start && size + row > maxBytes) break;
    size += row;
    from = to + 1;
  }
  const last = end > start ? ends[end - 1]! : first;
  return { json: '[' + Buffer.from(bytes.buffer, bytes.byteOffset + first, last - first).toString('utf8') + ']', end };
}

export interface HeldPage {
  /** Undefined on the final page, which carries no rows. */
  dataJson?: string;
  /** Every row was sent on earlier pages: this is the final answer. */
  done: boolean;
  /** Where the next page starts, when not done. */
  next?: PageToken;
}

/** Rows the gateway holds are JSON texts already. */
const asIs = (row: string) => row;

/** A page of a result the gateway holds itself (USE, SHOW, catalog answers), from token.s on. */
export function heldResultPage(result: GatewayResult, token: PageToken, maxBytes: number): HeldPage {
  const rows = resultRows(result);
  const start = token.s ?? 0;
  if (start >= rows.length) return { done: true };
  const { json, end } = fitRows(rows, start, asIs, maxBytes);
  return { dataJson: json, done: false, next: { n: token.n + 1, s: end } };
}

export interface EngineSlice {
  /** Undefined when the page has no columns or no rows left to send. */
  dataJson?: string;
  /** Rows remain (on this engine page, or on the engine's next one), or this page has the last rows. */
  more: boolean;
  /** The engine finished and every row was sent on earlier pages: the final answer. */
  done: boolean;
  next?: PageToken;
}

/**
 * The part of an engine page that fits one client page, from token.s on. `renderRow` writes a
 * row as JSON text in the client's encoding; undefined when the page carries no columns yet.
 */
export function enginePageSlice(page: EnginePage, token: PageToken, renderRow: ((row: unknown[]) => string) | undefined, maxBytes: number, fit?: typeof fitRows): EngineSlice {
  const skip = token.s ?? 0;
  const rows = page.rows ?? [];
  const count = page.jsonRows?.count ?? rows.length;
  let dataJson: string | undefined;
  let taken = 0;
  if (renderRow && count > skip) {
    // A caller's own fit (spooling takes every row left), else the pages clients read.
    const fitted = fit ? fit(rows, skip, renderRow, maxBytes) : page.jsonRows ? fitJsonRows(page.jsonRows, skip, maxBytes) : fitRows(rows, skip, renderRow, maxBytes);
    taken = fitted.end - skip;
    dataJson = fitted.json;
  }
  const consumedPage = skip + taken >= count;
  const rowsLeft = !consumedPage || page.nextCursor !== undefined;
  // The last rows still get a nextUri: the final answer is the next poll's, without rows.
  const lastRows = !rowsLeft && page.state === 'FINISHED' && taken > 0;
  const more = rowsLeft || lastRows;
  const done = page.state === 'FINISHED' && !more;
  let next: PageToken | undefined;
  if (!done) {
    // Rows left on this engine page: the same cursor again, further on. Else the engine's next
    // page; else (still running, or the last rows just sent) the same page again, past what it held:
    // the final answer reads the engine's page once more, for its columns, update and session headers.
    const cursor = token.c !== undefined ? { c: token.c } : {};
    if (!consumedPage) next = { n: token.n + 1, ...cursor, s: skip + taken };
    else if (page.nextCursor !== undefined) next = { n: token.n + 1, c: page.nextCursor };
    else next = { n: token.n + 1, ...cursor, ...(count ? { s: count } : {}) };
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
