import { decompress as zstdDecompress } from 'fzstd';
import { decompressBlock } from 'lz4js';

/**
 * A client of Trino's spooling protocol, written from the protocol's documentation and doing
 * what Trino's JDBC driver does: it sends X-Trino-Query-Data-Encoding on the POST (the
 * encodings it reads, preferred first), reads `data` either as rows (the direct protocol) or as
 * `{encoding, segments}`, decodes inline segments from base64, downloads spooled segments from
 * their `uri` with only the segment's own `headers` (no credentials, as the driver's segment HTTP
 * client), decompresses a segment when its metadata has `uncompressedSize` (zstd frame, or one
 * raw LZ4 block), checks rowOffset/rowsCount/segmentSize, and then GETs its `ackUri` with the
 * same headers.
 */
export interface SpoolingClientOptions {
  server: string;
  user?: string;
  /** The X-Trino-Query-Data-Encoding value; undefined sends none (the direct protocol). */
  encoding?: string;
  /** Extra request headers on the POST and the polls (X-Presto-* for the Presto dialect...). */
  headers?: Record<string, string>;
  /** Acknowledge segments after reading them (the driver does). */
  ack?: boolean;
  /** Stand-in for fetch (the ALB emulation, a Lambda handler). */
  fetch?: typeof fetch;
  /** Decompresses a zstd frame into `size` bytes (default fzstd). */
  zstd?: (bytes: Uint8Array, size: number) => Uint8Array;
  /** Segments of one response are downloaded concurrently (the driver prefetches). */
  parallel?: boolean;
  /** Keep the rows (default) or only count them, as a streaming consumer does (benchmarks). */
  keepRows?: boolean;
  /** Ask for the next page before reading this one's data, as the drivers fetch ahead (benchmarks). */
  prefetch?: boolean;
  /** Sees each segment's JSON once decoded, before it is parsed. */
  onJson?: (json: Uint8Array) => void;
}

export interface SpooledSegmentSeen {
  uri: string;
  ackUri?: string;
  headers: Record<string, string[]>;
  metadata: Record<string, unknown>;
}

export interface SpoolingResult {
  columns?: { name: string; type: string }[];
  rows: unknown[][];
  /** Rows read, kept or not. */
  rowCount: number;
  /** The `data.encoding` of each response that had encoded data. */
  encodings: string[];
  /** The X-Trino-Query-Data-Encoding response headers seen (POST first). */
  responseEncodings: (string | null)[];
  inlineSegments: number;
  spooled: SpooledSegmentSeen[];
  /** Responses whose data was plain rows (the direct protocol). */
  directPages: number;
  /** Every response body, as text. */
  bodies: string[];
  error?: { errorName: string; message: string };
}

interface Segment {
  type: 'inline' | 'spooled';
  data?: string;
  uri?: string;
  ackUri?: string;
  headers?: Record<string, string[]>;
  metadata: { rowOffset: number; rowsCount: number; segmentSize: number; uncompressedSize?: number };
}

export async function runSpooled(sql: string, options: SpoolingClientOptions): Promise<SpoolingResult> {
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = { 'X-Trino-User': options.user ?? 'alice', ...options.headers };
  if (options.encoding !== undefined) headers['X-Trino-Query-Data-Encoding'] = options.encoding;
  const acks: Promise<void>[] = [];
  const result: SpoolingResult = { rows: [], rowCount: 0, encodings: [], responseEncodings: [], inlineSegments: 0, spooled: [], directPages: 0, bodies: [] };
  let response = await doFetch(`${options.server}/v1/statement`, { method: 'POST', headers, body: sql });
  // The encoding header goes on the POST only: the server keeps it for the query.
  delete headers['X-Trino-Query-Data-Encoding'];
  for (;;) {
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
    result.responseEncodings.push(response.headers.get('x-trino-query-data-encoding'));
    const text = await response.text();
    result.bodies.push(text);
    const page = JSON.parse(text) as { nextUri?: string; columns?: { name: string; type: string }[]; data?: unknown; error?: { errorName: string; message: string } };
    if (page.columns) result.columns = page.columns;
    if (page.error) result.error = page.error;
    const next = page.nextUri && options.prefetch ? doFetch(page.nextUri, { headers }) : undefined;
    // A prefetched poll that fails while this page's data is read is reported once the data is.
    next?.catch(() => undefined);
    if (page.data !== undefined) await readData(page.data, result, options, doFetch, acks);
    if (!page.nextUri) {
      await Promise.all(acks);
      return result;
    }
    response = await (next ?? doFetch(page.nextUri, { headers }));
  }
}

async function acknowledge(segment: Segment, doFetch: typeof fetch): Promise<void> {
  const ack = await doFetch(segment.ackUri!, { headers: flatten(segment.headers) });
  await ack.arrayBuffer();
  if (ack.status !== 200) throw new Error(`ack answered ${ack.status}`);
}

async function readData(data: unknown, result: SpoolingResult, options: SpoolingClientOptions, doFetch: typeof fetch, acks: Promise<void>[]): Promise<void> {
  if (Array.isArray(data)) {
    result.directPages++;
    result.rowCount += data.length;
    if (options.keepRows !== false) for (const row of data as unknown[][]) result.rows.push(row);
    return;
  }
  const encoded = data as { encoding: string; segments: Segment[] };
  result.encodings.push(encoded.encoding);
  const load = (segment: Segment) => (segment.type === 'inline' ? Promise.resolve(Buffer.from(segment.data!, 'base64')) : download(segment, result, doFetch));
  const bodies = options.parallel ? await Promise.all(encoded.segments.map(load)) : [];
  for (const [i, segment] of encoded.segments.entries()) {
    const bytes = options.parallel ? bodies[i]! : await load(segment);
    if (segment.type === 'inline') result.inlineSegments++;
    const rows = decode(encoded.encoding, bytes, segment, options);
    if (segment.metadata.rowOffset !== result.rowCount) throw new Error(`segment rowOffset ${segment.metadata.rowOffset}, but ${result.rowCount} rows were read before it`);
    if (rows.length !== segment.metadata.rowsCount) throw new Error(`segment rowsCount ${segment.metadata.rowsCount}, but it holds ${rows.length} rows`);
    result.rowCount += rows.length;
    if (options.keepRows !== false) for (const row of rows) result.rows.push(row);
    // Sent and not waited for, as Trino's JDBC driver does (an enqueued call); checked at the end.
    if (segment.type === 'spooled' && options.ack !== false && segment.ackUri) {
      const ack = acknowledge(segment, doFetch);
      // A failure is reported once the result is read (Promise.all), never as an unhandled rejection.
      ack.catch(() => undefined);
      acks.push(ack);
    }
  }
}

async function download(segment: Segment, result: SpoolingResult, doFetch: typeof fetch): Promise<Uint8Array> {
  result.spooled.push({ uri: segment.uri!, ...(segment.ackUri ? { ackUri: segment.ackUri } : {}), headers: segment.headers ?? {}, metadata: segment.metadata });
  // Only the segment's own headers: the driver's segment client carries no credentials.
  const response = await doFetch(segment.uri!, { headers: flatten(segment.headers) });
  if (response.status !== 200) throw new Error(`segment download answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function flatten(headers: Record<string, string[]> = {}): [string, string][] {
  return Object.entries(headers).flatMap(([name, values]) => values.map((v): [string, string] => [name, v]));
}

/** Decodes a segment's bytes into rows, as the encoding and its metadata say. */
export function decode(encoding: string, bytes: Uint8Array, segment: Pick<Segment, 'metadata'>, options: Pick<SpoolingClientOptions, 'zstd' | 'onJson'> = {}): unknown[][] {
  const { segmentSize, uncompressedSize } = segment.metadata;
  if (bytes.length !== segmentSize) throw new Error(`segmentSize ${segmentSize}, but ${bytes.length} bytes arrived`);
  let json = bytes;
  if (uncompressedSize !== undefined) {
    if (encoding === 'json+zstd') json = options.zstd ? options.zstd(bytes, uncompressedSize) : zstdDecompress(bytes, new Uint8Array(uncompressedSize));
    else if (encoding === 'json+lz4') {
      json = new Uint8Array(uncompressedSize);
      const end = decompressBlock(bytes, json, 0, bytes.length, 0);
      if (end !== uncompressedSize) throw new Error(`LZ4 block decompressed to ${end} bytes, expected ${uncompressedSize}`);
    } else throw new Error(`encoding ${encoding} has no compression, but the segment has uncompressedSize`);
    if (json.length !== uncompressedSize) throw new Error(`decompressed to ${json.length} bytes, expected ${uncompressedSize}`);
  }
  options.onJson?.(json);
  return JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.length).toString('utf8')) as unknown[][];
}
