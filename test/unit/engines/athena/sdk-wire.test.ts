import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaEngine } from '../../../../lambdas/adapters/aws/athena/athena-engine.js';
import { EngineBusyError } from '../../../../lambdas/core/engines/engine.js';
import { QueryFailure } from '../../../../lambdas/core/errors.js';
import { formatType } from '../../../../lambdas/core/protocol/sql-types.js';
import { wireFixture } from './support.js';

/**
 * The fixtures go through the real SDK: its JSON protocol deserializer turns them into the objects
 * the engine reads (timestamps into Dates, errors into exception classes). This proves the
 * fixtures are valid Athena responses and that the engine works on what the SDK really returns.
 */
function athenaOnTheWire(routes: Record<string, { status?: number; file: string }>): { client: AthenaClient; targets: string[] } {
  const targets: string[] = [];
  const client = new AthenaClient({
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        const target = request.headers['x-amz-target']!.replace('AmazonAthena.', '');
        targets.push(target);
        const route = routes[target];
        if (!route) throw new Error(`no fixture for ${target}`);
        return { response: { statusCode: route.status ?? 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([Buffer.from(wireFixture(route.file))]) } };
      },
    } as never,
  });
  return { client, targets };
}

const session = { dialect: 'trino' as const, user: 'alice', catalog: 'hive', schema: 'mydatabase', clientTags: [], clientCapabilities: [], properties: {}, resourceEstimates: {}, roles: {}, extraCredentials: {}, preparedStatements: {} };

describe('the engine over the real SDK deserializer', () => {
  it('runs a SELECT of every type', async () => {
    const { client, targets } = athenaOnTheWire({
      StartQueryExecution: { file: 'start-query-execution.json' },
      GetQueryExecution: { file: 'get-query-execution-select-succeeded.json' },
      GetQueryResults: { file: 'get-query-results-all-types.json' },
    });
    const engine = new AthenaEngine({ athena: client, workgroup: 'primary', tableTypes: false, sleep: async () => {} });
    const { handle } = await engine.submit({ queryId: '20240501_101010_00042_abcde', sql: 'SELECT * FROM all_types', session, target: 'athena' });
    const page = await engine.poll(handle, undefined, { maxWaitMs: 0, maxRows: 1000, knownState: 'QUEUED', knownStateAt: 0 });
    expect(targets).toEqual(['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults']);
    expect(page.state).toBe('FINISHED');
    expect(page.stats).toMatchObject({ physicalInputBytes: 203089, queuedTimeMillis: 267, elapsedTimeMillis: 3821 });
    expect(page.columns!.map((c) => formatType(c.type))).toContain('decimal(10,2)');
    expect(page.rows).toHaveLength(3);
    expect(page.rows![0]![4]).toBe('9223372036854775807');
  });

  it('turns Athena\'s throttling and refusals into EngineBusyError and QueryFailure', async () => {
    const busy = athenaOnTheWire({ StartQueryExecution: { status: 400, file: 'error-too-many-requests.json' } });
    const error = await new AthenaEngine({ athena: busy.client, workgroup: 'primary' }).submit({ queryId: '20240501_101010_00042_abcde', sql: 'SELECT 1', session, target: 'athena' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineBusyError);
    expect((error as EngineBusyError).reason).toBe('CONCURRENT_QUERY_LIMIT_EXCEEDED');

    const refused = athenaOnTheWire({ StartQueryExecution: { status: 400, file: 'error-invalid-request.json' } });
    const failure = await new AthenaEngine({ athena: refused.client, workgroup: 'primary' }).submit({ queryId: '20240501_101010_00042_abcde', sql: 'SELECT 1', session, target: 'athena' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(QueryFailure);
    expect((failure as QueryFailure).error.errorName).toBe('SCHEMA_NOT_FOUND');
  });

  it('reports a failed query from the wire fixture', async () => {
    const { client } = athenaOnTheWire({ StartQueryExecution: { file: 'start-query-execution.json' }, GetQueryExecution: { file: 'get-query-execution-failed-table.json' } });
    const engine = new AthenaEngine({ athena: client, workgroup: 'primary' });
    const { handle } = await engine.submit({ queryId: '20240501_101010_00042_abcde', sql: 'SELECT * FROM nope', session, target: 'athena' });
    expect(await engine.poll(handle, undefined, { maxWaitMs: 0, maxRows: 10 })).toMatchObject({ state: 'FAILED', error: { errorName: 'TABLE_NOT_FOUND', errorLocation: { lineNumber: 1, columnNumber: 15 } } });
  });
});
