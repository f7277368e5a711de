import { z } from 'zod';
import { accessRulesSchema, type AccessRules } from '../acl/rules.js';
import { budgetsSectionSchema } from '../budgets/config.js';
import { ConfigError, parseConfig, routingGroupSchema, ruleSchema, type BifrostConfig } from '../config/schema.js';
import type { ConfigOverrides, ConfigChange, TargetOverride, RoutingSection, ConfigStore, ApplyResult } from '../ports/index.js';

/**
 * Run-time config: what operators change without a redeploy. The file config stays the source of
 * the deployment; on top of it a ConfigStore holds
 * - target state overrides (active / draining / disabled): cluster switching and draining;
 * - a replacement routing section (routing groups, rules, default group) as a whole.
 *
 * Every change is validated by the same schema as the file, against the file it applies to, and
 * is refused as a whole when anything is wrong (every problem reported with its path). Changes
 * carry the version they were made from (optimistic concurrency): a change made from a stale
 * version is refused, so two operators cannot overwrite each other unknowingly.
 */

export const EMPTY_OVERRIDES: ConfigOverrides = Object.freeze({ version: 0, targets: Object.freeze({}) }) as ConfigOverrides;

const targetOverrideSchema = z.object({ state: z.enum(['active', 'draining', 'disabled']), reason: z.string().max(1000).optional() }).strict();
const routingSectionSchema = z
  .object({
    routingGroups: z.record(z.string(), routingGroupSchema),
    rules: z.array(ruleSchema),
    defaultRoutingGroup: z.string(),
  })
  .strict();
const changeSchema = z
  .object({
    targets: z.record(z.string(), targetOverrideSchema.nullable()).optional(),
    routing: routingSectionSchema.nullable().optional(),
    access: accessRulesSchema.nullable().optional(),
    budgets: budgetsSectionSchema.nullable().optional(),
    by: z.string().max(256).optional(),
    comment: z.string().max(2000).optional(),
  })
  .strict();

function issues(error: z.ZodError, prefix: (string | number)[] = []): string[] {
  return error.issues.map((i) => {
    const path = [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    return `${path.length ? path.join('.') : '(root)'}: ${i.message}`;
  });
}

/**
 * The config routing works from: the file with the overrides applied, validated by the file's
 * schema. Throws ConfigError (every problem with its path) when the overrides do not fit the file.
 */
export function effectiveConfig(base: BifrostConfig, overrides: ConfigOverrides): BifrostConfig {
  if (overrides.version === 0 && !overrides.routing && !overrides.access && !overrides.budgets && Object.keys(overrides.targets).length === 0) return base;
  const problems: string[] = [];
  const targets: Record<string, unknown> = {};
  for (const [name, target] of Object.entries(base.targets)) {
    const override = overrides.targets[name];
    targets[name] = override ? { ...target, state: override.state } : target;
  }
  for (const name of Object.keys(overrides.targets)) {
    if (!base.targets[name]) problems.push(`targets.${name}: unknown target '${name}' (targets are defined in the config file)`);
  }
  const merged = {
    ...base,
    targets,
    ...(overrides.routing ? { routingGroups: overrides.routing.routingGroups, rules: overrides.routing.rules, defaultRoutingGroup: overrides.routing.defaultRoutingGroup } : {}),
    ...(overrides.access ? { access: overrides.access } : {}),
    ...(overrides.budgets ? { budgets: overrides.budgets } : {}),
  };
  try {
    const config = parseConfig(merged);
    if (problems.length) throw new ConfigError(problems);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError([...problems, ...error.problems.filter((p) => !problems.includes(p))]);
    throw error;
  }
}

/** The overrides a change leads to, or every problem with the change itself or with the result. */
export function applyChange(base: BifrostConfig, current: ConfigOverrides, change: ConfigChange, now: number): { overrides: ConfigOverrides } | { problems: string[] } {
  const shape = changeSchema.safeParse(change);
  if (!shape.success) return { problems: issues(shape.error, ['change']) };
  const parsed = shape.data;
  const targets: Record<string, TargetOverride> = { ...current.targets };
  for (const [name, override] of Object.entries(parsed.targets ?? {})) {
    if (override === null) delete targets[name];
    else targets[name] = override.reason === undefined ? { state: override.state } : { state: override.state, reason: override.reason };
  }
  const next: ConfigOverrides = { version: current.version + 1, targets, updatedAt: now };
  const routing = parsed.routing === undefined ? current.routing : (parsed.routing ?? undefined);
  if (routing) next.routing = routing as RoutingSection;
  const access = parsed.access === undefined ? current.access : (parsed.access ?? undefined);
  if (access) next.access = access as AccessRules;
  const budgets = parsed.budgets === undefined ? current.budgets : (parsed.budgets ?? undefined);
  if (budgets) next.budgets = budgets as BifrostConfig['budgets'];
  if (parsed.by !== undefined) next.updatedBy = parsed.by;
  if (parsed.comment !== undefined) next.comment = parsed.comment;
  try {
    effectiveConfig(base, next);
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems };
    throw error;
  }
  return { overrides: next };
}

/**
 * The validation and versioning every ConfigStore shares; implementations only load the stored
 * overrides and replace them if their version is still the expected one (one conditional write,
 * so a change is applied whole or not at all).
 */
export abstract class VersionedConfigStore implements ConfigStore {
  constructor(
    /** The file config the overrides apply to: changes are validated against it. */
    protected readonly base: BifrostConfig,
    protected readonly clock: () => number = Date.now,
  ) {}

  abstract read(): Promise<ConfigOverrides>;

  /** Stores `next` if the stored version is still `expectedVersion`; false when it is not. */
  protected abstract replace(next: ConfigOverrides, expectedVersion: number): Promise<boolean>;

  async apply(change: ConfigChange, expectedVersion: number): Promise<ApplyResult> {
    const current = await this.read();
    if (current.version !== expectedVersion) return conflict(current.version, expectedVersion);
    const result = applyChange(this.base, current, change, this.clock());
    if ('problems' in result) return { ok: false, reason: 'invalid', currentVersion: current.version, problems: result.problems };
    if (!(await this.replace(result.overrides, expectedVersion))) {
      const now = await this.read();
      return conflict(now.version, expectedVersion);
    }
    return { ok: true, overrides: result.overrides };
  }
}

function conflict(currentVersion: number, expectedVersion: number): ApplyResult {
  return { ok: false, reason: 'conflict', currentVersion, problems: [`version: the config is at version ${currentVersion}, the change was made from version ${expectedVersion}; read it again and redo the change`] };
}

/** In memory: tests, and the local server when it has no DynamoDB. */
export class MemoryConfigStore extends VersionedConfigStore {
  private stored: ConfigOverrides = EMPTY_OVERRIDES;

  async read(): Promise<ConfigOverrides> {
    return structuredClone(this.stored);
  }

  protected async replace(next: ConfigOverrides, expectedVersion: number): Promise<boolean> {
    if (this.stored.version !== expectedVersion) return false;
    this.stored = structuredClone(next);
    return true;
  }
}
