import { randomUUID } from 'node:crypto';
import { budgetsSectionSchema, type BudgetsSection } from '../budgets/config.js';
import { periodsBetween, type PeriodKind } from '../budgets/periods.js';
import type { ConfigChange } from '../ports/index.js';
import { applyChange } from '../stores/config-store.js';
import { change, current, versionOf, type Handler } from './context.js';
import { ApiError, json, queryNumber, queryText, readJson } from './responses.js';

/**
 * Budgets at run time (docs/budgets.md), as routing and access rules are: validated by the config
 * file's schema, versioned (a change names the version it was made from), recorded in the audit
 * trail, and in effect on every instance within the config cache's few seconds. Grants (one-off
 * overrides for a user and a budget, until a time) are part of the same section.
 */

/** GET /budgets: the budgets and grants in effect. */
export const getBudgets: Handler = async (ctx) => {
  const { overrides, effective } = await current(ctx);
  return json(200, { version: overrides.version, budgets: effective.budgets, overridden: Boolean(overrides.budgets) });
};

/** POST /budgets/validate: the problems a budgets section would have, without saving it. */
export const validateBudgets: Handler = async (ctx, request) => {
  const result = applyChange(ctx.deps.config, await ctx.deps.configStore.read(), { budgets: readJson(request) as ConfigChange['budgets'] }, ctx.now());
  return json(200, 'problems' in result ? { ok: false, problems: result.problems } : { ok: true });
};

/** PUT /budgets: replaces the budgets (the grants in effect are kept unless the body gives its own). */
export const putBudgets: Handler = async (ctx, request, caller) => {
  const body = readJson(request) as { budgets?: Record<string, unknown>; version?: unknown };
  if (!body.budgets || typeof body.budgets !== 'object' || Array.isArray(body.budgets)) throw new ApiError(422, 'INVALID', 'budgets is required', ['budgets: required']);
  const before = (await current(ctx)).effective.budgets;
  const next = { ...body.budgets, ...(body.budgets.grants === undefined ? { grants: before.grants } : {}) };
  const overrides = await change(ctx, caller, { budgets: next }, await versionOf(ctx, body.version), 'budgets.replace', 'budgets', before, (o) => o.budgets);
  return json(200, { version: overrides.version, budgets: overrides.budgets, overridden: true });
};

/** DELETE /budgets: back to the config file's budgets. */
export const resetBudgets: Handler = async (ctx, request, caller) => {
  const before = (await current(ctx)).effective.budgets;
  const overrides = await change(ctx, caller, { budgets: null }, await versionOf(ctx, queryNumber(request, 'version')), 'budgets.reset', 'budgets', before, () => ctx.deps.config.budgets);
  return json(200, { version: overrides.version, budgets: ctx.deps.config.budgets, overridden: false });
};

/** POST /budgets/grants: lets a user past one budget until a time (audited). */
export const grantBudget: Handler = async (ctx, request, caller) => {
  const body = readJson(request) as { user?: unknown; budget?: unknown; until?: unknown; reason?: unknown; version?: unknown };
  const before = (await current(ctx)).effective.budgets;
  const grant = { id: randomUUID().slice(0, 8), user: body.user, budget: body.budget, until: body.until, ...(body.reason !== undefined ? { reason: body.reason } : {}), by: caller.user, at: new Date(ctx.now()).toISOString() };
  if (typeof body.until === 'string' && Date.parse(body.until) <= ctx.now()) throw new ApiError(422, 'INVALID', 'until must be in the future', ['grant.until: must be in the future']);
  const next = { ...before, grants: [...before.grants.filter((g) => Date.parse(g.until) > ctx.now()), grant] };
  const overrides = await change(ctx, caller, { budgets: next }, await versionOf(ctx, body.version), 'budgets.grant', `budgets/${String(body.budget)}`, { grants: before.grants }, () => ({ grant }));
  return json(201, { version: overrides.version, grant });
};

/** DELETE /budgets/grants/{id}: ends a grant before its time. */
export const revokeGrant: Handler = async (ctx, request, caller, [id]) => {
  const before = (await current(ctx)).effective.budgets;
  const grant = before.grants.find((g) => g.id === id);
  if (!grant) throw new ApiError(404, 'NOT_FOUND', `No grant ${id}`);
  const next: BudgetsSection = { ...before, grants: before.grants.filter((g) => g.id !== id) };
  const overrides = await change(ctx, caller, { budgets: next }, await versionOf(ctx, queryNumber(request, 'version')), 'budgets.revoke', `budgets/${grant.budget}`, { grant }, () => ({ revoked: id }));
  return json(200, { version: overrides.version });
};

/** GET /spend?period=day|month&from=&to=: the spend counters per period, with the budgets beside them. */
export const getSpend: Handler = async (ctx, request) => {
  if (!ctx.deps.spend) throw new ApiError(501, 'NOT_AVAILABLE', 'Spend is not kept by this deployment');
  const kind = (queryText(request, 'period') ?? 'day') as PeriodKind;
  if (kind !== 'day' && kind !== 'month') throw new ApiError(400, 'BAD_REQUEST', 'period must be day or month');
  const now = ctx.now();
  const to = queryNumber(request, 'to') ?? now;
  const from = queryNumber(request, 'from') ?? to - (kind === 'day' ? 6 : 2) * (kind === 'day' ? 86_400_000 : 31 * 86_400_000);
  const keys = periodsBetween(kind, from, to, kind === 'day' ? 62 : 24);
  const periods = await Promise.all(keys.map(async (period) => ({ period, counters: await ctx.deps.spend!.list(period) })));
  const { effective } = await current(ctx);
  return json(200, { kind, periods, budgets: budgetsSectionSchema.parse(effective.budgets).limits.filter((b) => b.period === kind) });
};
