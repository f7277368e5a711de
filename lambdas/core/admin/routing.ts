import type { BifrostConfig } from '../config/schema.js';
import type { ConfigChange, ConfigOverrides } from '../ports/index.js';
import { applyChange, effectiveConfig } from '../stores/config-store.js';
import { change, current, versionOf, type AdminContext, type Handler } from './context.js';
import { ApiError, json, queryNumber, readJson } from './responses.js';

/** GET /routing: the routing groups, rules and default group in effect. */
export const getRouting: Handler = async (ctx) => {
  const { overrides, effective } = await current(ctx);
  return json(200, { version: overrides.version, ...routingOf(effective), overridden: Boolean(overrides.routing) });
};

/** POST /routing/validate: the problems the routing would have, without saving it. */
export const validateRouting: Handler = async (ctx, request) => {
  const problems = routingProblems(ctx, readJson(request), await ctx.deps.configStore.read());
  return json(200, problems.length ? { ok: false, problems } : { ok: true });
};

/** PUT /routing: replaces the routing at run time. */
export const putRouting: Handler = async (ctx, request, caller) => {
  const body = readJson(request) as { routing?: unknown; version?: unknown };
  if (!body.routing || typeof body.routing !== 'object') throw new ApiError(422, 'INVALID', 'routing is required', ['routing: required']);
  const before = routingOf((await current(ctx)).effective);
  const overrides = await change(ctx, caller, { routing: body.routing as ConfigChange['routing'] }, await versionOf(ctx, body.version), 'routing.replace', 'routing', before, (o) => o.routing);
  const effective = effectiveConfig(ctx.deps.config, overrides);
  return json(200, { version: overrides.version, ...routingOf(effective), overridden: true });
};

/** DELETE /routing: back to the config file's routing. */
export const resetRouting: Handler = async (ctx, request, caller) => {
  const before = routingOf((await current(ctx)).effective);
  const overrides = await change(ctx, caller, { routing: null }, await versionOf(ctx, queryNumber(request, 'version')), 'routing.reset', 'routing', before, () => routingOf(ctx.deps.config));
  return json(200, { version: overrides.version, ...routingOf(ctx.deps.config), overridden: false });
};

function routingOf(config: BifrostConfig) {
  return { routingGroups: config.routingGroups, rules: config.rules, defaultRoutingGroup: config.defaultRoutingGroup };
}

function routingProblems(ctx: AdminContext, routing: unknown, overrides: ConfigOverrides): string[] {
  const result = applyChange(ctx.deps.config, overrides, { routing: routing as ConfigChange['routing'] }, ctx.now());
  return 'problems' in result ? result.problems : [];
}
