import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsMetadataSource } from '../../../lambdas/adapters/aws/metadata/index.js';
import { answerMetadata, createMetadataDeps, type MetadataDeps } from '../../../lambdas/core/metadata/answer.js';
import type { Principal } from '../../../lambdas/core/ports/index.js';
import { mockGlue, SAMPLE_CATALOG } from './glue-mock.js';
import { escapeIfNecessary, trino } from './queries.js';
import { alice, bob, names, records, rows } from './support.js';

/**
 * Trino's JDBC driver against a mocked Glue Data Catalog: every DatabaseMetaData query the
 * driver sends, verbatim, with every column checked against what Trino's system.jdbc tables
 * answer. Bob may not read hive.hr.salaries.
 */
let glue: ReturnType<typeof mockGlue>;
let deps: MetadataDeps;
const session = { catalog: 'hive', schema: 'sales' };

beforeEach(() => {
  glue = mockGlue(SAMPLE_CATALOG);
  deps = createMetadataDeps({
    source: awsMetadataSource({ catalogs: { hive: { athenaCatalog: 'AwsDataCatalog' } }, glue: glue.client }),
    canSee: (principal: Principal, table: string) => !(principal.user === 'bob' && table === 'hive.hr.salaries'),
    version: '476-bifrost',
  });
});
afterEach(() => glue.mock.restore());

const ask = (sql: string, principal: Principal = alice, s: { catalog?: string; schema?: string } = session) => answerMetadata(sql, s, principal, deps);

const VARCHAR_COLUMNS = (...list: string[]) => list.map((name) => ({ name, type: 'varchar' }));

describe('Trino JDBC DatabaseMetaData against Glue', () => {
  it('getCatalogs: the configured catalog name, not Athena\'s', async () => {
    const r = await ask(trino.getCatalogs());
    expect(r!.columns).toEqual(VARCHAR_COLUMNS('TABLE_CAT'));
    expect(rows(r)).toEqual([['hive']]);
    expect(glue.total).toBe(0);
  });

  it('getSchemas() and getSchemas(catalog, pattern), with information_schema as Trino lists it', async () => {
    const all = await ask(trino.getSchemasAll());
    expect(all!.columns).toEqual(VARCHAR_COLUMNS('TABLE_SCHEM', 'TABLE_CATALOG'));
    expect(rows(all)).toEqual([
      ['empty', 'hive'],
      ['hr', 'hive'],
      ['information_schema', 'hive'],
      ['marketing', 'hive'],
      ['sales', 'hive'],
    ]);
    expect(glue.requests).toEqual([{ command: 'GetDatabases', input: { MaxResults: 100, AttributesToGet: ['NAME'] } }]);
    expect(rows(await ask(trino.getSchemas('hive', 's%')))).toEqual([['sales', 'hive']]);
    expect(rows(await ask(trino.getSchemas('hive', null)))).toHaveLength(5);
    expect(rows(await ask(trino.getSchemas('other', null)))).toEqual([]);
    // An empty catalog means "without a catalog": IS NULL matches nothing.
    expect(rows(await ask(trino.getSchemas('', null)))).toEqual([]);
  });

  it('getTables with every filter form, ordered by type, catalog, schema and name', async () => {
    const sql = trino.getTables('hive', 'sales', '%', ['TABLE', 'VIEW']);
    expect(sql).toBe(
      "SELECT TABLE_CAT, TABLE_SCHEM, TABLE_NAME, TABLE_TYPE, REMARKS,\n  TYPE_CAT, TYPE_SCHEM, TYPE_NAME,   SELF_REFERENCING_COL_NAME, REF_GENERATION\nFROM system.jdbc.tables\nWHERE TABLE_CAT = 'hive' AND TABLE_SCHEM LIKE 'sales' ESCAPE '\\' AND TABLE_NAME LIKE '%' ESCAPE '\\' AND TABLE_TYPE IN ('TABLE', 'VIEW')\nORDER BY TABLE_TYPE, TABLE_CAT, TABLE_SCHEM, TABLE_NAME",
    );
    const r = await ask(sql);
    expect(r!.columns).toEqual(VARCHAR_COLUMNS('TABLE_CAT', 'TABLE_SCHEM', 'TABLE_NAME', 'TABLE_TYPE', 'REMARKS', 'TYPE_CAT', 'TYPE_SCHEM', 'TYPE_NAME', 'SELF_REFERENCING_COL_NAME', 'REF_GENERATION'));
    expect(rows(r)).toEqual([
      ['hive', 'sales', 'customers', 'TABLE', null, null, null, null, null, null],
      ['hive', 'sales', 'orders', 'TABLE', null, null, null, null, null, null],
      ['hive', 'sales', 'big_orders', 'VIEW', null, null, null, null, null, null],
    ]);
    // Names and types only: one GetTables call with AttributesToGet.
    expect(glue.requests.filter((q) => q.command === 'GetTables')).toEqual([{ command: 'GetTables', input: { DatabaseName: 'sales', MaxResults: 100, AttributesToGet: ['NAME', 'TABLE_TYPE'] } }]);

    expect(rows(await ask(trino.getTables('hive', 'sales', null, ['VIEW']))).map((x) => x[2])).toEqual(['big_orders']);
    expect(rows(await ask(trino.getTables('hive', 'sales', null, [])))).toEqual([]);
    expect(rows(await ask(trino.getTables(null, null, null, null))).map((x) => `${x[1]}.${x[2]}:${x[3]}`)).toEqual([
      'hr.employees:TABLE',
      'hr.salaries:TABLE',
      'information_schema.applicable_roles:TABLE',
      'information_schema.columns:TABLE',
      'information_schema.enabled_roles:TABLE',
      'information_schema.roles:TABLE',
      'information_schema.schemata:TABLE',
      'information_schema.table_privileges:TABLE',
      'information_schema.tables:TABLE',
      'information_schema.views:TABLE',
      'marketing.ad_spend:TABLE',
      'marketing.adxspend:TABLE',
      'sales.customers:TABLE',
      'sales.orders:TABLE',
      'sales.big_orders:VIEW',
    ]);
    expect(rows(await ask(trino.getTables('', null, null, null)))).toEqual([]);
    expect(rows(await ask(trino.getTables('hive', '', null, null)))).toEqual([]);
  });

  it('LIKE patterns: `_` is a wildcard unless escaped (assumeLiteralUnderscoreInMetadataCallsForNonConformingClients)', async () => {
    expect(rows(await ask(trino.getTables('hive', 'marketing', 'ad_spend', null))).map((x) => x[2])).toEqual(['ad_spend', 'adxspend']);
    expect(rows(await ask(trino.getTables('hive', 'marketing', escapeIfNecessary('ad_spend'), null))).map((x) => x[2])).toEqual(['ad_spend']);
    expect(rows(await ask(trino.getTables('hive', 'mark%', 'AD%', null)))).toEqual([]);
    await expect(ask("SELECT TABLE_NAME FROM system.jdbc.tables WHERE TABLE_NAME LIKE 'a\\b' ESCAPE '\\'")).rejects.toMatchObject({ error: { errorName: 'INVALID_FUNCTION_ARGUMENT' } });
  });

  it('getTableTypes', async () => {
    const r = await ask(trino.getTableTypes());
    expect(r!.columns).toEqual(VARCHAR_COLUMNS('TABLE_TYPE'));
    expect(rows(r)).toEqual([['TABLE'], ['VIEW']]);
  });

  it('getColumns of one table: every column of system.jdbc.columns, every Hive type', async () => {
    const sql = trino.getColumns('hive', 'sales', 'orders', '%');
    const r = await ask(sql);
    expect(r!.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'TABLE_CAT:varchar',
      'TABLE_SCHEM:varchar',
      'TABLE_NAME:varchar',
      'COLUMN_NAME:varchar',
      'DATA_TYPE:bigint',
      'TYPE_NAME:varchar',
      'COLUMN_SIZE:bigint',
      'BUFFER_LENGTH:bigint',
      'DECIMAL_DIGITS:bigint',
      'NUM_PREC_RADIX:bigint',
      'NULLABLE:bigint',
      'REMARKS:varchar',
      'COLUMN_DEF:varchar',
      'SQL_DATA_TYPE:bigint',
      'SQL_DATETIME_SUB:bigint',
      'CHAR_OCTET_LENGTH:bigint',
      'ORDINAL_POSITION:bigint',
      'IS_NULLABLE:varchar',
      'SCOPE_CATALOG:varchar',
      'SCOPE_SCHEMA:varchar',
      'SCOPE_TABLE:varchar',
      'SOURCE_DATA_TYPE:bigint',
      'IS_AUTOINCREMENT:varchar',
      'IS_GENERATEDCOLUMN:varchar',
    ]);
    const tail = [null, null, null, null, null, null];
    const prefix = ['hive', 'sales', 'orders'];
    expect(rows(r)).toEqual([
      [...prefix, 'order_id', -5, 'bigint', 19, 0, null, 10, 2, 'Primary key', null, null, null, null, 1, '', ...tail],
      [...prefix, 'customer_id', 4, 'integer', 10, 0, null, 10, 2, null, null, null, null, null, 2, '', ...tail],
      [...prefix, 'total', 3, 'decimal(12,2)', 12, 0, 2, 10, 2, null, null, null, null, null, 3, '', ...tail],
      [...prefix, 'ordered_at', 93, 'timestamp(3)', 25, 0, 3, null, 2, null, null, null, null, null, 4, '', ...tail],
      [...prefix, 'status', 12, 'varchar', 2147483647, 0, null, null, 2, null, null, null, null, 2147483647, 5, '', ...tail],
      [...prefix, 'tags', 2003, 'array(varchar)', null, 0, null, null, 2, null, null, null, null, null, 6, '', ...tail],
      [...prefix, 'shipping', 2000, 'row(city varchar, zip varchar(10))', null, 0, null, null, 2, null, null, null, null, null, 7, '', ...tail],
      [...prefix, 'attributes', 2000, 'map(varchar, bigint)', null, 0, null, null, 2, null, null, null, null, null, 8, '', ...tail],
      [...prefix, 'dt', 12, 'varchar', 2147483647, 0, null, null, 2, null, null, null, null, 2147483647, 9, '', ...tail],
    ]);
    // One table named exactly: one GetTable call, nothing listed.
    expect(glue.calls).toEqual({ GetDatabases: 1, GetTables: 0, GetTable: 1 });
  });

  it('getColumns maps every primitive Hive type to its java.sql.Types code and sizes', async () => {
    const r = records(await ask(trino.getColumns('hive', 'sales', 'customers', null)));
    expect(r.map((c) => [c.COLUMN_NAME, c.DATA_TYPE, c.TYPE_NAME, c.COLUMN_SIZE, c.DECIMAL_DIGITS, c.NUM_PREC_RADIX, c.CHAR_OCTET_LENGTH, c.ORDINAL_POSITION])).toEqual([
      ['id', 4, 'integer', 10, null, 10, null, 1],
      ['name', 12, 'varchar(100)', 100, null, null, 100, 2],
      ['country', 1, 'char(2)', 2, null, null, 2, 3],
      ['born', 91, 'date', 14, null, null, null, 4],
      ['vip', 16, 'boolean', null, null, null, null, 5],
      ['score', 8, 'double', 53, null, 2, null, 6],
      ['ratio', 7, 'real', 24, null, 2, null, 7],
      ['photo', -3, 'varbinary', 2147483647, null, null, 2147483647, 8],
      ['age', -6, 'tinyint', 3, null, 10, null, 9],
      ['visits', 5, 'smallint', 5, null, 10, null, 10],
    ]);
    expect(r.every((c) => c.NULLABLE === 2 && c.IS_NULLABLE === '' && c.BUFFER_LENGTH === 0)).toBe(true);
  });

  it('getColumns over a schema and a column pattern; views have columns too', async () => {
    const r = records(await ask(trino.getColumns('hive', 'sales', null, 'total')));
    expect(r.map((c) => [c.TABLE_NAME, c.COLUMN_NAME, c.ORDINAL_POSITION])).toEqual([
      ['big_orders', 'total', 2],
      ['orders', 'total', 3],
    ]);
    const all = records(await ask(trino.getColumns('hive', 'sales', '%', '%')));
    expect(all.map((c) => `${c.TABLE_NAME}.${c.COLUMN_NAME}`)).toHaveLength(2 + 10 + 9);
    expect(all[0]).toMatchObject({ TABLE_NAME: 'big_orders', COLUMN_NAME: 'order_id', ORDINAL_POSITION: 1 });
  });

  it('getColumns of information_schema tables, from their definitions', async () => {
    const r = records(await ask(trino.getColumns('hive', 'information_schema', 'tables', null)));
    expect(r.map((c) => c.COLUMN_NAME)).toEqual(['table_catalog', 'table_schema', 'table_name', 'table_type']);
    expect(glue.calls.GetTable).toBe(0);
  });

  it('a table the user may not read is never shown', async () => {
    expect(rows(await ask(trino.getTables('hive', 'hr', null, null), bob)).map((x) => x[2])).toEqual(['employees']);
    expect(rows(await ask(trino.getTables('hive', 'hr', null, null), alice)).map((x) => x[2])).toEqual(['employees', 'salaries']);
    expect(rows(await ask(trino.getColumns('hive', 'hr', 'salaries', null), bob))).toEqual([]);
    expect(rows(await ask(trino.getColumns('hive', 'hr', null, null), bob)).map((x) => x[2])).toEqual(['employees', 'employees']);
    expect(rows(await ask("SELECT table_name FROM information_schema.tables WHERE table_schema = 'hr'", bob))).toEqual([['employees']]);
    expect(rows(await ask("SELECT column_name FROM information_schema.columns WHERE table_schema = 'hr' AND table_name = 'salaries'", bob))).toEqual([]);
    await expect(ask('SHOW COLUMNS FROM hive.hr.salaries', bob)).rejects.toMatchObject({ error: { errorName: 'PERMISSION_DENIED' } });
    await expect(ask('DESCRIBE hr.salaries', bob)).rejects.toMatchObject({ error: { message: 'line 1:1: Access Denied: Cannot show columns of table hive.hr.salaries' } });
    expect(rows(await ask('SHOW TABLES FROM hr', bob))).toEqual([['employees']]);
  });

  it('getTypeInfo: Trino\'s system.jdbc.types, ordered by DATA_TYPE', async () => {
    const r = await ask(trino.getTypeInfo());
    expect(names(r)).toEqual(['TYPE_NAME', 'DATA_TYPE', 'PRECISION', 'LITERAL_PREFIX', 'LITERAL_SUFFIX', 'CREATE_PARAMS', 'NULLABLE', 'CASE_SENSITIVE', 'SEARCHABLE', 'UNSIGNED_ATTRIBUTE', 'FIXED_PREC_SCALE', 'AUTO_INCREMENT', 'LOCAL_TYPE_NAME', 'MINIMUM_SCALE', 'MAXIMUM_SCALE', 'SQL_DATA_TYPE', 'SQL_DATETIME_SUB', 'NUM_PREC_RADIX']);
    expect(r!.columns.map((c) => c.type)).toEqual(['varchar', 'bigint', 'bigint', 'varchar', 'varchar', 'varchar', 'bigint', 'boolean', 'bigint', 'boolean', 'boolean', 'boolean', 'varchar', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint']);
    const byName = Object.fromEntries(rows(r).map((x) => [x[0], x]));
    expect(byName.bigint).toEqual(['bigint', -5, 19, null, null, null, 1, false, 3, null, false, null, null, 0, 0, null, null, 10]);
    expect(byName.varbinary).toEqual(['varbinary', -3, 2147483647, null, null, null, 1, false, 3, null, false, null, null, 0, 0, null, null, null]);
    expect(byName.HyperLogLog).toEqual(['HyperLogLog', 2000, null, null, null, null, 1, false, 0, null, false, null, null, 0, 0, null, null, null]);
    expect(byName.array).toEqual(['array', 2003, null, null, null, null, 1, false, 0, null, false, null, null, 0, 0, null, null, null]);
    expect(byName.varchar![1]).toBe(2000);
    const codes = rows(r).map((x) => x[1] as number);
    expect(codes).toEqual([...codes].sort((a, b) => a - b));
  });

  it('getPrimaryKeys and getImportedKeys: the WHERE false idiom, typed columns, no rows', async () => {
    const pk = await ask(trino.getPrimaryKeys());
    expect(pk!.columns).toEqual([...VARCHAR_COLUMNS('TABLE_CAT', 'TABLE_SCHEM', 'TABLE_NAME', 'COLUMN_NAME'), { name: 'KEY_SEQ', type: 'smallint' }, { name: 'PK_NAME', type: 'varchar' }]);
    expect(rows(pk)).toEqual([]);
    const fk = await ask(trino.getImportedKeys());
    expect(fk!.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'PKTABLE_CAT:varchar',
      'PKTABLE_SCHEM:varchar',
      'PKTABLE_NAME:varchar',
      'PKCOLUMN_NAME:varchar',
      'FKTABLE_CAT:varchar',
      'FKTABLE_SCHEM:varchar',
      'FKTABLE_NAME:varchar',
      'FKCOLUMN_NAME:varchar',
      'KEY_SEQ:smallint',
      'UPDATE_RULE:smallint',
      'DELETE_RULE:smallint',
      'FK_NAME:varchar',
      'PK_NAME:varchar',
      'DEFERRABILITY:smallint',
    ]);
    expect(rows(fk)).toEqual([]);
    expect(glue.total).toBe(0);
  });

  it('the LIMIT 0 family: procedures, procedure columns, UDTs, super types and tables, attributes, pseudo columns', async () => {
    const expected: Record<string, string[]> = {
      getProcedures: ['PROCEDURE_CAT:varchar', 'PROCEDURE_SCHEM:varchar', 'PROCEDURE_NAME:varchar', '_col3:unknown', '_col4:unknown', '_col5:unknown', 'REMARKS:varchar', 'PROCEDURE_TYPE:bigint', 'SPECIFIC_NAME:varchar'],
      getProcedureColumns: [
        'PROCEDURE_CAT:varchar', 'PROCEDURE_SCHEM:varchar', 'PROCEDURE_NAME:varchar', 'COLUMN_NAME:varchar', 'COLUMN_TYPE:bigint', 'DATA_TYPE:bigint', 'TYPE_NAME:varchar', 'PRECISION:bigint', 'LENGTH:bigint', 'SCALE:bigint', 'RADIX:bigint',
        'NULLABLE:bigint', 'REMARKS:varchar', 'COLUMN_DEF:varchar', 'SQL_DATA_TYPE:bigint', 'SQL_DATETIME_SUB:bigint', 'CHAR_OCTET_LENGTH:bigint', 'ORDINAL_POSITION:bigint', 'IS_NULLABLE:varchar', 'SPECIFIC_NAME:varchar',
      ],
      getUDTs: ['TYPE_CAT:varchar', 'TYPE_SCHEM:varchar', 'TYPE_NAME:varchar', 'CLASS_NAME:varchar', 'DATA_TYPE:varchar', 'REMARKS:varchar', 'BASE_TYPE:varchar'],
      getSuperTypes: ['TYPE_CAT:varchar', 'TYPE_SCHEM:varchar', 'TYPE_NAME:varchar', 'SUPERTYPE_CAT:varchar', 'SUPERTYPE_SCHEM:varchar', 'SUPERTYPE_NAME:varchar'],
      getSuperTables: ['TABLE_CAT:varchar', 'TABLE_SCHEM:varchar', 'TABLE_NAME:varchar', 'SUPERTABLE_NAME:varchar'],
      getAttributes: [
        'TYPE_CAT:varchar', 'TYPE_SCHEM:varchar', 'TYPE_NAME:varchar', 'ATTR_NAME:varchar', 'DATA_TYPE:bigint', 'ATTR_TYPE_NAME:varchar', 'ATTR_SIZE:bigint', 'DECIMAL_DIGITS:bigint', 'NUM_PREC_RADIX:bigint', 'NULLABLE:bigint', 'REMARKS:varchar',
        'ATTR_DEF:varchar', 'SQL_DATA_TYPE:bigint', 'SQL_DATETIME_SUB:bigint', 'CHAR_OCTET_LENGTH:bigint', 'ORDINAL_POSITION:bigint', 'IS_NULLABLE:varchar', 'SCOPE_CATALOG:varchar', 'SCOPE_SCHEMA:varchar', 'SCOPE_TABLE:varchar', 'SOURCE_DATA_TYPE:bigint',
      ],
      getPseudoColumns: ['TABLE_CAT:varchar', 'TABLE_SCHEM:varchar', 'TABLE_NAME:varchar', 'COLUMN_NAME:varchar', 'DATA_TYPE:bigint', 'COLUMN_SIZE:bigint', 'DECIMAL_DIGITS:bigint', 'NUM_PREC_RADIX:bigint', 'COLUMN_USAGE:varchar', 'REMARKS:varchar', 'CHAR_OCTET_LENGTH:bigint', 'IS_NULLABLE:bigint'],
    };
    for (const [method, columns] of Object.entries(expected)) {
      const r = await ask((trino as unknown as Record<string, () => string>)[method]!());
      expect(r!.columns.map((c) => `${c.name}:${c.type}`), method).toEqual(columns);
      expect(rows(r), method).toEqual([]);
    }
    expect(glue.total).toBe(0);
  });

  it('answers are cached per user, source results across users, for the TTL', async () => {
    await ask(trino.getTables('hive', 'sales', null, null));
    const calls = glue.total;
    await ask(trino.getTables('hive', 'sales', null, null));
    expect(glue.total).toBe(calls);
    // Bob's answer is his own (his rules), from the cached listing.
    expect(rows(await ask(trino.getTables('hive', 'sales', null, null), bob))).toHaveLength(3);
    expect(glue.total).toBe(calls);
  });

  it('source failures become query failures, throttling as TOO_MANY_REQUESTS_FAILED', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    glue.mock.rejects(throttled);
    await expect(ask(trino.getSchemasAll())).rejects.toMatchObject({ error: { errorName: 'TOO_MANY_REQUESTS_FAILED', message: "Could not read the catalog's metadata: Rate exceeded" } });
  });

  it('statements that are not metadata queries are left alone', async () => {
    for (const sql of ['SELECT 1', 'SELECT * FROM orders LIMIT 10', 'SELECT * FROM (SELECT * FROM orders) "Custom SQL Query" LIMIT 0', 'INSERT INTO t VALUES (1)', 'SHOW CREATE TABLE orders', 'SHOW FUNCTIONS', 'EXPLAIN SELECT 1', 'SELECT count(*) FROM information_schema.tables', "SELECT 'a' || 'b'", 'SELECT * FROM orders WHERE false']) {
      expect(await ask(sql), sql).toBeUndefined();
    }
    expect(glue.total).toBe(0);
  });

  it('system.jdbc queries outside the supported forms fail clearly instead of reaching Athena', async () => {
    await expect(ask('SELECT count(*) FROM system.jdbc.tables')).rejects.toMatchObject({ error: { errorName: 'NOT_SUPPORTED' } });
    await expect(ask('SELECT * FROM system.jdbc.nothing')).rejects.toMatchObject({ error: { errorName: 'TABLE_NOT_FOUND', message: "line 1:1: Table 'system.jdbc.nothing' does not exist" } });
  });
});
