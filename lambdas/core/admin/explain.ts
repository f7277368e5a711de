import { createFileAccessControl, type FileAccessControl } from '../acl/index.js';
import { GatewayError, QueryFailure } from '../errors.js';
import type { Analysis, ClientSession, HealthStore, Principal } from '../ports/index.js';
import { bindStatement } from '../protocol/parameters.js';
import { planStatement } from '../protocol/statements.js';
import { routingAnalysis } from '../routing/queueing.js';
import { explainRoute } from '../routing/router.js';
import { current, type AdminContext, type Handler } from './context.js';
import { ApiError, json, readJson } from './responses.js';

/** POST /explain: where a request would be routed and whether its statement would be allowed, without running it. */
export const explain: Handler = async (ctx, request) => {
  const body = readJson(request) as Record<string, unknown>;
  const text = (k: string) => (typeof body[k] === 'string' && body[k] !== '' ? (body[k] as string) : undefined);
  const user = text('user');
  if (!user) throw new ApiError(422, 'INVALID', 'user is required');
  const list = (k: string) => (Array.isArray(body[k]) ? (body[k] as unknown[]).filter((v): v is string => typeof v === 'string') : typeof body[k] === 'string' ? (body[k] as string).split(',').map((s) => s.trim()).filter(Boolean) : []);
  const session: ClientSession = { dialect: 'trino', user, clientTags: list('clientTags'), clientCapabilities: [], properties: {}, resourceEstimates: {}, roles: {}, extraCredentials: text('routing') ? { routing: text('routing')! } : {}, preparedStatements: {} };
  for (const key of ['source', 'catalog', 'schema', 'routingGroup'] as const) if (text(key)) session[key] = text(key)!;
  const principal: Principal = { user, groups: list('groups'), method: 'explain' };
  const { effective, overrides } = await current(ctx);
  const access = createFileAccessControl(effective.access ?? {});
  const sql = text('sql');
  const { analysis, accessView } = sql ? explainStatement(ctx, sql, session, principal, access) : { analysis: undefined, accessView: { allowed: true, reason: 'no statement given' } };
  const routing = await explainRoute({ config: effective, version: overrides.version }, { principal, session, ...(analysis ? { analysis } : {}) }, {
    depths: ctx.deps.depths,
    ...(ctx.deps.health ? { health: storedHealth(ctx.deps.health) } : {}),
    allowed: (p, t, g) => access.canUseTarget(p, t, g).allowed,
  });
  const target = (routing as { target?: unknown }).target;
  const budgets = typeof target === 'string' && ctx.deps.budgets ? ((await ctx.deps.budgets.check(principal, target)) ?? { outcome: 'run', checks: [], warnings: [], note: `no budget applies to ${user} on ${target}` }) : undefined;
  return json(200, { routing, access: accessView, ...(budgets ? { budgets } : {}) });
};

/** The statement as the gateway would take it: planned, analyzed (parameters bound in) and checked against the rules. */
function explainStatement(ctx: AdminContext, sql: string, session: ClientSession, principal: Principal, access: FileAccessControl): { analysis: Analysis | undefined; accessView: Record<string, unknown> } {
  let analysis: Analysis | undefined;
  let accessView: Record<string, unknown>;
  try {
    const plan = planStatement(sql, session);
    if (plan.kind === 'query') {
      // The text the gateway would analyze and run: parameters bound in, as in gateway submit.
      analysis = ctx.deps.analyzer.analyze(plan.describeOutput ? plan.sql : bindStatement(plan.sql, plan.parameters), session);
      const decision = !access.enforcing ? { allowed: true as const, reason: 'no access rules apply' } : !analysis.ok ? { allowed: false as const, reason: `the statement could not be analyzed${analysis.error ? ` (${analysis.error})` : ''}` } : access.check(principal, analysis);
      accessView = { ...decision, tables: analysis.tables, ...(analysis.error ? { analysisError: analysis.error } : {}) };
      analysis = routingAnalysis(analysis, plan.updateType ?? 'SELECT');
    } else accessView = { allowed: true, reason: `${plan.kind === 'session' ? plan.updateType : 'DESCRIBE INPUT'} is answered by the gateway` };
  } catch (error) {
    if (!(error instanceof QueryFailure || error instanceof GatewayError)) throw error;
    accessView = { allowed: false, reason: error.message };
  }
  return { analysis, accessView };
}

function storedHealth(store: HealthStore) {
  return {
    async healthy(target: string) {
      return (await store.get([target])).get(target)?.healthy ?? true;
    },
  };
}
