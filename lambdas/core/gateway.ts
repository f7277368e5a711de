import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isEngineBusy, type Engine, type EngineInspection, type EnginePage, type EngineSubmission } from './engines/engine.js';
import { parseKillQuery, type KillQuery } from './engines/cluster/kill-query.js';
import { bindParameters, tokenize } from './protocol/lexer.js';
import { GatewayError, QueryFailure, queryError, type QueryError } from './errors.js';
import { header, jsonResponse, textResponse, type GatewayRequest, type GatewayResponse } from './http.js';
import type { AccessControl, Analysis, AnalysisProblem, Analyzer, Authenticator, Principal, Router, TableAccess } from './ports.js';
import type { MetadataService } from './metadata/answer.js';
import { detectDialect, readSession, sessionUpdateHeaders, type ClientSession, type Dialect } from './protocol/headers.js';
import { rowEncoder } from './protocol/encode.js';
import { PageTokenSigner, type PageToken } from './protocol/page-token.js';
import { isQueryId, newQueryId } from './protocol/query-id.js';
import { queryResultsJson, type QueryResultsParts } from './protocol/results.js';
import { column, parseType, type Column, type SqlType, withoutDatetimePrecision, formatType } from './protocol/sql-types.js';
import { bindStatement } from './protocol/parameters.js';
import { planStatement, tooComplex, type Plan } from './protocol/statements.js';
import { FINAL_STATES, isRecordTooLarge, type GatewayResult, type QueryRecord, type QueryStore } from './stores/query-store.js';
import { pollWaitingQuery, routeInArrivalOrder, routingAnalysis, storedRoutingRequest, waitingLiveWindowMs } from './routing/queueing.js';

export interface GatewayConfig {
  /** Reported by /v1/info; JDBC shows it as the database product version. */
  version: string;
  environment: string;
  /** The URL clients reach the gateway on; when absent, taken from the request. */
  publicBaseUrl?: string;
  /** HMAC key for nextUri tokens (at least 32 bytes). */
  pageTokenKey: string | Buffer;
  /** Upper bound on a page's JSON; keeps Lambda answers under the ALB's 1 MB. */
  maxPageBytes: number;
  /** Upper bound on rows fetched from an engine for one page. */
  maxRowsPerPage: number;
  /** Long-poll wait for state changes or data. */
  pollWaitMs: number;
  /** Athena's limit on query text, applied to every engine. */
  maxSqlBytes: number;
  /** How often a poll records that the client is still there (one write per interval). */
  pollTouchIntervalMs: number;
  /** How long history is kept (expiresAt on the item). */
  historyRetentionDays: number;
}

export const DEFAULT_GATEWAY_CONFIG: Omit<GatewayConfig, 'pageTokenKey'> = Object.freeze({
  version: '476-bifrost',
  environment: 'bifrost',
  maxPageBytes: 480_000,
  maxRowsPerPage: 20_000,
  pollWaitMs: 1_000,
  maxSqlBytes: 262_144,
  pollTouchIntervalMs: 30_000,
  historyRetentionDays: 30,
});

export interface Logger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface GatewayDeps {
  config: GatewayConfig;
  store: QueryStore;
  /** The engine that serves a target, undefined for an unknown target. */
  engineFor(target: string): Engine | undefined;
  router: Router;
  authenticator: Authenticator;
  accessControl: AccessControl;
  analyzer?: Analyzer;
  /** Brings run-time changes of the access rules in (see acl/runtime.ts); called before each check. */
  refreshAccess?: () => Promise<void>;
  /**
   * Catalog browsing (system.jdbc, SHOW, DESCRIBE, information_schema) answered by the gateway
   * for the targets that lack it (Athena, the local engine); undefined for targets that answer
   * it themselves (Presto/Trino clusters).
   */
  metadataFor?(target: string): MetadataService | undefined;
  clock?: () => number;
  log?: Logger;
}

export interface Gateway {
  handle(request: GatewayRequest): Promise<GatewayResponse>;
  /**
   * Admin API: cancels a query wherever it runs, as a client's DELETE does. Answers the item as it
   * was (unchanged when already final), undefined for an unknown id; a GatewayError (503) when the engine could not stop it.
   */
  cancel(queryId: string, reason: string, error: QueryError): Promise<QueryRecord | undefined>;
}

const STATEMENT_PATH = /^\/v1\/statement\/(queued|executing)\/([^/]+)\/([^/]+)\/([^/]+)$/;
const QUERY_PATH = /^\/v1\/query\/([^/]+)$/;
const silent: Logger = { info() {}, warn() {}, error() {} };

export function createGateway(deps: GatewayDeps): Gateway {
  const config = Object.freeze({ ...deps.config });
  const signer = new PageTokenSigner(config.pageTokenKey);
  const now = deps.clock ?? Date.now;
  const log = deps.log ?? silent;

  async function handle(request: GatewayRequest): Promise<GatewayResponse> {
    try {
      const response = await route(request);
      return compress(request, response);
    } catch (error) {
      if (error instanceof GatewayError) return textResponse(error.httpStatus, error.message, error.headers);
      log.error('unexpected error', { error: String(error), path: request.path, method: request.method });
      return textResponse(500, 'Internal error in the gateway');
    }
  }

  async function route(request: GatewayRequest): Promise<GatewayResponse> {
    const { method, path } = request;
    if (path === '/v1/statement') {
      if (method === 'POST') return postStatement(request);
      if (method === 'HEAD') return headStatement(request);
      return methodNotAllowed('POST, HEAD');
    }
    const statement = STATEMENT_PATH.exec(path);
    if (statement) {
      const [, , queryId, payload, signature] = statement as unknown as [string, string, string, string, string];
      if (method === 'GET') return pollStatement(request, queryId, payload, signature);
      if (method === 'DELETE') return cancelStatement(request, queryId, payload, signature);
      return methodNotAllowed('GET, DELETE');
    }
    if (path === '/v1/info') {
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed('GET');
      return jsonResponse(200, JSON.stringify({ nodeVersion: { version: config.version }, environment: config.environment, coordinator: true, starting: false, uptime: uptime() }));
    }
    if (path === '/v1/info/state') return jsonResponse(200, '"ACTIVE"');
    const query = QUERY_PATH.exec(path);
    if (query && method === 'DELETE') return killQuery(request, query[1]!);
    return textResponse(404, `Not found: ${method} ${path}`);
  }

  function methodNotAllowed(allow: string): GatewayResponse {
    return textResponse(405, 'Method not allowed', { Allow: [allow] });
  }

  async function authenticate(request: GatewayRequest): Promise<Principal> {
    const result = await deps.authenticator.authenticate(request);
    if (result.ok) return result.principal;
    throw new GatewayError(result.status, result.message, result.challenge?.length ? { 'WWW-Authenticate': result.challenge } : {});
  }

  async function headStatement(request: GatewayRequest): Promise<GatewayResponse> {
    await authenticate(request);
    return { status: 200, headers: {}, body: '' };
  }

  function baseUrl(request: GatewayRequest): string {
    return (config.publicBaseUrl ?? request.baseUrl).replace(/\/+$/, '');
  }

  // ---------------------------------------------------------------- POST /v1/statement

  async function postStatement(request: GatewayRequest): Promise<GatewayResponse> {
    const principal = await authenticate(request);
    // The authenticator has checked the user header against the principal (impersonation rules);
    // a client that sends only credentials (curl -u) runs as the authenticated user.
    const session = readSession(request.headers, undefined, principal.user);
    session.user = principal.user;
    const sql = decodeSql(request.body);
    const created = now();
    const queryId = newQueryId(created);
    const record: QueryRecord = {
      queryId,
      user: principal.user,
      ...(principal.authenticatedUser && principal.authenticatedUser !== principal.user ? { authenticatedUser: principal.authenticatedUser } : {}),
      // Admin dashboard: per-group counts use the groups the user had at submit time.
      groups: [...principal.groups],
      source: session.source,
      dialect: session.dialect,
      sql,
      sqlDigest: createHash('sha256').update(sql).digest('hex'),
      state: 'QUEUED',
      createdAt: created,
      updatedAt: created,
      expiresAt: Math.floor(created / 1000) + config.historyRetentionDays * 86_400,
    };
    let plan: Plan | undefined;
    try {
      if (Buffer.byteLength(sql, 'utf8') > config.maxSqlBytes) {
        throw QueryFailure.of('QUERY_TEXT_TOO_LARGE', `Query text length (${Buffer.byteLength(sql, 'utf8')}) exceeds the maximum length (${config.maxSqlBytes})`);
      }
      plan = planStatement(sql, session);
      record.kind = plan.kind === 'query' ? (plan.updateType ?? 'SELECT') : plan.kind === 'session' ? plan.updateType : 'DESCRIBE INPUT';
      const kill = plan.kind === 'query' ? parseKillQuery(plan.sql) : undefined;
      if (kill) record.result = await killFromSql(kill, principal);
      else if (plan.kind === 'query') await admit(record, plan, principal, session);
      else record.result = gatewayResult(plan);
      if (record.result) {
        record.state = 'FINISHED';
        record.endedAt = created;
      }
    } catch (error) {
      // Deep input can exhaust the stack of a parser on the way: a user error, never a 500.
      if (isStackOverflow(error)) fail(record, tooComplex().error);
      else if (!(error instanceof QueryFailure)) throw error;
      else fail(record, error.error);
    }
    if (record.result) record.result = compactResult(record.result);
    try {
      try {
        await deps.store.create(record);
      } catch (error) {
        if (!isRecordTooLarge(error)) throw error;
        // Even compressed, the item cannot hold this statement: keep the attempt in history with
        // the start of its text, failed with a clear answer (nothing was submitted yet).
        log.warn('query item too large; recording a shortened text', { queryId, sqlChars: sql.length });
        shorten(record);
        await deps.store.create(record);
      }
    } catch (error) {
      // Without the item no poll can find the query: answer a final failure, never a 5xx to a POST.
      log.error('could not record query', { queryId, error: String(error) });
      if (record.engineHandle) await cancelQuietly(record);
      return queryResponse(request, session.dialect, {
        ...baseParts(request, record),
        state: 'FAILED',
        error: queryError('GENERIC_INTERNAL_ERROR', 'The gateway could not record the query; try again'),
      });
    }
    if (plan?.kind === 'query' && record.target && !record.engineHandle && record.state === 'QUEUED') await submit(record);
    return queryResponse(request, session.dialect, {
      ...baseParts(request, record),
      state: 'QUEUED',
      nextUri: nextUri(request, record, 'queued', { n: 0 }),
    });
  }

  function decodeSql(body: Buffer): string {
    let sql: string;
    try {
      sql = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      throw new GatewayError(400, 'Query text is not valid UTF-8');
    }
    if (sql.trim() === '') throw new GatewayError(400, 'SQL statement is empty');
    return sql;
  }

  /** Analysis, access control and routing: decides where the query runs, or fails it. */
  async function admit(record: QueryRecord, plan: Extract<Plan, { kind: 'query' }>, principal: Principal, session: ClientSession): Promise<void> {
    // What the engine will run, and so what is analyzed and checked: the statement with its
    // parameters written in (protocol/parameters.ts), the DESCRIBE OUTPUT wrapper included.
    const engineSql = plan.describeOutput ? describeOutputSql(plan.sql) : bindStatement(plan.sql, plan.parameters);
    let analysis: Analysis | undefined;
    if (deps.analyzer) {
      analysis = analyzeSafely(deps.analyzer, engineSql, session);
      record.access = {
        tables: analysis.tables,
        ...(analysis.indirectTables?.length ? { indirectTables: analysis.indirectTables } : {}),
        ok: analysis.ok,
        ...(analysis.error ? { error: analysis.error } : {}),
      };
    }
    await deps.refreshAccess?.();
    if (deps.accessControl.enforcing) {
      if (!analysis || !analysis.ok) {
        const problem = analysis ? problemOf(analysis) : undefined;
        record.access = { ...record.access, allowed: false, reason: 'statement could not be analyzed', ...(problem ? { problem } : {}) };
        // A typo answers as Trino answers it (the position reveals nothing); too much nesting is a
        // plain user error. Any other failure to analyze is a denial.
        if (problem?.kind === 'syntax') throw syntaxError(problem);
        if (problem?.kind === 'too-complex') throw tooComplex(problem.message);
        throw QueryFailure.of('PERMISSION_DENIED', `Access Denied: the statement could not be analyzed, and access rules apply${analysis?.error ? ` (${publicReason(analysis.error)})` : ''}`);
      }
      const decision = deps.accessControl.check(principal, analysis);
      record.access = { ...record.access, allowed: decision.allowed, ...(decision.rule ? { rule: decision.rule } : {}), ...(decision.allowed ? {} : { reason: decision.reason }) };
      if (!decision.allowed) throw QueryFailure.of('PERMISSION_DENIED', `Access Denied: ${decision.reason}`);
    }
    // Routing (issue 5): rules pick a routing group, its fallback chain a target. A query never
    // starts ahead of older queries waiting in its group; when it must wait, the item keeps the
    // group and the routing facts, and polls route it again (routing/queueing.ts).
    const routingRequest = { principal, session, analysis: routingAnalysis(analysis, record.kind) };
    const decision = await routeInArrivalOrder(deps, routingRequest, record, now(), waitingLiveWindowMs(config));
    record.routing = { ...decision };
    if (decision.outcome === 'deny') throw QueryFailure.of('QUERY_REJECTED', `Query rejected by routing: ${decision.reasons[0] ?? 'no reason given'}`);
    record.routingGroup = decision.group;
    record.sessionJson = JSON.stringify(sessionForEngine(session, plan, engineSql, record.sql));
    if (decision.outcome === 'target') {
      record.target = decision.target;
      const metadata = deps.metadataFor?.(decision.target);
      const answered = metadata && !plan.describeOutput ? await metadata.answer(engineSql, session, principal) : undefined;
      if (answered) {
        record.result = answered;
        delete record.sessionJson;
        return;
      }
      const engine = deps.engineFor(decision.target);
      if (engine) await crossCheck(record, engine, submissionOf(record), principal);
    } else {
      record.waitingGroup = decision.group;
      record.routingRequest = storedRoutingRequest(routingRequest);
    }
  }

  /**
   * The engine's own reading of the statement against the gateway's (issue 17), when the engine
   * offers one and access rules apply: a table the engine reads that the analysis did not see, a
   * refusal, or a table reached through a view that the user may not read denies the query. The
   * outcome is kept on the item's access record, for history and audit.
   */
  async function crossCheck(record: QueryRecord, engine: Engine, submission: EngineSubmission, principal: Principal): Promise<void> {
    if (!engine.inspect || !deps.accessControl.enforcing) return;
    const started = performance.now();
    const outcome: Record<string, unknown> = { target: record.target };
    const done = (allowed: boolean, reason?: string) => {
      Object.assign(outcome, { allowed, ...(reason ? { reason } : {}), ms: Math.round((performance.now() - started) * 1000) / 1000 });
      record.access = { ...record.access, crossCheck: outcome };
    };
    let inspection: EngineInspection;
    try {
      inspection = await engine.inspect(submission);
    } catch (error) {
      // The engine could not read the statement: it could not run it either. Its own error (a
      // syntax error in its dialect) is the answer; anything else fails closed.
      if (error instanceof QueryFailure) {
        done(false, `the engine refused the statement: ${error.error.message}`);
        throw error;
      }
      log.warn('engine inspection failed', { queryId: record.queryId, target: record.target, error: String((error as Error)?.message ?? error) });
      done(false, 'the engine could not read the statement to check it');
      throw QueryFailure.of('PERMISSION_DENIED', 'Access Denied: the engine could not read the statement to check it against the access rules');
    }
    outcome.tables = inspection.tables.map((parts) => parts.join('.'));
    if (inspection.viewTables?.length) outcome.viewTables = inspection.viewTables.map((v) => ({ view: v.view.join('.'), table: v.table.join('.') }));
    if (inspection.refusal !== undefined) {
      done(false, inspection.refusal);
      throw QueryFailure.of('PERMISSION_DENIED', inspection.refusal.startsWith('Access Denied') ? inspection.refusal : `Access Denied: ${inspection.refusal}`);
    }
    const seen = new Set(analyzedTables(record).map((parts) => key(parts)));
    const unseen = inspection.tables.find((parts) => !seen.has(key(parts)));
    if (unseen) {
      const reason = `the engine reads ${unseen.join('.')}, which the access check did not see`;
      done(false, reason);
      throw QueryFailure.of('PERMISSION_DENIED', `Access Denied: ${reason}`);
    }
    for (const { view, table } of inspection.viewTables ?? []) {
      const name = table.join('.');
      const read: TableAccess = { name, parts: table.map((p) => p.toLowerCase()), access: 'read', columns: [], allColumns: true, operations: ['select'] };
      const decision = deps.accessControl.check(principal, { ok: true, kind: 'select', statement: 'query', tables: [read] });
      if (!decision.allowed) {
        const reason = `${decision.reason} (read through view ${view.join('.')})`;
        done(false, reason);
        throw QueryFailure.of('PERMISSION_DENIED', `Access Denied: ${reason}`);
      }
    }
    done(true);
  }

  /** What the engine is asked to run for a query item (also what its cross-check inspects). */
  function submissionOf(record: QueryRecord): EngineSubmission {
    const stored = JSON.parse(record.sessionJson ?? '{}') as StoredSession;
    const plan = stored.plan;
    let sql: string;
    let parameters: string[] = [];
    if (plan.v === 2) sql = plan.sql ?? record.sql.slice(0, plan.sqlLength);
    else {
      // Items written before parameters were bound at the gateway (a deploy while they waited).
      sql = plan.describeOutput ? describeOutputSql(plan.sql!) : plan.sql!;
      parameters = plan.describeOutput ? [] : (record.parameters ?? []);
    }
    return { queryId: record.queryId, sql, parameters, session: stored, target: record.target! };
  }

  function sessionForEngine(session: ClientSession, plan: Extract<Plan, { kind: 'query' }>, engineSql: string, text: string) {
    // Extra credentials are secrets of the client: they never go into the query item. The text
    // to run is kept once: when it is the start of the statement text, only its length.
    const { extraCredentials: _secrets, preparedStatements: _prepared, ...rest } = session;
    const sql = text.startsWith(engineSql) ? { sqlLength: engineSql.length } : { sql: engineSql };
    return { ...rest, extraCredentials: {}, preparedStatements: {}, plan: { v: 2, ...sql, describeOutput: plan.describeOutput ?? false, updateType: plan.updateType } };
  }

  function gatewayResult(plan: Exclude<Plan, { kind: 'query' }>): GatewayResult {
    if (plan.kind === 'describe-input') {
      const rows = Array.from({ length: plan.parameterCount }, (_, i) => [i, 'unknown']);
      return { columns: [{ name: 'Position', type: 'bigint' }, { name: 'Type', type: 'varchar' }], rows: rows.map((r) => JSON.stringify(r)) };
    }
    return { columns: [{ name: 'result', type: 'boolean' }], rows: ['[true]'], updateType: plan.updateType, sessionUpdate: plan.update };
  }

  function fail(record: QueryRecord, error: QueryError): void {
    record.state = 'FAILED';
    record.error = error;
    record.endedAt = now();
  }

  /** Submits a query that has a target but no engine handle yet. */
  async function submit(record: QueryRecord): Promise<void> {
    const engine = deps.engineFor(record.target!);
    let checkedNow = false;
    try {
      if (!engine) throw QueryFailure.of('CONFIGURATION_INVALID', `Target ${record.target} is not configured`);
      const submission = submissionOf(record);
      if (engine.inspect && (record.access?.crossCheck as { target?: string } | undefined)?.target !== record.target) {
        // A query that waited at the gateway got its target only now: cross-check it there.
        await deps.refreshAccess?.();
        if (deps.accessControl.enforcing) {
          checkedNow = true;
          await crossCheck(record, engine, submission, storedPrincipal(record));
          await deps.store.recordAccess?.(record.queryId, record.access ?? {});
        }
      }
      const submitted = await engine.submit(submission);
      let attached: boolean;
      try {
        attached = await deps.store.attachHandle(record.queryId, record.target!, submitted.handle, submitted.engineQueryId);
      } catch (cause) {
        // The engine runs a query the item does not know of: nothing could track or cancel it
        // later. Stop it now and fail the query cleanly; the client may run it again.
        log.warn('could not record the engine handle; stopping the query', { queryId: record.queryId, error: String(cause) });
        await engine.cancel(submitted.handle).catch((error: unknown) => log.warn('engine cancel failed', { queryId: record.queryId, error: String(error) }));
        throw QueryFailure.of('GENERIC_INTERNAL_ERROR', 'The gateway could not record the start of the query, so it was stopped; run it again');
      }
      if (attached) {
        record.engineHandle = submitted.handle;
        if (submitted.engineQueryId) record.engineQueryId = submitted.engineQueryId;
      } else {
        // Another poll submitted it first: ours is a duplicate and must not run.
        await engine.cancel(submitted.handle).catch(() => undefined);
        const current = await deps.store.get(record.queryId);
        if (current) Object.assign(record, current);
      }
    } catch (error) {
      if (isEngineBusy(error)) {
        // No room on the engine right now (Athena's TooManyRequests): the query stays QUEUED
        // without a handle, and the next poll submits it again. Nothing is lost.
        log.info('engine busy, query stays queued', { queryId: record.queryId, target: record.target });
        return;
      }
      const failure = error instanceof QueryFailure ? error.error : queryError('GENERIC_INTERNAL_ERROR', `The engine refused the query: ${String((error as Error)?.message ?? error)}`);
      log.warn('submit failed', { queryId: record.queryId, target: record.target, errorName: failure.errorName });
      fail(record, failure);
      // If this write fails too, the item stays QUEUED without a handle and the next poll submits again.
      await deps.store.transition(record.queryId, { state: 'FAILED', error: failure, ...(checkedNow && record.access ? { access: record.access } : {}) }, now()).catch((cause: unknown) => log.warn('could not record the failure', { queryId: record.queryId, error: String(cause) }));
    }
  }

  // ---------------------------------------------------------------- GET nextUri

  /**
   * The signed nextUri is the capability, as in Trino (whose executing endpoints are public):
   * presto-client, for one, sends no user on its GETs. The token is bound to the query and its
   * user; a request that names a different user is answered as if the query did not exist.
   */
  async function loadForPoll(request: GatewayRequest, queryId: string, payload: string, signature: string): Promise<{ record: QueryRecord; token: PageToken }> {
    let record: QueryRecord | undefined;
    try {
      record = await deps.store.get(queryId);
    } catch (error) {
      // Clients retry GETs on 503: a store hiccup must not fail the query.
      log.warn('store read failed', { queryId, error: String(error) });
      throw new GatewayError(503, 'Query state is temporarily unavailable; retry');
    }
    const token = record ? signer.verify(queryId, record.user, payload, signature) : undefined;
    const user = pollUser(request);
    if (!record || !token || (user !== undefined && user !== record.user)) throw new GatewayError(404, 'Query not found');
    if (!deps.authenticator.trustsUserHeader && !owns(await authenticate(request), record)) throw new GatewayError(404, 'Query not found');
    return { record, token };
  }

  /** The query's user, or whoever authenticated to run it as that user. */
  function owns(principal: Principal, record: QueryRecord): boolean {
    return principal.user === record.user || (principal.authenticatedUser ?? principal.user) === (record.authenticatedUser ?? record.user);
  }

  function pollUser(request: GatewayRequest): string | undefined {
    const dialect = detectDialect(request.headers) ?? 'trino';
    return header(request, `x-${dialect}-user`);
  }

  async function pollStatement(request: GatewayRequest, queryId: string, payload: string, signature: string): Promise<GatewayResponse> {
    const { record, token } = await loadForPoll(request, queryId, payload, signature);
    const parts = baseParts(request, record);
    if (record.result) return gatewayResultResponse(request, record, parts, token);
    if (record.state !== 'FINISHED' && FINAL_STATES.includes(record.state)) return failedResponse(request, record, parts);
    if (!record.engineHandle) {
      // Issue 5: a query waiting at the gateway (no target yet) is routed again on each poll and
      // submitted once a target has room for it, in arrival order (routing/queueing.ts).
      if (!record.target && record.waitingGroup !== undefined) {
        const ctx = { router: deps.router, store: deps.store, now, liveWindowMs: waitingLiveWindowMs(config), pollWaitMs: config.pollWaitMs, pollTouchIntervalMs: config.pollTouchIntervalMs };
        await pollWaitingQuery({ ...ctx, submit: () => submit(record) }, record);
      } else if (record.target) await submit(record);
      if (record.state === 'FAILED') return failedResponse(request, record, parts);
      return queryResponse(request, record.dialect, { ...parts, state: 'QUEUED', nextUri: nextUri(request, record, 'queued', { n: token.n + 1 }) });
    }
    const engine = deps.engineFor(record.target!);
    let page: EnginePage;
    try {
      if (!engine) throw QueryFailure.of('CONFIGURATION_INVALID', `Target ${record.target} is no longer configured`);
      page = await engine.poll(record.engineHandle, token.c, { maxWaitMs: config.pollWaitMs, maxRows: config.maxRowsPerPage, knownState: record.state, knownStateAt: record.updatedAt });
    } catch (error) {
      if (!(error instanceof QueryFailure)) {
        // Pages are deterministic per cursor, so a transient engine error (a throttled or failed
        // API call) is answered 503: clients retry the same GET, and the query goes on.
        log.warn('engine poll failed', { queryId: record.queryId, target: record.target, error: String((error as Error)?.message ?? error) });
        throw new GatewayError(503, 'The engine is temporarily unavailable; retry');
      }
      page = { state: 'FAILED', error: error.error };
    }
    await recordProgress(record, page);
    if (page.state === 'FAILED' || page.state === 'CANCELED') {
      return failedResponse(request, { ...record, state: page.state, error: page.error ?? record.error }, parts);
    }
    const stored = JSON.parse(record.sessionJson ?? '{}') as { clientCapabilities?: string[]; plan?: { describeOutput?: boolean } };
    if (stored.plan?.describeOutput) {
      if (page.state !== 'FINISHED') return queryResponse(request, record.dialect, { ...parts, state: page.state, nextUri: nextUri(request, record, 'executing', { n: token.n + 1 }) });
      return describeOutputResponse(request, record, parts, page);
    }
    const parametric = (stored.clientCapabilities ?? []).includes('PARAMETRIC_DATETIME');
    const types = page.columns?.map((c) => (parametric ? c.type : withoutDatetimePrecision(c.type)));
    const columns = page.columns && types ? page.columns.map((c, i) => column(c.name, types[i]!)) : undefined;
    const skip = token.s ?? 0;
    const rows = page.rows ?? [];
    let dataJson: string | undefined;
    let taken = 0;
    if (columns && types && rows.length > skip) {
      const encode = rowEncoder(types);
      const encoded: string[] = [];
      let bytes = 2;
      for (let i = skip; i < rows.length; i++) {
        const text = encode(parametric ? rows[i]! : truncateDatetimes(rows[i]!, types));
        const size = Buffer.byteLength(text, 'utf8') + 1;
        if (encoded.length > 0 && bytes + size > config.maxPageBytes) break;
        encoded.push(text);
        bytes += size;
      }
      taken = encoded.length;
      dataJson = '[' + encoded.join(',') + ']';
    }
    const consumedPage = skip + taken >= rows.length;
    const more = !consumedPage || page.nextCursor !== undefined;
    const done = page.state === 'FINISHED' && !more;
    let next: PageToken | undefined;
    if (!done) {
      if (!consumedPage) next = { n: token.n + 1, ...(token.c !== undefined ? { c: token.c } : {}), s: skip + taken };
      else if (page.nextCursor !== undefined) next = { n: token.n + 1, c: page.nextCursor };
      else next = { n: token.n + 1, ...(token.c !== undefined ? { c: token.c } : {}), ...(rows.length ? { s: rows.length } : {}) };
    }
    const result: QueryResultsParts = {
      ...parts,
      state: page.state,
      moreRows: more,
      ...(columns ? { columns } : {}),
      ...(dataJson ? { dataJson } : {}),
      ...(page.stats ? { stats: page.stats } : {}),
      ...(next ? { nextUri: nextUri(request, record, page.state === 'QUEUED' ? 'queued' : 'executing', next) } : {}),
      ...(page.update && done ? { updateType: page.update.type, ...(page.update.count !== undefined ? { updateCount: page.update.count } : {}) } : {}),
    };
    return queryResponse(request, record.dialect, result, sessionUpdateHeaders(record.dialect, page.sessionUpdate));
  }

  /** Writes the item only when something changed: a state change, or the client's presence. */
  async function recordProgress(record: QueryRecord, page: EnginePage): Promise<void> {
    const t = now();
    try {
      if (page.state !== record.state && !FINAL_STATES.includes(record.state)) {
        await deps.store.transition(
          record.queryId,
          {
            state: page.state,
            ...(page.error ? { error: page.error } : {}),
            ...(page.stats ? { stats: page.stats } : {}),
            ...(page.update ? { updateType: page.update.type, ...(page.update.count !== undefined ? { updateCount: page.update.count } : {}) } : {}),
          },
          t,
        );
      } else if (!FINAL_STATES.includes(record.state) && t - (record.lastPollAt ?? record.createdAt) >= config.pollTouchIntervalMs) {
        await deps.store.touch(record.queryId, t);
      }
    } catch (error) {
      // Tracking is best effort here: the sweeper and the engine's events reconcile the item.
      log.warn('could not record progress', { queryId: record.queryId, error: String(error) });
    }
  }

  /** A result the gateway computed itself, paged under the byte cap like any other. */
  function gatewayResultResponse(request: GatewayRequest, record: QueryRecord, parts: ReturnType<typeof baseParts>, token: PageToken): GatewayResponse {
    const result = record.result!;
    const rows = resultRows(result);
    const start = token.s ?? 0;
    let end = start;
    let bytes = 2;
    while (end < rows.length && (end === start || bytes + Buffer.byteLength(rows[end]!, 'utf8') + 1 <= config.maxPageBytes)) bytes += Buffer.byteLength(rows[end++]!, 'utf8') + 1;
    const done = end >= rows.length;
    // Session headers go on the final response: JDBC applies them only then.
    const headers = done ? sessionUpdateHeaders(record.dialect, result.sessionUpdate) : {};
    return queryResponse(
      request,
      record.dialect,
      {
        ...parts,
        state: 'FINISHED',
        moreRows: !done,
        columns: result.columns.map((c) => column(c.name, c.type)),
        dataJson: '[' + rows.slice(start, end).join(',') + ']',
        ...(done ? {} : { nextUri: nextUri(request, record, 'executing', { n: token.n + 1, s: end }) }),
        ...(done && result.updateType ? { updateType: result.updateType } : {}),
        ...(done && result.updateCount !== undefined ? { updateCount: result.updateCount } : {}),
      },
      headers,
    );
  }

  function failedResponse(request: GatewayRequest, record: QueryRecord, parts: ReturnType<typeof baseParts>): GatewayResponse {
    const error = record.error ?? (record.state === 'CANCELED' ? queryError('USER_CANCELED', 'Query was canceled') : queryError('GENERIC_INTERNAL_ERROR', 'Query failed'));
    return queryResponse(request, record.dialect, { ...parts, state: 'FAILED', error });
  }

  function describeOutputResponse(request: GatewayRequest, record: QueryRecord, parts: ReturnType<typeof baseParts>, page: EnginePage): GatewayResponse {
    const columns = [
      column('Column Name', 'varchar'),
      column('Catalog', 'varchar'),
      column('Schema', 'varchar'),
      column('Table', 'varchar'),
      column('Type', 'varchar'),
      column('Type Size', 'bigint'),
      column('Aliased', 'boolean'),
    ];
    const rows = (page.columns ?? []).map((c) => [c.name, '', '', '', formatType(c.type), typeSize(c.type), false]);
    const encode = rowEncoder(columns.map((c) => parseType(c.type)));
    return queryResponse(request, record.dialect, { ...parts, state: 'FINISHED', columns, dataJson: '[' + rows.map(encode).join(',') + ']' });
  }

  // ---------------------------------------------------------------- DELETE

  async function cancelStatement(request: GatewayRequest, queryId: string, payload: string, signature: string): Promise<GatewayResponse> {
    const { record } = await loadForPoll(request, queryId, payload, signature);
    await cancelRecord(record, 'canceled by the client (DELETE)');
    return { status: 204, headers: {}, body: '' };
  }

  async function killQuery(request: GatewayRequest, queryId: string): Promise<GatewayResponse> {
    const principal = await authenticate(request);
    const record = await deps.store.get(queryId);
    if (!record || !owns(principal, record)) throw new GatewayError(404, 'Query not found');
    await cancelRecord(record, 'canceled by the client (DELETE /v1/query)');
    return { status: 204, headers: {}, body: '' };
  }

  async function cancelRecord(record: QueryRecord, reason: string, error = queryError('USER_CANCELED', 'Query was canceled')): Promise<void> {
    if (FINAL_STATES.includes(record.state)) return;
    if (record.engineHandle && record.target) {
      try {
        await deps.engineFor(record.target)?.cancel(record.engineHandle);
      } catch (cause) {
        // Recording CANCELED for a query that still runs would hide it from its target's depth:
        // leave the state alone; the client may retry, and the sweeper stops abandoned queries.
        log.warn('engine cancel failed', { queryId: record.queryId, error: String(cause) });
        throw new GatewayError(503, 'The query could not be canceled right now; retry');
      }
    }
    await deps.store.transition(record.queryId, { state: 'CANCELED', error, endReason: reason }, now());
  }

  /** `CALL system.runtime.kill_query(...)` on a gateway query id: cancelled wherever it runs. */
  async function killFromSql(kill: KillQuery, principal: Principal): Promise<GatewayResult> {
    const target = isQueryId(kill.queryId) ? await deps.store.get(kill.queryId) : undefined;
    if (!target) throw QueryFailure.of('NOT_FOUND', `Target query not found: ${kill.queryId}`);
    if (!owns(principal, target)) throw QueryFailure.of('PERMISSION_DENIED', `Access Denied: Cannot kill query ${kill.queryId}`);
    const message = kill.message ? `Query killed. Message: ${kill.message}` : 'Query killed. No message provided.';
    try {
      await cancelRecord(target, `killed by ${principal.user} (kill_query)`, queryError('ADMINISTRATIVELY_KILLED', message));
    } catch (error) {
      if (error instanceof GatewayError) throw QueryFailure.of('GENERIC_INTERNAL_ERROR', `Query ${kill.queryId} could not be killed right now; try again`);
      throw error;
    }
    return { columns: [{ name: 'result', type: 'boolean' }], rows: ['[true]'], updateType: 'CALL' };
  }

  async function cancelQuietly(record: QueryRecord): Promise<void> {
    if (!record.engineHandle || !record.target) return;
    try {
      await deps.engineFor(record.target)?.cancel(record.engineHandle);
    } catch (error) {
      log.warn('engine cancel failed', { queryId: record.queryId, error: String(error) });
    }
  }

  // ---------------------------------------------------------------- responses

  function baseParts(request: GatewayRequest, record: QueryRecord) {
    return { id: record.queryId, infoUri: `${baseUrl(request)}/ui/query.html?${record.queryId}`, createdAt: record.createdAt, now: now(), ...(record.stats ? { stats: record.stats } : {}) };
  }

  function nextUri(request: GatewayRequest, record: QueryRecord, phase: 'queued' | 'executing', token: PageToken): string {
    return `${baseUrl(request)}/v1/statement/${phase}/${record.queryId}/${signer.sign(record.queryId, record.user, token)}`;
  }

  function queryResponse(_request: GatewayRequest, _dialect: Dialect, parts: QueryResultsParts, headers: Record<string, string[]> = {}): GatewayResponse {
    return jsonResponse(200, queryResultsJson(parts), headers);
  }

  // Admin API (kill from the admin page): the same path as a client's DELETE.
  async function cancel(queryId: string, reason: string, error: QueryError): Promise<QueryRecord | undefined> {
    const record = await deps.store.get(queryId);
    if (record) await cancelRecord(record, reason, error);
    return record;
  }

  return { handle, cancel };
}

const started = Date.now();
function uptime(): string {
  return `${((Date.now() - started) / 86_400_000).toFixed(2)}d`;
}

function compress(request: GatewayRequest, response: GatewayResponse): GatewayResponse {
  const accepts = (request.headers['accept-encoding'] ?? []).join(',').toLowerCase();
  const size = typeof response.body === 'string' ? Buffer.byteLength(response.body) : response.body.length;
  if (size < 1024 || !/\bgzip\b/.test(accepts) || response.headers['Content-Encoding']) return response;
  return { ...response, headers: { ...response.headers, 'Content-Encoding': ['gzip'], Vary: ['Accept-Encoding'] }, body: gzipSync(response.body, { level: 1 }) };
}

/** Large answers (a catalog listing) are stored gzip-compressed: an item holds at most 400 KB. */
function compactResult(result: GatewayResult): GatewayResult {
  const rows = result.rows ?? [];
  if (rows.reduce((n, r) => n + r.length, 0) < 32_768) return result;
  const { rows: _rows, ...rest } = result;
  return { ...rest, rowsGzip: gzipSync(JSON.stringify(rows)).toString('base64') };
}

function resultRows(result: GatewayResult): string[] {
  if (result.rowsGzip) return JSON.parse(gunzipSync(Buffer.from(result.rowsGzip, 'base64')).toString('utf8')) as string[];
  return result.rows ?? [];
}

interface StoredSession extends ClientSession {
  /** v2: the text to run, parameters written in (`sql`, or the first `sqlLength` characters of the statement). */
  plan: { v?: 2; sql?: string; sqlLength?: number; describeOutput: boolean; updateType?: string };
}

/** The principal of a query that waited at the gateway, from its routing facts. */
function storedPrincipal(record: QueryRecord): Principal {
  const stored = record.routingRequest?.principal;
  return { user: record.user, groups: stored?.groups ?? [], method: stored?.method ?? 'stored', ...(record.authenticatedUser ? { authenticatedUser: record.authenticatedUser } : {}) };
}

function key(parts: readonly string[]): string {
  return parts.map((p) => p.toLowerCase()).join('\u0000');
}

/** Every table the analysis saw, from the item's access record. */
function analyzedTables(record: QueryRecord): string[][] {
  const access = record.access as { tables?: TableAccess[]; indirectTables?: TableAccess[] } | undefined;
  return [...(access?.tables ?? []), ...(access?.indirectTables ?? [])].map((t) => t.parts);
}

function analyzeSafely(analyzer: Analyzer, sql: string, session: ClientSession): Analysis {
  try {
    return analyzer.analyze(sql, session);
  } catch (error) {
    if (isStackOverflow(error)) return { ok: false, kind: 'unknown', tables: [], error: 'the statement is too deeply nested', problem: { kind: 'too-complex', message: 'the statement is too deeply nested' } };
    return { ok: false, kind: 'unknown', tables: [], error: 'the analyzer failed' };
  }
}

const LOCATED = /^line (\d+):(\d+): ([\s\S]*)$/;
const TOO_DEEP = /Maximum call stack size exceeded|too much recursion|nested more than \d+ levels deep|nested too deeply/i;

/**
 * Why the analysis failed, as the client should see it. `problem` when the analyzer sets it;
 * otherwise read from its message: a stack overflow or too much nesting is too complex, a located
 * parser message (`line 1:8: ...`) is a syntax error.
 */
function problemOf(analysis: Analysis): AnalysisProblem | undefined {
  if (analysis.problem) return analysis.problem;
  const error = analysis.error ?? '';
  if (TOO_DEEP.test(error)) return { kind: 'too-complex', message: 'the statement is too deeply nested' };
  const located = LOCATED.exec(error);
  if (located && !/only one statement/.test(error)) return { kind: 'syntax', message: located[3]!, line: Number(located[1]), column: Number(located[2]) };
  return undefined;
}

function syntaxError(problem: AnalysisProblem): QueryFailure {
  const line = problem.line ?? 1;
  const column = problem.column ?? 1;
  const message = LOCATED.test(problem.message) ? problem.message : `line ${line}:${column}: ${problem.message}`;
  return QueryFailure.of('SYNTAX_ERROR', message, { lineNumber: line, columnNumber: column });
}

/** An analysis error fit for the client: never the text of an exception inside the analyzer. */
function publicReason(error: string): string {
  return /^the analyzer failed/.test(error) ? 'the analyzer failed on it' : error;
}

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** The item could not be stored: keep the start of the statement and fail it with a clear answer. */
function shorten(record: QueryRecord): void {
  const bytes = Buffer.byteLength(record.sql, 'utf8');
  record.sql = record.sql.slice(0, SHORTENED_SQL_CHARS);
  record.sqlTruncated = true;
  for (const k of ['sessionJson', 'result', 'parameters', 'target', 'routingGroup', 'waitingGroup', 'routingRequest', 'engineHandle'] as const) delete record[k];
  if (record.access) record.access = { ...record.access, tables: (record.access.tables as unknown[] | undefined)?.slice(0, 100) };
  record.state = 'FAILED';
  record.endedAt = record.updatedAt;
  record.error = queryError('QUERY_TEXT_TOO_LARGE', `The query is too large to be recorded in history, even compressed (its text is ${bytes} bytes); it was not run`);
}

/** How much of a statement too large to record is kept in history. */
const SHORTENED_SQL_CHARS = 16_384;

/** DESCRIBE OUTPUT needs only the columns: run the statement with no rows, parameters as NULL. */
function describeOutputSql(sql: string): string {
  const placeholders = tokenize(sql).filter((t) => t.kind === 'param').length;
  return `SELECT * FROM (${placeholders ? bindParameters(sql, Array(placeholders).fill('NULL')) : sql}) AS bifrost_describe LIMIT 0`;
}

function typeSize(type: SqlType): number {
  if (type.kind !== 'simple') return 0;
  const sizes: Record<string, number> = { boolean: 1, tinyint: 1, smallint: 2, integer: 4, bigint: 8, real: 4, double: 8, date: 4 };
  if (type.name === 'varchar' || type.name === 'char') return type.params[0] ?? 2147483647;
  if (type.name === 'decimal') return (type.params[0] ?? 38) <= 18 ? 8 : 16;
  return sizes[type.name] ?? 8;
}

/** Values of datetime columns for clients without PARAMETRIC_DATETIME: millisecond precision. */
function truncateDatetimes(row: unknown[], types: SqlType[]): unknown[] {
  let copy: unknown[] | undefined;
  types.forEach((t, i) => {
    if (t.kind === 'simple' && /^(time|timestamp)/.test(t.name) && typeof row[i] === 'string') {
      const v = (row[i] as string).replace(/(\d{2}:\d{2}:\d{2})(?:\.(\d+))?/, (_m, hms: string, frac?: string) => `${hms}.${(frac ?? '').padEnd(3, '0').slice(0, 3)}`);
      if (v !== row[i]) (copy ??= [...row])[i] = v;
    }
  });
  return copy ?? row;
}

export type { Column };
