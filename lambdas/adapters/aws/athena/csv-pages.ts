import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Parser } from 'csv-parse';
import type { RawValue } from '../../../core/engines/athena/decode.js';

/**
 * Reads Athena's result CSV (`<OutputLocation>`, PROTOCOL.md §3.8) straight from S3 by byte ranges,
 * as Athena's own JDBC and ODBC drivers do: pages are not limited to 1,000 rows and cost no Athena
 * API calls. The file has a header row; every non-null value is quoted, NULL is an empty unquoted
 * field and the empty string is `""`. csv-parse does the quote-aware parsing.
 */

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
  maxRows: number;
  /** Budget for the page, in estimated bytes of protocol JSON. */
  pageBytes: number;
  /** Bytes to read in the first range request. */
  readBytes: number;
}

export interface CsvPage {
  rows: RawValue[][];
  header?: RawValue[];
  /** Where the next page starts; equals `size` when the file is read to its end. */
  nextOffset: number;
  size: number;
  etag?: string;
}

const MAX_READ_BYTES = 256 * 1024 * 1024;

export async function readCsvPage(s3: S3Client, request: CsvPageRequest): Promise<CsvPage> {
  const { location, offset, maxRows, pageBytes } = request;
  let size = request.size;
  let etag = request.etag;
  if (size !== undefined && offset >= size) return { rows: [], nextOffset: offset, size, ...(etag ? { etag } : {}) };
  let readBytes = Math.max(1024, request.readBytes);
  for (;;) {
    const last = (size !== undefined ? Math.min(offset + readBytes, size) : offset + readBytes) - 1;
    const { bytes, total, tag } = await getRange(s3, location, offset, last, etag);
    size = total;
    etag = tag ?? etag;
    if (bytes.length === 0) return { rows: [], nextOffset: offset, size, ...(etag ? { etag } : {}) };
    const eof = offset + bytes.length >= total;
    const skipHeader = offset === 0 ? 1 : 0;
    const rows: RawValue[][] = [];
    let consumed = 0;
    let budget = 0;
    let seen = 0;
    let full = false;
    // Takes whole records until the page is full; parsing stops soon after (see parseRecords).
    const take = (records: CsvRecord[]): boolean => {
      for (; seen < records.length && !full; seen++) {
        const record = records[seen]!;
        if (seen < skipHeader) {
          consumed = record.end;
          continue;
        }
        const estimate = estimateJsonBytes(record.values);
        if ((rows.length > 0 && budget + estimate > pageBytes) || rows.length >= maxRows) {
          full = true;
          break;
        }
        budget += estimate;
        rows.push(record.values);
        consumed = record.end;
      }
      return full;
    };
    const records = parseRecords(bytes, eof, take);
    take(records);
    const header = skipHeader && records.length > 0 ? records[0]!.values : undefined;
    if (rows.length > 0 || eof) return { rows, ...(header ? { header } : {}), nextOffset: offset + consumed, size, ...(etag ? { etag } : {}) };
    // Not one whole record in the range: read more.
    if (readBytes >= MAX_READ_BYTES) throw new Error(`A row of the result file is larger than ${MAX_READ_BYTES} bytes`);
    readBytes *= 4;
  }
}

/** Protocol JSON of a row is close to its CSV text; NULLs grow (`null`), quotes stay. */
function estimateJsonBytes(values: readonly RawValue[]): number {
  let n = 2;
  for (const v of values) n += v == null ? 5 : v.length + 3;
  return n;
}

async function getRange(s3: S3Client, location: CsvLocation, first: number, last: number, etag?: string): Promise<{ bytes: Uint8Array; total: number; tag?: string }> {
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

export interface CsvRecord {
  values: RawValue[];
  /** Offset just after the record (its line break included), relative to the buffer. */
  end: number;
}

interface ParserApi {
  parse(buf: Buffer | undefined, end: boolean, push: (record: unknown) => void, close: () => void): Error | undefined;
  info: { bytes: number };
  state: { wasQuoting: boolean; enabled: boolean; field: { length: number }; record: unknown[] };
  __onField(): Error | undefined;
  __resetField(): void;
}

/**
 * csv-parse reports an empty quoted field and an empty unquoted one alike (''), and its `cast`
 * hook, which can tell them apart, costs a context object per field (an order of magnitude in
 * throughput). The parser's field hook is wrapped to record an unquoted empty field as NULL
 * directly; a self-check at load time falls back to `cast` if the library's internals differ.
 */
function nullAwareParser(): ParserApi {
  const api = (new Parser({ record_delimiter: ['\n', '\r\n'] }) as unknown as { api: ParserApi }).api;
  const onField = api.__onField;
  api.__onField = function (this: ParserApi) {
    const state = this.state;
    if (state.wasQuoting === false && state.field.length === 0 && state.enabled !== false) {
      state.record.push(null);
      this.__resetField();
      return undefined;
    }
    return onField.call(this);
  };
  return api;
}

function castingParser(): ParserApi {
  return (new Parser({ record_delimiter: ['\n', '\r\n'], cast: (value, context) => (context.quoting || value !== '' ? value : null) }) as unknown as { api: ParserApi }).api;
}

function selfCheck(make: () => ParserApi): boolean {
  try {
    const api = make();
    const out: unknown[] = [];
    const error = api.parse(Buffer.from('"",,"a"\n,"b",\n'), true, (r) => out.push(r), () => {});
    return error === undefined && JSON.stringify(out) === '[["",null,"a"],[null,"b",null]]';
  } catch {
    return false;
  }
}

const makeParser: () => ParserApi = selfCheck(nullAwareParser) ? nullAwareParser : castingParser;

/** Bytes handed to the parser at a time, so that parsing stops soon after a page is full. */
const SLICE_BYTES = 64 * 1024;

/**
 * Complete records of a buffer with their end offsets; a partial last record is left out unless
 * `eof`. `enough`, asked after each slice, stops the parse early once it has what it needs.
 */
export function parseRecords(bytes: Uint8Array, eof: boolean, enough?: (records: CsvRecord[]) => boolean, sliceBytes = SLICE_BYTES): CsvRecord[] {
  const api = makeParser();
  const records: CsvRecord[] = [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const push = (record: unknown) => records.push({ values: record as RawValue[], end: api.info.bytes });
  const close = () => {};
  for (let start = 0; start < buf.length || start === 0; start += sliceBytes) {
    const end = Math.min(buf.length, start + sliceBytes);
    const last = end >= buf.length;
    const error = api.parse(buf.subarray(start, end), last && eof, push, close);
    if (error) throw new Error(`The result file is not valid CSV: ${error.message}`);
    if (last) break;
    if (enough?.(records)) return records;
  }
  // At the end of the file the last record may have no line break: it ends with the buffer.
  if (eof && records.length > 0) records[records.length - 1]!.end = bytes.length;
  return records;
}
