import type { ClusterHealthState, HealthStore } from '../../lambdas/core/ports/index.js';

/** The cluster health store in memory, with the DynamoDB store's conditional write. For tests. */
export class MemoryHealthStore implements HealthStore {
  private readonly states = new Map<string, ClusterHealthState>();

  async get(targets: readonly string[]): Promise<Map<string, ClusterHealthState>> {
    const out = new Map<string, ClusterHealthState>();
    for (const t of targets) {
      const s = this.states.get(t);
      if (s) out.set(t, { ...s });
    }
    return out;
  }

  async put(state: ClusterHealthState, previousCheckedAt: number | undefined): Promise<boolean> {
    const current = this.states.get(state.target);
    if (current?.checkedAt !== previousCheckedAt) return false;
    this.states.set(state.target, { ...state });
    return true;
  }
}
