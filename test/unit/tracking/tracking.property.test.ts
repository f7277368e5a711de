import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoQueryStore } from '../../../lambdas/adapters/aws/dynamo-query-store.js';
import { queriesTableDefinition } from '../../../lambdas/adapters/aws/tables.js';
import type { QueryState, AthenaState } from '../../../lambdas/core/ports/index.js';
import type { TrackingDeps } from '../../../lambdas/core/tracking/deps.js';
import { queryStateOf } from '../../../lambdas/core/tracking/outcome.js';
import { trackingSettings } from '../../../lambdas/core/tracking/settings.js';
import { applyStateChange } from '../../../lambdas/core/tracking/state-change.js';
import { sweep } from '../../../lambdas/core/tracking/sweeper.js';
import { startLocalDynamo, type LocalDynamo } from '../../../lambdas/local/dynamo.js';
import { FakeAthena, T0, config, stateEvent } from './support.js';

/**
 * For random queries and their true Athena lifecycles, EventBridge delivers each state-change
 * event zero to three times (dropped, duplicated) after random delays (reordered), the sweeper
 * runs at random times, and clients stop polling at random times (the sweeper then stops their
 * queries, which is a truth of its own). Once the sweeper has run after the last delivery, every
 * query is in its true state and every target's depth is its number of truly active queries.
 */

/** One simulated time unit. */
const UNIT = 10_000;
const STOP_EVENT = 5;

const queryArb = fc.record({
  start: fc.integer({ min: 0, max: 10 }),
  /** QUEUED, then this many flips between RUNNING and QUEUED (Athena may requeue a running query). */
  flips: fc.integer({ min: 0, max: 3 }),
  final: fc.constantFrom<AthenaState | null>('SUCCEEDED', 'FAILED', 'CANCELLED', null),
  gaps: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 5, maxLength: 5 }),
  /** Per event (index 5: the CANCELLED event after a stop), the delay of each delivered copy. */
  deliveries: fc.array(fc.array(fc.integer({ min: 0, max: 25 }), { maxLength: 3 }), { minLength: 6, maxLength: 6 }),
  target: fc.integer({ min: 0, max: 1 }),
  /** When the client stops polling, after the start; undefined: it keeps polling. */
  leavesAfter: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
});

const scenarioArb = fc.record({
  queries: fc.array(queryArb, { minLength: 1, maxLength: 6 }),
  sweeps: fc.array(fc.integer({ min: 0, max: 70 }), { maxLength: 3 }),
});

type QuerySpec = typeof queryArb extends fc.Arbitrary<infer Q> ? Q : never;
interface Scenario {
  queries: QuerySpec[];
  sweeps: number[];
}

class StoppableAthena extends FakeAthena {
  onStop: (executionId: string, wasActive: boolean) => void = () => {};
  override async stop(executionId: string): Promise<void> {
    const before = this.truth.get(executionId)?.state;
    await super.stop(executionId);
    this.onStop(executionId, before === 'QUEUED' || before === 'RUNNING');
  }
}

let dynamo: LocalDynamo;
let run = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

async function simulate(scenario: Scenario): Promise<void> {
  run++;
  // A table per run: what one run leaves open never reaches the next run's sweeps.
  const table = `queries-${run}`;
  await dynamo.client.send(new CreateTableCommand(queriesTableDefinition(table)));
  await waitUntilTableExists({ client: dynamo.client, maxWaitTime: 30, minDelay: 0.01, maxDelay: 0.05 }, { TableName: table });
  const store = new DynamoQueryStore(dynamo.client, table);
  const athena = new StoppableAthena();
  const clock = { now: T0 };
  const targets = [`r${run}-provisioned`, `r${run}-ondemand`];
  const deps: TrackingDeps = {
    store,
    statusFor: () => athena,
    settings: trackingSettings(config, { reconcileAfterMs: 2 * UNIT, clientTimeoutMs: 30 * UNIT, pricePerTerabyteUsd: () => 5, sweepConcurrency: 4 }),
    clock: () => clock.now,
  };

  // A time-ordered agenda of actions; actions may schedule more.
  const agenda: { time: number; order: number; act: () => Promise<void> }[] = [];
  let order = 0;
  const at = (time: number, act: () => Promise<void>) => {
    agenda.push({ time, order: order++, act });
    agenda.sort((a, b) => a.time - b.time || a.order - b.order);
  };

  const queries = scenario.queries.map((spec, i) => {
    const states: AthenaState[] = ['QUEUED'];
    for (let k = 1; k <= spec.flips; k++) states.push(k % 2 === 1 ? 'RUNNING' : 'QUEUED');
    if (spec.final) states.push(spec.final);
    const times = states.map((_, k) => spec.start + spec.gaps.slice(0, k).reduce((a, b) => a + b, 0));
    return { spec, i, queryId: `r${run}-q${i}`, exec: `r${run}-exec-${i}`, target: targets[spec.target]!, states, times, lastSeq: 0, newestDelivered: 0, stopped: false, submitted: false };
  });
  const byExec = new Map(queries.map((q) => [q.exec, q]));
  /** Sweeps so far: they write states without a sequence number, and stop queries. */
  let sweeps = 0;

  const deliver = (q: (typeof queries)[number], index: number, state: AthenaState, sequence: number, from: number) => {
    for (const delay of q.spec.deliveries[index]!) {
      at(from + delay, async () => {
        clock.now = T0 + (from + delay) * UNIT;
        await applyStateChange(deps, stateEvent(q.exec, state, String(sequence)));
        // Before any sweep, the item shows the newest event delivered so far, whatever the order.
        q.newestDelivered = Math.max(q.newestDelivered, sequence);
        if (sweeps === 0) expect((await store.get(q.queryId))?.state).toBe(queryStateOf(q.states[q.newestDelivered - 1]!));
      });
    }
  };

  athena.onStop = (executionId, wasActive) => {
    const q = byExec.get(executionId)!;
    if (!wasActive) return;
    q.stopped = true;
    q.lastSeq++;
    deliver(q, STOP_EVENT, 'CANCELLED', q.lastSeq, (clock.now - T0) / UNIT);
  };

  for (const q of queries) {
    q.states.forEach((state, k) => {
      at(q.times[k]!, async () => {
        if (k === 0) {
          clock.now = T0 + q.times[0]! * UNIT;
          await store.create({ queryId: q.queryId, user: 'prop', dialect: 'trino', sql: 'SELECT 1', sqlDigest: 'd', state: 'QUEUED', target: q.target, createdAt: clock.now, updatedAt: clock.now });
          await store.attachHandle(q.queryId, q.target, `handle-${q.exec}`, q.exec);
          q.submitted = true;
        }
        if (q.stopped) return;
        const final = state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED';
        athena.set(q.exec, {
          state,
          ...(final ? { statistics: { dataScannedBytes: 1000 * (q.i + 1), totalTimeMillis: 100 } } : {}),
          ...(state === 'FAILED' ? { error: { category: 2, message: 'SYNTAX_ERROR: line 1:1: nope' } } : {}),
        });
        q.lastSeq = k + 1;
        deliver(q, k, state, k + 1, q.times[k]!);
      });
    });
  }

  const sweepAt = async (time: number) => {
    sweeps++;
    clock.now = T0 + time * UNIT;
    // Clients still there have polled recently.
    for (const q of queries) {
      if (q.submitted && (q.spec.leavesAfter === undefined || q.spec.start + q.spec.leavesAfter > time)) await store.touch(q.queryId, clock.now);
    }
    await sweep(deps);
  };
  for (const time of scenario.sweeps) at(time, () => sweepAt(time));

  let last = 0;
  while (agenda.length) {
    const next = agenda.shift()!;
    last = next.time;
    await next.act();
  }

  // The sweeper runs once after every delivery.
  await sweepAt(last + 100);

  const check = async () => {
    const active = new Map<string, { queued: number; running: number }>(targets.map((t) => [t, { queued: 0, running: 0 }]));
    for (const q of queries) {
      const truth = athena.truth.get(q.exec)!.state;
      const expected: QueryState = queryStateOf(truth)!;
      const item = await store.get(q.queryId);
      expect(item?.state, `query ${q.i}: lifecycle ${q.states.join(',')}${q.stopped ? ', stopped' : ''}`).toBe(expected);
      if (truth === 'QUEUED') active.get(q.target)!.queued++;
      if (truth === 'RUNNING') active.get(q.target)!.running++;
    }
    for (const target of targets) expect(await store.depth(target), `depth of ${target}`).toEqual(active.get(target));
  };
  await check();

  // Events still on their way (the cancels of queries stopped by that sweep) change no state,
  // and every final query not ended for abandonment has its statistics.
  const tail = agenda.length;
  while (agenda.length) await agenda.shift()!.act();
  await check();
  for (const q of queries) {
    const item = (await store.get(q.queryId))!;
    if (item.state === 'FINISHED' || item.state === 'FAILED' || item.state === 'CANCELED') {
      if (item.error?.errorName !== 'ABANDONED_QUERY') expect(item.statistics, `statistics of query ${q.i} (${tail} late events)`).toBeDefined();
    }
  }
}

describe('tracking under duplicates, reordering and lost events', () => {
  it('ends every query in its true state, and every depth true, once the sweeper has run', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, simulate), { numRuns: 30, ...(process.env.BIFROST_PROPERTY_SEED ? { seed: Number(process.env.BIFROST_PROPERTY_SEED), path: process.env.BIFROST_PROPERTY_PATH } : {}) });
  }, 120_000);

  it('holds for a lifecycle whose every event is lost', async () => {
    await simulate({
      queries: [{ start: 0, flips: 1, final: 'SUCCEEDED', gaps: [1, 1, 1, 1, 1], deliveries: [[], [], [], [], [], []], target: 0, leavesAfter: undefined }],
      sweeps: [],
    });
  });

  it('holds for a query requeued, with its events delivered newest first and twice', async () => {
    await simulate({
      queries: [{ start: 0, flips: 3, final: null, gaps: [1, 1, 1, 1, 1], deliveries: [[20, 21], [15, 16], [10, 11], [5, 6], [], []], target: 1, leavesAfter: undefined }],
      sweeps: [3],
    });
  });
});
