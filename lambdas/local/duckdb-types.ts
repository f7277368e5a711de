import {
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBBlobValue,
  type DuckDBDecimalValue,
  type DuckDBIntervalValue,
  type DuckDBListValue,
  type DuckDBMapValue,
  type DuckDBStructValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { SqlType } from '../core/ports/index.js';

/**
 * DuckDB types and values in Presto terms. Each column gets a converter from DuckDB's value to
 * the canonical form the protocol encoder takes (see lambdas/core/protocol/encode.ts).
 */
export interface ColumnMapping {
  type: SqlType;
  convert: (value: DuckDBValue) => unknown;
  /** For a type DuckDB stores as one int64 (times, timestamps): `convert` of the stored integer. */
  fromInt64?: (value: bigint) => unknown;
}

const simple = (name: string, params: number[] = []): SqlType => ({ kind: 'simple', name, params });
const identity = (v: DuckDBValue): unknown => v;
const text = (v: DuckDBValue): unknown => (v === null ? null : String(v));

/** The mapping with `timestamp with time zone` values printed in UTC. */
export function mapDuckType(type: DuckDBType): ColumnMapping {
  return mapDuckTypeInZone(type, 'UTC');
}

/**
 * The mapping with `timestamp with time zone` values printed in `zone` (an IANA zone id, `UTC`
 * or an offset `+HH:MM`), as Trino prints them: `yyyy-MM-dd HH:mm:ss.ffffff <zone>`. DuckDB's
 * TIMESTAMPTZ is an instant and keeps no zone, so the zone is the caller's: the session's, or
 * the one a column's expression names (see trino-functions.ts, literalColumnZones).
 */
export function mapDuckTypeInZone(type: DuckDBType, zone: string): ColumnMapping {
  if (type.alias === 'JSON') return { type: simple('json'), convert: text };
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { type: simple('boolean'), convert: identity };
    case DuckDBTypeId.TINYINT:
      return { type: simple('tinyint'), convert: identity };
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return { type: simple('smallint'), convert: identity };
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return { type: simple('integer'), convert: identity };
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
      return { type: simple('bigint'), convert: identity };
    case DuckDBTypeId.UBIGINT:
      return { type: simple('decimal', [20, 0]), convert: text };
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return { type: simple('decimal', [38, 0]), convert: text };
    case DuckDBTypeId.FLOAT:
      return { type: simple('real'), convert: (v) => (v === null ? null : shortestReal(v as number)) };
    case DuckDBTypeId.DOUBLE:
      return { type: simple('double'), convert: identity };
    case DuckDBTypeId.DECIMAL: {
      const t = type as unknown as { width: number; scale: number };
      return { type: simple('decimal', [t.width, t.scale]), convert: (v) => (v === null ? null : (v as DuckDBDecimalValue).toString()) };
    }
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.BIT:
    case DuckDBTypeId.UNION:
      return { type: simple('varchar'), convert: text };
    case DuckDBTypeId.BLOB:
      return { type: simple('varbinary'), convert: (v) => (v === null ? null : (v as DuckDBBlobValue).bytes) };
    case DuckDBTypeId.UUID:
      return { type: simple('uuid'), convert: text };
    case DuckDBTypeId.DATE:
      return { type: simple('date'), convert: text };
    case DuckDBTypeId.TIME:
      return fromInt64(simple('time', [6]), 'micros', (micros) => formatTime(micros, 6));
    case DuckDBTypeId.TIME_TZ:
      return { type: simple('time with time zone', [6]), convert: (v) => (v === null ? null : timeTz(v)) };
    case DuckDBTypeId.TIMESTAMP_S:
      return fromInt64(simple('timestamp', [0]), 'seconds', (seconds) => formatTimestamp(seconds * 1_000_000n, 0));
    case DuckDBTypeId.TIMESTAMP_MS:
      return fromInt64(simple('timestamp', [3]), 'millis', (millis) => formatTimestamp(millis * 1000n, 3));
    case DuckDBTypeId.TIMESTAMP:
      return fromInt64(simple('timestamp', [6]), 'micros', (micros) => formatTimestamp(micros, 6));
    case DuckDBTypeId.TIMESTAMP_NS:
      return fromInt64(simple('timestamp', [9]), 'nanos', formatTimestampNanos);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return fromInt64(simple('timestamp with time zone', [6]), 'micros', zonedFormatter(zone));
    case DuckDBTypeId.INTERVAL:
      // DuckDB has one interval type; Presto splits it. Months are folded in as 30 days.
      return { type: simple('interval day to second'), convert: (v) => (v === null ? null : formatInterval(v as DuckDBIntervalValue)) };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const element = mapDuckTypeInZone((type as unknown as { valueType: DuckDBType }).valueType, zone);
      return { type: { kind: 'array', element: element.type }, convert: (v) => (v === null ? null : (v as DuckDBListValue).items.map(element.convert)) };
    }
    case DuckDBTypeId.STRUCT: {
      const t = type as unknown as { entryNames: string[]; entryTypes: DuckDBType[] };
      const fields = t.entryNames.map((name, i) => ({ name, mapping: mapDuckTypeInZone(t.entryTypes[i]!, zone) }));
      return {
        type: { kind: 'row', fields: fields.map((f) => ({ name: f.name, type: f.mapping.type })) },
        convert: (v) => {
          if (v === null) return null;
          const entries = (v as DuckDBStructValue).entries;
          return fields.map((f) => f.mapping.convert(entries[f.name] ?? null));
        },
      };
    }
    case DuckDBTypeId.MAP: {
      const t = type as unknown as { keyType: DuckDBType; valueType: DuckDBType };
      const key = mapDuckTypeInZone(t.keyType, zone);
      const value = mapDuckTypeInZone(t.valueType, zone);
      return {
        type: { kind: 'map', key: key.type, value: value.type },
        convert: (v) => (v === null ? null : (v as DuckDBMapValue).entries.map((e) => [key.convert(e.key), value.convert(e.value)])),
      };
    }
    case DuckDBTypeId.SQLNULL:
      return { type: simple('unknown'), convert: () => null };
    default:
      return { type: simple('varchar'), convert: text };
  }
}

/** A type whose DuckDB value holds one int64 under `field`, converted by `format`. */
function fromInt64(type: SqlType, field: string, format: (value: bigint) => string): ColumnMapping {
  return { type, convert: (v) => (v === null ? null : format(BigInt((v as unknown as Record<string, bigint>)[field]!))), fromInt64: format };
}

const pad = (n: number | bigint, w = 2) => String(n).padStart(w, '0');

/**
 * A REAL as Trino writes it: the shortest decimal that reads back as the same 32-bit float
 * (1.1, where the float widened to a double prints 1.100000023841858).
 */
export function shortestReal(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return Number(value.toPrecision(9));
}

function formatTime(micros: bigint, precision: number): string {
  const total = Number(micros / 1_000_000n);
  const frac = micros % 1_000_000n;
  const base = `${pad(Math.floor(total / 3600))}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}`;
  return precision ? `${base}.${pad(frac, 6).slice(0, precision)}` : base;
}

function timeTz(v: DuckDBValue): string {
  const value = v as unknown as { micros: bigint; offset: number };
  const offset = value.offset;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${formatTime(BigInt(value.micros), 6)}${sign}${pad(Math.floor(abs / 3600))}:${pad(Math.floor(abs / 60) % 60)}`;
}

function formatTimestamp(micros: bigint, precision: number): string {
  if (micros >= -MAX_SAFE && micros <= MAX_SAFE) return formatTimestampMicros(Number(micros), precision);
  // Past a JavaScript date's range (±275,760 years), ±infinity among them: DuckDB's own text.
  if (micros > MAX_DATE_MICROS || micros < -MAX_DATE_MICROS) return String(new DuckDBTimestampValue(micros));
  let seconds = micros / 1_000_000n;
  let frac = micros % 1_000_000n;
  if (frac < 0n) {
    frac += 1_000_000n;
    seconds -= 1n;
  }
  return formatSeconds(Number(seconds), Number(frac), precision);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_DATE_MICROS = 8_640_000_000_000_000_000n;

/** formatTimestamp of a safe integer, without bigint arithmetic. */
export function formatTimestampMicros(micros: number, precision: number): string {
  let frac = micros % 1_000_000;
  let seconds = (micros - frac) / 1_000_000;
  if (frac < 0) {
    frac += 1_000_000;
    seconds -= 1;
  }
  return formatSeconds(seconds, frac, precision);
}

function formatSeconds(seconds: number, frac: number, precision: number): string {
  const d = new Date(seconds * 1000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return precision ? `${date} ${time}.${pad(frac, 6).slice(0, precision)}` : `${date} ${time}`;
}

const OFFSET_ZONE = /^([+-])(\d{2}):(\d{2})$/;

/** Whether the local engine can print values in this zone: an IANA zone id, `UTC` or an offset `+HH:MM`. */
export function isKnownZone(zone: string): boolean {
  if (OFFSET_ZONE.test(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The default session zone: the server's, as a Trino coordinator's. */
export function serverZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Prints an instant (microseconds since the epoch) as its wall-clock time in `zone`, followed by the zone. */
function zonedFormatter(zone: string): (micros: bigint) => string {
  const offset = OFFSET_ZONE.exec(zone);
  if (zone === 'UTC' || offset) {
    const shift = offset ? BigInt((offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000_000) : 0n;
    return (micros) => `${formatTimestamp(micros + shift, 6)} ${zone}`;
  }
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short' });
  return (micros) => {
    let seconds = micros / 1_000_000n;
    if (micros % 1_000_000n < 0n) seconds -= 1n;
    const at = Number(seconds) * 1000;
    const p: Record<string, string> = {};
    for (const part of parts.formatToParts(at)) p[part.type] = part.value;
    // The zone's offset at that instant: its wall-clock time read as UTC, less the instant.
    const year = p.era === 'BC' || p.era === 'B' ? 1 - Number(p.year) : Number(p.year);
    const wall = new Date(0);
    wall.setUTCFullYear(year, Number(p.month) - 1, Number(p.day));
    wall.setUTCHours(Number(p.hour), Number(p.minute), Number(p.second), 0);
    const shift = BigInt(wall.getTime() - at) * 1000n;
    return `${formatTimestamp(micros + shift, 6)} ${zone}`;
  };
}

function formatTimestampNanos(nanos: bigint): string {
  const micros = nanos / 1000n;
  const rest = ((nanos % 1000n) + 1000n) % 1000n;
  return formatTimestamp(micros - (nanos < 0n && rest ? 1n : 0n), 6) + pad(rest, 3);
}

function formatInterval(v: DuckDBIntervalValue): string {
  const micros = BigInt(v.micros) + BigInt(v.days + v.months * 30) * 86_400_000_000n;
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const days = abs / 86_400_000_000n;
  const rest = abs % 86_400_000_000n;
  const ms = (rest % 1_000_000n) / 1000n;
  const secs = Number(rest / 1_000_000n);
  return `${negative ? '-' : ''}${days} ${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}.${pad(ms, 3)}`;
}
