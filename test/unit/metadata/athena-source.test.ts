import { AthenaClient, GetTableMetadataCommand, ListDatabasesCommand, ListTableMetadataCommand, MetadataException, type TableMetadata } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsMetadataSource, GLUE_DATA_CATALOG } from '../../../lambdas/adapters/aws/metadata/index.js';
import { answerMetadata, createMetadataDeps } from '../../../lambdas/core/metadata/answer.js';
import { mockGlue, SAMPLE_CATALOG } from './glue-mock.js';
import { trino } from './queries.js';
import { alice, rows } from './support.js';

/**
 * A federated data catalog read through Athena's metadata APIs (ListDatabases,
 * ListTableMetadata pages of 50 with columns, GetTableMetadata), next to the Glue catalog.
 */
const athena = mockClient(AthenaClient);
afterEach(() => athena.reset());

const created = new Date('2024-05-01T10:00:00Z');
function tableMetadata(name: string, i: number): TableMetadata {
  return {
    Name: name,
    CreateTime: created,
    LastAccessTime: created,
    TableType: i % 10 === 0 ? 'VIRTUAL_VIEW' : 'EXTERNAL_TABLE',
    Columns: [
      { Name: 'id', Type: 'bigint', Comment: 'the id' },
      { Name: 'payload', Type: 'struct<a:int,b:array<string>>' },
    ],
    PartitionKeys: [{ Name: 'region', Type: 'string' }],
    Parameters: { comment: `table ${name}`, EXTERNAL: 'TRUE' },
  };
}

const TABLES = Array.from({ length: 120 }, (_, i) => tableMetadata(`t${String(i).padStart(3, '0')}`, i));

function mockAthena() {
  const calls = { ListDatabases: 0, ListTableMetadata: 0, GetTableMetadata: 0 };
  athena.on(ListDatabasesCommand).callsFake((input: { CatalogName: string; NextToken?: string; MaxResults?: number }) => {
    calls.ListDatabases++;
    expect(input.CatalogName).toBe('dynamo_catalog');
    expect(input.MaxResults).toBe(50);
    return { DatabaseList: [{ Name: 'default', Description: 'Default', Parameters: {} }, { Name: 'events' }] };
  });
  athena.on(ListTableMetadataCommand).callsFake((input: { DatabaseName: string; NextToken?: string; MaxResults?: number }) => {
    calls.ListTableMetadata++;
    if (input.DatabaseName !== 'events') return { TableMetadataList: [] };
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const end = start + (input.MaxResults ?? 50);
    return { TableMetadataList: TABLES.slice(start, end), ...(end < TABLES.length ? { NextToken: String(end) } : {}) };
  });
  athena.on(GetTableMetadataCommand).callsFake((input: { DatabaseName: string; TableName: string }) => {
    calls.GetTableMetadata++;
    const found = input.DatabaseName === 'events' ? TABLES.find((t) => t.Name === input.TableName) : undefined;
    if (!found) throw new MetadataException({ message: `Table ${input.TableName} not found`, $metadata: {} });
    return { TableMetadata: found };
  });
  return calls;
}

describe('catalogs read through Athena', () => {
  it('lists catalogs, schemas, tables (pages of 50) and columns next to the Glue catalog', async () => {
    const calls = mockAthena();
    const glue = mockGlue(SAMPLE_CATALOG);
    const source = awsMetadataSource({ catalogs: { hive: { athenaCatalog: GLUE_DATA_CATALOG }, dynamo: { athenaCatalog: 'dynamo_catalog' } }, glue: glue.client, athena: new AthenaClient({ region: 'us-east-1' }) });
    expect(source.tablesPerCall).toBe(50);
    const deps = createMetadataDeps({ source, canSee: () => true, version: 'v' });
    const ask = (sql: string) => answerMetadata(sql, { catalog: 'dynamo', schema: 'events' }, alice, deps);

    expect(rows(await ask(trino.getCatalogs()))).toEqual([['dynamo'], ['hive']]);
    expect(rows(await ask(trino.getSchemas('dynamo', null)))).toEqual([['default', 'dynamo'], ['events', 'dynamo'], ['information_schema', 'dynamo']]);
    const tables = rows(await ask(trino.getTables('dynamo', 'events', null, ['TABLE', 'VIEW'])));
    expect(tables).toHaveLength(120);
    expect(tables[0]).toEqual(['dynamo', 'events', 't001', 'TABLE', null, null, null, null, null, null]);
    expect(tables.filter((t) => t[3] === 'VIEW')).toHaveLength(12);
    expect(calls).toEqual({ ListDatabases: 1, ListTableMetadata: 3, GetTableMetadata: 0 });

    // ListTableMetadata carried the columns: getColumns over the schema costs nothing more.
    const columns = rows(await ask(trino.getColumns('dynamo', 'events', 't00%', null)));
    expect(columns).toHaveLength(10 * 3);
    expect(columns[0]!.slice(3, 7)).toEqual(['id', -5, 'bigint', 19]);
    expect(columns[1]!.slice(3, 6)).toEqual(['payload', 2000, 'row(a integer, b array(varchar))']);
    expect(rows(await ask('DESCRIBE t005'))).toEqual([
      ['id', 'bigint', '', 'the id'],
      ['payload', 'row(a integer, b array(varchar))', '', ''],
      ['region', 'varchar', 'partition key', ''],
    ]);
    expect(calls).toEqual({ ListDatabases: 1, ListTableMetadata: 3, GetTableMetadata: 0 });
    expect(glue.total).toBe(0);
    glue.mock.restore();
  });

  it('one table by name is one GetTableMetadata; a missing one is TABLE_NOT_FOUND', async () => {
    const calls = mockAthena();
    const glue = mockGlue(SAMPLE_CATALOG);
    const source = awsMetadataSource({ catalogs: { dynamo: { athenaCatalog: 'dynamo_catalog' } }, glue: glue.client, athena: new AthenaClient({ region: 'us-east-1' }), workGroup: 'bifrost-adhoc' });
    const deps = createMetadataDeps({ source, canSee: () => true, version: 'v' });
    const ask = (sql: string) => answerMetadata(sql, { catalog: 'dynamo', schema: 'events' }, alice, deps);
    expect(rows(await ask(trino.getColumns('dynamo', 'events', 't042', null)))).toHaveLength(3);
    await expect(ask('SHOW COLUMNS FROM t999')).rejects.toMatchObject({ error: { errorName: 'TABLE_NOT_FOUND', message: "line 1:1: Table 'dynamo.events.t999' does not exist" } });
    expect(calls).toEqual({ ListDatabases: 1, ListTableMetadata: 0, GetTableMetadata: 2 });
    expect(athena.commandCalls(GetTableMetadataCommand)[0]!.args[0].input).toEqual({ CatalogName: 'dynamo_catalog', WorkGroup: 'bifrost-adhoc', DatabaseName: 'events', TableName: 't042' });
    glue.mock.restore();
  });

  it('without catalogs configured, the Glue catalog is awsdatacatalog', async () => {
    const glue = mockGlue(SAMPLE_CATALOG);
    const deps = createMetadataDeps({ source: awsMetadataSource({ catalogs: {}, glue: glue.client }), canSee: () => true, version: 'v' });
    expect(rows(await answerMetadata('SHOW CATALOGS', {}, alice, deps))).toEqual([['awsdatacatalog']]);
    glue.mock.restore();
  });
});
