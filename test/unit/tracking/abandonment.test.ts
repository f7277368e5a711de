import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config/schema.js';
import { DEFAULT_GATEWAY_CONFIG } from '../../../lambdas/core/gateway/context.js';
import type { AthenaStatusBatch, QueryRecord } from '../../../lambdas/core/ports/index.js';
import { livePollAgeMs, minimumClientTimeoutMs, POLL_TOUCH_INTERVAL_MS } from '../../../lambdas/core/tracking/abandonment.js';
import { abandonAfterMs, trackingSettings } from '../../../lambdas/core/tracking/settings.js';
import { sweep } from '../../../lambdas/core/tracking/sweeper.js';
import { FakeAthena, T0, executionId, trackingFixture, type TrackingFixture } from './support.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** Athena whose first answer is stale: the queries it knows still show RUNNING, without statistics. */
class StaleOnce extends FakeAthena {
  private reads = 0;
  override async batchGet(ids: readonly string[]): Promise<AthenaStatusBatch> {
    const batch = await super.batchGet(ids);
    if (this.reads++ === 0) batch.statuses = batch.statuses.map(({ statistics: _statistics, ...status }) => ({ ...status, state: 'RUNNING' }));
    return batch;
  }
}

let f: TrackingFixture;
let n = 0;

async function running(options: { createdAt?: number } = {}) {
  n++;
  const queryId = `20250301_120000_${String(n).padStart(5, '0')}_aband`;
  const exec = executionId(9000 + n);
  await f.submit({ queryId, target: 'adhoc', executionId: exec, createdAt: options.createdAt ?? T0 });
  f.athena.set(exec, { state: 'RUNNING' });
  return { queryId, exec };
}

beforeEach(async () => {
  f = await trackingFixture();
});
afterEach(async () => {
  await f.close();
});

describe('the abandonment bound', () => {
  const base = { version: 1, targets: { t: { type: 'duckdb' } }, routingGroups: { g: { targets: ['t'] } }, defaultRoutingGroup: 'g' };

  it('is the gateway touch interval plus the longest poll hold plus a client pause, with a touch interval of margin', () => {
    expect(POLL_TOUCH_INTERVAL_MS).toBe(DEFAULT_GATEWAY_CONFIG.pollTouchIntervalMs);
    expect(livePollAgeMs({ pollTouchIntervalMs: 30_000, pollWaitMs: 1_000, waitingPollWaitMs: 1_000 })).toBe(46_000);
    expect(livePollAgeMs({ pollTouchIntervalMs: 30_000, pollWaitMs: 1_000, waitingPollWaitMs: 5_000 })).toBe(50_000);
    expect(minimumClientTimeoutMs({ pollTouchIntervalMs: 30_000, pollWaitMs: 1_000, waitingPollWaitMs: 5_000 })).toBe(80_000);
    expect(minimumClientTimeoutMs({ pollTouchIntervalMs: 30_000, pollWaitMs: 10_000, waitingPollWaitMs: 10_000 })).toBe(85_000);
    expect(minimumClientTimeoutMs({ pollTouchIntervalMs: 30_000, pollWaitMs: 1_000, waitingPollWaitMs: 20_000 })).toBe(95_000);
  });

  it('is enforced by the config, naming the poll settings it depends on', () => {
    expect(() => parseConfig({ ...base, gateway: { clientTimeoutSeconds: 30 } })).toThrow(
      /gateway\.clientTimeoutSeconds \(30\) must be at least 80 s with gateway\.pollWaitMs 1000 and gateway\.waitingPollWaitMs 5000: .* a poll may be held 5 s, so a client still polling may look 50 s gone/,
    );
    expect(() => parseConfig({ ...base, gateway: { clientTimeoutSeconds: 79 } })).toThrow(/at least 80 s/);
    expect(() => parseConfig({ ...base, gateway: { clientTimeoutSeconds: 84, pollWaitMs: 10_000 } })).toThrow(/at least 85 s with gateway\.pollWaitMs 10000 and gateway\.waitingPollWaitMs 10000/);
    expect(() => parseConfig({ ...base, gateway: { clientTimeoutSeconds: 90, waitingPollWaitMs: 20_000 } })).toThrow(/at least 95 s with gateway\.pollWaitMs 1000 and gateway\.waitingPollWaitMs 20000/);
    expect(parseConfig({ ...base, gateway: { clientTimeoutSeconds: 80 } }).gateway.clientTimeoutSeconds).toBe(80);
    expect(parseConfig({ ...base, gateway: { clientTimeoutSeconds: 76, waitingPollWaitMs: 1_000 } }).gateway.clientTimeoutSeconds).toBe(76);
    expect(parseConfig(base).gateway.clientTimeoutSeconds).toBe(300);
  });

  it("follows the waiting poll hold into tracking's settings", () => {
    expect(trackingSettings(parseConfig({ ...base, gateway: { waitingPollWaitMs: 12_000 } }))).toMatchObject({ pollWaitMs: 1_000, waitingPollWaitMs: 12_000 });
    expect(abandonAfterMs({ ...trackingSettings(parseConfig({ ...base, gateway: { waitingPollWaitMs: 12_000, clientTimeoutSeconds: 87 } })), clientTimeoutMs: 30_000 })).toBe(87_000);
  });

  it('keeps the sweeper from ending the query of a client that still polls, even with a shorter timeout in its settings', async () => {
    const deps = { ...f.deps, settings: { ...f.deps.settings, clientTimeoutMs: 30 * SECOND } };
    const q = await running();
    let lastPollAt = T0;
    // The client polls every poll hold (the longer one of a waiting query) plus its own pause; each
    // poll records itself once per touch interval (poll.ts, queueing.ts).
    const every = Math.max(deps.settings.pollWaitMs, deps.settings.waitingPollWaitMs) + 15 * SECOND;
    for (let t = T0; t < T0 + 10 * MINUTE; t += every) {
      f.clock.now = t;
      if (t - lastPollAt >= deps.settings.pollTouchIntervalMs) {
        await f.store.touch(q.queryId, t);
        lastPollAt = t;
      }
      // The sweeper runs at any moment in between.
      f.clock.now = t + every - 1;
      expect((await sweep(deps)).abandoned).toBe(0);
    }
    expect((await f.store.get(q.queryId))!.state).toBe('RUNNING');
    expect(f.athena.stopped).toEqual([]);
    // Once the client is gone for the bound (80 s with the default poll holds), it is ended.
    f.clock.now = lastPollAt + 80 * SECOND;
    expect((await sweep(deps)).abandoned).toBe(0);
    f.clock.now = lastPollAt + 81 * SECOND;
    expect((await sweep(deps)).abandoned).toBe(1);
  });
});

describe("the waiting query's poll hold (gateway.waitingPollWaitMs)", () => {
  const base = { version: 1, targets: { t: { type: 'duckdb' } }, routingGroups: { g: { targets: ['t'] } }, defaultRoutingGroup: 'g' };
  const hold = (gateway: Record<string, unknown>) => parseConfig({ ...base, gateway }).gateway.waitingPollWaitMs;

  it("is 5 s by default, the gateway's own default, or the poll wait when that is longer", () => {
    expect(hold({})).toBe(5_000);
    expect(hold({})).toBe(DEFAULT_GATEWAY_CONFIG.waitingPollWaitMs);
    expect(hold({ pollWaitMs: 8_000 })).toBe(8_000);
    expect(hold({ pollWaitMs: 0 })).toBe(5_000);
  });

  it('is at least the poll wait and at most 20 s, under the request timeouts of clients', () => {
    expect(hold({ waitingPollWaitMs: 20_000 })).toBe(20_000);
    expect(hold({ pollWaitMs: 2_000, waitingPollWaitMs: 2_000 })).toBe(2_000);
    expect(() => hold({ waitingPollWaitMs: 20_001 })).toThrow(/gateway\.waitingPollWaitMs: /);
    expect(() => hold({ waitingPollWaitMs: -1 })).toThrow(/gateway\.waitingPollWaitMs: /);
    expect(() => hold({ waitingPollWaitMs: 1.5 })).toThrow(/gateway\.waitingPollWaitMs: /);
    expect(() => hold({ pollWaitMs: 3_000, waitingPollWaitMs: 2_000 })).toThrow(/gateway\.waitingPollWaitMs \(2000\) must be at least gateway\.pollWaitMs \(3000\)/);
  });
});

describe('ending an abandoned query', () => {
  it('records the end before stopping anything: a client that polls in the race keeps its query', async () => {
    const q = await running();
    f.clock.now = T0 + 10 * MINUTE;
    // The client polls right after the sweeper has read the item, before it ends the query.
    const store = Object.create(f.store) as typeof f.store;
    store.get = async (queryId: string) => {
      const record = await f.store.get(queryId);
      await f.store.touch(queryId, f.clock.now);
      return record;
    };
    const report = await sweep({ ...f.deps, store });
    expect(report.abandoned).toBe(0);
    expect(f.athena.stopped).toEqual([]);
    expect((await f.store.get(q.queryId))!.state).not.toBe('CANCELED');
  });

  it('counts and logs a stop that fails once the end is recorded, and never stops again', async () => {
    const q = await running();
    f.clock.now = T0 + 10 * MINUTE;
    f.athena.failStop = true;
    const errors: string[] = [];
    const report = await sweep({ ...f.deps, log: { info() {}, warn() {}, error: (message: string) => void errors.push(message) } });
    expect(report).toMatchObject({ abandoned: 1, stopFailures: 1 });
    expect(f.metrics.get('SweepStopFailed')).toBe(1);
    expect(errors.join()).toMatch(/could not stop the engine query of an abandoned query/);
    expect(await f.store.get(q.queryId)).toMatchObject({ state: 'CANCELED', error: { errorName: 'ABANDONED_QUERY' } });
    f.athena.failStop = false;
    f.clock.now += MINUTE;
    expect((await sweep(f.deps)).examined).toBe(0);
  });

  it('takes the engine word twice: a stale read that says RUNNING does not end a query Athena finished', async () => {
    const q = await running();
    const athena = new StaleOnce();
    athena.set(q.exec, { state: 'SUCCEEDED', statistics: { dataScannedBytes: 2 ** 20 } });
    f.clock.now = T0 + 10 * MINUTE;
    const report = await sweep({ ...f.deps, statusFor: () => athena });
    expect(report).toMatchObject({ abandoned: 0, finalized: 1 });
    expect(athena.stopped).toEqual([]);
    expect(await f.store.get(q.queryId)).toMatchObject({ state: 'FINISHED', statistics: { dataScannedBytes: 2 ** 20 } });
  });

  it('leaves a query for the next sweep when the status API fails or does not answer for it', async () => {
    const failing = await running();
    f.clock.now = T0 + 10 * MINUTE;
    f.athena.failBatchGet = true;
    expect(await sweep(f.deps)).toMatchObject({ abandoned: 0, unconfirmed: 1 });
    f.athena.failBatchGet = false;
    const unknown = await running();
    f.athena.truth.delete(unknown.exec);
    expect(await sweep(f.deps)).toMatchObject({ abandoned: 1, unconfirmed: 1 });
    const records: (QueryRecord | undefined)[] = [await f.store.get(failing.queryId), await f.store.get(unknown.queryId)];
    expect(records.map((r) => r?.state)).toEqual(['CANCELED', 'QUEUED']);
    expect(f.athena.stopped).toEqual([failing.exec]);
  });
});
