/**
 * Spend: what queries billed per scan cost, counted per scope (a user, a group, a tool, a target)
 * and period (a UTC day or month) in counter items every process reads (docs/budgets.md). The
 * counters grow in the same write path that records a query's final statistics, exactly once per
 * query; admission reads the counters it needs in one batched read.
 */

export type SpendScopeKind = 'user' | 'group' | 'source' | 'target';

export interface SpendScope {
  kind: SpendScopeKind;
  name: string;
}

/** `D2026-12-07` (a UTC day) or `M2026-12` (a UTC month). */
export type PeriodKey = string;

export interface SpendFigures {
  /** Bytes scanned (Athena's DataScannedInBytes). */
  bytes: number;
  /** Estimated dollars. */
  costUsd: number;
  /** Queries counted. */
  queries: number;
  /** Engine time (ms). */
  engineMs: number;
}

export interface SpendCounter extends SpendFigures {
  scope: SpendScope;
  period: PeriodKey;
}

/** What a query adds to the counters, and whose it is. */
export interface SpendEntry {
  user: string;
  groups: readonly string[];
  source?: string;
  target?: string;
  /** When the query was submitted: the period it counts in. */
  at: number;
  figures: SpendFigures;
}

export interface SpendReader {
  /** The counters of these scopes and periods; absent ones have spent nothing. */
  read(keys: readonly { scope: SpendScope; period: PeriodKey }[]): Promise<SpendCounter[]>;
  /** Every counter of a period (the admin page's spend view). */
  list(period: PeriodKey): Promise<SpendCounter[]>;
}
