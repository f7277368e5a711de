import type { BifrostConfig } from '../config/schema.js';
import type { ConfigOverrides, TargetState } from '../ports/index.js';
import { effectiveConfig } from '../stores/config-store.js';
import { change, current, versionOf, type AdminContext, type Handler } from './context.js';
import { ApiError, json, readJson } from './responses.js';

const TARGET_STATES: readonly TargetState[] = ['active', 'draining', 'disabled'];

/** GET /targets: every target with its state, depth and health. */
export const listTargets: Handler = async (ctx) => {
  const { overrides, effective } = await current(ctx);
  const targets = await Promise.all(Object.keys(effective.targets).map((name) => targetView(ctx, name, effective, overrides)));
  return json(200, { version: overrides.version, targets });
};

/** PUT /targets/{name}/state: drain, disable or enable a target (cluster switching). */
export const setTargetState: Handler = async (ctx, request, caller, [name]) => {
  const body = readJson(request) as { state?: unknown; reason?: unknown; version?: unknown };
  if (!ctx.deps.config.targets[name!]) throw new ApiError(404, 'NOT_FOUND', `No target '${name}'`);
  if (typeof body.state !== 'string' || !TARGET_STATES.includes(body.state as TargetState)) throw new ApiError(422, 'INVALID', `state must be one of ${TARGET_STATES.join(', ')}`);
  if (body.reason !== undefined && typeof body.reason !== 'string') throw new ApiError(422, 'INVALID', 'reason must be text');
  const before = (await current(ctx)).effective.targets[name!]!.state;
  const overrides = await change(
    ctx,
    caller,
    { targets: { [name!]: { state: body.state as TargetState, ...(body.reason ? { reason: body.reason as string } : {}) } } },
    await versionOf(ctx, body.version),
    'target.state',
    `target/${name}`,
    { state: before },
    () => ({ state: body.state, ...(body.reason ? { reason: body.reason } : {}) }),
  );
  return json(200, await targetView(ctx, name!, effectiveConfig(ctx.deps.config, overrides), overrides));
};

async function targetView(ctx: AdminContext, name: string, effective: BifrostConfig, overrides: ConfigOverrides) {
  const target = effective.targets[name]!;
  const file = ctx.deps.config.targets[name];
  const [depth, health] = await Promise.all([ctx.deps.depths.depth(name), ctx.deps.health?.get([name])]);
  const checked = health?.get(name);
  return {
    name,
    type: target.type,
    ...(target.type === 'athena' ? { workgroup: target.workgroup, capacity: target.capacity } : {}),
    ...(target.type === 'trino' || target.type === 'presto' ? { url: target.url } : {}),
    state: target.state,
    configuredState: file?.state ?? target.state,
    ...(overrides.targets[name]?.reason ? { reason: overrides.targets[name]!.reason } : {}),
    queueLimit: 'queueLimit' in target ? target.queueLimit : undefined,
    depth,
    health: checked ? { healthy: checked.healthy, checkedAt: checked.checkedAt, detail: checked.detail } : { healthy: true, detail: target.type === 'athena' || target.type === 'duckdb' ? 'managed service' : 'not checked yet' },
  };
}
