import type { BifrostConfig } from '../config/schema.js';
import type { Analysis } from './analysis.js';
import type { Principal } from './auth.js';
import type { ClientSession } from './session.js';

/** Routing: which target runs a query, and what routing asks of health, permissions and config. */

export interface RoutingRequest {
  principal: Principal;
  session: ClientSession;
  analysis?: Analysis;
  /**
   * Targets not to choose, each with why (a submit that never reached it: the gateway fails over
   * to the rest of the chain). Routers that cannot skip targets may ignore it.
   */
  exclude?: Readonly<Record<string, string>>;
  /** The query already waits in its group's line (a poll of a waiting query): it is not a newcomer. */
  waiting?: boolean;
  /** The query routed: a slot taken for it carries its id (TargetSlots.take's holder). */
  queryId?: string;
}

export type RoutingDecision =
  /** `slot`: the router took a slot on the target (TargetSlots); whoever does not use it gives it back. */
  | { outcome: 'target'; target: string; group: string; reasons: string[]; slot?: boolean }
  /** Every target of the group is full and the group waits at the gateway; `full`: the targets waited for. */
  | { outcome: 'wait'; group: string; reasons: string[]; full?: string[] }
  | { outcome: 'deny'; reasons: string[] };

export interface Router {
  route(request: RoutingRequest): Promise<RoutingDecision>;
}

/**
 * Whether a target answers at all. Cluster health checks own the real implementation; routing
 * only asks. Synchronous answers are preferred (the hot path awaits only promises).
 */
export interface TargetHealth {
  healthy(target: string): boolean | Promise<boolean>;
}

/**
 * Whether a principal may run queries on a target reached through a routing group. Access
 * control owns the real rules (which targets a user may use); routing only asks.
 */
export type TargetPermission = (principal: Principal, target: string, group: string) => boolean | Promise<boolean>;

/** The config routing works from: the file, plus run-time overrides, with their version. */
export interface EffectiveConfig {
  config: BifrostConfig;
  /** Version of the run-time overrides applied (0: the file as it is). */
  version: number;
  /** Why stored overrides were not applied, when they could not be (the file config is used then). */
  problems?: string[];
}

export interface ConfigSource {
  current(): Promise<EffectiveConfig>;
}
