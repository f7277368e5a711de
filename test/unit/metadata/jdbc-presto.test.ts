import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsMetadataSource } from '../../../lambdas/adapters/aws/metadata/index.js';
import { answerMetadata, createMetadataDeps, type MetadataDeps } from '../../../lambdas/core/metadata/answer.js';
import type { Principal } from '../../../lambdas/core/ports/index.js';
import { mockGlue, SAMPLE_CATALOG } from './glue-mock.js';
import { legacyPresto, presto } from './queries.js';
import { alice, bob, records, rows } from './support.js';

/**
 * prestodb's JDBC drivers against a mocked Glue: the current driver (system.jdbc, as Trino's)
 * and the old one that read information_schema, whose queries use CASE, DISTINCT, aliases
 * without AS, string literals and LIKE without ESCAPE.
 */
let glue: ReturnType<typeof mockGlue>;
let deps: MetadataDeps;
const session = { catalog: 'hive', schema: 'sales' };

beforeEach(() => {
  glue = mockGlue(SAMPLE_CATALOG);
  deps = createMetadataDeps({
    source: awsMetadataSource({ catalogs: { hive: { athenaCatalog: 'AwsDataCatalog' } }, glue: glue.client }),
    canSee: (principal: Principal, table: string) => !(principal.user === 'bob' && table === 'hive.hr.salaries'),
    version: '0.289-bifrost',
  });
});
afterEach(() => glue.mock.restore());

const ask = (sql: string, principal: Principal = alice, s: { catalog?: string; schema?: string } = session) => answerMetadata(sql, s, principal, deps);

describe('the current presto-jdbc (system.jdbc)', () => {
  it('getColumns with the blank line before WHERE', async () => {
    const sql = presto.getColumns('hive', 'sales', 'customers', 'n%');
    expect(sql).toContain('FROM system.jdbc.columns\n\nWHERE');
    const r = records(await ask(sql));
    expect(r).toEqual([
      {
        TABLE_CAT: 'hive',
        TABLE_SCHEM: 'sales',
        TABLE_NAME: 'customers',
        COLUMN_NAME: 'name',
        DATA_TYPE: 12,
        TYPE_NAME: 'varchar(100)',
        COLUMN_SIZE: 100,
        BUFFER_LENGTH: 0,
        DECIMAL_DIGITS: null,
        NUM_PREC_RADIX: null,
        NULLABLE: 2,
        REMARKS: null,
        COLUMN_DEF: null,
        SQL_DATA_TYPE: null,
        SQL_DATETIME_SUB: null,
        CHAR_OCTET_LENGTH: 100,
        ORDINAL_POSITION: 2,
        IS_NULLABLE: '',
        SCOPE_CATALOG: null,
        SCOPE_SCHEMA: null,
        SCOPE_TABLE: null,
        SOURCE_DATA_TYPE: null,
        IS_AUTOINCREMENT: null,
        IS_GENERATEDCOLUMN: null,
      },
    ]);
  });

  it('getCatalogs, getSchemas, getTables, getTableTypes and the LIMIT 0 family', async () => {
    expect(rows(await ask(presto.getCatalogs()))).toEqual([['hive']]);
    expect(rows(await ask(presto.getSchemas('hive', 'm%')))).toEqual([['marketing', 'hive']]);
    expect(rows(await ask(presto.getTables('hive', 'hr', '%', ['TABLE']), bob)).map((x) => x[2])).toEqual(['employees']);
    expect(rows(await ask(presto.getTableTypes()))).toEqual([['TABLE'], ['VIEW']]);
    for (const q of [presto.getProcedures(), presto.getProcedureColumns(), presto.getUDTs(), presto.getSuperTypes(), presto.getSuperTables(), presto.getAttributes(), presto.getPseudoColumns()]) expect(rows(await ask(q))).toEqual([]);
  });
});

describe('the old presto-jdbc (information_schema)', () => {
  it('getCatalogs: DISTINCT over the session catalog\'s information_schema.schemata', async () => {
    const r = await ask(legacyPresto.getCatalogs());
    expect(r!.columns).toEqual([{ name: 'TABLE_CAT', type: 'varchar' }]);
    expect(rows(r)).toEqual([['hive']]);
  });

  it('getSchemas', async () => {
    expect(rows(await ask(legacyPresto.getSchemas()))).toEqual([
      ['empty', 'hive'],
      ['hr', 'hive'],
      ['information_schema', 'hive'],
      ['marketing', 'hive'],
      ['sales', 'hive'],
    ]);
  });

  it('getTableTypes: information_schema\'s BASE TABLE and VIEW', async () => {
    expect(rows(await ask(legacyPresto.getTableTypes()))).toEqual([['BASE TABLE'], ['VIEW']]);
  });

  it("getTables: '' literals are varchar(0), table_type as information_schema has it", async () => {
    const sql = legacyPresto.getTables('hive', 'sales', '%', null);
    expect(sql).toBe(
      "SELECT table_catalog AS TABLE_CAT, table_schema AS TABLE_SCHEM, table_name AS TABLE_NAME, table_type AS TABLE_TYPE, '' AS REMARKS, '' AS TYPE_CAT, '' AS TYPE_SCHEM, '' AS TYPE_NAME, '' AS SELF_REFERENCING_COL_NAME, '' AS REF_GENERATION FROM information_schema.tables  WHERE table_catalog = 'hive' AND table_schema LIKE 'sales' AND table_name LIKE '%' ORDER BY TABLE_TYPE, TABLE_CAT, TABLE_SCHEM, TABLE_NAME",
    );
    const r = await ask(sql);
    expect(r!.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'TABLE_CAT:varchar',
      'TABLE_SCHEM:varchar',
      'TABLE_NAME:varchar',
      'TABLE_TYPE:varchar',
      'REMARKS:varchar(0)',
      'TYPE_CAT:varchar(0)',
      'TYPE_SCHEM:varchar(0)',
      'TYPE_NAME:varchar(0)',
      'SELF_REFERENCING_COL_NAME:varchar(0)',
      'REF_GENERATION:varchar(0)',
    ]);
    expect(rows(r)).toEqual([
      ['hive', 'sales', 'customers', 'BASE TABLE', '', '', '', '', '', ''],
      ['hive', 'sales', 'orders', 'BASE TABLE', '', '', '', '', '', ''],
      ['hive', 'sales', 'big_orders', 'VIEW', '', '', '', '', '', ''],
    ]);
    // The old driver's type filter uses "in (... ,...)" and information_schema's names.
    expect(rows(await ask(legacyPresto.getTables('hive', 'sales', null, ['TABLE', 'VIEW']))).map((x) => x[2])).toEqual(['big_orders']);
  });

  it('getColumns: the CASE columns evaluated as Presto evaluated them', async () => {
    const r = await ask(legacyPresto.getColumns('hive', 'sales', 'orders', null));
    expect(r!.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'TABLE_CAT:varchar',
      'TABLE_SCHEM:varchar',
      'TABLE_NAME:varchar',
      'COLUMN_NAME:varchar',
      'DATA_TYPE:integer',
      'TYPE_NAME:varchar',
      'COLUMN_SIZE:integer',
      'BUFFER_LENGTH:integer',
      'DECIMAL_DIGITS:integer',
      'NUM_PREC_RADIX:integer',
      'NULLABLE:integer',
      'REMARKS:varchar',
      'COLUMN_DEF:varchar',
      'SQL_DATA_TYPE:bigint',
      'SQL_DATETIME_SUB:bigint',
      'CHAR_OCTET_LENGTH:integer',
      'ORDINAL_POSITION:bigint',
      'IS_NULLABLE:varchar',
      'SCOPE_CATALOG:varchar',
      'SCOPE_SCHEMA:varchar',
      'SCOPE_TABLE:varchar',
      'SOURCE_DATA_TYPE:bigint',
      'IS_AUTOINCREMENT:varchar(0)',
      'IS_GENERATEDCOLUMN:varchar(0)',
    ]);
    const prefix = ['hive', 'sales', 'orders'];
    const nulls = [null, null, null, null];
    expect(rows(r)).toEqual([
      [...prefix, 'order_id', -5, 'bigint', 0, 0, 0, 10, 11, null, null, null, null, 0, 1, 'YES', ...nulls, '', ''],
      [...prefix, 'customer_id', 1111, 'integer', 0, 0, null, 0, 11, null, null, null, null, 0, 2, 'YES', ...nulls, '', ''],
      [...prefix, 'total', 1111, 'decimal(12,2)', 0, 0, null, 0, 11, null, null, null, null, 0, 3, 'YES', ...nulls, '', ''],
      [...prefix, 'ordered_at', 1111, 'timestamp(3)', 0, 0, null, 0, 11, null, null, null, null, 0, 4, 'YES', ...nulls, '', ''],
      [...prefix, 'status', -16, 'varchar', 0, 0, null, 0, 11, null, null, null, null, 0, 5, 'YES', ...nulls, '', ''],
      [...prefix, 'tags', 1111, 'array(varchar)', 0, 0, null, 0, 11, null, null, null, null, 0, 6, 'YES', ...nulls, '', ''],
      [...prefix, 'shipping', 1111, 'row(city varchar, zip varchar(10))', 0, 0, null, 0, 11, null, null, null, null, 0, 7, 'YES', ...nulls, '', ''],
      [...prefix, 'attributes', 1111, 'map(varchar, bigint)', 0, 0, null, 0, 11, null, null, null, null, 0, 8, 'YES', ...nulls, '', ''],
      [...prefix, 'dt', -16, 'varchar', 0, 0, null, 0, 11, null, null, null, null, 0, 9, 'YES', ...nulls, '', ''],
    ]);
  });

  it('information_schema needs a catalog, as in Trino', async () => {
    await expect(ask(legacyPresto.getSchemas(), alice, {})).rejects.toMatchObject({ error: { errorName: 'GENERIC_USER_ERROR', message: 'line 1:1: Catalog must be specified when session catalog is not set' } });
    await expect(ask(legacyPresto.getSchemas(), alice, { catalog: 'awsdatacatalog' })).rejects.toMatchObject({ error: { errorName: 'CATALOG_NOT_FOUND', message: "line 1:1: Catalog 'awsdatacatalog' not found" } });
  });
});
