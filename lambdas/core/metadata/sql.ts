import { QueryFailure } from '../errors.js';
import { tokenize, singleStatement, type Token } from '../protocol/lexer.js';
import { formatType, normalizeType, parseType } from '../protocol/sql-types.js';
import type { SqlType } from '../ports/index.js';
import { compileLike } from './like.js';

/**
 * A small SELECT evaluator for the metadata queries that JDBC drivers and BI tools send: one
 * table (or none), a select list of column references, literals, CAST, CASE and a few
 * functions, a WHERE of comparisons, LIKE ... ESCAPE, IN, IS NULL combined with AND/OR/NOT,
 * ORDER BY, OFFSET and LIMIT. Anything outside that grammar is `Unsupported`: the caller then
 * leaves the statement to the engine. Names and types follow Trino: an output column is named
 * by its alias or column name as written, `_colN` otherwise; a string literal is varchar(n).
 */
export class Unsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unsupported';
  }
}

// ---------------------------------------------------------------- syntax

export type Expr =
  | { kind: 'column'; parts: string[]; written: string }
  | { kind: 'literal'; value: string | number | boolean | null; type: SqlType }
  | { kind: 'cast'; expr: Expr; type: SqlType }
  | { kind: 'case'; operand?: Expr; whens: { when: Expr; then: Expr }[]; otherwise?: Expr }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'not'; expr: Expr }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'compare'; op: '=' | '<>' | '<' | '>' | '<=' | '>='; left: Expr; right: Expr }
  | { kind: 'like'; expr: Expr; pattern: Expr; escape?: Expr; negated: boolean }
  | { kind: 'isNull'; expr: Expr; negated: boolean }
  | { kind: 'in'; expr: Expr; list: Expr[]; negated: boolean }
  | { kind: 'between'; expr: Expr; low: Expr; high: Expr; negated: boolean };

export type SelectItem = { kind: 'star'; prefix?: string } | { kind: 'expr'; expr: Expr; alias?: string };

export interface SelectQuery {
  distinct: boolean;
  items: SelectItem[];
  /** The table, as written (parts unquoted; unquoted parts lower-cased). */
  from?: { parts: string[]; alias?: string };
  where?: Expr;
  /** GROUP BY without aggregates: one row per distinct key (an integer literal is a select-list position). */
  groupBy?: Expr[];
  orderBy: { expr: Expr; desc: boolean; nullsFirst?: boolean }[];
  offset?: number;
  limit?: number;
}

const RESERVED = new Set([
  'ALL', 'AND', 'AS', 'ASC', 'BETWEEN', 'BY', 'CASE', 'CROSS', 'DESC', 'DISTINCT', 'ELSE', 'END', 'ESCAPE', 'EXCEPT', 'FETCH', 'FIRST', 'FROM', 'FULL', 'GROUP', 'HAVING',
  'IN', 'INNER', 'INTERSECT', 'IS', 'JOIN', 'LEFT', 'LIKE', 'LIMIT', 'NATURAL', 'NEXT', 'NOT', 'NULL', 'NULLS', 'OFFSET', 'ON', 'OR', 'ORDER', 'OUTER', 'RIGHT', 'ROW', 'ROWS',
  'SELECT', 'THEN', 'UNION', 'USING', 'WHEN', 'WHERE', 'WINDOW', 'WITH', 'TRUE', 'FALSE', 'CAST', 'TRY_CAST', 'LATERAL', 'TABLESAMPLE', 'ONLY',
]);

const FUNCTIONS = new Set(['upper', 'lower', 'version', 'coalesce']);

class Parser {
  private i = 0;
  constructor(
    private readonly sql: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }
  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.kind === 'word' && t.upper === word;
  }
  private isSymbol(symbol: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.kind === 'symbol' && t.text === symbol;
  }
  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.i++;
    return true;
  }
  private acceptSymbol(symbol: string): boolean {
    if (!this.isSymbol(symbol)) return false;
    this.i++;
    return true;
  }
  private expectWord(word: string): void {
    if (!this.acceptWord(word)) throw new Unsupported(`expected ${word}`);
  }
  private expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) throw new Unsupported(`expected '${symbol}'`);
  }
  private isIdentifier(offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && (t.kind === 'quoted' || (t.kind === 'word' && !RESERVED.has(t.upper)));
  }
  /** An identifier: its name for resolution (unquoted lower-cased) and as written. */
  private identifier(): { name: string; written: string } {
    const t = this.peek();
    if (!t || !this.isIdentifier()) throw new Unsupported('expected a name');
    this.i++;
    return t.kind === 'quoted' ? { name: t.text, written: t.text } : { name: t.text.toLowerCase(), written: t.text };
  }

  query(): SelectQuery {
    this.expectWord('SELECT');
    let distinct = false;
    if (this.acceptWord('DISTINCT')) distinct = true;
    else this.acceptWord('ALL');
    const items: SelectItem[] = [this.selectItem()];
    while (this.acceptSymbol(',')) items.push(this.selectItem());
    const query: SelectQuery = { distinct, items, orderBy: [] };
    if (this.acceptWord('FROM')) {
      const parts = [this.identifier().name];
      while (this.acceptSymbol('.')) parts.push(this.identifier().name);
      if (parts.length > 3) throw new Unsupported('name with too many parts');
      query.from = { parts };
      if (this.acceptWord('AS')) query.from.alias = this.identifier().name;
      else if (this.isIdentifier()) query.from.alias = this.identifier().name;
    }
    if (this.acceptWord('WHERE')) query.where = this.expr();
    if (this.acceptWord('GROUP')) {
      this.expectWord('BY');
      query.groupBy = [this.expr()];
      while (this.acceptSymbol(',')) query.groupBy.push(this.expr());
    }
    if (this.isWord('ORDER')) {
      this.i++;
      this.expectWord('BY');
      do {
        const expr = this.expr();
        let desc = false;
        if (this.acceptWord('DESC')) desc = true;
        else this.acceptWord('ASC');
        let nullsFirst: boolean | undefined;
        if (this.acceptWord('NULLS')) {
          if (this.acceptWord('FIRST')) nullsFirst = true;
          else {
            this.expectWord('LAST');
            nullsFirst = false;
          }
        }
        query.orderBy.push({ expr, desc, ...(nullsFirst !== undefined ? { nullsFirst } : {}) });
      } while (this.acceptSymbol(','));
    }
    if (this.acceptWord('OFFSET')) {
      query.offset = this.count();
      if (!this.acceptWord('ROWS')) this.acceptWord('ROW');
    }
    if (this.acceptWord('LIMIT')) {
      if (!this.acceptWord('ALL')) query.limit = this.count();
    } else if (this.acceptWord('FETCH')) {
      if (!this.acceptWord('FIRST')) this.expectWord('NEXT');
      query.limit = this.peek()?.kind === 'number' ? this.count() : 1;
      if (!this.acceptWord('ROWS')) this.expectWord('ROW');
      this.expectWord('ONLY');
    }
    if (this.i !== this.tokens.length) throw new Unsupported(`unexpected '${this.peek()!.text}'`);
    return query;
  }

  private count(): number {
    const t = this.peek();
    if (!t || t.kind !== 'number' || !/^\d+$/.test(t.text)) throw new Unsupported('expected a row count');
    this.i++;
    return Number(t.text);
  }

  private selectItem(): SelectItem {
    if (this.acceptSymbol('*')) return { kind: 'star' };
    if (this.isIdentifier() && this.isSymbol('.', 1) && this.isSymbol('*', 2)) {
      const prefix = this.identifier().name;
      this.i += 2;
      return { kind: 'star', prefix };
    }
    const expr = this.expr();
    if (this.acceptWord('AS')) return { kind: 'expr', expr, alias: this.identifier().written };
    if (this.isIdentifier()) return { kind: 'expr', expr, alias: this.identifier().written };
    return { kind: 'expr', expr };
  }

  expr(): Expr {
    let left = this.andExpr();
    while (this.acceptWord('OR')) left = { kind: 'or', left, right: this.andExpr() };
    return left;
  }

  private andExpr(): Expr {
    let left = this.notExpr();
    while (this.acceptWord('AND')) left = { kind: 'and', left, right: this.notExpr() };
    return left;
  }

  private notExpr(): Expr {
    if (this.acceptWord('NOT')) return { kind: 'not', expr: this.notExpr() };
    return this.predicate();
  }

  private predicate(): Expr {
    const left = this.primary();
    const t = this.peek();
    if (t?.kind === 'symbol' && ['=', '<>', '!=', '<', '>', '<=', '>='].includes(t.text)) {
      this.i++;
      const op = (t.text === '!=' ? '<>' : t.text) as '=' | '<>' | '<' | '>' | '<=' | '>=';
      return { kind: 'compare', op, left, right: this.primary() };
    }
    if (this.acceptWord('IS')) {
      const negated = this.acceptWord('NOT');
      this.expectWord('NULL');
      return { kind: 'isNull', expr: left, negated };
    }
    const negated = this.isWord('NOT') && (this.isWord('LIKE', 1) || this.isWord('IN', 1) || this.isWord('BETWEEN', 1));
    if (negated) this.i++;
    if (this.acceptWord('LIKE')) {
      const pattern = this.primary();
      const escape = this.acceptWord('ESCAPE') ? this.primary() : undefined;
      return { kind: 'like', expr: left, pattern, ...(escape ? { escape } : {}), negated };
    }
    if (this.acceptWord('IN')) {
      this.expectSymbol('(');
      const list = [this.expr()];
      while (this.acceptSymbol(',')) list.push(this.expr());
      this.expectSymbol(')');
      return { kind: 'in', expr: left, list, negated };
    }
    if (this.acceptWord('BETWEEN')) {
      const low = this.primary();
      this.expectWord('AND');
      return { kind: 'between', expr: left, low, high: this.primary(), negated };
    }
    if (negated) throw new Unsupported('NOT without LIKE, IN or BETWEEN');
    return left;
  }

  private primary(): Expr {
    const t = this.peek();
    if (!t) throw new Unsupported('unexpected end');
    if (t.kind === 'string') {
      if (this.sql[t.start] !== "'") throw new Unsupported('binary and Unicode literals');
      this.i++;
      return { kind: 'literal', value: t.text, type: { kind: 'simple', name: 'varchar', params: [[...t.text].length] } };
    }
    if (t.kind === 'number') {
      if (!/^\d+$/.test(t.text)) throw new Unsupported('only integer literals');
      this.i++;
      const value = Number(t.text);
      if (!Number.isSafeInteger(value)) throw new Unsupported('integer literal too large');
      return { kind: 'literal', value, type: { kind: 'simple', name: value <= 2147483647 ? 'integer' : 'bigint', params: [] } };
    }
    if (t.kind === 'symbol' && t.text === '-' && this.peek(1)?.kind === 'number') {
      this.i++;
      const inner = this.primary();
      if (inner.kind !== 'literal' || typeof inner.value !== 'number') throw new Unsupported('negative literal');
      return { ...inner, value: -inner.value };
    }
    if (t.kind === 'symbol' && t.text === '(') {
      this.i++;
      const inner = this.expr();
      this.expectSymbol(')');
      return inner;
    }
    if (t.kind === 'word') {
      switch (t.upper) {
        case 'NULL':
          this.i++;
          return { kind: 'literal', value: null, type: { kind: 'simple', name: 'unknown', params: [] } };
        case 'TRUE':
        case 'FALSE':
          this.i++;
          return { kind: 'literal', value: t.upper === 'TRUE', type: { kind: 'simple', name: 'boolean', params: [] } };
        case 'CAST':
        case 'TRY_CAST':
          return this.cast();
        case 'CASE':
          return this.caseExpr();
      }
    }
    if (this.isIdentifier() && this.isSymbol('(', 1)) {
      const name = this.identifier().name;
      if (!FUNCTIONS.has(name)) throw new Unsupported(`function ${name}`);
      this.i++;
      const args: Expr[] = [];
      if (!this.acceptSymbol(')')) {
        args.push(this.expr());
        while (this.acceptSymbol(',')) args.push(this.expr());
        this.expectSymbol(')');
      }
      return { kind: 'call', name, args };
    }
    if (this.isIdentifier()) {
      const first = this.identifier();
      const parts = [first.name];
      let written = first.written;
      while (this.isSymbol('.') && this.isIdentifier(1)) {
        this.i++;
        const next = this.identifier();
        parts.push(next.name);
        written = next.written;
      }
      return { kind: 'column', parts, written };
    }
    throw new Unsupported(`unexpected '${t.text}'`);
  }

  private cast(): Expr {
    this.i++;
    this.expectSymbol('(');
    const expr = this.expr();
    const as = this.peek();
    if (!as || as.kind !== 'word' || as.upper !== 'AS') throw new Unsupported('CAST without AS');
    this.i++;
    // The type runs to the matching parenthesis.
    let depth = 0;
    const start = this.peek()?.start;
    let end: number | undefined;
    for (; this.i < this.tokens.length; this.i++) {
      const t = this.tokens[this.i]!;
      if (t.kind === 'symbol' && t.text === '(') depth++;
      else if (t.kind === 'symbol' && t.text === ')') {
        if (depth === 0) {
          end = t.start;
          break;
        }
        depth--;
      }
    }
    if (start === undefined || end === undefined) throw new Unsupported('unterminated CAST');
    this.i++;
    let type: SqlType;
    try {
      type = normalizeType(parseType(this.sql.slice(start, end)));
    } catch {
      throw new Unsupported('type in CAST');
    }
    return { kind: 'cast', expr, type };
  }

  private caseExpr(): Expr {
    this.i++;
    const operand = this.isWord('WHEN') ? undefined : this.expr();
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.acceptWord('WHEN')) {
      const when = this.expr();
      this.expectWord('THEN');
      whens.push({ when, then: this.expr() });
    }
    if (whens.length === 0) throw new Unsupported('CASE without WHEN');
    const otherwise = this.acceptWord('ELSE') ? this.expr() : undefined;
    this.expectWord('END');
    return { kind: 'case', ...(operand ? { operand } : {}), whens, ...(otherwise ? { otherwise } : {}) };
  }
}

const MAX_DEPTH = 64;

/** Parses one SELECT statement of the supported grammar; throws Unsupported otherwise. */
export function parseSelect(rawSql: string): SelectQuery {
  let tokens: Token[];
  let sql: string;
  try {
    ({ sql, tokens } = singleStatement(rawSql, tokenize(rawSql)));
  } catch {
    throw new Unsupported('not a single statement');
  }
  if (tokens.some((t) => t.kind === 'param')) throw new Unsupported('parameters');
  // Metadata queries are shallow; the parser recurses per bracket and per NOT.
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(' || (t.kind === 'word' && t.upper === 'NOT')) depth++;
    else if (t.text === ')') depth--;
    if (depth > MAX_DEPTH) throw new Unsupported('nested too deeply');
  }
  return new Parser(sql, tokens).query();
}

// ---------------------------------------------------------------- evaluation

export interface VirtualColumn {
  name: string;
  type: SqlType;
  /** Left out of `SELECT *` (Trino's hidden columns), still selectable by name. */
  hidden?: boolean;
}

/** What the WHERE clause says about a column, for the table to read less. */
export interface ColumnFilter {
  test(value: string): boolean;
  /** The only values the column may have, when the WHERE names them. */
  exact?: string[];
}

export interface Scan {
  /** Filters on top-level conjuncts of the WHERE, by column index. */
  filters: Map<number, ColumnFilter>;
}

export interface VirtualTable {
  columns: VirtualColumn[];
  rows(scan: Scan): Promise<unknown[][]>;
}

export interface SelectResult {
  columns: { name: string; type: SqlType }[];
  rows: unknown[][];
}

type Value = string | number | boolean | null;
type Evaluator = (row: readonly unknown[]) => Value;

interface Bound {
  type: SqlType;
  eval: Evaluator;
  /** The input column, for plain column references. */
  column?: number;
}

const VARCHAR: SqlType = { kind: 'simple', name: 'varchar', params: [] };
const BOOLEAN: SqlType = { kind: 'simple', name: 'boolean', params: [] };
const UNKNOWN: SqlType = { kind: 'simple', name: 'unknown', params: [] };
const INTEGERS = ['tinyint', 'smallint', 'integer', 'bigint'];

function family(type: SqlType): 'string' | 'integer' | 'boolean' | 'unknown' | 'other' {
  if (type.kind !== 'simple') return 'other';
  if (type.name === 'varchar' || type.name === 'char') return 'string';
  if (INTEGERS.includes(type.name)) return 'integer';
  if (type.name === 'boolean') return 'boolean';
  if (type.name === 'unknown') return 'unknown';
  return 'other';
}

/** Trino's common super type, for the few families the evaluator has. */
function commonType(a: SqlType, b: SqlType): SqlType {
  const fa = family(a);
  const fb = family(b);
  if (fa === 'unknown') return b;
  if (fb === 'unknown') return a;
  if (fa !== fb || fa === 'other') {
    if (formatType(a) === formatType(b)) return a;
    throw new Unsupported(`no common type for ${formatType(a)} and ${formatType(b)}`);
  }
  if (fa === 'integer') return INTEGERS.indexOf((a as { name: string }).name) >= INTEGERS.indexOf((b as { name: string }).name) ? a : b;
  if (fa === 'string') {
    const la = (a as { params: number[] }).params[0];
    const lb = (b as { params: number[] }).params[0];
    if ((a as { name: string }).name === 'char' || (b as { name: string }).name === 'char') return VARCHAR;
    return la === undefined || lb === undefined ? VARCHAR : { kind: 'simple', name: 'varchar', params: [Math.max(la, lb)] };
  }
  return a;
}

function comparable(a: SqlType, b: SqlType): void {
  const fa = family(a);
  const fb = family(b);
  if (fa === 'unknown' || fb === 'unknown' || (fa === fb && fa !== 'other')) return;
  throw QueryFailure.of('TYPE_MISMATCH', `Cannot apply operator: ${formatType(a)} = ${formatType(b)}`);
}

function compareValues(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function truth(v: Value): boolean | null {
  return v === null ? null : v === true;
}

function castValue(v: Value, type: SqlType): Value {
  if (v === null) return null;
  const f = family(type);
  if (f === 'string') return String(v);
  if (f === 'integer') {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) throw QueryFailure.of('INVALID_CAST_ARGUMENT', `Cannot cast '${String(v)}' to ${formatType(type)}`);
    return n;
  }
  if (f === 'boolean') {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
    throw QueryFailure.of('INVALID_CAST_ARGUMENT', `Cannot cast '${String(v)}' to boolean`);
  }
  throw new Unsupported(`CAST to ${formatType(type)}`);
}

class Binder {
  constructor(
    private readonly columns: VirtualColumn[],
    private readonly tableNames: string[],
    private readonly version: string,
  ) {}

  resolve(parts: string[]): number {
    const name = parts[parts.length - 1]!.toLowerCase();
    if (parts.length > 1) {
      const qualifier = parts.slice(0, -1).map((p) => p.toLowerCase());
      const names = this.tableNames;
      const matches = names.length >= qualifier.length && qualifier.every((q, i) => names[names.length - qualifier.length + i] === q);
      if (!matches) throw QueryFailure.of('COLUMN_NOT_FOUND', `Column '${parts.join('.')}' cannot be resolved`);
    }
    const index = this.columns.findIndex((c) => c.name.toLowerCase() === name);
    if (index < 0) throw QueryFailure.of('COLUMN_NOT_FOUND', `Column '${parts.join('.')}' cannot be resolved`);
    return index;
  }

  // eslint-disable-next-line max-lines-per-function -- one switch over the expression kinds, a short case each.
  bind(expr: Expr): Bound {
    switch (expr.kind) {
      case 'column': {
        const index = this.resolve(expr.parts);
        return { type: this.columns[index]!.type, eval: (row) => (row[index] ?? null) as Value, column: index };
      }
      case 'literal': {
        const value = expr.value;
        return { type: expr.type, eval: () => value };
      }
      case 'cast': {
        const inner = this.bind(expr.expr);
        const type = expr.type;
        if (family(type) === 'other') {
          // Only NULL can be cast to the other types here (JDBC's CAST(NULL AS ...) columns).
          if (!(expr.expr.kind === 'literal' && expr.expr.value === null)) throw new Unsupported(`CAST to ${formatType(type)}`);
          return { type, eval: () => null };
        }
        return { type, eval: (row) => castValue(inner.eval(row), type) };
      }
      case 'case': {
        const operand = expr.operand ? this.bind(expr.operand) : undefined;
        const whens = expr.whens.map((w) => ({ when: this.bind(w.when), then: this.bind(w.then) }));
        const otherwise = expr.otherwise ? this.bind(expr.otherwise) : undefined;
        let type: SqlType = UNKNOWN;
        for (const w of whens) type = commonType(type, w.then.type);
        if (otherwise) type = commonType(type, otherwise.type);
        if (operand) for (const w of whens) comparable(operand.type, w.when.type);
        const resultType = type;
        const convert = (v: Value) => (family(resultType) === 'string' && v !== null ? String(v) : v);
        return {
          type: resultType,
          eval: (row) => {
            const subject = operand?.eval(row);
            for (const w of whens) {
              const hit = operand ? subject !== null && subject !== undefined && compareValues(subject, w.when.eval(row)) === 0 && w.when.eval(row) !== null : truth(w.when.eval(row)) === true;
              if (hit) return convert(w.then.eval(row));
            }
            return otherwise ? convert(otherwise.eval(row)) : null;
          },
        };
      }
      case 'call':
        return this.call(expr.name, expr.args.map((a) => this.bind(a)));
      case 'not': {
        const inner = this.bind(expr.expr);
        return { type: BOOLEAN, eval: (row) => ((v) => (v === null ? null : !v))(truth(inner.eval(row))) };
      }
      case 'and':
      case 'or': {
        const left = this.bind(expr.left);
        const right = this.bind(expr.right);
        const and = expr.kind === 'and';
        return {
          type: BOOLEAN,
          eval: (row) => {
            const a = truth(left.eval(row));
            if (and && a === false) return false;
            if (!and && a === true) return true;
            const b = truth(right.eval(row));
            if (and) return b === false ? false : a === null || b === null ? null : true;
            return b === true ? true : a === null || b === null ? null : false;
          },
        };
      }
      case 'compare': {
        const left = this.bind(expr.left);
        const right = this.bind(expr.right);
        comparable(left.type, right.type);
        const op = expr.op;
        return {
          type: BOOLEAN,
          eval: (row) => {
            const a = left.eval(row);
            const b = right.eval(row);
            if (a === null || b === null) return null;
            const c = compareValues(a, b);
            return op === '=' ? c === 0 : op === '<>' ? c !== 0 : op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
          },
        };
      }
      case 'like': {
        const value = this.bind(expr.expr);
        const pattern = this.bind(expr.pattern);
        const escape = expr.escape ? this.bind(expr.escape) : undefined;
        for (const b of [value, pattern, ...(escape ? [escape] : [])]) if (family(b.type) !== 'string' && family(b.type) !== 'unknown') throw QueryFailure.of('TYPE_MISMATCH', `LIKE is not defined for ${formatType(b.type)}`);
        const negated = expr.negated;
        const constant = expr.pattern.kind === 'literal' && (!expr.escape || expr.escape.kind === 'literal');
        const constantPattern = constant ? pattern.eval([]) : null;
        const constantEscape = constant && escape ? escape.eval([]) : undefined;
        // A constant pattern is compiled once (and a bad escape fails before any row is read).
        const compiled = constantPattern !== null && constantEscape !== null ? compileLike(String(constantPattern), constantEscape === undefined ? undefined : String(constantEscape)) : undefined;
        return {
          type: BOOLEAN,
          eval: (row) => {
            const v = value.eval(row);
            const p = pattern.eval(row);
            const e = escape?.eval(row);
            if (v === null || p === null || e === null) return null;
            const matcher = compiled ?? compileLike(String(p), e === undefined ? undefined : String(e));
            return matcher.test(String(v)) !== negated;
          },
        };
      }
      case 'isNull': {
        const inner = this.bind(expr.expr);
        const negated = expr.negated;
        return { type: BOOLEAN, eval: (row) => (inner.eval(row) === null) !== negated };
      }
      case 'in': {
        const value = this.bind(expr.expr);
        const list = expr.list.map((e) => this.bind(e));
        for (const item of list) comparable(value.type, item.type);
        const negated = expr.negated;
        return {
          type: BOOLEAN,
          eval: (row) => {
            const v = value.eval(row);
            if (v === null) return null;
            let sawNull = false;
            for (const item of list) {
              const x = item.eval(row);
              if (x === null) sawNull = true;
              else if (compareValues(v, x) === 0) return !negated;
            }
            return sawNull ? null : negated;
          },
        };
      }
      case 'between': {
        const value = this.bind(expr.expr);
        const low = this.bind(expr.low);
        const high = this.bind(expr.high);
        comparable(value.type, low.type);
        comparable(value.type, high.type);
        const negated = expr.negated;
        return {
          type: BOOLEAN,
          eval: (row) => {
            const v = value.eval(row);
            const a = low.eval(row);
            const b = high.eval(row);
            if (v === null || a === null || b === null) return null;
            return (compareValues(v, a) >= 0 && compareValues(v, b) <= 0) !== negated;
          },
        };
      }
    }
  }

  private call(name: string, args: Bound[]): Bound {
    switch (name) {
      case 'upper':
      case 'lower': {
        if (args.length !== 1 || (family(args[0]!.type) !== 'string' && family(args[0]!.type) !== 'unknown')) throw new Unsupported(`${name} arguments`);
        const arg = args[0]!;
        const upper = name === 'upper';
        return { type: family(arg.type) === 'unknown' ? VARCHAR : arg.type, eval: (row) => ((v) => (v === null ? null : upper ? String(v).toUpperCase() : String(v).toLowerCase()))(arg.eval(row)) };
      }
      case 'version': {
        if (args.length) throw new Unsupported('version arguments');
        const version = this.version;
        return { type: VARCHAR, eval: () => version };
      }
      case 'coalesce': {
        if (args.length === 0) throw new Unsupported('coalesce arguments');
        let type: SqlType = UNKNOWN;
        for (const a of args) type = commonType(type, a.type);
        return {
          type,
          eval: (row) => {
            for (const a of args) {
              const v = a.eval(row);
              if (v !== null) return v;
            }
            return null;
          },
        };
      }
      default:
        throw new Unsupported(`function ${name}`);
    }
  }
}

/** Filters from the WHERE's top-level conjuncts that a table can use to read less. */
export function scanFilters(where: Expr | undefined, binder: { resolve(parts: string[]): number }): Map<number, ColumnFilter> | 'none' {
  const filters = new Map<number, ColumnFilter>();
  if (!where) return filters;
  const conjuncts: Expr[] = [];
  const collect = (e: Expr): void => {
    if (e.kind === 'and') {
      collect(e.left);
      collect(e.right);
    } else conjuncts.push(e);
  };
  collect(where);
  const add = (column: number, filter: ColumnFilter) => {
    const existing = filters.get(column);
    if (!existing) return filters.set(column, filter);
    const exact = existing.exact && filter.exact ? existing.exact.filter((v) => filter.exact!.includes(v)) : (existing.exact ?? filter.exact);
    filters.set(column, { test: (v) => existing.test(v) && filter.test(v), ...(exact ? { exact } : {}) });
  };
  const columnOf = (e: Expr): number | undefined => {
    if (e.kind !== 'column') return undefined;
    try {
      return binder.resolve(e.parts);
    } catch {
      return undefined;
    }
  };
  const text = (e: Expr | undefined): string | undefined => (e?.kind === 'literal' && typeof e.value === 'string' ? e.value : undefined);
  for (const c of conjuncts) {
    if (c.kind === 'literal' && (c.value === false || c.value === null)) return 'none';
    if (c.kind === 'compare' && c.op === '=') {
      const [col, lit] = columnOf(c.left) !== undefined ? [columnOf(c.left), text(c.right)] : [columnOf(c.right), text(c.left)];
      if (col !== undefined && lit !== undefined) add(col, { test: (v) => v === lit, exact: [lit] });
    } else if (c.kind === 'like' && !c.negated) {
      const col = columnOf(c.expr);
      const pattern = text(c.pattern);
      const escape = c.escape ? text(c.escape) : undefined;
      if (col !== undefined && pattern !== undefined && (!c.escape || escape !== undefined)) {
        const like = compileLike(pattern, escape);
        add(col, { test: like.test, ...(like.exact !== undefined ? { exact: [like.exact] } : {}) });
      }
    } else if (c.kind === 'in' && !c.negated) {
      const col = columnOf(c.expr);
      const values = c.list.map(text);
      if (col !== undefined && values.every((v) => v !== undefined)) {
        const set = values as string[];
        add(col, { test: (v) => set.includes(v), exact: set });
      }
    } else if (c.kind === 'isNull' && !c.negated) {
      const col = columnOf(c.expr);
      // Names are never null: nothing matches.
      if (col !== undefined) add(col, { test: () => false, exact: [] });
    }
  }
  return filters;
}

/**
 * Runs a parsed SELECT over a virtual table (or over one empty row without FROM). `tableNames`
 * are the names the table may be qualified with in column references (alias or table parts).
 */
export async function runSelect(query: SelectQuery, table: VirtualTable | undefined, options: { version: string; tableNames?: string[] }): Promise<SelectResult> {
  const columns = table?.columns ?? [];
  const tableNames = query.from?.alias ? [query.from.alias] : (options.tableNames ?? query.from?.parts ?? []);
  const binder = new Binder(columns, tableNames, options.version);
  const outputs: { name: string; bound: Bound }[] = [];
  query.items.forEach((item) => {
    if (item.kind === 'star') {
      if (!table) throw QueryFailure.of('GENERIC_USER_ERROR', 'SELECT * not allowed in queries without FROM clause');
      if (item.prefix !== undefined && item.prefix !== tableNames[tableNames.length - 1]) throw QueryFailure.of('GENERIC_USER_ERROR', `Table '${item.prefix}' not found`);
      columns.forEach((c, index) => {
        if (!c.hidden) outputs.push({ name: c.name, bound: { type: c.type, eval: (row) => (row[index] ?? null) as Value, column: index } });
      });
      return;
    }
    const bound = binder.bind(item.expr);
    const name = item.alias ?? (item.expr.kind === 'column' ? item.expr.written : `_col${outputs.length}`);
    outputs.push({ name, bound });
  });
  const where = query.where ? binder.bind(query.where) : undefined;
  const groups = query.groupBy ? groupKeys(query, outputs, binder) : undefined;
  const seenGroups = new Set<string>();
  if (where && family(where.type) !== 'boolean' && family(where.type) !== 'unknown') throw QueryFailure.of('TYPE_MISMATCH', `WHERE clause must evaluate to a boolean: actual type ${formatType(where.type)}`);
  // ORDER BY sees the output columns first, then the table's.
  const keys = query.orderBy.map((o) => {
    let bound: Bound | undefined;
    if (o.expr.kind === 'literal' && typeof o.expr.value === 'number') {
      const output = outputs[o.expr.value - 1];
      if (!output) throw QueryFailure.of('GENERIC_USER_ERROR', `ORDER BY position ${o.expr.value} is not in select list`);
      const index = outputs.indexOf(output);
      bound = { type: output.bound.type, eval: (row) => row[index] as Value };
      return { output: true, bound, desc: o.desc, nullsFirst: o.nullsFirst ?? false };
    }
    if (o.expr.kind === 'column' && o.expr.parts.length === 1) {
      const name = o.expr.parts[0]!.toLowerCase();
      const index = outputs.findIndex((out) => out.name.toLowerCase() === name);
      if (index >= 0) return { output: true, bound: { type: outputs[index]!.bound.type, eval: (row: readonly unknown[]) => row[index] as Value }, desc: o.desc, nullsFirst: o.nullsFirst ?? false };
    }
    if (query.distinct) throw new Unsupported('ORDER BY expression not in the select list of a SELECT DISTINCT');
    return { output: false, bound: binder.bind(o.expr), desc: o.desc, nullsFirst: o.nullsFirst ?? false };
  });
  const resultColumns = outputs.map((o) => ({ name: o.name, type: o.bound.type }));
  if (query.limit === 0) return { columns: resultColumns, rows: [] };
  let source: unknown[][];
  if (!table) source = [[]];
  else {
    const filters = scanFilters(query.where, binder);
    source = filters === 'none' ? [] : await table.rows({ filters });
  }
  let produced: { out: Value[]; keys: Value[] }[] = [];
  for (const row of source) {
    if (where && truth(where.eval(row)) !== true) continue;
    const out = outputs.map((o) => o.bound.eval(row));
    if (groups) {
      const key = JSON.stringify(groups.map((g) => (typeof g === 'number' ? out[g] : g.eval(row))));
      if (seenGroups.has(key)) continue;
      seenGroups.add(key);
    }
    produced.push({ out, keys: keys.map((k) => (k.output ? null : k.bound.eval(row))) });
  }
  if (query.distinct) {
    const seen = new Set<string>();
    produced = produced.filter((p) => {
      const k = JSON.stringify(p.out);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  if (keys.length) {
    const decorated = produced.map((p) => ({ p, k: keys.map((key, i) => (key.output ? key.bound.eval(p.out) : p.keys[i]!)) }));
    decorated.sort((a, b) => {
      for (let i = 0; i < keys.length; i++) {
        const x = a.k[i]!;
        const y = b.k[i]!;
        const key = keys[i]!;
        if (x === null && y === null) continue;
        if (x === null) return key.nullsFirst ? -1 : 1;
        if (y === null) return key.nullsFirst ? 1 : -1;
        const c = compareValues(x, y);
        if (c !== 0) return key.desc ? -c : c;
      }
      return 0;
    });
    produced = decorated.map((d) => d.p);
  }
  const start = query.offset ?? 0;
  const end = query.limit !== undefined ? start + query.limit : undefined;
  return { columns: resultColumns, rows: produced.slice(start, end).map((p) => p.out) };
}

/** The same expression, names compared as Trino resolves them. */
function sameExpr(a: Expr, b: Expr): boolean {
  const norm = (e: Expr): string => JSON.stringify(e, (k, v) => (k === 'written' ? undefined : k === 'parts' ? (v as string[]).map((p) => p.toLowerCase()) : v));
  return norm(a) === norm(b);
}

/**
 * GROUP BY without aggregates: the key of each group (a select-list position, or an expression
 * over the row). Every select item must be a key or a literal, as Trino requires.
 */
function groupKeys(query: SelectQuery, outputs: { name: string; bound: Bound }[], binder: Binder): (number | Bound)[] {
  if (query.items.some((i) => i.kind === 'star')) throw new Unsupported('SELECT * with GROUP BY');
  const keys = query.groupBy!.map((e) => {
    if (e.kind === 'literal' && typeof e.value === 'number') {
      if (!outputs[e.value - 1]) throw QueryFailure.of('GENERIC_USER_ERROR', `GROUP BY position ${e.value} is not in select list`);
      return e.value - 1;
    }
    return e;
  });
  query.items.forEach((item, index) => {
    if (item.kind !== 'expr' || item.expr.kind === 'literal') return;
    const grouped = keys.some((k) => (typeof k === 'number' ? k === index : sameExpr(k, item.expr)));
    if (!grouped) {
      const text = item.expr.kind === 'column' ? item.expr.written : outputs[index]!.name;
      throw QueryFailure.of('MISSING_GROUP_BY', `'${text}' must be an aggregate expression or appear in GROUP BY clause`);
    }
  });
  return keys.map((k) => (typeof k === 'number' ? k : binder.bind(k)));
}
