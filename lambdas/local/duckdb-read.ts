import { isAscii } from 'node:buffer';
import duckdb from '@duckdb/node-bindings';
import { DuckDBDateValue, DuckDBDecimalValue, DuckDBTypeId, type DuckDBDataChunk, type DuckDBResult, type DuckDBType } from '@duckdb/node-api';
import { formatTimestampMicros, mapDuckTypeInZone, shortestReal, type ColumnMapping } from './duckdb-types.js';

/**
 * Reads a DuckDB result into rows of converted values, each exactly what the column's
 * `mapDuckTypeInZone(type, zone).convert` gives for the binding's value, chunk by chunk and column
 * by column. The binding's own reading builds an object per cell and tests validity with bigint
 * arithmetic; the common types are read here straight from the vector's memory instead, and the
 * others (lists, structs, maps, intervals, blobs...) through the binding's values and `convert`.
 */
export async function readRows(result: DuckDBResult, zoneOf: (column: number) => string = () => 'UTC'): Promise<unknown[][]> {
  const types = result.columnTypes();
  const read = chunkReader(types, types.map((type, c) => mapDuckTypeInZone(type, zoneOf(c))));
  const rows: unknown[][] = [];
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    for (const row of read(chunk)) rows.push(row);
  }
  return rows;
}

/** The rows of one chunk of a result whose columns have these types and mappings, as readRows reads them. */
export function chunkReader(types: readonly DuckDBType[], mappings: readonly ColumnMapping[]): (chunk: DuckDBDataChunk) => unknown[][] {
  const readers = types.map((type, c) => columnReader(type, mappings[c]!));
  return (chunk) => {
    const count = chunk.rowCount;
    const block = new Array<unknown[]>(count);
    for (let r = 0; r < count; r++) block[r] = new Array<unknown>(readers.length);
    for (let c = 0; c < readers.length; c++) readers[c]!(chunk, c, count, block);
    return block;
  };
}

/** Fills `rows[0..count)[column]` from the chunk's vector. */
export type ColumnReader = (chunk: DuckDBDataChunk, column: number, count: number, rows: unknown[][]) => void;

// Vector data is read in the machine's order; the validity mask is a little-endian bit field.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A typed array over a vector's values: its element is the stored value. */
export interface StoredArray {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): ArrayLike<number | bigint>;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * How a column's values lie in vector memory, for the types read straight from it (here and in
 * duckdb-json.ts); undefined for the others, read through the binding's values.
 */
export type Storage =
  | { kind: 'boolean' }
  | { kind: 'number'; View: StoredArray }
  | { kind: 'bigint' }
  | { kind: 'double' }
  | { kind: 'real' }
  | { kind: 'varchar' }
  | { kind: 'date' }
  | { kind: 'decimal'; width: number; scale: number }
  | { kind: 'timestamp'; fromInt64: (value: bigint) => unknown }
  | { kind: 'int64'; fromInt64: (value: bigint) => unknown };

export function storageOf(type: DuckDBType, mapping: ColumnMapping): Storage | undefined {
  // JSON is text whatever DuckDB stores it as: VARCHAR is read as text, anything else through its values.
  if (!LITTLE_ENDIAN || (type.alias === 'JSON' && type.typeId !== DuckDBTypeId.VARCHAR)) return undefined;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return duckdb.sizeof_bool === 1 ? { kind: 'boolean' } : undefined;
    case DuckDBTypeId.TINYINT:
      return { kind: 'number', View: Int8Array };
    case DuckDBTypeId.SMALLINT:
      return { kind: 'number', View: Int16Array };
    case DuckDBTypeId.INTEGER:
      return { kind: 'number', View: Int32Array };
    case DuckDBTypeId.UTINYINT:
      return { kind: 'number', View: Uint8Array };
    case DuckDBTypeId.USMALLINT:
      return { kind: 'number', View: Uint16Array };
    case DuckDBTypeId.UINTEGER:
      return { kind: 'number', View: Uint32Array };
    case DuckDBTypeId.BIGINT:
      return { kind: 'bigint' };
    case DuckDBTypeId.DOUBLE:
      return { kind: 'double' };
    case DuckDBTypeId.FLOAT:
      return { kind: 'real' };
    case DuckDBTypeId.VARCHAR:
      return { kind: 'varchar' };
    case DuckDBTypeId.DATE:
      return { kind: 'date' };
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as unknown as { width: number; scale: number };
      return { kind: 'decimal', width, scale };
    }
    case DuckDBTypeId.HUGEINT:
      return { kind: 'decimal', width: 38, scale: 0 };
    case DuckDBTypeId.TIMESTAMP:
      return mapping.fromInt64 ? { kind: 'timestamp', fromInt64: mapping.fromInt64 } : undefined;
    default:
      return mapping.fromInt64 ? { kind: 'int64', fromInt64: mapping.fromInt64 } : undefined;
  }
}

export function columnReader(type: DuckDBType, mapping: ColumnMapping): ColumnReader {
  const storage = storageOf(type, mapping);
  switch (storage?.kind) {
    case 'boolean':
      return booleans;
    case 'number':
      return numbers(storage.View);
    case 'bigint':
      return numbers(BigInt64Array);
    case 'double':
      return numbers(Float64Array);
    case 'real':
      return reals;
    case 'varchar':
      return strings;
    case 'date':
      return dates();
    case 'decimal':
      return decimals(storage.width, storage.scale);
    case 'timestamp':
      return timestamps(storage.fromInt64);
    case 'int64':
      return int64s(storage.fromInt64);
    default:
      return valuesReader(mapping.convert);
  }
}

/** Any type: the binding's value for each cell, converted. */
function valuesReader(convert: ColumnMapping['convert']): ColumnReader {
  return (chunk, column, count, rows) => {
    const vector = chunk.getColumnVector(column);
    for (let r = 0; r < count; r++) rows[r]![column] = convert(vector.getItem(r));
  };
}

export function vectorOf(chunk: DuckDBDataChunk, column: number): duckdb.Vector {
  return duckdb.data_chunk_get_vector(chunk.chunk, column);
}

/** The vector's validity mask (a bit per row, 0 for NULL), or null when no row is NULL. */
export function validityOf(vector: duckdb.Vector, count: number): Uint8Array | null {
  return duckdb.vector_get_validity(vector, Math.ceil(count / 64) * 8) ?? null;
}

// A 64-bit integer whose high word is within ±2^21 is a safe integer: read as two words, no bigint.
const TWO_32 = 2 ** 32;
const SAFE_HIGH = 2 ** 21;

export const isNull = (mask: Uint8Array | null, r: number): boolean => mask !== null && (mask[r >> 3]! & (1 << (r & 7))) === 0;

export function dataOf(vector: duckdb.Vector, count: number, width: number): Uint8Array {
  return duckdb.vector_get_data(vector, count * width);
}

function numbers(View: StoredArray): ColumnReader {
  return (chunk, column, count, rows) => {
    const vector = vectorOf(chunk, column);
    const data = dataOf(vector, count, View.BYTES_PER_ELEMENT);
    const items = new View(data.buffer as ArrayBuffer, data.byteOffset, count);
    const mask = validityOf(vector, count);
    for (let r = 0; r < count; r++) rows[r]![column] = isNull(mask, r) ? null : items[r];
  };
}

const booleans: ColumnReader = (chunk, column, count, rows) => {
  const vector = vectorOf(chunk, column);
  const items = dataOf(vector, count, 1);
  const mask = validityOf(vector, count);
  for (let r = 0; r < count; r++) rows[r]![column] = isNull(mask, r) ? null : items[r] !== 0;
};

const reals: ColumnReader = (chunk, column, count, rows) => {
  const vector = vectorOf(chunk, column);
  const data = dataOf(vector, count, 4);
  const items = new Float32Array(data.buffer as ArrayBuffer, data.byteOffset, count);
  const mask = validityOf(vector, count);
  for (let r = 0; r < count; r++) rows[r]![column] = isNull(mask, r) ? null : shortestReal(items[r]!);
};

// A leading byte order mark is part of the text DuckDB stores: kept, as Trino keeps it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * VARCHAR cells are 16 bytes: a uint32 length, then the bytes themselves when they fit in 12,
 * else a 4-byte prefix and a pointer to them. Fetching through a pointer is a native call that
 * costs more than the rest of the read, and the strings of a chunk mostly lie end to end in
 * DuckDB's heap: a run of pointers that each start where the previous string ends is fetched in
 * one call (when its first cell is asked for), which reads only those strings' bytes.
 *
 * The accessor gives where a non-NULL cell's bytes are: in the vector's own data for an inline
 * cell, else in its run's bytes (the same array for every cell of a run). One object, reused.
 */
export function textCells(data: Uint8Array, count: number, mask: Uint8Array | null): (r: number) => TextCell {
  const words = new Uint32Array(data.buffer as ArrayBuffer, data.byteOffset, count * 4);
  const pointerAt = (r: number): number => (words[r * 4 + 3]! < SAFE_HIGH ? words[r * 4 + 3]! * TWO_32 + words[r * 4 + 2]! : NaN);
  const outOfLine = (r: number): boolean => !isNull(mask, r) && words[r * 4]! > 12;
  const cell: TextCell = { bytes: data, from: 0, to: 0 };
  // The run fetched last: rows runStart..runEnd-1, their bytes in `run` from runStarts[i].
  let run: Uint8Array = new Uint8Array(0);
  let runStart = -1;
  let runEnd = -1;
  let runStarts: number[] = [];
  const fetch = (r: number) => {
    const start = pointerAt(r);
    let end = r + 1;
    let size = words[r * 4]!;
    while (end < count && outOfLine(end) && pointerAt(end) === start + size) size += words[end++ * 4]!;
    run = duckdb.get_data_from_pointer(data.buffer as ArrayBuffer, data.byteOffset + r * 16 + 8, size);
    runStarts = [];
    for (let i = r, at = 0; i < end; i++) {
      runStarts.push(at);
      at += words[i * 4]!;
    }
    runStart = r;
    runEnd = end;
  };
  return (r) => {
    const length = words[r * 4]!;
    if (length <= 12) {
      cell.bytes = data;
      cell.from = r * 16 + 4;
    } else {
      if (r < runStart || r >= runEnd) fetch(r);
      cell.bytes = run;
      cell.from = runStarts[r - runStart]!;
    }
    cell.to = cell.from + length;
    return cell;
  };
}

export interface TextCell {
  bytes: Uint8Array;
  from: number;
  to: number;
}

/** VARCHAR through textCells: a run of ASCII strings is decoded once and sliced. */
const strings: ColumnReader = (chunk, column, count, rows) => {
  const vector = vectorOf(chunk, column);
  const data = dataOf(vector, count, 16);
  const mask = validityOf(vector, count);
  const cellAt = textCells(data, count, mask);
  let decoded: Uint8Array | undefined;
  let text: string | undefined;
  for (let r = 0; r < count; r++) {
    if (isNull(mask, r)) {
      rows[r]![column] = null;
      continue;
    }
    const { bytes, from, to } = cellAt(r);
    if (bytes === data) {
      rows[r]![column] = shortText(data, from, to - from);
      continue;
    }
    if (bytes !== decoded) {
      decoded = bytes;
      text = isAscii(bytes) ? decoder.decode(bytes) : undefined;
    }
    rows[r]![column] = text !== undefined ? text.slice(from, to) : decoder.decode(bytes.subarray(from, to));
  }
};

/** Inline text: ASCII is copied by code unit (much cheaper than a decoder call for a few bytes). */
function shortText(bytes: Uint8Array, at: number, length: number): string {
  let text = '';
  for (let i = at; i < at + length; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80) return decoder.decode(bytes.subarray(at, at + length));
    text += String.fromCharCode(byte);
  }
  return text;
}

/**
 * DATE as the binding's text. A result's dates repeat (a column holds a few thousand days at
 * most, mostly), so each column keeps the text of the days it has seen: formatted once, stored once.
 */
function dates(): ColumnReader {
  const textOf = dateTexts();
  return (chunk, column, count, rows) => {
    const vector = vectorOf(chunk, column);
    const data = dataOf(vector, count, 4);
    const days = new Int32Array(data.buffer as ArrayBuffer, data.byteOffset, count);
    const mask = validityOf(vector, count);
    for (let r = 0; r < count; r++) rows[r]![column] = isNull(mask, r) ? null : textOf(days[r]!);
  };
}

/** A column's date texts by day: formatted once, stored once (up to 100,000 days). */
export function dateTexts(): (days: number) => string {
  const seen = new Map<number, string>();
  return (days) => {
    let text = seen.get(days);
    if (text === undefined) {
      text = formatDate(days);
      if (seen.size < 100_000) seen.set(days, text);
    }
    return text;
  };
}

// 0001-01-01 and 9999-12-31 as days since 1970-01-01.
const FIRST_DAY = -719162;
const LAST_DAY = 2932896;

/**
 * A date as the binding prints it (yyyy-MM-dd), by civil-from-days arithmetic for years 1 to
 * 9999 (no Date object); outside them (BC, infinity) the binding's own text.
 */
export function formatDate(days: number): string {
  if (days < FIRST_DAY || days > LAST_DAY) return String(new DuckDBDateValue(days));
  // Howard Hinnant's civil_from_days, in eras of 400 years from 0000-03-01.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year < 1000 ? String(year).padStart(4, '0') : year}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/**
 * DECIMAL (and HUGEINT as DECIMAL(38,0)) as the binding's text: stored as int16, int32, int64 or
 * int128 by width. Values that are safe integers are formatted as numbers, the rest as bigints.
 */
function decimals(width: number, scale: number): ColumnReader {
  const decimal = decimalFormat(width, scale);
  return (chunk, column, count, rows) => {
    const vector = vectorOf(chunk, column);
    const data = dataOf(vector, count, decimal.bytes);
    const mask = validityOf(vector, count);
    const textAt = decimal.reader(data, count);
    for (let r = 0; r < count; r++) rows[r]![column] = isNull(mask, r) ? null : textAt(r);
  };
}

/**
 * DECIMAL(width, scale)'s storage (int16, int32, int64 or int128 by width) and its text: values
 * that are safe integers are formatted as numbers, the rest as bigints, as the binding prints them.
 */
export function decimalFormat(width: number, scale: number): { bytes: number; reader: (data: Uint8Array, count: number) => (r: number) => string } {
  const bytes = width <= 4 ? 2 : width <= 9 ? 4 : width <= 18 ? 8 : 16;
  const words = bytes / 4;
  const factor = 10 ** scale;
  const format = (value: number): string => {
    if (scale === 0) return String(value);
    const abs = Math.abs(value);
    const fraction = abs % factor;
    return `${value < 0 ? '-' : ''}${(abs - fraction) / factor}.${String(fraction).padStart(scale, '0')}`;
  };
  // The number path needs 10^scale exact in a double, as it is up to 10^22.
  const numeric = scale <= 22;
  return {
    bytes,
    reader: (data, count) => {
      const buffer = data.buffer as ArrayBuffer;
      if (bytes <= 4) {
        const items = bytes === 2 ? new Int16Array(buffer, data.byteOffset, count) : new Int32Array(buffer, data.byteOffset, count);
        return (r) => format(items[r]!);
      }
      const low = new Uint32Array(buffer, data.byteOffset, count * words);
      const signed = new Int32Array(buffer, data.byteOffset, count * words);
      return (r) => {
        const at = r * words;
        const high = signed[at + 1]!;
        const extension = high < 0 ? -1 : 0;
        const fits = numeric && high > -SAFE_HIGH && high < SAFE_HIGH && (words === 2 || (signed[at + 2] === extension && signed[at + 3] === extension));
        return fits ? format(high * TWO_32 + low[at]!) : new DuckDBDecimalValue(storedBigInt(buffer, data.byteOffset, at, words), width, scale).toString();
      };
    },
  };
}

/** The signed int64 (2 words) or int128 (4 words) stored at 32-bit word `word`. */
function storedBigInt(buffer: ArrayBuffer, offset: number, word: number, words: number): bigint {
  const halves = new BigUint64Array(buffer, offset + word * 4, words / 2);
  if (words === 2) return BigInt.asIntN(64, halves[0]!);
  return (BigInt.asIntN(64, halves[1]!) << 64n) + halves[0]!;
}

/** Types stored as one int64 (times, timestamps), through the mapping's conversion of it. */
function int64s(fromInt64: (value: bigint) => unknown): ColumnReader {
  return (chunk, column, count, rows) => {
    const vector = vectorOf(chunk, column);
    const data = dataOf(vector, count, 8);
    const items = new BigInt64Array(data.buffer as ArrayBuffer, data.byteOffset, count);
    const mask = validityOf(vector, count);
    for (let r = 0; r < count; r++) rows[r]![column] = isNull(mask, r) ? null : fromInt64(items[r]!);
  };
}

/** TIMESTAMP: safe integers without bigint arithmetic, the rest through the mapping's conversion. */
function timestamps(fromInt64: (value: bigint) => unknown): ColumnReader {
  return (chunk, column, count, rows) => {
    const vector = vectorOf(chunk, column);
    const valueAt = int64Reader(dataOf(vector, count, 8), count);
    const mask = validityOf(vector, count);
    for (let r = 0; r < count; r++) {
      if (isNull(mask, r)) {
        rows[r]![column] = null;
        continue;
      }
      const value = valueAt(r);
      rows[r]![column] = typeof value === 'number' ? formatTimestampMicros(value, 6) : fromInt64(value);
    }
  };
}

/** The int64s of a vector's data: a safe integer as a number (read as two words, no bigint), the rest as bigints. */
export function int64Reader(data: Uint8Array, count: number): (r: number) => number | bigint {
  const buffer = data.buffer as ArrayBuffer;
  const low = new Uint32Array(buffer, data.byteOffset, count * 2);
  const signed = new Int32Array(buffer, data.byteOffset, count * 2);
  return (r) => {
    const high = signed[r * 2 + 1]!;
    return high > -SAFE_HIGH && high < SAFE_HIGH ? high * TWO_32 + low[r * 2]! : storedBigInt(buffer, data.byteOffset, r * 2, 2);
  };
}
