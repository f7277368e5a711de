/**
 * Issue "Query state and queue depth" benchmarks, on dynalite (DynamoDB's API in process):
 * 1. Events applied per second: "Athena Query State Change" events through applyStateChange into
 *    the query store (lookup by execution id, conditional update; final events also read the
 *    item, ask the status API, here an in-process fake, and record statistics), 20% of them
 *    duplicates; one at a time and 16 in flight.
 * 2. The time to read one target's depth (queued and running, COUNT on the sparse index) with
 *    10,000 active queries on it, and the read capacity the same query consumes.
 * dynalite is not DynamoDB: its figures show the code's own cost and the number of round trips,
 * not DynamoDB's latency (a few ms a round trip in a Region).
 * The serial run, the 16-in-flight run and the depth reads are interleaved, 5 rounds after a
 * warm-up round (each round on queries of its own); figures are medians with their spreads.
 */
import { performance } from 'node:perf_hooks';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoQueryStore } from '../lambdas/adapters/aws/dynamo-query-store.js';
import { QUERIES_TABLE } from '../lambdas/adapters/aws/tables.js';
import { parseConfig } from '../lambdas/core/config/schema.js';
import type { QueryRecord, AthenaStatus, AthenaStatusBatch } from '../lambdas/core/ports/index.js';
import type { TrackingDeps } from '../lambdas/core/tracking/deps.js';
import { trackingSettings } from '../lambdas/core/tracking/settings.js';
import { applyStateChange, type AthenaStateChangeEvent } from '../lambdas/core/tracking/state-change.js';
import { startLocalDynamo } from '../lambdas/local/dynamo.js';
import type { BenchResult } from './run.js';
import { interleave, round, summarize } from './stats.js';

const QUERIES = 600;
const DUPLICATE_SHARE = 0.2;
const ACTIVE = 10_000;
const DEPTH_READS = 30;

const config = parseConfig({
  version: 1,
  targets: { adhoc: { type: 'athena', workgroup: 'bifrost-adhoc' } },
  routingGroups: { main: { targets: ['adhoc'] } },
  defaultRoutingGroup: 'main',
});

/** Athena's status API answering at once: every execution succeeded. */
const athena: AthenaStatus = {
  async batchGet(ids): Promise<AthenaStatusBatch> {
    return { statuses: ids.map((id) => ({ executionId: id, state: 'SUCCEEDED', statementType: 'DML', statistics: { dataScannedBytes: 123_456_789, totalTimeMillis: 2000, queueTimeMillis: 10, planningTimeMillis: 100, engineTimeMillis: 1800 } })), unprocessed: [] };
  },
  async stop() {},
};

function record(queryId: string, target: string, now: number): QueryRecord {
  return { queryId, user: 'bench', dialect: 'trino', sql: 'SELECT count(*) FROM sales.orders', sqlDigest: 'd', kind: 'SELECT', state: 'QUEUED', target, createdAt: now, updatedAt: now, expiresAt: Math.floor(now / 1000) + 30 * 86_400 };
}

function event(executionId: string, state: string, sequence: number): AthenaStateChangeEvent {
  return {
    version: '0',
    id: `${executionId}-${sequence}`,
    'detail-type': 'Athena Query State Change',
    source: 'aws.athena',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: { versionId: '0', currentState: state, statementType: 'DML', queryExecutionId: executionId, workgroupName: 'bifrost-adhoc', sequenceNumber: String(sequence) },
  };
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

async function eventsPerSecond(store: DynamoQueryStore, prefix: string, concurrency: number) {
  const now = Date.now();
  const ids = Array.from({ length: QUERIES }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
  await inParallel(ids, 32, async (id) => {
    await store.create(record(id, 'adhoc', now));
    await store.attachHandle(id, 'adhoc', `handle-${id}`, `exec-${id}`);
  });
  // RUNNING then SUCCEEDED for every query, plus duplicates; per query in order, queries interleaved.
  const perQuery = ids.map((id) => {
    const list = [event(`exec-${id}`, 'RUNNING', 2), event(`exec-${id}`, 'SUCCEEDED', 3)];
    const out: AthenaStateChangeEvent[] = [];
    for (const e of list) {
      out.push(e);
      if (Math.random() < DUPLICATE_SHARE) out.push(e);
    }
    return out;
  });
  const deps: TrackingDeps = { store, statusFor: () => athena, settings: trackingSettings(config), clock: Date.now };
  const latencies: number[] = [];
  const outcomes = new Map<string, number>();
  let total = 0;
  const start = performance.now();
  await inParallel(perQuery, concurrency, async (events) => {
    for (const e of events) {
      const t = performance.now();
      const { outcome } = await applyStateChange(deps, e);
      latencies.push(performance.now() - t);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      total++;
    }
  });
  const seconds = (performance.now() - start) / 1000;
  return { eventsPerSecond: round(total / seconds, 0), events: total, latency: summarize(latencies), outcomes: [...outcomes].map(([k, v]) => `${k}=${v}`).join(' ') };
}

const DEPTH_TARGET = 'big';

async function loadActive(store: DynamoQueryStore): Promise<number> {
  const target = DEPTH_TARGET;
  const now = Date.now();
  const ids = Array.from({ length: ACTIVE }, (_, i) => `depth-${String(i).padStart(6, '0')}`);
  const loadStart = performance.now();
  await inParallel(ids, 64, async (id) => {
    await store.create(record(id, target, now));
  });
  await inParallel(ids.slice(0, ACTIVE * 0.4), 64, async (id) => {
    await store.transition(id, { state: 'RUNNING' }, now);
  });
  return round((performance.now() - loadStart) / 1000, 1);
}

async function depthRead(store: DynamoQueryStore, doc: DynamoDBDocumentClient, table: string) {
  const target = DEPTH_TARGET;
  const depth = await store.depth(target);
  if (depth.queued + depth.running !== ACTIVE) throw new Error(`depth ${JSON.stringify(depth)} != ${ACTIVE}`);
  const samples: number[] = [];
  for (let i = 0; i < DEPTH_READS; i++) {
    const t = performance.now();
    await store.depth(target);
    samples.push(performance.now() - t);
  }
  // What DynamoDB charges for it: the same COUNT queries with their consumed capacity.
  let capacity = 0;
  let pages = 0;
  for (const state of ['QUEUED', 'RUNNING']) {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: QUERIES_TABLE.activeIndex.name,
          KeyConditionExpression: '#t = :t AND begins_with(#s, :s)',
          ExpressionAttributeNames: { '#t': 'target', '#s': 'activeKey' },
          ExpressionAttributeValues: { ':t': target, ':s': `${state}#` },
          Select: 'COUNT',
          ReturnConsumedCapacity: 'TOTAL',
          ExclusiveStartKey: start,
        }),
      );
      capacity += out.ConsumedCapacity?.CapacityUnits ?? 0;
      pages++;
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return { depth, latency: summarize(samples), capacity: round(capacity, 1), pages };
}

export default async function bench(): Promise<BenchResult> {
  const dynamo = await startLocalDynamo();
  try {
    const store = new DynamoQueryStore(dynamo.client, dynamo.tables.queries);
    const doc = DynamoDBDocumentClient.from(dynamo.client);
    const loadSeconds = await loadActive(store);
    let runs = 0;
    let outcomes = '';
    let depth = { queued: 0, running: 0 };
    const repeated = await interleave({
      serial: async () => {
        const serial = await eventsPerSecond(store, `serial-${runs++}`, 1);
        return { eventsPerSecondSerial: serial.eventsPerSecond, eventP50MsSerial: serial.latency.median, eventP99MsSerial: serial.latency.p99 };
      },
      parallel: async () => {
        const parallel = await eventsPerSecond(store, `parallel-${runs++}`, 16);
        outcomes = parallel.outcomes;
        return { eventsPerSecond16InFlight: parallel.eventsPerSecond, eventP50Ms16InFlight: parallel.latency.median, eventP99Ms16InFlight: parallel.latency.p99 };
      },
      depth: async () => {
        const read = await depthRead(store, doc, dynamo.tables.queries);
        depth = read.depth;
        return { depthReadP50Ms: read.latency.median, depthReadP99Ms: read.latency.p99, depthReadRoundTrips: read.pages, depthReadCapacityUnits: read.capacity };
      },
    });
    const { figures, spreads, repetitions } = repeated.report();
    return {
      title: `Tracking on dynalite: ${QUERIES} queries x (RUNNING, SUCCEEDED) events with ${DUPLICATE_SHARE * 100}% duplicates through applyStateChange (status API in process), one at a time and 16 in flight; depth of one target with ${ACTIVE} active queries (${depth.queued} queued, ${depth.running} running), ${DEPTH_READS} reads; the three interleaved, ${repetitions} rounds after a warm-up round`,
      figures: { ...figures, eventOutcomes: outcomes, depthActiveQueries: ACTIVE, activeQueriesLoadSeconds: loadSeconds },
      repetitions,
      spreads,
    };
  } finally {
    await dynamo.close();
  }
}
