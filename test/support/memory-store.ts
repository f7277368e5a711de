import { compareArrival } from '../../lambdas/core/routing/queueing.js';
import type { QueryRecord, QueryStore, TargetDepth, TargetDepths, TransitionPatch, AttachOptions } from '../../lambdas/core/ports/index.js';
import { FINAL_STATES } from '../../lambdas/core/stores/query-store.js';

/**
 * The query store in memory, with the conditional rules of the DynamoDB store (one handle, no
 * change to a final item, no stale event), queue depth counted from the items (as the DynamoDB
 * index does) and the gateway queue's arrival-order count. Faults can be injected per method.
 * For gateway and routing tests alike.
 */
export class MemoryQueryStore implements QueryStore, TargetDepths {
  readonly items = new Map<string, QueryRecord>();
  /** Whether an item fits (QueryStore.fits); absent: every item fits. */
  fits?: (record: QueryRecord) => boolean;
  /** The next call of a method throws this error (once). */
  failNext: Partial<Record<keyof QueryStore, Error>> = {};
  /** Store calls by method name, in order. */
  calls: string[] = [];
  /** Depth reads, in order: routing must read only the targets it considers. */
  readonly depthReads: string[] = [];

  private maybeFail(name: keyof QueryStore): void {
    this.calls.push(name);
    const error = this.failNext[name];
    if (error) {
      delete this.failNext[name];
      throw error;
    }
  }

  async create(record: QueryRecord): Promise<void> {
    this.maybeFail('create');
    if (this.items.has(record.queryId)) throw new Error(`query ${record.queryId} exists`);
    this.items.set(record.queryId, structuredClone(record));
  }

  async get(queryId: string): Promise<QueryRecord | undefined> {
    this.maybeFail('get');
    const item = this.items.get(queryId);
    return item && structuredClone(item);
  }

  async attachHandle(queryId: string, target: string, handle: string, engineQueryId?: string, start: AttachOptions = {}): Promise<boolean> {
    this.maybeFail('attachHandle');
    const item = this.items.get(queryId);
    if (!item || item.engineHandle || FINAL_STATES.includes(item.state)) return false;
    item.target = target;
    item.engineHandle = handle;
    if (engineQueryId) item.engineQueryId = engineQueryId;
    if (start.slot !== undefined) item.slot = start.slot;
    if (start.routing !== undefined) {
      item.routing = start.routing;
      delete item.waitingGroup;
      delete item.routingRequest;
      delete item.waitingOn;
    }
    return true;
  }

  async transition(queryId: string, patch: TransitionPatch, now: number): Promise<boolean> {
    this.maybeFail('transition');
    const item = this.items.get(queryId);
    if (!item || FINAL_STATES.includes(item.state)) return false;
    if (patch.eventSequence !== undefined && item.eventSequence !== undefined && item.eventSequence >= patch.eventSequence) return false;
    Object.assign(item, patch, { updatedAt: now });
    if (FINAL_STATES.includes(patch.state)) {
      item.endedAt = now;
      delete item.waitingGroup;
    }
    return true;
  }

  async recordAccess(queryId: string, access: Record<string, unknown>): Promise<void> {
    this.maybeFail('recordAccess');
    const item = this.items.get(queryId);
    if (item) item.access = structuredClone(access);
  }

  async touch(queryId: string, now: number): Promise<void> {
    this.maybeFail('touch');
    const item = this.items.get(queryId);
    if (item) item.lastPollAt = now;
  }

  async countWaitingAhead(group: string, query: { queryId: string; createdAt: number }, liveSince: number, atMost: number): Promise<number> {
    this.maybeFail('countWaitingAhead');
    let n = 0;
    for (const item of this.items.values()) {
      if (item.waitingGroup !== group || item.engineHandle || item.state !== 'QUEUED') continue;
      if (compareArrival(item, query) >= 0) continue;
      if ((item.lastPollAt ?? item.createdAt) < liveSince) continue;
      if (++n >= atMost) break;
    }
    return n;
  }

  async leaveWaiting(queryId: string, routing: Record<string, unknown>): Promise<void> {
    this.maybeFail('leaveWaiting');
    const item = this.items.get(queryId);
    if (!item) return;
    item.routing = routing;
    delete item.waitingGroup;
    delete item.routingRequest;
  }

  async depth(target: string): Promise<TargetDepth> {
    this.depthReads.push(target);
    let queued = 0;
    let running = 0;
    for (const item of this.items.values()) {
      if (item.target !== target || !item.engineHandle) continue;
      if (item.state === 'QUEUED') queued++;
      else if (item.state === 'RUNNING') running++;
    }
    return { queued, running };
  }
}

/** Fixed depths per target (0 for others), counting reads. */
export class FixedDepths implements TargetDepths {
  readonly reads: string[] = [];
  constructor(public depths: Record<string, number | TargetDepth> = {}) {}

  async depth(target: string): Promise<TargetDepth> {
    this.reads.push(target);
    const d = this.depths[target] ?? 0;
    return typeof d === 'number' ? { queued: 0, running: d } : d;
  }
}
