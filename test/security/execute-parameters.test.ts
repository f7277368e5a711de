/**
 * EXECUTE ... USING: parameters are expressions of the statement and must be analyzed
 * as such. Attacks: subqueries in USING, through EXECUTE IMMEDIATE and through a statement held
 * only in the prepared-statement header, in both dialects; nested EXECUTE IMMEDIATE; and
 * "parameters" that are not one expression but try to break out of it once pasted into the text.
 */
import { expect } from 'vitest';
import { attackSuite, finished, lit, uniqueName, type Attack, type Dialect, type Positive } from './support.js';

/** Subqueries a parameter may hold, each returning forbidden data the detector recognizes. */
const PAYLOADS: [string, string][] = [
  ['orders comment and count', `(SELECT max(o_comment) || '|' || count(*) FROM tpch.tiny.orders)`],
  ['orders clerk', `(SELECT max(o_clerk) FROM orders)`],
  ['orders priority, qualified', `(SELECT min(o_orderpriority) FROM tpch.tiny.orders WHERE o_orderkey > 0)`],
  ['lineitem count', `(SELECT count(*) FROM lineitem)`],
  ['supplier phone', `(SELECT max(s_phone) FROM tiny.supplier)`],
  ['hidden customer phone', `(SELECT max(c_phone) FROM customer)`],
  ['hidden customer address', `(SELECT min(c_address) FROM tpch.tiny.customer)`],
  ['hidden customer segment', `(SELECT max(c_mktsegment) FROM customer WHERE c_custkey = 7)`],
  ['orders through a join', `(SELECT max(o.o_clerk) FROM orders o JOIN customer c ON o.o_custkey = c.c_custkey)`],
  ['orders through a derived table', `(SELECT max(o_clerk) FROM (SELECT * FROM orders) t)`],
  ['orders through a CTE', `(WITH x AS (SELECT o_clerk FROM orders) SELECT max(o_clerk) FROM x)`],
  ['orders inside an arithmetic expression', `1 + (SELECT count(*) FROM orders)`],
  ['orders inside CASE', `CASE WHEN true THEN (SELECT max(o_clerk) FROM orders) END`],
  ['orders inside coalesce', `coalesce((SELECT max(o_clerk) FROM orders), 'none')`],
  ['orders inside an ARRAY', `ARRAY[(SELECT max(o_clerk) FROM orders)]`],
  ['orders inside a row of subqueries', `((SELECT max(n_name) FROM nation), (SELECT max(o_clerk) FROM orders))`],
  ['orders inside a concatenation', `'x' || (SELECT max(o_totalprice) FROM orders)`],
  ['part name', `(SELECT max(p_name) FROM part)`],
];

/** Prepared statements with one `?`, each of which shows the parameter's value. */
const TEMPLATES = [
  'SELECT ?',
  'SELECT n_name, ? FROM nation WHERE n_nationkey = 1',
  'SELECT ? AS x FROM region LIMIT 1',
  'SELECT concat(n_name, CAST(? AS varchar)) FROM nation WHERE n_nationkey = 2',
  'VALUES (?)',
  'SELECT * FROM (SELECT ? AS v) t',
  'SELECT coalesce(?, NULL)',
];

const dialects: Dialect[] = ['trino', 'presto'];
const attacks: Attack[] = [];

// EXECUTE IMMEDIATE '...' USING <payload>, and EXECUTE p USING <payload> with p only in the header.
PAYLOADS.forEach(([label, payload], i) => {
  const template = TEMPLATES[i % TEMPLATES.length]!;
  for (const dialect of dialects) {
    attacks.push({ name: `EXECUTE IMMEDIATE USING ${label} (${dialect})`, dialect, sql: `EXECUTE IMMEDIATE ${lit(template)} USING ${payload}` });
    attacks.push({ name: `EXECUTE p USING ${label}, p in the header (${dialect})`, dialect, prepared: { p: template }, sql: `EXECUTE p USING ${payload}` });
  }
});

// Several parameters, only one of them forbidden; and the forbidden one in each position.
for (const dialect of dialects) {
  attacks.push({ name: `two parameters, the second forbidden (${dialect})`, dialect, sql: `EXECUTE IMMEDIATE 'SELECT ?, ?' USING 1, (SELECT max(o_clerk) FROM orders)` });
  attacks.push({ name: `two parameters, the first forbidden (${dialect})`, dialect, prepared: { q: 'SELECT ?, ? FROM nation LIMIT 1' }, sql: `EXECUTE q USING (SELECT max(c_phone) FROM customer), 'x'` });
  attacks.push({ name: `parameter in WHERE and select list (${dialect})`, dialect, sql: `EXECUTE IMMEDIATE 'SELECT n_name, ? FROM nation WHERE n_nationkey = ?' USING (SELECT max(o_clerk) FROM orders), 1` });
  attacks.push({ name: `prepared statement name in another case (${dialect})`, dialect, prepared: { mystmt: 'SELECT ?' }, sql: `EXECUTE MyStmt USING (SELECT max(o_clerk) FROM orders)` });
  attacks.push({ name: `prepared statement that itself reads orders (${dialect})`, dialect, prepared: { p: 'SELECT max(o_clerk) FROM orders WHERE o_orderkey > ?' }, sql: 'EXECUTE p USING 0' });
  attacks.push({ name: `prepared statement with a hidden column (${dialect})`, dialect, prepared: { p: 'SELECT c_phone FROM customer WHERE c_custkey = ?' }, sql: 'EXECUTE p USING 1' });
  attacks.push({ name: `DESCRIBE OUTPUT of a statement over orders (${dialect})`, dialect, prepared: { p: 'SELECT o_clerk, o_comment FROM orders' }, sql: 'DESCRIBE OUTPUT p' });
}

// Nested EXECUTE IMMEDIATE: the parameters of the inner statement, or the inner statement itself.
// Before the access-control hardening the gateway dropped the inner parameters (no leak, but no meaning either): these
// guard a reading of EXECUTE that binds them without analyzing them.
const nested: Attack[] = [
  { name: 'nested: inner EXECUTE IMMEDIATE with USING', sql: `EXECUTE IMMEDIATE 'EXECUTE IMMEDIATE ''SELECT ?'' USING (SELECT max(o_clerk) FROM orders)'` },
  { name: 'nested: outer USING feeds the inner statement', sql: `EXECUTE IMMEDIATE 'EXECUTE IMMEDIATE ''SELECT ?''' USING (SELECT max(o_clerk) FROM orders)` },
  { name: 'nested: inner statement reads orders', sql: `EXECUTE IMMEDIATE 'EXECUTE IMMEDIATE ''SELECT max(o_clerk) FROM orders'''` },
  { name: 'nested: three levels', sql: `EXECUTE IMMEDIATE 'EXECUTE IMMEDIATE ''EXECUTE IMMEDIATE ''''SELECT ?'''' USING (SELECT max(o_clerk) FROM orders)'''` },
  { name: 'nested: EXECUTE of a header statement inside EXECUTE IMMEDIATE', prepared: { p: 'SELECT ?' }, sql: `EXECUTE IMMEDIATE 'EXECUTE p USING (SELECT max(o_clerk) FROM orders)'` },
  { name: 'nested: header statement is EXECUTE IMMEDIATE with USING', prepared: { p: `EXECUTE IMMEDIATE 'SELECT ?' USING (SELECT max(o_clerk) FROM orders)` }, sql: 'EXECUTE p' },
  { name: 'nested: header statement with USING, run with USING', prepared: { p: `EXECUTE IMMEDIATE 'SELECT ?, ?' USING (SELECT max(o_clerk) FROM orders), ?` }, sql: 'EXECUTE p USING 1' },
  { name: 'EXECUTE IMMEDIATE of a unicode-escaped string', sql: `EXECUTE IMMEDIATE U&'SELECT \\003F' USING (SELECT max(o_clerk) FROM orders)` },
];
attacks.push(...nested.map((a): Attack => ({ ...a, calibrate: false })));
attacks.push({ name: 'nested: parameter inside a string-built inner statement', sql: `EXECUTE IMMEDIATE 'SELECT ? FROM nation WHERE n_nationkey = 0' USING (SELECT max(c_address) FROM customer)` });

// Parameters that are not one expression: pasted into the text, they would change the statement.
const BREAKOUTS: [string, string, string][] = [
  ['UNION ALL after the value', 'SELECT ?', `1 UNION ALL SELECT max(o_clerk) FROM orders`],
  ['a FROM clause as the value', 'SELECT ?', `max(o_clerk) FROM orders`],
  ['a count with a FROM clause', 'SELECT ?', `count(*) FROM lineitem`],
  ['two values and a FROM clause', 'SELECT ?, ?', `1, o_clerk FROM orders LIMIT 3`],
  ['UNION ALL in WHERE', 'SELECT n_name FROM nation WHERE n_nationkey = ?', `1 UNION ALL SELECT o_clerk FROM orders`],
  ['a comment that swallows the rest', 'SELECT ?, n_name FROM nation', `(SELECT max(o_clerk) FROM orders) --`],
  ['closing a subquery early', 'SELECT * FROM (SELECT ? AS v) t', `1 AS v UNION ALL SELECT o_clerk FROM orders) u, (SELECT 1`],
  ['a hidden column as a bare name', 'SELECT c_name, ? FROM customer', `c_phone`],
  ['a hidden column in an expression', 'SELECT ? FROM customer LIMIT 3', `c_address || ''`],
  ['a correlated reference to a hidden column', 'SELECT c_custkey, ? FROM customer LIMIT 3', `(SELECT c_phone)`],
  ['a forbidden column next to an allowed table', 'SELECT ? FROM nation, orders LIMIT 1', `o_clerk`],
  ['an E-string in the value', 'SELECT ?', `E'\\'' UNION ALL SELECT max(o_clerk) FROM orders --'`],
  ['a nested comment in the value', 'SELECT ?', `1 /* /* */ -- */ UNION ALL SELECT max(o_clerk) FROM orders\n`],
];
for (const dialect of dialects) {
  BREAKOUTS.forEach(([label, template, value]) => {
    attacks.push({ name: `breakout: ${label}, EXECUTE IMMEDIATE (${dialect})`, dialect, sql: `EXECUTE IMMEDIATE ${lit(template)} USING ${value}` });
    attacks.push({ name: `breakout: ${label}, EXECUTE p (${dialect})`, dialect, prepared: { p: template }, sql: `EXECUTE p USING ${value}` });
  });
  const t = uniqueName('param_smuggled');
  attacks.push({
    name: `breakout: a second statement behind a nested comment, read back (${dialect})`,
    dialect,
    sql: [`EXECUTE IMMEDIATE 'SELECT ?' USING 1 /* /* */ -- */ ; CREATE TABLE memory.default.${t} AS SELECT o_clerk FROM tpch.tiny.orders\n`, `SELECT * FROM memory.default.${t}`],
  });
}

// Writes through parameters: the value lands in a table alice may read back.
for (const dialect of dialects) {
  const t = uniqueName('param_ctas');
  attacks.push({
    name: `CTAS with a forbidden parameter, read back (${dialect})`,
    dialect,
    sql: [`EXECUTE IMMEDIATE 'CREATE TABLE memory.default.${t} AS SELECT ? AS v' USING (SELECT max(o_clerk) FROM orders)`, `SELECT * FROM memory.default.${t}`],
  });
  const u = uniqueName('param_insert');
  attacks.push({
    name: `INSERT with a forbidden parameter, read back (${dialect})`,
    dialect,
    setup: [`CREATE TABLE memory.default.${u} (v varchar)`],
    prepared: { ins: `INSERT INTO memory.default.${u} VALUES (?)` },
    sql: [`EXECUTE ins USING (SELECT max(c_phone) FROM customer)`, `SELECT * FROM memory.default.${u}`],
  });
}

const positives: Positive[] = [
  { name: 'EXECUTE IMMEDIATE with a constant', sql: `EXECUTE IMMEDIATE 'SELECT n_name FROM nation WHERE n_nationkey = ?' USING 3`, check: (o) => (finished(o, 1), expect(o.rows[0]).toEqual(['CANADA'])) },
  { name: 'EXECUTE of a header statement with a constant', sql: 'EXECUTE p USING 1', options: { prepared: { p: 'SELECT c_name FROM customer WHERE c_custkey = ?' } }, check: (o) => (finished(o, 1), expect(o.rows[0]).toEqual(['Customer#000000001'])) },
  { name: 'EXECUTE of a header statement, presto dialect', sql: 'EXECUTE p USING 4', options: { dialect: 'presto', prepared: { p: 'SELECT r_name FROM region WHERE r_regionkey = ?' } }, check: (o) => (finished(o, 1), expect(o.rows[0]).toEqual(['MIDDLE EAST'])) },
  { name: 'EXECUTE IMMEDIATE with a string parameter', sql: `EXECUTE IMMEDIATE 'SELECT count(*) FROM nation WHERE n_name = ?' USING 'PERU'`, check: (o) => (finished(o, 1), expect(o.rows[0]).toEqual([1])) },
];

attackSuite('EXECUTE parameters', attacks, { positives });
