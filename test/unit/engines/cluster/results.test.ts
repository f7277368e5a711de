import { describe, expect, it } from 'vitest';
import { columnType, readQueryResults } from '../../../../lambdas/core/engines/cluster/results.js';
import { formatType } from '../../../../lambdas/core/protocol/sql-types.js';

describe('reading a cluster QueryResults', () => {
  it.each([
    ['varchar', undefined, 'varchar'],
    ['timestamp(6) with time zone', undefined, 'timestamp(6) with time zone'],
    ['interval day to second', undefined, 'interval day to second'],
    ['array(row(a bigint, b map(varchar, double)))', undefined, 'array(row(a bigint, b map(varchar, double)))'],
    ['Geometry', { rawType: 'Geometry', arguments: [] }, 'Geometry'],
    ['qdigest(bigint)', { rawType: 'qdigest', arguments: [{ kind: 'TYPE', value: { rawType: 'bigint', arguments: [] } }] }, 'varchar'],
    // A type string the parser does not know, with a signature it does.
    ['row(a bigint) /* odd */', { rawType: 'row', arguments: [{ kind: 'NAMED_TYPE', value: { fieldName: { name: 'a' }, typeSignature: { rawType: 'bigint', arguments: [] } } }] }, 'row(a bigint)'],
    [undefined, { rawType: 'varchar', typeArguments: [], literalArguments: [], arguments: [{ kind: 'LONG_LITERAL', value: 25 }] }, 'varchar(25)'],
    [undefined, undefined, 'varchar'],
  ])('types %s as %s', (type, signature, expected) => {
    expect(formatType(columnType(type, signature))).toBe(expected);
  });

  it('maps states the way Trino clients decide them', () => {
    const read = (state: string, next: boolean) => readQueryResults(JSON.stringify({ id: 'q', ...(next ? { nextUri: 'https://c/v1/statement/executing/q/s/1' } : {}), stats: { state } })).state;
    expect(['QUEUED', 'WAITING_FOR_RESOURCES', 'DISPATCHING', 'PLANNING', 'STARTING', 'RUNNING', 'FINISHING', 'FINISHED'].map((s) => read(s, true))).toEqual(['QUEUED', 'QUEUED', 'QUEUED', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'FINISHED']);
    expect(read('RUNNING', false)).toBe('FINISHED');
  });

  it('fails a FAILED answer without an error, and maps USER_CANCELED to CANCELED', () => {
    const failed = readQueryResults('{"id":"q","stats":{"state":"FAILED"}}');
    expect(failed.state).toBe('FAILED');
    expect(failed.error?.errorName).toBe('GENERIC_INTERNAL_ERROR');
    const canceled = readQueryResults('{"id":"q","stats":{"state":"FAILED"},"error":{"message":"Query was canceled","errorCode":3,"errorName":"USER_CANCELED","errorType":"USER_ERROR"}}');
    expect(canceled.state).toBe('CANCELED');
    expect(canceled.error).toEqual({ message: 'Query was canceled', errorCode: 3, errorName: 'USER_CANCELED', errorType: 'USER_ERROR' });
  });

  it('refuses an answer without an id', () => {
    expect(() => readQueryResults('{"stats":{"state":"RUNNING"}}')).toThrow(/without a QueryResults id/);
  });
});
