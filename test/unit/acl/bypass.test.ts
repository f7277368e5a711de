/**
 * Attempts to read a forbidden table without naming it plainly, each denied under rules that
 * forbid it, with the analysis the gateway runs (lambdas/core/sql) and the file-based access
 * control. Also a few look-alikes that must stay allowed, so that the denials mean something.
 */
import { describe, expect, it } from 'vitest';
import { createFileAccessControl } from '../../../lambdas/core/acl/index.js';
import type { ClientSession } from '../../../lambdas/core/ports/index.js';
import { planStatement } from '../../../lambdas/core/protocol/statements.js';
import { analyze, type AnalysisSession } from '../../../lambdas/core/sql/index.js';

const rules = {
  catalogs: [
    { catalog: 'hive', allow: 'all' },
    { catalog: 'system', allow: 'read-only' },
    { catalog: 'pg', allow: 'read-only' },
    { catalog: 'delta', allow: 'read-only' },
  ],
  tables: [
    { catalog: 'hive', schema: 'hr', table: 'secret(_view)?', privileges: [], description: 'nobody reads hr.secret' },
    { catalog: 'hive', schema: 'information_schema', privileges: [], description: 'metadata is not for everyone' },
    { catalog: 'system', privileges: [], description: 'nor system tables' },
    { catalog: 'delta', schema: 'hr', table: 'secret', privileges: [] },
    { privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP'], description: 'everything else' },
  ],
};
const control = createFileAccessControl(rules);
const alice = { user: 'alice', groups: ['analysts'] };
const HR: AnalysisSession = { catalog: 'hive', schema: 'hr' };

function decide(sql: string, session: AnalysisSession = HR) {
  const analysis = analyze(sql, session);
  return { analysis, decision: control.check(alice, analysis) };
}

const attempts: [string, string, AnalysisSession?][] = [
  ['plain', 'SELECT * FROM secret'],
  ['comments and odd whitespace', 'SELECT/**/*/*x*/FROM--c\n\t\r\n  secret'],
  ['quoting and case', 'SELECT * FROM "SECRET"'],
  ['quoting and case, qualified', 'select * from Hive."HR"."Secret"'],
  ['unicode escapes', "EXECUTE IMMEDIATE U&'SELECT * FROM \\0073\\0065cret'"],
  ['unicode escapes with UESCAPE', "EXECUTE IMMEDIATE U&'SELECT * FROM #0073ecret' UESCAPE '#'"],
  ['a CTE named like the table that reads it', 'WITH secret AS (SELECT * FROM secret) SELECT * FROM secret'],
  ['a CTE next to the table', 'WITH x AS (SELECT 1) SELECT * FROM x, secret'],
  ['a recursive CTE reading the table', 'WITH RECURSIVE r(n) AS (SELECT count(*) FROM secret UNION ALL SELECT n - 1 FROM r WHERE n > 0) SELECT * FROM r'],
  ['WITH RECURSIVE named like the table, without UNION', 'WITH RECURSIVE secret AS (SELECT * FROM secret) SELECT * FROM secret'],
  ['WITH RECURSIVE named like the table, with column aliases', 'WITH RECURSIVE secret(a) AS (SELECT ssn FROM secret) SELECT * FROM secret'],
  ['WITH RECURSIVE named like the table, read in the anchor', 'WITH RECURSIVE secret(a) AS (SELECT ssn FROM secret UNION ALL SELECT a FROM secret WHERE false) SELECT * FROM secret'],
  ['WITH RECURSIVE named like the table, UNION without column aliases', 'WITH RECURSIVE secret AS (SELECT 1 AS n UNION ALL SELECT ssn FROM secret) SELECT * FROM secret'],
  ['WITH RECURSIVE named like the table, EXCEPT', 'WITH RECURSIVE secret(a) AS (SELECT 1 EXCEPT SELECT ssn FROM secret) SELECT * FROM secret'],
  ['a lambda body with a subquery', 'SELECT transform(ARRAY[1], x -> (SELECT max(ssn) FROM secret))'],
  ['EXECUTE IMMEDIATE with a subquery value', "EXECUTE IMMEDIATE 'SELECT ?' USING (SELECT max(ssn) FROM secret)"],
  ['EXECUTE with a subquery value', 'EXECUTE p USING (SELECT max(ssn) FROM secret)', { ...HR, preparedStatements: { p: 'SELECT ?' } }],
  ['a nested subquery', 'SELECT * FROM orders WHERE id IN (SELECT id FROM (SELECT * FROM (SELECT id FROM secret) a) b)'],
  ['a correlated subquery', 'SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM secret s WHERE s.id = o.id)'],
  ['a scalar subquery in the select list', 'SELECT (SELECT max(salary) FROM secret) AS m'],
  ['a lateral join', 'SELECT * FROM orders o, LATERAL (SELECT * FROM secret s WHERE s.id = o.id)'],
  ['EXPLAIN', 'EXPLAIN SELECT * FROM secret'],
  ['EXPLAIN ANALYZE', 'EXPLAIN ANALYZE SELECT * FROM secret'],
  ['PREPARE', 'PREPARE p FROM SELECT * FROM secret'],
  ['PREPARE then EXECUTE', 'EXECUTE p', { ...HR, preparedStatements: { p: 'SELECT * FROM secret' } }],
  ['EXECUTE of a prepared statement the session does not hold', 'EXECUTE p'],
  ['DESCRIBE OUTPUT of a prepared statement', 'DESCRIBE OUTPUT p', { ...HR, preparedStatements: { p: 'SELECT * FROM secret' } }],
  ['EXECUTE IMMEDIATE', "EXECUTE IMMEDIATE 'SELECT * FROM secret'"],
  ['EXECUTE IMMEDIATE nested', "EXECUTE IMMEDIATE 'EXECUTE IMMEDIATE ''SELECT * FROM secret'''"],
  ['information_schema', "SELECT column_name FROM information_schema.columns WHERE table_name = 'secret'"],
  ['information_schema qualified', 'SELECT * FROM hive.information_schema.tables'],
  ['system tables', 'SELECT * FROM system.runtime.queries'],
  ['SHOW CREATE TABLE', 'SHOW CREATE TABLE secret'],
  ['DESCRIBE', 'DESCRIBE secret'],
  ['SHOW COLUMNS', 'SHOW COLUMNS FROM hive.hr.secret'],
  ['SHOW STATS', 'SHOW STATS FOR secret'],
  ['several statements in one request', 'SELECT 1; SELECT * FROM secret'],
  ['several statements without semicolons', 'SELECT 1 SELECT * FROM secret'],
  ['a view is a table name', 'SELECT * FROM secret_view'],
  ['a view over the table', 'CREATE VIEW mine AS SELECT * FROM secret'],
  ['copying the table', 'CREATE TABLE mine AS SELECT * FROM secret'],
  ['inserting from it', 'INSERT INTO orders SELECT * FROM secret'],
  ['merging from it', 'MERGE INTO orders o USING secret s ON o.id = s.id WHEN MATCHED THEN DELETE'],
  ['its metadata table', 'SELECT * FROM "secret$partitions"'],
  ['a table argument', 'SELECT * FROM TABLE(exclude_columns(input => TABLE(secret), columns => DESCRIPTOR(ssn)))'],
  ['query pass-through', "SELECT * FROM TABLE(system.query(query => 'SELECT * FROM secret'))", { catalog: 'pg', schema: 'public' }],
  ['table_changes', "SELECT * FROM TABLE(system.table_changes(schema_name => 'hr', table_name => 'secret'))", { catalog: 'delta', schema: 'other' }],
  ['a set operation', 'SELECT id FROM orders UNION ALL CORRESPONDING SELECT id FROM secret'],
  ['a NEAREST join', 'SELECT * FROM orders o CROSS JOIN NEAREST (FROM secret s MATCH s.ts <= o.ts)'],
  ['WITH SESSION', "WITH SESSION query_max_run_time = '1h' SELECT * FROM secret"],
  ['dropping it', 'DROP TABLE secret'],
  ['renaming it away', 'ALTER TABLE secret RENAME TO harmless'],
];

describe('bypass attempts are denied', () => {
  it.each(attempts)('%s', (_name, sql, session) => {
    const { analysis, decision } = decide(sql, session);
    expect(decision.allowed, JSON.stringify(analysis)).toBe(false);
    if (!decision.allowed) expect(decision.reason).toMatch(/secret|information_schema|system|could not be analyzed|query|schemas/);
  });

  it('USE then an unqualified name', () => {
    const session = { catalog: 'hive', schema: 'public', preparedStatements: {} } as unknown as ClientSession;
    const plan = planStatement('USE hr', session);
    expect(plan.kind).toBe('session');
    expect(decide('USE hr', session).decision.allowed).toBe(true);
    if (plan.kind !== 'session') return;
    const after = { catalog: plan.update.setCatalog, schema: plan.update.setSchema };
    expect(decide('SELECT * FROM secret', after).decision).toMatchObject({ allowed: false, reason: 'Cannot select from table hive.hr.secret' });
    expect(decide('SELECT * FROM secret', { catalog: 'hive', schema: 'public' }).decision.allowed).toBe(true);
  });

  it('answers with Trino’s words and the rule that decided', () => {
    expect(decide('SELECT * FROM secret').decision).toMatchObject({ allowed: false, reason: 'Cannot select from table hive.hr.secret', rule: 'tables[0] (nobody reads hr.secret)' });
    expect(decide('DROP TABLE secret').decision).toMatchObject({ reason: 'Cannot drop table hive.hr.secret' });
    expect(decide('SHOW CREATE TABLE secret').decision).toMatchObject({ reason: 'Cannot show create table for hive.hr.secret' });
    expect(decide('DESCRIBE secret').decision).toMatchObject({ reason: 'Cannot show columns of table hive.hr.secret' });
    expect(decide('ALTER TABLE secret RENAME TO harmless').decision).toMatchObject({ reason: 'Cannot rename table from hive.hr.secret to hive.hr.harmless' });
    expect(decide('SELECT 1; SELECT * FROM secret').decision).toMatchObject({ reason: expect.stringMatching(/^the statement could not be analyzed, and access rules apply \(only one statement/) });
  });
});

describe('look-alikes stay allowed', () => {
  it.each([
    ['an alias named like the table', 'SELECT secret.id FROM orders AS secret'],
    ['an UNNEST alias named like the table', 'SELECT * FROM orders o CROSS JOIN UNNEST(o.items) AS secret(item)'],
    ['a CTE named like the table', 'WITH secret AS (SELECT * FROM orders) SELECT * FROM secret'],
    ['a column named like the table', 'SELECT secret FROM orders'],
    ['a string naming the table', "SELECT 'SELECT * FROM secret' FROM orders"],
    ['the same name in another schema', 'SELECT * FROM hive.public.secret'],
    ['a quoted alias that looks qualified', 'SELECT id AS "hive.hr.secret" FROM orders'],
  ])('%s', (_name, sql) => {
    const { analysis, decision } = decide(sql);
    expect(decision.allowed, JSON.stringify({ analysis, decision })).toBe(true);
  });
});

describe('column bypass attempts are denied', () => {
  const columnRules = createFileAccessControl({
    catalogs: [{ catalog: 'tpch', allow: 'all' }],
    tables: [
      { catalog: 'tpch', schema: 'tiny', table: 'customer', privileges: ['SELECT'], columns: [{ name: 'c_acctbal', allow: false }], description: 'no balances' },
      { catalog: 'tpch', schema: 'tiny', table: 'orders', privileges: ['SELECT'], columns: [{ name: 'o_comment', allow: false }], description: 'no comments' },
      { privileges: ['SELECT'] },
    ],
  });
  const TINY: AnalysisSession = { catalog: 'tpch', schema: 'tiny' };
  const CUSTOMER = ['c_custkey', 'c_name', 'c_address', 'c_nationkey', 'c_phone', 'c_acctbal', 'c_mktsegment', 'c_comment'];
  const withColumns: AnalysisSession = { ...TINY, columnsOf: (parts) => (parts.join('.') === 'tpch.tiny.customer' ? CUSTOMER : undefined) };
  const check = (sql: string, session: AnalysisSession = TINY) => {
    const analysis = analyze(sql, session);
    return { analysis, decision: columnRules.check(alice, analysis) };
  };

  it.each<[string, string, AnalysisSession?]>([
    ['the column itself', 'SELECT c_acctbal FROM customer'],
    ['renamed by column aliases', 'SELECT a, d, e FROM customer AS c(a, b, cc, d, e, f)'],
    ['renamed by column aliases, the table’s columns known', 'SELECT f FROM customer AS c(a, b, cc, d, e, f)', withColumns],
    ['renamed in brackets', 'SELECT f FROM (customer) AS c(a, b, cc, d, e, f)', withColumns],
    ['renamed twice', 'SELECT y.z FROM (customer AS c(a, b, cc, d, e, f)) AS y(p, q, r, s, t, z)', withColumns],
    ['renamed by a table argument', 'SELECT * FROM TABLE(exclude_columns(input => TABLE(customer) AS c(a, b), columns => DESCRIPTOR(a)))'],
    ['renamed by MATCH_RECOGNIZE', 'SELECT f FROM customer MATCH_RECOGNIZE (ORDER BY c_custkey ALL ROWS PER MATCH PATTERN (A) DEFINE A AS true) AS m(a, b, cc, d, e, f)'],
    ['DuckDB’s COLUMNS()', "SELECT COLUMNS('c_acc.*') FROM customer"],
    ['DuckDB’s JSON arrow', "SELECT c_acctbal -> '$' FROM customer"],
    ['DuckDB’s JSON arrow in a function', "SELECT upper(c_acctbal -> '$') FROM customer"],
    ['DuckDB’s JSON arrow where Trino takes a lambda', "SELECT regexp_replace(c_name, '.*', c_acctbal -> '$') FROM customer"],
    ['a lambda parameter named like a column of a subquery', 'SELECT transform(ARRAY[1], c_acctbal -> (SELECT max(c_acctbal) FROM customer))'],
    ['a pattern variable named like another relation', 'SELECT m FROM nation a, customer MATCH_RECOGNIZE (ORDER BY c_custkey MEASURES A.c_acctbal AS m PATTERN (A) DEFINE A AS true) AS x'],
    ['WITH RECURSIVE named like the table', 'WITH RECURSIVE orders AS (SELECT * FROM orders) SELECT o_orderkey FROM orders'],
    ['WITH RECURSIVE, the brief’s own', 'WITH RECURSIVE orders(k, c) AS (SELECT o_orderkey, o_comment FROM orders) SELECT c FROM orders'],
    ['EXECUTE IMMEDIATE with a subquery value', "EXECUTE IMMEDIATE 'SELECT ?' USING (SELECT max(o_comment) || count(*) FROM tpch.tiny.orders)"],
    ['EXECUTE with a subquery value', 'EXECUTE p USING (SELECT max(o_comment) || count(*) FROM tpch.tiny.orders)', { ...TINY, preparedStatements: { p: 'SELECT ? FROM nation' } }],
    ['EXECUTE with a column as a value', 'EXECUTE p USING c_acctbal', { ...TINY, preparedStatements: { p: 'SELECT ? FROM customer' } }],
  ])('%s', (_name, sql, session) => {
    const { analysis, decision } = check(sql, session);
    expect(decision.allowed, JSON.stringify(analysis)).toBe(false);
    if (!decision.allowed) expect(decision.reason).toMatch(/^Cannot select from columns \[(c_acctbal|o_comment)\]|could not be analyzed/);
  });

  it.each<[string, string, AnalysisSession?]>([
    ['other columns', 'SELECT c_name, c_phone FROM customer'],
    ['column aliases over other columns, the table’s columns known', 'SELECT a, b FROM customer AS c(a, b)', withColumns],
    ['a lambda parameter named like the column', 'SELECT transform(ARRAY[1], c_acctbal -> c_acctbal + 1) FROM customer'],
    ['a recursive query', 'WITH RECURSIVE orders(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM orders WHERE n < 3) SELECT n FROM orders'],
  ])('allows %s', (_name, sql, session) => {
    const { analysis, decision } = check(sql, session);
    expect(decision.allowed, JSON.stringify({ analysis, decision })).toBe(true);
  });
});
