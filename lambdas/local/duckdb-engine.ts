import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBMaterializedResult } from '@duckdb/node-api';
import type { Engine, EngineColumn, EngineInspection, EnginePage, EngineState, EngineSubmission, EngineSubmitted, PollOptions } from '../core/ports/index.js';
import { ResultsExpiredError } from '../core/engines/engine.js';
import { QueryFailure, queryError, type ErrorName, type QueryError } from '../core/errors.js';
import { bindParameters, LexError, locate, tokenize, type Token } from '../core/protocol/lexer.js';
import { updateTypeOf } from '../core/protocol/statements.js';
import { formatType } from '../core/protocol/sql-types.js';
import { GuardSyntaxError, guardedTokens, oneStatement, quoteIdentifier, Refusal } from './duckdb-guard.js';
import { DuckDbInspector, type InspectedStatement } from './duckdb-inspect.js';
import { HeldResult } from './duckdb-held.js';
import { readRows } from './duckdb-read.js';
import { isKnownZone, mapDuckType, mapDuckTypeInZone, serverZone } from './duckdb-types.js';
import { tpchTinySql } from './tpch.js';
import { installTrinoFunctions, integerDivisionRefusal, literalColumnZones, rewriteTrinoCalls, sessionPropertyRows, trinoMacroNames, TRINO_SETTINGS, type SessionPropertyRow } from './trino-functions.js';

/**
 * The embedded engine for local mode, demos and tests. Like Athena, it keeps a query's results
 * on its side and serves them by cursor (a row offset), so the gateway stays stateless. Results
 * are dropped a while after their last read. Trino's SHOW and DESCRIBE statements are answered
 * from DuckDB's catalog with Trino's column names.
 *
 * The engine runs exactly what was checked: DuckDB is locked down at creation (no
 * host files, no extensions, no setting changes), every statement passes the lexical guard
 * (duckdb-guard.ts: one statement, no text DuckDB and Trino read differently), and is inspected
 * in DuckDB's own parse and rebuilt with every table fully qualified (duckdb-inspect.ts). submit
 * refuses whatever inspect refuses, so a caller that never inspects is safe too.
 */
export interface StateChange {
  engineQueryId: string;
  previousState: EngineState;
  currentState: EngineState;
  sequenceNumber: number;
}

export interface DuckDbEngineOptions {
  /** Build the tpch.tiny sample and the writable `memory.default` schema (default true). */
  sampleData?: boolean;
  /**
   * A folder for the `memory` catalog's database file (DATABASE_FILE), so that the tables and
   * views written into it survive a restart. Without one it lives in memory. The `tpch` sample is
   * built afresh at every start either way.
   */
  dataDir?: string;
  /**
   * Drop a finished query's results after this long without a read (default 2 minutes: the Trino
   * client gives up retrying a page after its 2-minute request timeout).
   */
  resultTtlMs?: number;
  /** Called on every state change, in the shape the tracking handler consumes. */
  onStateChange?: (change: StateChange) => void;
}

interface RunningQuery {
  id: string;
  state: EngineState;
  sequence: number;
  connection?: DuckDBConnection;
  done: Promise<void>;
  columns?: EngineColumn[];
  /** A result the engine built itself (DESCRIBE, EXPLAIN, update counts). */
  rows?: unknown[][];
  /** A query's result, left in DuckDB. */
  held?: HeldResult;
  error?: QueryError;
  update?: { type: string; count?: number };
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  lastReadAt: number;
  /** When a read first reached the end of the rows: the client has them all. */
  readToEndAt?: number;
}

/**
 * How long rows read to their end are kept (for a client's retry of its last GET), when that is
 * shorter than the result TTL: a large result is hundreds of megabytes of heap.
 */
const READ_TO_END_KEEP_MS = 30_000;

/** A page of JSON rows ends after the row that takes it to this many bytes, unless the poll says (the gateway's inline pages hold 480 KB). */
const JSON_PAGE_BYTES = 400_000;

/**
 * DuckDB's settings for a gateway-fronted engine, fixed when the instance is created: no host
 * files (read_csv, COPY TO, ATTACH of a file, `FROM '/path'`), no extension installed or loaded
 * behind a query's back, and a locked configuration, so no statement can change any of it. The
 * sample data needs none of what is closed: ATTACH ':memory:' and CREATE still work.
 *
 * With external access off DuckDB still opens two kinds of path to statements: its spill folder
 * (temp_directory), closed here by having none (a query that outgrows memory fails instead of
 * spilling), and, with a data folder, its own database file and write-ahead log. Those stay
 * readable and writable by SQL that reaches DuckDB; the client path never gets there with a file
 * name (the guard and inspector refuse COPY, ATTACH and every function that reads a file).
 */
export const LOCKED_DOWN_SETTINGS: Record<string, string> = {
  // Before external access is closed: DuckDB refuses to change a path setting after that.
  temp_directory: '',
  enable_external_access: 'false',
  autoload_known_extensions: 'false',
  autoinstall_known_extensions: 'false',
  allow_community_extensions: 'false',
  allow_unsigned_extensions: 'false',
  lock_configuration: 'true',
};

/**
 * The `memory` catalog's file in a data folder. DuckDB names its main database after the file,
 * so the catalog is `memory` whether the database lives in memory or in this file.
 */
export const DATABASE_FILE = 'memory.duckdb';

export class DuckDbEngine implements Engine {
  private readonly queries = new Map<string, RunningQuery>();
  private counter = 0;
  private readonly sweepTimer: NodeJS.Timeout;
  private inspector!: DuckDbInspector;
  /**
   * What inspect answered per query id, until the query is submitted: submit inspects again and
   * refuses a statement whose reading changed in between (a view replaced after the gateway's
   * check), so what runs is what was checked.
   */
  private readonly checked = new Map<string, { reading: string; at: number }>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly options: DuckDbEngineOptions,
  ) {
    this.sweepTimer = setInterval(() => this.evict(), Math.min(10_000, Math.max(1_000, options.resultTtlMs ?? 10_000)));
    this.sweepTimer.unref();
  }

  static async create(options: DuckDbEngineOptions = {}): Promise<DuckDbEngine> {
    // Every setting goes in at creation: the configuration is locked from then on. The database
    // file is opened here, by the engine itself; no statement can open or attach another file.
    let path = ':memory:';
    const file: Record<string, string> = {};
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true });
      path = join(options.dataDir, DATABASE_FILE);
      // The macros of trino-functions.ts have typed parameters, which a file stores from v1.4.0 on.
      file.storage_compatibility_version = 'latest';
    }
    const instance = await DuckDBInstance.create(path, { threads: '2', ...file, ...TRINO_SETTINGS, ...LOCKED_DOWN_SETTINGS });
    const engine = new DuckDbEngine(instance, options);
    try {
      await engine.installFunctions();
      if (options.sampleData !== false) await engine.loadSampleData();
      engine.inspector = await DuckDbInspector.create(instance);
    } catch (error) {
      engine.close();
      throw error;
    }
    return engine;
  }

  /**
   * Trino's functions as DuckDB macros (trino-functions.ts), once per instance. A database file
   * keeps the macros of the run that wrote it: those this version no longer defines are dropped
   * (clients cannot create macros, so every macro there is one of ours).
   */
  private async installFunctions(): Promise<void> {
    const connection = await this.instance.connect();
    try {
      if (this.options.dataDir) {
        const current = new Set(trinoMacroNames());
        const stored = await connection.runAndReadAll(
          `SELECT DISTINCT function_name, function_type FROM duckdb_functions() WHERE database_name = 'memory' AND schema_name = 'main' AND function_type IN ('macro', 'table_macro') AND NOT internal`,
        );
        for (const [name, type] of stored.getRows()) {
          if (!current.has(String(name))) await connection.run(`DROP MACRO ${type === 'table_macro' ? 'TABLE ' : ''}IF EXISTS memory.main.${quoteIdentifier(String(name))}`);
        }
      }
      await installTrinoFunctions(connection);
    } finally {
      connection.closeSync();
    }
  }

  private async loadSampleData(): Promise<void> {
    const connection = await this.instance.connect();
    try {
      await connection.run(`ATTACH ':memory:' AS tpch`);
      await connection.run(`CREATE SCHEMA tpch.tiny`);
      for (const statement of tpchTinySql('tpch.tiny')) await connection.run(statement);
      // A database file from an earlier run has it already.
      await connection.run(`CREATE SCHEMA IF NOT EXISTS memory."default"`);
    } finally {
      connection.closeSync();
    }
  }

  /**
   * The statement as the engine would run it: its text after parameters and the engine's own
   * rewriting, checked by the guard and inspected in DuckDB's parse. Throws Refusal when it must
   * not run, QueryFailure when it cannot.
   */
  private async prepareStatement(submission: EngineSubmission): Promise<{ translated: Translation; inspected: InspectedStatement }> {
    const sql = submission.parameters?.length ? bindParameters(submission.sql, submission.parameters) : submission.sql;
    try {
      // Before the engine's own rewriting too: SHOW translations never see a second statement.
      oneStatement(sql, guardedTokens(sql));
    } catch (error) {
      if (error instanceof GuardSyntaxError) throw QueryFailure.of('SYNTAX_ERROR', error.message, locate(sql, error.offset));
      throw error;
    }
    const { catalog, schema } = submission.session;
    // Trino's function names and argument orders become DuckDB's (or macros) before anything reads the text.
    // Values with a time zone print in the session's (X-Trino-Time-Zone; the server's by default).
    const timeZone = submission.session.timeZone ?? serverZone();
    if (!isKnownZone(timeZone)) throw QueryFailure.of('NOT_SUPPORTED', `Time zone not supported: ${timeZone}`);
    const sessionRows = sessionPropertyRows({ timeZone, properties: submission.session.properties }, serverZone());
    const translated = { ...translate(rewriteTrinoCalls(sql, { timeZone }), catalog, schema, sessionRows), timeZone, columnZones: literalColumnZones(sql) };
    // The engine's own catalog reads for SHOW: written here, names only as string literals.
    if (translated.trusted) return { translated, inspected: { sql: translated.sql, tables: [], viewTables: [], changesCatalog: false } };
    const refusal = integerDivisionRefusal(submission.session.properties);
    if (refusal) throw refusal;
    const inspected = await this.inspector.inspect(translated.sql, { ...(catalog ? { catalog } : {}), ...(schema ? { schema } : {}) });
    return { translated, inspected };
  }

  /**
   * DuckDB's own reading of the statement, for the gateway's cross-check. Never throws: a
   * statement the engine refuses comes back with `refusal`; one that cannot run at all (a syntax
   * error) names no table, and submit fails it the same way.
   */
  async inspect(submission: EngineSubmission): Promise<EngineInspection> {
    let inspection: EngineInspection;
    let reading: string;
    try {
      const { inspected } = await this.prepareStatement(submission);
      inspection = { tables: inspected.tables, ...(inspected.viewTables.length ? { viewTables: inspected.viewTables } : {}) };
      reading = readingOf(inspected);
    } catch (error) {
      if (error instanceof Refusal) inspection = { tables: [], refusal: refusalMessage(error) };
      else if (error instanceof QueryFailure || error instanceof LexError) inspection = { tables: [] };
      else inspection = { tables: [], refusal: `The local engine could not inspect the statement: ${String((error as Error)?.message ?? error)}` };
      reading = 'not runnable';
    }
    if (this.checked.size >= MAX_REMEMBERED_READINGS) this.checked.delete(this.checked.keys().next().value!);
    this.checked.set(submission.queryId, { reading, at: Date.now() });
    return inspection;
  }

  /**
   * Runs SQL written by the gateway itself (reads of DuckDB's catalog for metadata answers),
   * never a client's text: it bypasses the inspection that refuses DuckDB's catalog functions.
   */
  async internalQuery(sql: string): Promise<{ columns: EngineColumn[]; rows: unknown[][] }> {
    guardedTokens(sql);
    const connection = await this.instance.connect();
    try {
      const result = await connection.run(sql);
      const mappings = result.columnTypes().map(mapDuckType);
      const names = result.columnNames();
      return { columns: names.map((name, i) => ({ name, type: mappings[i]!.type })), rows: await readRows(result) };
    } catch (error) {
      throw new QueryFailure(mapDuckError(error));
    } finally {
      connection.closeSync();
    }
  }

  async submit(submission: EngineSubmission): Promise<EngineSubmitted> {
    const id = `duckdb-${++this.counter}-${submission.queryId}`;
    const query: RunningQuery = { id, state: 'QUEUED', sequence: 0, createdAt: Date.now(), lastReadAt: Date.now(), done: Promise.resolve() };
    this.queries.set(id, query);
    this.emit(query, 'QUEUED');
    query.done = this.run(query, submission);
    return { handle: id, state: 'QUEUED', engineQueryId: id };
  }

  private async run(query: RunningQuery, submission: EngineSubmission): Promise<void> {
    try {
      const connection = await this.instance.connect();
      query.connection = connection;
      if (this.canceled(query)) return;
      // No USE: the statement names every table fully qualified (see duckdb-inspect.ts), so the
      // session's catalog and schema never go through DuckDB's search path.
      const { translated, inspected } = await this.prepareStatement(submission);
      const checked = this.checked.get(submission.queryId);
      this.checked.delete(submission.queryId);
      if (checked && checked.reading !== readingOf(inspected)) {
        throw new Refusal('the tables it reads changed between the access check and the run (a view or table was replaced); run it again');
      }
      if (this.canceled(query)) return;
      this.setState(query, 'RUNNING');
      query.startedAt = Date.now();
      const changed = inspected.changesCatalog ? this.inspector.catalogChanging() : undefined;
      let result: DuckDBMaterializedResult;
      try {
        result = await connection.run(inspected.sql);
      } finally {
        changed?.();
      }
      if (this.canceled(query)) return;
      await this.collect(query, result, translated);
      query.endedAt = Date.now();
      this.setState(query, 'FINISHED');
    } catch (error) {
      if (this.canceled(query)) return;
      query.error =
        error instanceof QueryFailure ? error.error
        : error instanceof Refusal ? queryError(error.errorName, refusalMessage(error))
        : error instanceof LexError ? queryError('SYNTAX_ERROR', error.message)
        : mapDuckError(error);
      query.endedAt = Date.now();
      this.setState(query, 'FAILED');
    } finally {
      query.connection?.closeSync();
      query.connection = undefined;
    }
  }

  /** Cancel can land while a DuckDB call is in flight. */
  private canceled(query: RunningQuery): boolean {
    return (query.state as EngineState) === 'CANCELED';
  }

  private async collect(query: RunningQuery, result: DuckDBMaterializedResult, translated: Translation): Promise<void> {
    const names = result.columnNames();
    const zoneOf = (column: number) => translated.columnZones?.[column] ?? translated.timeZone ?? 'UTC';
    const mappings = result.columnTypes().map((type, i) => mapDuckTypeInZone(type, zoneOf(i)));
    if (translated.describe) {
      const varchar = { kind: 'simple' as const, name: 'varchar', params: [] };
      query.columns = ['Column', 'Type', 'Extra', 'Comment'].map((name) => ({ name, type: varchar }));
      query.rows = names.map((name, i) => [name, formatType(mappings[i]!.type), '', '']);
      return;
    }
    if (translated.explain) {
      // Clients (and Trino's own EXPLAIN) expect one varchar column `Query Plan` holding the plan text.
      const valueAt = Math.max(0, names.indexOf('explain_value'));
      const plan = (await result.getRows()).map((row) => String(row[valueAt] ?? '')).join('\n');
      query.columns = [{ name: 'Query Plan', type: { kind: 'simple', name: 'varchar', params: [] } }];
      query.rows = [[plan]];
      return;
    }
    if (translated.updateType) {
      // DuckDB answers DML with a Count column; Trino answers with `rows` and updateCount.
      let changed = Number(result.rowsChanged ?? 0);
      // DuckDB reports CREATE TABLE AS's rows in its Count column only.
      if (!changed && names.length === 1 && names[0] === 'Count') changed = Number((await result.getRows())[0]?.[0] ?? 0);
      const counted = translated.updateType === 'INSERT' || translated.updateType === 'DELETE' || translated.updateType === 'UPDATE' || translated.updateType === 'MERGE' || (translated.updateType === 'CREATE TABLE' && translated.createAs);
      if (counted) {
        query.columns = [{ name: 'rows', type: { kind: 'simple', name: 'bigint', params: [] } }];
        query.rows = [[changed]];
        query.update = { type: translated.updateType, count: changed };
      } else {
        query.columns = [{ name: 'result', type: { kind: 'simple', name: 'boolean', params: [] } }];
        query.rows = [[true]];
        query.update = { type: translated.updateType };
      }
      return;
    }
    query.columns = names.map((name, i) => ({ name: translated.columnNames?.[i] ?? name, type: mappings[i]!.type }));
    query.held = new HeldResult(result, mappings);
  }

  private setState(query: RunningQuery, state: EngineState): void {
    const previous = query.state;
    query.state = state;
    this.emit(query, previous);
  }

  private emit(query: RunningQuery, previousState: EngineState): void {
    query.sequence++;
    this.options.onStateChange?.({ engineQueryId: query.id, previousState, currentState: query.state, sequenceNumber: query.sequence });
  }

  async poll(handle: string, cursor: string | undefined, options: PollOptions): Promise<EnginePage> {
    const query = this.queries.get(handle);
    // Dropped after its last read (evict), or by a restart: its results are gone either way.
    if (!query) throw new ResultsExpiredError(`The local engine no longer holds query ${handle}`, `${describeSpan(this.resultTtlMs())} after their last read`);
    query.lastReadAt = Date.now();
    if (query.state === 'QUEUED' || query.state === 'RUNNING') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([query.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.maxWaitMs)))]);
      clearTimeout(timer);
    }
    const total = query.held?.count ?? query.rows?.length ?? 0;
    const stats = { elapsedTimeMillis: (query.endedAt ?? Date.now()) - query.createdAt, queuedTimeMillis: (query.startedAt ?? Date.now()) - query.createdAt, processedRows: total };
    if (query.state !== 'FINISHED') return { state: query.state, ...(query.error ? { error: query.error } : {}), stats };
    const offset = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isSafeInteger(offset) || offset < 0) throw QueryFailure.of('GENERIC_INTERNAL_ERROR', 'Invalid page cursor');
    let end = Math.min(total, offset + options.maxRows);
    let rows: Pick<EnginePage, 'rows' | 'jsonRows'>;
    if (query.held && options.jsonRows) {
      // Rows the gateway only passes on are written as its JSON, in pages sized by their bytes.
      const jsonRows = await query.held.json(offset, end, options.maxBytes ?? JSON_PAGE_BYTES, options.jsonRows.millisecondDatetimes);
      end = offset + jsonRows.count;
      rows = { jsonRows };
    } else rows = { rows: query.held ? query.held.rows(offset, end) : (query.rows ?? []).slice(offset, end) };
    if (end >= total) query.readToEndAt ??= Date.now();
    return {
      state: 'FINISHED',
      columns: query.columns ?? [],
      ...rows,
      ...(end < total ? { nextCursor: String(end) } : {}),
      stats: { ...stats, progressPercentage: 100 },
      ...(query.update ? { update: query.update } : {}),
    };
  }

  async cancel(handle: string): Promise<void> {
    const query = this.queries.get(handle);
    if (!query) return;
    // A canceled query's rows are never read again: free them now, not when they expire.
    if (query.state === 'FINISHED' || query.state === 'FAILED' || query.state === 'CANCELED') {
      this.queries.delete(handle);
      return;
    }
    this.setState(query, 'CANCELED');
    query.error = queryError('USER_CANCELED', 'Query was canceled');
    query.connection?.interrupt();
  }

  async health() {
    return { healthy: true };
  }

  /** What the engine knows of a query, for the sweeper's reconciliation in local mode. */
  status(handle: string): { state: EngineState; statistics?: { totalTimeMillis: number; queueTimeMillis: number; engineTimeMillis: number }; error?: QueryError } | undefined {
    const query = this.queries.get(handle);
    if (!query) return undefined;
    const end = query.endedAt ?? Date.now();
    const started = query.startedAt ?? end;
    return {
      state: query.state,
      statistics: { totalTimeMillis: end - query.createdAt, queueTimeMillis: started - query.createdAt, engineTimeMillis: end - started },
      ...(query.error ? { error: query.error } : {}),
    };
  }

  /** How many queries hold results in memory (for tests and the load benchmark). */
  get heldQueries(): number {
    return this.queries.size;
  }

  /** Drops the results kept past their time (run by a timer; `now` for tests). */
  evict(now = Date.now()): void {
    const ttl = this.resultTtlMs();
    for (const [id, query] of this.queries) {
      const keep = query.readToEndAt !== undefined ? Math.min(ttl, READ_TO_END_KEEP_MS) : ttl;
      if ((query.state === 'FINISHED' || query.state === 'FAILED' || query.state === 'CANCELED') && now - Math.max(query.lastReadAt, query.endedAt ?? 0) > keep) this.queries.delete(id);
    }
    // Readings of statements never submitted (denied at the gateway, abandoned while queued).
    for (const [id, checked] of this.checked) if (now - checked.at > 24 * 60 * 60_000) this.checked.delete(id);
  }

  /** How long a final query's results are kept after their last read (default 2 minutes; 30 s once read to their end). */
  private resultTtlMs(): number {
    return this.options.resultTtlMs ?? 2 * 60_000;
  }

  close(): void {
    clearInterval(this.sweepTimer);
    for (const query of this.queries.values()) query.connection?.interrupt();
    this.queries.clear();
    this.inspector?.close();
    this.instance.closeSync();
  }
}

/** A span in words: "2 minutes", "90 seconds". */
function describeSpan(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  if (ms < 1000) return `${ms} milliseconds`;
  const seconds = Math.max(1, Math.round(ms / 1000));
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/** Inspections remembered for submit's comparison (the oldest go first). */
const MAX_REMEMBERED_READINGS = 10_000;

/** What an inspection says the statement reads, as one comparable string. */
function readingOf(inspected: InspectedStatement): string {
  const tables = inspected.tables.map((t) => t.join('.')).sort();
  const viewTables = inspected.viewTables.map((v) => `${v.view.join('.')}>${v.table.join('.')}`).sort();
  return JSON.stringify([tables, viewTables]);
}

function refusalMessage(refusal: Refusal): string {
  if (refusal.errorName === 'PERMISSION_DENIED') return `Access Denied: the local engine refuses this statement: ${refusal.message}`;
  return refusal.message.charAt(0).toUpperCase() + refusal.message.slice(1);
}

/** Trino's X'AB01' binary literals are from_hex('AB01') in DuckDB. */
function hexLiterals(sql: string, tokens: Token[]): string {
  let out = '';
  let last = 0;
  for (const t of tokens) {
    if (t.kind === 'string' && (sql[t.start] === 'X' || sql[t.start] === 'x')) {
      out += sql.slice(last, t.start) + `from_hex(${literal(t.text.replace(/\s+/g, ''))})`;
      last = t.end;
    }
  }
  return out + sql.slice(last);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

interface Translation {
  sql: string;
  updateType?: string;
  createAs?: boolean;
  columnNames?: string[];
  /** SHOW COLUMNS / DESCRIBE: the statement's columns become the rows. */
  describe?: boolean;
  /** SQL written here over DuckDB's catalog (SHOW ...), client names only as string literals. */
  trusted?: boolean;
  /** EXPLAIN: DuckDB's explain_key/explain_value rows become Trino's one `Query Plan` text. */
  explain?: boolean;
  /** The session's time zone, and the zone a column's own expression names (trino-functions.ts). */
  timeZone?: string;
  columnZones?: (string | undefined)[];
}

/** Trino statements DuckDB does not know, answered from its catalog with Trino's shapes. */
function translate(sql: string, catalog?: string, schema?: string, sessionRows: SessionPropertyRow[] = []): Translation {
  const tokens = tokenize(sql);
  const upper = tokens.map((t) => (t.kind === 'word' ? t.upper : t.text));
  const lead = upper.slice(0, 3).join(' ');
  const name = (from: number): { parts: string[]; next: number } => {
    const parts: string[] = [];
    let i = from;
    while (tokens[i] && (tokens[i]!.kind === 'word' || tokens[i]!.kind === 'quoted')) {
      parts.push(tokens[i]!.kind === 'word' ? tokens[i]!.text.toLowerCase() : tokens[i]!.text);
      if (tokens[i + 1]?.text === '.') i += 2;
      else {
        i++;
        break;
      }
    }
    return { parts, next: i };
  };
  const like = (from: number): string => {
    if (upper[from] !== 'LIKE') return '';
    const pattern = tokens[from + 1];
    if (!pattern || pattern.kind !== 'string') throw QueryFailure.of('SYNTAX_ERROR', 'LIKE expects a string pattern');
    return ` AND name LIKE ${literal(pattern.text)}`;
  };
  if (lead === 'SHOW CATALOGS') {
    return { sql: `SELECT name AS "Catalog" FROM (SELECT database_name AS name FROM duckdb_databases() WHERE NOT internal) WHERE true${like(2)} ORDER BY 1`, trusted: true };
  }
  if (upper[0] === 'SHOW' && upper[1] === 'SCHEMAS') {
    let cat = catalog;
    let next = 2;
    if (upper[2] === 'FROM' || upper[2] === 'IN') {
      const n = name(3);
      cat = n.parts[0];
      next = n.next;
    }
    if (!cat) throw QueryFailure.of('GENERIC_USER_ERROR', 'Catalog must be specified when session catalog is not set');
    return { sql: `SELECT name AS "Schema" FROM (SELECT schema_name AS name FROM information_schema.schemata WHERE catalog_name = ${literal(cat)} AND schema_name <> 'main' UNION SELECT 'information_schema') WHERE true${like(next)} ORDER BY 1`, trusted: true };
  }
  if (upper[0] === 'SHOW' && upper[1] === 'TABLES') {
    let [cat, sch] = [catalog, schema];
    let next = 2;
    if (upper[2] === 'FROM' || upper[2] === 'IN') {
      const n = name(3);
      [cat, sch] = n.parts.length >= 2 ? [n.parts[0], n.parts[1]] : [catalog, n.parts[0]];
      next = n.next;
    }
    if (!cat || !sch) throw QueryFailure.of('GENERIC_USER_ERROR', 'Schema must be specified when session schema is not set');
    return { sql: `SELECT name AS "Table" FROM (SELECT table_name AS name FROM information_schema.tables WHERE table_catalog = ${literal(cat)} AND table_schema = ${literal(sch)}) WHERE true${like(next)} ORDER BY 1`, trusted: true };
  }
  if ((upper[0] === 'SHOW' && upper[1] === 'COLUMNS' && (upper[2] === 'FROM' || upper[2] === 'IN')) || (upper[0] === 'DESCRIBE' && upper[1] !== 'INPUT' && upper[1] !== 'OUTPUT') || upper[0] === 'DESC') {
    const n = name(upper[0] === 'SHOW' ? 3 : 1);
    const table = qualify(n.parts, catalog, schema);
    return { sql: `SELECT * FROM ${table} LIMIT 0`, describe: true };
  }
  if (lead === 'SHOW CREATE TABLE' || lead === 'SHOW CREATE VIEW') {
    throw QueryFailure.of('NOT_SUPPORTED', `${lead} is not supported by the local engine`);
  }
  if (upper[0] === 'SHOW' && upper[1] === 'SESSION') {
    // The properties the engine honours, the session's values as string literals.
    const rows = sessionRows.map((p) => `(${[p.name, p.value, p.default, p.type, p.description].map(literal).join(', ')})`);
    const source = rows.length ? `(VALUES ${rows.join(', ')}) AS s(name, value, default_value, type, description)` : '(SELECT NULL::VARCHAR AS name, NULL::VARCHAR AS value, NULL::VARCHAR AS default_value, NULL::VARCHAR AS type, NULL::VARCHAR AS description WHERE false)';
    return { sql: `SELECT name AS "Name", value AS "Value", default_value AS "Default", type AS "Type", description AS "Description" FROM ${source} WHERE true${like(2)} ORDER BY 1`, trusted: true };
  }
  if (upper[0] === 'EXPLAIN') return { sql: hexLiterals(sql, tokens), explain: true };
  const updateType = updateTypeOf(tokens as Token[]);
  const createAs = updateType === 'CREATE TABLE' && upper.includes('AS') && (upper.includes('SELECT') || upper.includes('WITH') || upper.includes('VALUES'));
  return { sql: hexLiterals(sql, tokens), ...(updateType ? { updateType } : {}), createAs };
}

function qualify(parts: string[], catalog?: string, schema?: string): string {
  if (parts.length === 0) throw QueryFailure.of('SYNTAX_ERROR', 'A table name is expected');
  if (parts.length === 1) {
    if (!catalog || !schema) throw QueryFailure.of('GENERIC_USER_ERROR', 'Schema must be specified when session schema is not set');
    return [catalog, schema, parts[0]!].map(quoteIdent).join('.');
  }
  if (parts.length === 2) {
    if (!catalog) throw QueryFailure.of('GENERIC_USER_ERROR', 'Catalog must be specified when session catalog is not set');
    return [catalog, ...parts].map(quoteIdent).join('.');
  }
  return parts.map(quoteIdent).join('.');
}

const DUCK_ERRORS: [RegExp, ErrorName][] = [
  [/^Parser Error/, 'SYNTAX_ERROR'],
  [/^Catalog Error: Table with name/, 'TABLE_NOT_FOUND'],
  [/^Catalog Error: Table Function with name/, 'FUNCTION_NOT_FOUND'],
  [/^Catalog Error: Schema with name/, 'SCHEMA_NOT_FOUND'],
  [/^Catalog Error: Catalog with name|^Binder Error: Catalog "/, 'CATALOG_NOT_FOUND'],
  [/^Catalog Error: (Scalar|Aggregate)? ?Function with name/, 'FUNCTION_NOT_FOUND'],
  [/^Catalog Error: .* already exists/, 'ALREADY_EXISTS'],
  [/^Binder Error: Referenced column|^Binder Error: Values list .* does not have a column|^Binder Error: Table .* does not have a column/, 'COLUMN_NOT_FOUND'],
  [/^Binder Error: Ambiguous reference/, 'AMBIGUOUS_NAME'],
  [/^Binder Error: column .* must appear in the GROUP BY/, 'MISSING_GROUP_BY'],
  [/^Binder Error: No function matches/, 'FUNCTION_NOT_FOUND'],
  [/^Conversion Error/, 'INVALID_CAST_ARGUMENT'],
  [/^Out of Range Error/, 'NUMERIC_VALUE_OUT_OF_RANGE'],
  [/^Constraint Error/, 'CONSTRAINT_VIOLATION'],
  [/^INTERRUPT Error/, 'USER_CANCELED'],
  [/^Not implemented Error/, 'NOT_SUPPORTED'],
];

function mapDuckError(error: unknown): QueryError {
  const message = String((error as Error)?.message ?? error);
  const firstLine = message.split('\n')[0]!;
  for (const [pattern, name] of DUCK_ERRORS) {
    if (pattern.test(firstLine)) {
      const tableNotFound = /^Catalog Error: Table with name (\S+) does not exist/.exec(firstLine);
      const text = tableNotFound ? `Table '${tableNotFound[1]!.replace(/!$/, '')}' does not exist` : firstLine.replace(/^[A-Za-z ]+ Error: /, '');
      return queryError(name, text);
    }
  }
  return queryError('GENERIC_USER_ERROR', firstLine.replace(/^[A-Za-z ]+ Error: /, ''));
}
