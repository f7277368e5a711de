import type { QueryRecord, QueryStore, TransitionPatch } from '../../lambdas/core/stores/query-store.js';
import { FINAL_STATES } from '../../lambdas/core/stores/query-store.js';

/** A QueryStore in memory with the same conditional rules, for gateway unit tests. */
export class MemoryQueryStore implements QueryStore {
  readonly items = new Map<string, QueryRecord>();
  failNext: Partial<Record<keyof QueryStore, Error>> = {};
  calls: string[] = [];

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
    if (this.items.has(record.queryId)) throw new Error('exists');
    this.items.set(record.queryId, structuredClone(record));
  }
  async get(queryId: string): Promise<QueryRecord | undefined> {
    this.maybeFail('get');
    const item = this.items.get(queryId);
    return item && structuredClone(item);
  }
  async attachHandle(queryId: string, target: string, handle: string, engineQueryId?: string): Promise<boolean> {
    this.maybeFail('attachHandle');
    const item = this.items.get(queryId);
    if (!item || item.engineHandle || FINAL_STATES.includes(item.state)) return false;
    Object.assign(item, { target, engineHandle: handle, ...(engineQueryId ? { engineQueryId } : {}) });
    return true;
  }
  async transition(queryId: string, patch: TransitionPatch, now: number): Promise<boolean> {
    this.maybeFail('transition');
    const item = this.items.get(queryId);
    if (!item || FINAL_STATES.includes(item.state)) return false;
    Object.assign(item, patch, { updatedAt: now }, FINAL_STATES.includes(patch.state) ? { endedAt: now } : {});
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
}
