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
 * milliseconds) goes through the decoder and the encoder, so the output never differs.
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
  /** A plain decimal in the form JavaScript prints the same double in is written as it is. */
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

/** JSON's escape of each control character, as JSON.stringify writes it. */
const CONTROL_ESCAPES: Uint8Array[] = Array.from({ length: 0x20 }, (_, c) => Buffer.from(JSON.stringify(String.fromCharCode(c)).slice(1, -1), 'latin1'));

/**
 * Transcodes the whole records at the start of `src`: all of them up to the limits when `eof`,
 * else those that end before the bytes do. Undefined when not one whole record is there.
 */
export function transcodeCsv(src: Buffer, eof: boolean, plan: CsvJsonPlan, limits: CsvJsonLimits): CsvJsonPage | undefined | typeof NOT_TRANSCODED {
  const writer = new JsonWriter(Math.min(limits.maxBytes + (limits.maxBytes >> 2), src.length + (src.length >> 3)) + 1024);
  const ends: number[] = [];
  const columns = plan.columns;
  const width = columns.length;
  const n = src.length;
  let skip = limits.skip;
  let p = 0;
  let end = 0;
  records: while (p < n && ends.length < limits.maxRows && writer.length < limits.maxBytes) {
    const rowStart = writer.length;
    // Room for the brackets, the separator and a null per value; each value reserves its own below.
    writer.reserve(6 * width + 4);
    if (ends.length > 0) writer.put(COMMA);
    writer.put(0x5b);
    for (let c = 0; ; c++) {
      if (c >= width) return NOT_TRANSCODED;
      if (c > 0) writer.put(COMMA);
      const b = src[p];
      if (b === QUOTE) {
        // The closing quote (a doubled quote is one inside), noting whether the value needs JSON escapes.
        let i = p + 1;
        let plain = true;
        for (;;) {
          if (i >= n) {
            if (eof) return NOT_TRANSCODED;
            writer.length = rowStart;
            break records;
          }
          const x = src[i]!;
          if (x === QUOTE) {
            // A quote that is the last byte read may be the first of a pair the range cut: undecided.
            if (i + 1 >= n && !eof) {
              writer.length = rowStart;
              break records;
            }
            if (src[i + 1] !== QUOTE) break;
            plain = false;
            i += 2;
            continue;
          }
          if (x < 0x20 || x === BACKSLASH) plain = false;
          i++;
        }
        // The header row's labels are read as text, whatever the column's type: it is left out anyway.
        writeValue(writer, src, p, i, plain, skip > 0 ? HEADER_COLUMN : columns[c]!);
        p = i + 1;
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

/**
 * One non-null value: `src[open]` is its opening quote, `src[close]` its closing one; `plain`
 * when nothing in between needs an escape in JSON (no quote, backslash or control character).
 */
function writeValue(writer: JsonWriter, src: Buffer, open: number, close: number, plain: boolean, column: ColumnPlan): void {
  const from = open + 1;
  switch (column.kind) {
    case Kind.Text:
      // A plain value is the same text in JSON as in the CSV, quotes included.
      if (plain) writer.copy(src, open, close + 1);
      else writer.jsonString(src, from, close);
      return;
    case Kind.Integer:
      if (isCanonicalInteger(src, from, close)) return writer.copy(src, from, close);
      break;
    case Kind.Double:
      if (isPlainDouble(src, from, close)) return writer.copy(src, from, close);
      // Any other float text decodes as Number() reads it (decodeFloat), then encodes as encodeFloat writes it.
      if (isFloatText(src, from, close)) return writer.text(floatText(Number(src.toString('latin1', from, close))));
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

/**
 * `-?(0|[1-9][0-9]*)\.[0-9]+`, at most 15 digits, no trailing zero in the fraction (but `.0`),
 * not -0.0, and not below 1e-6 (where JavaScript would print an exponent): a decimal of at most
 * 15 significant digits is the shortest text of its double, so the encoder writes it back as it is.
 */
function isPlainDouble(src: Buffer, from: number, to: number): boolean {
  let i = from;
  const negative = src[i] === MINUS;
  if (negative) i++;
  const intStart = i;
  while (i < to && src[i]! >= ZERO && src[i]! <= NINE) i++;
  const intDigits = i - intStart;
  if (intDigits < 1 || i >= to || src[i] !== DOT) return false;
  if (intDigits > 1 && src[intStart] === ZERO) return false;
  const fracStart = ++i;
  while (i < to && src[i]! >= ZERO && src[i]! <= NINE) i++;
  const fracDigits = i - fracStart;
  if (i !== to || fracDigits < 1 || intDigits + fracDigits > 15) return false;
  const zeroInt = intDigits === 1 && src[intStart] === ZERO;
  if (src[to - 1] === ZERO) return fracDigits === 1 && !(negative && zeroInt);
  if (zeroInt) {
    let leading = 0;
    while (src[fracStart + leading] === ZERO) leading++;
    if (leading > 5) return false;
  }
  return true;
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
 * The output: bytes written once into a buffer that grows by doubling. `reserve` makes room
 * ahead for `put` and `putNull`, which do not check; the other writes make their own.
 */
class JsonWriter {
  private buffer: Buffer;
  length = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.length + bytes, 2 * this.buffer.length));
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

  /**
   * `src[from, to)` as a JSON string: a doubled quote becomes `\"`, a backslash `\\`, a control
   * character its escape; every other byte (UTF-8 sequences included) is copied.
   */
  jsonString(src: Buffer, from: number, to: number): void {
    // Six bytes per input byte at most (a control character's \u00XX), and the quotes.
    this.reserve(6 * (to - from) + 2);
    const out = this.buffer;
    let o = this.length;
    out[o++] = QUOTE;
    for (let i = from; i < to; i++) {
      const b = src[i]!;
      if (b >= 0x20 && b !== QUOTE && b !== BACKSLASH) out[o++] = b;
      else if (b === QUOTE) {
        out[o++] = BACKSLASH;
        out[o++] = QUOTE;
        i++;
      } else if (b === BACKSLASH) {
        out[o++] = BACKSLASH;
        out[o++] = BACKSLASH;
      } else {
        const escape = CONTROL_ESCAPES[b]!;
        for (let k = 0; k < escape.length; k++) out[o++] = escape[k]!;
      }
    }
    out[o++] = QUOTE;
    this.length = o;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}
