import type { AuditEntry, AuditLog, AuditPage, AuditQuery } from '../ports/index.js';

/**
 * The audit trail's memory store and paging; the port (AuditLog, AuditEntry) is in ports/admin.ts.
 * Re-exported here for the modules that imported it from this file.
 */
export type { AuditEntry, AuditLog, AuditPage, AuditQuery } from '../ports/index.js';

/** In memory: tests. */
export class MemoryAuditLog implements AuditLog {
  private readonly entries: AuditEntry[] = [];

  async record(entry: AuditEntry): Promise<void> {
    this.entries.push(structuredClone(entry));
  }

  async list(query: AuditQuery): Promise<AuditPage> {
    return pageOf(this.entries, query);
  }
}

/** Newest first within [from, to] and the filters, `limit` a page, the cursor being the count already returned. */
export function pageOf(entries: readonly AuditEntry[], query: AuditQuery): AuditPage {
  const matching = entries
    .filter((e) => e.at >= query.from && e.at <= query.to && (!query.actor || e.actor === query.actor) && (!query.action || e.action.startsWith(query.action)))
    .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1));
  const offset = Math.max(0, Number.parseInt(query.cursor ?? '0', 10) || 0);
  const items = matching.slice(offset, offset + query.limit).map((e) => structuredClone(e));
  return { items, ...(offset + items.length < matching.length ? { cursor: String(offset + items.length) } : {}) };
}
