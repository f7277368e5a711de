import type { SqlType } from '../ports/index.js';
import { UNBOUNDED_VARCHAR_LENGTH } from '../protocol/sql-types.js';

/**
 * JDBC's view of Presto types, as Trino's system.jdbc tables report it (ColumnJdbcTable,
 * TypesJdbcTable): java.sql.Types codes, COLUMN_SIZE, DECIMAL_DIGITS, NUM_PREC_RADIX and
 * CHAR_OCTET_LENGTH.
 */
export const JdbcType = {
  CHAR: 1,
  DECIMAL: 3,
  INTEGER: 4,
  SMALLINT: 5,
  REAL: 7,
  DOUBLE: 8,
  VARCHAR: 12,
  BOOLEAN: 16,
  DATE: 91,
  TIME: 92,
  TIMESTAMP: 93,
  TINYINT: -6,
  BIGINT: -5,
  VARBINARY: -3,
  JAVA_OBJECT: 2000,
  ARRAY: 2003,
  TIME_WITH_TIMEZONE: 2013,
  TIMESTAMP_WITH_TIMEZONE: 2014,
} as const;

/** DatabaseMetaData constants. */
export const COLUMN_NULLABLE_UNKNOWN = 2;
export const TYPE_NULLABLE = 1;
export const TYPE_SEARCHABLE = 3;
export const TYPE_PRED_NONE = 0;

/** Length of the longest java.time zone id ("America/Argentina/ComodRivadavia"). */
const MAX_TIMEZONE_LENGTH = 32;
const DEFAULT_DATETIME_PRECISION = 3;
const INTEGER_MAX = 2147483647;

function simpleName(type: SqlType): string | undefined {
  return type.kind === 'simple' ? type.name : undefined;
}

function precisionOf(type: SqlType): number {
  return type.kind === 'simple' && type.params[0] !== undefined ? type.params[0] : DEFAULT_DATETIME_PRECISION;
}

export function jdbcDataType(type: SqlType): number {
  if (type.kind === 'array') return JdbcType.ARRAY;
  switch (simpleName(type)) {
    case 'boolean':
      return JdbcType.BOOLEAN;
    case 'bigint':
      return JdbcType.BIGINT;
    case 'integer':
      return JdbcType.INTEGER;
    case 'smallint':
      return JdbcType.SMALLINT;
    case 'tinyint':
      return JdbcType.TINYINT;
    case 'real':
      return JdbcType.REAL;
    case 'double':
      return JdbcType.DOUBLE;
    case 'decimal':
      return JdbcType.DECIMAL;
    case 'varchar':
      return JdbcType.VARCHAR;
    case 'char':
      return JdbcType.CHAR;
    case 'varbinary':
      return JdbcType.VARBINARY;
    case 'date':
      return JdbcType.DATE;
    case 'time':
      return JdbcType.TIME;
    case 'time with time zone':
      return JdbcType.TIME_WITH_TIMEZONE;
    case 'timestamp':
      return JdbcType.TIMESTAMP;
    case 'timestamp with time zone':
      return JdbcType.TIMESTAMP_WITH_TIMEZONE;
    default:
      return JdbcType.JAVA_OBJECT;
  }
}

export function columnSize(type: SqlType): number | null {
  if (type.kind !== 'simple') return null;
  const p = type.params;
  switch (type.name) {
    case 'bigint':
      return 19;
    case 'integer':
      return 10;
    case 'smallint':
      return 5;
    case 'tinyint':
      return 3;
    case 'decimal':
      return p[0] ?? 38;
    case 'real':
      return 24;
    case 'double':
      return 53;
    case 'varchar':
      return p[0] ?? UNBOUNDED_VARCHAR_LENGTH;
    case 'char':
      return p[0] ?? 1;
    case 'varbinary':
      return INTEGER_MAX;
    case 'time': {
      const precision = precisionOf(type);
      return 8 + Math.min(precision, 1) + precision;
    }
    case 'time with time zone': {
      const precision = precisionOf(type);
      return 8 + Math.min(precision, 1) + precision + 6;
    }
    case 'date':
      return 14;
    case 'timestamp': {
      const precision = precisionOf(type);
      return 1 + 5 + 15 + Math.min(precision, 1) + precision;
    }
    case 'timestamp with time zone': {
      const precision = precisionOf(type);
      return 1 + 6 + 15 + Math.min(precision, 1) + precision + 1 + MAX_TIMEZONE_LENGTH;
    }
    default:
      return null;
  }
}

/** Fractional digits: the scale of a decimal, the precision of a time or timestamp. */
export function decimalDigits(type: SqlType): number | null {
  if (type.kind !== 'simple') return null;
  switch (type.name) {
    case 'decimal':
      return type.params[1] ?? 0;
    case 'time':
    case 'time with time zone':
    case 'timestamp':
    case 'timestamp with time zone':
      return precisionOf(type);
    default:
      return null;
  }
}

export function numPrecRadix(type: SqlType): number | null {
  switch (simpleName(type)) {
    case 'bigint':
    case 'integer':
    case 'smallint':
    case 'tinyint':
    case 'decimal':
      return 10;
    case 'real':
    case 'double':
      return 2;
    default:
      return null;
  }
}

export function charOctetLength(type: SqlType): number | null {
  switch (simpleName(type)) {
    case 'varchar':
      return (type as { params: number[] }).params[0] ?? UNBOUNDED_VARCHAR_LENGTH;
    case 'char':
      return (type as { params: number[] }).params[0] ?? 1;
    case 'varbinary':
      return INTEGER_MAX;
    default:
      return null;
  }
}

/** One row of system.jdbc.types, in the table's column order. */
export type TypeInfoRow = [string, number, number | null, null, null, null, number, boolean, number, null, boolean, null, null, number, number, null, null, number | null];

const simple = (name: string): SqlType => ({ kind: 'simple', name, params: [] });

/** Types Trino registers without parameters (the user-facing ones Athena engine v3 has). */
const PLAIN_TYPES: { name: string; comparable: boolean }[] = [
  { name: 'bigint', comparable: true },
  { name: 'boolean', comparable: true },
  { name: 'date', comparable: true },
  { name: 'double', comparable: true },
  { name: 'HyperLogLog', comparable: false },
  { name: 'integer', comparable: true },
  { name: 'interval day to second', comparable: true },
  { name: 'interval year to month', comparable: true },
  { name: 'ipaddress', comparable: true },
  { name: 'json', comparable: true },
  { name: 'P4HyperLogLog', comparable: false },
  { name: 'real', comparable: true },
  { name: 'smallint', comparable: true },
  { name: 'tinyint', comparable: true },
  { name: 'uuid', comparable: true },
  { name: 'varbinary', comparable: true },
];

/** Parametric types: Trino lists them by name, as JAVA_OBJECT (ARRAY for array). */
const PARAMETRIC_TYPES = ['array', 'char', 'decimal', 'map', 'qdigest', 'row', 'time', 'time with time zone', 'timestamp', 'timestamp with time zone', 'varchar'];

/** The rows of system.jdbc.types as TypesJdbcTable builds them. */
export function typeInfoRows(): TypeInfoRow[] {
  const rows: TypeInfoRow[] = [];
  for (const { name, comparable } of PLAIN_TYPES) {
    const type = simple(name.toLowerCase());
    rows.push([name, jdbcDataType(type), columnSize(type), null, null, null, TYPE_NULLABLE, false, comparable ? TYPE_SEARCHABLE : TYPE_PRED_NONE, null, false, null, null, 0, 0, null, null, numPrecRadix(type)]);
  }
  for (const name of PARAMETRIC_TYPES) {
    rows.push([name, name === 'array' ? JdbcType.ARRAY : JdbcType.JAVA_OBJECT, null, null, null, null, TYPE_NULLABLE, false, TYPE_PRED_NONE, null, false, null, null, 0, 0, null, null, null]);
  }
  return rows;
}
