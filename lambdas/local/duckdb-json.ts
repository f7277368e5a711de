import { isUtf8 } from 'node:buffer';
import type { DuckDBDataChunk, DuckDBType } from '@duckdb/node-api';
import type { JsonRows, SqlType } from '../core/ports/index.js';
import { encoderFor, floatText, millisecondDatetime, type ValueEncoder } from '../core/protocol/encode.js';
import { columnReader, dataOf, dateTexts, decimalFormat, int64Reader, isNull, storageOf, textCells, validityOf, vectorOf, type ColumnReader, type StoredArray } from './duckdb-read.js';
import { formatTimestampMicros, shortestReal, type ColumnMapping } from './duckdb-types.js';

/** Writes rows `from` to `to` of the chunk, stopping after the row that takes `out` to `maxBytes` (`out` takes one row at least); returns the row it stopped before. */
export type ChunkJsonWriter = (chunk: DuckDBDataChunk, from: number, to: number, out: JsonRowsWriter, maxBytes?: number) => number;

/**
 * Writes rows of a DuckDB result as the protocol's JSON rows (ports/engine.ts JsonRows): the
 * bytes the gateway's encoder (core/protocol/encode.ts) would write for the values chunkReader
 * reads, without building those values. Rows the gateway only passes on (spooled segments, and
 * inline pages) then cost no JavaScript value per cell, no row array and no string per row.
 * Booleans, integers, floats, text, dates, decimals and timestamps are written straight from the
 * vector's memory; every other type is read as chunkReader reads it and encoded as the gateway does.
 */
export function chunkJsonWriter(types: readonly DuckDBType[], mappings: readonly ColumnMapping[], millisecondDatetimes: boolean): ChunkJsonWriter {
  const columns = types.map((type, c) => jsonColumn(type, mappings[c]!, millisecondDatetimes));
  const width = columns.length;
  const cells: CellWriter[] = new Array<CellWriter>(width);
  return (chunk, from, to, out, maxBytes = Infinity) => {
    const count = chunk.rowCount;
    for (let c = 0; c < width; c++) cells[c] = columns[c]!(chunk, c, count);
    for (let r = from; r < to; r++) {
      // A page takes its first row whatever its size: every poll moves the cursor on.
      if (out.count > 0 && out.length >= maxBytes) return r;
      out.startRow();
      for (let c = 0; c < width; c++) {
        if (c > 0) out.put(COMMA);
        cells[c]!(r, out);
      }
      out.endRow();
    }
    return to;
  };
}

/** Writes the cell of row `r` of one column of one chunk. */
type CellWriter = (r: number, out: JsonRowsWriter) => void;
/** One column's cell writer for a chunk. */
type JsonColumn = (chunk: DuckDBDataChunk, column: number, count: number) => CellWriter;

const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A growing buffer of JSON rows, and where each row ends. */
export class JsonRowsWriter {
  private buffer: Buffer;
  private ends: number[] = [];
  length = 0;

  constructor(size = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  get count(): number {
    return this.ends.length;
  }

  rows(): JsonRows {
    return { count: this.ends.length, bytes: this.buffer.subarray(0, this.length), ends: Uint32Array.from(this.ends) };
  }

  startRow(): void {
    this.reserve(ROW_ROOM);
    if (this.ends.length > 0) this.buffer[this.length++] = COMMA;
    this.buffer[this.length++] = 0x5b;
  }

  endRow(): void {
    this.reserve(1);
    this.buffer[this.length++] = 0x5d;
    this.ends.push(this.length);
  }

  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.length + bytes, 2 * this.buffer.length));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }

  put(b: number): void {
    this.reserve(1);
    this.buffer[this.length++] = b;
  }

  /** ASCII text (a number's, a date's), char by char: cheaper than a native write for a few bytes. */
  ascii(text: string): void {
    this.reserve(text.length);
    const out = this.buffer;
    let o = this.length;
    for (let i = 0; i < text.length; i++) out[o++] = text.charCodeAt(i);
    this.length = o;
  }

  /** ASCII text as a JSON string that needs no escape (a date's, a decimal's, a timestamp's). */
  quotedAscii(text: string): void {
    this.reserve(text.length + 2);
    const out = this.buffer;
    let o = this.length;
    out[o++] = QUOTE;
    for (let i = 0; i < text.length; i++) out[o++] = text.charCodeAt(i);
    out[o++] = QUOTE;
    this.length = o;
  }

  /** Any JSON text. */
  text(text: string): void {
    this.reserve(3 * text.length);
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  /** A safe integer's digits, written without a string (32-bit integer arithmetic when it fits). */
  integer(value: number): void {
    this.reserve(MAX_INTEGER_DIGITS + 1);
    const out = this.buffer;
    let o = this.length;
    if (value < 0) {
      out[o++] = 0x2d;
      value = -value;
    }
    let digits = 1;
    for (let v = value; v >= 10; v = v < 2 ** 31 ? (v / 10) | 0 : Math.floor(v / 10)) digits++;
    const end = o + digits;
    // Written from the last digit back.
    let i = end;
    while (value >= 2 ** 31) {
      const rest = Math.floor(value / 10);
      out[--i] = 0x30 + (value - rest * 10);
      value = rest;
    }
    let v = value | 0;
    do {
      const rest = (v / 10) | 0;
      out[--i] = 0x30 + v - rest * 10;
      v = rest;
    } while (v > 0);
    this.length = end;
  }

  /**
   * UTF-8 text as a JSON string, escaped as JSON.stringify escapes the decoded text: a quote, a
   * backslash and control characters; every other byte is copied. Bytes that are not UTF-8 are
   * decoded as TextDecoder does (replacement characters) and that text written instead.
   */
  utf8String(src: Uint8Array, from: number, to: number): void {
    this.reserve(6 * (to - from) + 2);
    const out = this.buffer;
    const start = this.length;
    let o = start;
    let high = 0;
    out[o++] = QUOTE;
    for (let i = from; i < to; i++) {
      const b = src[i]!;
      high |= b;
      if (b >= 0x20 && b !== QUOTE && b !== BACKSLASH) out[o++] = b;
      else {
        const escape = ESCAPES[b]!;
        for (let k = 0; k < escape.length; k++) out[o++] = escape[k]!;
      }
    }
    out[o++] = QUOTE;
    this.length = o;
    if (high >= 0x80 && !isUtf8(src.subarray(from, to))) {
      this.length = start;
      this.text(JSON.stringify(decoder.decode(src.subarray(from, to))));
    }
  }
}

// A leading byte order mark is part of the text DuckDB stores: kept, as Trino keeps it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The most bytes a row's brackets and separator take. */
const ROW_ROOM = 2;
/** Digits of the largest safe integer. */
const MAX_INTEGER_DIGITS = 16;

/** JSON's escape of each byte that needs one (control characters, quote, backslash), as JSON.stringify writes it. */
const ESCAPES: Uint8Array[] = Array.from({ length: 0x80 }, (_, c) => Buffer.from(JSON.stringify(String.fromCharCode(c)).slice(1, -1), 'latin1'));

const isDatetime = (type: SqlType) => type.kind === 'simple' && /^(time|timestamp)/.test(type.name);

function jsonColumn(type: DuckDBType, mapping: ColumnMapping, millisecondDatetimes: boolean): JsonColumn {
  // JSON columns keep the encoder's path, whatever DuckDB stores them as.
  const storage = type.alias === 'JSON' ? undefined : storageOf(type, mapping);
  switch (storage?.kind) {
    case 'boolean':
      return booleans;
    case 'number':
      return integers(storage.View);
    case 'bigint':
      return bigints;
    case 'double':
      return floats(Float64Array, (v) => v);
    case 'real':
      return floats(Float32Array, shortestReal);
    case 'varchar':
      return strings;
    case 'date':
      return dates();
    case 'decimal':
      return decimals(storage.width, storage.scale);
    case 'timestamp':
      return timestamps(storage.fromInt64, millisecondDatetimes);
    default:
      return encodedColumn(type, mapping, millisecondDatetimes && isDatetime(mapping.type));
  }
}

/** Any type: read as chunkReader reads it, written as the gateway's encoder writes it. */
function encodedColumn(type: DuckDBType, mapping: ColumnMapping, truncate: boolean): JsonColumn {
  const read: ColumnReader = columnReader(type, mapping);
  const encode: ValueEncoder = encoderFor(mapping.type);
  // The reader fills `rows[r][column]`: these rows, kept for the next chunk, hold only this column.
  const rows: unknown[][] = [];
  return (chunk, column, count) => {
    while (rows.length < count) rows.push([]);
    read(chunk, column, count, rows);
    return (r, out) => {
      const value = rows[r]![column];
      out.text(encode(truncate && typeof value === 'string' ? millisecondDatetime(value) : value));
    };
  };
}

function nulls(mask: Uint8Array | null, write: CellWriter): CellWriter {
  if (mask === null) return write;
  return (r, out) => {
    if (isNull(mask, r)) out.ascii('null');
    else write(r, out);
  };
}

/** The integer types of 32 bits and less: their stored value is a number. */
function integers(View: StoredArray): JsonColumn {
  return (chunk, column, count) => {
    const vector = vectorOf(chunk, column);
    const data = dataOf(vector, count, View.BYTES_PER_ELEMENT);
    const items = new View(data.buffer as ArrayBuffer, data.byteOffset, count);
    return nulls(validityOf(vector, count), (r, out) => out.integer(items[r] as number));
  };
}

/** BIGINT: a safe integer's digits without bigint arithmetic, the rest through bigint's text. */
const bigints: JsonColumn = (chunk, column, count) => {
  const vector = vectorOf(chunk, column);
  const valueAt = int64Reader(dataOf(vector, count, 8), count);
  return nulls(validityOf(vector, count), (r, out) => {
    const value = valueAt(r);
    if (typeof value === 'number') out.integer(value);
    else out.ascii(value.toString());
  });
};

function floats(View: StoredArray, value: (stored: number) => number): JsonColumn {
  return (chunk, column, count) => {
    const vector = vectorOf(chunk, column);
    const data = dataOf(vector, count, View.BYTES_PER_ELEMENT);
    const items = new View(data.buffer as ArrayBuffer, data.byteOffset, count);
    return nulls(validityOf(vector, count), (r, out) => out.ascii(floatText(value(items[r] as number))));
  };
}

const booleans: JsonColumn = (chunk, column, count) => {
  const vector = vectorOf(chunk, column);
  const items = dataOf(vector, count, 1);
  return nulls(validityOf(vector, count), (r, out) => out.ascii(items[r] !== 0 ? 'true' : 'false'));
};

/** VARCHAR: the bytes of a cell (duckdb-read.ts, textCells) escaped into the output. */
const strings: JsonColumn = (chunk, column, count) => {
  const vector = vectorOf(chunk, column);
  const mask = validityOf(vector, count);
  const cellAt = textCells(dataOf(vector, count, 16), count, mask);
  return nulls(mask, (r, out) => {
    const { bytes, from, to } = cellAt(r);
    out.utf8String(bytes, from, to);
  });
};

function dates(): JsonColumn {
  const textOf = dateTexts();
  return (chunk, column, count) => {
    const vector = vectorOf(chunk, column);
    const data = dataOf(vector, count, 4);
    const days = new Int32Array(data.buffer as ArrayBuffer, data.byteOffset, count);
    return nulls(validityOf(vector, count), (r, out) => out.quotedAscii(textOf(days[r]!)));
  };
}

function decimals(width: number, scale: number): JsonColumn {
  const decimal = decimalFormat(width, scale);
  return (chunk, column, count) => {
    const vector = vectorOf(chunk, column);
    const textAt = decimal.reader(dataOf(vector, count, decimal.bytes), count);
    return nulls(validityOf(vector, count), (r, out) => out.quotedAscii(textAt(r)));
  };
}

/** TIMESTAMP: safe integers without bigint arithmetic, the rest through the mapping's conversion. */
function timestamps(fromInt64: (value: bigint) => unknown, millisecondDatetimes: boolean): JsonColumn {
  return (chunk, column, count) => {
    const vector = vectorOf(chunk, column);
    const valueAt = int64Reader(dataOf(vector, count, 8), count);
    return nulls(validityOf(vector, count), (r, out) => {
      const value = valueAt(r);
      const text = typeof value === 'number' ? formatTimestampMicros(value, 6) : String(fromInt64(value));
      // Digits, separators and at most an era: nothing to escape.
      out.quotedAscii(millisecondDatetimes ? millisecondDatetime(text) : text);
    });
  };
}
