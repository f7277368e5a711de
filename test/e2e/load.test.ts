import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAfterLoad, runLoad } from '../../bench/load-driver.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/**
 * 200 concurrent protocol clients against the local server for a few seconds (the benchmark runs
 * longer and reports figures): every query gets its expected outcome, none is lost, and every
 * target's queue depth is back to zero afterwards. Nothing is timed here.
 */
let server: LocalServer;

beforeAll(async () => {
  server = await startLocalServer({ gateway: { pollWaitMs: 200 }, sweepIntervalMs: 1_000 });
});
afterAll(async () => {
  await server?.close();
});

describe('load', () => {
  it('200 clients: short, large, canceled and failing queries, nothing lost', { timeout: 240_000 }, async () => {
    const report = await runLoad(server, { clients: 200, durationMs: 5_000 });
    expect(report.wrong).toEqual([]);
    expect(report.queries).toBeGreaterThanOrEqual(200);
    expect(Object.keys(report.unexpectedStatus).filter((s) => Number(s) >= 500 && ![502, 503, 504].includes(Number(s)))).toEqual([]);
    for (const kind of ['short', 'large', 'cancel', 'error'] as const) expect(report.byKind[kind]).toBeGreaterThan(0);
    const after = await checkAfterLoad(server, report);
    expect(after.missing).toEqual([]);
    expect(after.notFinal).toEqual([]);
    expect(after.depths).toEqual({ local: { queued: 0, running: 0 } });
  });
});
