import { GetTableMetadataCommand, ListDatabasesCommand, ListTableMetadataCommand, type AthenaClient, type TableMetadata } from '@aws-sdk/client-athena';
import type { ListTablesOptions, MetadataColumn, MetadataSource, MetadataTable } from '../../../core/ports/index.js';
import { catalogColumns, tableType } from './types.js';

export interface AthenaMetadataSourceOptions {
  client: Pick<AthenaClient, 'send'>;
  /** The catalogs served, by the name clients use, each with its Athena data catalog. */
  catalogs: Record<string, { athenaCatalog: string }>;
  /** Workgroup for the metadata calls (needed by IAM Identity Center enabled workgroups). */
  workGroup?: string;
}

/**
 * Metadata from Athena's metadata APIs, for data catalogs that are not the account's Glue
 * catalog (federated or other accounts' catalogs): ListDatabases, ListTableMetadata (50 tables a
 * call, with their columns) and GetTableMetadata.
 */
export class AthenaMetadataSource implements MetadataSource {
  readonly tablesPerCall = 50;

  constructor(private readonly options: AthenaMetadataSourceOptions) {}

  async listCatalogs(): Promise<string[]> {
    return Object.keys(this.options.catalogs);
  }

  private context(catalog: string): { CatalogName: string; WorkGroup?: string } | undefined {
    const spec = this.options.catalogs[catalog];
    if (!spec) return undefined;
    return { CatalogName: spec.athenaCatalog, ...(this.options.workGroup ? { WorkGroup: this.options.workGroup } : {}) };
  }

  async listSchemas(catalog: string): Promise<string[]> {
    const context = this.context(catalog);
    if (!context) return [];
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(new ListDatabasesCommand({ ...context, MaxResults: 50, ...(token ? { NextToken: token } : {}) }));
      for (const db of page.DatabaseList ?? []) if (db.Name) names.push(db.Name);
      token = page.NextToken || undefined;
    } while (token);
    return names;
  }

  async listTables(catalog: string, schema: string, options: ListTablesOptions = {}): Promise<MetadataTable[]> {
    const context = this.context(catalog);
    if (!context) return [];
    if (options.name !== undefined) {
      const table = await this.getTable(context, schema, options.name);
      return table ? [toTable(table)] : [];
    }
    const tables: MetadataTable[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(new ListTableMetadataCommand({ ...context, DatabaseName: schema, MaxResults: 50, ...(token ? { NextToken: token } : {}) }));
      for (const t of page.TableMetadataList ?? []) if (t.Name) tables.push(toTable(t));
      token = page.NextToken || undefined;
    } while (token);
    return tables;
  }

  async listColumns(catalog: string, schema: string, table: string): Promise<MetadataColumn[] | undefined> {
    const context = this.context(catalog);
    if (!context) return undefined;
    const found = await this.getTable(context, schema, table);
    return found ? toTable(found).columns : undefined;
  }

  private async getTable(context: { CatalogName: string; WorkGroup?: string }, schema: string, name: string): Promise<TableMetadata | undefined> {
    try {
      return (await this.options.client.send(new GetTableMetadataCommand({ ...context, DatabaseName: schema, TableName: name }))).TableMetadata;
    } catch (error) {
      // Athena reports a missing table or database as a MetadataException ("... not found").
      const e = error as Error;
      if (e?.name === 'EntityNotFoundException' || (e?.name === 'MetadataException' && /not\s*found|does not exist/i.test(e.message))) return undefined;
      throw error;
    }
  }
}

function toTable(t: TableMetadata): MetadataTable {
  return { name: t.Name!, type: tableType(t.TableType), comment: t.Parameters?.comment ?? null, columns: catalogColumns(t.Columns, t.PartitionKeys) };
}
