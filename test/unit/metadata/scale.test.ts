import { afterEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { awsMetadataSource } from '../../../lambdas/adapters/aws/metadata/index.js';
import { answerMetadata, createMetadataDeps } from '../../../lambdas/core/metadata/answer.js';
import { mockGlue, type GlueCatalogSpec, type GlueTableSpec } from './glue-mock.js';
import { escapeIfNecessary, trino } from './queries.js';
import { alice, bob, rows } from './support.js';

/**
 * Browsing a catalog of 10,000 tables: Glue API calls counted on a mocked Glue (pages of 100).
 * The counts are the point of these tests: they must stay far inside Glue's request rates.
 */
const TABLE: GlueTableSpec = {
  columns: Array.from({ length: 20 }, (_, i): [string, string] => [`c${i}`, i % 3 === 0 ? 'bigint' : i % 3 === 1 ? 'string' : 'decimal(12,2)']),
  partitionKeys: [['dt', 'string']],
};

function catalog(databases: number, tablesEach: number): GlueCatalogSpec {
  const spec: GlueCatalogSpec = {};
  for (let d = 0; d < databases; d++) {
    const tables: Record<string, GlueTableSpec> = {};
    for (let t = 0; t < tablesEach; t++) tables[`table_${String(t).padStart(5, '0')}`] = TABLE;
    spec[`db_${d}`] = { tables };
  }
  return spec;
}

let glue: ReturnType<typeof mockGlue> | undefined;
afterEach(() => glue?.mock.restore());

function setup(spec: GlueCatalogSpec, canSee: (table: string) => boolean = () => true) {
  glue = mockGlue(spec);
  const deps = createMetadataDeps({ source: awsMetadataSource({ catalogs: { hive: { athenaCatalog: 'AwsDataCatalog' } }, glue: glue.client }), canSee: (_p, t) => canSee(t), version: '476-bifrost' });
  return { glue, ask: (sql: string, principal = alice) => answerMetadata(sql, { catalog: 'hive', schema: 'db_0' }, principal, deps) };
}

describe('a catalog of 10,000 tables', () => {
  it('getTables over one database of 10,000 tables: 1 GetDatabases + 100 GetTables, then none', async () => {
    const { glue, ask } = setup(catalog(1, 10_000));
    const started = performance.now();
    const answer = await ask(trino.getTables('hive', 'db_0', '%', ['TABLE', 'VIEW']));
    const ms = performance.now() - started;
    expect(rows(answer)).toHaveLength(10_000);
    expect(glue.calls).toEqual({ GetDatabases: 1, GetTables: 100, GetTable: 0 });
    const rowsJson = '[' + (answer!.rows ?? []).join(',') + ']';
    const bytes = Buffer.byteLength(rowsJson);
    console.log(`getTables(10,000 tables): ${glue.total} Glue calls, ${ms.toFixed(0)} ms in process, rowsJson ${bytes} bytes (${gzipSync(rowsJson).length} gzipped)`);

    // The same browse again, by the same and by another user: no call.
    await ask(trino.getTables('hive', 'db_0', '%', ['TABLE', 'VIEW']));
    await ask(trino.getTables('hive', 'db_0', null, null), bob);
    await ask('SHOW TABLES FROM db_0');
    expect(glue.total).toBe(101);

    // Then a tool opens tables: one GetTable each, with LIKE patterns as tools send them
    // (`_` unescaped is a wildcard, so the cached listing is filtered first).
    glue.reset();
    for (const t of ['table_00001', 'table_00002', 'table_09999']) await ask(trino.getColumns('hive', 'db_0', t, '%'));
    await ask(trino.getColumns('hive', 'db_0', escapeIfNecessary('table_00003'), null));
    await ask('DESCRIBE table_00004');
    expect(glue.calls).toEqual({ GetDatabases: 0, GetTables: 0, GetTable: 5 });
  });

  it('getTables over ten databases of 1,000 tables: 1 + 10 × 10 calls', async () => {
    const { glue, ask } = setup(catalog(10, 1_000));
    expect(rows(await ask(trino.getTables(null, null, null, null)))).toHaveLength(10_000 + 8);
    expect(glue.calls).toEqual({ GetDatabases: 1, GetTables: 100, GetTable: 0 });
    console.log(`getTables(10 × 1,000 tables): ${glue.total} Glue calls`);
  });

  it('getColumns over a whole database: one listing with columns (100 calls), never 10,000 GetTable', async () => {
    const { glue, ask } = setup(catalog(1, 10_000));
    const cold = rows(await ask(trino.getColumns('hive', 'db_0', null, null)));
    expect(cold).toHaveLength(10_000 * 21);
    expect(glue.calls).toEqual({ GetDatabases: 1, GetTables: 100, GetTable: 0 });
    console.log(`getColumns(all columns of 10,000 tables), cold: ${glue.total} Glue calls`);

    // After a browse (names only), a pattern matching 1,000 tables: the listing with columns
    // costs 100 calls where single lookups would cost 1,000.
    const warm = setup(catalog(1, 10_000));
    await warm.ask(trino.getTables('hive', 'db_0', null, null));
    warm.glue.reset();
    expect(rows(await warm.ask(trino.getColumns('hive', 'db_0', 'table_00%', null)))).toHaveLength(1_000 * 21);
    expect(warm.glue.calls).toEqual({ GetDatabases: 0, GetTables: 100, GetTable: 0 });
    // ... and a pattern matching few tables: a lookup each.
    const few = setup(catalog(1, 10_000));
    await few.ask(trino.getTables('hive', 'db_0', null, null));
    few.glue.reset();
    expect(rows(await few.ask(trino.getColumns('hive', 'db_0', 'table_0000%', null)))).toHaveLength(10 * 21);
    expect(few.glue.calls).toEqual({ GetDatabases: 0, GetTables: 0, GetTable: 10 });
  });

  it('access rules filter the cached listing, per user', async () => {
    const { glue, ask } = setup(catalog(1, 10_000), (t) => !t.endsWith('7'));
    expect(rows(await ask(trino.getTables('hive', 'db_0', null, null)))).toHaveLength(9_000);
    expect(glue.total).toBe(101);
  });
});
