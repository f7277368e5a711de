import type { SqlType } from '../../ports/index.js';

/**
 * Turns Athena's result text (GetQueryResults `VarCharValue`, or a field of the result CSV) into
 * the canonical values the protocol encoder takes (encode.ts): integers as numbers or digit
 * strings, doubles as numbers (NaN and the infinities included), decimals as strings, varbinary
 * as bytes, arrays as arrays, maps as [key, value] pairs, rows as positional arrays.
 *
 * A missing value (no VarCharValue; an unquoted empty CSV field) is NULL; `""` is the empty
 * string. Text that does not fit the column's type is an error, never a silent guess.
 */
export type RawValue = string | null | undefined;
export type ValueDecoder = (text: string) => unknown;

export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const FLOAT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
/** Beyond this many digits a bigint may not fit a JS number exactly: it stays a digit string. */
const SAFE_DIGITS = 15;

function fail(type: string, text: string): never {
  throw new DecodeError(`Athena value '${text.length > 64 ? text.slice(0, 64) + '…' : text}' is not a valid ${type}`);
}

function decodeBoolean(text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  return fail('boolean', text);
}

function decodeSmallInteger(text: string): number {
  if (!INTEGER.test(text)) fail('integer', text);
  return Number(text);
}

function decodeBigint(text: string): number | string {
  if (!INTEGER.test(text)) fail('bigint', text);
  const digits = text.charCodeAt(0) === 45 ? text.length - 1 : text.length;
  return digits <= SAFE_DIGITS ? Number(text) : text;
}

function decodeFloat(text: string): number {
  const n = Number(text);
  if (n === n && FLOAT.test(text)) return n;
  if (text === 'NaN') return NaN;
  if (text === 'Infinity') return Infinity;
  if (text === '-Infinity') return -Infinity;
  return fail('double', text);
}

function decodeDecimal(text: string): string {
  if (!DECIMAL.test(text)) fail('decimal', text);
  return text;
}

/** Athena prints varbinary as space-separated hex pairs: `48 65 6c`. */
export function decodeHexBytes(text: string): Uint8Array {
  if (text === '') return new Uint8Array(0);
  const n = (text.length + 1) / 3;
  if (!Number.isInteger(n)) fail('varbinary', text);
  const bytes = new Uint8Array(n);
  for (let i = 0, at = 0; i < n; i++, at += 3) {
    const high = hexDigit(text.charCodeAt(at));
    const low = hexDigit(text.charCodeAt(at + 1));
    if (high < 0 || low < 0 || (i + 1 < n && text.charCodeAt(at + 2) !== 32)) fail('varbinary', text);
    bytes[i] = (high << 4) | low;
  }
  return bytes;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Encodes bytes the way Athena prints them (the inverse of decodeHexBytes). */
export function hexBytesText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

/** The decoder of one non-null value, or undefined when the text is the value (strings). */
export function primitiveDecoder(name: string): ValueDecoder | undefined {
  switch (name) {
    case 'boolean':
      return decodeBoolean;
    case 'tinyint':
    case 'smallint':
    case 'integer':
      return decodeSmallInteger;
    case 'bigint':
      return decodeBigint;
    case 'real':
    case 'double':
      return decodeFloat;
    case 'decimal':
      return decodeDecimal;
    case 'varbinary':
      return decodeHexBytes;
    default:
      // varchar, char, date, time, timestamp, intervals, json, uuid, ipaddress: Athena prints
      // them exactly as the protocol writes them.
      return undefined;
  }
}

/** The decoder of one non-null value of any type (complex types through `parseComplexText`). */
export function valueDecoder(type: SqlType): ValueDecoder | undefined {
  if (type.kind === 'simple') return primitiveDecoder(type.name);
  return (text) => parseComplexText(text, type);
}

/**
 * Decodes a row of raw values into canonical values, one decoder per column. NULL stays null;
 * the empty string stays the empty string. `inPlace` writes the values over the raw row, for
 * callers that own it and need it no more (one array less per row on large results).
 */
export function rowDecoder(types: readonly SqlType[], inPlace = false): (raw: readonly RawValue[]) => unknown[] {
  const decoders = types.map(valueDecoder);
  const n = decoders.length;
  return (raw) => {
    if (raw.length !== n) throw new DecodeError(`Athena row has ${raw.length} values for ${n} columns`);
    const out = inPlace ? (raw as unknown[]) : new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const v = raw[i];
      if (v == null) out[i] = null;
      else {
        const d = decoders[i];
        out[i] = d === undefined ? v : d(v);
      }
    }
    return out;
  };
}

/**
 * Reads Athena's text of an array, map or row (`[1, 2]`, `{1=2.5, 3=null}`, `{x=1, y=2}`,
 * nested) back into values, given the full type. Only for types whose leaves are text-safe
 * (types.ts `isTextDecodable`): the caller declares every other complex column varchar.
 */
export function parseComplexText(text: string, type: SqlType): unknown {
  const reader = new ComplexReader(text);
  const value = reader.value(type, ENDS_TOP);
  if (reader.pos !== text.length) fail(describe(type), text);
  return value;
}

const ENDS_TOP = '';
const ENDS_ELEMENT = ',]';
const ENDS_ENTRY = ',}';
const ENDS_KEY = '=';

function describe(type: SqlType): string {
  return type.kind === 'simple' ? type.name : type.kind;
}

class ComplexReader {
  pos = 0;
  constructor(private readonly text: string) {}

  value(type: SqlType, ends: string): unknown {
    const { text } = this;
    if (text.startsWith('null', this.pos)) {
      const after = this.pos + 4;
      if (after === text.length ? ends === ENDS_TOP || ends === ENDS_ELEMENT || ends === ENDS_ENTRY : ends.includes(text[after]!)) {
        this.pos = after;
        return null;
      }
    }
    switch (type.kind) {
      case 'array': {
        this.expect('[', type);
        const out: unknown[] = [];
        if (this.accept(']')) return out;
        for (;;) {
          out.push(this.value(type.element, ENDS_ELEMENT));
          if (this.accept(']')) return out;
          this.expect(',', type);
          this.expect(' ', type);
        }
      }
      case 'map': {
        this.expect('{', type);
        const out: [unknown, unknown][] = [];
        if (this.accept('}')) return out;
        for (;;) {
          const key = this.value(type.key, ENDS_KEY);
          if (key === null) fail('map key', this.text);
          this.expect('=', type);
          out.push([key, this.value(type.value, ENDS_ENTRY)]);
          if (this.accept('}')) return out;
          this.expect(',', type);
          this.expect(' ', type);
        }
      }
      case 'row': {
        this.expect('{', type);
        const out: unknown[] = [];
        type.fields.forEach((field, i) => {
          if (i > 0) {
            this.expect(',', type);
            this.expect(' ', type);
          }
          // Named fields print as `name=value`; unnamed ones as `fieldN=value` or bare values.
          const label = field.name ?? `field${i}`;
          if (this.text.startsWith(label + '=', this.pos)) this.pos += label.length + 1;
          else if (field.name !== undefined) fail(`row field ${field.name}`, this.text);
          out.push(this.value(field.type, ENDS_ENTRY));
        });
        this.expect('}', type);
        return out;
      }
      case 'simple': {
        const start = this.pos;
        let end = start;
        if (ends === ENDS_TOP) end = text.length;
        else while (end < text.length && !ends.includes(text[end]!)) end++;
        if (end === start) fail(type.name, text);
        this.pos = end;
        const leaf = text.slice(start, end);
        const decode = primitiveDecoder(type.name);
        return decode ? decode(leaf) : leaf;
      }
    }
  }

  private accept(ch: string): boolean {
    if (this.text[this.pos] === ch) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expect(ch: string, type: SqlType): void {
    if (!this.accept(ch)) fail(describe(type), this.text);
  }
}

/**
 * Athena's text of a canonical value: the inverse of the decoders, used to check that decoding
 * round-trips and to build test data. Doubles print like Java's Double.toString does for the
 * values Athena produces (`1.0`, `1.0E10`, `NaN`).
 */
export function athenaText(value: unknown, type: SqlType): string | null {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'array':
      return '[' + (value as unknown[]).map((v) => athenaText(v, type.element) ?? 'null').join(', ') + ']';
    case 'map':
      return '{' + (value as [unknown, unknown][]).map(([k, v]) => `${athenaText(k, type.key)}=${athenaText(v, type.value) ?? 'null'}`).join(', ') + '}';
    case 'row':
      return '{' + type.fields.map((f, i) => `${f.name ?? `field${i}`}=${athenaText((value as unknown[])[i], f.type) ?? 'null'}`).join(', ') + '}';
    case 'simple':
      switch (type.name) {
        case 'boolean':
          return value ? 'true' : 'false';
        case 'real':
        case 'double':
          return javaDoubleText(value as number);
        case 'varbinary':
          return hexBytesText(value as Uint8Array);
        default:
          return String(value);
      }
  }
}

function javaDoubleText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Object.is(n, -0)) return '-0.0';
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) {
    const text = String(n);
    return text.includes('.') ? text : text + '.0';
  }
  // Java: one digit before the point, at least one after, `E` exponent.
  const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : mantissa + '.0'}E${Number(exponent)}`;
}
