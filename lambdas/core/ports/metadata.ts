import type { Principal } from './auth.js';
import type { GatewayResult } from './query-store.js';
import type { ClientSession } from './session.js';
import type { SqlType } from './sql-type.js';

/**
 * The metadata port: catalogs, schemas, tables and columns as a Presto/Trino client must see
 * them. Adapters read them from Glue or Athena's metadata APIs (lambdas/adapters/aws/metadata)
 * or from the local DuckDB (lambdas/local/duckdb-metadata.ts); names are the client's names
 * (a configured catalog such as `hive`, never Athena's `AwsDataCatalog`) and types are Presto
 * types. The core caches what a source returns (metadata/cache.ts) and filters it by the user's access
 * rules: sources know nothing about users.
 */
export type TableType = 'TABLE' | 'VIEW';

export interface MetadataColumn {
  name: string;
  type: SqlType;
  comment?: string | null;
  /** 1-based position among the table's columns (partition keys follow the data columns). */
  ordinal: number;
  /** A partition column of a Hive/Glue table (DESCRIBE's Extra says `partition key`). */
  partitionKey?: boolean;
}

export interface MetadataTable {
  name: string;
  type: TableType;
  comment?: string | null;
  /** Present when the source had them at no extra cost (Glue GetTables, Athena ListTableMetadata). */
  columns?: MetadataColumn[];
}

export interface ListTablesOptions {
  /** Only the table with this exact name: the source looks it up directly instead of listing. */
  name?: string;
  /**
   * Include every table's columns. Sources whose listing carries columns anyway always include
   * them; others (or Glue, which lists names and types only unless asked) fetch them here.
   */
  withColumns?: boolean;
}

export interface MetadataSource {
  /** Catalog names as clients see them. */
  listCatalogs(): Promise<string[]>;
  /** Schemas of a catalog (without `information_schema`, which the core adds). */
  listSchemas(catalog: string): Promise<string[]>;
  /** Tables and views of a schema; an unknown schema has none. */
  listTables(catalog: string, schema: string, options?: ListTablesOptions): Promise<MetadataTable[]>;
  /** Columns of one table in order, undefined when the table does not exist. */
  listColumns(catalog: string, schema: string, table: string): Promise<MetadataColumn[] | undefined>;
  /**
   * How many tables one listing call returns (Glue GetTables pages of 100, Athena
   * ListTableMetadata pages of 50): the core uses it to choose between listing a schema with its
   * columns and looking tables up one by one, whichever takes fewer calls.
   */
  readonly tablesPerCall?: number;
}

/** What of the client's session a metadata answer depends on. */
export type MetadataSession = Pick<ClientSession, 'catalog' | 'schema'> & Partial<Pick<ClientSession, 'clientCapabilities'>>;

/**
 * The gateway's catalog answers for targets that lack them (metadata/answer.ts builds it over a
 * MetadataSource), with its caches bound: what the gateway keeps for the life of the process.
 */
export interface MetadataService {
  answer(sql: string, session: MetadataSession, principal: Principal): Promise<GatewayResult | undefined>;
  /** Forget cached metadata and answers (e.g. after DDL that went through this process). */
  clear(): void;
}
