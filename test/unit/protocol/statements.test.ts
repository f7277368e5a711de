import { describe, expect, it } from 'vitest';
import { planStatement } from '../../../lambdas/core/protocol/statements.js';
import { QueryFailure } from '../../../lambdas/core/errors.js';
import type { ClientSession } from '../../../lambdas/core/ports/index.js';

const session = (extra: Partial<ClientSession> = {}): ClientSession => ({ dialect: 'trino', user: 'u', clientTags: [], clientCapabilities: [], properties: {}, resourceEstimates: {}, roles: {}, extraCredentials: {}, preparedStatements: {}, ...extra });

function failure(fn: () => unknown): QueryFailure {
  try {
    fn();
  } catch (e) {
    if (e instanceof QueryFailure) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('statements the gateway answers itself', () => {
  it('USE with catalog.schema and with the session catalog', () => {
    expect(planStatement('USE hive.sales', session())).toEqual({ kind: 'session', updateType: 'USE', update: { setCatalog: 'hive', setSchema: 'sales' } });
    expect(planStatement('use "Sales"', session({ catalog: 'hive' }))).toEqual({ kind: 'session', updateType: 'USE', update: { setCatalog: 'hive', setSchema: 'Sales' } });
    expect(failure(() => planStatement('USE sales', session())).error.message).toBe('Catalog must be specified when session catalog is not set');
  });

  it('SET and RESET SESSION, with catalog properties', () => {
    expect(planStatement(`SET SESSION hive.insert_existing_partitions_behavior = 'OVERWRITE'`, session())).toMatchObject({ update: { setSession: { 'hive.insert_existing_partitions_behavior': 'OVERWRITE' } } });
    expect(planStatement('SET SESSION join_distribution_type = 10', session())).toMatchObject({ update: { setSession: { join_distribution_type: '10' } } });
    expect(planStatement('RESET SESSION query_max_run_time', session())).toMatchObject({ updateType: 'RESET SESSION', update: { clearSession: ['query_max_run_time'] } });
  });

  it('PREPARE keeps the statement text and EXECUTE resolves it with its parameters', () => {
    expect(planStatement('PREPARE q FROM SELECT * FROM t WHERE a = ? AND b = ?', session())).toMatchObject({ update: { addedPrepare: { q: 'SELECT * FROM t WHERE a = ? AND b = ?' } } });
    const prepared = session({ preparedStatements: { q: 'SELECT * FROM t WHERE a = ? AND b = ?' } });
    expect(planStatement(`EXECUTE q USING 1, 'it''s, ok'`, prepared)).toEqual({ kind: 'query', sql: 'SELECT * FROM t WHERE a = ? AND b = ?', parameters: ['1', `'it''s, ok'`], updateType: undefined });
    expect(failure(() => planStatement('EXECUTE q USING 1', prepared)).error.errorName).toBe('INVALID_PARAMETER_USAGE');
    expect(failure(() => planStatement('EXECUTE nope', prepared)).error.message).toBe('Prepared statement not found: nope');
  });

  it('EXECUTE IMMEDIATE carries the statement in its literal', () => {
    expect(planStatement(`EXECUTE IMMEDIATE 'SELECT ? FROM t' USING DATE '2024-01-01'`, session())).toMatchObject({ kind: 'query', sql: 'SELECT ? FROM t', parameters: [`DATE '2024-01-01'`] });
  });

  it('refuses a second statement but accepts a trailing semicolon', () => {
    expect(planStatement('SELECT 1;', session())).toMatchObject({ kind: 'query', sql: 'SELECT 1' });
    expect(failure(() => planStatement('SELECT 1; SELECT 2', session())).error.errorName).toBe('SYNTAX_ERROR');
    expect(planStatement(`SELECT ';' -- ; comment`, session())).toMatchObject({ kind: 'query' });
  });

  it('reports update types for DDL and DML', () => {
    expect(planStatement('CREATE TABLE t AS SELECT 1 x', session())).toMatchObject({ updateType: 'CREATE TABLE' });
    expect(planStatement('insert into t values (1)', session())).toMatchObject({ updateType: 'INSERT' });
    expect(planStatement('SELECT 1', session())).toMatchObject({ updateType: undefined });
  });

  it('places syntax errors', () => {
    const error = failure(() => planStatement(`SELECT 'unterminated`, session())).error;
    expect(error.errorName).toBe('SYNTAX_ERROR');
    expect(error.errorLocation).toEqual({ lineNumber: 1, columnNumber: 8 });
  });
});
