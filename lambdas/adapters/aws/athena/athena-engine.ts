import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  GetWorkGroupCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type GetQueryResultsOutput,
  type QueryExecution,
  type StartQueryExecutionInput,
} from '@aws-sdk/client-athena';
import { GetTableCommand, type GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { EngineBusyError, isFinal, ResultsExpiredError } from '../../../core/engines/engine.js';
import type { Engine, EngineHealth, EnginePage, EngineStats, EngineSubmission, EngineSubmitted, JsonRows, PollOptions, SqlType } from '../../../core/ports/index.js';
import { DecodeError, type RawValue } from '../../../core/engines/athena/decode.js';
import { clientRequestToken, decodeCursor, decodeHandle, encodeCursor, encodeHandle, type AthenaCursor, type AthenaHandle } from '../../../core/engines/athena/handle.js';
import {
  countsRows,
  decodeRows,
  engineColumns,
  RESULT_COLUMN,
  resultTypes,
  ROWS_COLUMN,
  settleTypes,
  shapesWholeOutput,
  shapeUtility,
  skipsHeaderRow,
  updateTypeFromSubstatement,
} from '../../../core/engines/athena/results.js';
import { complexHints, needsTableColumns, planAthenaStatement, type CatalogColumn, type ComplexHints } from '../../../core/engines/athena/statement.js';
import { athenaQueryError, athenaRequestError, engineState, engineStats } from '../../../core/engines/athena/status.js';
import { QueryFailure, queryError } from '../../../core/errors.js';
import { planAthenaParameters } from '../../../core/engines/athena/parameters.js';
import { NOT_TRANSCODED, csvJsonPlan } from './csv-json.js';
import { csvLocation, CsvUnavailableError, readCsvJsonPage, readCsvPage } from './csv-pages.js';
import { statusOf } from '../athena-status.js';

/** Settings of one Athena target (a workgroup) and the clients it uses. */
export interface AthenaEngineOptions {
  athena: AthenaClient;
  /** Needed for the S3 fast path; without it every page comes from GetQueryResults. */
  s3?: S3Client;
  /** Table metadata for complex column types (AwsDataCatalog); Athena's GetTableMetadata otherwise. */
  glue?: GlueClient;
  workgroup: string;
  /** Presto/Trino catalog name → Athena data catalog. `hive` and `awsdatacatalog` map to AwsDataCatalog. */
  catalogs?: Record<string, string>;
  /** Result location when the workgroup does not enforce its own. */
  outputLocation?: string;
  /** Reuse of earlier results for identical queries (Athena result reuse). */
  resultReuse?: { enabled: boolean; maxAgeMinutes?: number };
  /** Read SELECT results from the result CSV in S3 (default: on when an S3 client is given). */
  csvFastPath?: boolean;
  /** Look up table metadata at submit to type complex columns (default on). */
  tableTypes?: boolean;
  /** Budget of one CSV page, in estimated bytes of protocol JSON, when a poll names none (the gateway always does; default 400,000). */
  pageBytes?: number;
  /** First range read for a CSV page (default 512 KiB). */
  csvReadBytes?: number;
  /** GetQueryResults page size, at most 1,000 (default 1,000). */
  apiPageRows?: number;
  /** Spacing of GetQueryExecution calls while a poll waits for a running query (default 500 ms). */
  statusIntervalMs?: number;
  /** A non-final state recorded less than this long ago is trusted without a call (default 300 ms). */
  freshStateMs?: number;
  /** Timeout for the table metadata lookup at submit (default 2,000 ms). */
  metadataTimeoutMs?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: { warn(message: string, extra?: Record<string, unknown>): void };
}

/** Athena's answers for an execution whose result file, or the execution itself, is gone. */
const RESULTS_GONE = /NoSuchKey|does not exist|not found|no longer available|expired/i;
/** Where Athena keeps results: in the result location, until its bucket's lifecycle removes them. */
const RESULTS_KEPT = "until the results bucket's lifecycle expires them";

/** S3's answer for an object that is not there (any more). */
function isMissingObject(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return !!e && (e.name === 'NoSuchKey' || e.Code === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404);
}

const DEFAULT_CATALOGS: Record<string, string> = { hive: 'AwsDataCatalog', awsdatacatalog: 'AwsDataCatalog' };
const WHOLE_OUTPUT_MAX_PAGES = 100;

interface ExecutionFacts {
  statementType?: string;
  substatementType?: string;
  outputLocation?: string;
  encryption?: string;
}

/** A small map that forgets its oldest entries. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}

export class AthenaEngine implements Engine {
  private readonly athena: AthenaClient;
  private readonly s3: S3Client | undefined;
  private readonly glue: GlueClient | undefined;
  private readonly catalogs: Record<string, string>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly facts = new Lru<ExecutionFacts>(1000);
  private readonly columns = new Lru<ColumnInfo[]>(200);
  /** Buckets whose result files could not be read: skip the fast path for a while. */
  private readonly unreadable = new Map<string, number>();

  constructor(readonly options: AthenaEngineOptions) {
    this.athena = options.athena;
    this.s3 = options.s3;
    this.glue = options.glue;
    this.catalogs = Object.fromEntries(Object.entries({ ...DEFAULT_CATALOGS, ...(options.catalogs ?? {}) }).map(([k, v]) => [k.toLowerCase(), v]));
    this.now = options.clock ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  // ------------------------------------------------------------------ submit

  async submit(submission: EngineSubmission): Promise<EngineSubmitted> {
    const plan = planAthenaStatement(submission.sql);
    const session = submission.session;
    const catalogName = plan.catalog ?? session.catalog;
    const catalog = this.athenaCatalog(catalogName);
    const database = plan.kind === 'query' || plan.kind === 'update' ? session.schema : (plan.schema ?? session.schema);
    // ExecutionParameters where Athena takes them; literals written into the text otherwise.
    const { queryString: sql, executionParameters } = planAthenaParameters(plan.sql, submission.parameters ?? []);
    const input: StartQueryExecutionInput = {
      QueryString: sql,
      WorkGroup: this.options.workgroup,
      ClientRequestToken: clientRequestToken(submission.queryId, [this.options.workgroup, catalog, database, sql, JSON.stringify(executionParameters ?? [])]),
      ...(catalog || database ? { QueryExecutionContext: { ...(catalog ? { Catalog: catalog } : {}), ...(database ? { Database: database } : {}) } } : {}),
      ...(executionParameters?.length ? { ExecutionParameters: executionParameters } : {}),
      ...(this.options.outputLocation ? { ResultConfiguration: { OutputLocation: this.options.outputLocation } } : {}),
      ...(this.options.resultReuse?.enabled
        ? { ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: true, ...(this.options.resultReuse.maxAgeMinutes !== undefined ? { MaxAgeInMinutes: this.options.resultReuse.maxAgeMinutes } : {}) } } }
        : {}),
    };
    const hintsPromise = this.hintsFor(plan.select, plan.kind, session.catalog, session.schema);
    let executionId: string;
    try {
      const started = await this.athena.send(new StartQueryExecutionCommand(input));
      if (!started.QueryExecutionId) throw new Error('Athena returned no QueryExecutionId');
      executionId = started.QueryExecutionId;
    } catch (error) {
      hintsPromise.catch(() => undefined);
      throw this.submitError(error);
    }
    const hints = await hintsPromise;
    const handle: AthenaHandle = {
      v: 1,
      id: executionId,
      wg: this.options.workgroup,
      k: plan.kind,
      ...(plan.updateType ? { u: plan.updateType } : {}),
      ...(hints && Object.keys(hints).length ? { h: hints } : {}),
    };
    return { handle: encodeHandle(handle), state: 'QUEUED', engineQueryId: executionId };
  }

  private athenaCatalog(catalog: string | undefined): string | undefined {
    if (!catalog) return undefined;
    return this.catalogs[catalog.toLowerCase()] ?? catalog;
  }

  private submitError(error: unknown): Error {
    const e = error as { name?: string; message?: string; Reason?: string; AthenaErrorCode?: string };
    if (e?.name === 'TooManyRequestsException') {
      return new EngineBusyError(`Athena workgroup ${this.options.workgroup} is busy: ${e.message ?? 'too many requests'}`, e.Reason, { cause: error });
    }
    if (e?.name === 'InvalidRequestException') return new QueryFailure(athenaRequestError(e.message ?? 'Athena refused the query', e.AthenaErrorCode), { cause: error });
    return error instanceof Error ? error : new Error(String(error));
  }

  /** Complex-type hints for a SELECT: its own CASTs, and the table's columns when it reads one. */
  private async hintsFor(select: ReturnType<typeof planAthenaStatement>['select'], kind: string, sessionCatalog?: string, sessionSchema?: string): Promise<ComplexHints | undefined> {
    if (kind !== 'query' || !select) return undefined;
    let columns: CatalogColumn[] | undefined;
    if (this.options.tableTypes !== false && needsTableColumns(select)) {
      const parts = select.table!;
      const [catalog, schema, table] = parts.length === 3 ? parts : parts.length === 2 ? [sessionCatalog, parts[0], parts[1]] : [sessionCatalog, sessionSchema, parts[0]];
      if (schema && table) columns = await this.tableColumns(this.athenaCatalog(catalog) ?? 'AwsDataCatalog', schema, table);
    }
    return complexHints(select, columns);
  }

  private async tableColumns(catalog: string, database: string, table: string): Promise<CatalogColumn[] | undefined> {
    const timeout = this.options.metadataTimeoutMs ?? 2000;
    const lookup = async (): Promise<CatalogColumn[] | undefined> => {
      if (this.glue && catalog.toLowerCase() === 'awsdatacatalog') {
        const out = await this.glue.send(new GetTableCommand({ DatabaseName: database, Name: table }));
        const t = out.Table;
        const cols = [...(t?.StorageDescriptor?.Columns ?? []), ...(t?.PartitionKeys ?? [])];
        return cols.filter((c) => c.Name && c.Type).map((c) => ({ name: c.Name!, type: c.Type! }));
      }
      const out = await this.athena.send(new GetTableMetadataCommand({ CatalogName: catalog, DatabaseName: database, TableName: table, WorkGroup: this.options.workgroup }));
      const t = out.TableMetadata;
      const cols = [...(t?.Columns ?? []), ...(t?.PartitionKeys ?? [])];
      return cols.filter((c) => c.Name && c.Type).map((c) => ({ name: c.Name!, type: c.Type! }));
    };
    try {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const result = await Promise.race([lookup(), new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeout)))]);
      clearTimeout(timer);
      return result;
    } catch (error) {
      // Without metadata complex columns are declared varchar: still correct, just less typed.
      this.options.log?.warn('table metadata unavailable', { catalog, database, table, error: String(error) });
      return undefined;
    }
  }

  // ------------------------------------------------------------------ poll

  async poll(handleText: string, cursorText: string | undefined, options: PollOptions): Promise<EnginePage> {
    const handle = decodeHandle(handleText);
    if (cursorText !== undefined) return this.nextPage(handle, decodeCursor(cursorText), options);
    if (options.knownState === 'FINISHED') {
      // Served before by this process (a page cut to the byte cap is asked for again): no call.
      const known = this.facts.get(handle.id);
      if (known) return this.firstPage(handle, known, options);
    }
    const execution = await this.awaitExecution(handle, options);
    if (!execution) return { state: options.knownState && !isFinal(options.knownState) ? options.knownState : 'QUEUED' };
    const state = engineState(execution.Status);
    const stats = engineStats(execution.Statistics, execution.Status, this.now());
    if (state === 'QUEUED' || state === 'RUNNING') return { state, ...(stats ? { stats } : {}) };
    // Athena's own statistics of the final state: the poll that records the end records them too.
    const final = finalStatistics(execution);
    if (state === 'FAILED' || state === 'CANCELED') return { state, error: athenaQueryError(execution.Status), ...(stats ? { stats } : {}), ...final };
    const facts: ExecutionFacts = {
      ...(execution.StatementType ? { statementType: execution.StatementType } : {}),
      ...(execution.SubstatementType ? { substatementType: execution.SubstatementType } : {}),
      ...(execution.ResultConfiguration?.OutputLocation ? { outputLocation: execution.ResultConfiguration.OutputLocation } : {}),
      ...(execution.ResultConfiguration?.EncryptionConfiguration?.EncryptionOption ? { encryption: execution.ResultConfiguration.EncryptionConfiguration.EncryptionOption } : {}),
    };
    this.facts.set(handle.id, facts);
    const page = await this.firstPage(handle, facts, options);
    return { ...page, ...(stats ? { stats } : {}), ...final };
  }

  /**
   * The query's execution, read from Athena only when needed: not when a non-final state was
   * recorded moments ago (EventBridge keeps the item current), and while it runs a few spaced
   * calls within the poll's wait. A query already known FINISHED is read once, for its facts.
   * Undefined, after the wait, when the known state is still fresh once the wait is over.
   */
  private async awaitExecution(handle: AthenaHandle, options: PollOptions): Promise<QueryExecution | undefined> {
    const start = this.now();
    const deadline = start + Math.max(0, options.maxWaitMs);
    const interval = Math.max(50, this.options.statusIntervalMs ?? 500);
    const known = options.knownState;
    if (known && !isFinal(known) && options.knownStateAt !== undefined) {
      const freshUntil = options.knownStateAt + (this.options.freshStateMs ?? 300);
      if (freshUntil > start) {
        // The poll still waits its time: answered at once, a client asks again at once.
        if (freshUntil > deadline) {
          if (deadline > start) await this.sleep(deadline - start);
          return undefined;
        }
        await this.sleep(freshUntil - start);
      }
    }
    for (;;) {
      const out = await this.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: handle.id }));
      const execution = out.QueryExecution;
      if (!execution) throw new Error(`Athena returned no execution for ${handle.id}`);
      const state = engineState(execution.Status);
      if (isFinal(state) || known === 'FINISHED' || this.now() + interval >= deadline) return execution;
      await this.sleep(interval);
    }
  }

  private async firstPage(handle: AthenaHandle, facts: ExecutionFacts, options: PollOptions): Promise<EnginePage> {
    if (countsRows(handle.u, facts.substatementType)) return this.updatePage(handle, facts);
    if (handle.k === 'update') return this.ddlPage(handle, facts);
    if (facts.statementType === 'DML' && handle.k === 'query') {
      const location = csvLocation(facts.outputLocation);
      if (location && this.fastPathOn() && facts.encryption !== 'CSE_KMS' && !this.isUnreadable(location.bucket)) {
        try {
          return await this.csvPage(handle, { p: 'csv', o: 0, n: -1, l: facts.outputLocation!, ...(handle.h ? { h: handle.h } : {}) }, options, true);
        } catch (error) {
          if (!(error instanceof CsvUnavailableError)) throw error;
          this.unreadable.set(location.bucket, this.now() + 5 * 60_000);
          this.options.log?.warn('result file unreadable, using GetQueryResults', { executionId: handle.id, error: error.message });
        }
      }
      return this.apiPage(handle, undefined, handle.h, options, facts.statementType);
    }
    return this.utilityPage(handle, undefined, facts, options);
  }

  private fastPathOn(): boolean {
    return !!this.s3 && this.options.csvFastPath !== false;
  }

  private isUnreadable(bucket: string): boolean {
    const until = this.unreadable.get(bucket);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.unreadable.delete(bucket);
    return false;
  }

  private async nextPage(handle: AthenaHandle, cursor: AthenaCursor, options: PollOptions): Promise<EnginePage> {
    if (cursor.p === 'csv') return this.csvPage(handle, cursor, options, false);
    if (cursor.x || (handle.k !== 'query' && handle.k !== 'update')) return this.utilityPage(handle, cursor.t, this.facts.get(handle.id) ?? {}, options);
    return this.apiPage(handle, cursor.t, cursor.h, options, undefined);
  }

  private async results(handle: AthenaHandle, nextToken: string | undefined, maxResults: number): Promise<GetQueryResultsOutput> {
    try {
      return await this.athena.send(new GetQueryResultsCommand({ QueryExecutionId: handle.id, MaxResults: maxResults, ...(nextToken !== undefined ? { NextToken: nextToken } : {}) }));
    } catch (error) {
      const e = error as { name?: string; message?: string };
      if (e?.name === 'InvalidRequestException' && RESULTS_GONE.test(e.message ?? '')) throw new ResultsExpiredError(`Athena no longer has the results of ${handle.id}: ${e.message}`, RESULTS_KEPT, { cause: error });
      if (e?.name === 'InvalidRequestException') throw QueryFailure.of('GENERIC_INTERNAL_ERROR', `Athena could not return the results: ${e.message ?? ''}`.trim());
      throw error;
    }
  }

  private apiRows(options: PollOptions): number {
    return Math.max(1, Math.min(1000, this.options.apiPageRows ?? 1000, options.maxRows));
  }

  /** A SELECT page from GetQueryResults. */
  private async apiPage(handle: AthenaHandle, token: string | undefined, hints: ComplexHints | undefined, options: PollOptions, statementType: string | undefined): Promise<EnginePage> {
    const out = await this.results(handle, token, this.apiRows(options));
    const info = out.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
    let raw = rawRows(out);
    if (token === undefined && skipsHeaderRow(true, statementType, raw[0], info)) raw = raw.slice(1);
    let types;
    let kept = hints;
    if (token === undefined) ({ types, hints: kept } = settleTypes(info, hints, raw));
    else types = resultTypes(info, hints);
    const rows = decodeOrFail(types, raw);
    return {
      state: 'FINISHED',
      columns: engineColumns(info, types),
      rows,
      ...(out.NextToken ? { nextCursor: encodeCursor({ p: 'api', t: out.NextToken, ...(kept ? { h: kept } : {}) }) } : {}),
    };
  }

  /** A SELECT page from the result CSV. */
  private async csvPage(handle: AthenaHandle, cursor: Extract<AthenaCursor, { p: 'csv' }>, options: PollOptions, first: boolean): Promise<EnginePage> {
    const location = csvLocation(cursor.l);
    if (!location || !this.s3) throw QueryFailure.of('GENERIC_INTERNAL_ERROR', 'The result file of this query cannot be read');
    const info = await this.columnInfo(handle);
    // A spooled poll asks for far larger pages (PollOptions.maxBytes); the cursor keeps their reading size.
    const pageBytes = options.maxBytes ?? this.options.pageBytes ?? 400_000;
    const request = {
      location,
      offset: cursor.o,
      ...(cursor.n >= 0 ? { size: cursor.n } : {}),
      ...(cursor.e ? { etag: cursor.e } : {}),
      columns: info.length,
      maxRows: options.maxRows,
      pageBytes,
      readBytes: cursor.r ?? this.options.csvReadBytes ?? pageBytes,
    };
    let page;
    try {
      // Rows the gateway only passes on (spooled segments) are written as JSON straight from the
      // file, unless complex-type hints must first be checked against the values (settleTypes).
      if (options.jsonRows && !cursor.h) {
        const types = resultTypes(info, undefined);
        const json = await readCsvJsonPage(this.s3, request, csvJsonPlan(types, options.jsonRows.millisecondDatetimes)).catch(decodeFailure);
        if (json !== NOT_TRANSCODED) return csvResultPage(info, types, json.rows, nextCsvCursor(cursor, json, json.rows.count > 0, options));
      }
      page = await readCsvPage(this.s3, request);
    } catch (error) {
      if (first || !(error instanceof CsvUnavailableError)) throw error;
      // Read before, gone now: the results bucket's lifecycle removed it.
      if (isMissingObject(error.cause)) throw new ResultsExpiredError(`The result file of ${handle.id} is gone: ${error.message}`, RESULTS_KEPT, { cause: error });
      throw QueryFailure.of('GENERIC_INTERNAL_ERROR', `The result file can no longer be read: ${error.message}`);
    }
    let types;
    let kept = cursor.h;
    if (first) ({ types, hints: kept } = settleTypes(info, cursor.h, page.rows));
    else types = resultTypes(info, cursor.h);
    const rows = decodeOrFail(types, page.rows);
    return csvResultPage(info, types, rows, nextCsvCursor({ ...cursor, ...(kept ? { h: kept } : {}) }, page, rows.length > 0, options));
  }

  /** Column metadata for CSV pages: from memory, else one GetQueryResults row. */
  private async columnInfo(handle: AthenaHandle): Promise<ColumnInfo[]> {
    const cached = this.columns.get(handle.id);
    if (cached) return cached;
    const out = await this.results(handle, undefined, 1);
    const info = out.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
    this.columns.set(handle.id, info);
    return info;
  }

  /** INSERT, CTAS, UPDATE, DELETE, MERGE: Trino's `rows` column with Athena's UpdateCount. */
  private async updatePage(handle: AthenaHandle, facts: ExecutionFacts): Promise<EnginePage> {
    const out = await this.results(handle, undefined, 1);
    const count = out.UpdateCount ?? 0;
    const type = handle.u ?? updateTypeFromSubstatement(facts.substatementType) ?? 'INSERT';
    return { state: 'FINISHED', columns: [ROWS_COLUMN], rows: [[count]], update: { type, count } };
  }

  /** DDL without a row count: Trino's `result` column, true. */
  private async ddlPage(handle: AthenaHandle, facts: ExecutionFacts): Promise<EnginePage> {
    const type = handle.u ?? updateTypeFromSubstatement(facts.substatementType) ?? 'DDL';
    const out = await this.results(handle, undefined, 1);
    const info = out.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
    if (out.UpdateCount !== undefined && info.length === 1 && info[0]!.Name === 'rows') {
      return { state: 'FINISHED', columns: [ROWS_COLUMN], rows: [[out.UpdateCount]], update: { type, count: out.UpdateCount } };
    }
    return { state: 'FINISHED', columns: [RESULT_COLUMN], rows: [[true]], update: { type } };
  }

  /** SHOW, DESCRIBE and other DDL/UTILITY output, shaped as Trino answers it. */
  private async utilityPage(handle: AthenaHandle, token: string | undefined, facts: ExecutionFacts, options: PollOptions): Promise<EnginePage> {
    const maxResults = this.apiRows(options);
    if (shapesWholeOutput(handle.k)) {
      const raw: RawValue[][] = [];
      let info: ColumnInfo[] = [];
      let next: string | undefined;
      for (let i = 0; i < WHOLE_OUTPUT_MAX_PAGES; i++) {
        const out = await this.results(handle, next, maxResults);
        info = out.ResultSet?.ResultSetMetadata?.ColumnInfo ?? info;
        raw.push(...rawRows(out));
        next = out.NextToken;
        if (!next) break;
      }
      const shaped = shapeUtility(handle.k, info, raw);
      return { state: 'FINISHED', ...shaped };
    }
    const out = await this.results(handle, token, maxResults);
    const info = out.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
    const raw = rawRows(out);
    if (token === undefined && info.length === 0 && raw.length === 0) {
      const type = handle.u ?? updateTypeFromSubstatement(facts.substatementType) ?? 'DDL';
      return { state: 'FINISHED', columns: [RESULT_COLUMN], rows: [[true]], update: { type } };
    }
    const shaped = shapeUtility(handle.k, info, raw);
    return { state: 'FINISHED', ...shaped, ...(out.NextToken ? { nextCursor: encodeCursor({ p: 'api', t: out.NextToken, x: 1 }) } : {}) };
  }

  // ------------------------------------------------------------------ cancel, health

  async cancel(handleText: string): Promise<void> {
    const handle = decodeHandle(handleText);
    try {
      await this.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: handle.id }));
    } catch (error) {
      // Stopping a query that already ended is not an error worth reporting.
      if ((error as { name?: string })?.name !== 'InvalidRequestException') throw error;
    }
  }

  async health(): Promise<EngineHealth> {
    try {
      const out = await this.athena.send(new GetWorkGroupCommand({ WorkGroup: this.options.workgroup }));
      const state = out.WorkGroup?.State;
      return state === 'ENABLED' ? { healthy: true } : { healthy: false, detail: `workgroup ${this.options.workgroup} is ${state ?? 'unknown'}` };
    } catch (error) {
      return { healthy: false, detail: `workgroup ${this.options.workgroup}: ${(error as Error)?.message ?? String(error)}` };
    }
  }
}

function rawRows(out: GetQueryResultsOutput): RawValue[][] {
  const rows = out.ResultSet?.Rows ?? [];
  const result = new Array<RawValue[]>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const data = rows[i]!.Data ?? [];
    const values = new Array<RawValue>(data.length);
    for (let j = 0; j < data.length; j++) values[j] = data[j]!.VarCharValue;
    result[i] = values;
  }
  return result;
}

type CsvCursor = Extract<AthenaCursor, { p: 'csv' }>;

/** The cursor after a page of the result file; undefined after its last rows unless the poll asked for an end cursor. */
function nextCsvCursor(cursor: CsvCursor, page: { nextOffset: number; size: number; etag?: string; readBytes: number }, hadRows: boolean, options: PollOptions): string | undefined {
  // Asked for (PollOptions.endCursor), the last rows get a cursor at the file's end too: the final answer reads nothing.
  const more = page.nextOffset < page.size || (options.endCursor === true && hadRows);
  if (!more) return undefined;
  return encodeCursor({ p: 'csv', o: page.nextOffset, n: page.size, l: cursor.l, ...(page.etag ? { e: page.etag } : {}), r: page.readBytes, ...(cursor.h ? { h: cursor.h } : {}) });
}

function csvResultPage(info: ColumnInfo[], types: SqlType[], rows: unknown[][] | JsonRows, nextCursor: string | undefined): EnginePage {
  return {
    state: 'FINISHED',
    columns: engineColumns(info, types),
    ...(Array.isArray(rows) ? { rows } : { jsonRows: rows }),
    ...(nextCursor !== undefined ? { nextCursor } : {}),
  };
}

/** A value the transcoder's decoders refuse fails the query as a decoding failure does. */
function decodeFailure(error: unknown): never {
  if (error instanceof DecodeError) throw new QueryFailure(queryError('GENERIC_INTERNAL_ERROR', `Could not decode Athena's result: ${error.message}`), { cause: error });
  throw error;
}

/** Decodes a page's raw rows, which the engine owns and needs no more: in place. */
function decodeOrFail(types: Parameters<typeof decodeRows>[0], raw: RawValue[][]): unknown[][] {
  try {
    return decodeRows(types, raw, true);
  } catch (error) {
    return decodeFailure(error);
  }
}

export type { EngineStats };

/** Builds the engine of one Athena target. */
export function createAthenaEngine(options: AthenaEngineOptions): AthenaEngine {
  return new AthenaEngine(options);
}

/** The statistics of a final execution as tracking records them, with its statement type. */
function finalStatistics(execution: QueryExecution): Pick<EnginePage, 'statistics' | 'statementType'> {
  const status = statusOf(execution);
  if (!status?.statistics) return {};
  return { statistics: status.statistics, ...(status.statementType ? { statementType: status.statementType } : {}) };
}
