import { createMetadataDeps, type MetadataDeps, type MetadataOptions } from '../../../lambdas/core/metadata/answer.js';
import type { ListTablesOptions, MetadataColumn, MetadataSource, MetadataTable, Principal, GatewayResult } from '../../../lambdas/core/ports/index.js';
import { parseType } from '../../../lambdas/core/protocol/sql-types.js';

/** A catalog described as text: `schema.table: col type, col type [| part type]`. */
export interface TableSpec {
  type?: 'TABLE' | 'VIEW';
  comment?: string;
  columns: [string, string, string?][];
  partitionKeys?: [string, string][];
}

export type CatalogSpec = Record<string, Record<string, Record<string, TableSpec>>>;

function columnsOf(spec: TableSpec): MetadataColumn[] {
  const data = spec.columns.map(([name, type, comment], i): MetadataColumn => ({ name, type: parseType(type), ordinal: i + 1, ...(comment !== undefined ? { comment } : {}) }));
  const parts = (spec.partitionKeys ?? []).map(([name, type], i): MetadataColumn => ({ name, type: parseType(type), ordinal: data.length + i + 1, partitionKey: true }));
  return [...data, ...parts];
}

/** An in-memory MetadataSource that counts its calls; listings carry no columns unless asked. */
export class MemorySource implements MetadataSource {
  calls = { listCatalogs: 0, listSchemas: 0, listTables: 0, lookup: 0, listColumns: 0 };
  readonly tablesPerCall = 100;
  constructor(private readonly spec: CatalogSpec) {}

  async listCatalogs(): Promise<string[]> {
    this.calls.listCatalogs++;
    return Object.keys(this.spec);
  }
  async listSchemas(catalog: string): Promise<string[]> {
    this.calls.listSchemas++;
    return Object.keys(this.spec[catalog] ?? {});
  }
  async listTables(catalog: string, schema: string, options: ListTablesOptions = {}): Promise<MetadataTable[]> {
    const tables = this.spec[catalog]?.[schema] ?? {};
    const make = (name: string, t: TableSpec): MetadataTable => ({ name, type: t.type ?? 'TABLE', ...(options.withColumns || options.name ? { comment: t.comment ?? null, columns: columnsOf(t) } : {}) });
    if (options.name !== undefined) {
      this.calls.lookup++;
      const t = tables[options.name];
      return t ? [make(options.name, t)] : [];
    }
    this.calls.listTables += Math.max(1, Math.ceil(Object.keys(tables).length / this.tablesPerCall));
    return Object.entries(tables).map(([name, t]) => make(name, t));
  }
  async listColumns(catalog: string, schema: string, table: string): Promise<MetadataColumn[] | undefined> {
    this.calls.listColumns++;
    const t = this.spec[catalog]?.[schema]?.[table];
    return t ? columnsOf(t) : undefined;
  }
  get total(): number {
    return Object.values(this.calls).reduce((a, b) => a + b, 0);
  }
}

export const alice: Principal = { user: 'alice', groups: ['analysts'], method: 'header' };
export const bob: Principal = { user: 'bob', groups: [], method: 'header' };

export function deps(source: MetadataSource, extra: Partial<MetadataOptions> = {}): MetadataDeps {
  return createMetadataDeps({ source, canSee: () => true, version: '476-bifrost', ...extra });
}

export function rows(result: GatewayResult | undefined): unknown[][] {
  if (!result) throw new Error('not answered');
  return JSON.parse('[' + (result.rows ?? []).join(',') + ']') as unknown[][];
}

export function names(result: GatewayResult | undefined): string[] {
  if (!result) throw new Error('not answered');
  return result.columns.map((c) => c.name);
}

/** Rows as objects keyed by column name. */
export function records(result: GatewayResult | undefined): Record<string, unknown>[] {
  const cols = names(result);
  return rows(result).map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i]])));
}
