import type { BifrostConfig, RoutingGroupConfig } from '../config/schema.js';
import type { Principal, Router, RoutingRequest, TargetDepth, TargetDepths, ConfigSource, EffectiveConfig, TargetHealth, TargetPermission, TargetSlots } from '../ports/index.js';
import { compileRules, evaluateRules, routingFacts, type CompiledRule } from './rules.js';
import { allHealthy, allowAllTargets, type RouteDecision, type RouteExplanation, type RouterDeps, type TargetVerdict } from './types.js';

/**
 * Routing: rules pick a routing group, the group's fallback chain picks a target.
 *
 * A target is usable when it is active (not draining, not disabled), healthy and allowed to the
 * principal; the first usable target below its queue limit (queued + running < queueLimit) wins.
 * Queue depths are read only for usable targets, in chain order, and each at most once per
 * decision (depths come from DynamoDB in production).
 *
 * When every usable target is full, the group's `whenFull` decides: `wait` (the query waits at the
 * gateway, the client sees QUEUED) or `use-last` (the last usable target of the chain takes it
 * anyway). When no target is usable at all, the query is denied with the reasons: a group never
 * spills into another group (strict isolation; trino-gateway's silent fall back to the default
 * group is what its users ask to turn off).
 */
interface CompiledTarget {
  name: string;
  state: 'active' | 'draining' | 'disabled';
  queueLimit: number;
}

interface CompiledConfig {
  rules: CompiledRule[];
  groups: Map<string, RoutingGroupConfig>;
  targets: Map<string, CompiledTarget>;
  defaultGroup: string;
}

const compiledCache = new WeakMap<BifrostConfig, CompiledConfig>();

function compile(config: BifrostConfig): CompiledConfig {
  let compiled = compiledCache.get(config);
  if (!compiled) {
    compiled = {
      rules: compileRules(config.rules),
      groups: new Map(Object.entries(config.routingGroups)),
      targets: new Map(Object.entries(config.targets).map(([name, t]) => [name, { name, state: t.state, queueLimit: t.queueLimit }])),
      defaultGroup: config.defaultRoutingGroup,
    };
    compiledCache.set(config, compiled);
  }
  return compiled;
}

function isSource(config: RouterDeps['config']): config is ConfigSource {
  return typeof (config as ConfigSource).current === 'function';
}

function isEffective(config: RouterDeps['config']): config is EffectiveConfig {
  return typeof (config as EffectiveConfig).version === 'number' && typeof (config as EffectiveConfig).config === 'object';
}

function sourceOf(config: RouterDeps['config']): ConfigSource {
  if (isSource(config)) return config;
  const effective: EffectiveConfig = isEffective(config) ? config : { config, version: 0 };
  return { current: async () => effective };
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as Promise<T>)?.then === 'function';

// eslint-disable-next-line max-lines-per-function -- one walk of the group's chain that decides and explains at once (every POST and `bifrost route` share it); its counters make the verdict.
async function evaluate(effective: EffectiveConfig, request: RoutingRequest, room: RoomProbe, health: TargetHealth, allowed: TargetPermission, detailed: boolean): Promise<RouteExplanation> {
  const compiled = compile(effective.config);
  const facts = routingFacts(request);
  const ruleOutcome = evaluateRules(compiled.rules, facts);
  const reasons: string[] = [];
  const groupName = ruleOutcome.matched?.routingGroup ?? compiled.defaultGroup;
  const groupReason = ruleOutcome.matched
    ? `rule '${ruleOutcome.matched.name}' (priority ${ruleOutcome.matched.priority}) chose group '${groupName}'`
    : compiled.rules.length
      ? `no rule matched: default group '${groupName}'`
      : `no rules: default group '${groupName}'`;
  const base = {
    configVersion: effective.version,
    facts,
    groupReason,
    rules: ruleOutcome.verdicts,
    rulesNotEvaluated: ruleOutcome.notEvaluated,
  };
  const group = compiled.groups.get(groupName);
  if (!group) {
    // The schema refuses such configs; kept for configs built around it.
    reasons.push(`${groupReason}, which does not exist`);
    pushRuleReasons(reasons, base.rules, base.rulesNotEvaluated);
    return { outcome: 'deny', ...base, group: groupName, targets: [], reasons };
  }

  const targets: TargetVerdict[] = [];
  const principal: Principal = request.principal;
  const seen = new Set<string>();
  let chosen: { name: string; headroom: number } | undefined;
  let lastUsable: TargetVerdict | undefined;
  const full: string[] = [];
  let usable = 0;
  let reachable = 0;
  let notAllowed = 0;
  for (const name of group.targets) {
    if (chosen) {
      if (detailed) targets.push({ name, verdict: 'not-considered', why: `after the chosen target '${chosen.name}'` });
      continue;
    }
    if (seen.has(name)) {
      targets.push({ name, verdict: 'skipped', why: 'listed earlier in the chain' });
      continue;
    }
    seen.add(name);
    const target = compiled.targets.get(name);
    if (!target) {
      targets.push({ name, verdict: 'skipped', why: 'not a configured target' });
      continue;
    }
    const verdict: TargetVerdict = { name, verdict: 'skipped', why: '', state: target.state, queueLimit: target.queueLimit };
    targets.push(verdict);
    if (target.state === 'disabled') {
      verdict.why = 'disabled';
      continue;
    }
    if (target.state === 'draining') {
      verdict.why = 'draining: it finishes its running queries and takes no new ones';
      continue;
    }
    const excluded = request.exclude && Object.hasOwn(request.exclude, name) ? request.exclude[name] : undefined;
    if (excluded !== undefined) {
      verdict.why = `unreachable: ${excluded}`;
      continue;
    }
    const healthy = health.healthy(name);
    if (!(isPromise(healthy) ? await healthy : healthy)) {
      verdict.why = 'unhealthy';
      continue;
    }
    reachable++;
    const permitted = allowed(principal, name, groupName);
    if (!(isPromise(permitted) ? await permitted : permitted)) {
      verdict.why = `user '${principal.user}' may not use it`;
      notAllowed++;
      continue;
    }
    usable++;
    lastUsable = verdict;
    let found: Room;
    try {
      found = await room(name, target.queueLimit, groupName);
    } catch (error) {
      verdict.why = `queue depth could not be read (${String((error as Error)?.message ?? error)}): treated as full`;
      continue;
    }
    if (found.depth) verdict.depth = found.depth;
    if (found.room) {
      verdict.verdict = 'chosen';
      verdict.why = `active, healthy, allowed, below its queue limit (${found.describe}; limit ${target.queueLimit})`;
      chosen = { name, headroom: target.queueLimit - found.active };
    } else {
      verdict.why = found.behindLine ? `has room, but ${found.describe}: newcomers queue behind them` : `full (${found.describe}; limit ${target.queueLimit})`;
      full.push(name);
    }
  }

  let explanation: RouteExplanation;
  if (chosen) {
    explanation = { outcome: 'target', ...base, group: groupName, target: chosen.name, whenFull: group.whenFull, targets, reasons };
    if (group.whenFull === 'wait') explanation.headroom = chosen.headroom;
    reasons.push(`target '${chosen.name}' in group '${groupName}' (${groupReason})`);
  } else if (usable === 0) {
    explanation = { outcome: 'deny', ...base, group: groupName, whenFull: group.whenFull, targets, reasons };
    reasons.push(
      reachable > 0 && notAllowed === reachable
        ? `user '${principal.user}' may use no target of group '${groupName}' (${groupReason})`
        : `no target of group '${groupName}' can take queries (${groupReason})`,
    );
  } else if (group.whenFull === 'use-last' && lastUsable) {
    lastUsable.verdict = 'overflow';
    lastUsable.why = `${lastUsable.why}; every usable target is full and the group uses its last one anyway (whenFull: use-last)`;
    explanation = { outcome: 'target', ...base, group: groupName, target: lastUsable.name, whenFull: group.whenFull, targets, reasons };
    reasons.push(`target '${lastUsable.name}' in group '${groupName}', over its queue limit: every usable target is full (whenFull: use-last) (${groupReason})`);
  } else {
    explanation = { outcome: 'wait', ...base, group: groupName, whenFull: group.whenFull, targets, reasons, full };
    reasons.push(`waiting at the gateway: every usable target of group '${groupName}' is full (whenFull: wait) (${groupReason})`);
  }
  pushRuleReasons(reasons, base.rules, base.rulesNotEvaluated);
  for (const t of targets) if (t.verdict !== 'not-considered') reasons.push(`target '${t.name}' ${t.verdict}: ${t.why}`);
  return explanation;
}

function pushRuleReasons(reasons: string[], rules: RouteExplanation['rules'], notEvaluated: number): void {
  for (const r of rules) reasons.push(`rule '${r.name}' (priority ${r.priority}) ${r.matched ? r.why : `did not match: ${r.why}`}`);
  if (notEvaluated > 0) reasons.push(`${notEvaluated} later rule${notEvaluated === 1 ? '' : 's'} not evaluated (first match wins)`);
}

function describeDepth(depth: TargetDepth): string {
  return `${depth.queued + depth.running} active: ${depth.queued} queued, ${depth.running} running`;
}

function decisionOf(explanation: RouteExplanation): RouteDecision {
  const { outcome, reasons, configVersion } = explanation;
  if (outcome === 'target') {
    return { outcome, target: explanation.target!, group: explanation.group!, reasons, configVersion, ...(explanation.headroom !== undefined ? { headroom: explanation.headroom } : {}) };
  }
  if (outcome === 'wait') return { outcome, group: explanation.group!, reasons, configVersion, ...(explanation.full?.length ? { full: explanation.full } : {}) };
  return { outcome, reasons, configVersion };
}

/** What routing learns of a target's queue: whether the query may take it, and the figures behind that. */
interface Room {
  room: boolean;
  /** Queries holding the target now (before this one). */
  active: number;
  /** Only when it has room but queries of the group wait for it (a newcomer goes behind them). */
  behindLine?: boolean;
  depth?: { queued: number; running: number };
  describe: string;
}

type RoomProbe = (target: string, limit: number, group: string) => Promise<Room>;

/** Reads depths (explain, and routers without slots); a target listed twice is read once per decision. */
function depthProbe(depths: TargetDepths): RoomProbe {
  const seen = new Map<string, Promise<TargetDepth>>();
  return async (target, limit) => {
    let d = seen.get(target);
    if (!d) seen.set(target, (d = depths.depth(target)));
    const depth = await d;
    const active = depth.queued + depth.running;
    return { room: active < limit, active, depth: { queued: depth.queued, running: depth.running }, describe: describeDepth(depth) };
  };
}

/**
 * Takes a slot on each target it is asked about until one has room: the first target that grants
 * one is chosen (evaluation stops there), so a decision holds at most one slot. A target listed
 * twice in a chain is skipped before this is asked (`seen`).
 */
function slotProbe(slots: TargetSlots, request: RoutingRequest, taken: { target?: string }): RoomProbe {
  return async (target, limit, group) => {
    const attempt = await slots.take(target, { limit, group, newcomer: !request.waiting, ...(request.queryId !== undefined ? { holder: request.queryId } : {}) });
    const line = attempt.waiting[group] ?? 0;
    if (attempt.taken) {
      taken.target = target;
      return { room: true, active: attempt.active - 1, describe: `${attempt.active - 1} active` };
    }
    const behindLine = attempt.active < limit;
    return { room: false, active: attempt.active, behindLine, describe: behindLine ? `${line} quer${line === 1 ? 'y' : 'ies'} of group '${group}' wait for it` : `${attempt.active} active` };
  };
}

export interface BifrostRouter extends Router {
  route(request: RoutingRequest): Promise<RouteDecision>;
  /** The same decision with everything that led to it; nothing runs. */
  explain(request: RoutingRequest): Promise<RouteExplanation>;
}

export function createRouter(deps: RouterDeps): BifrostRouter {
  const source = sourceOf(deps.config);
  const health = deps.health ?? allHealthy;
  const allowed = deps.allowed ?? allowAllTargets;
  return {
    async route(request) {
      if (!deps.slots) return decisionOf(await evaluate(await source.current(), request, depthProbe(deps.depths), health, allowed, false));
      const taken: { target?: string } = {};
      const decision = decisionOf(await evaluate(await source.current(), request, slotProbe(deps.slots, request, taken), health, allowed, false));
      if (decision.outcome !== 'target') return decision;
      // An overflow (use-last) takes its slot whatever the count: it still counts while it runs.
      if (taken.target !== decision.target) await deps.slots.take(decision.target, { limit: 0, group: decision.group, newcomer: false, force: true, ...(request.queryId !== undefined ? { holder: request.queryId } : {}) });
      return { ...decision, slot: true };
    },
    async explain(request) {
      return readable(await evaluate(await source.current(), request, depthProbe(deps.depths), health, allowed, true));
    },
  };
}

/** The same explanation with the answer first, for people reading the JSON. */
function readable(e: RouteExplanation): RouteExplanation {
  const { outcome, group, target, headroom, whenFull, configVersion, groupReason, facts, rules, rulesNotEvaluated, targets, reasons } = e;
  return {
    outcome,
    ...(group !== undefined ? { group } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(headroom !== undefined ? { headroom } : {}),
    ...(whenFull !== undefined ? { whenFull } : {}),
    configVersion,
    groupReason,
    facts,
    rules,
    rulesNotEvaluated,
    targets,
    reasons,
  };
}

export const zeroDepths: TargetDepths = { depth: async () => ({ queued: 0, running: 0 }) };

/**
 * Explains how a request would be routed, for the admin API and `bifrost route`: the routing
 * group, the target (or wait / deny), and every rule and target considered with why. Nothing runs;
 * depths are 0 unless given.
 */
export async function explainRoute(
  config: BifrostConfig | EffectiveConfig | ConfigSource,
  request: RoutingRequest,
  deps: { depths?: TargetDepths; health?: TargetHealth; allowed?: TargetPermission } = {},
): Promise<RouteExplanation> {
  return createRouter({ config, depths: deps.depths ?? zeroDepths, ...(deps.health ? { health: deps.health } : {}), ...(deps.allowed ? { allowed: deps.allowed } : {}) }).explain(request);
}

/** A router for a single target: every query goes there (local mode with one engine, tests). */
export function singleTargetRouter(target: string): Router {
  return { route: async () => ({ outcome: 'target', target, group: 'default', reasons: [`only target ${target} is configured`] }) };
}
