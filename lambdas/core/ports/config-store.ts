import type { BifrostConfig, RoutingGroupConfig, RoutingRule } from '../config/schema.js';

/** The access rules section of the config (the schema of acl/rules.ts). */
type AccessRules = NonNullable<BifrostConfig['access']>;

/** Run-time config: what operators change without a redeploy, over the file config (stores/config-store.ts). */

export type TargetState = 'active' | 'draining' | 'disabled';

export interface TargetOverride {
  state: TargetState;
  /** Why (maintenance, migration, ...), shown in explanations and the admin UI. */
  reason?: string;
}

export interface RoutingSection {
  routingGroups: Record<string, RoutingGroupConfig>;
  rules: RoutingRule[];
  defaultRoutingGroup: string;
}

export interface ConfigOverrides {
  /** Increases by one with every accepted change; 0 when nothing was ever stored. */
  version: number;
  targets: Record<string, TargetOverride>;
  /** Replaces the file's routingGroups, rules and defaultRoutingGroup when present. */
  routing?: RoutingSection;
  /** Replaces the file's access rules when present. */
  access?: AccessRules;
  /** Replaces the file's budgets section (limits and grants) when present. */
  budgets?: BifrostConfig['budgets'];
  updatedAt?: number;
  updatedBy?: string;
  comment?: string;
}

export interface ConfigChange {
  /** Target states to set; null removes a target's override (back to the file's state). */
  targets?: Record<string, TargetOverride | null>;
  /** A replacement routing section; null goes back to the file's routing. */
  routing?: RoutingSection | null;
  /** Replacement access rules; null goes back to the file's rules. */
  access?: AccessRules | null;
  /** A replacement budgets section; null goes back to the file's budgets. */
  budgets?: unknown;
  /** Who made the change and why, kept with the overrides. */
  by?: string;
  comment?: string;
}

export type ApplyResult =
  | { ok: true; overrides: ConfigOverrides }
  /** The stored version is not the one the change was made from: read again, redo the change. */
  | { ok: false; reason: 'conflict'; currentVersion: number; problems: string[] }
  /** The change would make the config invalid: nothing was applied. */
  | { ok: false; reason: 'invalid'; currentVersion: number; problems: string[] };

export interface ConfigStore {
  /** The stored overrides; version 0 with none when nothing was ever stored. */
  read(): Promise<ConfigOverrides>;
  /** Validates and applies a change made from `expectedVersion`, all or nothing. */
  apply(change: ConfigChange, expectedVersion: number): Promise<ApplyResult>;
}
