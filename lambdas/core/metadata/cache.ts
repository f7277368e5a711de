import type { MetadataColumn, MetadataSource, MetadataTable } from '../ports/index.js';

/**
 * A short-lived cache in front of a MetadataSource. Metadata is not query state, so it lives in
 * the process's memory: a Lambda container or the local server keeps it for `ttlMs` (60 s by
 * default). The cache holds what the source returned, for every user alike; access rules are
 * applied to each answer afterwards (answer.ts), so nothing a user may not see is ever served
 * from it. Concurrent requests for the same entry share one source call, and failures are not
 * cached.
 *
 * Calls are kept few so that browsing a catalog of 10,000 tables stays inside the API rate
 * limits: a schema is listed once per TTL (Glue GetTables pages of 100); columns come from a
 * listing that carries them, from a single-table lookup, or from a listing with columns when
 * that takes fewer calls than looking the tables up one by one.
 */
export interface MetadataCacheOptions {
  /** How long an entry is served (default 60 s). */
  ttlMs?: number;
  clock?: () => number;
  /** Upper bound on cached entries of each kind; the oldest go first (default 20,000). */
  maxEntries?: number;
  /** Source calls in flight at once for one answer (default 4). */
  concurrency?: number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly pending = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number,
    private readonly maxEntries: number,
  ) {}

  peek(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.clock() + this.ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.peek(key);
    if (hit !== undefined) return hit;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const promise = load().then(
      (value) => {
        this.pending.delete(key);
        this.set(key, value);
        return value;
      },
      (error: unknown) => {
        this.pending.delete(key);
        throw error;
      },
    );
    this.pending.set(key, promise);
    return promise;
  }

  clear(): void {
    this.entries.clear();
  }
}

interface Listing {
  tables: MetadataTable[];
  withColumns: boolean;
}

const key = (...parts: string[]) => JSON.stringify(parts);
/** Listings are kept in name order, so that answers without ORDER BY are stable. */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class MetadataCache {
  readonly ttlMs: number;
  private readonly concurrency: number;
  private readonly catalogList: TtlCache<string[]>;
  private readonly schemaLists: TtlCache<string[]>;
  /** Schema listings as first made (names and types, or with columns when the source has them). */
  private readonly listings: TtlCache<Listing>;
  /** Schema listings with every table's columns. */
  private readonly fullListings: TtlCache<Listing>;
  /** Single-table lookups: the table, or null when it does not exist. */
  private readonly tableLookups: TtlCache<MetadataTable | null>;
  private readonly columnLists: TtlCache<MetadataColumn[] | null>;

  constructor(
    readonly source: MetadataSource,
    options: MetadataCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    const clock = options.clock ?? Date.now;
    const max = options.maxEntries ?? 20_000;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.catalogList = new TtlCache(this.ttlMs, clock, 1);
    this.schemaLists = new TtlCache(this.ttlMs, clock, Math.max(16, Math.ceil(max / 100)));
    this.listings = new TtlCache(this.ttlMs, clock, Math.max(16, Math.ceil(max / 100)));
    this.fullListings = new TtlCache(this.ttlMs, clock, Math.max(16, Math.ceil(max / 100)));
    this.tableLookups = new TtlCache(this.ttlMs, clock, max);
    this.columnLists = new TtlCache(this.ttlMs, clock, max);
  }

  catalogs(): Promise<string[]> {
    return this.catalogList.get('', async () => [...(await this.source.listCatalogs())].sort(byName));
  }

  async schemas(catalog: string): Promise<string[]> {
    if (!(await this.catalogs()).includes(catalog)) return [];
    return this.schemaLists.get(catalog, async () => [...(await this.source.listSchemas(catalog))].sort(byName));
  }

  /** Whether the schema exists (information_schema always does in a known catalog). */
  async hasSchema(catalog: string, schema: string): Promise<boolean> {
    if (!(await this.catalogs()).includes(catalog)) return false;
    return schema === 'information_schema' || (await this.schemas(catalog)).includes(schema);
  }

  /** Every table of a schema; with their columns when asked (or when the listing had them). */
  async tables(catalog: string, schema: string, withColumns = false): Promise<MetadataTable[]> {
    const k = key(catalog, schema);
    const full = this.fullListings.peek(k);
    if (full) return full.tables;
    if (withColumns) return (await this.fullListings.get(k, () => this.list(catalog, schema, true))).tables;
    const listing = await this.listings.get(k, () => this.list(catalog, schema, false));
    if (listing.withColumns && !this.fullListings.peek(k)) this.fullListings.set(k, listing);
    return listing.tables;
  }

  /** Whether a listing of the schema is cached (with or without columns). */
  hasListing(catalog: string, schema: string): boolean {
    return this.listing(catalog, schema) !== undefined;
  }

  private listing(catalog: string, schema: string): Listing | undefined {
    const k = key(catalog, schema);
    return this.fullListings.peek(k) ?? this.listings.peek(k);
  }

  private async list(catalog: string, schema: string, withColumns: boolean): Promise<Listing> {
    if (!(await this.hasSchema(catalog, schema))) return { tables: [], withColumns: true };
    const tables = [...(await this.source.listTables(catalog, schema, withColumns ? { withColumns: true } : {}))].sort((a, b) => byName(a.name, b.name));
    return { tables, withColumns: withColumns || (tables.length > 0 && tables.every((t) => t.columns !== undefined)) };
  }

  /** One table by exact name: from a cached listing, else one lookup. */
  async table(catalog: string, schema: string, name: string): Promise<MetadataTable | undefined> {
    const listing = this.listing(catalog, schema);
    if (listing) return listing.tables.find((t) => t.name === name);
    const found = await this.tableLookups.get(key(catalog, schema, name), async () => {
      if (!(await this.hasSchema(catalog, schema))) return null;
      const tables = await this.source.listTables(catalog, schema, { name });
      return tables.find((t) => t.name === name) ?? null;
    });
    return found ?? undefined;
  }

  /** One table with its details (comment, columns): from a listing with columns, else one lookup. */
  async tableDetails(catalog: string, schema: string, name: string): Promise<MetadataTable | undefined> {
    const full = this.fullListings.peek(key(catalog, schema));
    if (full) return full.tables.find((t) => t.name === name);
    const found = await this.tableLookups.get(key(catalog, schema, name), async () => {
      if (!(await this.hasSchema(catalog, schema))) return null;
      const tables = await this.source.listTables(catalog, schema, { name });
      return tables.find((t) => t.name === name) ?? null;
    });
    return found ?? undefined;
  }

  /** Columns of one table, undefined when it does not exist. */
  async columns(catalog: string, schema: string, name: string): Promise<MetadataColumn[] | undefined> {
    const listing = this.listing(catalog, schema);
    if (listing?.withColumns) return listing.tables.find((t) => t.name === name)?.columns;
    const looked = this.tableLookups.peek(key(catalog, schema, name));
    if (looked === null) return undefined;
    if (looked?.columns) return looked.columns;
    const columns = await this.columnLists.get(key(catalog, schema, name), async () => (await this.hasSchema(catalog, schema)) ? ((await this.source.listColumns(catalog, schema, name)) ?? null) : null);
    return columns ?? undefined;
  }

  /**
   * Columns of several tables of one schema, by table name, in as few source calls as the
   * cache allows: what is cached costs nothing; the rest costs either one lookup per table or
   * one listing of the schema with its columns, whichever is fewer calls.
   */
  async columnsOf(catalog: string, schema: string, tables: readonly MetadataTable[]): Promise<Map<string, MetadataColumn[]>> {
    const out = new Map<string, MetadataColumn[]>();
    const missing: MetadataTable[] = [];
    const listing = this.listing(catalog, schema);
    for (const t of tables) {
      const known = t.columns ?? (listing?.withColumns ? listing.tables.find((l) => l.name === t.name)?.columns : undefined) ?? this.tableLookups.peek(key(catalog, schema, t.name))?.columns ?? this.columnLists.peek(key(catalog, schema, t.name)) ?? undefined;
      if (known) out.set(t.name, known);
      else missing.push(t);
    }
    if (missing.length === 0) return out;
    const perCall = Math.max(1, this.source.tablesPerCall ?? 100);
    const listingCalls = listing ? Math.max(1, Math.ceil(listing.tables.length / perCall)) : Infinity;
    if (missing.length > listingCalls) {
      for (const t of await this.tables(catalog, schema, true)) if (t.columns && !out.has(t.name) && missing.some((m) => m.name === t.name)) out.set(t.name, t.columns);
      return out;
    }
    const found = await mapLimit(missing, this.concurrency, (t) => this.columns(catalog, schema, t.name));
    missing.forEach((t, i) => {
      const columns = found[i];
      if (columns) out.set(t.name, columns);
    });
    return out;
  }

  /** Forget everything (tests, or after DDL through the gateway). */
  clear(): void {
    for (const cache of [this.catalogList, this.schemaLists, this.listings, this.fullListings, this.tableLookups, this.columnLists] as TtlCache<unknown>[]) cache.clear();
  }
}

/** Runs `fn` over the items with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
