import { DynamoQueryStore } from '../../../lambdas/adapters/aws/dynamo-query-store.js';
import { parseConfig, type BifrostConfig } from '../../../lambdas/core/config/schema.js';
import type { QueryRecord, QueryState, AthenaFailure, AthenaQueryStatus, AthenaState, AthenaStatus, AthenaStatusBatch, QueryStatistics, TrackingMetric } from '../../../lambdas/core/ports/index.js';
import type { TrackingDeps } from '../../../lambdas/core/tracking/deps.js';
import type { AthenaStateChangeEvent } from '../../../lambdas/core/tracking/state-change.js';
import { trackingSettings, type TrackingSettings } from '../../../lambdas/core/tracking/settings.js';
import { startLocalDynamo, type LocalDynamo } from '../../../lambdas/local/dynamo.js';

/** 2025-03-01T12:00:00Z */
export const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);

/** Two Athena targets (on-demand and provisioned) and a Trino cluster. */
export const config: BifrostConfig = parseConfig({
  version: 1,
  gateway: { pricePerTerabyteUsd: 5, clientTimeoutSeconds: 300, historyRetentionDays: 30 },
  targets: {
    adhoc: { type: 'athena', workgroup: 'bifrost-adhoc', capacity: 'on-demand' },
    critical: { type: 'athena', workgroup: 'bifrost-critical', capacity: 'provisioned' },
    legacy: { type: 'trino', url: 'https://trino.example.com' },
  },
  routingGroups: { main: { targets: ['critical', 'adhoc'] }, old: { targets: ['legacy'] } },
  defaultRoutingGroup: 'main',
  capacityReservations: { reserved: { targetDpus: 24, targets: ['critical'] } },
});

export const WORKGROUP: Record<string, string> = { adhoc: 'bifrost-adhoc', critical: 'bifrost-critical' };

export interface TruthEntry {
  state: AthenaState;
  statistics?: QueryStatistics;
  error?: AthenaFailure;
  statementType?: string;
  stateChangeReason?: string;
}

/** An Athena that knows the truth about every execution, and records how it was asked. */
export class FakeAthena implements AthenaStatus {
  readonly truth = new Map<string, TruthEntry>();
  readonly batchSizes: number[] = [];
  readonly stopped: string[] = [];
  failStop = false;
  failBatchGet = false;

  set(executionId: string, entry: TruthEntry): void {
    this.truth.set(executionId, entry);
  }

  async batchGet(executionIds: readonly string[]): Promise<AthenaStatusBatch> {
    this.batchSizes.push(executionIds.length);
    if (executionIds.length > 50) throw new Error('BatchGetQueryExecution takes at most 50 ids');
    if (this.failBatchGet) throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    const out: AthenaStatusBatch = { statuses: [], unprocessed: [] };
    for (const id of executionIds) {
      const t = this.truth.get(id);
      if (!t) {
        out.unprocessed.push({ executionId: id, code: 'INVALID_INPUT', message: `QueryExecution ${id} was not found` });
        continue;
      }
      const status: AthenaQueryStatus = { executionId: id, state: t.state, statementType: t.statementType ?? 'DML' };
      if (t.error) status.error = t.error;
      if (t.stateChangeReason) status.stateChangeReason = t.stateChangeReason;
      if (t.statistics) status.statistics = t.statistics;
      out.statuses.push(status);
    }
    return out;
  }

  async stop(executionId: string): Promise<void> {
    if (this.failStop) throw new Error('InternalServerException');
    this.stopped.push(executionId);
    const t = this.truth.get(executionId);
    if (t && (t.state === 'QUEUED' || t.state === 'RUNNING')) {
      this.truth.set(executionId, { ...t, state: 'CANCELLED', stateChangeReason: 'Query was cancelled by the user', statistics: t.statistics ?? { dataScannedBytes: 0, totalTimeMillis: 1 } });
    }
  }
}

export class CountingMetrics {
  readonly counts = new Map<TrackingMetric, number>();
  count(name: TrackingMetric, value = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }
  get(name: TrackingMetric): number {
    return this.counts.get(name) ?? 0;
  }
}

export interface TrackingFixture {
  dynamo: LocalDynamo;
  store: DynamoQueryStore;
  athena: FakeAthena;
  metrics: CountingMetrics;
  deps: TrackingDeps;
  clock: { now: number };
  /** Creates a query item as the gateway does, submitted to `target` with execution id `executionId`. */
  submit(options: { queryId: string; target?: string; executionId?: string; user?: string; createdAt?: number; state?: QueryState; sql?: string }): Promise<QueryRecord>;
  close(): Promise<void>;
}

export async function trackingFixture(overrides: Partial<TrackingSettings> = {}): Promise<TrackingFixture> {
  const dynamo = await startLocalDynamo();
  const store = new DynamoQueryStore(dynamo.client, dynamo.tables.queries);
  const athena = new FakeAthena();
  const metrics = new CountingMetrics();
  const clock = { now: T0 };
  const deps: TrackingDeps = {
    store,
    statusFor: (target) => (target === 'adhoc' || target === 'critical' ? athena : undefined),
    settings: trackingSettings(config, overrides),
    clock: () => clock.now,
    metrics,
  };
  return {
    dynamo,
    store,
    athena,
    metrics,
    deps,
    clock,
    async submit({ queryId, target, executionId, user = 'alice', createdAt = clock.now, state = 'QUEUED', sql = 'SELECT 1' }) {
      const record: QueryRecord = {
        queryId,
        user,
        dialect: 'trino',
        sql,
        sqlDigest: 'digest-' + queryId,
        kind: 'SELECT',
        state,
        ...(target ? { target } : {}),
        createdAt,
        updatedAt: createdAt,
        expiresAt: Math.floor(createdAt / 1000) + 30 * 86_400,
      };
      await store.create(record);
      if (target && executionId) {
        await store.attachHandle(queryId, target, `handle-${executionId}`, executionId);
        record.engineHandle = `handle-${executionId}`;
        record.engineQueryId = executionId;
      }
      return record;
    },
    close: () => dynamo.close(),
  };
}

export function stateEvent(executionId: string, state: AthenaState, sequence: number | string, extra: Partial<AthenaStateChangeEvent['detail']> = {}, workgroup = 'bifrost-adhoc'): AthenaStateChangeEvent {
  return {
    version: '0',
    id: `event-${executionId}-${sequence}`,
    'detail-type': 'Athena Query State Change',
    source: 'aws.athena',
    account: '123456789012',
    time: '2025-03-01T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      versionId: '0',
      currentState: state,
      statementType: 'DML',
      queryExecutionId: executionId,
      workgroupName: workgroup,
      sequenceNumber: String(sequence),
      ...extra,
    },
  };
}

export function executionId(n: number): string {
  return `0000000${n.toString(16)}`.slice(-8) + '-0123-4567-89ab-0123456789ab';
}

export function queryIdOf(n: number): string {
  return `20250301_120000_${String(n % 100000).padStart(5, '0')}_q${String(n).padStart(4, '0').slice(-4)}`;
}
