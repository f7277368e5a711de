/**
 * `bifrost route --config FILE --user U [...]`: how a query would be routed, as JSON: the
 * routing group, the target (or wait / deny), and every rule and target considered with why;
 * and, on a target billed per scan, the budget decision the gateway would take (run, warn or
 * refuse, and why), as the admin API's explain gives it. Nothing runs and nothing is read but the
 * config file: queue depths are 0 and nothing is spent unless given.
 */
import { readFile } from 'node:fs/promises';
import { parseConfigText } from '../../lambdas/core/config/schema.js';
import { QueryFailure } from '../../lambdas/core/errors.js';
import type { Analysis, Analyzer, RoutingRequest, ClientSession, TargetState } from '../../lambdas/core/ports/index.js';
import { planStatement } from '../../lambdas/core/protocol/statements.js';
import { trinoAnalyzer } from '../../lambdas/core/sql/analyze.js';
import { routingAnalysis } from '../../lambdas/core/routing/queueing.js';
import { explainRoute } from '../../lambdas/core/routing/router.js';
import { effectiveConfig } from '../../lambdas/core/stores/config-store.js';
import { createBudgetGate } from '../../lambdas/core/budgets/gate.js';
import { formatAmount, type BudgetDecision } from '../../lambdas/core/budgets/decide.js';
import { periodKey } from '../../lambdas/core/budgets/periods.js';
import { trackingSettings } from '../../lambdas/core/tracking/settings.js';
import type { SpendCounter, SpendReader } from '../../lambdas/core/ports/index.js';
import { parseOptions, type CommandIo } from '../cli.js';

const USAGE = `usage: bifrost route --config FILE --user USER [options]

request:
  --groups G1,G2           the user's groups
  --source SOURCE          the client's source (X-Trino-Source), e.g. Tableau
  --tags T1,T2             client tags
  --routing HINT           the routing extra credential (extraCredentials=routing:HINT)
  --routing-group GROUP    the X-Trino-Routing-Group header
  --sql SQL                the statement: its kind and the tables it touches
  --tables T1,T2           more tables to treat as touched (catalog.schema.table)
  --catalog C --schema S   the session's catalog and schema

state (what-if):
  --depths T=N,...         active queries per target (default 0)
  --states T=STATE,...     target states: active, draining, disabled
  --unhealthy T1,T2        targets to treat as unhealthy
  --spent SCOPE=AMOUNT,... what is already spent, for the budgets (default nothing):
                           SCOPE is user:NAME or group:NAME, for today and this month,
                           or user:NAME/day, user:NAME/month for one of them; AMOUNT is
                           data scanned (900MB, 1.5TB; B, KB, MB, GB, TB, PB in powers
                           of 1024, as budget messages print them) or dollars ($40, 40USD),
                           the other one reckoned at gateway.pricePerTerabyteUsd.
                           e.g. --spent 'user:alice=900MB,group:analysts/day=$45'

On a target billed per data scanned (an on-demand Athena workgroup), the answer's "budgets"
says what the gateway would do with the config's budgets and grants: run, warn (the query runs
and the client is told) or refuse (EXCEEDED_BUDGET), with each budget's spend and limit and why.
`;

const OPTIONS = {
  config: 'string',
  user: 'string',
  groups: 'string',
  source: 'string',
  tags: 'string',
  routing: 'string',
  'routing-group': 'string',
  sql: 'string',
  tables: 'string',
  catalog: 'string',
  schema: 'string',
  depths: 'string',
  states: 'string',
  unhealthy: 'string',
  spent: 'string',
  help: 'boolean',
} as const;

export interface RouteCommandDeps {
  /** The SQL analyzer, for the tables a statement touches (default: the Trino grammar's). */
  analyzer?: Analyzer;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  return routeCommand(args, io);
}

const list = (text: string | undefined) => (text ? text.split(',').map((s) => s.trim()).filter(Boolean) : []);

function pairs(text: string | undefined, option: string): [string, string][] {
  return list(text).map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`--${option}: expected NAME=VALUE, got '${item}'`);
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}

export async function routeCommand(args: string[], io: CommandIo, deps: RouteCommandDeps = {}): Promise<number> {
  const options = parseOptions(args, OPTIONS) as Partial<Record<keyof typeof OPTIONS, string>> & { help?: boolean };
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (!options.config || !options.user) {
    io.stderr.write(`bifrost route: --config and --user are required\n\n${USAGE}`);
    return 2;
  }
  const file = parseConfigText(await readFile(options.config, 'utf8'));
  const unknown = (name: string, option: string) => {
    if (!file.targets[name]) throw new Error(`--${option}: unknown target '${name}' (targets: ${Object.keys(file.targets).join(', ')})`);
  };

  const targetStates: Record<string, { state: TargetState }> = {};
  for (const [name, state] of pairs(options.states, 'states')) {
    unknown(name, 'states');
    if (state !== 'active' && state !== 'draining' && state !== 'disabled') throw new Error(`--states: '${state}' is not one of active, draining, disabled`);
    targetStates[name] = { state };
  }
  const config = effectiveConfig(file, { version: 0, targets: targetStates });
  const depths: Record<string, number> = {};
  for (const [name, value] of pairs(options.depths, 'depths')) {
    unknown(name, 'depths');
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--depths: '${value}' is not a whole number of queries`);
    depths[name] = n;
  }
  const unhealthy = list(options.unhealthy);
  unhealthy.forEach((t) => unknown(t, 'unhealthy'));
  const now = Date.now();
  const spent = spentCounters(options.spent, config.gateway.pricePerTerabyteUsd, now);

  const session: ClientSession = {
    dialect: 'trino',
    user: options.user,
    clientTags: list(options.tags),
    clientCapabilities: [],
    properties: {},
    resourceEstimates: {},
    roles: {},
    extraCredentials: options.routing !== undefined ? { routing: options.routing } : {},
    preparedStatements: {},
  };
  if (options.source !== undefined) session.source = options.source;
  if (options['routing-group'] !== undefined) session.routingGroup = options['routing-group'];
  if (options.catalog !== undefined) session.catalog = options.catalog;
  if (options.schema !== undefined) session.schema = options.schema;

  let analysis: Analysis | undefined;
  if (options.sql !== undefined) {
    let plan;
    try {
      plan = planStatement(options.sql, session);
    } catch (error) {
      if (error instanceof QueryFailure) throw new Error(`--sql: ${error.message}`);
      throw error;
    }
    if (plan.kind !== 'query') {
      io.stdout.write(JSON.stringify({ outcome: 'gateway', note: `${plan.kind === 'session' ? plan.updateType : 'DESCRIBE INPUT'} is answered by the gateway itself: it is not routed` }, null, 2) + '\n');
      return 0;
    }
    // As the gateway does: the analyzer's tables, the statement kind of the gateway's plan.
    const analyzed = (deps.analyzer ?? trinoAnalyzer).analyze(plan.sql, session);
    // The gateway routes what it cannot analyze without its tables; say so rather than route silently.
    if (!analyzed.ok) io.stderr.write(`bifrost route: --sql could not be analyzed (${analyzed.error ?? 'no reason given'}): routed without its tables, as the gateway would; under access rules it would be denied\n`);
    analysis = routingAnalysis(analyzed, plan.updateType ?? 'SELECT');
  }
  const tables = list(options.tables).map((t) => qualify(t, session));
  if (tables.length) {
    analysis = { ok: true, kind: analysis?.kind ?? 'SELECT', tables: [...(analysis?.ok ? analysis.tables : []), ...tables.map((name) => ({ name, parts: name.split('.'), access: 'read' as const }))] };
  }

  const request: RoutingRequest = { principal: { user: options.user, groups: list(options.groups), method: 'cli' }, session, ...(analysis ? { analysis } : {}) };
  const explanation = await explainRoute(config, request, {
    depths: { depth: async (t) => ({ queued: 0, running: depths[t] ?? 0 }) },
    health: { healthy: (t) => !unhealthy.includes(t) },
  });
  const budgets = await budgetDecision(config, request.principal, (explanation as { target?: unknown }).target, spent, now);
  io.stdout.write(JSON.stringify(budgets ? { ...explanation, budgets } : explanation, null, 2) + '\n');
  return 0;
}

const UNITS: Record<string, number> = { b: 1, kb: 2 ** 10, mb: 2 ** 20, gb: 2 ** 30, tb: 2 ** 40, pb: 2 ** 50, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, pib: 2 ** 50 };

/** --spent: counters as the gateway would read them, for the current day and month (or the one named). */
function spentCounters(text: string | undefined, pricePerTerabyteUsd: number, now: number): SpendCounter[] {
  const counters = new Map<string, SpendCounter>();
  for (const [scopeText, amountText] of pairs(text, 'spent')) {
    const scope = /^(user|group):([^/]+?)(?:\/(day|month))?$/.exec(scopeText);
    if (!scope) throw new Error(`--spent: '${scopeText}' is not user:NAME or group:NAME (with /day or /month for one period)`);
    const amount = /^\s*(?:\$\s*([\d.]+)|([\d.]+)\s*(usd|\$)|([\d.]+)\s*([kmgtp]?i?b)?)\s*$/i.exec(amountText);
    const dollars = amount ? Number(amount[1] ?? amount[2]) : NaN;
    const size = amount?.[4] !== undefined ? Number(amount[4]) * UNITS[(amount[5] ?? 'b').toLowerCase()]! : NaN;
    if (!amount || (Number.isNaN(dollars) && Number.isNaN(size)) || (amount[5] && !UNITS[amount[5].toLowerCase()])) throw new Error(`--spent: '${amountText}' is not an amount of data (900MB, 1.5TB) or dollars ($40)`);
    const bytes = Number.isNaN(size) ? Math.round((dollars / pricePerTerabyteUsd) * 2 ** 40) : Math.round(size);
    const costUsd = Number.isNaN(size) ? dollars : Math.round((size / 2 ** 40) * pricePerTerabyteUsd * 1e6) / 1e6;
    for (const kind of scope[3] ? [scope[3] as 'day' | 'month'] : (['day', 'month'] as const)) {
      const counter: SpendCounter = { scope: { kind: scope[1] as 'user' | 'group', name: scope[2]! }, period: periodKey(kind, now), bytes, costUsd, queries: 0, engineMs: 0 };
      counters.set(`${scopeText.replace(/\/.*$/, '')}#${counter.period}`, counter);
    }
  }
  return [...counters.values()];
}

/** The budget decision on the target routing chose, as the gateway takes it at admission (and the admin API's explain shows it). */
async function budgetDecision(config: ReturnType<typeof effectiveConfig>, principal: RoutingRequest['principal'], target: unknown, spent: SpendCounter[], now: number): Promise<(BudgetDecision & { why: string[] }) | { outcome: 'run'; why: string[] } | undefined> {
  if (typeof target !== 'string') return undefined;
  const price = trackingSettings(config).pricePerTerabyteUsd;
  if (price(target) === undefined) return { outcome: 'run', why: [`target ${target} is not billed per data scanned: budgets do not apply`] };
  const spend: SpendReader = {
    read: async (keys) => spent.filter((c) => keys.some((k) => k.period === c.period && k.scope.kind === c.scope.kind && k.scope.name === c.scope.name)),
    list: async (period) => spent.filter((c) => c.period === period),
  };
  const gate = createBudgetGate({ budgets: async () => config.budgets, spend, billed: (t) => price(t) !== undefined, pricePerTerabyteUsd: config.gateway.pricePerTerabyteUsd, clock: () => now });
  const decision = await gate.check(principal, target);
  if (!decision) return { outcome: 'run', why: [`no budget applies to ${principal.user} on ${target}`] };
  const why =
    decision.outcome === 'refuse'
      ? [decision.message!]
      : decision.outcome === 'warn'
        ? decision.warnings
        : decision.checks.map((c) => `budget '${c.budget}' (${c.scope.kind} ${c.scope.name}, per ${c.period}): ${formatAmount(c.unit, c.spent)} of ${formatAmount(c.unit, c.limit)} spent, under its warning threshold of ${Math.round(c.warnAt * 100)}%`);
  return { ...decision, why };
}

function qualify(name: string, session: ClientSession): string {
  const parts = name.toLowerCase().split('.');
  if (parts.length === 3) return parts.join('.');
  if (parts.length === 2 && session.catalog) return [session.catalog, ...parts].join('.');
  if (parts.length === 1 && session.catalog && session.schema) return [session.catalog, session.schema, ...parts].join('.');
  throw new Error(`--tables: '${name}' is not qualified (catalog.schema.table), and --catalog/--schema do not complete it`);
}
