import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../lambdas/core/config/schema.js';
import { createRouter } from '../../../lambdas/core/routing/router.js';
import { FixedDepths } from '../../support/memory-store.js';
import { request } from './support/requests.js';

/**
 * The seed scenario, on the example config that ships with the repository: a Tableau query from a
 * user in the "critical" group with `routing:athena` runs on the provisioned workgroup; when its
 * queue is over its limit, on the second provisioned workgroup; when both are, on-demand.
 */
const config = parseConfigText(readFileSync(new URL('../../../config/bifrost.example.yaml', import.meta.url), 'utf8'));
const tableau = request({ user: 'dana', groups: ['critical'], source: 'Tableau Desktop', hint: 'athena', kind: 'SELECT', tables: ['hive.sales.orders'] });

describe('seed scenario (config/bifrost.example.yaml)', () => {
  it('sends the critical Tableau query to the first provisioned workgroup', async () => {
    const depths = new FixedDepths({ 'critical-a': 5 });
    const decision = await createRouter({ config, depths }).route(tableau);
    expect(decision).toMatchObject({ outcome: 'target', target: 'critical-a', group: 'critical' });
    expect(decision.reasons[0]).toBe("target 'critical-a' in group 'critical' (rule 'tableau-critical' (priority 10) chose group 'critical')");
    expect(decision.reasons).toContain("rule 'tableau-critical' (priority 10) matched: groups any of [critical], routing hint 'athena', source '[Tt]ableau.*'");
    expect(depths.reads).toEqual(['critical-a']);
  });

  it('moves on to the second provisioned workgroup when the first is over its limit', async () => {
    const depths = new FixedDepths({ 'critical-a': { queued: 12, running: 8 } });
    const decision = await createRouter({ config, depths }).route(tableau);
    expect(decision).toMatchObject({ outcome: 'target', target: 'critical-b', group: 'critical' });
    expect(decision.reasons).toContain("target 'critical-a' skipped: full (20 active: 12 queued, 8 running; limit 20)");
    expect(depths.reads).toEqual(['critical-a', 'critical-b']);
  });

  it('runs on-demand when both provisioned workgroups are over their limits', async () => {
    const depths = new FixedDepths({ 'critical-a': 20, 'critical-b': 23 });
    const decision = await createRouter({ config, depths }).route(tableau);
    expect(decision).toMatchObject({ outcome: 'target', target: 'adhoc', group: 'critical' });
    expect(depths.reads).toEqual(['critical-a', 'critical-b', 'adhoc']);
  });

  it('uses on-demand anyway when everything is full (the critical group says use-last)', async () => {
    const depths = new FixedDepths({ 'critical-a': 20, 'critical-b': 20, adhoc: 40 });
    const explanation = await createRouter({ config, depths }).explain(tableau);
    expect(explanation).toMatchObject({ outcome: 'target', target: 'adhoc', whenFull: 'use-last' });
    expect(explanation.headroom).toBeUndefined();
    expect(explanation.targets.map((t) => t.verdict)).toEqual(['skipped', 'skipped', 'overflow']);
  });

  it('sends the same query without the hint, or from another tool, to the default on-demand group', async () => {
    const router = createRouter({ config, depths: new FixedDepths() });
    await expect(router.route(request({ user: 'dana', groups: ['critical'], source: 'Tableau' }))).resolves.toMatchObject({ target: 'adhoc', group: 'adhoc' });
    await expect(router.route(request({ user: 'dana', groups: ['critical'], source: 'Looker', hint: 'athena' }))).resolves.toMatchObject({ target: 'adhoc', group: 'adhoc' });
  });

  it('lets a client name the critical group with the routing-group header, and keeps the legacy team on Trino', async () => {
    const router = createRouter({ config, depths: new FixedDepths() });
    await expect(router.route(request({ user: 'erin', header: 'critical' }))).resolves.toMatchObject({ target: 'critical-a', group: 'critical' });
    await expect(router.route(request({ user: 'lee', groups: ['legacy'] }))).resolves.toMatchObject({ target: 'legacy-trino', group: 'legacy' });
  });

  it('waits at the gateway when the ad-hoc workgroup is full (the adhoc group waits)', async () => {
    const decision = await createRouter({ config, depths: new FixedDepths({ adhoc: 25 }) }).route(request({ user: 'sam' }));
    expect(decision).toMatchObject({ outcome: 'wait', group: 'adhoc' });
    expect(decision.reasons[0]).toContain("waiting at the gateway: every usable target of group 'adhoc' is full");
  });
});
