import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config/schema.js';
import { createRouter } from '../../../lambdas/core/routing/router.js';
import type { RoutingRequest } from '../../../lambdas/core/ports/index.js';
import { FixedDepths } from '../../support/memory-store.js';

/** The gateway routes a query again without the targets its submit could not reach. */
const config = parseConfig({
  version: 1,
  targets: { a: { type: 'duckdb' }, b: { type: 'duckdb' } },
  routingGroups: { g: { targets: ['a', 'b'] } },
  defaultRoutingGroup: 'g',
});

const request = (exclude?: Record<string, string>): RoutingRequest => ({
  principal: { user: 'ann', groups: [], method: 'header' },
  session: { dialect: 'trino', user: 'ann', clientTags: [], clientCapabilities: [], properties: {}, resourceEstimates: {}, roles: {}, extraCredentials: {}, preparedStatements: {} },
  ...(exclude ? { exclude } : {}),
});

describe('router: excluded targets', () => {
  it('skips an excluded target with its reason, and reads no depth for it', async () => {
    const depths = new FixedDepths();
    const decision = await createRouter({ config, depths }).route(request({ a: 'ECONNREFUSED' }));
    expect(decision).toMatchObject({ outcome: 'target', target: 'b' });
    expect(decision.reasons).toContain("target 'a' skipped: unreachable: ECONNREFUSED");
    expect(depths.reads).toEqual(['b']);
  });

  it('denies when every target is excluded', async () => {
    const decision = await createRouter({ config, depths: new FixedDepths() }).route(request({ a: 'x', b: 'y' }));
    expect(decision.outcome).toBe('deny');
    expect(decision.reasons[0]).toMatch(/^no target of group 'g' can take queries/);
  });

  it('routes as before without exclusions', async () => {
    expect(await createRouter({ config, depths: new FixedDepths() }).route(request())).toMatchObject({ outcome: 'target', target: 'a' });
  });
});
