import { GetDatabasesCommand, GetTableCommand, GetTablesCommand, type GlueClient, type Table } from '@aws-sdk/client-glue';
import type { ListTablesOptions, MetadataColumn, MetadataSource, MetadataTable } from '../../../core/ports/index.js';
import { catalogColumns, tableType } from './types.js';

export interface GlueMetadataSourceOptions {
  client: Pick<GlueClient, 'send'>;
  /**
   * The catalogs served, by the name clients use (e.g. `hive`), each with the Glue Data Catalog
   * it reads: `catalogId` is the owning account (absent: the caller's own account).
   */
  catalogs: Record<string, { catalogId?: string }>;
  /** Glue's page size for GetDatabases and GetTables (at most 100). */
  pageSize?: number;
}

/**
 * Metadata from the Glue Data Catalog: GetDatabases for schemas, GetTables for a schema's tables
 * (names and types only, `AttributesToGet`, unless columns are wanted: then the full tables,
 * which carry them), GetTable for one table. Pages are read one after the other, 100 tables per
 * call.
 */
export class GlueMetadataSource implements MetadataSource {
  readonly tablesPerCall: number;
  private readonly pageSize: number;

  constructor(private readonly options: GlueMetadataSourceOptions) {
    this.pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
    this.tablesPerCall = this.pageSize;
  }

  async listCatalogs(): Promise<string[]> {
    return Object.keys(this.options.catalogs);
  }

  private catalogId(catalog: string): { CatalogId?: string } | undefined {
    const spec = this.options.catalogs[catalog];
    if (!spec) return undefined;
    return spec.catalogId ? { CatalogId: spec.catalogId } : {};
  }

  async listSchemas(catalog: string): Promise<string[]> {
    const id = this.catalogId(catalog);
    if (!id) return [];
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(new GetDatabasesCommand({ ...id, MaxResults: this.pageSize, AttributesToGet: ['NAME'], ...(token ? { NextToken: token } : {}) }));
      for (const db of page.DatabaseList ?? []) if (db.Name) names.push(db.Name);
      token = page.NextToken || undefined;
    } while (token);
    return names;
  }

  async listTables(catalog: string, schema: string, options: ListTablesOptions = {}): Promise<MetadataTable[]> {
    const id = this.catalogId(catalog);
    if (!id) return [];
    if (options.name !== undefined) {
      const table = await this.getTable(id, schema, options.name);
      return table ? [toTable(table, true)] : [];
    }
    const tables: MetadataTable[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(
        new GetTablesCommand({
          ...id,
          DatabaseName: schema,
          MaxResults: this.pageSize,
          ...(options.withColumns ? {} : { AttributesToGet: ['NAME', 'TABLE_TYPE'] }),
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const t of page.TableList ?? []) if (t.Name) tables.push(toTable(t, options.withColumns === true));
      token = page.NextToken || undefined;
    } while (token);
    return tables;
  }

  async listColumns(catalog: string, schema: string, table: string): Promise<MetadataColumn[] | undefined> {
    const id = this.catalogId(catalog);
    if (!id) return undefined;
    const found = await this.getTable(id, schema, table);
    return found ? toTable(found, true).columns : undefined;
  }

  private async getTable(id: { CatalogId?: string }, schema: string, name: string): Promise<Table | undefined> {
    try {
      const out = await this.options.client.send(new GetTableCommand({ ...id, DatabaseName: schema, Name: name }));
      return out.Table;
    } catch (error) {
      if ((error as Error)?.name === 'EntityNotFoundException') return undefined;
      throw error;
    }
  }
}

function toTable(t: Table, withDetails: boolean): MetadataTable {
  const table: MetadataTable = { name: t.Name!, type: tableType(t.TableType) };
  if (withDetails) {
    table.comment = t.Description ?? null;
    table.columns = catalogColumns(t.StorageDescriptor?.Columns, t.PartitionKeys);
  }
  return table;
}
