import type { EngineColumn, ListTablesOptions, MetadataColumn, MetadataSource, MetadataTable } from '../core/ports/index.js';
import { QueryFailure } from '../core/errors.js';

/**
 * Metadata for the local server, read from the embedded DuckDB through the engine itself (so it
 * sees exactly what queries see): catalogs are DuckDB's attached databases (`tpch`, `memory`),
 * schemas and tables come from duckdb_schemas(), duckdb_tables() and duckdb_views(), and column
 * types from a `SELECT * ... LIMIT 0`, which the engine types the way it types every result.
 * These reads go through the engine's internal path: a client's statement may not touch
 * DuckDB's catalog functions, the gateway's own metadata reads must.
 */
export interface DuckDbCatalogReader {
  internalQuery(sql: string): Promise<{ columns: EngineColumn[]; rows: unknown[][] }>;
}

/** DuckDB's own schemas, which Trino clients do not see (the core adds information_schema). */
const HIDDEN_SCHEMAS = ['main', 'information_schema', 'pg_catalog'];

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export class DuckDbMetadataSource implements MetadataSource {
  readonly tablesPerCall = 10_000;

  constructor(private readonly engine: DuckDbCatalogReader) {}

  private query(sql: string): Promise<{ columns: EngineColumn[]; rows: unknown[][] }> {
    return this.engine.internalQuery(sql);
  }

  async listCatalogs(): Promise<string[]> {
    const { rows } = await this.query('SELECT database_name FROM duckdb_databases() WHERE NOT internal ORDER BY 1');
    return rows.map((r) => String(r[0]));
  }

  async listSchemas(catalog: string): Promise<string[]> {
    const { rows } = await this.query(`SELECT schema_name FROM duckdb_schemas() WHERE database_name = ${literal(catalog)} AND schema_name NOT IN (${HIDDEN_SCHEMAS.map(literal).join(', ')}) ORDER BY 1`);
    return rows.map((r) => String(r[0]));
  }

  async listTables(catalog: string, schema: string, options: ListTablesOptions = {}): Promise<MetadataTable[]> {
    const where = `database_name = ${literal(catalog)} AND schema_name = ${literal(schema)}`;
    const name = (column: string) => (options.name !== undefined ? ` AND ${column} = ${literal(options.name)}` : '');
    const { rows } = await this.query(
      `SELECT table_name, 'TABLE', comment FROM duckdb_tables() WHERE ${where}${name('table_name')} UNION ALL SELECT view_name, 'VIEW', comment FROM duckdb_views() WHERE NOT internal AND ${where}${name('view_name')} ORDER BY 1`,
    );
    const tables = rows.map((r): MetadataTable => ({ name: String(r[0]), type: r[1] === 'VIEW' ? 'VIEW' : 'TABLE', comment: (r[2] as string | null) ?? null }));
    if (options.withColumns || options.name !== undefined) {
      for (const t of tables) t.columns = (await this.columnsOf(catalog, schema, t.name)) ?? [];
    }
    return tables;
  }

  async listColumns(catalog: string, schema: string, table: string): Promise<MetadataColumn[] | undefined> {
    const [found] = await this.listTables(catalog, schema, { name: table });
    return found?.columns;
  }

  private async columnsOf(catalog: string, schema: string, table: string): Promise<MetadataColumn[] | undefined> {
    let typed: Awaited<ReturnType<DuckDbMetadataSource['query']>>;
    try {
      typed = await this.query(`SELECT * FROM ${[catalog, schema, table].map(ident).join('.')} LIMIT 0`);
    } catch (error) {
      if (error instanceof QueryFailure && error.error.errorName === 'TABLE_NOT_FOUND') return undefined;
      throw error;
    }
    const { rows } = await this.query(`SELECT column_name, comment FROM duckdb_columns() WHERE database_name = ${literal(catalog)} AND schema_name = ${literal(schema)} AND table_name = ${literal(table)}`);
    const comments = new Map(rows.map((r) => [String(r[0]), (r[1] as string | null) ?? null]));
    return typed.columns.map((c, i) => ({ name: c.name, type: c.type, comment: comments.get(c.name) ?? null, ordinal: i + 1 }));
  }
}
