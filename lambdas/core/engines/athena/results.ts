import { parseType, formatType } from '../../protocol/sql-types.js';
import type { SqlType, EngineColumn } from '../../ports/index.js';
import { DecodeError, rowDecoder, type RawValue } from './decode.js';
import { athenaColumnType, isComplexAthenaType, parseCatalogType, type AthenaColumnInfo } from './types.js';
import type { AthenaStatementKind } from './statement.js';

/**
 * Result shaping: Athena's rows (raw text) into the columns and canonical rows of an EnginePage,
 * the way Trino would answer the same statement.
 */

/** Types of the result columns, with the complex-type hints that apply (see statement.ts). */
export function resultTypes(columns: readonly AthenaColumnInfo[], hints?: Record<string, [string, string?]>): SqlType[] {
  return columns.map((info, i) => {
    const hint = hints?.[String(i)];
    if (!hint || !isComplexAthenaType(info.Type)) return athenaColumnType(info);
    const [typeText, name] = hint;
    if (name !== undefined && (info.Name ?? '').toLowerCase() !== name) return athenaColumnType(info);
    let type: SqlType;
    try {
      type = parseType(typeText);
    } catch {
      return athenaColumnType(info);
    }
    return athenaColumnType(info, type);
  });
}

export function engineColumns(columns: readonly AthenaColumnInfo[], types: readonly SqlType[]): EngineColumn[] {
  return columns.map((c, i) => ({ name: c.Label || c.Name || `_col${i}`, type: types[i]! }));
}

/**
 * The header-row rule. GetQueryResults repeats the column labels as the first row of the first
 * page of a SELECT (StatementType DML), and only there. The row is dropped only when the request
 * was for the first page, the statement is DML, and every value equals its column's label: a
 * later page, a SHOW or DDL result, or a first data row that merely looks similar is never touched.
 */
export function isHeaderRow(values: readonly RawValue[], columns: readonly AthenaColumnInfo[]): boolean {
  if (values.length !== columns.length || values.length === 0) return false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const c = columns[i]!;
    if (v == null || (v !== c.Label && v !== c.Name)) return false;
  }
  return true;
}

export function skipsHeaderRow(firstPage: boolean, statementType: string | undefined, firstRow: readonly RawValue[] | undefined, columns: readonly AthenaColumnInfo[]): boolean {
  return firstPage && statementType === 'DML' && firstRow !== undefined && isHeaderRow(firstRow, columns);
}

/**
 * Decodes raw rows with the columns' types. A value that does not fit its declared type is a
 * DecodeError: the declared type and the values never disagree.
 */
export function decodeRows(types: readonly SqlType[], rows: readonly (readonly RawValue[])[], inPlace = false): unknown[][] {
  const decode = rowDecoder(types, inPlace);
  const out = new Array<unknown[]>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = decode(rows[i]!);
  return out;
}

/**
 * Decides the types of a result's first page: a complex column typed from a hint stays typed only
 * if every value on the first page reads back under that type; otherwise it falls back to varchar
 * before anything is sent, so later pages never disagree with what the client was told.
 */
export function settleTypes(columns: readonly AthenaColumnInfo[], hints: Record<string, [string, string?]> | undefined, rows: readonly (readonly RawValue[])[]): { types: SqlType[]; hints?: Record<string, [string, string?]> } {
  let types = resultTypes(columns, hints);
  if (!hints) return { types };
  const kept: Record<string, [string, string?]> = {};
  for (const [position, hint] of Object.entries(hints)) {
    const i = Number(position);
    const type = types[i];
    if (!type || type.kind === 'simple') continue;
    try {
      decodeRows([type], rows.map((r) => [r[i]]));
      kept[position] = hint;
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
    }
  }
  types = resultTypes(columns, kept);
  return Object.keys(kept).length ? { types, hints: kept } : { types };
}

/**
 * Athena returns DDL/UTILITY output (DESCRIBE, SHOW ...) as lines whose fields are joined by tabs
 * in a single value when ColumnInfo announces several columns; the result file (.txt) holds the
 * same lines. Splits them so that every row has one value per column.
 */
export function splitUtilityRow(values: readonly RawValue[], columnCount: number): RawValue[] {
  if (values.length === columnCount) return values.slice();
  const out: RawValue[] =
    values.length === 1 && typeof values[0] === 'string' && columnCount > 1
      ? values[0].split('\t').map((v) => v.trim())
      : values.slice();
  if (out.length > columnCount) {
    const tail = out.splice(columnCount - 1).join('\t');
    out.push(tail);
  }
  while (out.length < columnCount) out.push(null);
  return out;
}

const varchar: SqlType = { kind: 'simple', name: 'varchar', params: [] };
const col = (name: string): EngineColumn => ({ name, type: varchar });

export interface ShapedResult {
  columns: EngineColumn[];
  rows: unknown[][];
}

/** Whether a statement kind needs its whole output at once (shaping spans all lines). */
export function shapesWholeOutput(kind: AthenaStatementKind): boolean {
  return kind === 'describe' || kind === 'show-create-table' || kind === 'show-create-view';
}

/**
 * The output of a SHOW or DESCRIBE, with Trino's column names and layout:
 * SHOW TABLES → Table; SHOW SCHEMAS → Schema; DESCRIBE / SHOW COLUMNS → Column, Type, Extra,
 * Comment (Hive types written as Trino types, partition keys marked); SHOW CREATE TABLE/VIEW →
 * one row holding the whole statement. Other statements keep Athena's columns.
 */
export function shapeUtility(kind: AthenaStatementKind, columns: readonly AthenaColumnInfo[], rawRows: readonly (readonly RawValue[])[]): ShapedResult {
  const count = Math.max(columns.length, 1);
  const rows = rawRows.map((r) => splitUtilityRow(r, count));
  switch (kind) {
    case 'show-tables':
      return { columns: [col('Table')], rows: rows.filter((r) => r[0] != null && r[0] !== '').map((r) => [r[0]]) };
    case 'show-schemas':
      return { columns: [col('Schema')], rows: rows.filter((r) => r[0] != null && r[0] !== '').map((r) => [r[0]]) };
    case 'describe':
      return { columns: [col('Column'), col('Type'), col('Extra'), col('Comment')], rows: describeRows(rows) };
    case 'show-create-table':
    case 'show-create-view': {
      const text = rows.map((r) => r.filter((v) => v != null).join('\t')).join('\n').replace(/\s+$/, '');
      return { columns: [col(kind === 'show-create-table' ? 'Create Table' : 'Create View')], rows: [[text]] };
    }
    default: {
      const types = columns.map((c) => athenaColumnType(c));
      return { columns: engineColumns(columns, types), rows: decodeRows(types, rows) };
    }
  }
}

/**
 * Hive's DESCRIBE output: `name \t type \t comment` lines, a blank line, then
 * `# Partition Information` and the partition columns again. Partition columns are listed once,
 * marked `partition key` as Trino's Hive connector marks them.
 */
function describeRows(rows: readonly RawValue[][]): unknown[][] {
  const out: { name: string; type: string; extra: string; comment: string }[] = [];
  const seen = new Map<string, number>();
  let partitions = false;
  for (const r of rows) {
    const name = (r[0] ?? '').trim();
    if (name === '') continue;
    if (name.startsWith('#')) {
      if (/^#\s*partition information/i.test(name)) partitions = true;
      else if (/^#\s*detailed/i.test(name)) break;
      continue;
    }
    const type = trinoTypeText((r[1] ?? '').trim());
    const comment = (r[2] ?? '').trim();
    const existing = seen.get(name);
    if (existing !== undefined) {
      if (partitions) out[existing]!.extra = 'partition key';
      continue;
    }
    seen.set(name, out.length);
    out.push({ name, type, extra: partitions ? 'partition key' : '', comment });
  }
  return out.map((c) => [c.name, c.type, c.extra, c.comment]);
}

/** A Hive type as Trino prints it (`string` → varchar, `struct<a:int>` → row(a integer)). */
export function trinoTypeText(hive: string): string {
  if (hive === '') return hive;
  try {
    return formatType(parseCatalogType(hive));
  } catch {
    return hive;
  }
}

/** Trino's updateType from Athena's SubstatementType (CREATE_TABLE_AS_SELECT → CREATE TABLE). */
export function updateTypeFromSubstatement(substatement: string | undefined): string | undefined {
  if (!substatement) return undefined;
  const s = substatement.toUpperCase();
  if (s === 'CREATE_TABLE_AS_SELECT') return 'CREATE TABLE';
  if (s === 'INSERT_INTO' || s === 'INSERT') return 'INSERT';
  if (s === 'SELECT' || s === 'EXPLAIN' || s.startsWith('SHOW') || s.startsWith('DESCRIBE')) return undefined;
  return s.replace(/_/g, ' ');
}

/** Statements whose result is a row count (Athena's UpdateCount) rather than rows. */
export function countsRows(updateType: string | undefined, substatement: string | undefined): boolean {
  const s = (substatement ?? '').toUpperCase();
  if (['CREATE_TABLE_AS_SELECT', 'INSERT_INTO', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'UNLOAD'].includes(s)) return true;
  return updateType === 'INSERT' || updateType === 'UPDATE' || updateType === 'DELETE' || updateType === 'MERGE';
}

export const ROWS_COLUMN: EngineColumn = { name: 'rows', type: { kind: 'simple', name: 'bigint', params: [] } };
export const RESULT_COLUMN: EngineColumn = { name: 'result', type: { kind: 'simple', name: 'boolean', params: [] } };
