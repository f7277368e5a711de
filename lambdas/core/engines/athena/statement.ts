import { tokenize, type Token } from '../../protocol/lexer.js';
import { formatType } from '../../protocol/sql-types.js';
import type { SqlType } from '../../ports/index.js';
import { updateTypeOf } from '../../protocol/statements.js';
import { isTextDecodable, parseCatalogType } from './types.js';

/**
 * What the Athena engine needs to know about a statement before it runs: how to shape its result
 * the way Trino would (SHOW and DESCRIBE column names, updateType for DDL and DML), the text to
 * send to Athena (Trino spellings of SHOW/DESCRIBE rewritten into Athena's DDL dialect), and for a
 * simple SELECT the select list, from which the types of complex columns can be known.
 */
export type AthenaStatementKind =
  | 'query'
  | 'show-tables'
  | 'show-schemas'
  | 'describe'
  | 'show-create-table'
  | 'show-create-view'
  | 'show-other'
  | 'update';

export type SelectItem =
  | { kind: 'star' }
  | { kind: 'column'; column: string; output: string }
  | { kind: 'cast'; type: SqlType; output?: string }
  | { kind: 'other' };

export interface SelectShape {
  /** The one table the SELECT reads, as written (1 to 3 parts), when it reads exactly one. */
  table?: string[];
  items: SelectItem[];
}

export interface AthenaStatementPlan {
  kind: AthenaStatementKind;
  /** The text to send to Athena. */
  sql: string;
  /** Trino's updateType for statements that change data or schema. */
  updateType?: string;
  /** A catalog or schema named by the statement itself (SHOW TABLES FROM c.s), Trino names. */
  catalog?: string;
  schema?: string;
  select?: SelectShape;
}

const SELECT_TAIL = new Set(['WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'WINDOW']);
const SET_OPERATORS = new Set(['UNION', 'INTERSECT', 'EXCEPT']);

function isName(t: Token | undefined): t is Token {
  return t !== undefined && (t.kind === 'word' || t.kind === 'quoted');
}

function nameText(t: Token): string {
  return t.kind === 'word' ? t.text.toLowerCase() : t.text;
}

/** Reads `a.b.c` from tokens[i]: the parts and the index after the name. */
function qualified(tokens: Token[], i: number): { parts: string[]; partTokens: Token[]; next: number } {
  const parts: string[] = [];
  const partTokens: Token[] = [];
  while (isName(tokens[i])) {
    parts.push(nameText(tokens[i]!));
    partTokens.push(tokens[i]!);
    i++;
    if (tokens[i]?.text === '.' && isName(tokens[i + 1])) i++;
    else break;
  }
  return { parts, partTokens, next: i };
}

/** A name as Athena's Hive DDL parser wants it: backquoted. */
function backquote(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** Trino LIKE pattern → the wildcard pattern Athena's SHOW statements take. */
function likeToAthenaPattern(pattern: string): string {
  return pattern.replace(/%/g, '*').replace(/_/g, '.').replace(/'/g, "''");
}

function likeClause(tokens: Token[], i: number): { pattern?: string; next: number; ok: boolean } {
  if (tokens[i]?.upper !== 'LIKE') return { next: i, ok: true };
  const literal = tokens[i + 1];
  if (literal?.kind !== 'string' || tokens[i + 2]?.upper === 'ESCAPE') return { next: i, ok: false };
  return { pattern: likeToAthenaPattern(literal.text), next: i + 2, ok: true };
}

export function planAthenaStatement(sql: string): AthenaStatementPlan {
  let tokens: Token[];
  try {
    tokens = tokenize(sql).filter((t) => !(t.kind === 'symbol' && t.text === ';'));
  } catch {
    return { kind: 'query', sql };
  }
  const w = (i: number) => tokens[i]?.upper ?? '';
  const first = w(0);

  if (first === 'SHOW' && w(1) === 'TABLES') {
    let i = 2;
    let catalog: string | undefined;
    let schema: string | undefined;
    if (w(i) === 'FROM' || w(i) === 'IN') {
      const name = qualified(tokens, i + 1);
      if (name.parts.length === 0 || name.parts.length > 2) return { kind: 'show-other', sql };
      [catalog, schema] = name.parts.length === 2 ? [name.parts[0], name.parts[1]] : [undefined, name.parts[0]];
      i = name.next;
    }
    const like = likeClause(tokens, i);
    if (!like.ok || like.next !== tokens.length) return { kind: 'show-tables', sql: backquoteNames(sql, tokens) };
    const text = `SHOW TABLES${schema !== undefined ? ' IN ' + backquote(schema) : ''}${like.pattern !== undefined ? ` '${like.pattern}'` : ''}`;
    return { kind: 'show-tables', sql: text, ...(catalog !== undefined ? { catalog } : {}), ...(schema !== undefined ? { schema } : {}) };
  }
  if (first === 'SHOW' && (w(1) === 'SCHEMAS' || w(1) === 'DATABASES')) {
    let i = 2;
    let catalog: string | undefined;
    if (w(i) === 'FROM' || w(i) === 'IN') {
      const name = qualified(tokens, i + 1);
      if (name.parts.length !== 1) return { kind: 'show-other', sql };
      catalog = name.parts[0];
      i = name.next;
    }
    const like = likeClause(tokens, i);
    if (!like.ok || like.next !== tokens.length) return { kind: 'show-schemas', sql };
    return { kind: 'show-schemas', sql: `SHOW DATABASES${like.pattern !== undefined ? ` LIKE '${like.pattern}'` : ''}`, ...(catalog !== undefined ? { catalog } : {}) };
  }
  const describeAt = first === 'DESCRIBE' || first === 'DESC' ? 1 : first === 'SHOW' && w(1) === 'COLUMNS' && (w(2) === 'FROM' || w(2) === 'IN') ? 3 : -1;
  if (describeAt > 0 && w(1) !== 'INPUT' && w(1) !== 'OUTPUT') {
    const name = qualified(tokens, describeAt);
    if (name.parts.length === 0 || name.parts.length > 3 || name.next !== tokens.length) return { kind: 'show-other', sql: backquoteNames(sql, tokens) };
    return { kind: 'describe', ...tableTarget('DESCRIBE', name.parts) };
  }
  if (first === 'SHOW' && w(1) === 'CREATE' && (w(2) === 'TABLE' || w(2) === 'VIEW')) {
    const name = qualified(tokens, 3);
    const kind = w(2) === 'TABLE' ? 'show-create-table' : 'show-create-view';
    if (name.parts.length === 0 || name.parts.length > 3 || name.next !== tokens.length) return { kind, sql: backquoteNames(sql, tokens) };
    return { kind, ...tableTarget(`SHOW CREATE ${w(2)}`, name.parts) };
  }
  if (first === 'SHOW') return { kind: 'show-other', sql: backquoteNames(sql, tokens) };

  const updateType = updateTypeOf(tokens);
  if (updateType !== undefined) return { kind: 'update', sql, updateType };
  const select = first === 'SELECT' ? selectShape(sql, tokens) : undefined;
  return { kind: 'query', sql, ...(select ? { select } : {}) };
}

function tableTarget(verb: string, parts: string[]): { sql: string; catalog?: string; schema?: string } {
  const [catalog, schema, table] = parts.length === 3 ? parts : parts.length === 2 ? [undefined, parts[0], parts[1]] : [undefined, undefined, parts[0]];
  return {
    sql: `${verb} ${schema !== undefined ? backquote(schema) + '.' : ''}${backquote(table!)}`,
    ...(catalog !== undefined ? { catalog } : {}),
    ...(schema !== undefined ? { schema } : {}),
  };
}

/** Athena's DDL parser rejects double-quoted names: quote them with backticks instead. */
function backquoteNames(sql: string, tokens: Token[]): string {
  let out = '';
  let last = 0;
  for (const t of tokens) {
    if (t.kind === 'quoted' && sql[t.start] === '"') {
      out += sql.slice(last, t.start) + backquote(t.text);
      last = t.end;
    }
  }
  return out + sql.slice(last);
}

/** The select list of `SELECT ... [FROM one_table [alias]] [WHERE ...]`, or undefined. */
function selectShape(sql: string, tokens: Token[]): SelectShape | undefined {
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (depth === 0 && t.kind === 'word' && SET_OPERATORS.has(t.upper)) return undefined;
  }
  let i = 1;
  if (tokens[i]?.upper === 'DISTINCT' || tokens[i]?.upper === 'ALL') i++;
  const itemTokens: Token[][] = [];
  let current: Token[] = [];
  depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (depth === 0 && t.kind === 'word' && (t.upper === 'FROM' || SELECT_TAIL.has(t.upper))) break;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    if (depth === 0 && t.text === ',') {
      itemTokens.push(current);
      current = [];
    } else current.push(t);
  }
  itemTokens.push(current);
  if (itemTokens.some((item) => item.length === 0)) return undefined;
  const items = itemTokens.map((item) => selectItem(sql, item));
  let table: string[] | undefined;
  if (tokens[i]?.upper === 'FROM') {
    const name = qualified(tokens, i + 1);
    let next = name.next;
    if (tokens[next]?.upper === 'AS' && isName(tokens[next + 1])) next += 2;
    else if (isName(tokens[next]) && !(tokens[next]!.kind === 'word' && SELECT_TAIL.has(tokens[next]!.upper))) next += 1;
    const after = tokens[next];
    if (name.parts.length >= 1 && name.parts.length <= 3 && (after === undefined || (after.kind === 'word' && SELECT_TAIL.has(after.upper)))) table = name.parts;
  }
  return { ...(table ? { table } : {}), items };
}

function selectItem(sql: string, item: Token[]): SelectItem {
  const n = item.length;
  if (n === 1 && item[0]!.text === '*') return { kind: 'star' };
  if (item[n - 1]!.text === '*' && item[n - 2]?.text === '.') return { kind: 'star' };
  // alias: `expr AS name` or `expr name`
  let end = n;
  let alias: string | undefined;
  if (n >= 3 && item[n - 2]!.upper === 'AS' && isName(item[n - 1])) {
    alias = nameText(item[n - 1]!);
    end = n - 2;
  } else if (n >= 2 && isName(item[n - 1]) && (isName(item[n - 2]) || item[n - 2]!.text === ')')) {
    alias = nameText(item[n - 1]!);
    end = n - 1;
  }
  const expr = item.slice(0, end);
  const ref = qualified(expr, 0);
  if (ref.parts.length > 0 && ref.next === expr.length) {
    const column = ref.parts[ref.parts.length - 1]!;
    return { kind: 'column', column, output: (alias ?? column).toLowerCase() };
  }
  const head = expr[0]?.upper;
  if ((head === 'CAST' || head === 'TRY_CAST') && expr[1]?.text === '(' && expr[expr.length - 1]?.text === ')') {
    let depth = 0;
    let as = -1;
    for (let k = 1; k < expr.length; k++) {
      const t = expr[k]!;
      if (t.text === '(' || t.text === '[') depth++;
      else if (t.text === ')' || t.text === ']') {
        depth--;
        if (depth === 0 && k !== expr.length - 1) return { kind: 'other' };
      } else if (depth === 1 && t.upper === 'AS') as = k;
    }
    if (as < 0) return { kind: 'other' };
    try {
      const type = parseCatalogType(sql.slice(expr[as]!.end, expr[expr.length - 1]!.start));
      return { kind: 'cast', type, ...(alias !== undefined ? { output: alias.toLowerCase() } : {}) };
    } catch {
      return { kind: 'other' };
    }
  }
  return { kind: 'other' };
}

/** One column of a catalog table, with its type as the catalog writes it. */
export interface CatalogColumn {
  name: string;
  type: string;
}

/**
 * Complex result columns whose full type is known, by output position: from the query's own
 * CASTs and, for a SELECT of one table, from the table's columns (star or plain column
 * references). Only types that can be read back from Athena's text exactly are kept; every other
 * complex column stays varchar. `[type, expected column name]` pairs, the type printed.
 */
export type ComplexHints = Record<string, [string, string?]>;

export function complexHints(shape: SelectShape, tableColumns?: readonly CatalogColumn[]): ComplexHints {
  const hints: ComplexHints = {};
  const byName = new Map<string, SqlType | null>();
  for (const c of tableColumns ?? []) byName.set(c.name.toLowerCase(), tryParse(c.type));
  const keep = (position: number, type: SqlType | null | undefined, name?: string) => {
    if (type && type.kind !== 'simple' && isTextDecodable(type)) hints[String(position)] = name !== undefined ? [formatType(type), name] : [formatType(type)];
  };
  let position = 0;
  for (const item of shape.items) {
    if (item.kind === 'star') {
      // Without the table's columns the positions after a star are unknown.
      if (!tableColumns || !shape.table) return hints;
      for (const c of tableColumns) keep(position++, byName.get(c.name.toLowerCase()), c.name.toLowerCase());
      continue;
    }
    if (item.kind === 'cast') keep(position, item.type, item.output);
    else if (item.kind === 'column' && shape.table) keep(position, byName.get(item.column), item.output);
    position++;
  }
  return hints;
}

function tryParse(text: string): SqlType | null {
  try {
    return parseCatalogType(text);
  } catch {
    return null;
  }
}

/** Whether resolving hints needs the table's columns (a star or a plain column reference). */
export function needsTableColumns(shape: SelectShape | undefined): boolean {
  return !!shape?.table && shape.items.some((i) => i.kind === 'star' || i.kind === 'column');
}
