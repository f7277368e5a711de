import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  GetWorkGroupCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
  type GetQueryResultsOutput,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { AthenaEngine, type AthenaEngineOptions } from '../../../../lambdas/adapters/aws/athena/athena-engine.js';
import { EngineBusyError } from '../../../../lambdas/core/engines/engine.js';
import type { EnginePage, EngineSubmission, PollOptions, ClientSession } from '../../../../lambdas/core/ports/index.js';
import { QueryFailure } from '../../../../lambdas/core/errors.js';
import { formatType } from '../../../../lambdas/core/protocol/sql-types.js';
import { rowEncoder } from '../../../../lambdas/core/protocol/encode.js';
import type { RawValue } from '../../../../lambdas/core/engines/athena/decode.js';
import { AthenaResult, columnInfo, execution, EXECUTION_ID, fixture, RESULT_BUCKET, RESULT_KEY, serveObject } from './support.js';

const athenaMock = mockClient(AthenaClient);
const s3Mock = mockClient(S3Client);
const glueMock = mockClient(GlueClient);

let now = 1_714_558_300_000;
const clock = () => now;
const sleep = async (ms: number) => {
  now += ms;
};

function engine(options: Partial<AthenaEngineOptions> = {}): AthenaEngine {
  return new AthenaEngine({
    athena: new AthenaClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
    workgroup: 'primary',
    clock,
    sleep,
    ...options,
  });
}

function session(patch: Partial<ClientSession> = {}): ClientSession {
  return {
    dialect: 'trino',
    user: 'alice',
    catalog: 'hive',
    schema: 'mydatabase',
    clientTags: [],
    clientCapabilities: [],
    properties: {},
    resourceEstimates: {},
    roles: {},
    extraCredentials: {},
    preparedStatements: {},
    ...patch,
  };
}

function submission(sql: string, patch: Partial<EngineSubmission> = {}): EngineSubmission {
  return { queryId: '20240501_101010_00042_abcde', sql, session: session(), target: 'athena-primary', ...patch };
}

const finished: PollOptions = { maxWaitMs: 1000, maxRows: 20_000, knownState: 'FINISHED', knownStateAt: now };

async function submitted(e: AthenaEngine, sql: string): Promise<string> {
  athenaMock.on(StartQueryExecutionCommand).resolves(fixture('start-query-execution.json'));
  return (await e.submit(submission(sql))).handle;
}

/** Reads every page from the first, checking that each cursor gives the same page twice. */
async function readAll(e: AthenaEngine, handle: string, options: PollOptions = finished): Promise<{ pages: EnginePage[]; rows: unknown[][] }> {
  const pages: EnginePage[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await e.poll(handle, cursor, options);
    pages.push(page);
    if (page.state !== 'FINISHED') throw new Error(`state ${page.state}: ${page.error?.message}`);
    if (cursor !== undefined && pages.length <= 3) expect(await e.poll(handle, cursor, options)).toEqual(page);
    if (page.nextCursor === undefined) break;
    cursor = page.nextCursor;
  }
  return { pages, rows: pages.flatMap((p) => p.rows ?? []) };
}

function serveResults(result: AthenaResult): { calls: () => number } {
  let calls = 0;
  athenaMock.on(GetQueryResultsCommand).callsFake(async (input: { NextToken?: string; MaxResults?: number }) => {
    calls++;
    return result.page(input.NextToken, input.MaxResults);
  });
  return { calls: () => calls };
}

beforeEach(() => {
  athenaMock.reset();
  s3Mock.reset();
  glueMock.reset();
  now = 1_714_558_300_000;
});

// ---------------------------------------------------------------- submit

describe('submit', () => {
  it('starts the query in the workgroup with the session context, parameters and result reuse', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves(fixture('start-query-execution.json'));
    const e = engine({ resultReuse: { enabled: true, maxAgeMinutes: 30 } });
    const out = await e.submit(submission('SELECT * FROM flights WHERE year = ? AND carrier = ?', { parameters: ['2024', "'AA'"] }));
    expect(out.engineQueryId).toBe(EXECUTION_ID);
    expect(out.state).toBe('QUEUED');
    expect(JSON.parse(out.handle)).toMatchObject({ id: EXECUTION_ID, wg: 'primary', k: 'query' });
    const input = athenaMock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      QueryString: 'SELECT * FROM flights WHERE year = ? AND carrier = ?',
      WorkGroup: 'primary',
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'mydatabase' },
      ExecutionParameters: ['2024', "'AA'"],
      ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 30 } },
    });
    expect(input.ClientRequestToken!.length).toBeGreaterThanOrEqual(32);
    expect(input.ClientRequestToken!.length).toBeLessThanOrEqual(128);
    expect(input.ClientRequestToken).toContain('20240501_101010_00042_abcde');
  });

  it('derives the same ClientRequestToken on a retry, another one on another workgroup', async () => {
    const byToken = new Map<string, string>();
    athenaMock.on(StartQueryExecutionCommand).callsFake(async (input: { ClientRequestToken: string }) => {
      if (!byToken.has(input.ClientRequestToken)) byToken.set(input.ClientRequestToken, `exec-${byToken.size + 1}`);
      return { QueryExecutionId: byToken.get(input.ClientRequestToken) };
    });
    const first = await engine().submit(submission('SELECT 1'));
    const retry = await engine().submit(submission('SELECT 1'));
    const fallback = await engine({ workgroup: 'ondemand' }).submit(submission('SELECT 1'));
    expect(retry.engineQueryId).toBe(first.engineQueryId);
    expect(fallback.engineQueryId).not.toBe(first.engineQueryId);
    expect(byToken.size).toBe(2);
  });

  it('maps the catalog, passes unknown catalogs through and omits an empty context', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves(fixture('start-query-execution.json'));
    await engine({ catalogs: { lake: 'LakeCatalog' } }).submit(submission('SELECT 1', { session: session({ catalog: 'lake' }) }));
    await engine().submit(submission('SELECT 1', { session: session({ catalog: 'dynamo', schema: undefined }) }));
    await engine().submit(submission('SELECT 1', { session: session({ catalog: undefined, schema: undefined }) }));
    const inputs = athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(inputs[0]!.QueryExecutionContext).toEqual({ Catalog: 'LakeCatalog', Database: 'mydatabase' });
    expect(inputs[1]!.QueryExecutionContext).toEqual({ Catalog: 'dynamo' });
    expect(inputs[2]!.QueryExecutionContext).toBeUndefined();
  });

  it('binds parameters into the text when Athena could not take them', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves(fixture('start-query-execution.json'));
    const long = `'${'x'.repeat(1100)}'`;
    await engine().submit(submission('SELECT ? AS a', { parameters: [long] }));
    const input = athenaMock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(input.QueryString).toBe(`SELECT ${long} AS a`);
    expect(input.ExecutionParameters).toBeUndefined();
  });

  it('sends SHOW and DESCRIBE in Athena\'s DDL dialect', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves(fixture('start-query-execution.json'));
    const out = await engine().submit(submission('SHOW TABLES FROM hive.sales'));
    expect(JSON.parse(out.handle).k).toBe('show-tables');
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toMatchObject({ QueryString: 'SHOW TABLES IN `sales`', QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'sales' } });
  });

  it('throws EngineBusyError on TooManyRequestsException, so routing can fall back or keep the query queued', async () => {
    const body = JSON.parse((await import('./support.js')).wireFixture('error-too-many-requests.json')) as { Message: string; Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' };
    athenaMock.on(StartQueryExecutionCommand).rejects(new TooManyRequestsException({ message: body.Message, Reason: body.Reason, $metadata: { httpStatusCode: 400 } }));
    const error = await engine().submit(submission('SELECT 1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineBusyError);
    expect((error as EngineBusyError).reason).toBe('CONCURRENT_QUERY_LIMIT_EXCEEDED');
    expect((error as Error).message).toContain('primary');
  });

  it('fails the query with Athena\'s message on InvalidRequestException', async () => {
    athenaMock.on(StartQueryExecutionCommand).rejects(new InvalidRequestException({ message: 'Database nope does not exist or requester is not authorized to access requested resources', AthenaErrorCode: 'INVALID_INPUT', $metadata: { httpStatusCode: 400 } }));
    const error = await engine().submit(submission('SELECT 1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryFailure);
    expect((error as QueryFailure).error).toMatchObject({ errorName: 'SCHEMA_NOT_FOUND', message: 'Database nope does not exist or requester is not authorized to access requested resources' });
  });

  it('looks up the table to type complex columns, in parallel with the start', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves(fixture('start-query-execution.json'));
    glueMock.on(GetTableCommand).resolves({ Table: { Name: 'events', DatabaseName: 'mydatabase', StorageDescriptor: { Columns: [{ Name: 'id', Type: 'bigint' }, { Name: 'scores', Type: 'array<int>' }, { Name: 'tags', Type: 'array<string>' }] }, PartitionKeys: [{ Name: 'dt', Type: 'string' }] } });
    const out = await engine({ glue: new GlueClient({ region: 'us-east-1' }) }).submit(submission('SELECT * FROM events'));
    expect(JSON.parse(out.handle).h).toEqual({ '1': ['array(integer)', 'scores'] });
    expect(glueMock.commandCalls(GetTableCommand)[0]!.args[0].input).toEqual({ DatabaseName: 'mydatabase', Name: 'events' });
  });

  it('uses Athena\'s GetTableMetadata without Glue, and submits anyway when metadata fails', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves(fixture('start-query-execution.json'));
    athenaMock.on(GetTableMetadataCommand).resolves({ TableMetadata: { Name: 'events', Columns: [{ Name: 'scores', Type: 'array<bigint>' }] } });
    const typed = await engine().submit(submission('SELECT scores FROM mydatabase.events'));
    expect(JSON.parse(typed.handle).h).toEqual({ '0': ['array(bigint)', 'scores'] });
    athenaMock.on(GetTableMetadataCommand).rejects(new Error('AccessDenied'));
    const untyped = await engine().submit(submission('SELECT scores FROM mydatabase.events'));
    expect(JSON.parse(untyped.handle).h).toBeUndefined();
  });
});

// ---------------------------------------------------------------- states

describe('poll: states', () => {
  it('reports a running query with its statistics, calling GetQueryExecution a few times within the wait', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-running.json'));
    const e = engine();
    const handle = await submitted(e, 'SELECT 1');
    const page = await e.poll(handle, undefined, { maxWaitMs: 1000, maxRows: 100, knownState: 'RUNNING', knownStateAt: now - 5000 });
    expect(page.state).toBe('RUNNING');
    expect(page.stats).toMatchObject({ queuedTimeMillis: 157, elapsedTimeMillis: 1021 });
    expect(page.rows).toBeUndefined();
    expect(athenaMock.commandCalls(GetQueryExecutionCommand)).toHaveLength(2);
  });

  it('trusts a state recorded moments ago instead of calling Athena', async () => {
    const e = engine();
    const handle = await submitted(e, 'SELECT 1');
    const start = now;
    const page = await e.poll(handle, undefined, { maxWaitMs: 100, maxRows: 100, knownState: 'QUEUED', knownStateAt: now });
    expect(page).toEqual({ state: 'QUEUED' });
    expect(athenaMock.commandCalls(GetQueryExecutionCommand)).toHaveLength(0);
    // Held for the poll's wait all the same: a client that got QUEUED at once would ask again at once.
    expect(now - start).toBe(100);
  });

  it('answers as soon as the query finishes during the wait', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolvesOnce(execution('get-query-execution-running.json')).resolves(execution('get-query-execution-select-succeeded.json'));
    const result = new AthenaResult([columnInfo('x', 'integer', 10)], [['1']]);
    serveResults(result);
    serveObject(s3Mock, RESULT_BUCKET, RESULT_KEY, result.csv());
    const e = engine();
    const handle = await submitted(e, 'SELECT 1 AS x');
    const page = await e.poll(handle, undefined, { maxWaitMs: 1000, maxRows: 100, knownState: 'RUNNING', knownStateAt: now - 5000 });
    expect(page).toMatchObject({ state: 'FINISHED', rows: [[1]], stats: { physicalInputBytes: 203089 } });
    expect(page.columns!.map((c) => [c.name, formatType(c.type)])).toEqual([['x', 'integer']]);
  });

  it('reports failures with the mapped error and Athena\'s message', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-failed-column.json'));
    const e = engine();
    const handle = await submitted(e, 'SELECT x FROM cloudfront_logs');
    const page = await e.poll(handle, undefined, { maxWaitMs: 0, maxRows: 100, knownState: 'RUNNING', knownStateAt: 0 });
    expect(page.state).toBe('FAILED');
    expect(page.error).toMatchObject({ errorName: 'COLUMN_NOT_FOUND', errorType: 'USER_ERROR', errorLocation: { lineNumber: 1, columnNumber: 8 } });
  });

  it('reports a cancelled query as CANCELED, and the scan limit as a failure', async () => {
    const e = engine();
    const handle = await submitted(e, 'SELECT * FROM cloudfront_logs');
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-cancelled.json'));
    expect(await e.poll(handle, undefined, { maxWaitMs: 0, maxRows: 100 })).toMatchObject({ state: 'CANCELED', error: { errorName: 'USER_CANCELED' } });
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-cancelled-scan-limit.json'));
    expect(await e.poll(handle, undefined, { maxWaitMs: 0, maxRows: 100 })).toMatchObject({ state: 'FAILED', error: { errorName: 'EXCEEDED_SCAN_LIMIT' } });
  });

  it('calls GetQueryExecution once for a query known to be finished, and never for later pages', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-select-succeeded.json'));
    const result = new AthenaResult([columnInfo('n', 'bigint', 19)], Array.from({ length: 2500 }, (_, i) => [String(i)]));
    serveResults(result);
    const e = engine({ csvFastPath: false });
    const handle = await submitted(e, 'SELECT n FROM t');
    const { rows, pages } = await readAll(e, handle);
    expect(rows).toHaveLength(2500);
    expect(pages).toHaveLength(3);
    expect(athenaMock.commandCalls(GetQueryExecutionCommand)).toHaveLength(1);
  });
});

// ---------------------------------------------------------------- results through the API

describe('poll: results through GetQueryResults', () => {
  beforeEach(() => {
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-select-succeeded.json'));
  });

  it('returns exactly the rows Athena holds over 60 pages: the header row only leaves the first page', async () => {
    const labels = ['id', 'name'];
    const rows: RawValue[][] = Array.from({ length: 59_500 }, (_, i) => [String(i), `name ${i}`]);
    // A data row that looks like the header, at the start of page 2 and at the start of page 30:
    // Odin lost one row per page by dropping such rows.
    rows[999] = [...labels];
    rows[28_999] = [...labels];
    const result = new AthenaResult([columnInfo('id', 'varchar', 2147483647), columnInfo('name', 'varchar', 2147483647)], rows);
    const served = serveResults(result);
    const e = engine({ csvFastPath: false });
    const handle = await submitted(e, 'SELECT id, name FROM t');
    const { rows: out, pages } = await readAll(e, handle);
    expect(result.pageCount()).toBe(60);
    expect(served.calls()).toBe(60 + 2); // 60 pages, and the determinism checks of pages 2 and 3
    expect(pages).toHaveLength(60);
    expect(out).toHaveLength(59_500);
    expect(out).toEqual(rows);
  });

  it('decodes every type', async () => {
    const out = fixture<GetQueryResultsOutput>('get-query-results-all-types.json');
    athenaMock.on(GetQueryResultsCommand).resolves(out);
    const e = engine({ csvFastPath: false });
    const handle = await submitted(e, 'SELECT * FROM all_types');
    const page = await e.poll(handle, undefined, finished);
    expect(page.columns!.map((c) => c.name)).toEqual(out.ResultSet!.ResultSetMetadata!.ColumnInfo!.map((c) => c.Name));
    expect(page.rows).toHaveLength(3);
    expect(page.rows![0]!.slice(0, 11)).toEqual([true, 127, 32767, 2147483647, '9223372036854775807', Number('3.4028235E38'), 1e10, '12.30', 'ab ', 'héllo, "world"\nline 2', new Uint8Array([0x48, 0x65, 0x6c])]);
    expect(page.rows![1]![5]).toBeNaN();
    expect(page.rows![1]![9]).toBe('');
    expect(page.rows![2]).toEqual(new Array(23).fill(null));
    expect(page.nextCursor).toBeUndefined();
  });

  it('types complex columns from hints, and keeps them varchar when the values do not read back', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves({ TableMetadata: { Name: 'events', Columns: [{ Name: 'scores', Type: 'array<int>' }, { Name: 'dims', Type: 'map<int,double>' }] } });
    const result = new AthenaResult([columnInfo('scores', 'array'), columnInfo('dims', 'map')], [['[1, 2, null]', '{1=2.5}'], [null, '{}'], ['[]', 'not a map']]);
    serveResults(result);
    const e = engine({ csvFastPath: false });
    const handle = await submitted(e, 'SELECT * FROM events');
    const page = await e.poll(handle, undefined, finished);
    expect(page.columns!.map((c) => formatType(c.type))).toEqual(['array(integer)', 'varchar']);
    expect(page.rows).toEqual([[[1, 2, null], '{1=2.5}'], [null, '{}'], [[], 'not a map']]);
  });
});

// ---------------------------------------------------------------- the S3 fast path

describe('poll: results from the result CSV in S3', () => {
  const tricky: RawValue[][] = [
    ['1', 'plain', '1.5', 'true'],
    ['2', '', null, 'false'],
    ['3', 'comma, "quotes" and\nnew lines\r\nhere', '-0.0', null],
    ['4', 'ünïcødé ✓ 𝄞', 'NaN', 'true'],
    ['5', '"', '1.0E-7', 'false'],
    ['6', 'id,name', 'Infinity', 'true'],
    ...Array.from({ length: 3000 }, (_, i): RawValue[] => [String(7 + i), i % 7 === 0 ? null : `row ${i} ${'x'.repeat(i % 50)}`, `${i}.25`, i % 2 ? 'true' : 'false']),
  ];
  const columns = [columnInfo('id', 'bigint', 19), columnInfo('name', 'varchar', 2147483647), columnInfo('v', 'double', 17), columnInfo('ok', 'boolean')];

  beforeEach(() => {
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-select-succeeded.json'));
  });

  it('gives the same columns and rows as GetQueryResults, with no Athena call per page', async () => {
    const result = new AthenaResult(columns, tricky);
    const served = serveResults(result);
    const object = serveObject(s3Mock, RESULT_BUCKET, RESULT_KEY, result.csv());
    const api = engine({ csvFastPath: false });
    const fast = engine({ pageBytes: 20_000, csvReadBytes: 4096 });
    const apiHandle = await submitted(api, 'SELECT * FROM t');
    const fastHandle = await submitted(fast, 'SELECT * FROM t');
    const viaApi = await readAll(api, apiHandle);
    const callsBefore = served.calls();
    const viaCsv = await readAll(fast, fastHandle);
    expect(viaCsv.rows).toEqual(viaApi.rows);
    expect(viaCsv.rows).toHaveLength(tricky.length);
    expect(viaCsv.pages.map((p) => p.columns)).toEqual(viaCsv.pages.map(() => viaApi.pages[0]!.columns));
    expect(viaCsv.pages.length).toBeGreaterThan(3);
    // One GetQueryResults (MaxResults 1) for the column metadata; every page after that is S3 only.
    expect(served.calls() - callsBefore).toBe(1);
    expect(object.ranges.length).toBeGreaterThanOrEqual(viaCsv.pages.length);
    expect(object.ranges[0]).toMatch(/^bytes=0-\d+$/);
  });

  it('gives pages identical to the API path when cut to the same size', async () => {
    const result = new AthenaResult(columns, tricky);
    serveResults(result);
    serveObject(s3Mock, RESULT_BUCKET, RESULT_KEY, result.csv());
    const api = engine({ csvFastPath: false });
    const fast = engine();
    const options = { ...finished, maxRows: 500 };
    const viaApi = await readAll(api, await submitted(api, 'SELECT * FROM t'), options);
    const viaCsv = await readAll(fast, await submitted(fast, 'SELECT * FROM t'), options);
    // The API path's first page is one row shorter: it carries the header row.
    expect(viaApi.pages.map((p) => p.rows!.length)).toEqual([499, ...new Array(5).fill(500), 7]);
    expect(viaCsv.rows).toEqual(viaApi.rows);
    expect(viaCsv.pages.every((p) => p.rows!.length <= 500)).toBe(true);
  });

  it('writes the rows as the protocol JSON when asked (spooled polls), exactly as the gateway renders the decoded rows', async () => {
    const result = new AthenaResult(columns, tricky);
    serveResults(result);
    serveObject(s3Mock, RESULT_BUCKET, RESULT_KEY, result.csv());
    const e = engine({ csvReadBytes: 4096 });
    const decoded = await readAll(e, await submitted(e, 'SELECT * FROM t'), { ...finished, maxBytes: 30_000 });
    const asJson = await readAll(e, await submitted(e, 'SELECT * FROM t'), { ...finished, maxBytes: 30_000, jsonRows: { millisecondDatetimes: true } });
    expect(asJson.pages.every((p) => p.rows === undefined && p.jsonRows !== undefined)).toBe(true);
    expect(asJson.pages.length).toBeGreaterThan(3);
    const texts = asJson.pages.flatMap((p) => {
      const { bytes, ends, count } = p.jsonRows!;
      return Array.from({ length: count }, (_, i) => Buffer.from(bytes.subarray(i === 0 ? 0 : ends[i - 1]! + 1, ends[i]!)).toString('utf8'));
    });
    const encode = rowEncoder(decoded.pages[0]!.columns!.map((c) => c.type));
    expect(texts).toEqual(decoded.rows.map(encode));
    expect(asJson.pages.map((p) => p.columns)).toEqual(asJson.pages.map(() => decoded.pages[0]!.columns));
  });

  it('falls back to GetQueryResults when S3 refuses the read', async () => {
    const result = new AthenaResult(columns, tricky.slice(0, 10));
    serveResults(result);
    const object = serveObject(s3Mock, RESULT_BUCKET, RESULT_KEY, result.csv(), { denied: true });
    const e = engine();
    const page = await e.poll(await submitted(e, 'SELECT * FROM t'), undefined, finished);
    expect(page.rows).toEqual(new AthenaResult(columns, tricky.slice(0, 10)).rows.map((r) => [Number(r[0]), r[1] ?? null, r[2] === null ? null : Number(r[2]), r[3] == null ? null : r[3] === 'true']));
    expect(object.ranges).toHaveLength(1);
    // The bucket is remembered: the next query goes straight to the API.
    await e.poll(await submitted(e, 'SELECT * FROM t'), undefined, finished);
    expect(object.ranges).toHaveLength(1);
  });

  it('never reads CSE_KMS results from S3, and falls back on client-side encrypted objects', async () => {
    const result = new AthenaResult(columns, tricky.slice(0, 10));
    serveResults(result);
    athenaMock.on(GetQueryExecutionCommand).resolves(
      execution('get-query-execution-select-succeeded.json', { ResultConfiguration: { OutputLocation: `s3://${RESULT_BUCKET}/${RESULT_KEY}`, EncryptionConfiguration: { EncryptionOption: 'CSE_KMS', KmsKey: 'arn:aws:kms:us-east-1:111122223333:key/abc' } } }),
    );
    const e = engine();
    expect((await e.poll(await submitted(e, 'SELECT * FROM t'), undefined, finished)).rows).toHaveLength(10);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);

    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-select-succeeded.json'));
    serveObject(s3Mock, RESULT_BUCKET, RESULT_KEY, Buffer.from('ciphertext'), { clientSideEncrypted: true });
    const other = engine();
    expect((await other.poll(await submitted(other, 'SELECT * FROM t'), undefined, finished)).rows).toHaveLength(10);
  });

  it('reads an empty result', async () => {
    const result = new AthenaResult(columns, []);
    serveResults(result);
    serveObject(s3Mock, RESULT_BUCKET, RESULT_KEY, result.csv());
    const e = engine();
    const page = await e.poll(await submitted(e, 'SELECT * FROM t WHERE false'), undefined, finished);
    expect(page).toMatchObject({ state: 'FINISHED', rows: [] });
    expect(page.columns).toHaveLength(4);
    expect(page.nextCursor).toBeUndefined();
  });
});

// ---------------------------------------------------------------- statements

describe('poll: DDL, INSERT, SHOW and DESCRIBE', () => {
  it('answers DDL with Trino\'s result column and updateType', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-ddl.json'));
    athenaMock.on(GetQueryResultsCommand).resolves(fixture('get-query-results-ddl.json'));
    const e = engine();
    const dropped = await e.poll(await submitted(e, 'DROP TABLE elb_logs'), undefined, finished);
    expect(dropped).toMatchObject({ state: 'FINISHED', rows: [[true]], update: { type: 'DROP TABLE' } });
    expect(dropped.columns!.map((c) => [c.name, formatType(c.type)])).toEqual([['result', 'boolean']]);
    const created = await e.poll(await submitted(e, "CREATE EXTERNAL TABLE elb_logs (request_timestamp string) LOCATION 's3://amzn-s3-demo-bucket/elb/'"), undefined, finished);
    expect(created).toMatchObject({ rows: [[true]], update: { type: 'CREATE TABLE' } });
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('answers INSERT and CTAS with the rows column and Athena\'s UpdateCount', async () => {
    athenaMock.on(GetQueryResultsCommand).resolves(fixture('get-query-results-insert.json'));
    const e = engine();
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-insert.json'));
    const inserted = await e.poll(await submitted(e, 'INSERT INTO flights_copy SELECT * FROM flights'), undefined, finished);
    expect(inserted).toMatchObject({ state: 'FINISHED', rows: [[42]], update: { type: 'INSERT', count: 42 } });
    expect(inserted.columns!.map((c) => [c.name, formatType(c.type)])).toEqual([['rows', 'bigint']]);
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-ctas.json'));
    const ctas = await e.poll(await submitted(e, 'CREATE TABLE flights_2024 AS SELECT * FROM flights WHERE year = 2024'), undefined, finished);
    expect(ctas).toMatchObject({ rows: [[42]], update: { type: 'CREATE TABLE', count: 42 } });
  });

  it('answers SHOW TABLES and DESCRIBE with Trino\'s columns', async () => {
    const e = engine();
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-show-tables.json'));
    athenaMock.on(GetQueryResultsCommand).resolves(fixture('get-query-results-show-tables.json'));
    const tables = await e.poll(await submitted(e, 'SHOW TABLES'), undefined, finished);
    expect(tables).toMatchObject({ state: 'FINISHED', rows: [['cloudfront_logs'], ['elb_logs'], ['flights']] });
    expect(tables.columns!.map((c) => c.name)).toEqual(['Table']);
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-describe.json'));
    athenaMock.on(GetQueryResultsCommand).resolves(fixture('get-query-results-describe.json'));
    const described = await e.poll(await submitted(e, 'SHOW COLUMNS FROM elb_logs'), undefined, finished);
    expect(described.columns!.map((c) => c.name)).toEqual(['Column', 'Type', 'Extra', 'Comment']);
    expect(described.rows).toContainEqual(['dt', 'varchar', 'partition key', '']);
    expect(described.nextCursor).toBeUndefined();
  });

  it('pages long SHOW output without a header row', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('get-query-execution-show-tables.json'));
    const names = Array.from({ length: 2345 }, (_, i) => `table_${i}`);
    let first = true;
    athenaMock.on(GetQueryResultsCommand).callsFake(async (input: { NextToken?: string; MaxResults: number }) => {
      const start = input.NextToken ? Number(input.NextToken) : 0;
      first = false;
      const slice = names.slice(start, start + input.MaxResults);
      return { UpdateCount: 0, ResultSet: { Rows: slice.map((n) => ({ Data: [{ VarCharValue: n }] })), ResultSetMetadata: { ColumnInfo: [columnInfo('tab_name', 'string')] } }, ...(start + input.MaxResults < names.length ? { NextToken: String(start + input.MaxResults) } : {}) };
    });
    const e = engine();
    const { rows } = await readAll(e, await submitted(e, 'SHOW TABLES'));
    expect(first).toBe(false);
    expect(rows).toEqual(names.map((n) => [n]));
  });
});

// ---------------------------------------------------------------- cancel, health

describe('cancel and health', () => {
  it('stops the query, and ignores a query that already ended', async () => {
    athenaMock.on(StopQueryExecutionCommand).resolves({});
    const e = engine();
    const handle = await submitted(e, 'SELECT 1');
    await e.cancel(handle);
    expect(athenaMock.commandCalls(StopQueryExecutionCommand)[0]!.args[0].input).toEqual({ QueryExecutionId: EXECUTION_ID });
    athenaMock.on(StopQueryExecutionCommand).rejects(new InvalidRequestException({ message: 'Query has already finished', $metadata: {} }));
    await expect(e.cancel(handle)).resolves.toBeUndefined();
  });

  it('reports the workgroup\'s health', async () => {
    athenaMock.on(GetWorkGroupCommand).resolves({ WorkGroup: { Name: 'primary', State: 'ENABLED' } });
    expect(await engine().health()).toEqual({ healthy: true });
    athenaMock.on(GetWorkGroupCommand).resolves({ WorkGroup: { Name: 'primary', State: 'DISABLED' } });
    expect(await engine().health()).toMatchObject({ healthy: false });
  });

  it('refuses a handle or cursor it did not make', async () => {
    await expect(engine().poll('{"v":2}', undefined, finished)).rejects.toThrow(/handle/);
    const handle = await submitted(engine(), 'SELECT 1');
    await expect(engine().poll(handle, '{"p":"zip"}', finished)).rejects.toThrow(/cursor/);
  });
});
