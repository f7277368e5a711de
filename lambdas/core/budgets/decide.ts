import type { Principal, SpendCounter, SpendScope } from '../ports/index.js';
import type { Budget, BudgetGrant, BudgetsSection } from './config.js';
import { periodEnd, periodKey, periodStart } from './periods.js';

/** The protocol's warning for a query that runs over a budget's warning threshold (Bifrost's own code). */
export const BUDGET_WARNING_CODE = Object.freeze({ code: 0x0000_fb10, name: 'BUDGET_WARNING' });

/** One budget as it stands for one query's user. */
export interface BudgetCheck {
  budget: string;
  /** Whose spend: the user (for a user budget, '*' made concrete) or the group. */
  scope: SpendScope;
  period: Budget['period'];
  periodKey: string;
  periodStart: number;
  /** When the period ends and the budget starts afresh (epoch ms). */
  resetsAt: number;
  unit: 'bytes' | 'usd';
  limit: number;
  spent: number;
  /** The warning threshold, as a share of the limit (0..1). */
  warnAt: number;
  state: 'ok' | 'warn' | 'exceeded' | 'granted';
  /** The grant that lets the user past an exhausted budget. */
  grant?: BudgetGrant;
}

export interface BudgetDecision {
  outcome: 'run' | 'warn' | 'refuse';
  checks: BudgetCheck[];
  /** The budget that refuses the query. */
  refusedBy?: BudgetCheck;
  /** Messages for the protocol's warnings. */
  warnings: string[];
  /** Why the query is refused, for the client. */
  message?: string;
}

/** The budgets that apply to a principal, with the scope each one counts. */
export function applicableBudgets(section: BudgetsSection, principal: Pick<Principal, 'user' | 'groups'>): { budget: Budget; scope: SpendScope }[] {
  const out: { budget: Budget; scope: SpendScope }[] = [];
  for (const budget of section.limits) {
    if (budget.scope.kind === 'user' && (budget.scope.name === '*' || budget.scope.name === principal.user)) out.push({ budget, scope: { kind: 'user', name: principal.user } });
    else if (budget.scope.kind === 'group' && principal.groups.includes(budget.scope.name)) out.push({ budget, scope: { kind: 'group', name: budget.scope.name } });
  }
  return out;
}

/** The counter keys a decision needs: one per applicable budget (scopes and periods shared are read once). */
export function counterKeys(applicable: readonly { budget: Budget; scope: SpendScope }[], now: number): { scope: SpendScope; period: string }[] {
  const seen = new Map<string, { scope: SpendScope; period: string }>();
  for (const { budget, scope } of applicable) {
    const period = periodKey(budget.period, now);
    seen.set(`${scope.kind}#${scope.name}#${period}`, { scope, period });
  }
  return [...seen.values()];
}

/**
 * Under every budget: run. Over a warning threshold: run, and say so. At or over a limit: refuse,
 * unless a grant for this user and budget is still valid. The budget most over its limit refuses.
 */
export function decideBudgets(section: BudgetsSection, principal: Pick<Principal, 'user' | 'groups'>, counters: readonly SpendCounter[], now: number): BudgetDecision {
  const checks = applicableBudgets(section, principal).map(({ budget, scope }) => checkOf(section, budget, scope, principal.user, counters, now));
  const exceeded = checks.filter((c) => c.state === 'exceeded').sort((a, b) => b.spent / b.limit - a.spent / a.limit);
  const warnings = checks.filter((c) => c.state === 'warn' || c.state === 'granted').map(warningText);
  if (exceeded.length) return { outcome: 'refuse', checks, refusedBy: exceeded[0]!, warnings, message: refusalText(exceeded[0]!) };
  return { outcome: warnings.length ? 'warn' : 'run', checks, warnings };
}

function checkOf(section: BudgetsSection, budget: Budget, scope: SpendScope, user: string, counters: readonly SpendCounter[], now: number): BudgetCheck {
  const key = periodKey(budget.period, now);
  const counter = counters.find((c) => c.period === key && c.scope.kind === scope.kind && c.scope.name === scope.name);
  const unit = budget.limitBytes !== undefined ? 'bytes' : 'usd';
  const limit = budget.limitBytes ?? budget.limitUsd!;
  const spent = unit === 'bytes' ? (counter?.bytes ?? 0) : (counter?.costUsd ?? 0);
  const warnAt = (budget.warnAtPercent ?? section.warnAtPercent) / 100;
  const check: BudgetCheck = { budget: budget.name, scope, period: budget.period, periodKey: key, periodStart: periodStart(budget.period, now), resetsAt: periodEnd(budget.period, now), unit, limit, spent, warnAt, state: 'ok' };
  if (spent >= limit) {
    const grant = section.grants.find((g) => g.user === user && g.budget === budget.name && Date.parse(g.until) > now);
    check.state = grant ? 'granted' : 'exceeded';
    if (grant) check.grant = grant;
  } else if (spent >= limit * warnAt) check.state = 'warn';
  return check;
}

export function formatAmount(unit: BudgetCheck['unit'], value: number): string {
  if (unit === 'usd') return `$${value.toFixed(2)}`;
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = value;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(2)} ${units[i]}`;
}

function whose(check: BudgetCheck): string {
  return `${check.scope.kind} ${check.scope.name}, per ${check.period}`;
}

function spentText(check: BudgetCheck): string {
  return `${formatAmount(check.unit, check.spent)} of ${formatAmount(check.unit, check.limit)} spent this ${check.period}`;
}

function warningText(check: BudgetCheck): string {
  if (check.state === 'granted') return `Budget '${check.budget}' (${whose(check)}) is exhausted (${spentText(check)}); the query runs under a grant until ${check.grant!.until}`;
  return `Budget '${check.budget}' (${whose(check)}) is at ${Math.floor((check.spent / check.limit) * 100)}%: ${spentText(check)}; it resets at ${new Date(check.resetsAt).toISOString()}`;
}

function refusalText(check: BudgetCheck): string {
  return `Query refused: budget '${check.budget}' (${whose(check)}) is exhausted: ${spentText(check)}; it resets at ${new Date(check.resetsAt).toISOString()}`;
}
