import { formatType, parseType } from '../protocol/sql-types.js';
import type { SqlType, MetadataColumn, MetadataTable } from '../ports/index.js';
import type { MetadataCache } from './cache.js';
import { charOctetLength, columnSize, COLUMN_NULLABLE_UNKNOWN, decimalDigits, jdbcDataType, numPrecRadix, typeInfoRows } from './jdbc-types.js';
import type { ColumnFilter, Scan, VirtualColumn, VirtualTable } from './sql.js';

/**
 * The tables metadata queries read, built from a MetadataCache for one user: Trino's
 * system.jdbc tables (ColumnJdbcTable, TableJdbcTable, ...), system.metadata.table_comments and
 * each catalog's information_schema.{schemata, tables, columns}. Every listing goes through the
 * user's access rules: a table the user may not read is not there.
 */
export interface Visibility {
  catalog(catalog: string): boolean;
  schema(catalog: string, schema: string): boolean;
  table(catalog: string, schema: string, table: string): boolean;
  /** The columns of a visible table the user may see (default: all). */
  columns?(catalog: string, schema: string, table: string, columns: MetadataColumn[]): MetadataColumn[];
}

const t = (text: string): SqlType => parseType(text);
const VARCHAR = t('varchar');
const BIGINT = t('bigint');
const BOOLEAN = t('boolean');
const col = (name: string, type: SqlType = VARCHAR, hidden = false): VirtualColumn => (hidden ? { name, type, hidden } : { name, type });

export const INFORMATION_SCHEMA = 'information_schema';

/** information_schema's own tables and columns, as Trino defines them (InformationSchemaTable). */
export const INFORMATION_SCHEMA_TABLES: Record<string, VirtualColumn[]> = {
  applicable_roles: [col('grantee'), col('grantee_type'), col('role_name'), col('is_grantable')],
  columns: [col('table_catalog'), col('table_schema'), col('table_name'), col('column_name'), col('ordinal_position', BIGINT), col('column_default'), col('is_nullable'), col('data_type'), col('comment', VARCHAR, true), col('extra_info', VARCHAR, true), col('column_comment', VARCHAR, true)],
  enabled_roles: [col('role_name')],
  roles: [col('role_name')],
  schemata: [col('catalog_name'), col('schema_name')],
  table_privileges: [col('grantor'), col('grantor_type'), col('grantee'), col('grantee_type'), col('table_catalog'), col('table_schema'), col('table_name'), col('privilege_type'), col('is_grantable'), col('with_hierarchy')],
  tables: [col('table_catalog'), col('table_schema'), col('table_name'), col('table_type'), col('trino_relation_type', VARCHAR, true), col('table_comment', VARCHAR, true)],
  views: [col('table_catalog'), col('table_schema'), col('table_name'), col('view_definition')],
};

const varchars = (...names: string[]) => names.map((n) => col(n));

/** The system.jdbc tables' columns (Trino's *JdbcTable METADATA). */
export const JDBC_TABLE_COLUMNS: Record<string, VirtualColumn[]> = {
  catalogs: varchars('table_cat'),
  schemas: varchars('table_schem', 'table_catalog'),
  tables: varchars('table_cat', 'table_schem', 'table_name', 'table_type', 'remarks', 'type_cat', 'type_schem', 'type_name', 'self_referencing_col_name', 'ref_generation'),
  table_types: varchars('table_type'),
  columns: [
    ...varchars('table_cat', 'table_schem', 'table_name', 'column_name'),
    col('data_type', BIGINT),
    col('type_name'),
    col('column_size', BIGINT),
    col('buffer_length', BIGINT),
    col('decimal_digits', BIGINT),
    col('num_prec_radix', BIGINT),
    col('nullable', BIGINT),
    col('remarks'),
    col('column_def'),
    col('sql_data_type', BIGINT),
    col('sql_datetime_sub', BIGINT),
    col('char_octet_length', BIGINT),
    col('ordinal_position', BIGINT),
    col('is_nullable'),
    col('scope_catalog'),
    col('scope_schema'),
    col('scope_table'),
    col('source_data_type', BIGINT),
    col('is_autoincrement'),
    col('is_generatedcolumn'),
  ],
  types: [
    col('type_name'),
    col('data_type', BIGINT),
    col('precision', BIGINT),
    col('literal_prefix'),
    col('literal_suffix'),
    col('create_params'),
    col('nullable', BIGINT),
    col('case_sensitive', BOOLEAN),
    col('searchable', BIGINT),
    col('unsigned_attribute', BOOLEAN),
    col('fixed_prec_scale', BOOLEAN),
    col('auto_increment', BOOLEAN),
    col('local_type_name'),
    col('minimum_scale', BIGINT),
    col('maximum_scale', BIGINT),
    col('sql_data_type', BIGINT),
    col('sql_datetime_sub', BIGINT),
    col('num_prec_radix', BIGINT),
  ],
  procedures: [...varchars('procedure_cat', 'procedure_schem', 'procedure_name', 'remarks'), col('procedure_type', BIGINT), col('specific_name')],
  procedure_columns: [
    ...varchars('procedure_cat', 'procedure_schem', 'procedure_name', 'column_name'),
    col('column_type', BIGINT),
    col('data_type', BIGINT),
    col('type_name'),
    ...['precision', 'length', 'scale', 'radix', 'nullable'].map((n) => col(n, BIGINT)),
    col('remarks'),
    col('column_def'),
    ...['sql_data_type', 'sql_datetime_sub', 'char_octet_length', 'ordinal_position'].map((n) => col(n, BIGINT)),
    col('is_nullable'),
    col('specific_name'),
  ],
  udts: varchars('type_cat', 'type_schem', 'type_name', 'class_name', 'data_type', 'remarks', 'base_type'),
  super_types: varchars('type_cat', 'type_schem', 'type_name', 'supertype_cat', 'supertype_schem', 'supertype_name'),
  super_tables: varchars('table_cat', 'table_schem', 'table_name', 'supertable_name'),
  attributes: [
    ...varchars('type_cat', 'type_schem', 'type_name', 'attr_name'),
    col('data_type', BIGINT),
    col('attr_type_name'),
    ...['attr_size', 'decimal_digits', 'num_prec_radix', 'nullable'].map((n) => col(n, BIGINT)),
    col('remarks'),
    col('attr_def'),
    ...['sql_data_type', 'sql_datetime_sub', 'char_octet_length', 'ordinal_position'].map((n) => col(n, BIGINT)),
    ...varchars('is_nullable', 'scope_catalog', 'scope_schema', 'scope_table'),
    col('source_data_type', BIGINT),
  ],
  pseudo_columns: [
    ...varchars('table_cat', 'table_schem', 'table_name', 'column_name'),
    ...['data_type', 'column_size', 'decimal_digits', 'num_prec_radix'].map((n) => col(n, BIGINT)),
    ...varchars('column_usage', 'remarks'),
    col('char_octet_length', BIGINT),
    col('is_nullable', BIGINT),
  ],
};

const TABLE_COMMENTS_COLUMNS = varchars('catalog_name', 'schema_name', 'table_name', 'comment');

/** Catalog, schema and table filters taken from the scan (indexes of those columns). */
interface Keys {
  catalog?: number;
  schema?: number;
  table?: number;
}

function filterOf(scan: Scan, index: number | undefined): ColumnFilter | undefined {
  return index === undefined ? undefined : scan.filters.get(index);
}

function pass(filter: ColumnFilter | undefined, value: string): boolean {
  return !filter || filter.test(value);
}

/** A table of information_schema, as the metadata listing shows it. */
function informationSchemaTable(name: string): MetadataTable {
  const columns = INFORMATION_SCHEMA_TABLES[name]!.filter((c) => !c.hidden).map((c, i): MetadataColumn => ({ name: c.name, type: c.type, ordinal: i + 1 }));
  return { name, type: 'TABLE', columns };
}

export class MetadataTables {
  constructor(
    private readonly cache: MetadataCache,
    private readonly visible: Visibility,
  ) {}

  /** Whether the user may read the table (information_schema always). */
  mayRead(catalog: string, schema: string, table: string): boolean {
    if (schema === INFORMATION_SCHEMA) return this.visible.catalog(catalog);
    return this.visible.catalog(catalog) && this.visible.schema(catalog, schema) && this.visible.table(catalog, schema, table);
  }

  /** Whether the user may see the schema (information_schema always). */
  maySeeSchema(catalog: string, schema: string): boolean {
    return this.visible.catalog(catalog) && (schema === INFORMATION_SCHEMA || this.visible.schema(catalog, schema));
  }

  async catalogs(filter?: ColumnFilter): Promise<string[]> {
    const all = await this.cache.catalogs();
    return all.filter((c) => pass(filter, c) && this.visible.catalog(c));
  }

  async schemas(catalog: string, filter?: ColumnFilter): Promise<string[]> {
    const schemas = [...(await this.cache.schemas(catalog))];
    if (!schemas.includes(INFORMATION_SCHEMA)) schemas.push(INFORMATION_SCHEMA);
    return schemas.filter((s) => pass(filter, s) && (s === INFORMATION_SCHEMA || this.visible.schema(catalog, s)));
  }

  /**
   * Tables of a schema the user may see; exact names are looked up rather than listed. When the
   * caller will want the columns too and the schema must be listed anyway, it is listed with
   * them: the same number of calls as a listing of names.
   */
  async tables(catalog: string, schema: string, filter?: ColumnFilter, wantColumns = false): Promise<MetadataTable[]> {
    if (schema === INFORMATION_SCHEMA) return Object.keys(INFORMATION_SCHEMA_TABLES).filter((n) => pass(filter, n)).map(informationSchemaTable);
    if (!this.visible.schema(catalog, schema)) return [];
    let tables: MetadataTable[];
    if (filter?.exact) {
      const found = await Promise.all([...new Set(filter.exact)].map((name) => this.cache.table(catalog, schema, name)));
      tables = found.filter((x): x is MetadataTable => x !== undefined);
    } else tables = await this.cache.tables(catalog, schema, wantColumns && !this.cache.hasListing(catalog, schema));
    return tables.filter((x) => pass(filter, x.name) && this.visible.table(catalog, schema, x.name));
  }

  /** A table and its columns, undefined when it does not exist or the user may not see it. */
  async table(catalog: string, schema: string, name: string): Promise<{ table: MetadataTable; columns: MetadataColumn[] } | undefined> {
    const [table] = await this.tables(catalog, schema, { test: (v) => v === name, exact: [name] });
    if (!table) return undefined;
    const columns = table.columns ?? (await this.cache.columns(catalog, schema, name));
    return columns ? { table, columns: this.visibleColumns(catalog, schema, name, columns) } : undefined;
  }

  /** Hidden columns are left out everywhere they would be listed, as Trino filters them. */
  private visibleColumns(catalog: string, schema: string, table: string, columns: MetadataColumn[]): MetadataColumn[] {
    if (schema === INFORMATION_SCHEMA || !this.visible.columns) return columns;
    return this.visible.columns(catalog, schema, table, columns);
  }

  private async catalogsFor(scan: Scan, keys: Keys): Promise<string[]> {
    const filter = filterOf(scan, keys.catalog);
    const all = await this.catalogs(filter);
    return filter?.exact ? all.filter((c) => filter.exact!.includes(c)) : all;
  }

  private async schemasFor(scan: Scan, keys: Keys, catalog: string): Promise<string[]> {
    return this.schemas(catalog, filterOf(scan, keys.schema));
  }

  /** Every visible (catalog, schema, table) the scan's filters allow. */
  private async *tablesFor(scan: Scan, keys: Keys, wantColumns = false): AsyncGenerator<{ catalog: string; schema: string; tables: MetadataTable[] }> {
    for (const catalog of await this.catalogsFor(scan, keys)) {
      for (const schema of await this.schemasFor(scan, keys, catalog)) {
        const tables = await this.tables(catalog, schema, filterOf(scan, keys.table), wantColumns);
        if (tables.length) yield { catalog, schema, tables };
      }
    }
  }

  private async *columnsFor(scan: Scan, keys: Keys): AsyncGenerator<{ catalog: string; schema: string; table: MetadataTable; columns: MetadataColumn[] }> {
    for await (const { catalog, schema, tables } of this.tablesFor(scan, keys, true)) {
      const columns = schema === INFORMATION_SCHEMA ? new Map(tables.map((x) => [x.name, x.columns!])) : await this.cache.columnsOf(catalog, schema, tables);
      for (const table of tables) {
        const list = columns.get(table.name);
        if (list) yield { catalog, schema, table, columns: this.visibleColumns(catalog, schema, table.name, list) };
      }
    }
  }

  // ---------------------------------------------------------------- system.jdbc

  jdbc(name: string): VirtualTable | undefined {
    const columns = JDBC_TABLE_COLUMNS[name];
    if (!columns) return undefined;
    const rows = (produce: (scan: Scan) => Promise<unknown[][]>): VirtualTable => ({ columns, rows: produce });
    switch (name) {
      case 'catalogs':
        return rows(async (scan) => (await this.catalogsFor(scan, { catalog: 0 })).map((c) => [c]));
      case 'schemas':
        return rows(async (scan) => {
          const out: unknown[][] = [];
          for (const catalog of await this.catalogsFor(scan, { catalog: 1 })) for (const schema of await this.schemasFor(scan, { schema: 0 }, catalog)) out.push([schema, catalog]);
          return out;
        });
      case 'tables':
        return rows(async (scan) => {
          const out: unknown[][] = [];
          for await (const { catalog, schema, tables } of this.tablesFor(scan, { catalog: 0, schema: 1, table: 2 })) for (const x of tables) out.push([catalog, schema, x.name, x.type, null, null, null, null, null, null]);
          return out;
        });
      case 'columns':
        return rows(async (scan) => {
          const out: unknown[][] = [];
          const columnFilter = scan.filters.get(3);
          for await (const { catalog, schema, table, columns } of this.columnsFor(scan, { catalog: 0, schema: 1, table: 2 })) {
            columns.forEach((c, i) => {
              if (pass(columnFilter, c.name)) out.push(jdbcColumnRow(catalog, schema, table.name, c, i + 1));
            });
          }
          return out;
        });
      case 'table_types':
        return rows(async () => [['TABLE'], ['VIEW']]);
      case 'types':
        return rows(async () => typeInfoRows());
      default:
        return rows(async () => []);
    }
  }

  /** system.metadata.table_comments. */
  tableComments(): VirtualTable {
    return {
      columns: TABLE_COMMENTS_COLUMNS,
      rows: async (scan) => {
        const out: unknown[][] = [];
        const keys = { catalog: 0, schema: 1, table: 2 };
        const tableFilter = filterOf(scan, keys.table);
        for (const catalog of await this.catalogsFor(scan, keys)) {
          for (const schema of await this.schemasFor(scan, keys, catalog)) {
            let tables = await this.tables(catalog, schema, tableFilter, true);
            // Listings of names carry no comments: read them with the tables' details.
            if (schema !== INFORMATION_SCHEMA && tables.some((x) => x.comment === undefined)) {
              if (tableFilter?.exact) tables = await Promise.all(tables.map(async (x) => (await this.cache.tableDetails(catalog, schema, x.name)) ?? x));
              else {
                const full = new Map((await this.cache.tables(catalog, schema, true)).map((x) => [x.name, x]));
                tables = tables.map((x) => full.get(x.name) ?? x);
              }
            }
            for (const x of tables) out.push([catalog, schema, x.name, x.comment ?? null]);
          }
        }
        return out;
      },
    };
  }

  // ---------------------------------------------------------------- information_schema

  informationSchema(catalog: string, name: string): VirtualTable | undefined {
    const columns = INFORMATION_SCHEMA_TABLES[name];
    if (!columns) return undefined;
    const only = (scan: Scan, index: number): boolean => pass(scan.filters.get(index), catalog);
    switch (name) {
      case 'schemata':
        return {
          columns,
          rows: async (scan) => (only(scan, 0) && this.visible.catalog(catalog) ? (await this.schemas(catalog, scan.filters.get(1))).map((s) => [catalog, s]) : []),
        };
      case 'tables':
        return {
          columns,
          rows: async (scan) => {
            if (!only(scan, 0) || !this.visible.catalog(catalog)) return [];
            const out: unknown[][] = [];
            for (const schema of await this.schemas(catalog, scan.filters.get(1))) {
              for (const x of await this.tables(catalog, schema, scan.filters.get(2))) out.push([catalog, schema, x.name, x.type === 'VIEW' ? 'VIEW' : 'BASE TABLE', x.type, x.comment ?? null]);
            }
            return out;
          },
        };
      case 'columns':
        return {
          columns,
          rows: async (scan) => {
            if (!only(scan, 0) || !this.visible.catalog(catalog)) return [];
            const out: unknown[][] = [];
            const columnFilter = scan.filters.get(3);
            const local: Scan = { filters: new Map([...scan.filters].filter(([k]) => k === 1 || k === 2)) };
            local.filters.set(0, { test: (v) => v === catalog, exact: [catalog] });
            for await (const { schema, table, columns: list } of this.columnsFor(local, { catalog: 0, schema: 1, table: 2 })) {
              list.forEach((c, i) => {
                if (!pass(columnFilter, c.name)) return;
                out.push([catalog, schema, table.name, c.name, i + 1, null, 'YES', formatType(c.type), c.comment ?? null, c.partitionKey ? 'partition key' : null, c.comment ?? null]);
              });
            }
            return out;
          },
        };
      default:
        return undefined;
    }
  }
}

/** One row of system.jdbc.columns, as ColumnJdbcTable writes it. */
export function jdbcColumnRow(catalog: string, schema: string, table: string, c: MetadataColumn, ordinal: number): unknown[] {
  const type = c.type;
  return [
    catalog,
    schema,
    table,
    c.name,
    jdbcDataType(type),
    formatType(type),
    columnSize(type),
    0,
    decimalDigits(type),
    numPrecRadix(type),
    COLUMN_NULLABLE_UNKNOWN,
    c.comment ?? null,
    null,
    null,
    null,
    charOctetLength(type),
    ordinal,
    '',
    null,
    null,
    null,
    null,
    null,
    null,
  ];
}
