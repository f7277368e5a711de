import { isUtf8 } from 'node:buffer';
import { valueDecoder } from '../../../core/engines/athena/decode.js';
import { encoderFor, floatText, millisecondDatetime } from '../../../core/protocol/encode.js';
import type { JsonRows, SqlType } from '../../../core/ports/index.js';

/**
 * Athena's result CSV (csv-scanner.ts describes the dialect) written straight as the protocol's
 * JSON rows, byte for byte what decoding each value (decode.ts) and encoding it (encode.ts) would
 * give, without a JavaScript value per cell: strings are copied with JSON's escapes, numbers and
 * booleans in their canonical form are copied as they are. A value in any other form (a double
 * with an exponent, a bigint past 15 digits, varbinary, a complex type, a datetime to cut to
 * milliseconds) goes through the decoder and the encoder, so the output never differs. One
 * exception, in text only: a double in plain decimal form keeps Athena's digits (isPlainDouble),
 * where the encoder would write JavaScript's shortest text of the same double.
 *
 * Anything outside the dialect Athena writes (an unquoted value, a record with the wrong number of
 * values, bytes that are not UTF-8) is not transcoded: the caller then reads the page the general
 * way, which reads or refuses it exactly as before.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const enum Kind {
  /** Written as a JSON string of the text. */
  Text,
  /** Digits in canonical form are written as they are. */
  Integer,
  /** A plain decimal (Java's text of the double) is written as it is. */
  Double,
  Boolean,
  /** Validated and written as a JSON string. */
  Decimal,
  /** Always decoded and encoded. */
  Other,
}

interface ColumnPlan {
  kind: Kind;
  /** The JSON of a non-null value's text, through the decoder and the encoder. */
  general: (text: string) => string;
}

export interface CsvJsonPlan {
  columns: ColumnPlan[];
}

const DATETIME = /^(time|timestamp)/;

const HEADER_COLUMN: ColumnPlan = { kind: Kind.Text, general: (text) => JSON.stringify(text) };

/** How each column's values are written; `millisecondDatetimes` as PollOptions.jsonRows says. */
export function csvJsonPlan(types: readonly SqlType[], millisecondDatetimes: boolean): CsvJsonPlan {
  return {
    columns: types.map((type) => {
      const decode = valueDecoder(type);
      const encode = encoderFor(type);
      const cut = millisecondDatetimes && type.kind === 'simple' && DATETIME.test(type.name);
      const general = (text: string) => {
        const value = decode ? decode(text) : text;
        return encode(cut && typeof value === 'string' ? millisecondDatetime(value) : value);
      };
      return { kind: cut ? Kind.Other : kindOf(type), general };
    }),
  };
}

function kindOf(type: SqlType): Kind {
  if (type.kind !== 'simple') return Kind.Other;
  switch (type.name) {
    case 'boolean':
      return Kind.Boolean;
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'bigint':
      return Kind.Integer;
    case 'real':
    case 'double':
      return Kind.Double;
    case 'decimal':
      return Kind.Decimal;
    case 'varbinary':
      return Kind.Other;
    default:
      // Strings and every type Athena prints as the protocol writes it (decode.ts primitiveDecoder).
      return Kind.Text;
  }
}

export interface CsvJsonLimits {
  /** Records to read and leave out first (the header row). */
  skip: number;
  maxRows: number;
  /** The page ends after the record that takes its JSON to this many bytes. */
  maxBytes: number;
}

export interface CsvJsonPage extends JsonRows {
  /** Bytes of the input read: just past the last whole record taken. */
  end: number;
}

/** The input is outside the dialect: read it the general way (csv-pages.ts). */
export const NOT_TRANSCODED = 'not transcoded';

/** Room for the longest escape (a control character's \u00XX) and a closing quote. */
const ESCAPE_ROOM = 8;

/** JSON's escape of each control character, as JSON.stringify writes it. */
const CONTROL_ESCAPES: Uint8Array[] = Array.from({ length: 0x20 }, (_, c) => Buffer.from(JSON.stringify(String.fromCharCode(c)).slice(1, -1), 'latin1'));

/**
 * Transcodes the whole records at the start of `src`: all of them up to the limits when `eof`,
 * else those that end before the bytes do. Undefined when not one whole record is there.
 */
export function transcodeCsv(src: Buffer, eof: boolean, plan: CsvJsonPlan, limits: CsvJsonLimits): CsvJsonPage | undefined | typeof NOT_TRANSCODED {
  const columns = plan.columns;
  const width = columns.length;
  // A record's brackets, separator and a null per value: 6 bytes a value at most.
  const writer = new JsonWriter(Math.min(limits.maxBytes + (limits.maxBytes >> 2), src.length + (src.length >> 3)) + 1024, 6 * width + 4);
  const ends: number[] = [];
  const n = src.length;
  let skip = limits.skip;
  let p = 0;
  let end = 0;
  records: while (p < n && ends.length < limits.maxRows && writer.length < limits.maxBytes) {
    const rowStart = writer.length;
    writer.reserve(0);
    if (ends.length > 0) writer.put(COMMA);
    writer.put(0x5b);
    for (let c = 0; ; c++) {
      if (c >= width) return NOT_TRANSCODED;
      if (c > 0) writer.put(COMMA);
      const b = src[p];
      if (b === QUOTE) {
        // The header row's labels are read as text, whatever the column's type: it is left out anyway.
        const column = skip > 0 ? HEADER_COLUMN : columns[c]!;
        let close: number;
        if (column.kind === Kind.Text) {
          // Copied as a JSON string while the closing quote is looked for: one pass over the value.
          close = writer.quotedString(src, p + 1, n, eof);
        } else {
          // An integer or a plain double is copied while it is read; anything else is found, then written.
          close = column.kind === Kind.Integer || column.kind === Kind.Double ? writer.plainNumber(src, p + 1, n, column.kind === Kind.Double) : CUT;
          if (close === CUT) {
            close = valueClose(src, p + 1, n, eof);
            if (close !== CUT) writeValue(writer, src, p, close, column);
          }
        }
        if (close === CUT) {
          if (eof) return NOT_TRANSCODED;
          writer.length = rowStart;
          break records;
        }
        p = close + 1;
      } else if (b === COMMA || b === LF || b === CR || p >= n) writer.putNull();
      else return NOT_TRANSCODED;
      if (p >= n) {
        // The bytes end after a value: the record ends there only at the end of the file.
        if (!eof) {
          writer.length = rowStart;
          break records;
        }
        if (c !== width - 1) return NOT_TRANSCODED;
        break;
      }
      const next = src[p];
      if (next === COMMA) {
        p++;
        continue;
      }
      if (c !== width - 1) return NOT_TRANSCODED;
      if (next === LF) p++;
      else if (next === CR && p + 1 < n && src[p + 1] === LF) p += 2;
      else if (next === CR && p + 1 >= n && !eof) {
        writer.length = rowStart;
        break records;
      } else return NOT_TRANSCODED;
      break;
    }
    writer.put(0x5d);
    end = p;
    if (skip > 0) {
      skip--;
      writer.length = rowStart;
    } else ends.push(writer.length);
  }
  if (ends.length === 0 && !(eof && end === n)) return undefined;
  // Cut after a line feed, so never inside a character: the bytes read must be UTF-8 throughout.
  if (!isUtf8(src.subarray(0, end))) return NOT_TRANSCODED;
  return { count: ends.length, bytes: writer.bytes(), ends: Uint32Array.from(ends), end };
}

/** The bytes end before the value does: the record is cut, and ends only at the end of the file. */
const CUT = -1;

/**
 * The closing quote of a value whose text starts at `from` (a doubled quote is one inside), or
 * CUT. A quote that is the last byte read may be the first of a pair the range cut: undecided.
 */
function closingQuote(src: Buffer, from: number, n: number, eof: boolean): number {
  for (let i = from; i < n; i++) {
    if (src[i] !== QUOTE) continue;
    if (i + 1 >= n) return eof ? i : CUT;
    if (src[i + 1] !== QUOTE) return i;
    i++;
  }
  return CUT;
}

/** closingQuote for a value that is not text: numbers and the like hold no quote, so the first one closes them unless doubled. */
function valueClose(src: Buffer, from: number, n: number, eof: boolean): number {
  let close = from;
  while (close < n && src[close] !== QUOTE) close++;
  return (close + 1 < n ? src[close + 1] === QUOTE : close >= n || !eof) ? closingQuote(src, from, n, eof) : close;
}

/**
 * One non-null value that is not text: `src[open]` is its opening quote, `src[close]` its closing
 * one. Written as it is when it is in canonical form, else through the decoder and the encoder.
 */
function writeValue(writer: JsonWriter, src: Buffer, open: number, close: number, column: ColumnPlan): void {
  const from = open + 1;
  switch (column.kind) {
    case Kind.Integer:
      if (isCanonicalInteger(src, from, close)) return writer.copy(src, from, close);
      break;
    case Kind.Double:
      if (isPlainDouble(src, from, close)) return writer.copy(src, from, close);
      // Any other float text decodes as Number() reads it (decodeFloat), then encodes as encodeFloat writes it.
      if (isFloatText(src, from, close)) return writer.ascii(floatText(Number(src.toString('latin1', from, close))));
      break;
    case Kind.Boolean:
      if (isWord(src, from, close, 'true') || isWord(src, from, close, 'false')) return writer.copy(src, from, close);
      break;
    case Kind.Decimal:
      if (isDecimal(src, from, close)) return writer.copy(src, open, close + 1);
      break;
  }
  writer.text(column.general(src.toString('utf8', from, close).replaceAll('""', '"')));
}

/** `-?[1-9][0-9]*` or `0`, at most 15 digits: what Number() and String() give back unchanged. */
function isCanonicalInteger(src: Buffer, from: number, to: number): boolean {
  let i = from;
  if (src[i] === MINUS) i++;
  const digits = to - i;
  if (digits < 1 || digits > 15) return false;
  if (src[i] === ZERO) return digits === 1 && i === from;
  for (; i < to; i++) if (src[i]! < ZERO || src[i]! > NINE) return false;
  return true;
}

/** Digits a plain double may have to be copied: more than Java ever prints (17 and leading zeros). */
const MAX_PLAIN_DOUBLE_DIGITS = 25;

/**
 * `-?(0|[1-9][0-9]*)\.[0-9]+`, at most MAX_PLAIN_DOUBLE_DIGITS digits: a JSON number with a
 * fraction, which every client reads as the double it denotes. Athena prints a double with Java's
 * Double.toString, whose text reads back as the very double it printed, so it is written as Athena
 * wrote it: JavaScript's shortest text of the same double may have other digits, never another value.
 */
function isPlainDouble(src: Buffer, from: number, to: number): boolean {
  let i = from;
  if (src[i] === MINUS) i++;
  const intStart = i;
  while (i < to && src[i]! >= ZERO && src[i]! <= NINE) i++;
  const intDigits = i - intStart;
  if (intDigits < 1 || i >= to || src[i] !== DOT) return false;
  if (intDigits > 1 && src[intStart] === ZERO) return false;
  const fracStart = ++i;
  while (i < to && src[i]! >= ZERO && src[i]! <= NINE) i++;
  const fracDigits = i - fracStart;
  return i === to && fracDigits >= 1 && intDigits + fracDigits <= MAX_PLAIN_DOUBLE_DIGITS;
}

/** `[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?`: the float text the double decoder reads with Number(). */
function isFloatText(src: Buffer, from: number, to: number): boolean {
  let i = from;
  if (src[i] === MINUS || src[i] === PLUS) i++;
  const intStart = i;
  while (i < to && src[i]! >= ZERO && src[i]! <= NINE) i++;
  let digits = i - intStart;
  if (i < to && src[i] === DOT) {
    const fracStart = ++i;
    while (i < to && src[i]! >= ZERO && src[i]! <= NINE) i++;
    digits += i - fracStart;
  }
  if (digits === 0) return false;
  if (i < to && (src[i] === 0x45 || src[i] === 0x65)) {
    i++;
    if (src[i] === MINUS || src[i] === PLUS) i++;
    const expStart = i;
    while (i < to && src[i]! >= ZERO && src[i]! <= NINE) i++;
    if (i === expStart) return false;
  }
  return i === to;
}

/** `-?[0-9]+(\.[0-9]+)?`, as the decimal decoder accepts. */
function isDecimal(src: Buffer, from: number, to: number): boolean {
  let i = from;
  if (src[i] === MINUS) i++;
  const intStart = i;
  while (i < to && src[i]! >= ZERO && src[i]! <= NINE) i++;
  if (i === intStart) return false;
  if (i === to) return true;
  if (src[i] !== DOT) return false;
  const fracStart = ++i;
  while (i < to && src[i]! >= ZERO && src[i]! <= NINE) i++;
  return i === to && i > fracStart;
}

function isWord(src: Buffer, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (src[from + i] !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * The output: bytes written once into a buffer that grows by doubling. Every reservation keeps
 * `slack` more bytes free than it asks for: room for a record's brackets, separators and nulls,
 * which `put` and `putNull` write without a check, whatever its values took before them.
 */
class JsonWriter {
  private buffer: Buffer;
  length = 0;

  constructor(
    size: number,
    private readonly slack: number,
  ) {
    this.buffer = Buffer.allocUnsafe(size + slack);
  }

  /** Room for `bytes` more (and the slack); a record reserves 0 before it starts. */
  reserve(bytes: number): void {
    if (this.length + bytes + this.slack <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.length + bytes + this.slack, 2 * this.buffer.length));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }

  put(b: number): void {
    this.buffer[this.length++] = b;
  }

  putNull(): void {
    const out = this.buffer;
    const o = this.length;
    out[o] = 0x6e;
    out[o + 1] = 0x75;
    out[o + 2] = 0x6c;
    out[o + 3] = 0x6c;
    this.length = o + 4;
  }

  text(text: string): void {
    this.reserve(3 * text.length);
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  copy(src: Buffer, from: number, to: number): void {
    this.reserve(to - from);
    const out = this.buffer;
    let o = this.length;
    // Short values byte by byte; a native copy pays off on long ones.
    if (to - from > 48) o += src.copy(out, o, from, to);
    else for (let i = from; i < to; i++) out[o++] = src[i]!;
    this.length = o;
  }

  /** An ASCII text (a number's), char by char: cheaper than a native write for a few bytes. */
  ascii(text: string): void {
    this.reserve(text.length);
    const out = this.buffer;
    let o = this.length;
    for (let i = 0; i < text.length; i++) out[o++] = text.charCodeAt(i);
    this.length = o;
  }

  /**
   * The quoted number whose text starts at `src[from]`, copied when it is an integer in canonical
   * form (isCanonicalInteger) or, with `fraction`, a double in plain form (isPlainDouble), and its
   * closing quote is the next byte and not doubled. Returns the closing quote's index, or CUT with
   * nothing written: the value is then read the general way.
   */
  plainNumber(src: Buffer, from: number, n: number, fraction: boolean): number {
    // Digits past the limits end the copy (the next byte is not a quote), so this room is enough.
    this.reserve(MAX_PLAIN_DOUBLE_DIGITS + 4);
    const out = this.buffer;
    let o = this.length;
    let i = from;
    const negative = src[i] === MINUS;
    if (negative) out[o++] = src[i++]!;
    const intStart = i;
    let b = src[i]!;
    if (b === ZERO) {
      // A leading zero stands alone, and -0 is not an integer's canonical form.
      if (negative && !fraction) return CUT;
      out[o++] = b;
      b = src[++i]!;
    } else {
      while (b >= ZERO && b <= NINE && i - intStart < MAX_PLAIN_DOUBLE_DIGITS) {
        out[o++] = b;
        b = src[++i]!;
      }
    }
    if (i === intStart) return CUT;
    if (fraction) {
      if (b !== DOT) return CUT;
      out[o++] = b;
      const fracStart = ++i;
      b = src[i]!;
      while (b >= ZERO && b <= NINE && i - intStart <= MAX_PLAIN_DOUBLE_DIGITS) {
        out[o++] = b;
        b = src[++i]!;
      }
      if (i === fracStart || i - intStart - 1 > MAX_PLAIN_DOUBLE_DIGITS) return CUT;
    } else if (i - intStart > 15) return CUT;
    if (b !== QUOTE || i + 1 >= n || src[i + 1] === QUOTE) return CUT;
    this.length = o;
    return i;
  }

  /**
   * The quoted value whose text starts at `src[from]`, written as a JSON string while its closing
   * quote is looked for: a doubled quote becomes `\"`, a backslash `\\`, a control character its
   * escape; every other byte (UTF-8 sequences included) is copied, so a value that needs no escape
   * is the same bytes as in the CSV. Returns the closing quote's index, or CUT (closingQuote).
   */
  quotedString(src: Buffer, from: number, n: number, eof: boolean): number {
    this.reserve(ESCAPE_ROOM);
    let out = this.buffer;
    let o = this.length;
    out[o++] = QUOTE;
    let i = from;
    for (;;) {
      // Plain bytes as long as there is room for them and for one escape after them.
      const lim = Math.min(n, i + (out.length - o - ESCAPE_ROOM - this.slack));
      while (i < lim) {
        const b = src[i]!;
        if (b === QUOTE || b < 0x20 || b === BACKSLASH) break;
        out[o++] = b;
        i++;
      }
      if (i >= n) return CUT;
      if (i >= lim) {
        this.length = o;
        this.reserve(Math.min(n - i, 1 << 20) + ESCAPE_ROOM);
        out = this.buffer;
        continue;
      }
      const b = src[i]!;
      if (b === QUOTE) {
        if (i + 1 >= n && !eof) return CUT;
        if (src[i + 1] !== QUOTE) {
          out[o++] = QUOTE;
          this.length = o;
          return i;
        }
        out[o++] = BACKSLASH;
        out[o++] = QUOTE;
        i += 2;
      } else if (b === BACKSLASH) {
        out[o++] = BACKSLASH;
        out[o++] = BACKSLASH;
        i++;
      } else {
        const escape = CONTROL_ESCAPES[b]!;
        for (let k = 0; k < escape.length; k++) out[o++] = escape[k]!;
        i++;
      }
    }
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}
