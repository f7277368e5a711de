/**
 * The audit trail of changes made through the admin API: who, what, before, after. Access
 * decisions on queries are recorded on the query items themselves (`access`), next to the SQL.
 */
export interface AuditEntry {
  id: string;
  /** Epoch ms. */
  at: number;
  actor: string;
  /** e.g. target.state, routing.replace, routing.reset, access.replace, access.reset, user.create, user.update, query.cancel, login.failed. */
  action: string;
  /** What was changed: `target/<name>`, `routing`, `access`, `user/<name>`, `query/<id>`. */
  resource: string;
  before?: unknown;
  after?: unknown;
  detail?: string;
}

export interface AuditPage {
  /** Newest first. */
  items: AuditEntry[];
  cursor?: string;
}

/** A page of the trail: [from, to] (epoch ms, inclusive), optionally one actor and actions by prefix. */
export interface AuditQuery {
  from: number;
  to: number;
  limit: number;
  cursor?: string;
  /** Exactly this actor. */
  actor?: string;
  /** Actions starting with this: `routing` finds routing.replace and routing.reset. */
  action?: string;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  list(query: AuditQuery): Promise<AuditPage>;
}

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
