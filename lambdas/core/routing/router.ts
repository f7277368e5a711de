import type { BifrostConfig, RoutingGroupConfig } from '../config/schema.js';
import type { Principal, Router, RoutingRequest, TargetDepth, TargetDepths, ConfigSource, EffectiveConfig, TargetHealth, TargetPermission } from '../ports/index.js';
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
async function evaluate(effective: EffectiveConfig, request: RoutingRequest, depths: TargetDepths, health: TargetHealth, allowed: TargetPermission, detailed: boolean): Promise<RouteExplanation> {
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
    let depth: TargetDepth;
    try {
      depth = await depths.depth(name);
    } catch (error) {
      verdict.why = `queue depth could not be read (${String((error as Error)?.message ?? error)}): treated as full`;
      continue;
    }
    verdict.depth = { queued: depth.queued, running: depth.running };
    const active = depth.queued + depth.running;
    if (active < target.queueLimit) {
      verdict.verdict = 'chosen';
      verdict.why = `active, healthy, allowed, below its queue limit (${describeDepth(depth)}; limit ${target.queueLimit})`;
      chosen = { name, headroom: target.queueLimit - active };
    } else {
      verdict.why = `full (${describeDepth(depth)}; limit ${target.queueLimit})`;
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
    explanation = { outcome: 'wait', ...base, group: groupName, whenFull: group.whenFull, targets, reasons };
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
  if (outcome === 'wait') return { outcome, group: explanation.group!, reasons, configVersion };
  return { outcome, reasons, configVersion };
}

/** Depth reads cached for the length of one decision: a target listed twice is read once. */
function perDecision(depths: TargetDepths): TargetDepths {
  const seen = new Map<string, Promise<TargetDepth>>();
  return {
    depth(target) {
      let d = seen.get(target);
      if (!d) seen.set(target, (d = depths.depth(target)));
      return d;
    },
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
      const explanation = await evaluate(await source.current(), request, perDecision(deps.depths), health, allowed, false);
      return decisionOf(explanation);
    },
    async explain(request) {
      return readable(await evaluate(await source.current(), request, perDecision(deps.depths), health, allowed, true));
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
