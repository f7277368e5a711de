import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, type ColumnInfo } from '@aws-sdk/client-athena';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AthenaEngine } from '../../../lambdas/adapters/aws/athena/athena-engine.js';
import type { ClientSession } from '../../../lambdas/core/ports/index.js';
import { formatType } from '../../../lambdas/core/protocol/sql-types.js';

/**
 * Tableau probes custom SQL with `SELECT * FROM (<sql>) "Custom SQL Query" LIMIT 0` and needs the
 * columns back. Athena answers a zero-row SELECT with the column metadata and, on the first page,
 * only the header row; its result file holds the header line (or nothing). The Athena engine must
 * return typed columns and no rows on both the API path and the S3 path.
 */
const athena = mockClient(AthenaClient);
const s3 = mockClient(S3Client);
afterEach(() => {
  athena.reset();
  s3.reset();
});

const EXECUTION_ID = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
const OUTPUT = `s3://athena-results-bucket/bifrost/${EXECUTION_ID}.csv`;
const PROBE = 'SELECT * FROM (SELECT order_id, total, ordered_at FROM orders WHERE status = \'open\') "Custom SQL Query" LIMIT 0';

const COLUMNS: ColumnInfo[] = [
  { CatalogName: 'hive', SchemaName: '', TableName: '', Name: 'order_id', Label: 'order_id', Type: 'bigint', Precision: 19, Scale: 0, Nullable: 'UNKNOWN', CaseSensitive: false },
  { CatalogName: 'hive', SchemaName: '', TableName: '', Name: 'total', Label: 'total', Type: 'decimal', Precision: 12, Scale: 2, Nullable: 'UNKNOWN', CaseSensitive: false },
  { CatalogName: 'hive', SchemaName: '', TableName: '', Name: 'ordered_at', Label: 'ordered_at', Type: 'timestamp', Precision: 3, Scale: 0, Nullable: 'UNKNOWN', CaseSensitive: false },
];

const session: ClientSession = { dialect: 'trino', user: 'alice', catalog: 'hive', schema: 'sales', clientTags: [], clientCapabilities: [], properties: {}, resourceEstimates: {}, roles: {}, extraCredentials: {}, preparedStatements: {} };

function serveAthena() {
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: EXECUTION_ID });
  athena.on(GetQueryExecutionCommand).resolves({
    QueryExecution: {
      QueryExecutionId: EXECUTION_ID,
      Query: PROBE,
      StatementType: 'DML',
      SubstatementType: 'SELECT',
      ResultConfiguration: { OutputLocation: OUTPUT },
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'sales' },
      Status: { State: 'SUCCEEDED', SubmissionDateTime: new Date('2024-05-01T10:10:10Z'), CompletionDateTime: new Date('2024-05-01T10:10:11Z') },
      Statistics: { EngineExecutionTimeInMillis: 300, DataScannedInBytes: 0, TotalExecutionTimeInMillis: 900, QueryQueueTimeInMillis: 100 },
      WorkGroup: 'primary',
    },
  });
  athena.on(GetQueryResultsCommand).resolves({
    UpdateCount: 0,
    ResultSet: { Rows: [{ Data: COLUMNS.map((c) => ({ VarCharValue: c.Name })) }], ResultSetMetadata: { ColumnInfo: COLUMNS } },
  });
}

async function probe(engine: AthenaEngine) {
  const { handle } = await engine.submit({ queryId: '20240501_101010_00042_abcde', sql: PROBE, session, target: 'adhoc' });
  return engine.poll(handle, undefined, { maxWaitMs: 1000, maxRows: 1000 });
}

const typed = (page: Awaited<ReturnType<typeof probe>>) => page.columns?.map((c) => `${c.name}:${formatType(c.type)}`);

describe('LIMIT 0 probes on the Athena engine', () => {
  it('GetQueryResults path: columns, no rows (the header row is dropped)', async () => {
    serveAthena();
    const page = await probe(new AthenaEngine({ athena: new AthenaClient({ region: 'us-east-1' }), workgroup: 'primary', tableTypes: false }));
    expect(page.state).toBe('FINISHED');
    expect(typed(page)).toEqual(['order_id:bigint', 'total:decimal(12,2)', 'ordered_at:timestamp(3)']);
    expect(page.rows).toEqual([]);
    expect(page.nextCursor).toBeUndefined();
  });

  it('S3 path, a result file with the header line only', async () => {
    serveAthena();
    const header = Buffer.from('"order_id","total","ordered_at"\n');
    s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => new Uint8Array(header) } as never, ContentRange: `bytes 0-${header.length - 1}/${header.length}`, ETag: '"e1"', Metadata: {} });
    const page = await probe(new AthenaEngine({ athena: new AthenaClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }), workgroup: 'primary', tableTypes: false }));
    expect(typed(page)).toEqual(['order_id:bigint', 'total:decimal(12,2)', 'ordered_at:timestamp(3)']);
    expect(page.rows).toEqual([]);
  });

  it('S3 path, an empty result file (a range request on it is 416)', async () => {
    serveAthena();
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('The requested range is not satisfiable'), { name: 'InvalidRange', $metadata: { httpStatusCode: 416 } }));
    const page = await probe(new AthenaEngine({ athena: new AthenaClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }), workgroup: 'primary', tableTypes: false }));
    expect(typed(page)).toEqual(['order_id:bigint', 'total:decimal(12,2)', 'ordered_at:timestamp(3)']);
    expect(page.rows).toEqual([]);
  });
});
