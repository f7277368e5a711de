import { validateAccessRules } from '../acl/index.js';
import { change, current, versionOf, type Handler } from './context.js';
import { ApiError, json, queryNumber, readJson } from './responses.js';

/** GET /access: the access rules in effect. */
export const getAccess: Handler = async (ctx) => {
  const { overrides, effective } = await current(ctx);
  return json(200, { version: overrides.version, rules: effective.access ?? {}, overridden: Boolean(overrides.access) });
};

/** POST /access/validate: the problems the rules would have, without saving them. */
export const validateAccess: Handler = async (_ctx, request) => {
  const result = validateAccessRules(readJson(request));
  return json(200, result.ok ? { ok: true } : { ok: false, problems: result.problems });
};

/** PUT /access: replaces the access rules at run time. */
export const putAccess: Handler = async (ctx, request, caller) => {
  const body = readJson(request) as { rules?: unknown; version?: unknown };
  const valid = validateAccessRules(body.rules);
  if (!valid.ok) throw new ApiError(422, 'INVALID', valid.problems[0] ?? 'invalid rules', valid.problems.map((p) => `rules.${p}`));
  const before = (await current(ctx)).effective.access ?? {};
  const overrides = await change(ctx, caller, { access: valid.rules }, await versionOf(ctx, body.version), 'access.replace', 'access', before, (o) => o.access);
  return json(200, { version: overrides.version, rules: overrides.access ?? {}, overridden: true });
};

/** DELETE /access: back to the file's access rules, as DELETE /routing does for routing. */
export const resetAccess: Handler = async (ctx, request, caller) => {
  const before = (await current(ctx)).effective.access ?? {};
  const overrides = await change(ctx, caller, { access: null }, await versionOf(ctx, queryNumber(request, 'version')), 'access.reset', 'access', before, () => ctx.deps.config.access ?? {});
  return json(200, { version: overrides.version, rules: ctx.deps.config.access ?? {}, overridden: false });
};
