import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweep } from '../../../lambdas/core/tracking/sweeper.js';
import { T0, executionId, trackingFixture, type TrackingFixture } from './support.js';

const MINUTE = 60_000;
let f: TrackingFixture;
let n = 0;

async function query(options: { target?: string; createdAt?: number; polledAt?: number; athena?: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' } = {}) {
  n++;
  const queryId = `20250301_120000_${String(n).padStart(5, '0')}_sweep`;
  const target = 'target' in options ? options.target : 'adhoc';
  const exec = target ? executionId(5000 + n) : undefined;
  await f.submit({ queryId, ...(target ? { target } : {}), ...(exec ? { executionId: exec } : {}), createdAt: options.createdAt ?? T0 });
  if (options.polledAt !== undefined) await f.store.touch(queryId, options.polledAt);
  if (exec && options.athena) f.athena.set(exec, { state: options.athena, statistics: { dataScannedBytes: 2 ** 30, totalTimeMillis: 1000 } });
  return { queryId, exec };
}

beforeEach(async () => {
  f = await trackingFixture();
});
afterEach(async () => {
  await f.close();
});

describe('sweep', () => {
  it('finds the final state of a query whose events were lost, with its statistics', async () => {
    const q = await query({ athena: 'SUCCEEDED' });
    f.clock.now = T0 + 3 * MINUTE;
    await f.store.touch(q.queryId, f.clock.now);
    const report = await sweep(f.deps);
    expect(report).toMatchObject({ examined: 1, reconciled: 1, finalized: 1, abandoned: 0 });
    expect(await f.store.get(q.queryId)).toMatchObject({ state: 'FINISHED', statistics: { dataScannedBytes: 2 ** 30 }, costUsd: 0.004883 });
    expect(await f.store.depth('adhoc')).toEqual({ queued: 0, running: 0 });
  });

  it('corrects a non-final state, so depths are right again', async () => {
    const q = await query({ athena: 'RUNNING' });
    f.clock.now = T0 + 3 * MINUTE;
    await f.store.touch(q.queryId, f.clock.now);
    expect(await f.store.depth('adhoc')).toEqual({ queued: 1, running: 0 });
    expect((await sweep(f.deps)).reconciled).toBe(1);
    expect(await f.store.depth('adhoc')).toEqual({ queued: 0, running: 1 });
  });

  it('leaves alone a query that changed state recently and whose client polls', async () => {
    await query({ athena: 'RUNNING', createdAt: T0 });
    f.clock.now = T0 + MINUTE;
    expect(await sweep(f.deps)).toMatchObject({ examined: 0, reconciled: 0 });
    expect(f.athena.batchSizes).toEqual([]);
  });

  it('asks Athena about at most 50 queries a call', async () => {
    for (let i = 0; i < 120; i++) await query({ athena: 'RUNNING', polledAt: T0 + 2 * MINUTE });
    f.clock.now = T0 + 3 * MINUTE;
    const report = await sweep(f.deps);
    expect(report.reconciled).toBe(120);
    expect(f.athena.batchSizes.sort((a, b) => b - a)).toEqual([50, 50, 20]);
    expect(await f.store.depth('adhoc')).toEqual({ queued: 0, running: 120 });
  });

  it('stops and ends a query whose client stopped polling, with the reason', async () => {
    const q = await query({ athena: 'RUNNING', polledAt: T0 + MINUTE });
    const polling = await query({ athena: 'RUNNING', polledAt: T0 + 6 * MINUTE });
    f.clock.now = T0 + 6.5 * MINUTE;
    const report = await sweep(f.deps);
    expect(report.abandoned).toBe(1);
    expect(f.athena.stopped).toEqual([q.exec]);
    const record = await f.store.get(q.queryId);
    expect(record).toMatchObject({
      state: 'CANCELED',
      endedAt: f.clock.now,
      error: { errorName: 'ABANDONED_QUERY', errorType: 'USER_ERROR' },
      endReason: 'abandoned: the client stopped polling (last poll 2025-03-01T12:01:00.000Z, client timeout 300 s)',
    });
    expect(record!.error!.message).toMatch(/was abandoned by the client.*have not been accessed since 2025-03-01T12:01:00.000Z/);
    expect((await f.store.get(polling.queryId))!.state).toBe('RUNNING');
    expect(await f.store.depth('adhoc')).toEqual({ queued: 0, running: 1 });
  });

  it('counts a query never polled as last polled when created', async () => {
    const young = await query({ athena: 'QUEUED', createdAt: T0 });
    const old = await query({ athena: 'QUEUED', createdAt: T0 - 10 * MINUTE });
    f.clock.now = T0 + 4 * MINUTE;
    await sweep(f.deps);
    expect((await f.store.get(young.queryId))!.state).toBe('QUEUED');
    expect((await f.store.get(old.queryId))!.state).toBe('CANCELED');
  });

  it('ends an abandoned query that waits at the gateway without a target', async () => {
    const q = await query({ target: undefined, createdAt: T0 });
    f.clock.now = T0 + 6 * MINUTE;
    expect((await sweep(f.deps)).abandoned).toBe(1);
    expect(await f.store.get(q.queryId)).toMatchObject({ state: 'CANCELED', error: { errorName: 'ABANDONED_QUERY' } });
    expect(f.athena.stopped).toEqual([]);
  });

  it('records the true final state rather than abandoning a query that already ended', async () => {
    const q = await query({ athena: 'FAILED', createdAt: T0 });
    f.athena.set(q.exec!, { state: 'FAILED', error: { category: 2, message: 'SYNTAX_ERROR: line 1:8: mismatched input' } });
    f.clock.now = T0 + 10 * MINUTE;
    expect(await sweep(f.deps)).toMatchObject({ finalized: 1, abandoned: 0 });
    expect(f.athena.stopped).toEqual([]);
    expect(await f.store.get(q.queryId)).toMatchObject({ state: 'FAILED', error: { errorName: 'SYNTAX_ERROR', message: 'line 1:8: mismatched input' } });
  });

  it('does not ask Athena about queries on a cluster, but still ends them when abandoned', async () => {
    const q = await query({ target: 'legacy', createdAt: T0 });
    f.clock.now = T0 + 3 * MINUTE;
    expect((await sweep(f.deps)).reconciled).toBe(0);
    expect(f.athena.batchSizes).toEqual([]);
    f.clock.now = T0 + 6 * MINUTE;
    expect((await sweep(f.deps)).abandoned).toBe(1);
    expect((await f.store.get(q.queryId))!.state).toBe('CANCELED');
    expect(f.athena.stopped).toEqual([]);
  });

  it('survives a failing status call: counts the queries as missing and leaves abandoned ones for the next sweep', async () => {
    const stale = await query({ athena: 'RUNNING', polledAt: T0 + 5 * MINUTE });
    const gone = await query({ athena: 'RUNNING', createdAt: T0 });
    f.clock.now = T0 + 6 * MINUTE;
    f.athena.failBatchGet = true;
    const report = await sweep(f.deps);
    expect(report).toMatchObject({ missing: 2, abandoned: 0, unconfirmed: 1, reconciled: 0 });
    expect((await f.store.get(stale.queryId))!.state).toBe('QUEUED');
    expect((await f.store.get(gone.queryId))!.state).toBe('QUEUED');
    expect(f.metrics.get('SweepStatusMissing')).toBe(2);
    f.athena.failBatchGet = false;
    expect((await sweep(f.deps)).abandoned).toBe(1);
    expect((await f.store.get(gone.queryId))!.state).toBe('CANCELED');
  });

  it('handles at most maxQueriesPerSweep queries per run', async () => {
    for (let i = 0; i < 5; i++) await query({ athena: 'RUNNING', polledAt: T0 + 2 * MINUTE });
    f.clock.now = T0 + 3 * MINUTE;
    const report = await sweep({ ...f.deps, settings: { ...f.deps.settings, maxQueriesPerSweep: 3 } });
    expect(report).toMatchObject({ examined: 3, reconciled: 3, truncated: true });
    expect(await sweep(f.deps)).toMatchObject({ reconciled: 2, truncated: false });
  });
});
