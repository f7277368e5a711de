import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BasicAuth, Trino, type QueryResult } from 'trino-client';
import { MANY_TYPES_COLUMNS, MANY_TYPES_VALUES, startAthenaClientServer, type AthenaClientServer } from './athena-server.js';

/**
 * trino-client (X-Trino-* headers) against Athena targets, where test/e2e/athena.test.ts does not
 * go: catalog discovery answered by the gateway from Glue, and the row of many types the other
 * clients read. Large results, failures and cancel through trino-client are in athena.test.ts.
 */
let athena: AthenaClientServer;
beforeAll(async () => {
  athena = await startAthenaClientServer();
});
afterAll(async () => {
  await athena?.close();
});
beforeEach(() => athena.reset());

async function collect(sql: string): Promise<{ columns: QueryResult['columns']; rows: unknown[][] }> {
  const client = Trino.create({ server: athena.server.url, auth: new BasicAuth('alice'), catalog: 'hive', schema: 'mydatabase' });
  const rows: unknown[][] = [];
  let columns: QueryResult['columns'];
  for await (const page of await client.query(sql)) {
    if (page.error) throw Object.assign(new Error(page.error.message), { error: page.error });
    if (page.columns) columns = page.columns;
    if (page.data) rows.push(...page.data);
  }
  return { columns, rows };
}

describe('trino-client against Athena', () => {
  it('discovers catalogs, schemas, tables and columns from Glue, without running anything in Athena', async () => {
    expect((await collect('SHOW CATALOGS')).rows).toContainEqual(['hive']);
    expect((await collect('SHOW SCHEMAS FROM hive')).rows).toEqual(expect.arrayContaining([['mydatabase'], ['sales']]));
    const tables = await collect('SHOW TABLES');
    expect(tables.columns!.map((c) => c.name)).toEqual(['Table']);
    expect(tables.rows).toEqual([['big'], ['many_types'], ['running']]);
    const described = await collect('DESCRIBE big');
    expect(described.columns!.map((c) => c.name)).toEqual(['Column', 'Type', 'Extra', 'Comment']);
    expect(described.rows.map((r) => r.slice(0, 3))).toEqual([['id', 'varchar', ''], ['name', 'varchar', ''], ['score', 'varchar', ''], ['dt', 'varchar', 'partition key']]);
    await expect(collect('DESCRIBE nope')).rejects.toMatchObject({ error: { errorName: 'TABLE_NOT_FOUND' } });
    expect(athena.fake().started).toEqual([]);
  });

  it('reads a row of many types as Athena returns it, with their names and types', async () => {
    const { columns, rows } = await collect('SELECT * FROM many_types');
    expect(columns!.map((c) => [c.name, c.type])).toEqual(MANY_TYPES_COLUMNS);
    expect(rows).toEqual([MANY_TYPES_VALUES]);
  });
});
