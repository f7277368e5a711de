import type { BifrostConfig } from '../config/schema.js';
import type { RoutingDecision, TargetDepths, TargetHealth, TargetPermission, EffectiveConfig, ConfigSource, TargetSlots } from '../ports/index.js';

/** Every target counts as healthy: routing without health checks. */
export const allHealthy: TargetHealth = { healthy: () => true };

/** Every principal may use every target: routing without access rules on targets. */
export const allowAllTargets: TargetPermission = () => true;

export interface RouterDeps {
  /** The config to route with: a fixed config, or a source that follows run-time changes. */
  config: BifrostConfig | EffectiveConfig | ConfigSource;
  depths: TargetDepths;
  /**
   * Queue slots: when given, `route` takes a slot on the target it chooses (a conditional write
   * per target tried, O(targets)), so that no limit is passed under concurrency; `explain` only
   * reads `depths`.
   */
  slots?: TargetSlots;
  health?: TargetHealth;
  allowed?: TargetPermission;
}

/** The facts a request is routed on, as rules see them. */
export interface RoutingFacts {
  user: string;
  groups: string[];
  source?: string;
  clientTags: string[];
  /** The `routing` extra credential. */
  routingHint?: string;
  /** The X-Trino-Routing-Group / X-Presto-Routing-Group header. */
  routingGroupHeader?: string;
  /** Upper-case, single-spaced (SELECT, INSERT, CREATE TABLE, ...); absent when unknown. */
  statementKind?: string;
  /** Fully qualified, lower-cased tables touched; absent when the statement was not analyzed. */
  tables?: string[];
  /** catalog.schema of the tables touched; absent when the statement was not analyzed. */
  schemas?: string[];
}

export interface RuleVerdict {
  name: string;
  priority: number;
  routingGroup: string;
  matched: boolean;
  /** Why the rule matched (its conditions) or the first condition that failed. */
  why: string;
}

export type TargetVerdictKind =
  /** Picked: active, healthy, allowed, below its queue limit. */
  | 'chosen'
  /** Picked although full: every usable target is full and the group says `whenFull: use-last`. */
  | 'overflow'
  | 'skipped'
  /** After the chosen target in the chain: not looked at. */
  | 'not-considered';

export interface TargetVerdict {
  name: string;
  verdict: TargetVerdictKind;
  why: string;
  state?: 'active' | 'draining' | 'disabled';
  queueLimit?: number;
  /** Queued and running queries, when they were read. */
  depth?: { queued: number; running: number };
}

/** A routing decision with everything that led to it, for the admin API and `bifrost route`. */
export interface RouteExplanation {
  outcome: RoutingDecision['outcome'];
  group?: string;
  target?: string;
  /** Waiting: the usable targets that were full (the query waits for these). */
  full?: string[];
  /** How many more queries the chosen target takes before it is full (absent on overflow). */
  headroom?: number;
  configVersion: number;
  facts: RoutingFacts;
  /** How the group was chosen: the matching rule, or the default group. */
  groupReason: string;
  /** Rules in evaluation order, up to and including the first match. */
  rules: RuleVerdict[];
  /** Rules after the first match, which were not evaluated. */
  rulesNotEvaluated: number;
  /** The group's chain, in order. */
  targets: TargetVerdict[];
  whenFull?: 'wait' | 'use-last';
  /** The same, as sentences: what the decision carries into the query item. */
  reasons: string[];
}

/**
 * What createRouter's route() returns: the port's decision plus two facts the gateway queue uses.
 * `headroom` is set when a target below its limit was chosen in a group that waits when full;
 * `configVersion` tells which run-time config decided.
 */
export type RouteDecision = RoutingDecision & { headroom?: number; configVersion?: number };
