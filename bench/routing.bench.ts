/**
 * Routing decision latency with 200 rules and 50 targets (target: under 1 ms at p99).
 *
 * The router runs as in the gateway: config from a cached source, depths from an asynchronous
 * TargetDepths port (here in memory, so DynamoDB's own latency is not part of the figure), an
 * asynchronous permission check and a health source. Requests mix early rule matches, late ones
 * and no match at all (every rule evaluated), with targets full often enough that chains fall
 * back. Decisions are timed one by one, after a warm-up; mixed decisions, decisions where no rule
 * matches and explanations run interleaved, 5 rounds, and the figures are the rounds' medians.
 */
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../lambdas/core/config/schema.js';
import type { RoutingRequest, ClientSession } from '../lambdas/core/ports/index.js';
import { cachedConfigSource } from '../lambdas/core/routing/config-source.js';
import { createRouter } from '../lambdas/core/routing/router.js';
import { MemoryConfigStore } from '../lambdas/core/stores/config-store.js';
import type { BenchResult } from './run.js';
import { interleave, percentile, round } from './stats.js';

const RULES = 200;
const TARGETS = 50;
const GROUPS = 25;
const WARMUP = 5_000;
const DECISIONS = 20_000;
const SIDE_DECISIONS = 4_000;
const REPETITIONS = 5;

/** Deterministic pseudo-random numbers (mulberry32), so runs are comparable. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


export default async function bench(): Promise<BenchResult> {
  const rnd = random(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const targetNames = Array.from({ length: TARGETS }, (_, i) => `t${String(i).padStart(2, '0')}`);
  const groupNames = Array.from({ length: GROUPS }, (_, i) => `g${i}`);
  const sources = ['Tableau Desktop', 'Looker', 'trino-jdbc', 'superset', 'airflow', 'dbt'];
  const kinds = ['SELECT', 'INSERT', 'CREATE TABLE', 'DELETE'];
  const schemas = Array.from({ length: 30 }, (_, i) => `hive.s${i}`);

  const rules = Array.from({ length: RULES }, (_, i) => {
    const match: Record<string, unknown> = {};
    switch (i % 8) {
      case 0:
        match.user = `user${i}|svc-${i}-.*`;
        break;
      case 1:
        match.groups = [`team${i}`, `team${i + 1}`];
        match.source = `${pick(['[Tt]ableau', 'Looker', 'trino-jdbc'])}.*`;
        break;
      case 2:
        match.clientTags = [`tag${i}`, 'nightly'];
        break;
      case 3:
        match.routingHint = `hint${i}`;
        break;
      case 4:
        match.routingGroupHeader = `header${i}`;
        break;
      case 5:
        match.statementKinds = ['INSERT', 'CREATE TABLE'];
        match.groups = [`team${i}`];
        break;
      case 6:
        match.tables = [`hive\\.s${i % 30}\\.t${i}.*`];
        break;
      default:
        match.schemas = [`hive\\.s${i % 30}`];
        match.user = `analyst-${i}-.*`;
    }
    return { name: `rule-${i}`, priority: i * 10, match, routingGroup: pick(groupNames) };
  });
  const config = parseConfig({
    version: 1,
    // t05, t22, t39 draining; t06 and t20 disabled (with t13 unhealthy, group g3 has no usable target).
    targets: Object.fromEntries(targetNames.map((t, i) => [t, { type: 'duckdb', queueLimit: 10 + (i % 20), state: i % 17 === 5 ? 'draining' : i === 6 || i === 20 ? 'disabled' : 'active' }])),
    routingGroups: Object.fromEntries(
      groupNames.map((g, i) => [g, { targets: Array.from({ length: 3 + (i % 3) }, (_, k) => targetNames[(i * 2 + k * 7) % TARGETS]!), whenFull: i % 2 ? 'wait' : 'use-last' }]),
    ),
    rules,
    defaultRoutingGroup: 'g0',
  });

  // Depths: about one target in three is full, so chains fall back; every target of group g1
  // (which waits when full) is full, so its queries wait.
  const depths = new Map(targetNames.map((t, i) => [t, { queued: i % 3, running: i % 3 === 0 || [2, 9, 16, 23].includes(i) ? 40 : i % 7 }]));
  const source = cachedConfigSource({ base: config, store: new MemoryConfigStore(config), ttlMs: 5_000 });
  const router = createRouter({
    config: source,
    depths: { depth: async (t) => depths.get(t)! },
    health: { healthy: (t) => t !== 't13' },
    allowed: async (p, t) => !(p.user === 'restricted' && t === 't02'),
  });

  const session = (over: Partial<ClientSession>): ClientSession => ({
    dialect: 'trino',
    user: 'x',
    clientTags: [],
    clientCapabilities: [],
    properties: {},
    resourceEstimates: {},
    roles: {},
    extraCredentials: {},
    preparedStatements: {},
    ...over,
  });
  const requests: RoutingRequest[] = Array.from({ length: 1_000 }, (_, i) => {
    const n = Math.floor(rnd() * RULES);
    const user = i % 4 === 0 ? `user${n - (n % 8)}` : i % 11 === 0 ? 'restricted' : `someone-${i}`;
    const table = `${pick(schemas)}.t${n}`;
    return {
      principal: { user, groups: [`team${n}`, 'everyone'], method: 'bench' },
      session: session({
        user,
        source: pick(sources),
        clientTags: i % 5 === 0 ? [`tag${n - (n % 8) + 2}`, 'nightly'] : ['adhoc'],
        extraCredentials: i % 6 === 0 ? { routing: `hint${n - (n % 8) + 3}` } : {},
        ...(i % 9 === 0 ? { routingGroup: `header${n - (n % 8) + 4}` } : {}),
      }),
      analysis: { ok: true, kind: pick(kinds), tables: [{ name: table, parts: table.split('.'), access: 'read' }] },
    };
  });
  // The worst case on purpose: no rule matches, all 200 are evaluated, then the default group.
  const nobody: RoutingRequest = { principal: { user: 'nobody', groups: [], method: 'bench' }, session: session({ user: 'nobody' }), analysis: { ok: true, kind: 'SELECT', tables: [{ name: 'hive.none.t', parts: ['hive', 'none', 't'], access: 'read' }] } };

  const outcomes: Record<string, number> = {};
  let matchedRules = 0;
  for (let i = 0; i < WARMUP; i++) await router.route(requests[i % requests.length]!);
  const timeEach = async (count: number, fn: (i: number) => Promise<unknown>): Promise<Float64Array> => {
    const times = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await fn(i);
      times[i] = performance.now() - start;
    }
    return times.sort();
  };
  let counted = false;
  const repeated = await interleave(
    {
      mixed: async () => {
        const decisions: { outcome: string; reasons: string[] }[] = [];
        const times = await timeEach(DECISIONS, async (i) => decisions.push(await router.route(i % 10 === 9 ? nobody : requests[i % requests.length]!)));
        // The outcomes are the same every round: counted once.
        if (!counted) {
          counted = true;
          for (const d of decisions) {
            outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
            if (d.reasons.some((r) => r.includes(') matched:'))) matchedRules++;
          }
        }
        return { p50Ms: percentile(times, 50), p90Ms: percentile(times, 90), p99Ms: percentile(times, 99), p999Ms: percentile(times, 99.9), maxMs: times[times.length - 1]!, meanMs: times.reduce((a, b) => a + b, 0) / times.length };
      },
      noRuleMatches: async () => {
        const times = await timeEach(SIDE_DECISIONS, () => router.route(nobody));
        return { noRuleMatchesP50Ms: percentile(times, 50), noRuleMatchesP99Ms: percentile(times, 99) };
      },
      explain: async () => {
        const times = await timeEach(SIDE_DECISIONS, (i) => router.explain(requests[i % requests.length]!));
        return { explainP50Ms: percentile(times, 50), explainP99Ms: percentile(times, 99) };
      },
    },
    { repetitions: REPETITIONS },
  );
  const { figures, spreads, repetitions } = repeated.report(4);
  const p99 = repeated.median('p99Ms');
  return {
    title: `Routing decision latency (router.route, in process), ${RULES} rules, ${TARGETS} targets, ${GROUPS} groups, ${DECISIONS} mixed decisions, ${SIDE_DECISIONS} with no rule matching and ${SIDE_DECISIONS} explanations per round, the three interleaved, ${repetitions} rounds after ${WARMUP} warm-up decisions and a warm-up round; depths from an in-memory TargetDepths (DynamoDB latency not included)`,
    figures: {
      rules: RULES,
      targets: TARGETS,
      decisionsPerRound: DECISIONS,
      ...figures,
      decisionsMatchingARule: matchedRules,
      outcomes: Object.entries(outcomes)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    },
    targets: [{ name: 'decision latency p99 < 1 ms (200 rules, 50 targets; median of the rounds)', met: p99 < 1, detail: `p99 ${round(p99, 4)} ms; with no rule matching (all 200 evaluated) p99 ${repeated.median('noRuleMatchesP99Ms')} ms` }],
    repetitions,
    spreads,
  };
}
