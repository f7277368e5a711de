import { isAscii } from 'node:buffer';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RawValue } from '../../../core/engines/athena/decode.js';
import type { JsonRows } from '../../../core/ports/index.js';
import { NOT_TRANSCODED, transcodeCsv, type CsvJsonPlan } from './csv-json.js';
import { CsvShapeError, scanCsv } from './csv-scanner.js';

/**
 * Reads Athena's result CSV (`<OutputLocation>`, PROTOCOL.md §3.8) straight from S3 by byte ranges,
 * as Athena's own JDBC and ODBC drivers do: pages are not limited to 1,000 rows and cost no Athena
 * API calls. The file has a header row; every non-null value is quoted, NULL is an empty unquoted
 * field and the empty string is `""`. csv-scanner.ts reads that dialect.
 */

/**
 * Reads whole records from text that ends at a record's end: undefined when a quoted value is not
 * closed (the text was cut inside it); throws when a record does not have `columns` values.
 * The scanner by default; the general CSV parser it replaced stays as a reference in the tests.
 */
export type CsvRecordParser = (text: string, columns: number) => RawValue[][] | undefined;

/** The result file cannot be read from S3 (permissions, client-side encryption, gone): use the API. */
export class CsvUnavailableError extends Error {
  constructor(
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CsvUnavailableError';
  }
}

export interface CsvLocation {
  bucket: string;
  key: string;
}

export function csvLocation(outputLocation: string | undefined): CsvLocation | undefined {
  const m = /^s3a?:\/\/([^/]+)\/(.+\.csv)$/.exec(outputLocation ?? '');
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

export interface CsvPageRequest {
  location: CsvLocation;
  /** Byte offset where the page starts: 0 for the first page (the header row is skipped). */
  offset: number;
  /** The object's size when known (from an earlier page). */
  size?: number;
  etag?: string;
  /** The result's column count: every record must have one value per column. */
  columns: number;
  maxRows: number;
  /** Budget for the page, in estimated bytes of protocol JSON. */
  pageBytes: number;
  /** Bytes to read in the first range request. */
  readBytes: number;
  /** The record parser (the scanner unless a test compares it with another one). */
  parser?: CsvRecordParser;
}

export interface CsvPage {
  rows: RawValue[][];
  header?: RawValue[];
  /** Where the next page starts; equals `size` when the file is read to its end. */
  nextOffset: number;
  size: number;
  etag?: string;
  /** Bytes the next page should read to fill its budget, from this page's density. */
  readBytes: number;
}

const MAX_READ_BYTES = 256 * 1024 * 1024;

/** A page's records taken from the bytes read: where they end, and the next read's size. */
interface Taken<T> {
  page: T;
  /** Bytes of the range the page took (whole records). */
  end: number;
  /** Bytes the next page should read to fill its budget, from this page's density. */
  nextReadBytes: number;
}

/**
 * The page that starts at `request.offset`: reads a range sized by `request.readBytes`, takes
 * whole records from it (`take`, given the bytes, whether they reach the end of the file and the
 * header records to leave out), and reads a larger range while not one whole record is there.
 */
async function readPage<T>(s3: S3Client, request: CsvPageRequest, empty: T, take: (bytes: Buffer, eof: boolean, skip: number) => Taken<T> | undefined): Promise<{ page: T; nextOffset: number; size: number; etag?: string; readBytes: number }> {
  const { location, offset } = request;
  let size = request.size;
  let etag = request.etag;
  if (size !== undefined && offset >= size) return { page: empty, nextOffset: offset, size, readBytes: request.readBytes, ...(etag ? { etag } : {}) };
  let readBytes = Math.min(MAX_READ_BYTES, Math.max(1024, request.readBytes));
  for (;;) {
    const last = (size !== undefined ? Math.min(offset + readBytes, size) : offset + readBytes) - 1;
    const { bytes, total, tag } = await getRange(s3, location, offset, last, etag);
    size = total;
    etag = tag ?? etag;
    if (bytes.length === 0) return { page: empty, nextOffset: offset, size, readBytes, ...(etag ? { etag } : {}) };
    const eof = offset + bytes.length >= total;
    const taken = take(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), eof, offset === 0 ? 1 : 0);
    if (taken) {
      return { page: taken.page, nextOffset: offset + taken.end, size, readBytes: Math.round(Math.min(MAX_READ_BYTES, Math.max(1024, taken.nextReadBytes))), ...(etag ? { etag } : {}) };
    }
    if (eof) return { page: empty, nextOffset: offset + bytes.length, size, readBytes, ...(etag ? { etag } : {}) };
    // Not one whole record in the range: read more.
    if (readBytes >= MAX_READ_BYTES) throw new Error(`A row of the result file is larger than ${MAX_READ_BYTES} bytes`);
    readBytes *= 4;
  }
}

export async function readCsvPage(s3: S3Client, request: CsvPageRequest): Promise<CsvPage> {
  const shape = { columns: request.columns, parser: request.parser ?? scanCsv };
  const read = await readPage<{ rows: RawValue[][]; header?: RawValue[] }>(s3, request, { rows: [] }, (bytes, eof, skip) => {
    const taken = takePage(bytes, eof, shape, skip, request.maxRows, request.pageBytes);
    if (!taken) return undefined;
    const { rows, end, estimate } = taken;
    const data = skip ? rows.slice(1) : rows;
    // The next range is sized from this page's density, so that it needs no second cut.
    const nextReadBytes = Math.min(request.pageBytes * (end / Math.max(1, estimate)), request.maxRows * (end / Math.max(1, data.length)));
    return { page: { rows: data, ...(skip && rows.length > 0 ? { header: rows[0]! } : {}) }, end, nextReadBytes };
  });
  const { page, ...rest } = read;
  return { ...page, ...rest };
}

/**
 * The page that starts at `request.offset` as the protocol's JSON rows (csv-json.ts), or
 * NOT_TRANSCODED when its bytes are outside Athena's dialect (read it with readCsvPage then).
 */
export async function readCsvJsonPage(s3: S3Client, request: CsvPageRequest, plan: CsvJsonPlan): Promise<CsvJsonRead | typeof NOT_TRANSCODED> {
  const empty: JsonRows = { count: 0, bytes: Buffer.alloc(0), ends: new Uint32Array(0) };
  const read = await readPage<JsonRows | typeof NOT_TRANSCODED>(s3, request, empty, (bytes, eof, skip) => {
    const taken = transcodeCsv(bytes, eof, plan, { skip, maxRows: request.maxRows, maxBytes: request.pageBytes });
    // Taken as it is, so that nothing more is read: the caller reads the page the general way.
    if (taken === NOT_TRANSCODED) return { page: NOT_TRANSCODED, end: 0, nextReadBytes: request.readBytes };
    if (!taken) return undefined;
    const { end, ...rows } = taken;
    const nextReadBytes = Math.min(request.pageBytes * (end / Math.max(1, rows.bytes.length)), request.maxRows * (end / Math.max(1, rows.count)));
    return { page: rows, end, nextReadBytes };
  });
  const { page, ...rest } = read;
  return page === NOT_TRANSCODED ? NOT_TRANSCODED : { rows: page, ...rest };
}

export interface CsvJsonRead {
  rows: JsonRows;
  nextOffset: number;
  size: number;
  etag?: string;
  readBytes: number;
}

/** A page's budget in estimated protocol JSON may be overrun by this much before it is cut again. */
const BUDGET_SLACK = 1.25;

type Records = { rows: RawValue[][]; end: number };

/** What a record must look like, and the parser that reads records. */
interface Shape {
  columns: number;
  parser: CsvRecordParser;
}

/**
 * Bytes parsed at a time. V8 makes strings above about 128 KB in its large-object space, where
 * decoding them costs several times more; pieces this size keep even UTF-16 text below that.
 */
const PIECE_BYTES = 32 * 1024;

/**
 * The whole records at the start of the bytes that make a page, parsed piece by piece until the
 * budget (estimated protocol JSON bytes, then rows) is reached. The last piece is cut again in
 * proportion when it overruns the budget. At least one data record is taken when there is one;
 * undefined when the bytes hold no whole data record.
 */
function takePage(bytes: Buffer, eof: boolean, shape: Shape, skip: number, maxRows: number, pageBytes: number): (Records & { estimate: number }) | undefined {
  const rows: RawValue[][] = [];
  let end = 0;
  let estimate = 0;
  let headerLeft = skip;
  let taken = 0;
  while (end < bytes.length && taken < maxRows && estimate < pageBytes) {
    const rest = bytes.subarray(end);
    let chunk = recordsAtStart(rest, eof, shape);
    if (!chunk) break;
    for (;;) {
      const header = Math.min(headerLeft, chunk.rows.length);
      const data = chunk.rows.length - header;
      const cost = estimateJsonBytes(chunk.rows, header);
      const fits = taken + data <= maxRows && estimate + cost <= pageBytes * BUDGET_SLACK;
      if (fits || (data <= 1 && taken === 0)) {
        for (const row of chunk.rows) rows.push(row);
        headerLeft -= header;
        taken += data;
        end += chunk.end;
        estimate += cost;
        break;
      }
      // Over budget: keep a proportional share of this piece's records (one record at least, if the page has none yet).
      const share = Math.min((maxRows - taken) / Math.max(1, data), (pageBytes - estimate) / Math.max(1, cost));
      const smaller = wholeRecords(rest, Math.floor(chunk.end * Math.max(0, share) * 0.9), false, shape);
      if (smaller && smaller.rows.length > header) chunk = smaller;
      else if (taken > 0) return { rows, end, estimate };
      else {
        const first = firstRecords(rest, smaller?.end ?? 0, smaller?.rows.length ?? 0, shape, header + 1);
        if (!first) return undefined;
        chunk = first;
      }
    }
  }
  if (taken === 0 && !(eof && end === bytes.length)) return undefined;
  return { rows, end, estimate };
}

/** The whole records in the first piece of the bytes; more than a piece when one record is longer. */
function recordsAtStart(bytes: Buffer, eof: boolean, shape: Shape): Records | undefined {
  for (let limit = PIECE_BYTES; ; limit *= 2) {
    const chunk = wholeRecords(bytes, Math.min(limit, bytes.length), eof, shape);
    if (chunk && chunk.rows.length > 0) return chunk;
    if (limit >= bytes.length) return undefined;
  }
}

/**
 * The first `count` records, when records before `from` (`have` of them) are whole. The record
 * ends after `from` are found by quote parity (a line break ends a record when the quotes before
 * it pair up) in one pass, which no cut-and-retry could do in linear time on values full of line
 * breaks; the parser then reads the records up to that end.
 */
function firstRecords(bytes: Buffer, from: number, have: number, shape: Shape, count: number): Records | undefined {
  let need = count - have;
  let quotes = 0;
  let quoteAt = bytes.indexOf(QUOTE, from);
  for (let nl = bytes.indexOf(LF, from); nl >= 0; nl = bytes.indexOf(LF, nl + 1)) {
    while (quoteAt >= 0 && quoteAt < nl) {
      quotes++;
      quoteAt = bytes.indexOf(QUOTE, quoteAt + 1);
    }
    if (quotes % 2 === 0 && --need <= 0) {
      const rows = parseWhole(bytes, nl + 1, shape);
      return rows && rows.length >= count ? { rows, end: nl + 1 } : undefined;
    }
  }
  return undefined;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** The end (just past the line break) of the last line that ends before `limit`, or 0. */
function lineEndBefore(bytes: Buffer, limit: number): number {
  return limit <= 0 ? 0 : bytes.lastIndexOf(LF, limit - 1) + 1;
}

/**
 * The records that end at or before `limit`: the bytes are cut after the last line break before
 * it and parsed. A line break inside a quoted value makes the parser fail (the quote is left
 * open); the cut then moves back, halving, to an earlier line break. At the end of the file all
 * of it must parse. Undefined when no cut holds a whole record.
 */
function wholeRecords(bytes: Buffer, limit: number, eof: boolean, shape: Shape): Records | undefined {
  const atEnd = eof && limit >= bytes.length;
  let end = atEnd ? bytes.length : lineEndBefore(bytes, limit);
  while (end > 0) {
    const rows = parseWhole(bytes, end, shape);
    if (rows) return { rows, end };
    if (atEnd && end === bytes.length) throw new Error('The result file is not valid CSV: a quoted value is not closed');
    end = lineEndBefore(bytes, Math.floor(end / 2));
  }
  return undefined;
}

/** The whole records at the start of some bytes of the file, with the offset where they end. */
export function parseCsvBytes(bytes: Uint8Array, columns: number, eof = true, parser: CsvRecordParser = scanCsv): Records | undefined {
  return wholeRecords(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), bytes.length, eof, { columns, parser });
}

/**
 * Parses `bytes[0, end)`, whole records only; the parser tells a quoted field from an unquoted
 * one: an unquoted empty field is NULL, `""` the empty string. Returns undefined when a quoted
 * value is left open (a cut inside it); throws when a record does not have one value per column,
 * which no cut can cause.
 */
function parseWhole(bytes: Buffer, end: number, shape: Shape): RawValue[][] | undefined {
  const { columns } = shape;
  let stop = end;
  if (bytes[stop - 1] === LF) stop--;
  if (bytes[stop - 1] === CR) stop--;
  // One record that is an empty line: a single NULL column.
  if (stop === 0) return end > 0 ? checked([[null]], columns) : [];
  const body = bytes.subarray(0, stop);
  // Latin-1 is the faster decoder and the same as UTF-8 on ASCII. The cut is after a line feed,
  // a byte no multi-byte UTF-8 sequence contains: the text never ends inside a character.
  const text = body.toString(isAscii(body) ? 'latin1' : 'utf8');
  return shape.parser(text, columns);
}

function checked(rows: RawValue[][], columns: number): RawValue[][] {
  if (columns !== 1) throw new CsvShapeError(columns);
  return rows;
}

/** Protocol JSON of a row is close to its CSV text; NULLs grow (`null`), quotes stay. */
function estimateJsonBytes(rows: readonly (readonly RawValue[])[], from: number): number {
  let n = 0;
  for (let i = from; i < rows.length; i++) {
    const values = rows[i]!;
    n += 2;
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      n += v == null ? 5 : v.length + 3;
    }
  }
  return n;
}

/**
 * A range above this is read as parts of it at once: S3 serves each connection at a bounded
 * rate, and parallel byte-range reads are how its clients reach more (a spooled poll reads
 * megabytes). At most MAX_RANGE_PARTS parts: larger ranges get larger parts.
 */
const RANGE_PART_BYTES = 2 * 1024 * 1024;
const MAX_RANGE_PARTS = 8;

type RangeRead = { bytes: Uint8Array; total: number; tag?: string };

/**
 * Bytes `first` to `last` of the object. Split into parts only once an earlier page pinned the
 * object by its ETag, so that every part is of the same object (a part of another answers 412).
 */
async function getRange(s3: S3Client, location: CsvLocation, first: number, last: number, etag?: string): Promise<RangeRead> {
  const length = last - first + 1;
  if (!etag || length <= RANGE_PART_BYTES) return getOneRange(s3, location, first, last, etag);
  const partBytes = Math.max(RANGE_PART_BYTES, Math.ceil(length / MAX_RANGE_PARTS));
  const starts: number[] = [];
  for (let at = first; at <= last; at += partBytes) starts.push(at);
  const parts = await Promise.all(starts.map((at) => getOneRange(s3, location, at, Math.min(last, at + partBytes - 1), etag)));
  // The bytes end at the first part that ends early (the end of the object).
  let size = 0;
  for (const [i, part] of parts.entries()) {
    size += part.bytes.length;
    if (part.bytes.length < Math.min(last, starts[i]! + partBytes - 1) - starts[i]! + 1) break;
  }
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  for (const part of parts) {
    if (at >= size) break;
    bytes.set(part.bytes.subarray(0, size - at), at);
    at += part.bytes.length;
  }
  return { bytes, total: parts[0]!.total, tag: parts[0]!.tag ?? etag };
}

async function getOneRange(s3: S3Client, location: CsvLocation, first: number, last: number, etag?: string): Promise<RangeRead> {
  let response;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key, Range: `bytes=${first}-${last}`, ...(etag ? { IfMatch: etag } : {}) }));
  } catch (error) {
    const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number }; message?: string };
    const status = e.$metadata?.httpStatusCode;
    if (e.name === 'InvalidRange' || status === 416) return { bytes: new Uint8Array(0), total: first };
    if (status === 403 || status === 404 || status === 301 || /AccessDenied|NoSuchKey|NoSuchBucket|KMS|PermanentRedirect|InvalidObjectState|AllAccessDisabled/.test(`${e.name} ${e.Code ?? ''}`)) {
      throw new CsvUnavailableError(`The result file s3://${location.bucket}/${location.key} cannot be read: ${e.name ?? ''} ${e.message ?? ''}`.trim(), { cause: error });
    }
    throw error;
  }
  if (!response) throw new CsvUnavailableError(`No answer reading s3://${location.bucket}/${location.key}`);
  const metadata = response.Metadata ?? {};
  // Client-side encrypted objects (CSE_KMS) carry their envelope in the metadata: the bytes are ciphertext.
  if ('x-amz-cek-alg' in metadata || 'x-amz-key-v2' in metadata || 'x-amz-key' in metadata || 'x-amz-wrap-alg' in metadata) {
    await response.Body?.transformToByteArray().catch(() => undefined);
    throw new CsvUnavailableError(`The result file s3://${location.bucket}/${location.key} is client-side encrypted`);
  }
  const bytes = response.Body ? await response.Body.transformToByteArray() : new Uint8Array(0);
  const range = /\/(\d+)$/.exec(response.ContentRange ?? '');
  const total = range ? Number(range[1]) : first + bytes.length;
  return { bytes, total, ...(response.ETag ? { tag: response.ETag } : {}) };
}
