import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config/schema.js';
import type { Router, QueryStore } from '../../../lambdas/core/ports/index.js';
import { createGatewayRouter } from '../../../lambdas/core/routing/index.js';
import { routeInArrivalOrder, routingAnalysis, routingRequestFrom, storedRoutingRequest } from '../../../lambdas/core/routing/queueing.js';
import { routingFacts } from '../../../lambdas/core/routing/rules.js';
import { MemoryConfigStore } from '../../../lambdas/core/stores/config-store.js';
import { FixedDepths, MemoryQueryStore } from '../../support/memory-store.js';
import { request } from './support/requests.js';

const config = parseConfig({
  version: 1,
  targets: { a: { type: 'duckdb', queueLimit: 3 } },
  routingGroups: { g: { targets: ['a'], whenFull: 'wait' }, last: { targets: ['a'], whenFull: 'use-last' } },
  rules: [{ name: 'last', priority: 1, match: { routingHint: 'last' }, routingGroup: 'last' }],
  defaultRoutingGroup: 'g',
});
const query = { queryId: '20250106_120000_00001_aaaaa', createdAt: 1_000 };

describe('stored routing facts', () => {
  it('keep what rules need and no secret: only the routing extra credential', () => {
    const original = request({ user: 'alice', groups: ['critical'], source: 'Tableau', tags: ['t'], hint: 'athena', header: 'critical', kind: 'SELECT', tables: ['hive.s.t'], credentials: { password: 'hunter2', token: 'abc' } });
    const stored = storedRoutingRequest(original);
    expect(JSON.stringify(stored)).not.toMatch(/hunter2|abc/);
    const again = routingRequestFrom(JSON.parse(JSON.stringify(stored)));
    expect(again.session.extraCredentials).toEqual({ routing: 'athena' });
    expect(again.principal).toEqual(original.principal);
    expect(again.analysis).toEqual(original.analysis);
    expect(again.session).toMatchObject({ user: 'alice', source: 'Tableau', clientTags: ['t'], routingGroup: 'critical' });
  });
});

describe('routing analysis', () => {
  it("uses the gateway's statement kind with the analyzer's tables and named schemas, also after a round trip", () => {
    const analyzed = { ok: true, kind: 'ctas', statement: 'createTableAsSelect', tables: [{ name: 'hive.a.t', parts: ['hive', 'a', 't'], access: 'write' as const }], schemas: [{ name: 'hive.b', parts: ['hive', 'b'], operation: 'use' as const }] };
    const req = { ...request(), analysis: routingAnalysis(analyzed, 'CREATE TABLE') };
    expect(routingFacts(req)).toMatchObject({ statementKind: 'CREATE TABLE', tables: ['hive.a.t'], schemas: ['hive.a', 'hive.b'] });
    const again = routingRequestFrom(JSON.parse(JSON.stringify(storedRoutingRequest(req))));
    expect(routingFacts(again)).toEqual(routingFacts(req));
    expect(routingAnalysis(undefined, 'SELECT')).toMatchObject({ ok: false, kind: 'SELECT', tables: [] });
  });
});

describe('arrival order', () => {
  it('holds a query back when the older waiting queries need every free slot, and lets it go otherwise', async () => {
    const router = createGatewayRouter({ config, depths: new FixedDepths({ a: 1 }) });
    const store = { countWaitingAhead: async (_g: string, _q: unknown, _l: number, atMost: number) => Math.min(2, atMost) } as unknown as QueryStore;
    const held = await routeInArrivalOrder({ router, store }, request(), query, 10_000, 60_000);
    expect(held).toMatchObject({ outcome: 'wait', group: 'g' });
    expect(held.reasons[0]).toBe("waiting at the gateway behind 2+ older queries of group 'g': target 'a' has room for 2 (arrival order)");
    const roomier = createGatewayRouter({ config, depths: new FixedDepths({ a: 0 }) });
    const passed = await routeInArrivalOrder({ router: roomier, store }, request(), query, 10_000, 60_000);
    expect(passed).toMatchObject({ outcome: 'target', target: 'a' });
    expect(passed.reasons.at(-1)).toBe("2 older queries wait in group 'g'; target 'a' has room for 3");
  });

  it('passes the live cutoff to the store', async () => {
    const seen: number[] = [];
    const store = { countWaitingAhead: async (_g: string, _q: unknown, liveSince: number) => (seen.push(liveSince), 0) } as unknown as QueryStore;
    await routeInArrivalOrder({ router: createGatewayRouter({ config, depths: new FixedDepths() }), store }, request(), query, 100_000, 65_000);
    expect(seen).toEqual([35_000]);
  });

  it('does not hold queries of use-last groups, decisions of other routers, or when the store cannot tell', async () => {
    let calls = 0;
    const counting = { countWaitingAhead: async () => (calls++, 99) } as unknown as QueryStore;
    const router = createGatewayRouter({ config, depths: new FixedDepths() });
    await expect(routeInArrivalOrder({ router, store: counting }, request({ hint: 'last' }), query, 0, 1)).resolves.toMatchObject({ outcome: 'target', group: 'last' });
    const plain: Router = { route: async () => ({ outcome: 'target', target: 'a', group: 'g', reasons: ['fixed'] }) };
    await expect(routeInArrivalOrder({ router: plain, store: counting }, request(), query, 0, 1)).resolves.toMatchObject({ outcome: 'target' });
    expect(calls).toBe(0);
    await expect(routeInArrivalOrder({ router, store: new MemoryQueryStore() }, request(), query, 0, 1)).resolves.toMatchObject({ outcome: 'target' });
    const withoutOrder = {} as QueryStore; // a store without the optional method
    await expect(routeInArrivalOrder({ router, store: withoutOrder }, request(), query, 0, 1)).resolves.toMatchObject({ outcome: 'target' });
    const failing = { countWaitingAhead: async () => Promise.reject(new Error('throttled')) } as unknown as QueryStore;
    const decision = await routeInArrivalOrder({ router, store: failing }, request(), query, 0, 1);
    expect(decision).toMatchObject({ outcome: 'target' });
    expect(decision.reasons.at(-1)).toBe('arrival order not checked: the waiting queries could not be read (throttled)');
  });
});

describe('createGatewayRouter', () => {
  it('follows the config store, cached', async () => {
    const configStore = new MemoryConfigStore(config);
    const router = createGatewayRouter({ config, configStore, configTtlMs: 0, depths: new FixedDepths() });
    await expect(router.route(request())).resolves.toMatchObject({ outcome: 'target', configVersion: 0 });
    await configStore.apply({ targets: { a: { state: 'disabled' } } }, 0);
    await expect(router.route(request())).resolves.toMatchObject({ outcome: 'deny', configVersion: 1 });
  });
});
