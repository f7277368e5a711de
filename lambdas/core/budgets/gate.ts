import type { BifrostEvents } from '../events/index.js';
import type { Principal, SpendReader } from '../ports/index.js';
import type { BudgetsSection } from './config.js';
import { applicableBudgets, counterKeys, decideBudgets, type BudgetCheck, type BudgetDecision } from './decide.js';

/** What admission needs to decide on budgets. */
export interface BudgetGateDeps {
  /** The budgets in effect (the file's, or the run-time ones). */
  budgets(): Promise<BudgetsSection>;
  spend: SpendReader;
  /** Whether the target is billed per data scanned: budgets apply only to those. */
  billed(target: string): boolean;
  /** Price per TB scanned, to tell byte budgets in dollars in events. */
  pricePerTerabyteUsd: number;
  events?: BifrostEvents;
  clock?: () => number;
}

export interface BudgetGate {
  /** The decision for a query of `principal` on `target`; undefined when no budget applies. */
  check(principal: Pick<Principal, 'user' | 'groups'>, target: string, queryId?: string): Promise<BudgetDecision | undefined>;
}

export function createBudgetGate(deps: BudgetGateDeps): BudgetGate {
  const clock = deps.clock ?? Date.now;
  const told = new Set<string>();
  return {
    async check(principal, target, queryId) {
      if (!deps.billed(target)) return undefined;
      const section = await deps.budgets();
      const now = clock();
      const applicable = applicableBudgets(section, principal);
      if (!applicable.length) return undefined;
      // One batched read of the counters: O(budgets that apply), whatever the number of queries.
      const counters = await deps.spend.read(counterKeys(applicable, now));
      const decision = decideBudgets(section, principal, counters, now);
      if (queryId && deps.events?.enabled) for (const check of decision.checks) tell(deps, told, check, principal.user, now, queryId);
      return decision;
    },
  };
}

/**
 * Budget Warning and Budget Exceeded, once per budget, period and threshold in this process (the
 * event id is stable across processes, so consumers deduplicate the rest; docs/events.md).
 */
function tell(deps: BudgetGateDeps, told: Set<string>, check: BudgetCheck, user: string, now: number, queryId?: string): void {
  if (check.state === 'ok') return;
  const exceeded = check.state !== 'warn';
  const key = `${check.budget}/${check.scope.name}/${check.periodKey}/${exceeded ? 'exceeded' : 'warn'}`;
  if (told.has(key)) return;
  told.add(key);
  if (told.size > 10_000) told.clear();
  const usd = (value: number) => (check.unit === 'usd' ? value : (value / 2 ** 40) * deps.pricePerTerabyteUsd);
  const facts = {
    budget: `${check.budget}${check.scope.kind === 'user' ? `:${check.scope.name}` : ''}`,
    scope: { kind: check.scope.kind as 'user' | 'group', name: check.scope.name },
    period: check.period,
    periodStart: check.periodStart,
    limitUsd: Math.round(usd(check.limit) * 1e6) / 1e6,
    spentUsd: Math.round(usd(check.spent) * 1e6) / 1e6,
    at: now,
    user,
    ...(queryId ? { queryId } : {}),
  };
  if (exceeded) deps.events!.budgetExceeded(facts);
  else deps.events!.budgetWarning({ ...facts, thresholdPercent: Math.round(check.warnAt * 100) });
}
