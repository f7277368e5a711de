import type { Engine, EngineInspection, Analysis, AnalysisProblem, Analyzer, Principal, TableAccess, ClientSession, QueryRecord, RoutingRequest } from '../ports/index.js';
import { QueryFailure } from '../errors.js';
import { BUDGET_WARNING_CODE } from '../budgets/decide.js';
import { bindStatement } from '../protocol/parameters.js';
import { tooComplex, type Plan } from '../protocol/statements.js';
import { routeInArrivalOrder, routingAnalysis, storedRoutingRequest, waitingLiveWindowMs } from '../routing/queueing.js';
import type { GatewayContext } from './context.js';
import { decodePlan, describeOutputSql, encodePlan, engineSubmission, type StoredPlan } from './plan.js';

/**
 * Admission of a query the client posted: analysis, access control, routing and, when the target
 * is known and its engine can read statements, the engine cross-check. Decides where the query
 * runs (or that it waits at the gateway, or is answered by the gateway), or fails it with a
 * QueryFailure. Everything decided is written on the item, which is stored afterwards.
 */

export type QueryPlan = Extract<Plan, { kind: 'query' }>;

export async function admit(ctx: GatewayContext, record: QueryRecord, plan: QueryPlan, principal: Principal, session: ClientSession): Promise<void> {
  // What the engine will run, and so what is analyzed and checked: the statement with its
  // parameters written in (protocol/parameters.ts), the DESCRIBE OUTPUT wrapper included.
  const engineSql = plan.describeOutput ? describeOutputSql(plan.sql) : bindStatement(plan.sql, plan.parameters);
  const analysis = ctx.deps.analyzer ? analyze(ctx.deps.analyzer, record, engineSql, session) : undefined;
  await ctx.deps.refreshAccess?.();
  if (ctx.deps.accessControl.enforcing) checkAccess(ctx, record, analysis, principal);
  await route(ctx, record, { plan, engineSql, principal, session, analysis });
  if (record.target && !record.result) await checkBudgets(ctx, record, principal);
}

/**
 * Budgets (docs/budgets.md), once routing has picked a target billed per scan: under budget the
 * query runs; over a warning threshold it runs with the protocol's warning; over a budget it is
 * refused (EXCEEDED_BUDGET) unless an admin granted the user an override. The decision is kept
 * on the item. A query waiting at the gateway is checked when it is admitted, without a target.
 */
async function checkBudgets(ctx: GatewayContext, record: QueryRecord, principal: Principal): Promise<void> {
  const decision = await ctx.deps.budgets?.check(principal, record.target!, record.queryId);
  if (!decision) return;
  record.budget = { outcome: decision.outcome, checks: decision.checks.map((c) => ({ budget: c.budget, scope: c.scope, period: c.periodKey, unit: c.unit, limit: c.limit, spent: c.spent, state: c.state, ...(c.grant ? { grant: c.grant.id } : {}) })) };
  if (decision.outcome === 'refuse') throw QueryFailure.of('EXCEEDED_BUDGET', decision.message!);
  if (decision.warnings.length) record.warnings = decision.warnings.map((message) => ({ warningCode: { ...BUDGET_WARNING_CODE }, message }));
}

/**
 * The engine's own reading of the statement against the gateway's, when the engine
 * offers one and access rules apply: a table the engine reads that the analysis did not see, a
 * refusal, or a table reached through a view that the user may not read denies the query. The
 * outcome is kept on the item's access record, for history and audit.
 */
export async function crossCheck(ctx: GatewayContext, record: QueryRecord, engine: Engine, plan: StoredPlan, principal: Principal): Promise<void> {
  if (!engine.inspect || !ctx.deps.accessControl.enforcing) return;
  const started = performance.now();
  const outcome: Record<string, unknown> = { target: record.target };
  const done = (allowed: boolean, reason?: string) => {
    Object.assign(outcome, { allowed, ...(reason ? { reason } : {}), ms: Math.round((performance.now() - started) * 1000) / 1000 });
    record.access = { ...record.access, crossCheck: outcome };
  };
  let inspection: EngineInspection;
  try {
    inspection = await engine.inspect(engineSubmission(record, plan));
  } catch (error) {
    // The engine could not read the statement: it could not run it either. Its own error (a
    // syntax error in its dialect) is the answer; anything else fails closed.
    if (error instanceof QueryFailure) {
      done(false, `the engine refused the statement: ${error.error.message}`);
      throw error;
    }
    ctx.log.warn('engine inspection failed', { queryId: record.queryId, target: record.target, error: String((error as Error)?.message ?? error) });
    done(false, 'the engine could not read the statement to check it');
    throw QueryFailure.of('PERMISSION_DENIED', 'Access Denied: the engine could not read the statement to check it against the access rules');
  }
  outcome.tables = inspection.tables.map((parts) => parts.join('.'));
  if (inspection.viewTables?.length) outcome.viewTables = inspection.viewTables.map((v) => ({ view: v.view.join('.'), table: v.table.join('.') }));
  const denial = inspectionDenial(ctx, inspection, plan, principal);
  done(denial === undefined, denial?.reason);
  if (denial) throw QueryFailure.of('PERMISSION_DENIED', denial.message);
}

/** The target the item's last cross-check ran on, if any. */
export function crossCheckedOn(record: QueryRecord): string | undefined {
  const crossCheck = record.access?.crossCheck;
  return typeof crossCheck === 'object' && crossCheck !== null && 'target' in crossCheck && typeof crossCheck.target === 'string' ? crossCheck.target : undefined;
}

/** Deep input can exhaust the stack of a parser on the way: a user error, never a 500. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** Runs the analyzer and keeps what it saw on the item's access record. */
function analyze(analyzer: Analyzer, record: QueryRecord, sql: string, session: ClientSession): Analysis {
  const analysis = analyzeSafely(analyzer, sql, session);
  record.access = {
    tables: analysis.tables,
    ...(analysis.indirectTables?.length ? { indirectTables: analysis.indirectTables } : {}),
    ok: analysis.ok,
    ...(analysis.error ? { error: analysis.error } : {}),
  };
  return analysis;
}

/** Access rules apply: a statement that could not be analyzed, or that the rules deny, fails. */
function checkAccess(ctx: GatewayContext, record: QueryRecord, analysis: Analysis | undefined, principal: Principal): void {
  if (!analysis || !analysis.ok) {
    const problem = analysis ? problemOf(analysis) : undefined;
    record.access = { ...record.access, allowed: false, reason: 'statement could not be analyzed', ...(problem ? { problem } : {}) };
    // A typo answers as Trino answers it (the position reveals nothing); too much nesting is a
    // plain user error. Any other failure to analyze is a denial.
    if (problem?.kind === 'syntax') throw syntaxError(problem);
    if (problem?.kind === 'too-complex') throw tooComplex(problem.message);
    throw QueryFailure.of('PERMISSION_DENIED', `Access Denied: the statement could not be analyzed, and access rules apply${analysis?.error ? ` (${publicReason(analysis.error)})` : ''}`);
  }
  const decision = ctx.deps.accessControl.check(principal, analysis);
  record.access = { ...record.access, allowed: decision.allowed, ...(decision.rule ? { rule: decision.rule } : {}), ...(decision.allowed ? {} : { reason: decision.reason }) };
  if (!decision.allowed) throw QueryFailure.of('PERMISSION_DENIED', `Access Denied: ${decision.reason}`);
}

interface Admission {
  plan: QueryPlan;
  engineSql: string;
  principal: Principal;
  session: ClientSession;
  analysis: Analysis | undefined;
}

/**
 * Routing: rules pick a routing group, its fallback chain a target. A query never
 * starts ahead of older queries waiting in its group; when it must wait, the item keeps the
 * group and the routing facts, and polls route it again (routing/queueing.ts).
 */
async function route(ctx: GatewayContext, record: QueryRecord, admission: Admission): Promise<void> {
  const { plan, engineSql, principal, session, analysis } = admission;
  const routingRequest = { principal, session, analysis: routingAnalysis(analysis, record.kind) };
  admittedRequests.set(record, routingRequest);
  const decision = await routeInArrivalOrder(ctx.deps, routingRequest, record, ctx.now(), waitingLiveWindowMs(ctx.config));
  record.routing = { ...decision };
  if (decision.outcome === 'deny') throw QueryFailure.of('QUERY_REJECTED', `Query rejected by routing: ${decision.reasons[0] ?? 'no reason given'}`);
  record.routingGroup = decision.group;
  record.sessionJson = encodePlan({ sql: engineSql, session, describeOutput: plan.describeOutput ?? false, updateType: plan.updateType }, record.sql);
  if (decision.outcome === 'wait') {
    record.waitingGroup = decision.group;
    if (decision.full?.length) record.waitingOn = [...decision.full];
    record.routingRequest = storedRoutingRequest(routingRequest);
    return;
  }
  record.target = decision.target;
  // Held from here: the POST gives it back if the query does not run (submit.ts recordQuery).
  if (decision.slot) Object.assign(record, { slot: decision.target, slotMark: true });
  const metadata = ctx.deps.metadataFor?.(decision.target);
  const answered = metadata && !plan.describeOutput ? await metadata.answer(engineSql, session, principal) : undefined;
  if (answered) {
    record.result = answered;
    delete record.sessionJson;
    return;
  }
  const engine = ctx.deps.engineFor(decision.target);
  if (engine?.inspect && ctx.deps.accessControl.enforcing) await crossCheck(ctx, record, engine, decodePlan(record)!, principal);
}

/**
 * The routing request a query was admitted with, while its POST is served: a submit that never
 * reached its target routes it again with the same facts (submit.ts). Not stored: a record read
 * back from the store has none (a waiting query has its `routingRequest` instead).
 */
const admittedRequests = new WeakMap<QueryRecord, RoutingRequest>();

export function admittedRoutingRequest(record: QueryRecord): RoutingRequest | undefined {
  return admittedRequests.get(record);
}

/** Why the engine's reading denies the query (for the record, for the client), or undefined when it agrees. */
function inspectionDenial(ctx: GatewayContext, inspection: EngineInspection, plan: StoredPlan, principal: Principal): { reason: string; message: string } | undefined {
  const denied = (reason: string) => ({ reason, message: `Access Denied: ${reason}` });
  if (inspection.refusal !== undefined) return { reason: inspection.refusal, message: inspection.refusal.startsWith('Access Denied') ? inspection.refusal : `Access Denied: ${inspection.refusal}` };
  const seen = new Set(plan.checkedTables.map((parts) => key(parts)));
  const unseen = inspection.tables.find((parts) => !seen.has(key(parts)));
  if (unseen) return denied(`the engine reads ${unseen.join('.')}, which the access check did not see`);
  for (const { view, table } of inspection.viewTables ?? []) {
    const read: TableAccess = { name: table.join('.'), parts: table.map((p) => p.toLowerCase()), access: 'read', columns: [], allColumns: true, operations: ['select'] };
    const decision = ctx.deps.accessControl.check(principal, { ok: true, kind: 'select', statement: 'query', tables: [read] });
    if (!decision.allowed) return denied(`${decision.reason} (read through view ${view.join('.')})`);
  }
  return undefined;
}

function key(parts: readonly string[]): string {
  return parts.map((p) => p.toLowerCase()).join('\u0000');
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
