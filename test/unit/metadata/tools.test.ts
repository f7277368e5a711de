import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsMetadataSource } from '../../../lambdas/adapters/aws/metadata/index.js';
import { answerMetadata, createMetadataDeps, createMetadataService, type MetadataDeps } from '../../../lambdas/core/metadata/answer.js';
import type { Principal } from '../../../lambdas/core/ports/index.js';
import { mockGlue, SAMPLE_CATALOG } from './glue-mock.js';
import { alice, bob, rows } from './support.js';

/**
 * SHOW and DESCRIBE as Trino answers them, and the information_schema queries BI tools send
 * (trino's SQLAlchemy dialect used by Superset, Redash's schema browser, Metabase), against a
 * mocked Glue.
 */
let glue: ReturnType<typeof mockGlue>;
let deps: MetadataDeps;
let now = 1_000_000;
const session = { catalog: 'hive', schema: 'sales' };

beforeEach(() => {
  glue = mockGlue(SAMPLE_CATALOG);
  deps = createMetadataDeps({
    source: awsMetadataSource({ catalogs: { hive: { athenaCatalog: 'AwsDataCatalog' } }, glue: glue.client }),
    canSee: (principal: Principal, table: string) => !(principal.user === 'bob' && table === 'hive.hr.salaries'),
    canSeeSchema: (principal: Principal, schema: string) => !(principal.user === 'bob' && schema === 'hive.marketing'),
    version: '476-bifrost',
    clock: () => now,
  });
});
afterEach(() => glue.mock.restore());

const ask = (sql: string, principal: Principal = alice, s: { catalog?: string; schema?: string } = session) => answerMetadata(sql, s, principal, deps);

describe('SHOW and DESCRIBE', () => {
  it('SHOW CATALOGS [LIKE]', async () => {
    const r = await ask('SHOW CATALOGS');
    expect(r!.columns).toEqual([{ name: 'Catalog', type: 'varchar' }]);
    expect(rows(r)).toEqual([['hive']]);
    expect(rows(await ask("SHOW CATALOGS LIKE 'h%'"))).toEqual([['hive']]);
    expect(rows(await ask("SHOW CATALOGS LIKE 'x%'"))).toEqual([]);
  });

  it('SHOW SCHEMAS [FROM c] [LIKE p [ESCAPE e]], filtered by the schema rules', async () => {
    const r = await ask('SHOW SCHEMAS');
    expect(r!.columns).toEqual([{ name: 'Schema', type: 'varchar' }]);
    expect(rows(r)).toEqual([['empty'], ['hr'], ['information_schema'], ['marketing'], ['sales']]);
    expect(rows(await ask('SHOW SCHEMAS FROM hive', bob))).toEqual([['empty'], ['hr'], ['information_schema'], ['sales']]);
    expect(rows(await ask("SHOW SCHEMAS IN hive LIKE 's%'"))).toEqual([['sales']]);
    expect(rows(await ask("SHOW SCHEMAS LIKE 'information\\_%' ESCAPE '\\'"))).toEqual([['information_schema']]);
    await expect(ask('SHOW SCHEMAS FROM nope')).rejects.toMatchObject({ error: { errorName: 'CATALOG_NOT_FOUND', message: "line 1:1: Catalog 'nope' not found" } });
    await expect(ask('SHOW SCHEMAS', alice, {})).rejects.toMatchObject({ error: { message: 'line 1:1: Catalog must be specified when session catalog is not set' } });
  });

  it('SHOW TABLES [FROM [c.]s] [LIKE p]', async () => {
    const r = await ask('SHOW TABLES');
    expect(r!.columns).toEqual([{ name: 'Table', type: 'varchar' }]);
    expect(rows(r)).toEqual([['big_orders'], ['customers'], ['orders']]);
    expect(rows(await ask('SHOW TABLES FROM hive.hr', bob))).toEqual([['employees']]);
    expect(rows(await ask("SHOW TABLES IN hr LIKE 'sal%'"))).toEqual([['salaries']]);
    expect(rows(await ask('SHOW TABLES FROM "empty"'))).toEqual([]);
    expect(rows(await ask('SHOW TABLES FROM information_schema'))).toEqual([['applicable_roles'], ['columns'], ['enabled_roles'], ['roles'], ['schemata'], ['table_privileges'], ['tables'], ['views']]);
    await expect(ask('SHOW TABLES FROM marketing', bob)).rejects.toMatchObject({ error: { errorName: 'PERMISSION_DENIED', message: 'line 1:1: Access Denied: Cannot show tables of schema hive.marketing' } });
    await expect(ask('SHOW TABLES FROM nope')).rejects.toMatchObject({ error: { errorName: 'SCHEMA_NOT_FOUND', message: "line 1:1: Schema 'nope' does not exist" } });
    await expect(ask('SHOW TABLES', alice, { catalog: 'hive' })).rejects.toMatchObject({ error: { message: 'line 1:1: Schema must be specified when session schema is not set' } });
  });

  it('DESCRIBE and SHOW COLUMNS: Column, Type, Extra (partition key), Comment', async () => {
    const r = await ask('DESCRIBE orders');
    expect(r!.columns).toEqual(['Column', 'Type', 'Extra', 'Comment'].map((name) => ({ name, type: 'varchar' })));
    expect(rows(r)).toEqual([
      ['order_id', 'bigint', '', 'Primary key'],
      ['customer_id', 'integer', '', ''],
      ['total', 'decimal(12,2)', '', ''],
      ['ordered_at', 'timestamp(3)', '', ''],
      ['status', 'varchar', '', ''],
      ['tags', 'array(varchar)', '', ''],
      ['shipping', 'row(city varchar, zip varchar(10))', '', ''],
      ['attributes', 'map(varchar, bigint)', '', ''],
      ['dt', 'varchar', 'partition key', ''],
    ]);
    expect(rows(await ask('SHOW COLUMNS FROM hive.hr.employees'))).toEqual([
      ['id', 'bigint', '', ''],
      ['name', 'varchar', '', 'Full name'],
    ]);
    expect(rows(await ask("SHOW COLUMNS IN hr.employees LIKE 'n%'"))).toEqual([['name', 'varchar', '', 'Full name']]);
    expect(rows(await ask('DESC big_orders'))).toEqual([
      ['order_id', 'bigint', '', ''],
      ['total', 'decimal(12,2)', '', ''],
    ]);
    await expect(ask('DESCRIBE nope')).rejects.toMatchObject({ error: { errorName: 'TABLE_NOT_FOUND', message: "line 1:1: Table 'hive.sales.nope' does not exist" } });
    await expect(ask('DESCRIBE orders', alice, {})).rejects.toMatchObject({ error: { errorName: 'GENERIC_USER_ERROR' } });
    expect(await ask('DESCRIBE OUTPUT statement1')).toBeUndefined();
    expect(await ask('DESCRIBE INPUT statement1')).toBeUndefined();
  });

  it('SELECT version()', async () => {
    const r = await ask('SELECT version()');
    expect(r!.columns).toEqual([{ name: '_col0', type: 'varchar' }]);
    expect(rows(r)).toEqual([['476-bifrost']]);
    expect(rows(await ask('select VERSION() as v'))).toEqual([['476-bifrost']]);
    expect(glue.total).toBe(0);
  });
});

describe('information_schema as BI tools query it', () => {
  it('Superset (trino SQLAlchemy dialect): schemas, tables, views, columns, has_table, table comment', async () => {
    expect(rows(await ask('SELECT "schema_name"\nFROM "information_schema"."schemata"')).sort()).toEqual([['empty'], ['hr'], ['information_schema'], ['marketing'], ['sales']]);
    expect(rows(await ask(`SELECT "table_name"\nFROM "information_schema"."tables"\nWHERE "table_schema" = 'sales'\n  AND "table_type" = 'BASE TABLE'`))).toEqual([['customers'], ['orders']]);
    expect(rows(await ask(`SELECT "table_name"\nFROM "information_schema"."tables"\nWHERE "table_schema" = 'sales'\n  AND "table_type" = 'VIEW'`))).toEqual([['big_orders']]);
    const columns = await ask(`SELECT\n    "column_name",\n    "data_type",\n    "column_default",\n    UPPER("is_nullable") AS "is_nullable"\nFROM "information_schema"."columns"\nWHERE "table_schema" = 'sales'\n  AND "table_name" = 'customers'\nORDER BY "ordinal_position" ASC`);
    expect(columns!.columns).toEqual([
      { name: 'column_name', type: 'varchar' },
      { name: 'data_type', type: 'varchar' },
      { name: 'column_default', type: 'varchar' },
      { name: 'is_nullable', type: 'varchar' },
    ]);
    expect(rows(columns).slice(0, 3)).toEqual([
      ['id', 'integer', null, 'YES'],
      ['name', 'varchar(100)', null, 'YES'],
      ['country', 'char(2)', null, 'YES'],
    ]);
    expect(rows(await ask(`SELECT "table_name" FROM "information_schema"."tables" WHERE "table_schema" = 'sales' AND "table_name" = 'orders'`))).toEqual([['orders']]);
    expect(rows(await ask(`SELECT "comment"\nFROM "system"."metadata"."table_comments"\nWHERE "catalog_name" = 'hive'\n  AND "schema_name" = 'sales'\n  AND "table_name" = 'orders'`))).toEqual([['One row per order']]);
  });

  it('Redash: every column of every schema but two, in one query', async () => {
    const r = await ask("SELECT table_schema, table_name, column_name, data_type\nFROM information_schema.columns\nWHERE table_schema NOT IN ('pg_catalog', 'information_schema')", bob);
    const all = rows(r);
    expect(all.map((x) => `${x[0]}.${x[1]}.${x[2]}`)).toContain('hr.employees.name');
    expect(all.some((x) => x[1] === 'salaries')).toBe(false);
    expect(all.some((x) => x[0] === 'marketing')).toBe(false);
    expect(all).toHaveLength(2 + 9 + 10 + 2);
    // Each visible database listed once with its columns; no table looked up alone.
    expect(glue.calls).toEqual({ GetDatabases: 1, GetTables: 3, GetTable: 0 });
  });

  it('hidden columns: selectable by name, not part of *', async () => {
    const star = await ask("SELECT * FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'dt'");
    expect(star!.columns.map((c) => c.name)).toEqual(['table_catalog', 'table_schema', 'table_name', 'column_name', 'ordinal_position', 'column_default', 'is_nullable', 'data_type']);
    expect(rows(star)).toEqual([['hive', 'sales', 'orders', 'dt', 9, null, 'YES', 'varchar']]);
    expect(rows(await ask("SELECT column_name, extra_info, comment FROM hive.information_schema.columns WHERE table_schema = 'sales' AND table_name = 'orders' AND (column_name = 'dt' OR column_name = 'order_id') ORDER BY 1 DESC"))).toEqual([
      ['order_id', null, 'Primary key'],
      ['dt', 'partition key', null],
    ]);
    expect(rows(await ask("SELECT table_name, table_type, trino_relation_type FROM information_schema.tables WHERE table_schema = 'sales' ORDER BY table_name OFFSET 1 LIMIT 2"))).toEqual([
      ['customers', 'BASE TABLE', 'TABLE'],
      ['orders', 'BASE TABLE', 'TABLE'],
    ]);
  });

  it('information_schema tables the gateway does not model go to the engine', async () => {
    expect(await ask('SELECT * FROM information_schema.views')).toBeUndefined();
    expect(await ask('SELECT * FROM information_schema.table_privileges')).toBeUndefined();
  });
});

describe('caching', () => {
  it('source results live for the TTL; answers are per user', async () => {
    await ask('SHOW TABLES');
    expect(glue.calls).toEqual({ GetDatabases: 1, GetTables: 1, GetTable: 0 });
    now += 30_000;
    await ask('SHOW TABLES FROM sales', bob);
    expect(glue.calls).toEqual({ GetDatabases: 1, GetTables: 1, GetTable: 0 });
    now += 31_000;
    await ask('SHOW TABLES');
    expect(glue.calls).toEqual({ GetDatabases: 2, GetTables: 2, GetTable: 0 });
  });

  it('concurrent requests share one source call', async () => {
    await Promise.all([ask('SHOW TABLES'), ask('SHOW TABLES', bob), ask("SHOW TABLES LIKE 'o%'"), ask('SHOW SCHEMAS')]);
    expect(glue.calls).toEqual({ GetDatabases: 1, GetTables: 1, GetTable: 0 });
  });

  it('the service binds the hook to its caches; clear() forgets them', async () => {
    const service = createMetadataService({ source: awsMetadataSource({ catalogs: { hive: { athenaCatalog: 'AwsDataCatalog' } }, glue: glue.client }), canSee: () => true, version: 'v' });
    expect(rows(await service.answer('SHOW TABLES', session, alice))).toHaveLength(3);
    expect(rows(await service.answer('SHOW TABLES', session, alice))).toHaveLength(3);
    expect(glue.calls.GetTables).toBe(1);
    service.clear();
    await service.answer('SHOW TABLES', session, alice);
    expect(glue.calls.GetTables).toBe(2);
    expect(await service.answer('SELECT * FROM orders', session, alice)).toBeUndefined();
  });
});
