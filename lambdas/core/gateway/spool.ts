import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../errors.js';
import { header } from '../http.js';
import type { ClientSession, EnginePage, GatewayRequest, GatewayResponse, JsonRows, PollOptions, QueryRecord, SegmentStore } from '../ports/index.js';
import { detectDialect, wireName, Header } from '../protocol/headers.js';
import type { PageToken } from '../protocol/page-token.js';
import { encodedDataJson, encodeSegment, inlineSegmentJson, selectEncoding, spooledSegmentJson, type SegmentMetadata, type SpoolingEncoding } from '../protocol/spooling.js';
import { DEFAULT_GATEWAY_CONFIG, type GatewayContext, type SpoolingConfig } from './context.js';
import { authenticate, owns } from './identity.js';
import { enginePageSlice, type EngineSlice } from './pager.js';

/**
 * The spooling protocol (docs/spooling.md). A Trino client that sends X-Trino-Query-Data-Encoding
 * gets its rows as `data: {encoding, segments}`: a small page inline (base64 of the encoded bytes),
 * a large one as spooled segments the client downloads itself: from S3 with a pre-signed URL when
 * the segment store gives one (deployed), else from the gateway's own /v1/spooled/download
 * (Trino's coordinator-proxy mode; the local server). Either way the segment's `ackUri` is the
 * gateway's, and acknowledging deletes the segment. Without a segment store, or for a client
 * whose encodings are all unknown, rows stay inline as in the direct protocol, as Trino does.
 *
 * Segment links are capabilities like the pre-signed URLs: unguessable (a random key), bound to
 * the query's user by an HMAC under the gateway's key, and expiring.
 */

export function spoolingConfig(ctx: GatewayContext): SpoolingConfig {
  return ctx.config.spooling ?? DEFAULT_GATEWAY_CONFIG.spooling!;
}

/** The encoding the query's rows go out in; undefined for inline rows. */
export function negotiatedEncoding(ctx: GatewayContext, session: ClientSession | undefined): SpoolingEncoding | undefined {
  if (!ctx.deps.segments || !session || session.dialect !== 'trino') return undefined;
  return selectEncoding(session.queryDataEncoding, spoolingConfig(ctx).encodings);
}

/** The response header that names the negotiated encoding, as Trino sends it. */
export function encodingHeader(encoding: SpoolingEncoding): Record<string, string[]> {
  return { [wireName('trino', Header.queryDataEncoding)]: [encoding] };
}

/** The POST's answer names the encoding the query's rows will use, as Trino's does. */
export function withNegotiatedEncoding(ctx: GatewayContext, request: GatewayRequest, response: GatewayResponse): GatewayResponse {
  if (!ctx.deps.segments || response.status !== 200 || detectDialect(request.headers) !== 'trino') return response;
  const encoding = selectEncoding(request.headers['x-trino-query-data-encoding']?.join(','), spoolingConfig(ctx).encodings);
  return encoding ? { ...response, headers: { ...response.headers, ...encodingHeader(encoding) } } : response;
}

/** What a spooled poll asks of its engine: far larger pages than the inline byte cap allows. */
export function spooledPollOptions(ctx: GatewayContext): Pick<PollOptions, 'maxRows' | 'maxBytes' | 'endCursor'> {
  const config = spoolingConfig(ctx);
  // The final answer follows the last rows: with an end cursor it does not read the last (large) page again.
  return { maxRows: config.pollMaxRows, maxBytes: config.pollMaxBytes, endCursor: true };
}

/**
 * The part of an engine page this response carries, as segments: every row left on the page
 * (the engine sized it for spooling). The next token carries the rows sent so far (`o`), which
 * is the next segment's rowOffset.
 */
export async function spooledSlice(
  ctx: GatewayContext,
  request: GatewayRequest,
  record: QueryRecord,
  token: PageToken,
  page: EnginePage,
  renderRow: ((row: unknown[]) => string) | undefined,
  encoding: SpoolingEncoding,
): Promise<EngineSlice> {
  // The pager decides which rows this response takes (all that are left); they are rendered once, below.
  const to = page.jsonRows?.count ?? page.rows?.length ?? 0;
  // Unless the pager takes rows below, none are left to send.
  let from = to;
  const takeAll = (_rows: unknown, start: number) => {
    from = start;
    return { json: '', end: to };
  };
  const slice = enginePageSlice(page, token, renderRow, Number.MAX_SAFE_INTEGER, takeAll);
  const offset = token.o ?? 0;
  const next = slice.next ? { ...slice.next, o: offset + to - from } : undefined;
  const segmentBytes = spoolingConfig(ctx).segmentBytes;
  let segments: string[] | undefined;
  if (to > from && renderRow) {
    const json = page.jsonRows ? jsonRowsSegments(page.jsonRows, from, to, segmentBytes) : segmentJson(page.rows!, from, to, renderRow, segmentBytes);
    segments = await writeSegments(ctx, request, record, json, offset, encoding);
  }
  return { more: slice.more, done: slice.done, ...(segments ? { dataJson: encodedDataJson(encoding, segments) } : {}), ...(next ? { next } : {}) };
}

/** One segment's rows as a JSON array, in UTF-8: `rows` of them from `from` on. */
interface SegmentJson {
  from: number;
  rows: number;
  json: Buffer;
}

/**
 * Rows `from` to `to` as JSON arrays of about `segmentBytes` each (a segment always takes its
 * first row): each row is rendered once and written straight into its segment's buffer, which
 * grows by doubling. A row that would take a segment past the size moves to the next one.
 */
export function segmentJson(rows: readonly unknown[][], from: number, to: number, renderRow: (row: unknown[]) => string, segmentBytes: number): SegmentJson[] {
  const segments: SegmentJson[] = [];
  let buffer: Buffer = Buffer.allocUnsafe(Math.min(64 * 1024, segmentBytes + 2));
  let first = from;
  let end = 0;
  // Hot loop over every row of a spooled page: one render and one copy per row.
  for (let i = from; i < to; i++) {
    const text = renderRow(rows[i]!);
    // Room for the row at three bytes per UTF-16 unit (UTF-8's most), its separator and the closing bracket.
    const need = end + 3 * text.length + 2;
    if (need > buffer.length) buffer = grown(buffer, end, need);
    const start = end;
    buffer[end++] = i === first ? 0x5b : 0x2c;
    end += buffer.write(text, end, 'utf8');
    if (end + 1 > segmentBytes && i > first) {
      // Over the size: this segment ends before the row, and the row starts the next one.
      buffer[start] = 0x5d;
      segments.push({ from: first, rows: i - first, json: buffer.subarray(0, start + 1) });
      const carried: Buffer = Buffer.allocUnsafe(Math.max(64 * 1024, 2 * (end - start)));
      buffer.copy(carried, 0, start, end);
      carried[0] = 0x5b;
      buffer = carried;
      end -= start;
      first = i;
    }
  }
  if (end + 1 > buffer.length) buffer = grown(buffer, end, end + 1);
  buffer[end++] = 0x5d;
  segments.push({ from: first, rows: to - first, json: buffer.subarray(0, end) });
  return segments;
}

/**
 * Rows `from` to `to` of rows the engine wrote as JSON, cut into segments of about `segmentBytes`
 * between rows (a segment always takes its first row): one copy of each segment's bytes.
 */
export function jsonRowsSegments({ bytes, ends }: JsonRows, from: number, to: number, segmentBytes: number): SegmentJson[] {
  const segments: SegmentJson[] = [];
  // Row i starts after row i-1's closing bracket and the comma that follows it.
  const startOf = (i: number) => (i === 0 ? 0 : ends[i - 1]! + 1);
  let first = from;
  for (let i = from; i < to; i++) {
    const size = ends[i]! - startOf(first) + 2;
    if (i > first && size > segmentBytes) {
      segments.push(bracketed(bytes, first, i, startOf, ends));
      first = i;
    }
  }
  segments.push(bracketed(bytes, first, to, startOf, ends));
  return segments;
}

function bracketed(bytes: Uint8Array, from: number, to: number, startOf: (i: number) => number, ends: Uint32Array): SegmentJson {
  const start = startOf(from);
  const end = ends[to - 1]!;
  const json = Buffer.allocUnsafe(end - start + 2);
  json[0] = 0x5b;
  json.set(bytes.subarray(start, end), 1);
  json[json.length - 1] = 0x5d;
  return { from, rows: to - from, json };
}

function grown(buffer: Buffer, used: number, need: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(need, 2 * buffer.length));
  buffer.copy(bigger, 0, 0, used);
  return bigger;
}

/** The rows as segments: one inline segment for a small page, else spooled segments. */
async function writeSegments(ctx: GatewayContext, request: GatewayRequest, record: QueryRecord, segments: SegmentJson[], offset: number, encoding: SpoolingEncoding): Promise<string[]> {
  const config = spoolingConfig(ctx);
  const inline = segments.length === 1 && segments[0]!.json.length <= config.inlineMaxBytes;
  return Promise.all(
    segments.map(async ({ from, rows, json }) => {
      const encoded = await encodeSegment(encoding, json, config.compressionThreshold);
      const metadata: SegmentMetadata = { rowOffset: offset + from, rowsCount: rows, segmentSize: encoded.bytes.length, ...(encoded.uncompressedSize !== undefined ? { uncompressedSize: encoded.uncompressedSize } : {}) };
      if (inline) return inlineSegmentJson(encoded.bytes, metadata);
      return spool(ctx, request, record, encoded.bytes, metadata);
    }),
  );
}

async function spool(ctx: GatewayContext, request: GatewayRequest, record: QueryRecord, bytes: Uint8Array, metadata: SegmentMetadata): Promise<string> {
  const store = ctx.deps.segments!;
  const ttl = spoolingConfig(ctx).urlTtlSeconds;
  const expiresAt = ctx.now() + ttl * 1000;
  // The random part makes the key unguessable; the query id lets the sweeper and operators find a query's segments.
  const key = `${record.queryId}/${randomBytes(16).toString('hex')}`;
  await store.put(key, bytes, expiresAt);
  const link = segmentLink(ctx, key, record.user, expiresAt);
  const base = (ctx.config.publicBaseUrl ?? request.baseUrl).replace(/\/+$/, '');
  const uri = store.directUrl ? await store.directUrl(key, ttl) : `${base}/v1/spooled/download/${link}`;
  return spooledSegmentJson(uri, `${base}/v1/spooled/ack/${link}`, { ...metadata, expiresAt: new Date(expiresAt).toISOString() });
}

interface SegmentClaim {
  /** The segment's key in the store. */
  k: string;
  /** The query's user. */
  u: string;
  /** When the link stops working (epoch ms). */
  x: number;
}

function mac(ctx: GatewayContext, payload: string): string {
  const key = ctx.config.pageTokenKey;
  return createHmac('sha256', typeof key === 'string' ? Buffer.from(key, 'utf8') : key)
    .update(`spooled-segment\n${payload}`)
    .digest()
    .subarray(0, 18)
    .toString('base64url');
}

/** `{payload}/{signature}`: the segment's key, user and expiry, signed with the gateway's key. */
function segmentLink(ctx: GatewayContext, key: string, user: string, expiresAt: number): string {
  const payload = Buffer.from(JSON.stringify({ k: key, u: user, x: expiresAt } satisfies SegmentClaim)).toString('base64url');
  return `${payload}/${mac(ctx, payload)}`;
}

function verifyLink(ctx: GatewayContext, payload: string, signature: string): SegmentClaim | undefined {
  const expected = Buffer.from(mac(ctx, payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SegmentClaim;
    return typeof claim.k === 'string' && typeof claim.u === 'string' && typeof claim.x === 'number' ? claim : undefined;
  } catch {
    return undefined;
  }
}

/**
 * GET /v1/spooled/download/{payload}/{signature} and /v1/spooled/ack/...: the link is the
 * capability (Trino's clients fetch segments without their credentials); a request that does
 * carry a user or credentials must be the query's user. An expired link downloads nothing (410);
 * an acknowledgement is accepted until the segment is gone.
 */
export async function segmentRequest(ctx: GatewayContext, request: GatewayRequest, params: readonly string[]): Promise<GatewayResponse> {
  const [action, payload, signature] = params as [string, string, string];
  const store = ctx.deps.segments;
  const claim = store ? verifyLink(ctx, payload, signature) : undefined;
  if (!store || !claim) throw new GatewayError(404, 'Segment not found');
  await checkCaller(ctx, request, claim.u);
  if (action === 'ack') {
    await store.delete(claim.k);
    return { status: 200, headers: {}, body: '' };
  }
  // Deployed, segments are read from S3 directly: the gateway never carries them through the load balancer.
  if (store.directUrl) throw new GatewayError(404, 'Segment not found');
  if (ctx.now() >= claim.x) throw new GatewayError(410, 'The segment link has expired');
  const bytes = await store.get(claim.k);
  if (!bytes) throw new GatewayError(404, 'Segment not found');
  // Already compressed: `identity` keeps the door from gzipping it again.
  return { status: 200, headers: { 'Content-Type': ['application/octet-stream'], 'Content-Encoding': ['identity'] }, body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) };
}

async function checkCaller(ctx: GatewayContext, request: GatewayRequest, user: string): Promise<void> {
  const dialect = detectDialect(request.headers) ?? 'trino';
  const named = header(request, `x-${dialect}-user`);
  if (named !== undefined && named !== user) throw new GatewayError(403, 'The segment belongs to another user');
  if (header(request, 'authorization') === undefined) return;
  const principal = await authenticate(ctx, request);
  if (!owns(principal, { user } as QueryRecord)) throw new GatewayError(403, 'The segment belongs to another user');
}

/** Deletes segments nobody can read any more (their links expired without an acknowledgement). */
export async function sweepSegments(store: SegmentStore, now: number, config: SpoolingConfig = DEFAULT_GATEWAY_CONFIG.spooling!): Promise<number> {
  return store.sweep(now - config.urlTtlSeconds * 1000 - 60_000);
}
