/**
 * Where this instance holds the polls of queries waiting at the gateway: a poll that found every
 * target full waits here for up to its hold time, and is woken as soon as this instance gives a
 * slot back on one of its targets (a query it served ended), so that the slot does not stay idle
 * until the next poll. One poll is woken per slot given back, the earliest arrival first: a
 * freed slot never sets off the whole line at once. Slots given back by other instances are
 * found by the next poll, at most one hold time later.
 */
interface Held {
  createdAt: number;
  queryId: string;
  targets: readonly string[];
  wake: () => void;
}

export class WaitingRoom {
  private held: Held[] = [];

  /** Holds a waiting query's poll for up to `ms`; true when a freed slot woke it. */
  hold(query: { queryId: string; createdAt: number; waitingOn?: readonly string[] }, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry: Held = {
        createdAt: query.createdAt,
        queryId: query.queryId,
        targets: query.waitingOn ?? [],
        wake: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.held = this.held.filter((h) => h !== entry);
        resolve(false);
      }, ms);
      this.held.push(entry);
    });
  }

  /** A slot of `target` was given back here: wake the earliest held poll waiting for it. */
  freed(target: string): void {
    let first: Held | undefined;
    for (const h of this.held) {
      if (h.targets.length && !h.targets.includes(target)) continue;
      if (!first || h.createdAt < first.createdAt || (h.createdAt === first.createdAt && h.queryId < first.queryId)) first = h;
    }
    if (!first) return;
    this.held = this.held.filter((h) => h !== first);
    first.wake();
  }

  get size(): number {
    return this.held.length;
  }
}
