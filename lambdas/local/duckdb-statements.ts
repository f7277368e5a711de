import { QueryFailure } from '../core/errors.js';
import { quoteIdentifier, quoteLiteral, Refusal, type GuardToken } from './duckdb-guard.js';

/**
 * The statement forms the local engine runs, read down to their query or expression parts, and
 * the names they use, completed as Trino completes them. A form is accepted only where Trino
 * and DuckDB read it alike; each is rebuilt from its qualified target and its parts (see
 * Template), so DuckDB runs the statement that was inspected and nothing around it.
 */

export interface InspectorSession {
  catalog?: string;
  schema?: string;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Catalogs and schemas of DuckDB itself: the gateway answers metadata, never DuckDB. */
const HIDDEN_CATALOGS = new Set(['system', 'temp']);
const HIDDEN_SCHEMAS = new Set(['main', 'information_schema', 'pg_catalog']);

/** Statements that change DuckDB's state or reach outside it: never run for a client. */
const FORBIDDEN_STATEMENTS = new Set([
  'set', 'reset', 'pragma', 'attach', 'detach', 'copy', 'install', 'load', 'force', 'export', 'import', 'call', 'use', 'checkpoint', 'vacuum', 'analyze',
  'begin', 'commit', 'rollback', 'start', 'end', 'abort', 'prepare', 'execute', 'deallocate', 'summarize', 'pivot', 'unpivot', 'pivot_wider', 'pivot_longer', 'update_extensions',
]);

export interface NamePart {
  /** Lower-cased (Trino folds identifiers, DuckDB compares them case-insensitively). */
  value: string;
}

/** A piece of a statement template: literal SQL written here, or the index of a client part. */
export type Segment = string | number;

/**
 * A statement as the engine handles it. DuckDB serializes only SELECTs, so a statement is split
 * into its client parts (a query, expressions) and the text written here around them: the probe
 * is a SELECT built around the parts, which DuckDB parses and the inspector walks and rewrites;
 * the statement that runs is built from the same, rewritten parts. E.g. `UPDATE t SET a = e
 * WHERE c` probes `SELECT (e) FROM t WHERE (c)` and runs `UPDATE t SET "a" = (e) WHERE (c)`.
 */
export interface Template {
  /** Slices of the client's text, each balanced and checked. */
  parts: string[];
  /** The SELECT whose DuckDB parse is inspected; undefined when the statement has none. */
  probe?: Segment[];
  /** The statement the engine runs. */
  run: Segment[];
  /** Tables the statement names outside the probe (targets), qualified. */
  targets: string[][];
  /** Checks the root of the probe's tree, for probes built around client expressions. */
  shape?: (root: JsonObject) => boolean;
  /** The statement is the probe itself (a query): nothing was built around it. */
  whole?: boolean;
  /** The statement may create, drop or rename views (DDL). */
  changesCatalog?: boolean;
}

export const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: Json | undefined): string => (typeof v === 'string' ? v : '');
export const isEmpty = (v: Json | undefined) => v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

/** A name of 1 to 3 parts starting at token `first`. */
export function readName(tokens: GuardToken[], first: number, max = 3): { parts: string[]; last: number } | undefined {
  const parts: string[] = [];
  let i = first;
  for (;;) {
    const t = tokens[i];
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted')) return undefined;
    parts.push(t.value.toLowerCase());
    const dot = tokens[i + 1];
    if (parts.length < max && dot?.kind === 'symbol' && dot.value === '.' && (tokens[i + 2]?.kind === 'word' || tokens[i + 2]?.kind === 'quoted')) {
      i += 2;
      continue;
    }
    return { parts, last: i };
  }
}

/** Trino's rule: a name is completed with the session's catalog and schema. */
export function qualify(parts: string[], session: InspectorSession): string[] {
  if (parts.length >= 3) return parts.slice(-3);
  if (!session.catalog) throw QueryFailure.of('GENERIC_USER_ERROR', 'Catalog must be specified when session catalog is not set');
  if (parts.length === 2) return [session.catalog.toLowerCase(), parts[0]!, parts[1]!];
  if (!session.schema) throw QueryFailure.of('GENERIC_USER_ERROR', 'Schema must be specified when session schema is not set');
  return [session.catalog.toLowerCase(), session.schema.toLowerCase(), parts[0]!];
}

/** DuckDB's own catalogs and schemas, and names that read as files, are not tables here. */
export function checkTableName([catalog, schema, table]: string[]): void {
  if (HIDDEN_CATALOGS.has(catalog!)) throw new Refusal(`the catalog ${catalog} belongs to the local engine itself: the gateway answers metadata`);
  if (HIDDEN_SCHEMAS.has(schema!)) throw new Refusal(`the schema ${catalog}.${schema} belongs to the local engine itself: the gateway answers metadata`);
  checkPathLike(table!);
}

export function checkPathLike(name: string): void {
  if (/[/\\:*?~]|\.[a-z0-9]+$/i.test(name) || name.startsWith('.')) throw new Refusal(`the table name ${JSON.stringify(name)} reads as a file path: the local engine reads no files`);
}

const isSymbol = (t: GuardToken | undefined, value: string) => t?.kind === 'symbol' && t.value === value;
const isWord = (t: GuardToken | undefined, value: string) => t?.kind === 'word' && t.value === value;

class Cursor {
  i = 0;
  constructor(
    readonly sql: string,
    readonly tokens: GuardToken[],
  ) {}
  get token(): GuardToken | undefined {
    return this.tokens[this.i];
  }
  get done(): boolean {
    return this.i >= this.tokens.length;
  }
  word(value: string): boolean {
    if (!isWord(this.token, value)) return false;
    this.i++;
    return true;
  }
  words(...values: string[]): boolean {
    if (!values.every((v, k) => isWord(this.tokens[this.i + k], v))) return false;
    this.i += values.length;
    return true;
  }
  expect(value: string): void {
    if (!this.word(value)) throw unsupported();
  }
  symbol(value: string): boolean {
    if (!isSymbol(this.token, value)) return false;
    this.i++;
    return true;
  }
  identifier(): GuardToken {
    const t = this.token;
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted')) throw unsupported();
    this.i++;
    return t;
  }
  name(max = 3): NamePart[] {
    const read = readName(this.tokens, this.i, max);
    if (!read) throw unsupported();
    this.i = read.last + 1;
    return read.parts.map((value) => ({ value }));
  }
  /** The client's text from the current token to token `end` (exclusive, default the end). */
  slice(end = this.tokens.length): string {
    const first = this.tokens[this.i];
    const last = this.tokens[end - 1];
    if (!first || !last || end <= this.i) return '';
    return this.sql.slice(first.start, last.end);
  }
  /** Index of the token closing the bracket opened at `open`. */
  closing(open: number): number {
    const stack: string[] = [];
    for (let k = open; k < this.tokens.length; k++) {
      const t = this.tokens[k]!;
      if (t.kind !== 'symbol') continue;
      if (t.value === '(' || t.value === '[') stack.push(t.value === '(' ? ')' : ']');
      else if (t.value === ')' || t.value === ']') {
        if (stack.pop() !== t.value) throw unsupported();
        if (stack.length === 0) return k;
      }
    }
    throw QueryFailure.of('SYNTAX_ERROR', 'Unbalanced parentheses');
  }
  /** Splits tokens [from, to) at top-level commas; each piece balanced. */
  split(from: number, to: number): [number, number][] {
    const pieces: [number, number][] = [];
    const stack: string[] = [];
    let start = from;
    for (let k = from; k < to; k++) {
      const t = this.tokens[k]!;
      if (t.kind !== 'symbol') continue;
      if (t.value === '(' || t.value === '[') stack.push(t.value === '(' ? ')' : ']');
      else if (t.value === ')' || t.value === ']') {
        if (stack.pop() !== t.value) throw QueryFailure.of('SYNTAX_ERROR', 'Unbalanced parentheses');
      } else if (t.value === ',' && stack.length === 0) {
        pieces.push([start, k]);
        start = k + 1;
      }
    }
    if (stack.length) throw QueryFailure.of('SYNTAX_ERROR', 'Unbalanced parentheses');
    pieces.push([start, to]);
    if (pieces.some(([a, b]) => b <= a)) throw QueryFailure.of('SYNTAX_ERROR', 'Empty expression');
    return pieces;
  }
  text(from: number, to: number): string {
    return this.sql.slice(this.tokens[from]!.start, this.tokens[to - 1]!.end);
  }
  /** Index of the first top-level `word` at or after `from`, or `tokens.length`. */
  find(word: string, from = this.i): number {
    let depth = 0;
    for (let k = from; k < this.tokens.length; k++) {
      const t = this.tokens[k]!;
      if (t.kind === 'symbol' && (t.value === '(' || t.value === '[')) depth++;
      else if (t.kind === 'symbol' && (t.value === ')' || t.value === ']')) depth--;
      else if (depth === 0 && isWord(t, word)) return k;
    }
    return this.tokens.length;
  }
}

function unsupported(what = 'this form of the statement'): Refusal {
  return new Refusal(`the local engine does not support ${what}`, 'NOT_SUPPORTED');
}

/** A statement this parser does not know: DuckDB's parser says whether it is a syntax error. */
export class UnknownStatement extends Refusal {}

const QUERY_STARTS = new Set(['select', 'with', 'values', 'table']);

function isQueryStart(t: GuardToken | undefined): boolean {
  return (t?.kind === 'word' && QUERY_STARTS.has(t.value)) || isSymbol(t, '(');
}

/** Columns of a CREATE TABLE: names and types only, nothing that reads or refers elsewhere. */
const COLUMN_DEFINITION_WORDS_DENIED = new Set(['references', 'foreign', 'default', 'check', 'generated', 'as', 'constraint', 'collate', 'using']);

/**
 * Reads the statement down to its query or expression parts and builds its template. Only the
 * forms Trino and DuckDB share are accepted; names are qualified with the session's catalog and
 * schema, as Trino does.
 */
export function parseStatement(sql: string, tokens: GuardToken[], session: InspectorSession): Template {
  const template = parseForm(sql, tokens, session);
  const first = tokens[0]!;
  return first.kind === 'word' && ['create', 'drop', 'alter'].includes(first.value) ? { ...template, changesCatalog: true } : template;
}

function parseForm(sql: string, tokens: GuardToken[], session: InspectorSession): Template {
  const c = new Cursor(sql, tokens);
  const first = tokens[0]!;
  const target = (parts: NamePart[]): { name: string[]; text: string } => {
    const name = qualify(parts.map((p) => p.value), session);
    checkTableName(name);
    return { name, text: name.map(quoteIdentifier).join('.') };
  };
  const query = (prefix: string, suffix = ''): Template => {
    if (!isQueryStart(c.token)) throw unsupported();
    // A whole-text query keeps its text as is, so DuckDB's error positions are the client's.
    return { parts: [c.i === 0 ? sql : c.slice()], probe: [0], run: [prefix, 0, suffix], targets: [], whole: c.i === 0 };
  };

  if (isQueryStart(first)) return query('');
  if (first.kind !== 'word') throw unsupported('a statement starting with this symbol');

  switch (first.value) {
    case 'insert': {
      c.i = 1;
      c.expect('into');
      const t = target(c.name());
      let columns = '';
      if (isSymbol(c.token, '(') && !isQueryStart(tokens[c.i + 1])) {
        const close = c.closing(c.i);
        const names = c.split(c.i + 1, close).map(([a, b]) => {
          if (b !== a + 1 || (tokens[a]!.kind !== 'word' && tokens[a]!.kind !== 'quoted')) throw unsupported('an INSERT column list with more than names');
          return quoteIdentifier(tokens[a]!.value);
        });
        columns = ` (${names.join(', ')})`;
        c.i = close + 1;
      }
      return { ...query(`INSERT INTO ${t.text}${columns} `), targets: [t.name] };
    }
    case 'create': {
      c.i = 1;
      const orReplace = c.words('or', 'replace') ? 'OR REPLACE ' : '';
      if (c.word('table')) {
        const ifNotExists = c.words('if', 'not', 'exists') ? 'IF NOT EXISTS ' : '';
        const t = target(c.name());
        let aliases = '';
        if (isSymbol(c.token, '(')) {
          const close = c.closing(c.i);
          if (!isWord(tokens[close + 1], 'as')) {
            // Column definitions: names and types, passed through as written.
            if (close !== tokens.length - 1) throw unsupported('table properties or comments in CREATE TABLE');
            for (let k = c.i + 1; k < close; k++) {
              const tok = tokens[k]!;
              if (tok.kind === 'string' || (tok.kind === 'symbol' && !['(', ')', ','].includes(tok.value)) || (tok.kind === 'word' && COLUMN_DEFINITION_WORDS_DENIED.has(tok.value))) {
                throw unsupported(`\`${sql.slice(tok.start, tok.end)}\` in a column definition`);
              }
            }
            return { parts: [], run: [`CREATE ${orReplace}TABLE ${ifNotExists}${t.text} ${c.slice()}`], targets: [t.name] };
          }
          const names = c.split(c.i + 1, close).map(([a, b]) => {
            if (b !== a + 1 || (tokens[a]!.kind !== 'word' && tokens[a]!.kind !== 'quoted')) throw unsupported('a CREATE TABLE column list with more than names');
            return quoteIdentifier(tokens[a]!.value);
          });
          aliases = ` (${names.join(', ')})`;
          c.i = close + 1;
        }
        c.expect('as');
        // Trino's `WITH [NO] DATA` ends the statement; DuckDB reads it the same way.
        let suffix = '';
        const n = tokens.length;
        if (isWord(tokens[n - 1], 'data') && isWord(tokens[n - 2], 'no') && isWord(tokens[n - 3], 'with')) suffix = ' WITH NO DATA';
        else if (isWord(tokens[n - 1], 'data') && isWord(tokens[n - 2], 'with')) suffix = ' WITH DATA';
        const end = suffix ? n - (suffix === ' WITH NO DATA' ? 3 : 2) : n;
        if (!isQueryStart(c.token)) throw unsupported();
        return { parts: [c.slice(end)], probe: [0], run: [`CREATE ${orReplace}TABLE ${ifNotExists}${t.text}${aliases} AS `, 0, suffix], targets: [t.name] };
      }
      if (c.word('view')) {
        const t = target(c.name());
        if (!c.word('as')) throw unsupported('CREATE VIEW with a column list, COMMENT or SECURITY');
        return { ...query(`CREATE ${orReplace}VIEW ${t.text} AS `), targets: [t.name] };
      }
      if (!orReplace && c.word('schema')) {
        const ifNotExists = c.words('if', 'not', 'exists') ? 'IF NOT EXISTS ' : '';
        const schema = schemaName(c.name(2), session);
        if (!c.done) throw unsupported('CREATE SCHEMA with properties or AUTHORIZATION');
        return { parts: [], run: [`CREATE SCHEMA ${ifNotExists}${schema}`], targets: [] };
      }
      throw new Refusal(`CREATE ${c.token ? sql.slice(c.token.start, c.token.end).toUpperCase() : ''}: the local engine creates only tables, views and schemas`);
    }
    case 'drop': {
      c.i = 1;
      const kind = c.word('table') ? 'TABLE' : c.word('view') ? 'VIEW' : c.word('schema') ? 'SCHEMA' : undefined;
      if (!kind) throw new Refusal(`DROP ${c.token ? sql.slice(c.token.start, c.token.end).toUpperCase() : ''}: the local engine drops only tables, views and schemas`);
      const ifExists = c.words('if', 'exists') ? 'IF EXISTS ' : '';
      if (kind === 'SCHEMA') {
        const schema = schemaName(c.name(2), session);
        const mode = c.word('cascade') ? ' CASCADE' : c.word('restrict') ? ' RESTRICT' : '';
        if (!c.done) throw unsupported();
        return { parts: [], run: [`DROP SCHEMA ${ifExists}${schema}${mode}`], targets: [] };
      }
      const t = target(c.name());
      if (!c.done) throw unsupported();
      return { parts: [], run: [`DROP ${kind} ${ifExists}${t.text}`], targets: [t.name] };
    }
    case 'truncate': {
      c.i = 1;
      c.word('table');
      const t = target(c.name());
      if (!c.done) throw unsupported();
      return { parts: [], run: [`TRUNCATE TABLE ${t.text}`], targets: [t.name] };
    }
    case 'delete': {
      c.i = 1;
      c.expect('from');
      const t = target(c.name());
      if (c.done) return { parts: [], probe: [`SELECT 1 FROM ${t.text}`], run: [`DELETE FROM ${t.text}`], targets: [t.name], shape: plainSelect(1, false) };
      c.expect('where');
      if (c.done) throw QueryFailure.of('SYNTAX_ERROR', 'WHERE without a condition');
      c.split(c.i, tokens.length);
      return {
        parts: [c.slice()],
        probe: [`SELECT 1 FROM ${t.text} WHERE (`, 0, ')'],
        run: [`DELETE FROM ${t.text} WHERE (`, 0, ')'],
        targets: [t.name],
        shape: plainSelect(1, true),
      };
    }
    case 'update': {
      c.i = 1;
      const t = target(c.name());
      c.expect('set');
      const where = c.find('where');
      const assignments = c.split(c.i, where).map(([a, b]) => {
        const column = tokens[a]!;
        if ((column.kind !== 'word' && column.kind !== 'quoted') || !isSymbol(tokens[a + 1], '=') || b <= a + 2) throw unsupported('an UPDATE assignment other than `column = expression`');
        return { column: quoteIdentifier(column.value), expression: c.text(a + 2, b) };
      });
      const parts = assignments.map((a) => a.expression);
      const probe: Segment[] = ['SELECT '];
      const run: Segment[] = [`UPDATE ${t.text} SET `];
      assignments.forEach((a, k) => {
        probe.push(k ? ', (' : '(', k, ')');
        run.push(`${k ? ', ' : ''}${a.column} = (`, k, ')');
      });
      probe.push(` FROM ${t.text}`);
      const hasWhere = where < tokens.length;
      if (hasWhere) {
        if (where === tokens.length - 1) throw QueryFailure.of('SYNTAX_ERROR', 'WHERE without a condition');
        c.split(where + 1, tokens.length);
        parts.push(c.text(where + 1, tokens.length));
        probe.push(' WHERE (', parts.length - 1, ')');
        run.push(' WHERE (', parts.length - 1, ')');
      }
      return { parts, probe, run, targets: [t.name], shape: plainSelect(assignments.length, hasWhere) };
    }
    case 'explain': {
      c.i = 1;
      const analyze = c.word('analyze') ? 'ANALYZE ' : '';
      return query(`EXPLAIN ${analyze}`);
    }
    case 'alter': {
      c.i = 1;
      const kind = c.word('table') ? 'TABLE' : c.word('view') ? 'VIEW' : undefined;
      if (!kind) throw unsupported('this ALTER statement');
      const ifExists = c.words('if', 'exists') ? 'IF EXISTS ' : '';
      const t = target(c.name());
      if (c.words('rename', 'to')) {
        const renamed = target(c.name());
        if (renamed.name[0] !== t.name[0] || renamed.name[1] !== t.name[1] || !c.done) throw unsupported('renaming into another schema');
        return { parts: [], run: [`ALTER ${kind} ${ifExists}${t.text} RENAME TO ${quoteIdentifier(renamed.name[2]!)}`], targets: [t.name, renamed.name] };
      }
      if (kind === 'TABLE' && c.words('rename', 'column')) {
        const columnIfExists = c.words('if', 'exists') ? 'IF EXISTS ' : '';
        const from = c.identifier();
        c.expect('to');
        const to = c.identifier();
        if (!c.done) throw unsupported();
        return { parts: [], run: [`ALTER TABLE ${ifExists}${t.text} RENAME COLUMN ${columnIfExists}${quoteIdentifier(from.value)} TO ${quoteIdentifier(to.value)}`], targets: [t.name] };
      }
      if (kind === 'TABLE' && c.words('drop', 'column')) {
        const columnIfExists = c.words('if', 'exists') ? 'IF EXISTS ' : '';
        const column = c.identifier();
        if (!c.done) throw unsupported();
        return { parts: [], run: [`ALTER TABLE ${ifExists}${t.text} DROP COLUMN ${columnIfExists}${quoteIdentifier(column.value)}`], targets: [t.name] };
      }
      if (kind === 'TABLE' && c.words('add', 'column')) {
        const columnIfNotExists = c.words('if', 'not', 'exists') ? 'IF NOT EXISTS ' : '';
        const column = c.identifier();
        for (let k = c.i; k < tokens.length; k++) {
          const tok = tokens[k]!;
          if (tok.kind === 'string' || (tok.kind === 'symbol' && !['(', ')', ','].includes(tok.value)) || (tok.kind === 'word' && COLUMN_DEFINITION_WORDS_DENIED.has(tok.value))) {
            throw unsupported(`\`${sql.slice(tok.start, tok.end)}\` in a column definition`);
          }
        }
        if (c.done) throw QueryFailure.of('SYNTAX_ERROR', 'A column type is expected');
        return { parts: [], run: [`ALTER TABLE ${ifExists}${t.text} ADD COLUMN ${columnIfNotExists}${quoteIdentifier(column.value)} ${c.slice()}`], targets: [t.name] };
      }
      throw unsupported('this ALTER statement');
    }
    case 'comment': {
      c.i = 1;
      c.expect('on');
      const kind = c.word('table') ? 'TABLE' : c.word('view') ? 'VIEW' : c.word('column') ? 'COLUMN' : undefined;
      if (!kind) throw unsupported('this COMMENT statement');
      const parts = c.name(kind === 'COLUMN' ? 4 : 3);
      let name: string;
      let t: { name: string[]; text: string };
      if (kind === 'COLUMN') {
        if (parts.length < 2) throw QueryFailure.of('SYNTAX_ERROR', 'COMMENT ON COLUMN needs table.column');
        t = target(parts.slice(0, -1));
        name = `${t.text}.${quoteIdentifier(parts[parts.length - 1]!.value)}`;
      } else {
        t = target(parts);
        name = t.text;
      }
      c.expect('is');
      const value = c.token;
      if (!value || !(value.kind === 'string' || isWord(value, 'null')) || c.i !== tokens.length - 1) throw unsupported();
      return { parts: [], run: [`COMMENT ON ${kind} ${name} IS ${value.kind === 'string' ? quoteLiteral(value.value) : 'NULL'}`], targets: [t.name] };
    }
    case 'from':
      throw unsupported("DuckDB's FROM-first queries");
    default:
      if (FORBIDDEN_STATEMENTS.has(first.value)) throw new Refusal(`${first.value.toUpperCase()} statements: they change the local engine's state or reach outside it`);
      throw new UnknownStatement(`the local engine does not support ${first.value.toUpperCase()} statements`, 'NOT_SUPPORTED');
  }
}

/** `"catalog"."schema"` for CREATE/DROP SCHEMA. */
function schemaName(parts: NamePart[], session: InspectorSession): string {
  let catalog: string;
  let schema: string;
  if (parts.length === 2) [catalog, schema] = [parts[0]!.value, parts[1]!.value];
  else {
    if (!session.catalog) throw QueryFailure.of('GENERIC_USER_ERROR', 'Catalog must be specified when session catalog is not set');
    [catalog, schema] = [session.catalog.toLowerCase(), parts[0]!.value];
  }
  if (HIDDEN_CATALOGS.has(catalog) || HIDDEN_SCHEMAS.has(schema)) throw new Refusal(`the schema ${catalog}.${schema} belongs to the local engine itself`);
  return `${quoteIdentifier(catalog)}.${quoteIdentifier(schema)}`;
}

/** The probe of DELETE/UPDATE: a bare SELECT with `items` select items over one table, and a WHERE if given. */
function plainSelect(items: number, where: boolean): (root: JsonObject) => boolean {
  return (root) =>
    root.type === 'SELECT_NODE' &&
    Array.isArray(root.select_list) &&
    root.select_list.length === items &&
    isObject(root.from_table) &&
    root.from_table.type === 'BASE_TABLE' &&
    isEmpty(root.modifiers) &&
    isEmpty(root.group_expressions) &&
    isEmpty(root.having) &&
    isEmpty(root.qualify) &&
    isEmpty(root.sample) &&
    (isObject(root.cte_map) ? isEmpty(root.cte_map.map) : true) &&
    (where ? isObject(root.where_clause) : isEmpty(root.where_clause));
}
