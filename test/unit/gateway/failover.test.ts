import { describe, expect, it } from 'vitest';
import { allowAll } from '../../../lambdas/core/acl/allow-all.js';
import { headerAuthenticator } from '../../../lambdas/core/auth/header.js';
import { parseConfig } from '../../../lambdas/core/config/schema.js';
import { ClusterEngine, markUnreachable, storedTargetHealth } from '../../../lambdas/core/engines/cluster/index.js';
import { EngineBusyError, EngineUnreachableError, isEngineUnreachable } from '../../../lambdas/core/engines/engine.js';
import { QueryFailure, queryError } from '../../../lambdas/core/errors.js';
import { createGateway, DEFAULT_GATEWAY_CONFIG } from '../../../lambdas/core/gateway/index.js';
import type { Engine, EnginePage, GatewayRequest, HttpFetch, Router } from '../../../lambdas/core/ports/index.js';
import { createRouter, singleTargetRouter } from '../../../lambdas/core/routing/router.js';
import { MemoryHealthStore } from '../../support/memory-health-store.js';
import { MemoryQueryStore } from '../../support/memory-store.js';

/**
 * A submit that never reached its target fails over to the next target of the chain,
 * marks the target unhealthy and says why in the routing reasons; a submit that may have reached
 * the coordinator never does (the query could run twice).
 */
type Behaviour = 'up' | 'never-reached' | 'maybe-sent' | 'busy';

class FakeEngine implements Engine {
  submits = 0;
  constructor(
    private readonly name: string,
    public behaviour: Behaviour,
  ) {}
  async submit() {
    this.submits++;
    if (this.behaviour === 'never-reached') {
      throw new EngineUnreachableError(queryError('REMOTE_HOST_GONE', `Cluster '${this.name}' (http://${this.name}:8080) is unreachable: ECONNREFUSED (5 attempts)`), 'ECONNREFUSED (connect ECONNREFUSED)');
    }
    if (this.behaviour === 'busy') throw new EngineBusyError('queue full');
    if (this.behaviour === 'maybe-sent') {
      throw QueryFailure.of('REMOTE_HOST_GONE', `Cluster '${this.name}' (http://${this.name}:8080) is unreachable (the query may have reached it): ECONNRESET (2 attempts)`);
    }
    return { handle: `${this.name}-${this.submits}`, state: 'QUEUED' as const };
  }
  async poll(): Promise<EnginePage> {
    return { state: 'FINISHED', columns: [], rows: [] };
  }
  async cancel() {}
  async health() {
    return { healthy: true };
  }
}

const config = parseConfig({
  version: 1,
  targets: {
    dead: { type: 'trino', url: 'http://dead:8080', unhealthyAfter: 3 },
    other: { type: 'trino', url: 'http://other:8080' },
    up: { type: 'duckdb' },
  },
  routingGroups: { team: { targets: ['dead', 'other', 'up'] } },
  defaultRoutingGroup: 'team',
});

function setup(behaviours: Partial<Record<'dead' | 'other' | 'up', Behaviour>> = {}, router?: Router) {
  const store = new MemoryQueryStore();
  const healthStore = new MemoryHealthStore();
  const engines = {
    dead: new FakeEngine('dead', behaviours.dead ?? 'never-reached'),
    other: new FakeEngine('other', behaviours.other ?? 'up'),
    up: new FakeEngine('up', behaviours.up ?? 'up'),
  };
  const health = storedTargetHealth(healthStore, { clusters: ['dead', 'other'] });
  const marked: string[] = [];
  const gateway = createGateway({
    config: { ...DEFAULT_GATEWAY_CONFIG, pageTokenKey: 'k'.repeat(32), pollWaitMs: 0 },
    store,
    engineFor: (t) => engines[t as keyof typeof engines],
    router: router ?? createRouter({ config, depths: store, health }),
    authenticator: headerAuthenticator,
    accessControl: allowAll,
    // As the composition wires it (compose/bifrost.ts).
    targetUnreachable: async (target, detail) => {
      marked.push(target);
      const spec = { dead: 3, other: 3 }[target];
      if (spec && (await markUnreachable(healthStore, target, { unhealthyAfter: spec, healthyAfter: 2 }, detail, Date.now()))) await health.refresh();
    },
  });
  const request = (sql: string): GatewayRequest => ({ method: 'POST', path: '/v1/statement', query: {}, headers: { 'x-trino-user': ['ann'] }, body: Buffer.from(sql), baseUrl: 'http://gw' });
  let lastNextUri: string | undefined;
  const post = async (sql = 'SELECT 1') => {
    const response = await gateway.handle(request(sql));
    const json = JSON.parse(String(response.body)) as { id: string; nextUri?: string };
    lastNextUri = json.nextUri;
    return store.items.get(json.id)!;
  };
  const poll = async (uri: string) => gateway.handle({ method: 'GET', path: new URL(uri).pathname, query: Object.fromEntries([...new URL(uri).searchParams].map(([k, v]) => [k, [v]])), headers: { 'x-trino-user': ['ann'] }, body: Buffer.alloc(0), baseUrl: 'http://gw' });
  return { store, healthStore, engines, marked, post, poll, nextUri: () => lastNextUri! };
}

const reasons = (item: { routing?: Record<string, unknown> }) => item.routing?.reasons as string[];

describe('failover of a submit that never reached its target', () => {
  it('sends the query to the next target, records why, and marks the target unhealthy', async () => {
    const h = setup();
    const item = await h.post();
    expect(item).toMatchObject({ state: 'QUEUED', target: 'other', engineHandle: 'other-1' });
    expect(h.engines.dead.submits).toBe(1);
    expect(h.engines.other.submits).toBe(1);
    expect(reasons(item)).toEqual(
      expect.arrayContaining([
        "target 'dead' unreachable, the query never reached it: ECONNREFUSED (connect ECONNREFUSED)",
        "failed over to target 'other'",
        "target 'dead' skipped: unreachable: ECONNREFUSED (connect ECONNREFUSED)",
      ]),
    );
    expect(h.marked).toEqual(['dead']);
    const state = (await h.healthStore.get(['dead'])).get('dead');
    expect(state).toMatchObject({ healthy: false, consecutiveFailures: 3, consecutiveSuccesses: 0 });
    expect(state!.detail).toMatch(/ECONNREFUSED/);

    // The next query no longer tries the dead target: routing sees it unhealthy.
    const next = await h.post();
    expect(next.target).toBe('other');
    expect(h.engines.dead.submits).toBe(1);
    expect(reasons(next)).toContain("target 'dead' skipped: unhealthy");
  });

  it('fails over on a later poll too (an engine that was busy), routing on the facts the item holds', async () => {
    const h = setup({ dead: 'busy' });
    const queued = await h.post();
    expect(queued).toMatchObject({ state: 'QUEUED', target: 'dead' });
    expect(queued.engineHandle).toBeUndefined();
    h.engines.dead.behaviour = 'never-reached';
    await h.poll(h.nextUri());
    const item = h.store.items.get(queued.queryId)!;
    expect(item).toMatchObject({ target: 'other', engineHandle: 'other-1' });
    expect(reasons(item)).toContain("failed over to target 'other'");
  });

  it('never fails over a submit that may have reached the coordinator', async () => {
    const h = setup({ dead: 'maybe-sent' });
    const item = await h.post();
    expect(item.state).toBe('FAILED');
    expect(item.error).toMatchObject({ errorName: 'REMOTE_HOST_GONE' });
    expect(item.error!.message).toMatch(/may have reached it/);
    expect(item.engineHandle).toBeUndefined();
    expect(h.engines.other.submits).toBe(0);
    expect(h.engines.up.submits).toBe(0);
    expect(h.marked).toEqual([]);
    expect((await h.healthStore.get(['dead'])).size).toBe(0);
  });

  it('fails over along the chain, and fails with the cluster error when every target is unreachable', async () => {
    const h = setup({ dead: 'never-reached', other: 'never-reached', up: 'never-reached' });
    const item = await h.post();
    expect(item.state).toBe('FAILED');
    expect(item.error).toMatchObject({ errorName: 'REMOTE_HOST_GONE' });
    expect(item.error!.message).toMatch(/^Cluster 'up'/);
    // One attempt per target of the chain: bounded, nothing tried twice.
    expect([h.engines.dead.submits, h.engines.other.submits, h.engines.up.submits]).toEqual([1, 1, 1]);
    expect(h.marked).toEqual(['dead', 'other', 'up']);
    expect(reasons(item)).toEqual(expect.arrayContaining(["target 'dead' unreachable, the query never reached it: ECONNREFUSED (connect ECONNREFUSED)", "target 'up' unreachable, the query never reached it: ECONNREFUSED (connect ECONNREFUSED)"]));
    expect(reasons(item).some((r) => r.startsWith('no failover: no target of group'))).toBe(true);
  });

  it('stops when the router cannot route elsewhere', async () => {
    const h = setup({}, singleTargetRouter('dead'));
    const item = await h.post();
    expect(item.state).toBe('FAILED');
    expect(item.error).toMatchObject({ errorName: 'REMOTE_HOST_GONE' });
    expect(h.engines.dead.submits).toBe(1);
    expect(h.engines.other.submits).toBe(0);
    expect(reasons(item)).toContain("no failover: the router chose 'dead' again");
  });
});

describe('the cluster engine tells a submit that never arrived from one that may have', () => {
  const failingFetch =
    (code: string): HttpFetch =>
    async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`connect ${code}`), { code }) });
    };
  const submit = async (code: string) => {
    const engine = new ClusterEngine({ name: 'c', dialect: 'trino', url: 'http://c:8080', fetch: failingFetch(code), submitBudgetMs: 1_000, sleep: async () => undefined });
    return engine.submit({ queryId: 'q', sql: 'SELECT 1', target: 'c', session: { dialect: 'trino', user: 'ann', clientTags: [], clientCapabilities: [], properties: {}, resourceEstimates: {}, roles: {}, extraCredentials: {}, preparedStatements: {} } }).catch((e: unknown) => e);
  };

  it('connection refused: never reached (may fail over), still REMOTE_HOST_GONE for code that does not', async () => {
    const error = await submit('ECONNREFUSED');
    expect(isEngineUnreachable(error)).toBe(true);
    expect(error).toBeInstanceOf(QueryFailure);
    expect((error as QueryFailure).error.errorName).toBe('REMOTE_HOST_GONE');
    expect((error as EngineUnreachableError).detail).toMatch(/^ECONNREFUSED/);
  });

  it('connection reset: may have been sent, so no failover', async () => {
    const error = await submit('ECONNRESET');
    expect(isEngineUnreachable(error)).toBe(false);
    expect((error as QueryFailure).error.errorName).toBe('REMOTE_HOST_GONE');
  });
});
