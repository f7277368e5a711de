import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStateChange } from '../../../lambdas/core/tracking/state-change.js';
import { T0, WORKGROUP, executionId, stateEvent, trackingFixture, type TrackingFixture } from './support.js';

let f: TrackingFixture;
let n = 0;
/** A fresh query on `target`, submitted with a fresh execution id. */
async function query(target = 'adhoc') {
  n++;
  const queryId = `20250301_120000_${String(n).padStart(5, '0')}_event`;
  const exec = executionId(1000 + n);
  await f.submit({ queryId, target, executionId: exec });
  return { queryId, exec, workgroup: WORKGROUP[target] ?? 'elsewhere' };
}

beforeAll(async () => {
  f = await trackingFixture();
});
afterAll(async () => {
  await f.close();
});

describe('applyStateChange', () => {
  it('moves a query from queued to running, and its target depth with it', async () => {
    const target = 'critical';
    const before = await f.store.depth(target);
    const q = await query(target);
    expect(await f.store.depth(target)).toEqual({ queued: before.queued + 1, running: before.running });
    expect(await applyStateChange(f.deps, stateEvent(q.exec, 'RUNNING', 2, {}, q.workgroup))).toEqual({ outcome: 'applied', queryId: q.queryId });
    expect(await f.store.get(q.queryId)).toMatchObject({ state: 'RUNNING', eventSequence: 2 });
    expect(await f.store.depth(target)).toEqual({ queued: before.queued, running: before.running + 1 });
  });

  it('changes nothing for a duplicate', async () => {
    const q = await query();
    await applyStateChange(f.deps, stateEvent(q.exec, 'RUNNING', 2));
    const first = await f.store.get(q.queryId);
    f.clock.now += 1000;
    expect((await applyStateChange(f.deps, stateEvent(q.exec, 'RUNNING', 2))).outcome).toBe('stale');
    expect(await f.store.get(q.queryId)).toEqual(first);
  });

  it('ignores an event older than the one applied (reordering)', async () => {
    const q = await query();
    await applyStateChange(f.deps, stateEvent(q.exec, 'RUNNING', 3));
    expect((await applyStateChange(f.deps, stateEvent(q.exec, 'QUEUED', 2))).outcome).toBe('stale');
    expect(await f.store.get(q.queryId)).toMatchObject({ state: 'RUNNING', eventSequence: 3 });
  });

  it('lets RUNNING go back to QUEUED', async () => {
    const q = await query();
    await applyStateChange(f.deps, stateEvent(q.exec, 'RUNNING', 2));
    expect((await applyStateChange(f.deps, stateEvent(q.exec, 'QUEUED', 3))).outcome).toBe('applied');
    expect(await f.store.get(q.queryId)).toMatchObject({ state: 'QUEUED', eventSequence: 3 });
  });

  it('compares sequence numbers as numbers, not strings', async () => {
    const q = await query();
    await applyStateChange(f.deps, stateEvent(q.exec, 'QUEUED', '9'));
    expect((await applyStateChange(f.deps, stateEvent(q.exec, 'RUNNING', '10'))).outcome).toBe('applied');
    expect((await applyStateChange(f.deps, stateEvent(q.exec, 'QUEUED', '9'))).outcome).toBe('stale');
    expect(await f.store.get(q.queryId)).toMatchObject({ state: 'RUNNING', eventSequence: 10 });
  });

  it('keeps final states final', async () => {
    const q = await query();
    f.athena.set(q.exec, { state: 'SUCCEEDED', statistics: { dataScannedBytes: 0 } });
    await applyStateChange(f.deps, stateEvent(q.exec, 'SUCCEEDED', 3));
    for (const state of ['RUNNING', 'QUEUED', 'FAILED'] as const) {
      expect((await applyStateChange(f.deps, stateEvent(q.exec, state, 7))).outcome).toBe('stale');
    }
    expect((await f.store.get(q.queryId))!.state).toBe('FINISHED');
  });

  it('records statistics, protocol stats and the cost per TB scanned on success', async () => {
    const q = await query('adhoc');
    const statistics = {
      dataScannedBytes: 3 * 2 ** 40,
      queueTimeMillis: 120,
      planningTimeMillis: 340,
      engineTimeMillis: 5600,
      totalTimeMillis: 6100,
      servicePreProcessingTimeMillis: 20,
      serviceProcessingTimeMillis: 20,
    };
    f.athena.set(q.exec, { state: 'SUCCEEDED', statistics });
    f.clock.now = T0 + 60_000;
    expect((await applyStateChange(f.deps, stateEvent(q.exec, 'SUCCEEDED', 3))).outcome).toBe('applied');
    const record = await f.store.get(q.queryId);
    expect(record).toMatchObject({
      state: 'FINISHED',
      endedAt: T0 + 60_000,
      statistics,
      costUsd: 15,
      stats: { physicalInputBytes: 3 * 2 ** 40, queuedTimeMillis: 120, elapsedTimeMillis: 6100, cpuTimeMillis: 5600, wallTimeMillis: 5600 },
    });
    expect(record!.error).toBeUndefined();
  });

  it('estimates no per-TB cost for a provisioned target', async () => {
    const q = await query('critical');
    f.athena.set(q.exec, { state: 'SUCCEEDED', statistics: { dataScannedBytes: 2 ** 40, dpuCount: 24 } });
    await applyStateChange(f.deps, stateEvent(q.exec, 'SUCCEEDED', 3, {}, q.workgroup));
    const record = await f.store.get(q.queryId);
    expect(record).toMatchObject({ state: 'FINISHED', statistics: { dataScannedBytes: 2 ** 40, dpuCount: 24 } });
    expect(record!.costUsd).toBeUndefined();
  });

  it('records the error of a failed query, with Trino error name and location from the message', async () => {
    const q = await query();
    f.athena.set(q.exec, {
      state: 'FAILED',
      statistics: { dataScannedBytes: 5_000_000, totalTimeMillis: 800 },
      error: { category: 2, type: 1301, retryable: false, message: "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.sales.nope' does not exist" },
      stateChangeReason: "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.sales.nope' does not exist",
    });
    // Numbers in the event arrive as floats.
    const event = stateEvent(q.exec, 'FAILED', 3, { athenaError: { errorCategory: 2.0, errorType: 1301.0, errorMessage: "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.sales.nope' does not exist", retryable: false } });
    expect((await applyStateChange(f.deps, event)).outcome).toBe('applied');
    const record = await f.store.get(q.queryId);
    expect(record).toMatchObject({
      state: 'FAILED',
      costUsd: 0,
      statistics: { dataScannedBytes: 5_000_000 },
      error: { errorName: 'TABLE_NOT_FOUND', errorType: 'USER_ERROR', message: "line 1:15: Table 'awsdatacatalog.sales.nope' does not exist", errorLocation: { lineNumber: 1, columnNumber: 15 } },
    });
  });

  it('records a cancel that came from outside the gateway, with the reason', async () => {
    const q = await query();
    f.athena.set(q.exec, { state: 'CANCELLED', statistics: { dataScannedBytes: 20 * 2 ** 20 }, stateChangeReason: 'Query was cancelled by the user' });
    await applyStateChange(f.deps, stateEvent(q.exec, 'CANCELLED', 3));
    expect(await f.store.get(q.queryId)).toMatchObject({
      state: 'CANCELED',
      endReason: 'canceled in the engine: Query was cancelled by the user',
      error: { errorName: 'USER_CANCELED' },
      costUsd: 0.000095,
    });
  });

  it('adds only the statistics to a query the client canceled first (DELETE)', async () => {
    const q = await query();
    await f.store.transition(q.queryId, { state: 'CANCELED', endReason: 'canceled by the client (DELETE)' }, T0);
    f.athena.set(q.exec, { state: 'CANCELLED', statistics: { dataScannedBytes: 10, totalTimeMillis: 50 } });
    expect((await applyStateChange(f.deps, stateEvent(q.exec, 'CANCELLED', 3))).outcome).toBe('statistics');
    expect(await f.store.get(q.queryId)).toMatchObject({ state: 'CANCELED', endReason: 'canceled by the client (DELETE)', statistics: { dataScannedBytes: 10 }, costUsd: 0.000048 });
    // A duplicate of the final event costs no status call.
    const calls = f.athena.batchSizes.length;
    expect((await applyStateChange(f.deps, stateEvent(q.exec, 'CANCELLED', 3))).outcome).toBe('stale');
    expect(f.athena.batchSizes.length).toBe(calls);
  });

  it('counts and ignores events of queries Bifrost did not submit', async () => {
    const before = f.metrics.get('StateChangeUnknownQuery');
    expect(await applyStateChange(f.deps, stateEvent('not-ours', 'RUNNING', 2, {}, 'someone-elses'))).toEqual({ outcome: 'unknown-query' });
    expect(f.metrics.get('StateChangeUnknownQuery')).toBe(before + 1);
  });

  it('looks an unknown id of its own workgroups up once, without waiting, and one of another workgroup not at all', async () => {
    let lookups = 0;
    const store = new Proxy(f.store, {
      get(target, name, receiver) {
        if (name === 'findByEngineQueryId') return (id: string) => (lookups++, target.findByEngineQueryId(id));
        return Reflect.get(target, name, receiver) as unknown;
      },
    });
    const deps = { ...f.deps, store };
    const before = f.metrics.get('StateChangeUnknownQuery');
    const statusCalls = f.athena.batchSizes.length;
    expect((await applyStateChange(deps, stateEvent('foreign', 'RUNNING', 2, {}, 'someone-elses'))).outcome).toBe('unknown-query');
    expect(lookups).toBe(0);
    // Someone else's query in a shared workgroup of Bifrost's.
    for (const state of ['QUEUED', 'RUNNING', 'SUCCEEDED'] as const) {
      expect(await applyStateChange(deps, stateEvent('foreign-in-ours', state, 2, {}, 'bifrost-adhoc'))).toEqual({ outcome: 'unknown-query' });
    }
    expect(lookups).toBe(3);
    expect(f.metrics.get('StateChangeUnknownQuery')).toBe(before + 4);
    expect(f.athena.batchSizes.length).toBe(statusCalls);
  });

  it('ignores what is not an Athena state change', async () => {
    const q = await query();
    const engineVersion = { ...stateEvent(q.exec, 'RUNNING', 2), 'detail-type': 'Athena Engine Version Change' };
    expect((await applyStateChange(f.deps, engineVersion)).outcome).toBe('ignored');
    expect((await applyStateChange(f.deps, stateEvent(q.exec, 'RUNNING', 'two'))).outcome).toBe('ignored');
    expect((await applyStateChange(f.deps, stateEvent(q.exec, 'PAUSED' as never, 2))).outcome).toBe('ignored');
    expect((await f.store.get(q.queryId))!.state).toBe('QUEUED');
  });

  it('records the final state even when the status call fails, and fails so that a retry adds the statistics', async () => {
    const q = await query();
    f.athena.set(q.exec, { state: 'SUCCEEDED', statistics: { dataScannedBytes: 2 ** 30 } });
    f.athena.failBatchGet = true;
    await expect(applyStateChange(f.deps, stateEvent(q.exec, 'SUCCEEDED', 3))).rejects.toThrow(/Statistics/);
    expect(await f.store.get(q.queryId)).toMatchObject({ state: 'FINISHED' });
    f.athena.failBatchGet = false;
    expect((await applyStateChange(f.deps, stateEvent(q.exec, 'SUCCEEDED', 3))).outcome).toBe('statistics');
    expect(await f.store.get(q.queryId)).toMatchObject({ state: 'FINISHED', statistics: { dataScannedBytes: 2 ** 30 }, costUsd: 0.004883 });
  });
});
