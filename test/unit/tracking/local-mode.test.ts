import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineState } from '../../../lambdas/core/ports/index.js';
import { queryError } from '../../../lambdas/core/errors.js';
import { applyStateChange, engineStateChangeEvent, engineStatus, sweep, type EngineQueryStatus, type TrackingDeps } from '../../../lambdas/core/tracking/index.js';
import { trackingSettings } from '../../../lambdas/core/tracking/settings.js';
import { T0, config, trackingFixture, type TrackingFixture } from './support.js';

/** An engine like the local DuckDB one: it reports state changes, knows its queries, cancels them. */
class LocalEngine {
  readonly queries = new Map<string, EngineQueryStatus & { sequence: number }>();
  constructor(private readonly report: (change: { engineQueryId: string; previousState: EngineState; currentState: EngineState; sequenceNumber: number }) => Promise<unknown>) {}
  start(id: string) {
    this.queries.set(id, { state: 'QUEUED', sequence: 1 });
    return this.report({ engineQueryId: id, previousState: 'QUEUED', currentState: 'QUEUED', sequenceNumber: 1 });
  }
  move(id: string, state: EngineState, extra: Partial<EngineQueryStatus> = {}) {
    const q = this.queries.get(id)!;
    const previousState = q.state;
    Object.assign(q, { state, sequence: q.sequence + 1 }, extra);
    return this.report({ engineQueryId: id, previousState, currentState: state, sequenceNumber: q.sequence });
  }
  lookup(id: string) {
    return this.queries.get(id);
  }
  /** Reports delivered later, as EventBridge delivers Athena's: the canceller records its reason first. */
  readonly late: Promise<unknown>[] = [];
  async cancel(id: string) {
    const q = this.queries.get(id);
    if (!q || (q.state !== 'QUEUED' && q.state !== 'RUNNING')) return;
    const previousState = q.state;
    Object.assign(q, { state: 'CANCELED', sequence: q.sequence + 1, statistics: { totalTimeMillis: 7 } });
    const change = { engineQueryId: id, previousState, currentState: 'CANCELED' as const, sequenceNumber: q.sequence };
    this.late.push(new Promise((resolve) => setTimeout(resolve, 50)).then(() => this.report(change)));
  }
}

let f: TrackingFixture;
let deps: TrackingDeps;
let engine: LocalEngine;

beforeAll(async () => {
  f = await trackingFixture();
  engine = new LocalEngine((change) => applyStateChange(deps, engineStateChangeEvent(change)));
  const status = engineStatus(engine);
  deps = {
    ...f.deps,
    statusFor: (target) => (target === 'local' ? status : undefined),
    settings: trackingSettings(config),
  };
});
afterAll(async () => {
  await f.close();
});

describe('local mode: the local engine feeds the same tracking', () => {
  it('turns an engine state change into an Athena-shaped event', () => {
    expect(engineStateChangeEvent({ engineQueryId: 'duckdb-1', previousState: 'RUNNING', currentState: 'FINISHED', sequenceNumber: 3, time: T0 })).toMatchObject({
      'detail-type': 'Athena Query State Change',
      source: 'aws.athena',
      time: '2025-03-01T12:00:00.000Z',
      detail: { currentState: 'SUCCEEDED', previousState: 'RUNNING', queryExecutionId: 'duckdb-1', sequenceNumber: '3' },
    });
  });

  it('records states, statistics and errors; a report that comes before the id is recorded is a harmless miss', async () => {
    const queryId = '20250301_120000_00001_local';
    await f.store.create({ queryId, user: 'alice', dialect: 'trino', sql: 'SELECT 1', sqlDigest: 'd', state: 'QUEUED', target: 'local', createdAt: T0, updatedAt: T0 });
    // The engine reports QUEUED during submit, before the gateway records the engine's id: one
    // lookup, no waiting; the item says QUEUED already.
    expect(await engine.start('duckdb-1-' + queryId)).toEqual({ outcome: 'unknown-query' });
    await f.store.attachHandle(queryId, 'local', 'duckdb-1-' + queryId, 'duckdb-1-' + queryId);
    expect(await engine.move('duckdb-1-' + queryId, 'RUNNING')).toEqual({ outcome: 'applied', queryId });
    expect(await f.store.depth('local')).toEqual({ queued: 0, running: 1 });
    await engine.move('duckdb-1-' + queryId, 'FAILED', { error: queryError('DIVISION_BY_ZERO', 'Division by zero'), statistics: { totalTimeMillis: 12, engineTimeMillis: 10 } });
    expect(await f.store.get(queryId)).toMatchObject({ state: 'FAILED', error: { errorName: 'DIVISION_BY_ZERO', message: 'Division by zero' }, statistics: { totalTimeMillis: 12 } });
    expect((await f.store.get(queryId))!.costUsd).toBeUndefined();
    expect(await f.store.depth('local')).toEqual({ queued: 0, running: 0 });
  });

  it('lets the sweeper cancel an abandoned local query through the engine', async () => {
    const queryId = '20250301_120000_00002_local';
    await f.store.create({ queryId, user: 'alice', dialect: 'trino', sql: 'SELECT 1', sqlDigest: 'd', state: 'QUEUED', target: 'local', createdAt: T0, updatedAt: T0 });
    await f.store.attachHandle(queryId, 'local', 'duckdb-2', 'duckdb-2');
    await engine.start('duckdb-2');
    await engine.move('duckdb-2', 'RUNNING');
    f.clock.now = T0 + 10 * 60_000;
    expect((await sweep(deps)).abandoned).toBe(1);
    expect(engine.lookup('duckdb-2')!.state).toBe('CANCELED');
    expect(await f.store.get(queryId)).toMatchObject({ state: 'CANCELED', error: { errorName: 'ABANDONED_QUERY' } });
    // The engine's own CANCELED report comes after: it adds the statistics, and keeps the reason.
    expect(await Promise.all(engine.late)).toEqual([{ outcome: 'statistics', queryId }]);
    expect(await f.store.get(queryId)).toMatchObject({ state: 'CANCELED', endReason: expect.stringMatching(/^abandoned/), statistics: { totalTimeMillis: 7 } });
  });
});
