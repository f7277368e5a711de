import { describe, expect, it } from 'vitest';
import { QueryFailure } from '../../../lambdas/core/errors.js';
import type { ClientSession } from '../../../lambdas/core/ports/index.js';
import { bindStatement } from '../../../lambdas/core/protocol/parameters.js';
import { planStatement } from '../../../lambdas/core/protocol/statements.js';

const session = (extra: Partial<ClientSession> = {}): ClientSession => ({ dialect: 'trino', user: 'u', clientTags: [], clientCapabilities: [], properties: {}, resourceEstimates: {}, roles: {}, extraCredentials: {}, preparedStatements: {}, ...extra });

function failure(fn: () => unknown): QueryFailure['error'] {
  try {
    fn();
  } catch (e) {
    if (e instanceof QueryFailure) return e.error;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('EXECUTE parameters, read with Trino’s grammar', () => {
  it('takes each parameter as one whole expression, commas and brackets inside it included', () => {
    const plan = planStatement("EXECUTE IMMEDIATE 'SELECT ?, ?, ?' USING coalesce(a, 'x, y'), (SELECT max(b) FROM t), ARRAY[1, 2] /* c, d */", session());
    expect(plan).toMatchObject({ kind: 'query', sql: 'SELECT ?, ?, ?', parameters: ["coalesce(a, 'x, y')", '(SELECT max(b) FROM t)', 'ARRAY[1, 2]'] });
  });

  it('refuses what is not a list of expressions, at its position', () => {
    const prepared = session({ preparedStatements: { p: 'SELECT ? FROM t' } });
    for (const sql of ["EXECUTE IMMEDIATE 'SELECT ?' USING 1) UNION SELECT secret FROM s --", 'EXECUTE p USING 1) UNION SELECT secret FROM s', 'EXECUTE p USING SELECT secret FROM s', 'EXECUTE p USING', 'EXECUTE p USING 1,']) {
      expect(failure(() => planStatement(sql, prepared)), sql).toMatchObject({ errorName: 'SYNTAX_ERROR', errorLocation: { lineNumber: 1 } });
    }
  });

  it('decodes EXECUTE IMMEDIATE’s string as Trino does, Unicode escapes included', () => {
    expect(planStatement("EXECUTE IMMEDIATE U&'SELECT \\0031'", session())).toMatchObject({ sql: 'SELECT 1' });
    expect(planStatement("EXECUTE IMMEDIATE 'SELECT ''it''''s'''", session())).toMatchObject({ sql: "SELECT 'it''s'" });
  });

  it('keeps the parameters of a nested EXECUTE IMMEDIATE with their own statement', () => {
    expect(planStatement("EXECUTE IMMEDIATE 'EXECUTE IMMEDIATE ''SELECT ?'' USING 5'", session())).toMatchObject({ sql: 'SELECT ?', parameters: ['5'] });
  });

  it('answers deep parameters as too complex', () => {
    expect(failure(() => planStatement(`EXECUTE IMMEDIATE 'SELECT ?' USING ${'('.repeat(500)}1${')'.repeat(500)}`, session()))).toMatchObject({ errorName: 'QUERY_TEXT_TOO_LARGE', errorType: 'USER_ERROR' });
  });
});

describe('bindStatement: the text every engine runs', () => {
  it('writes literals as they are and anything else as one operand', () => {
    expect(bindStatement('SELECT ? * 2, ?, ?, ?, ?', ['1 + 1', "'a'", "DATE '2024-05-01'", 'NULL', '-5'])).toBe("SELECT (1 + 1) * 2, 'a', DATE '2024-05-01', NULL, (-5)");
    expect(bindStatement('SELECT ? FROM t', ['(SELECT max(x) FROM s)'])).toBe('SELECT ((SELECT max(x) FROM s)) FROM t');
  });

  it('leaves strings, comments and quoted names alone', () => {
    expect(bindStatement("SELECT '?', \"?\", ? -- ?\n/* ? */", ['1'])).toBe("SELECT '?', \"?\", 1 -- ?\n/* ? */");
  });

  it('takes an integer where the grammar wants a row count', () => {
    expect(bindStatement('SELECT * FROM t OFFSET ? LIMIT ?', ["BIGINT '2'", '10'])).toBe('SELECT * FROM t OFFSET 2 LIMIT 10');
    expect(bindStatement('SELECT * FROM t FETCH FIRST ? ROWS ONLY', ["INTEGER '3'"])).toBe('SELECT * FROM t FETCH FIRST 3 ROWS ONLY');
    expect(failure(() => bindStatement('SELECT * FROM t LIMIT ?', ['(SELECT count(*) FROM s)']))).toMatchObject({ errorName: 'TYPE_MISMATCH' });
  });

  it('refuses parameters that would change the text around them', () => {
    expect(failure(() => bindStatement('SELECT ?', ['1 -- x']))).toMatchObject({ errorName: 'INVALID_PARAMETER_USAGE' });
    expect(failure(() => bindStatement('SELECT ?', ['?']))).toMatchObject({ errorName: 'INVALID_PARAMETER_USAGE' });
    expect(failure(() => bindStatement('SELECT ?', ["'open"]))).toMatchObject({ errorName: 'INVALID_PARAMETER_USAGE' });
    expect(failure(() => bindStatement('SELECT ?, ?', ['1']))).toMatchObject({ errorName: 'INVALID_PARAMETER_USAGE' });
  });
});
