import type { QueryRecord } from '../ports/index.js';

/**
 * The items of queries running on an engine, kept by this gateway instance between the polls it
 * serves, so that a poll reads the store only when another instance served the query before.
 *
 * Safe to serve from because what a poll reads of the item does not change once the query has
 * its engine handle (user, target, handle, plan, session): its state does, and the engine itself
 * tells it on every poll; this instance's own writes (a new state, the client's presence) are
 * applied to the cached item as well. A query ended elsewhere (a DELETE, the sweeper, an admin's
 * kill) is seen ended by its engine; its item is then read again for the reason.
 *
 * Bounded in entries and time, and texts larger than a few kilobytes are not kept, so the
 * instance's memory does not grow with the number of queries it served.
 */
const MAX_ENTRIES = 500;
const MAX_AGE_MS = 10 * 60_000;
const MAX_TEXT_CHARS = 16_384;

export class PollCache {
  private readonly entries = new Map<string, { record: QueryRecord; at: number }>();

  constructor(
    private readonly maxEntries = MAX_ENTRIES,
    private readonly maxAgeMs = MAX_AGE_MS,
  ) {}

  get(queryId: string, now: number): QueryRecord | undefined {
    const entry = this.entries.get(queryId);
    if (!entry) return undefined;
    if (now - entry.at > this.maxAgeMs) {
      this.entries.delete(queryId);
      return undefined;
    }
    return entry.record;
  }

  /** Keeps a query's item when a poll can be served from it: on an engine, not final, small. */
  keep(record: QueryRecord, now: number): void {
    if (!cacheable(record)) return;
    this.entries.delete(record.queryId);
    this.entries.set(record.queryId, { record, at: now });
    // Oldest first in a Map: evict from the front.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(queryId: string): void {
    this.entries.delete(queryId);
  }

  get size(): number {
    return this.entries.size;
  }
}

function cacheable(record: QueryRecord): boolean {
  if (!record.engineHandle || !record.target || record.result || record.state === 'FINISHED' || record.state === 'FAILED' || record.state === 'CANCELED') return false;
  return record.sql.length <= MAX_TEXT_CHARS && (record.sessionJson?.length ?? 0) <= MAX_TEXT_CHARS;
}
