import type { Analysis } from './analysis.js';
import type { Principal } from './auth.js';

/** Access control: whether a principal may run what the analysis saw. */

export type AccessDecision = { allowed: true; rule?: string } | { allowed: false; reason: string; rule?: string };

export interface AccessControl {
  /** Whether any rule applies: when none do, unparsed SQL is not a reason to deny. */
  readonly enforcing: boolean;
  check(principal: Principal, analysis: Analysis): AccessDecision;
}
