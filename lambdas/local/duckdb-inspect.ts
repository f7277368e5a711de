import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement } from '@duckdb/node-api';
import { QueryFailure } from '../core/errors.js';
import { locate } from '../core/protocol/lexer.js';
import { guardedTokens, oneStatement, quoteIdentifier, Refusal, GuardSyntaxError, type GuardToken } from './duckdb-guard.js';
import { checkTableName, isEmpty, isObject, parseStatement, qualify, readName, str, UnknownStatement, type InspectorSession, type Json, type JsonObject, type Template } from './duckdb-statements.js';

export type { InspectorSession } from './duckdb-statements.js';

/**
 * DuckDB's own reading of a statement, and the statement the engine runs in its place.
 *
 * DuckDB serializes the parse tree of a SELECT as JSON (json_serialize_sql). The inspector reads
 * that tree, not the text: every BASE_TABLE reference in it is either a WITH query in scope (by
 * DuckDB's scoping rules) or a table, and each table reference is rewritten in the text to its
 * fully qualified, quoted name, resolved with Trino's rule (session catalog and schema), so the
 * statement the engine runs names exactly the tables listed here and DuckDB's search path plays
 * no part. Statements other than SELECT are parsed here only down to their query or expression
 * parts, which DuckDB serializes as SELECTs, and are rebuilt from the qualified target and those
 * parts. Whatever the tree shows that is not plain relational SQL over catalog tables (table
 * functions, DuckDB's catalog, COLUMNS(*), `* EXCLUDE`, positional references, ...) is refused.
 */
export interface InspectedStatement {
  /** The statement to run: the inspected text with every table reference fully qualified. */
  sql: string;
  /** Every table or view the statement names, [catalog, schema, table], lower-cased. */
  tables: string[][];
  /** Tables read through the views the statement names, with the view they were reached through. */
  viewTables: { view: string[]; table: string[] }[];
  /** DDL: the engine tells the inspector before and after running it (see catalogChanging). */
  changesCatalog: boolean;
}

/** Table functions that read nothing but their arguments (UNNEST is Trino SQL too). */
const ALLOWED_TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest']);

/** Functions that take a lambda: anywhere else DuckDB reads `x -> y` as a JSON operator. */
const LAMBDA_FUNCTIONS = new Set(['list_transform', 'array_transform', 'list_apply', 'array_apply', 'apply', 'list_filter', 'array_filter', 'filter', 'list_reduce', 'array_reduce', 'reduce']);

/**
 * Scalar functions that read the session, settings or catalog, or run SQL given as text. The
 * catalog-reading macros of DuckDB's pg_catalog (pg_get_viewdef, ...) are added at start-up.
 */
const DENIED_FUNCTIONS = ['getvariable', 'current_setting', 'nextval', 'currval', 'setval', 'json_serialize_plan', 'json_serialize_sql', 'json_deserialize_sql', 'json_execute_serialized_sql', 'write_log', 'current_query', 'in_search_path', 'current_schemas'];

const NO_LOCATION = 2 ** 53;

/** Guards against JSON trees deep enough to exhaust the stack. */
const MAX_DEPTH = 3_000;

interface FoundTable {
  parts: string[];
  /** Byte offset of the reference in the probe text. */
  location: number;
}

export interface InspectorOptions {
  /** More function names to refuse. */
  deniedFunctions?: Iterable<string>;
}

/**
 * One connection of its own, used one statement at a time (DuckDB connections are not for
 * concurrent calls): parse-only work, cheap next to running the statement.
 */
export class DuckDbInspector {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly denied: Set<string>;
  /**
   * The definitions of the client's views ("catalog.schema.view" -> CREATE VIEW text), read
   * from DuckDB once and kept until DDL runs. While DDL runs, every inspection reads the catalog.
   */
  private catalog: { views: Map<string, string>; names: Set<string> } | undefined;
  private changing = 0;
  private generation = 0;

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly serializer: DuckDBPreparedStatement,
    denied: Iterable<string>,
    /** Names DuckDB finds through its search path whatever the session: system views. */
    private readonly systemNames: Set<string>,
  ) {
    this.denied = new Set([...DENIED_FUNCTIONS, ...denied]);
  }

  static async create(instance: DuckDBInstance, options: InspectorOptions = {}): Promise<DuckDbInspector> {
    const connection = await instance.connect();
    const serializer = await connection.prepare('SELECT json_serialize_sql($1::VARCHAR)');
    const macros = await connection.runAndReadAll(
      `SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE schema_name = 'pg_catalog' OR (function_type IN ('macro', 'table_macro') AND macro_definition ILIKE '%select%')`,
    );
    const system = await connection.runAndReadAll(
      `SELECT DISTINCT lower(view_name) FROM duckdb_views() WHERE database_name IN ('system', 'temp') UNION SELECT DISTINCT lower(table_name) FROM duckdb_tables() WHERE database_name IN ('system', 'temp')`,
    );
    const denied = [...macros.getRows().map((r) => String(r[0])), ...(options.deniedFunctions ?? [])];
    return new DuckDbInspector(connection, serializer, denied, new Set(system.getRows().map((r) => String(r[0]))));
  }

  close(): void {
    this.serializer.destroySync();
    this.connection.closeSync();
  }

  /** The engine is about to run DDL: view definitions are read afresh until it ends. */
  catalogChanging(): () => void {
    this.changing++;
    this.generation++;
    this.catalog = undefined;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.changing--;
      this.generation++;
      this.catalog = undefined;
    };
  }

  /** The client's views with their definitions, and the names of every client table and view. */
  private async catalogState(): Promise<{ views: Map<string, string>; names: Set<string> }> {
    if (this.catalog) return this.catalog;
    const generation = this.generation;
    const reader = await this.connection.runAndReadAll(
      `SELECT lower(database_name), lower(schema_name), lower(view_name), sql FROM duckdb_views() WHERE NOT internal
       UNION ALL SELECT lower(database_name), lower(schema_name), lower(table_name), NULL FROM duckdb_tables() WHERE NOT internal`,
    );
    const state = { views: new Map<string, string>(), names: new Set<string>() };
    for (const r of reader.getRows()) {
      const key = viewKey([String(r[0]), String(r[1]), String(r[2])]);
      state.names.add(key);
      if (r[3] !== null) state.views.set(key, String(r[3]));
    }
    if (this.changing === 0 && generation === this.generation) this.catalog = state;
    return state;
  }

  /** Runs `task` after every task queued before it. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * The statement's tables and the SQL to run. Throws Refusal when the engine must not run it,
   * QueryFailure when it cannot run (syntax, no session catalog, ...).
   */
  inspect(sql: string, session: InspectorSession): Promise<InspectedStatement> {
    return this.exclusive(async () => {
      try {
        return await this.inspectNow(sql, session);
      } catch (error) {
        if (error instanceof RangeError) throw new Refusal('the statement is nested too deeply to be inspected', 'NOT_SUPPORTED');
        throw error;
      }
    });
  }

  private async inspectNow(sql: string, session: InspectorSession): Promise<InspectedStatement> {
    let tokens: GuardToken[];
    try {
      tokens = guardedTokens(sql);
    } catch (error) {
      if (error instanceof GuardSyntaxError) throw QueryFailure.of('SYNTAX_ERROR', error.message, locate(sql, error.offset));
      throw error;
    }
    ({ sql, tokens } = oneStatement(sql, tokens));
    if (tokens.length === 0) throw QueryFailure.of('SYNTAX_ERROR', 'SQL statement is empty');
    let template: Template;
    try {
      template = parseStatement(sql, tokens, session);
    } catch (error) {
      // A misspelled keyword is a syntax error (as Trino answers it), not a refusal.
      if (error instanceof UnknownStatement) await this.serialize(sql, true);
      throw error;
    }
    const tables: string[][] = [...template.targets];
    let parts = template.parts;
    let read: string[][] = [];
    if (template.probe) {
      const probe = await this.probe(template, session, 'statement');
      read = dedupe(probe.tables);
      tables.push(...probe.tables);
      parts = probe.parts;
    }
    const run = template.run.map((s) => (typeof s === 'number' ? parts[s]! : s)).join('');
    if (!template.whole) {
      // A statement rebuilt around its parts must still be one statement for DuckDB. (A query
      // run as inspected only had names replaced by names: DuckDB counted its statements.)
      const extracted = await this.connection.extractStatements(run);
      if (extracted.count !== 1) throw new Refusal('it does not read as exactly one statement to the local engine');
    }
    // Only views the statement reads are expanded (not one it creates, drops or writes to).
    const viewTables = await this.expandViews(read, 0, new Set());
    return { sql: run, tables: dedupe(tables), viewTables, changesCatalog: template.changesCatalog ?? false };
  }

  /**
   * Serializes the template's probe with DuckDB, walks the tree and qualifies every table
   * reference inside the client parts. `mode` 'view' reads a stored view body: it must name
   * every table fully qualified (views are stored that way).
   */
  private async probe(template: Template, session: InspectorSession, mode: 'statement' | 'view'): Promise<{ tables: string[][]; parts: string[]; withQueries: string[] }> {
    let text = '';
    const ranges: [number, number][] = [];
    for (const segment of template.probe!) {
      if (typeof segment === 'number') {
        ranges[segment] = [text.length, text.length + template.parts[segment]!.length];
        text += template.parts[segment]!;
      } else {
        text += segment;
      }
    }
    const tree = await this.serialize(text, template.probe!.length === 1);
    const statements = tree.statements as JsonObject[];
    if (!Array.isArray(statements) || statements.length !== 1) throw new Refusal('it holds several statements; the local engine runs exactly one');
    const root = (statements[0]!.node ?? null) as JsonObject | null;
    if (!root || typeof root !== 'object') throw new Refusal('the local engine could not read the statement', 'NOT_SUPPORTED');
    if (template.shape && !template.shape(root)) throw new Refusal('the statement does not have the shape the local engine expects', 'NOT_SUPPORTED');

    const walker = new TreeWalker(this.denied, this.systemNames);
    walker.visit(root, Scope.EMPTY, 0);

    const tokens = guardedTokens(text);
    const tokenAt = new Map(tokens.map((t, i) => [t.start, i]));
    const charAt = byteToChar(text);
    const edits: { start: number; end: number; replacement: string }[] = [];
    const tables: string[][] = [];
    for (const found of walker.tables) {
      const start = charAt(found.location);
      const first = start === undefined ? undefined : tokenAt.get(start);
      if (first !== undefined && tokens[first]!.kind === 'string') throw new Refusal(`the file ${JSON.stringify(tokens[first]!.value)} as a table: the local engine reads no files`);
      const name = first === undefined ? undefined : readName(tokens, first);
      if (!name || name.parts.length !== found.parts.length || name.parts.some((p, i) => p !== found.parts[i]!.toLowerCase())) {
        throw new Refusal('the local engine could not locate a table reference in the text', 'NOT_SUPPORTED');
      }
      let qualified: string[];
      if (mode === 'view') {
        if (found.parts.length !== 3) throw new Refusal(`a view names the table ${found.parts.join('.')} without its catalog and schema; create the view again`);
        qualified = found.parts.map((p) => p.toLowerCase());
      } else {
        qualified = qualify(found.parts.map((p) => p.toLowerCase()), session);
      }
      checkTableName(qualified);
      tables.push(qualified);
      edits.push({ start: tokens[first!]!.start, end: tokens[name.last]!.end, replacement: qualified.map(quoteIdentifier).join('.') });
    }

    const parts = [...template.parts];
    const byPart = new Map<number, typeof edits>();
    for (const edit of edits) {
      const part = ranges.findIndex((r) => r !== undefined && edit.start >= r[0] && edit.end <= r[1]);
      if (part < 0) {
        // Outside the client's parts: a name written here, already in its final form.
        if (text.slice(edit.start, edit.end) !== edit.replacement) throw new Refusal('a table reference spans text the local engine did not expect', 'NOT_SUPPORTED');
        continue;
      }
      byPart.set(part, [...(byPart.get(part) ?? []), edit]);
    }
    for (const [part, list] of byPart) {
      const [offset] = ranges[part]!;
      let out = '';
      let last = 0;
      const source = parts[part]!;
      for (const edit of list.sort((a, b) => a.start - b.start)) {
        const s = edit.start - offset;
        if (s < last) throw new Refusal('overlapping table references', 'NOT_SUPPORTED');
        out += source.slice(last, s) + edit.replacement;
        last = edit.end - offset;
      }
      parts[part] = out + source.slice(last);
    }
    return { tables, parts, withQueries: walker.withQueries };
  }

  private async serialize(text: string, clientText: boolean): Promise<JsonObject> {
    this.serializer.bindVarchar(1, text);
    const reader = await this.serializer.runAndReadAll();
    const json = JSON.parse(String(reader.getRows()[0]![0])) as JsonObject;
    if (json.error === true) {
      const message = String(json.error_message ?? 'the statement could not be parsed');
      if (json.error_type === 'parser') {
        const position = Number(json.position);
        const location = clientText && Number.isSafeInteger(position) ? locate(text, byteToChar(text)(position) ?? 0) : undefined;
        throw QueryFailure.of('SYNTAX_ERROR', message, location);
      }
      throw new Refusal(`the local engine cannot inspect this statement (${message})`, 'NOT_SUPPORTED');
    }
    return json;
  }

  /** Reads the bodies of the views among `tables`, recursively, from DuckDB's catalog. */
  private async expandViews(tables: string[][], depth: number, seen: Set<string>): Promise<{ view: string[]; table: string[] }[]> {
    if (tables.length === 0) return [];
    if (depth > 16) throw new Refusal('views nested too deeply', 'NOT_SUPPORTED');
    const catalog = await this.catalogState();
    const result: { view: string[]; table: string[] }[] = [];
    for (const view of tables) {
      const key = viewKey(view);
      const definition = catalog.views.get(key);
      if (definition === undefined || seen.has(key)) continue;
      seen.add(key);
      const body = viewBody(definition);
      if (body === undefined) throw new Refusal(`the local engine could not read the definition of the view ${view.join('.')}`, 'NOT_SUPPORTED');
      const { tables: inner, withQueries } = await this.probe({ parts: [body], probe: [0], run: [0], targets: [] }, {}, 'view');
      // DuckDB binds a view's bare names in the view's own schema first: a WITH query there
      // must not share its name with a table the scoping could fall back to.
      for (const name of withQueries) {
        if (catalog.names.has(viewKey([view[0]!, view[1]!, name])) || catalog.names.has(viewKey([view[0]!, 'main', name]))) {
          throw new Refusal(`the view ${view.join('.')} holds a WITH query named like the table ${view[0]}.${view[1]}.${name}`);
        }
      }
      const unique = dedupe(inner);
      for (const table of unique) result.push({ view, table });
      result.push(...(await this.expandViews(unique, depth + 1, seen)));
    }
    return result;
  }
}

/** WITH query names visible at a point of the tree. */
class Scope {
  static readonly EMPTY = new Scope(new Set());
  constructor(
    private readonly names: ReadonlySet<string>,
    private readonly parent?: Scope,
  ) {}
  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
  with(names: Iterable<string>): Scope {
    const set = new Set(names);
    return set.size ? new Scope(set, this) : this;
  }
}


/**
 * Walks DuckDB's JSON parse tree. Everything is visited, known node kinds with their rules and
 * anything else generically, so a table reference in an unexpected place is still found.
 */
class TreeWalker {
  readonly tables: FoundTable[] = [];
  /** Bare names read as WITH queries. */
  readonly withQueries: string[] = [];
  /**
   * Relation names visible to the column references being walked: the FROM bindings of the
   * enclosing SELECTs, innermost last. DuckDB reads a column reference that names one of them
   * (and is no column) as that relation's whole row.
   */
  private readonly relations: Set<string>[] = [];

  constructor(
    private readonly denied: ReadonlySet<string>,
    private readonly systemNames: ReadonlySet<string>,
  ) {}

  visit(value: Json | undefined, scope: Scope, depth: number): void {
    if (depth > MAX_DEPTH) throw new Refusal('the statement is nested too deeply to be inspected', 'NOT_SUPPORTED');
    if (Array.isArray(value)) {
      for (const item of value) this.visit(item, scope, depth + 1);
      return;
    }
    if (!isObject(value)) return;
    if (typeof value.class === 'string') return this.expression(value, scope, depth, 'any');
    const type = str(value.type);
    if (type.endsWith('_NODE')) return this.queryNode(value, scope, depth);
    if ('query_location' in value && 'alias' in value && 'sample' in value) return this.tableRef(value, scope, depth);
    for (const child of Object.values(value)) this.visit(child, scope, depth + 1);
  }

  private queryNode(node: JsonObject, scope: Scope, depth: number): void {
    const type = str(node.type);
    if (!['SELECT_NODE', 'SET_OPERATION_NODE', 'RECURSIVE_CTE_NODE', 'CTE_NODE'].includes(type)) throw new Refusal(`a ${type} in the statement`, 'NOT_SUPPORTED');
    // DuckDB's scoping: a WITH query sees the ones declared before it, never itself (only the
    // recursive part of a recursive one does, below); the body sees them all.
    let inner = scope;
    const map = isObject(node.cte_map) && Array.isArray(node.cte_map.map) ? node.cte_map.map : [];
    for (const entry of map) {
      if (!isObject(entry)) continue;
      const name = str(entry.key).toLowerCase();
      if (!name) throw new Refusal('a WITH query without a name', 'NOT_SUPPORTED');
      this.visit(entry.value, inner, depth + 1);
      inner = inner.with([name]);
    }
    if (type === 'SELECT_NODE') this.relations.push(relationNames(node.from_table));
    try {
      for (const [key, child] of Object.entries(node)) {
        if (key === 'cte_map') continue;
        if (type === 'RECURSIVE_CTE_NODE' && key === 'right') {
          this.visit(child, inner.with([str(node.cte_name).toLowerCase()]), depth + 1);
        } else if (type === 'CTE_NODE' && key === 'child') {
          this.visit(child, inner.with([str(node.ctename ?? node.cte_name).toLowerCase()]), depth + 1);
        } else if (type === 'SELECT_NODE' && key === 'select_list' && Array.isArray(child)) {
          for (const item of child) {
            if (isObject(item) && typeof item.class === 'string') this.expression(item, inner, depth + 1, 'select-item');
            else this.visit(item, inner, depth + 1);
          }
        } else {
          this.visit(child, inner, depth + 1);
        }
      }
    } finally {
      if (type === 'SELECT_NODE') this.relations.pop();
    }
  }

  private tableRef(ref: JsonObject, scope: Scope, depth: number): void {
    const type = str(ref.type);
    switch (type) {
      case 'BASE_TABLE': {
        if (!isEmpty(ref.at_clause)) throw new Refusal('time travel (AT ...) on a table');
        const parts = [str(ref.catalog_name), str(ref.schema_name), str(ref.table_name)].filter((p) => p !== '');
        const table = str(ref.table_name).toLowerCase();
        if (!table) throw new Refusal('a table reference without a name', 'NOT_SUPPORTED');
        if (parts.length === 1 && scope.has(table)) {
          // A WITH query. Were this scoping ever wrong, DuckDB would look the bare name up in
          // its search path, which holds no client table: only its own catalog views.
          if (this.systemNames.has(table)) throw new Refusal(`a WITH query named ${table}, like a DuckDB catalog view`);
          this.withQueries.push(table);
          return;
        }
        const location = typeof ref.query_location === 'number' ? ref.query_location : NO_LOCATION;
        if (location >= NO_LOCATION) throw new Refusal('a table reference without a position in the text', 'NOT_SUPPORTED');
        this.tables.push({ parts, location });
        return;
      }
      case 'TABLE_FUNCTION': {
        const fn = isObject(ref.function) ? ref.function : {};
        const name = str(fn.function_name).toLowerCase();
        if (!ALLOWED_TABLE_FUNCTIONS.has(name) || !isEmpty(fn.schema) || !isEmpty(fn.catalog)) {
          throw new Refusal(`the table function ${name || '?'}(...): the local engine reads only catalog tables`);
        }
        this.visit(fn.children, scope, depth + 1);
        return;
      }
      case 'JOIN':
        this.visit(ref.left, scope, depth + 1);
        this.visit(ref.right, scope, depth + 1);
        this.visit(ref.condition, scope, depth + 1);
        return;
      case 'SUBQUERY':
        this.visit(ref.subquery, scope, depth + 1);
        return;
      case 'EXPRESSION_LIST':
        this.visit(ref.values, scope, depth + 1);
        return;
      case 'EMPTY':
        return;
      case 'SHOW_REF':
        throw new Refusal('DESCRIBE, SHOW or SUMMARIZE inside a query: the gateway answers metadata');
      default:
        throw new Refusal(`a ${type || 'table reference'} in FROM: the local engine reads only catalog tables`, 'NOT_SUPPORTED');
    }
  }

  private expression(expr: JsonObject, scope: Scope, depth: number, context: 'any' | 'select-item' | 'lambda-parameter'): void {
    const cls = str(expr.class);
    switch (cls) {
      case 'STAR': {
        const plain = context === 'select-item' && expr.columns === false && isEmpty(expr.expr) &&
          Object.entries(expr).every(([k, v]) => ['class', 'type', 'alias', 'query_location', 'relation_name', 'columns'].includes(k) || isEmpty(v));
        if (!plain) throw new Refusal('COLUMNS(...), `* EXCLUDE/REPLACE/RENAME/LIKE` or `*` outside the select list: the local engine (DuckDB) expands them to columns the check does not see');
        return;
      }
      case 'POSITIONAL_REFERENCE':
        throw new Refusal('a positional column reference (#n)');
      case 'COLUMN_REF': {
        if (context === 'lambda-parameter') return;
        const names = Array.isArray(expr.column_names) ? expr.column_names.map((n) => str(n).toLowerCase()) : [];
        const last = names[names.length - 1];
        if (last !== undefined && this.relations.some((r) => r.has(last))) {
          throw new Refusal(`the column reference ${names.join('.')} names a table: the local engine (DuckDB) reads it as the whole row, every column included`);
        }
        return;
      }
      case 'LAMBDA':
        throw new Refusal('`->` outside a lambda function: the local engine (DuckDB) reads it as a JSON operator, Trino as a lambda');
      case 'FUNCTION':
      case 'WINDOW': {
        const name = str(expr.function_name).toLowerCase();
        if (this.denied.has(name)) throw new Refusal(`the function ${name}: it reads the local engine's settings or catalog`);
        const schema = str(expr.schema).toLowerCase();
        if (!isEmpty(expr.catalog) || (schema !== '' && schema !== 'main')) throw new Refusal(`the qualified function ${[str(expr.catalog), schema, name].filter(Boolean).join('.')}`);
        for (const [key, child] of Object.entries(expr)) {
          if (key === 'children' && Array.isArray(child)) {
            for (const arg of child) {
              if (isObject(arg) && arg.class === 'LAMBDA') {
                if (!LAMBDA_FUNCTIONS.has(name)) throw new Refusal(`\`->\` as an argument of ${name}: the local engine (DuckDB) reads it as a JSON operator, Trino as a lambda`);
                this.lambda(arg, scope, depth + 1);
              } else {
                this.visit(arg, scope, depth + 1);
              }
            }
          } else {
            this.visit(child, scope, depth + 1);
          }
        }
        return;
      }
      default:
        for (const child of Object.values(expr)) this.visit(child, scope, depth + 1);
    }
  }

  private lambda(lambda: JsonObject, scope: Scope, depth: number): void {
    const parameters = lambda.lhs;
    const params = Array.isArray(parameters) ? parameters : [parameters];
    for (const p of params) {
      if (isObject(p) && p.class === 'COLUMN_REF') this.expression(p, scope, depth + 1, 'lambda-parameter');
      else if (isObject(p) && p.class === 'FUNCTION' && Array.isArray(p.children) && p.children.every((c) => isObject(c) && c.class === 'COLUMN_REF')) continue;
      else throw new Refusal('a lambda whose parameters are not plain names', 'NOT_SUPPORTED');
    }
    for (const [key, child] of Object.entries(lambda)) if (key !== 'lhs') this.visit(child, scope, depth + 1);
  }
}

/** The names the relations of a FROM clause bind (aliases, else table names), not looking into subqueries. */
function relationNames(from: Json | undefined, into = new Set<string>()): Set<string> {
  if (!isObject(from)) return into;
  const alias = str(from.alias).toLowerCase();
  switch (from.type) {
    case 'JOIN':
      relationNames(from.left, into);
      relationNames(from.right, into);
      break;
    case 'BASE_TABLE':
      into.add(alias || str(from.table_name).toLowerCase());
      break;
    default:
      if (alias) into.add(alias);
  }
  return into;
}

const viewKey = (name: string[]) => name.join('\u0000');

function dedupe(tables: string[][]): string[][] {
  const seen = new Map<string, string[]>();
  for (const t of tables) seen.set(JSON.stringify(t), t);
  return [...seen.values()];
}

/** DuckDB reports positions as UTF-8 byte offsets; JavaScript indexes UTF-16 code units. */
function byteToChar(text: string): (byte: number) => number | undefined {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return (byte) => (byte <= text.length ? byte : undefined);
  const map = new Map<number, number>();
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    map.set(bytes, i);
    const code = text.codePointAt(i)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (code >= 0x10000) i++;
  }
  map.set(bytes, text.length);
  return (byte) => map.get(byte);
}

/** The query of a stored view, from DuckDB's `CREATE VIEW name [(columns)] AS query;`. */
function viewBody(sql: string): string | undefined {
  let tokens: GuardToken[];
  try {
    tokens = guardedTokens(sql);
  } catch {
    return undefined;
  }
  const view = tokens.findIndex((t) => t.kind === 'word' && t.value === 'view');
  if (view < 0) return undefined;
  let depth = 0;
  for (let i = view + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'symbol' && t.value === '(') depth++;
    else if (t.kind === 'symbol' && t.value === ')') depth--;
    else if (depth === 0 && t.kind === 'word' && t.value === 'as') {
      const next = tokens[i + 1];
      if (!next) return undefined;
      let end = sql.length;
      const lastToken = tokens[tokens.length - 1]!;
      if (lastToken.kind === 'symbol' && lastToken.value === ';') end = lastToken.start;
      return sql.slice(next.start, end);
    }
  }
  return undefined;
}

