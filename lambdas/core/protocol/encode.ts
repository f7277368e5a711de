import type { SqlType } from '../ports/index.js';

/**
 * Turns engine values into the JSON text the protocol expects for each type (PROTOCOL.md §1.5).
 * Engines hand over values in a small canonical form:
 * - integers as number, bigint or a string of digits (never rounded through a JS number);
 * - real/double as number, or the strings "NaN", "Infinity", "-Infinity";
 * - decimals as strings, varbinary as Uint8Array (or a base64 string);
 * - date/time/timestamp/interval/json/uuid and other scalars as the strings Trino prints;
 * - arrays as arrays, maps as [key, value] pairs, a Map or a plain object, rows as positional
 *   arrays (or objects keyed by field name);
 * - null or undefined for NULL.
 * The encoder writes JSON text directly so that doubles stay float tokens and big integers stay
 * exact: JSON.stringify would print 1.0 as `1`, which the Java decoders reject.
 */
export type ValueEncoder = (value: unknown) => string;

const INTEGER_TEXT = /^-?\d+$/;
const FLOAT_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function encoderFor(type: SqlType): ValueEncoder {
  switch (type.kind) {
    case 'array': {
      const element = encoderFor(type.element);
      return (v) => (v == null ? 'null' : '[' + Array.from(v as Iterable<unknown>, element).join(',') + ']');
    }
    case 'map': {
      const keyText = mapKeyText;
      const value = encoderFor(type.value);
      return (v) => {
        if (v == null) return 'null';
        const parts: string[] = [];
        for (const [k, val] of mapEntries(v)) parts.push(JSON.stringify(keyText(k)) + ':' + value(val));
        return '{' + parts.join(',') + '}';
      };
    }
    case 'row': {
      const fields = type.fields.map((f) => ({ name: f.name, encode: encoderFor(f.type) }));
      return (v) => {
        if (v == null) return 'null';
        if (Array.isArray(v)) return '[' + fields.map((f, i) => f.encode(v[i])).join(',') + ']';
        const record = v as Record<string, unknown>;
        return '[' + fields.map((f, i) => f.encode(record[f.name ?? `field${i}`])).join(',') + ']';
      };
    }
    case 'simple':
      return simpleEncoder(type.name);
  }
}

function simpleEncoder(name: string): ValueEncoder {
  switch (name) {
    case 'boolean':
      return (v) => (v == null ? 'null' : v === true || v === 'true' ? 'true' : v === false || v === 'false' ? 'false' : invalid(name, v));
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'bigint':
      return encodeInteger;
    case 'real':
    case 'double':
      return encodeFloat;
    case 'varbinary':
      return (v) => (v == null ? 'null' : v instanceof Uint8Array ? JSON.stringify(Buffer.from(v).toString('base64')) : JSON.stringify(String(v)));
    default:
      // decimal, varchar, char, date, time, timestamp, intervals, json, uuid, ipaddress, ...
      return (v) => (v == null ? 'null' : JSON.stringify(typeof v === 'string' ? v : String(v)));
  }
}

function encodeInteger(v: unknown): string {
  if (v == null) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'string' && INTEGER_TEXT.test(v)) return v.replace(/^(-?)0+(?=\d)/, '$1');
  return invalid('integer', v);
}

/** A real or double's JSON: a float token, or the string of NaN and the infinities. */
export function floatText(v: number): string {
  if (Number.isNaN(v)) return '"NaN"';
  if (v === Infinity) return '"Infinity"';
  if (v === -Infinity) return '"-Infinity"';
  // String(-0) is "0": the sign is kept, as Trino writes -0.0.
  if (v === 0 && 1 / v < 0) return '-0.0';
  const text = String(v);
  // An integer token makes the Java decoders throw: 1 must be written 1.0.
  return text.includes('.') || text.includes('e') ? text : text + '.0';
}

function encodeFloat(v: unknown): string {
  if (v == null) return 'null';
  if (typeof v === 'number') return floatText(v);
  if (typeof v === 'string') {
    if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return JSON.stringify(v);
    if (/^[-+]?inf(inity)?$/i.test(v)) return v.startsWith('-') ? '"-Infinity"' : '"Infinity"';
    if (/^nan$/i.test(v)) return '"NaN"';
    if (FLOAT_TEXT.test(v)) {
      const text = v.replace(/^(-?)\./, '$10.').replace(/\.([eE]|$)/, '.0$1');
      return /[.eE]/.test(text) ? text : text + '.0';
    }
  }
  return invalid('double', v);
}

/** A time or timestamp's text at millisecond precision (for clients without PARAMETRIC_DATETIME). */
export function millisecondDatetime(text: string): string {
  return text.replace(/(\d{2}:\d{2}:\d{2})(?:\.(\d+))?/, (_m, hms: string, frac?: string) => `${hms}.${(frac ?? '').padEnd(3, '0').slice(0, 3)}`);
}

function mapKeyText(k: unknown): string {
  if (k instanceof Uint8Array) return Buffer.from(k).toString('base64');
  return typeof k === 'string' ? k : String(k);
}

function mapEntries(v: unknown): Iterable<[unknown, unknown]> {
  if (v instanceof Map) return v.entries();
  if (Array.isArray(v)) return v as [unknown, unknown][];
  return Object.entries(v as Record<string, unknown>);
}

function invalid(type: string, v: unknown): never {
  throw new TypeError(`Value ${String(v)} (${typeof v}) cannot be encoded as ${type}`);
}

/** One encoder per column, applied to a row; rows must have exactly one value per column. */
export function rowEncoder(types: SqlType[]): (row: readonly unknown[]) => string {
  const encoders = types.map(encoderFor);
  return (row) => {
    if (row.length !== encoders.length) throw new TypeError(`Row has ${row.length} values for ${encoders.length} columns`);
    let out = '[';
    for (let i = 0; i < encoders.length; i++) {
      if (i) out += ',';
      out += encoders[i]!(row[i]);
    }
    return out + ']';
  };
}
