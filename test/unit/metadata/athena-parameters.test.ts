import { describe, expect, it } from 'vitest';
import { planAthenaParameters } from '../../../lambdas/core/engines/athena/parameters.js';
import { planStatement } from '../../../lambdas/core/protocol/statements.js';
import type { ClientSession } from '../../../lambdas/core/ports/index.js';

/**
 * EXECUTE ... USING on Athena: ExecutionParameters where Athena takes them (SELECT, INSERT INTO,
 * CTAS, UNLOAD; `?` in WHERE clauses; values of 1 to 1,024 characters), literals substituted
 * everywhere else.
 */
const session = (prepared: Record<string, string> = {}): ClientSession => ({ dialect: 'trino', user: 'u', clientTags: [], clientCapabilities: [], properties: {}, resourceEstimates: {}, roles: {}, extraCredentials: {}, preparedStatements: prepared });

describe('Athena execution parameters', () => {
  it('uses ExecutionParameters for SELECT, WITH, INSERT INTO ... SELECT, CTAS and UNLOAD with ? in WHERE', () => {
    const cases: [string, string[]][] = [
      ['SELECT * FROM orders WHERE id = ? AND status IN (?, ?)', ['BIGINT \'5\'', "'open'", "'paid'"]],
      ['(SELECT * FROM orders WHERE dt BETWEEN ? AND ?)', ["DATE '2024-05-01'", "DATE '2024-05-31'"]],
      ['WITH recent AS (SELECT * FROM orders WHERE dt > ?) SELECT count(*) FROM recent', ["DATE '2024-05-01'"]],
      ['SELECT * FROM orders WHERE id IN (SELECT order_id FROM items WHERE sku = ?)', ["'X1'"]],
      ['SELECT * FROM orders WHERE CAST(total AS varchar) = ? AND CASE WHEN vip THEN ? ELSE 0 END > 1', ["'1.00'", 'INTEGER \'2\'']],
      ['INSERT INTO archive SELECT * FROM orders WHERE dt < ?', ["DATE '2024-01-01'"]],
      ["CREATE TABLE snapshot WITH (format = 'PARQUET') AS SELECT * FROM orders WHERE dt = ?", ["DATE '2024-05-01'"]],
      ['CREATE TABLE snapshot AS (SELECT * FROM orders WHERE id = ?)', ['1']],
      ["UNLOAD (SELECT * FROM orders WHERE dt = ?) TO 's3://bucket/out/' WITH (format = 'PARQUET')", ["DATE '2024-05-01'"]],
    ];
    for (const [sql, parameters] of cases) {
      expect(planAthenaParameters(sql, parameters), sql).toEqual({ queryString: sql, executionParameters: parameters });
    }
  });

  it('substitutes literals for other statements and for ? outside WHERE', () => {
    const cases: [string, string[], string][] = [
      ['SELECT ? FROM orders', ["'x'"], "SELECT 'x' FROM orders"],
      ['SELECT * FROM orders LIMIT ?', ['10'], 'SELECT * FROM orders LIMIT 10'],
      ['SELECT * FROM orders o JOIN items i ON i.order_id = o.id AND i.sku = ?', ["'X'"], "SELECT * FROM orders o JOIN items i ON i.order_id = o.id AND i.sku = 'X'"],
      ['SELECT status, count(*) FROM orders GROUP BY status HAVING count(*) > ?', ['5'], 'SELECT status, count(*) FROM orders GROUP BY status HAVING count(*) > 5'],
      ['SELECT * FROM orders WHERE id = ? LIMIT ?', ['1', '2'], 'SELECT * FROM orders WHERE id = 1 LIMIT 2'],
      ['INSERT INTO t VALUES (?, ?)', ["'a'", 'CAST(NULL AS VARCHAR)'], "INSERT INTO t VALUES ('a', CAST(NULL AS VARCHAR))"],
      ['CREATE VIEW v AS SELECT * FROM orders WHERE id = ?', ['1'], 'CREATE VIEW v AS SELECT * FROM orders WHERE id = 1'],
      ['DELETE FROM orders WHERE id = ?', ['1'], 'DELETE FROM orders WHERE id = 1'],
      ['UPDATE orders SET status = ? WHERE id = ?', ["'x'", '1'], "UPDATE orders SET status = 'x' WHERE id = 1"],
      ['EXPLAIN SELECT * FROM orders WHERE id = ?', ['1'], 'EXPLAIN SELECT * FROM orders WHERE id = 1'],
      ["SHOW TABLES LIKE ?", ["'o%'"], "SHOW TABLES LIKE 'o%'"],
      ['VALUES (?)', ['1'], 'VALUES (1)'],
    ];
    for (const [sql, parameters, expected] of cases) {
      const plan = planAthenaParameters(sql, parameters);
      expect(plan.queryString, sql).toBe(expected);
      expect(plan.executionParameters, sql).toBeUndefined();
      expect(plan.substituted, sql).toBeTruthy();
    }
  });

  it('substitutes values Athena would refuse (over 1,024 characters)', () => {
    const long = `'${'x'.repeat(1100)}'`;
    const plan = planAthenaParameters('SELECT * FROM t WHERE note = ?', [long]);
    expect(plan).toEqual({ queryString: `SELECT * FROM t WHERE note = ${long}`, substituted: 'an execution parameter must be 1 to 1024 characters' });
  });

  it('leaves ? inside strings, quoted names and comments alone; no parameters, no change', () => {
    const sql = `SELECT '?' AS q, "a?" FROM t /* ? */ WHERE x = ? -- ?\n`;
    expect(planAthenaParameters(sql, ["'v'"])).toEqual({ queryString: sql, executionParameters: ["'v'"] });
    expect(planAthenaParameters('SELECT 1', [])).toEqual({ queryString: 'SELECT 1' });
    expect(planAthenaParameters('SHOW TABLES', [])).toEqual({ queryString: 'SHOW TABLES' });
  });

  it('from JDBC: PREPARE then EXECUTE ... USING, and EXECUTE IMMEDIATE, as the gateway resolves them', () => {
    const prepared = session({ statement1: 'SELECT * FROM orders WHERE id = ? AND dt = ?' });
    const plan = planStatement("EXECUTE statement1 USING BIGINT '42', DATE '2024-05-01'", prepared);
    if (plan.kind !== 'query') throw new Error('expected a query');
    expect(planAthenaParameters(plan.sql, plan.parameters)).toEqual({ queryString: 'SELECT * FROM orders WHERE id = ? AND dt = ?', executionParameters: ["BIGINT '42'", "DATE '2024-05-01'"] });
    const immediate = planStatement("EXECUTE IMMEDIATE 'SELECT * FROM orders LIMIT ?' USING INTEGER '10'", session());
    if (immediate.kind !== 'query') throw new Error('expected a query');
    // A row count takes a number, not the typed literal JDBC sends.
    expect(planAthenaParameters(immediate.sql, immediate.parameters).queryString).toBe('SELECT * FROM orders LIMIT 10');
    expect(planAthenaParameters('SELECT * FROM t OFFSET ? FETCH FIRST ? ROWS ONLY', ["BIGINT '5'", "INTEGER '2'"]).queryString).toBe('SELECT * FROM t OFFSET 5 FETCH FIRST 2 ROWS ONLY');
  });
});
