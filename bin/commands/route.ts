/**
 * `bifrost route --config FILE --user U [...]`: how a query would be routed, as JSON: the
 * routing group, the target (or wait / deny), and every rule and target considered with why.
 * Nothing runs and nothing is read but the config file: queue depths are 0 unless given.
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
  io.stdout.write(JSON.stringify(explanation, null, 2) + '\n');
  return 0;
}

function qualify(name: string, session: ClientSession): string {
  const parts = name.toLowerCase().split('.');
  if (parts.length === 3) return parts.join('.');
  if (parts.length === 2 && session.catalog) return [session.catalog, ...parts].join('.');
  if (parts.length === 1 && session.catalog && session.schema) return [session.catalog, session.schema, ...parts].join('.');
  throw new Error(`--tables: '${name}' is not qualified (catalog.schema.table), and --catalog/--schema do not complete it`);
}
