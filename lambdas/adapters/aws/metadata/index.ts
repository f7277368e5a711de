import type { AthenaClient } from '@aws-sdk/client-athena';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { ListTablesOptions, MetadataColumn, MetadataSource, MetadataTable } from '../../../core/ports/index.js';
import { AthenaMetadataSource } from './athena-source.js';
import { GlueMetadataSource } from './glue-source.js';

export { AthenaMetadataSource, type AthenaMetadataSourceOptions } from './athena-source.js';
export { GlueMetadataSource, type GlueMetadataSourceOptions } from './glue-source.js';

/** Athena's name for the account's Glue Data Catalog. */
export const GLUE_DATA_CATALOG = 'AwsDataCatalog';

export interface AwsMetadataOptions {
  /** The config's `catalogs` section: client catalog names → Athena data catalogs. */
  catalogs: Record<string, { athenaCatalog: string }>;
  glue: Pick<GlueClient, 'send'>;
  /** Needed only for catalogs other than AwsDataCatalog. */
  athena?: Pick<AthenaClient, 'send'>;
  workGroup?: string;
}

/**
 * The metadata source for Athena targets: catalogs mapped to AwsDataCatalog are read from Glue
 * (GetDatabases/GetTables/GetTable), other data catalogs through Athena's metadata APIs. With
 * no catalogs configured, the Glue catalog is shown as `awsdatacatalog`, the name Athena uses.
 */
export function awsMetadataSource(options: AwsMetadataOptions): MetadataSource {
  const catalogs = Object.keys(options.catalogs).length ? options.catalogs : { awsdatacatalog: { athenaCatalog: GLUE_DATA_CATALOG } };
  const glueCatalogs: Record<string, { catalogId?: string }> = {};
  const athenaCatalogs: Record<string, { athenaCatalog: string }> = {};
  for (const [name, spec] of Object.entries(catalogs)) {
    if (spec.athenaCatalog.toLowerCase() === GLUE_DATA_CATALOG.toLowerCase()) glueCatalogs[name] = {};
    else athenaCatalogs[name] = spec;
  }
  const sources = new Map<string, MetadataSource>();
  const glue = new GlueMetadataSource({ client: options.glue, catalogs: glueCatalogs });
  for (const name of Object.keys(glueCatalogs)) sources.set(name, glue);
  if (Object.keys(athenaCatalogs).length) {
    if (!options.athena) throw new Error(`Catalogs ${Object.keys(athenaCatalogs).join(', ')} are not AwsDataCatalog: reading them needs an Athena client`);
    const athena = new AthenaMetadataSource({ client: options.athena, catalogs: athenaCatalogs, ...(options.workGroup ? { workGroup: options.workGroup } : {}) });
    for (const name of Object.keys(athenaCatalogs)) sources.set(name, athena);
  }
  if (sources.size === 1 || new Set(sources.values()).size === 1) return [...sources.values()][0]!;
  return new CatalogRouter(sources);
}

/** One source per catalog. */
export class CatalogRouter implements MetadataSource {
  readonly tablesPerCall: number;

  constructor(private readonly sources: Map<string, MetadataSource>) {
    this.tablesPerCall = Math.min(...[...sources.values()].map((s) => s.tablesPerCall ?? 100));
  }

  async listCatalogs(): Promise<string[]> {
    return [...this.sources.keys()];
  }
  async listSchemas(catalog: string): Promise<string[]> {
    return (await this.sources.get(catalog)?.listSchemas(catalog)) ?? [];
  }
  async listTables(catalog: string, schema: string, options?: ListTablesOptions): Promise<MetadataTable[]> {
    return (await this.sources.get(catalog)?.listTables(catalog, schema, options)) ?? [];
  }
  async listColumns(catalog: string, schema: string, table: string): Promise<MetadataColumn[] | undefined> {
    return this.sources.get(catalog)?.listColumns(catalog, schema, table);
  }
}
