import { QueryFailure, type ErrorName } from '../errors.js';
import type { Principal, SqlType, GatewayResult, MetadataColumn, MetadataSource, MetadataService, MetadataSession } from '../ports/index.js';
import { rowEncoder } from '../protocol/encode.js';
import { LexError, locate, singleStatement, tokenize, type Token } from '../protocol/lexer.js';
import { formatType, parseType } from '../protocol/sql-types.js';
import { MetadataCache, type MetadataCacheOptions } from './cache.js';
import { compileLike } from './like.js';
import { parseSelect, runSelect, Unsupported, type SelectQuery, type SelectResult, type VirtualTable } from './sql.js';
import { INFORMATION_SCHEMA, MetadataTables, type Visibility } from './tables.js';
import type { TableVisibility } from './visibility.js';

/**
 * The gateway's metadata answers: JDBC DatabaseMetaData queries (system.jdbc.*, the
 * `WHERE false` and `LIMIT 0` families), SHOW CATALOGS/SCHEMAS/TABLES/COLUMNS, DESCRIBE,
 * simple information_schema queries and `SELECT version()`, answered from a MetadataSource the
 * way Trino answers them, and only with what the user may read. Any other statement is left to
 * the engine: `answerMetadata` returns undefined.
 */
export interface MetadataOptions {
  source: MetadataSource;
  /**
   * Whether the principal may read the table `catalog.schema.table`: other tables are never shown.
   * A TableVisibility (visibility.ts) also brings the column filter and whether rules apply.
   */
  canSee: ((principal: Principal, table: string) => boolean) | TableVisibility;
  /** The columns of a table the principal may see (default: canSee's, else all). */
  visibleColumns?: TableVisibility['visibleColumns'];
  /** Whether access rules apply (default: canSee's, else false). */
  restricted?: boolean;
  /** Whether the principal may see the schema `catalog.schema` (default: every schema). */
  canSeeSchema?(principal: Principal, schema: string): boolean;
  /** Whether the principal may see the catalog (default: every catalog). */
  canSeeCatalog?(principal: Principal, catalog: string): boolean;
  /** What `SELECT version()` answers: the gateway's version (GatewayConfig.version). */
  version: string;
  /** Source results and answers are kept this long (default 60 s). */
  ttlMs?: number;
  clock?: () => number;
  /** Answers kept per process, across users (default 500). */
  maxCachedAnswers?: number;
  cache?: Omit<MetadataCacheOptions, 'ttlMs' | 'clock'>;
}

export interface MetadataDeps {
  cache: MetadataCache;
  canSee: (principal: Principal, table: string) => boolean;
  visibleColumns?: TableVisibility['visibleColumns'];
  /** Read on every answer: rules may start or stop applying at run time. */
  restricted(): boolean;
  canSeeSchema?: MetadataOptions['canSeeSchema'];
  canSeeCatalog?: MetadataOptions['canSeeCatalog'];
  version: string;
  answers: AnswerCache;
}

/** Builds the dependencies once per process (the caches live in them). */
export function createMetadataDeps(options: MetadataOptions): MetadataDeps {
  const ttlMs = options.ttlMs ?? 60_000;
  const clock = options.clock ?? Date.now;
  const visibility = options.canSee as Partial<TableVisibility>;
  const visibleColumns = options.visibleColumns ?? visibility.visibleColumns;
  return {
    cache: new MetadataCache(options.source, { ...options.cache, ttlMs, clock }),
    canSee: options.canSee,
    ...(visibleColumns ? { visibleColumns } : {}),
    restricted: () => options.restricted ?? visibility.restricted ?? false,
    ...(options.canSeeSchema ? { canSeeSchema: options.canSeeSchema } : {}),
    ...(options.canSeeCatalog ? { canSeeCatalog: options.canSeeCatalog } : {}),
    version: options.version,
    answers: new AnswerCache(ttlMs, clock, options.maxCachedAnswers ?? 500),
  };
}

export function createMetadataService(options: MetadataOptions): MetadataService {
  const deps = createMetadataDeps(options);
  return {
    answer: (sql, session, principal) => answerMetadata(sql, session, principal, deps),
    clear: () => {
      deps.cache.clear();
      deps.answers.clear();
    },
  };
}

/** Answers per user: the same statement from the same user within the TTL costs nothing. */
export class AnswerCache {
  private readonly entries = new Map<string, { result: GatewayResult; expiresAt: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number,
    private readonly max: number,
  ) {}

  get(key: string): GatewayResult | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.result;
  }

  set(key: string, result: GatewayResult): void {
    this.entries.delete(key);
    this.entries.set(key, { result, expiresAt: this.clock() + this.ttlMs });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.entries.clear();
  }
}

type Session = MetadataSession;

/**
 * A recognized metadata statement, ready to run: a query's rows, or a session statement's answer
 * (SET PATH, SET ROLE), which depends on the client's session and is never cached.
 */
type Recognized = { run(tables: MetadataTables): Promise<SelectResult>; session?: undefined } | { session: (tables: MetadataTables) => Promise<GatewayResult>; run?: undefined };

/**
 * The gateway hook: the answer to a metadata statement, or undefined when the statement is not
 * one (the gateway then routes it to an engine as usual). Failures of the statement itself (an
 * unknown schema or table, a bad LIKE escape) are QueryFailures; so are failures to read the
 * catalog, never other errors.
 */
export async function answerMetadata(sql: string, session: Session, principal: Principal, deps: MetadataDeps): Promise<GatewayResult | undefined> {
  let recognized: Recognized | undefined;
  try {
    recognized = recognize(sql, session, deps.version, deps.restricted());
  } catch (error) {
    // Input too deep for the small parsers here: not a metadata statement the gateway answers.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  if (!recognized) return undefined;
  const tables = new MetadataTables(deps.cache, visibility(principal, deps));
  if (recognized.session) {
    try {
      return await recognized.session(tables);
    } catch (error) {
      if (error instanceof QueryFailure) throw error;
      throw sourceFailure(error);
    }
  }
  const key = JSON.stringify([principal.user, [...principal.groups].sort(), session.catalog ?? null, session.schema ?? null, sql]);
  const cached = deps.answers.get(key);
  if (cached) return cached;
  let result: SelectResult;
  try {
    result = await recognized.run(tables);
  } catch (error) {
    if (error instanceof QueryFailure) throw error;
    if (error instanceof Unsupported || error instanceof RangeError) return undefined;
    throw sourceFailure(error);
  }
  const answer = toGatewayResult(result);
  deps.answers.set(key, answer);
  return answer;
}

function visibility(principal: Principal, deps: MetadataDeps): Visibility {
  return {
    catalog: (catalog) => deps.canSeeCatalog?.(principal, catalog) ?? true,
    schema: (catalog, schema) => deps.canSeeSchema?.(principal, `${catalog}.${schema}`) ?? true,
    table: (catalog, schema, table) => deps.canSee(principal, `${catalog}.${schema}.${table}`),
    ...(deps.visibleColumns
      ? {
          columns: (catalog: string, schema: string, table: string, columns: MetadataColumn[]) => {
            const visible = new Set(deps.visibleColumns!(principal, [catalog, schema, table], columns.map((c) => c.name)));
            return visible.size === columns.length ? columns : columns.filter((c) => visible.has(c.name));
          },
        }
      : {}),
  };
}

function sourceFailure(error: unknown): QueryFailure {
  const name = String((error as Error)?.name ?? '');
  const message = String((error as Error)?.message ?? error);
  const throttled = /throttl|toomanyrequests|rate exceeded/i.test(name + ' ' + message);
  const errorName: ErrorName = throttled ? 'TOO_MANY_REQUESTS_FAILED' : 'GENERIC_INTERNAL_ERROR';
  return new QueryFailure({ ...QueryFailure.of(errorName, `Could not read the catalog's metadata: ${message}`).error }, { cause: error });
}

export function toGatewayResult(result: SelectResult): GatewayResult {
  const encode = rowEncoder(result.columns.map((c) => c.type));
  return { columns: result.columns.map((c) => ({ name: c.name, type: formatType(c.type) })), rows: result.rows.map(encode) };
}

// ---------------------------------------------------------------- recognition

function semantic(sql: string, name: ErrorName, message: string, offset = 0): QueryFailure {
  const location = locate(sql, offset);
  return QueryFailure.of(name, `line ${location.lineNumber}:${location.columnNumber}: ${message}`, location);
}

function recognize(rawSql: string, session: Session, version: string, restricted: boolean): Recognized | undefined {
  let sql: string;
  let tokens: Token[];
  try {
    ({ sql, tokens } = singleStatement(rawSql, tokenize(rawSql)));
  } catch (error) {
    if (error instanceof LexError) return undefined;
    throw error;
  }
  const first = tokens[0];
  if (!first || first.kind !== 'word') return undefined;
  if (first.upper === 'SHOW' || first.upper === 'DESCRIBE' || first.upper === 'DESC') {
    const show = recognizeShow(sql, tokens, session);
    // Under access rules, a column listing the gateway cannot filter does not go to the engine.
    if (!show && restricted && listsColumns(tokens)) return { run: () => Promise.reject(unanswerable(sql)) };
    return show;
  }
  if (first.upper === 'SELECT') return recognizeSelect(sql, tokens, session, version, restricted);
  if (first.upper === 'SET' && tokens[1]?.kind === 'word' && tokens[1].upper === 'PATH') return { session: (tables) => setPath(sql, tokens, session, tables) };
  if (first.upper === 'SET' && tokens[1]?.kind === 'word' && tokens[1].upper === 'ROLE') return { session: (tables) => setRole(sql, tokens, tables) };
  return undefined;
}

/** DESCRIBE t, SHOW COLUMNS FROM t (not DESCRIBE INPUT/OUTPUT). */
function listsColumns(tokens: Token[]): boolean {
  const w = (i: number) => (tokens[i]?.kind === 'word' ? tokens[i]!.upper : '');
  if (w(0) === 'DESCRIBE' || w(0) === 'DESC') return w(1) !== 'INPUT' && w(1) !== 'OUTPUT';
  return w(0) === 'SHOW' && w(1) === 'COLUMNS';
}

function unanswerable(sql: string): QueryFailure {
  return semantic(sql, 'NOT_SUPPORTED', 'Under access rules the gateway answers DESCRIBE, SHOW COLUMNS and information_schema queries itself, in simple forms only (one table, no joins, subqueries or aggregations)');
}

// ---------------------------------------------------------------- SET PATH, SET ROLE

const sessionAnswer = (updateType: string, sessionUpdate: GatewayResult['sessionUpdate']): GatewayResult => ({ columns: [{ name: 'result', type: 'boolean' }], rows: ['[true]'], updateType, sessionUpdate });

/** An identifier as Trino writes it back: unquoted as written, quoted with its quotes. */
function formatIdentifier(t: Token): string {
  return t.kind === 'quoted' ? `"${t.text.replace(/"/g, '""')}"` : t.text;
}

function syntax(sql: string, t: Token | undefined, expecting: string): QueryFailure {
  const offset = t?.start ?? sql.length;
  return semantic(sql, 'SYNTAX_ERROR', `mismatched input '${t ? sql.slice(t.start, t.end) : '<EOF>'}'. Expecting: ${expecting}`, offset);
}

/**
 * SET PATH, as Trino's SetPathTask answers it: only for clients that declare the PATH capability,
 * each element's catalog must exist (or the session have one); the client gets the path back in
 * X-Trino-Set-Path and sends it as X-Trino-Path from then on.
 */
async function setPath(sql: string, tokens: Token[], session: Session, tables: MetadataTables): Promise<GatewayResult> {
  const elements: { catalog?: Token; schema: Token }[] = [];
  let i = 2;
  for (;;) {
    const a = tokens[i];
    if (!a || (a.kind !== 'word' && a.kind !== 'quoted')) throw syntax(sql, a, '<identifier>');
    const dotted = tokens[i + 1]?.kind === 'symbol' && tokens[i + 1]!.text === '.';
    const b = dotted ? tokens[i + 2] : undefined;
    if (dotted && (!b || (b.kind !== 'word' && b.kind !== 'quoted'))) throw syntax(sql, b, '<identifier>');
    elements.push(dotted ? { catalog: a, schema: b! } : { schema: a });
    i += dotted ? 3 : 1;
    if (i === tokens.length) break;
    if (tokens[i]!.kind !== 'symbol' || tokens[i]!.text !== ',') throw syntax(sql, tokens[i], "',', <EOF>");
    i++;
  }
  if (!(session.clientCapabilities ?? []).includes('PATH')) throw QueryFailure.of('NOT_SUPPORTED', 'SET PATH not supported by client');
  const catalogs = await tables.catalogs();
  for (const e of elements) {
    if (!e.catalog && !session.catalog) throw semantic(sql, 'MISSING_CATALOG_NAME', 'Catalog must be specified for each path element when session catalog is not set');
    const catalog = e.catalog?.text.toLowerCase();
    if (catalog !== undefined && !catalogs.includes(catalog)) throw semantic(sql, 'CATALOG_NOT_FOUND', `Catalog '${catalog}' not found`);
  }
  const path = elements.map((e) => (e.catalog ? `${formatIdentifier(e.catalog)}.${formatIdentifier(e.schema)}` : formatIdentifier(e.schema))).join(', ');
  return sessionAnswer('SET PATH', { setPath: path });
}

/**
 * SET ROLE, as Trino answers it where no catalog manages roles (Athena, the local engine) and
 * the system has no roles of its own (file-based access control): ALL and NONE are taken and
 * returned in X-Trino-Set-Role as `system=ALL`; a named role does not exist; a catalog does not
 * support role management.
 */
async function setRole(sql: string, tokens: Token[], tables: MetadataTables): Promise<GatewayResult> {
  const role = tokens[2];
  if (!role || (role.kind !== 'word' && role.kind !== 'quoted')) throw syntax(sql, role, "'ALL', 'NONE', <identifier>");
  let end = 3;
  let catalog: string | undefined;
  if (tokens[3]?.kind === 'word' && tokens[3].upper === 'IN') {
    const c = tokens[4];
    if (!c || (c.kind !== 'word' && c.kind !== 'quoted')) throw syntax(sql, c, '<identifier>');
    catalog = c.text.toLowerCase();
    end = 5;
  }
  if (end !== tokens.length) throw syntax(sql, tokens[end], "'IN', <EOF>");
  const special = role.kind === 'word' && (role.upper === 'ALL' || role.upper === 'NONE') ? role.upper : undefined;
  if (catalog !== undefined) {
    if (!(await tables.catalogs()).includes(catalog)) throw semantic(sql, 'CATALOG_NOT_FOUND', `Catalog '${catalog}' not found`);
    throw semantic(sql, 'NOT_SUPPORTED', `Catalog '${catalog}' does not support role management`);
  }
  if (!special) throw semantic(sql, 'ROLE_NOT_FOUND', `Role '${role.text.toLowerCase()}' does not exist`);
  return sessionAnswer('SET ROLE', { setRole: { system: special } });
}

function nameOf(t: Token | undefined): string | undefined {
  if (!t) return undefined;
  if (t.kind === 'word') return t.text.toLowerCase();
  if (t.kind === 'quoted') return t.text;
  return undefined;
}

function qualified(tokens: Token[], i: number): { parts: string[]; next: number } {
  const parts: string[] = [];
  for (;;) {
    const part = nameOf(tokens[i]);
    if (part === undefined) break;
    parts.push(part);
    i++;
    if (tokens[i]?.kind === 'symbol' && tokens[i]!.text === '.') i++;
    else break;
  }
  return { parts, next: i };
}

/** `LIKE 'pattern' [ESCAPE 'c']` at tokens[i], to the end of the statement. */
function likeTail(tokens: Token[], i: number): { test: (v: string) => boolean } | undefined | 'bad' {
  if (i >= tokens.length) return undefined;
  if (tokens[i]!.upper !== 'LIKE' || tokens[i + 1]?.kind !== 'string') return 'bad';
  let escape: string | undefined;
  let end = i + 2;
  if (tokens[end]?.upper === 'ESCAPE') {
    if (tokens[end + 1]?.kind !== 'string') return 'bad';
    escape = tokens[end + 1]!.text;
    end += 2;
  }
  if (end !== tokens.length) return 'bad';
  return compileLike(tokens[i + 1]!.text, escape);
}

const VARCHAR = parseType('varchar');
const single = (name: string, values: string[]): SelectResult => ({ columns: [{ name, type: VARCHAR }], rows: values.map((v) => [v]) });
const sorted = (values: string[]) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function recognizeShow(sql: string, tokens: Token[], session: Session): Recognized | undefined {
  const w = (i: number) => (tokens[i]?.kind === 'word' ? tokens[i]!.upper : '');
  if (w(0) === 'SHOW' && w(1) === 'CATALOGS') {
    const like = likeTail(tokens, 2);
    if (like === 'bad') return undefined;
    return { run: async (tables) => single('Catalog', sorted((await tables.catalogs()).filter((c) => !like || like.test(c)))) };
  }
  if (w(0) === 'SHOW' && w(1) === 'SCHEMAS') {
    let catalog = session.catalog;
    let i = 2;
    if (w(2) === 'FROM' || w(2) === 'IN') {
      const name = qualified(tokens, 3);
      if (name.parts.length !== 1) return undefined;
      catalog = name.parts[0];
      i = name.next;
    }
    const like = likeTail(tokens, i);
    if (like === 'bad') return undefined;
    return {
      run: async (tables) => {
        if (!catalog) throw semantic(sql, 'GENERIC_USER_ERROR', 'Catalog must be specified when session catalog is not set');
        if (!(await tables.catalogs()).includes(catalog)) throw semantic(sql, 'CATALOG_NOT_FOUND', `Catalog '${catalog}' not found`);
        return single('Schema', sorted((await tables.schemas(catalog)).filter((s) => !like || like.test(s))));
      },
    };
  }
  if (w(0) === 'SHOW' && w(1) === 'TABLES') {
    let [catalog, schema] = [session.catalog, session.schema];
    let i = 2;
    if (w(2) === 'FROM' || w(2) === 'IN') {
      const name = qualified(tokens, 3);
      if (name.parts.length === 0 || name.parts.length > 2) return undefined;
      [catalog, schema] = name.parts.length === 2 ? [name.parts[0], name.parts[1]] : [session.catalog, name.parts[0]];
      i = name.next;
    }
    const like = likeTail(tokens, i);
    if (like === 'bad') return undefined;
    return {
      run: async (tables) => {
        if (!catalog) throw semantic(sql, 'GENERIC_USER_ERROR', 'Catalog must be specified when session catalog is not set');
        if (!schema) throw semantic(sql, 'GENERIC_USER_ERROR', 'Schema must be specified when session schema is not set');
        await requireSchema(sql, tables, catalog, schema);
        const names = (await tables.tables(catalog, schema, like ? { test: like.test } : undefined)).map((x) => x.name);
        return single('Table', sorted(names));
      },
    };
  }
  const describeAt = w(0) === 'DESCRIBE' || w(0) === 'DESC' ? 1 : w(0) === 'SHOW' && w(1) === 'COLUMNS' && (w(2) === 'FROM' || w(2) === 'IN') ? 3 : -1;
  if (describeAt > 0 && !(describeAt === 1 && (w(1) === 'INPUT' || w(1) === 'OUTPUT'))) {
    const name = qualified(tokens, describeAt);
    if (name.parts.length === 0 || name.parts.length > 3) return undefined;
    const like = describeAt === 3 ? likeTail(tokens, name.next) : name.next === tokens.length ? undefined : 'bad';
    if (like === 'bad') return undefined;
    const parts = name.parts;
    return {
      run: async (tables) => {
        const [catalog, schema, table] = parts.length === 3 ? parts : parts.length === 2 ? [session.catalog, parts[0], parts[1]] : [session.catalog, session.schema, parts[0]];
        if (!catalog) throw semantic(sql, 'GENERIC_USER_ERROR', 'Catalog must be specified when session catalog is not set');
        if (!schema) throw semantic(sql, 'GENERIC_USER_ERROR', 'Schema must be specified when session schema is not set');
        const fqn = `${catalog}.${schema}.${table}`;
        if (!tables.mayRead(catalog, schema, table!)) {
          // Checked before the table is looked up: the answer says nothing about whether it exists.
          throw semantic(sql, 'PERMISSION_DENIED', `Access Denied: Cannot show columns of table ${fqn}`);
        }
        const found = (await tables.catalogs()).includes(catalog) ? await tables.table(catalog, schema, table!) : undefined;
        if (!found) throw semantic(sql, 'TABLE_NOT_FOUND', `Table '${fqn}' does not exist`);
        const rows = found.columns.filter((c) => !like || like.test(c.name)).map((c) => [c.name, formatType(c.type), c.partitionKey ? 'partition key' : '', c.comment ?? '']);
        return { columns: ['Column', 'Type', 'Extra', 'Comment'].map((n) => ({ name: n, type: VARCHAR })), rows };
      },
    };
  }
  return undefined;
}

async function requireSchema(sql: string, tables: MetadataTables, catalog: string, schema: string): Promise<void> {
  // Access first: the answer then says nothing about whether a hidden schema exists.
  if (!tables.maySeeSchema(catalog, schema)) throw semantic(sql, 'PERMISSION_DENIED', `Access Denied: Cannot show tables of schema ${catalog}.${schema}`);
  if (!(await tables.catalogs()).includes(catalog)) throw semantic(sql, 'CATALOG_NOT_FOUND', `Catalog '${catalog}' not found`);
  if (!(await tables.schemas(catalog)).includes(schema)) throw semantic(sql, 'SCHEMA_NOT_FOUND', `Schema '${schema}' does not exist`);
}

/** Whether a token sequence names a system table the gateway is expected to answer. */
function mentionsSystemMetadata(tokens: Token[]): boolean {
  for (let i = 0; i + 2 < tokens.length; i++) {
    if (nameOf(tokens[i]) === 'system' && tokens[i + 1]!.text === '.' && (nameOf(tokens[i + 2]) === 'jdbc' || nameOf(tokens[i + 2]) === 'metadata')) return true;
  }
  return false;
}

function notSupported(sql: string): QueryFailure {
  return semantic(sql, 'NOT_SUPPORTED', 'The gateway answers queries of system.jdbc and system.metadata tables in simple forms only (one table, no joins, subqueries or aggregations)');
}

function isFalse(query: SelectQuery): boolean {
  return query.where?.kind === 'literal' && (query.where.value === false || query.where.value === null);
}

/** A cheap look before parsing: ordinary queries name none of these and have a FROM. */
function mayBeMetadata(tokens: Token[], session: Session): boolean {
  if (session.catalog === 'system' || session.schema === INFORMATION_SCHEMA) return true;
  let from = false;
  for (const t of tokens) {
    if (t.kind !== 'word' && t.kind !== 'quoted') continue;
    const name = t.text.toLowerCase();
    if (name === INFORMATION_SCHEMA || name === 'jdbc' || name === 'metadata' || name === 'version') return true;
    if (t.kind === 'word' && t.upper === 'FROM') from = true;
  }
  return !from;
}

function recognizeSelect(sql: string, tokens: Token[], session: Session, version: string, restricted: boolean): Recognized | undefined {
  if (!mayBeMetadata(tokens, session)) return undefined;
  let query: SelectQuery;
  try {
    query = parseSelect(sql);
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
    if (mentionsSystemMetadata(tokens)) return { run: async () => Promise.reject(notSupported(sql)) };
    // The engine's own information_schema knows nothing of the rules (hidden tables and columns).
    if (restricted && mentionsInformationSchema(tokens, session)) return { run: async () => Promise.reject(unanswerable(sql)) };
    return undefined;
  }
  if (!query.from) {
    const versionOnly = query.items.every((item) => item.kind === 'expr' && item.expr.kind === 'call' && item.expr.name === 'version');
    if (!(query.limit === 0 || isFalse(query) || (versionOnly && !query.where))) return undefined;
    return { run: () => runSelect(query, undefined, { version }) };
  }
  const target = resolveFrom(sql, query.from.parts, session);
  if (!target) return restricted && mentionsInformationSchema(tokens, session) ? { run: async () => Promise.reject(unanswerable(sql)) } : undefined;
  return {
    run: async (tables) => {
      const table = await target.table(tables);
      if (!table) return Promise.reject(target.system ? notSupported(sql) : restricted ? unanswerable(sql) : new Unsupported('information_schema table'));
      try {
        return await runSelect(query, table, { version, tableNames: target.names });
      } catch (error) {
        if (error instanceof Unsupported && target.system) throw notSupported(sql);
        if (error instanceof Unsupported && restricted) throw unanswerable(sql);
        throw error;
      }
    },
  };
}

/** Whether the statement names an information_schema table (or runs in that schema). */
function mentionsInformationSchema(tokens: Token[], session: Session): boolean {
  return session.schema === INFORMATION_SCHEMA || tokens.some((t) => (t.kind === 'word' || t.kind === 'quoted') && t.text.toLowerCase() === INFORMATION_SCHEMA);
}

interface Target {
  system: boolean;
  names: string[];
  table(tables: MetadataTables): Promise<VirtualTable | undefined>;
}

function resolveFrom(sql: string, parts: string[], session: Session): Target | undefined {
  const [catalog, schema, table] = parts.length === 3 ? parts : parts.length === 2 ? [session.catalog, parts[0], parts[1]] : [session.catalog, session.schema, parts[0]];
  if (catalog === undefined && schema === INFORMATION_SCHEMA && table !== undefined && ['schemata', 'tables', 'columns'].includes(table)) {
    return { system: false, names: parts, table: () => Promise.reject(semantic(sql, 'GENERIC_USER_ERROR', 'Catalog must be specified when session catalog is not set')) };
  }
  if (catalog === undefined || schema === undefined || table === undefined) return undefined;
  const names = [catalog, schema, table];
  if (catalog === 'system' && schema === 'jdbc') {
    return {
      system: true,
      names,
      table: async (tables) => {
        const t = tables.jdbc(table);
        if (!t) throw semantic(sql, 'TABLE_NOT_FOUND', `Table 'system.jdbc.${table}' does not exist`);
        return t;
      },
    };
  }
  if (catalog === 'system' && schema === 'metadata' && table === 'table_comments') return { system: true, names, table: async (tables) => tables.tableComments() };
  if (schema === INFORMATION_SCHEMA && ['schemata', 'tables', 'columns'].includes(table)) {
    return {
      system: false,
      names,
      table: async (tables) => {
        if (!(await tables.catalogs()).includes(catalog)) throw semantic(sql, 'CATALOG_NOT_FOUND', `Catalog '${catalog}' not found`);
        return tables.informationSchema(catalog, table);
      },
    };
  }
  return undefined;
}

export type { SqlType };
