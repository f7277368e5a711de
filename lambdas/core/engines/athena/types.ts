import { normalizeType, parseType } from '../../protocol/sql-types.js';
import type { SqlType } from '../../ports/index.js';

/**
 * Athena's column metadata (GetQueryResults ResultSetMetadata.ColumnInfo), the fields Bifrost
 * reads. Structurally compatible with the SDK's `ColumnInfo`.
 */
export interface AthenaColumnInfo {
  Name?: string;
  Label?: string;
  Type?: string;
  Precision?: number;
  Scale?: number;
  CatalogName?: string;
  SchemaName?: string;
  TableName?: string;
  Nullable?: string;
  CaseSensitive?: boolean;
}

const VARCHAR: SqlType = { kind: 'simple', name: 'varchar', params: [] };
const UNBOUNDED = 2147483647;
/** Athena engine v3 timestamps are millisecond precision unless the column says otherwise. */
const DEFAULT_DATETIME_PRECISION = 3;

function simple(name: string, params: number[] = []): SqlType {
  return { kind: 'simple', name, params };
}

function datetimePrecision(precision: number | undefined): number {
  return precision !== undefined && Number.isInteger(precision) && precision >= 0 && precision <= 12 ? precision : DEFAULT_DATETIME_PRECISION;
}

/** Whether Athena reports the column as a complex type (its ColumnInfo carries no element types). */
export function isComplexAthenaType(type: string | undefined): boolean {
  const t = (type ?? '').trim().toLowerCase();
  return t === 'array' || t === 'map' || t === 'row' || t === 'struct' || t.startsWith('array') || t.startsWith('map') || t.startsWith('row') || t.startsWith('struct');
}

/** array / map / row, the kind a complex Athena type name stands for. */
export function complexKind(type: string | undefined): 'array' | 'map' | 'row' | undefined {
  const t = (type ?? '').trim().toLowerCase();
  if (t.startsWith('array')) return 'array';
  if (t.startsWith('map')) return 'map';
  if (t.startsWith('row') || t.startsWith('struct')) return 'row';
  return undefined;
}

/**
 * The Presto/Trino type of an Athena result column. Primitive types are exact (decimal precision
 * and scale, varchar and char lengths, datetime precision); Athena reports complex types without
 * their element types, so they are declared varchar (the value is Athena's text) unless a `hint`
 * gives the full type and its values can be read back faithfully (see `isTextDecodable`).
 */
export function athenaColumnType(info: AthenaColumnInfo, hint?: SqlType): SqlType {
  const raw = (info.Type ?? '').trim().toLowerCase();
  const precision = info.Precision;
  const scale = info.Scale;
  switch (raw) {
    case 'boolean':
    case 'tinyint':
    case 'smallint':
    case 'bigint':
    case 'double':
    case 'date':
    case 'json':
    case 'uuid':
    case 'ipaddress':
    case 'unknown':
    case 'varbinary':
    case 'interval year to month':
    case 'interval day to second':
      return simple(raw);
    case 'integer':
    case 'int':
      return simple('integer');
    case 'real':
    case 'float':
      return simple('real');
    case 'binary':
      return simple('varbinary');
    case 'decimal':
      return precision !== undefined && precision > 0 && precision <= 38 ? simple('decimal', [precision, Math.max(0, Math.min(scale ?? 0, precision))]) : simple('decimal', [38, 0]);
    case 'varchar':
    case 'string':
      return precision !== undefined && precision > 0 && precision < UNBOUNDED ? simple('varchar', [precision]) : VARCHAR;
    case 'char':
      return simple('char', [precision !== undefined && precision > 0 && precision < UNBOUNDED ? precision : 1]);
    case 'time':
      return simple('time', [datetimePrecision(precision)]);
    case 'time with time zone':
      return simple('time with time zone', [datetimePrecision(precision)]);
    case 'timestamp':
      return simple('timestamp', [datetimePrecision(precision)]);
    case 'timestamp with time zone':
      return simple('timestamp with time zone', [datetimePrecision(precision)]);
  }
  const kind = complexKind(raw);
  if (kind) {
    if (hint && hint.kind === kind && isTextDecodable(hint)) return hint;
    return VARCHAR;
  }
  // Types Athena may print with their parameters ("decimal(10,2)", "varchar(5)", "timestamp(6)").
  try {
    const parsed = parseCatalogType(raw);
    if (parsed.kind === 'simple' && parsed.name !== raw) return athenaColumnType({ ...info, Type: parsed.name, Precision: parsed.params[0] ?? precision, Scale: parsed.params[1] ?? scale });
  } catch {
    // fall through
  }
  // Anything else (geometry, hyperloglog, a future type) travels as the text Athena printed.
  return VARCHAR;
}

/**
 * Leaf types whose text inside Athena's rendering of arrays, maps and rows (`[1, 2]`,
 * `{a=1}`, `{x=1, y=2}`) never contains the delimiters `, [ ] { } =` and never reads as `null`:
 * values of these types can be read back exactly. Strings can hold any of those characters
 * (`[a, b]` is one element or two), so a complex type with a varchar, char, json or varbinary
 * anywhere inside is never decoded: it is declared varchar.
 */
const TEXT_SAFE_LEAVES = new Set(['boolean', 'tinyint', 'smallint', 'integer', 'bigint', 'real', 'double', 'decimal', 'date', 'timestamp', 'unknown']);

export function isTextDecodable(type: SqlType): boolean {
  switch (type.kind) {
    case 'array':
      return isTextDecodable(type.element);
    case 'map':
      return isTextDecodable(type.key) && isTextDecodable(type.value);
    case 'row':
      return type.fields.length > 0 && type.fields.every((f) => isTextDecodable(f.type));
    case 'simple':
      return TEXT_SAFE_LEAVES.has(type.name);
  }
}

/**
 * Parses a type as catalogs write it: Hive/Glue notation (`array<struct<a:int,b:string>>`,
 * `map<string,bigint>`, `decimal(10,2)`, `string`, `binary`) or Trino notation
 * (`array(row(a integer))`, `map(varchar, bigint)`). Hive names are turned into Trino's
 * (string → varchar, int → integer, float → real, struct → row, binary → varbinary) and datetime
 * types get Athena's millisecond precision.
 */
export function parseCatalogType(text: string): SqlType {
  const trimmed = text.trim();
  const type = /[<>:]/.test(trimmed) ? new HiveTypeParser(trimmed).parse() : parseType(trimmed);
  return normalizeType(canonical(type));
}

function canonical(type: SqlType): SqlType {
  switch (type.kind) {
    case 'array':
      return { kind: 'array', element: canonical(type.element) };
    case 'map':
      return { kind: 'map', key: canonical(type.key), value: canonical(type.value) };
    case 'row':
      return { kind: 'row', fields: type.fields.map((f) => ({ ...(f.name !== undefined ? { name: f.name } : {}), type: canonical(f.type) })) };
    case 'simple': {
      const name = type.name.toLowerCase();
      switch (name) {
        case 'string':
          return VARCHAR;
        case 'int':
          return simple('integer');
        case 'float':
          return simple('real');
        case 'binary':
          return simple('varbinary');
        case 'time':
        case 'timestamp':
        case 'time with time zone':
        case 'timestamp with time zone':
          return simple(name, [type.params[0] ?? DEFAULT_DATETIME_PRECISION]);
        case 'varchar':
          return type.params[0] !== undefined && type.params[0] < UNBOUNDED ? simple('varchar', [type.params[0]]) : VARCHAR;
        default:
          return simple(name, type.params);
      }
    }
  }
}

class HiveTypeParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): SqlType {
    const type = this.type();
    this.space();
    if (this.pos !== this.text.length) throw new Error(`Unexpected text in type '${this.text}' at ${this.pos}`);
    return type;
  }

  private space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private expect(ch: string): void {
    this.space();
    if (this.text[this.pos] !== ch) throw new Error(`Expected '${ch}' in type '${this.text}' at ${this.pos}`);
    this.pos++;
  }

  private accept(ch: string): boolean {
    this.space();
    if (this.text[this.pos] === ch) {
      this.pos++;
      return true;
    }
    return false;
  }

  private word(): string {
    this.space();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!m) throw new Error(`Expected a type name in '${this.text}' at ${this.pos}`);
    this.pos += m[0].length;
    return m[0].toLowerCase();
  }

  private fieldName(): string {
    this.space();
    if (this.text[this.pos] === '`') {
      const end = this.text.indexOf('`', this.pos + 1);
      if (end < 0) throw new Error(`Unterminated field name in '${this.text}'`);
      const name = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
      return name;
    }
    const end = this.text.indexOf(':', this.pos);
    if (end < 0) throw new Error(`Expected ':' in '${this.text}' at ${this.pos}`);
    const name = this.text.slice(this.pos, end).trim();
    this.pos = end;
    return name;
  }

  private type(): SqlType {
    const name = this.word();
    if (name === 'array') {
      this.expect('<');
      const element = this.type();
      this.expect('>');
      return { kind: 'array', element };
    }
    if (name === 'map') {
      this.expect('<');
      const key = this.type();
      this.expect(',');
      const value = this.type();
      this.expect('>');
      return { kind: 'map', key, value };
    }
    if (name === 'struct' || name === 'row') {
      this.expect('<');
      const fields: { name: string; type: SqlType }[] = [];
      if (!this.accept('>')) {
        do {
          const fieldName = this.fieldName();
          this.expect(':');
          fields.push({ name: fieldName, type: this.type() });
        } while (this.accept(','));
        this.expect('>');
      }
      return { kind: 'row', fields };
    }
    if (name === 'uniontype') throw new Error('uniontype has no Trino equivalent');
    const params: number[] = [];
    if (this.accept('(')) {
      do {
        this.space();
        const m = /^\d+/.exec(this.text.slice(this.pos));
        if (!m) throw new Error(`Expected a number in '${this.text}' at ${this.pos}`);
        params.push(Number(m[0]));
        this.pos += m[0].length;
      } while (this.accept(','));
      this.expect(')');
    }
    return { kind: 'simple', name, params };
  }
}
