import type { SegmentStore } from '../core/ports/index.js';

/**
 * The local server's spooled segments: in memory, served by the gateway itself
 * (/v1/spooled/download, Trino's coordinator-proxy retrieval). Segments are dropped when
 * acknowledged, and by the sweep once their links have expired; a restart drops them all,
 * which only fails clients still reading a result from before it.
 */
export class MemorySegmentStore implements SegmentStore {
  private readonly segments = new Map<string, { body: Uint8Array; writtenAt: number; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async put(key: string, body: Uint8Array, expiresAt: number): Promise<void> {
    this.segments.set(key, { body, writtenAt: this.now(), expiresAt });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.segments.get(key)?.body;
  }

  async delete(key: string): Promise<void> {
    this.segments.delete(key);
  }

  async sweep(writtenBefore: number): Promise<number> {
    let deleted = 0;
    for (const [key, segment] of this.segments) {
      if (segment.writtenAt < writtenBefore || segment.expiresAt < this.now()) {
        this.segments.delete(key);
        deleted++;
      }
    }
    return deleted;
  }

  /** Segments held now (tests). */
  get size(): number {
    return this.segments.size;
  }

  has(key: string): boolean {
    return this.segments.has(key);
  }
}
