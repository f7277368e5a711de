/**
 * Scoping rules where the analysis once let a table or column through: WITH RECURSIVE, column
 * aliases that rename a table's columns by position, `->` (a Trino lambda, or DuckDB's JSON
 * operator), and EXECUTE's USING values. Each case states exactly what is read, or that the
 * statement is refused.
 */
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../../lambdas/core/ports/index.js';
import { analyze, type AnalysisSession } from '../../../lambdas/core/sql/index.js';

/** `name: [columns]` for each table read, `*` first when every column may be read. */
function reads(a: Analysis): Record<string, string[]> {
  expect(a.error).toBeUndefined();
  expect(a.ok).toBe(true);
  const out: Record<string, string[]> = {};
  for (const t of a.tables.filter((x) => x.access === 'read')) out[t.name] = [...(t.allColumns ? ['*'] : []), ...(t.columns ?? [])];
  return out;
}

const TINY: AnalysisSession = { catalog: 'tpch', schema: 'tiny' };

const CUSTOMER = ['c_custkey', 'c_name', 'c_address', 'c_nationkey', 'c_phone', 'c_acctbal', 'c_mktsegment', 'c_comment'];
const ORDERS = ['o_orderkey', 'o_custkey', 'o_orderstatus', 'o_totalprice', 'o_orderdate', 'o_orderpriority', 'o_clerk', 'o_shippriority', 'o_comment'];
const withColumns: AnalysisSession = {
  ...TINY,
  columnsOf: (parts) => ({ 'tpch.tiny.customer': CUSTOMER, 'tpch.tiny.orders': ORDERS, 'tpch.tiny.pair': ['Name', 'SSN'] })[parts.join('.')],
};

describe('WITH RECURSIVE', () => {
  it.each<[string, string, Record<string, string[]>]>([
    ['a query without UNION names the real table', 'WITH RECURSIVE orders AS (SELECT * FROM orders) SELECT o_comment FROM orders', { 'tpch.tiny.orders': ['*'] }],
    ['column aliases without UNION', 'WITH RECURSIVE orders(a, b) AS (SELECT o_orderkey, o_comment FROM orders) SELECT a FROM orders', { 'tpch.tiny.orders': ['o_comment', 'o_orderkey'] }],
    ['UNION without column aliases (Trino refuses it, DuckDB recurses): the real table too', 'WITH RECURSIVE t AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT * FROM t', { 'tpch.tiny.t': ['n'] }],
    ['a recursive query reads nothing', 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT * FROM t', {}],
    ['a recursive query with VALUES as its anchor', 'WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 4) SELECT sum(n) FROM t', {}],
    ['UNION DISTINCT recurses too', 'WITH RECURSIVE t(n) AS (SELECT 1 UNION SELECT n + 1 FROM t WHERE n < 4) SELECT n FROM t', {}],
    ['the name in the anchor is the real table', 'WITH RECURSIVE orders(n) AS (SELECT count(*) FROM orders UNION ALL SELECT n - 1 FROM orders WHERE n > 0) SELECT * FROM orders', { 'tpch.tiny.orders': [] }],
    ['the anchor of a three-way UNION is its first two terms', 'WITH RECURSIVE orders(a) AS (SELECT 1 UNION ALL SELECT o_orderkey FROM orders UNION ALL SELECT a + 1 FROM orders WHERE a < 3) SELECT * FROM orders', { 'tpch.tiny.orders': ['o_orderkey'] }],
    ['EXCEPT does not recurse', 'WITH RECURSIVE orders(a) AS (SELECT 1 EXCEPT SELECT o_orderkey FROM orders) SELECT * FROM orders', { 'tpch.tiny.orders': ['o_orderkey'] }],
    ['INTERSECT does not recurse', 'WITH RECURSIVE orders(a) AS (SELECT 1 INTERSECT SELECT o_orderkey FROM orders) SELECT * FROM orders', { 'tpch.tiny.orders': ['o_orderkey'] }],
    ['LIMIT on the recursive query', 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t LIMIT 5) SELECT * FROM t', { 'tpch.tiny.t': ['n'] }],
    ['ORDER BY on the recursive query', 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t ORDER BY 1) SELECT * FROM t', { 'tpch.tiny.t': ['n'] }],
    ['brackets around the UNION', 'WITH RECURSIVE t(n) AS ((SELECT 1 UNION ALL SELECT n + 1 FROM t)) SELECT * FROM t', { 'tpch.tiny.t': ['n'] }],
    ['a WITH of its own', 'WITH RECURSIVE t(n) AS (WITH x AS (SELECT 1 AS k) SELECT k FROM x UNION ALL SELECT n + 1 FROM t) SELECT * FROM t', { 'tpch.tiny.t': ['n'] }],
    ['a later recursive query is not in scope yet', 'WITH RECURSIVE a(x) AS (SELECT 1 UNION ALL SELECT x FROM b), b(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM b WHERE x < 3) SELECT * FROM a', { 'tpch.tiny.b': ['x'] }],
    ['an earlier one is', 'WITH RECURSIVE b(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM b WHERE x < 3), a(x) AS (SELECT 1 UNION ALL SELECT x FROM b) SELECT * FROM a', {}],
    ['a reference in a subquery of the step', 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < (SELECT count(*) FROM t)) SELECT * FROM t', {}],
    ['the step shadowed by a WITH inside it', 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT * FROM (WITH t AS (SELECT * FROM customer) SELECT 1 FROM t)) SELECT * FROM t', { 'tpch.tiny.customer': ['*'] }],
    ['a qualified name in the step is a table', 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM tiny.t) SELECT * FROM t', { 'tpch.tiny.t': ['n'] }],
    ['the main query sees the recursive query', 'WITH RECURSIVE orders(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM orders WHERE n < 3) SELECT * FROM orders, customer', { 'tpch.tiny.customer': ['*'] }],
    ['TABLE in the anchor', 'WITH RECURSIVE orders(a, b) AS (TABLE orders UNION ALL SELECT a, b FROM orders) SELECT * FROM orders', { 'tpch.tiny.orders': ['*'] }],
    ['without RECURSIVE the body never sees its name', 'WITH orders AS (SELECT * FROM orders) SELECT * FROM orders', { 'tpch.tiny.orders': ['*'] }],
    ['without RECURSIVE a UNION is no recursion', 'WITH t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT * FROM t', { 'tpch.tiny.t': ['n'] }],
  ])('%s', (_name, sql, expected) => {
    expect(reads(analyze(sql, TINY))).toEqual(expected);
  });
});

describe('column aliases of a table', () => {
  it.each<[string, string, Record<string, string[]>]>([
    ['without the table’s columns, every column counts', 'SELECT a, d, e FROM customer AS c(a, b, cc, d, e, f)', { 'tpch.tiny.customer': ['*', 'a', 'd', 'e'] }],
    ['qualified', 'SELECT c.d FROM customer c(a, b, cc, d)', { 'tpch.tiny.customer': ['*', 'd'] }],
    ['in brackets', 'SELECT a FROM (customer) AS x(a, b)', { 'tpch.tiny.customer': ['*', 'a'] }],
    ['a bracketed join', 'SELECT a FROM (customer JOIN orders ON true) AS x(a, b)', { 'tpch.tiny.customer': ['*', 'a'], 'tpch.tiny.orders': ['*', 'a'] }],
    ['MATCH_RECOGNIZE', 'SELECT a FROM orders MATCH_RECOGNIZE (ORDER BY o_orderdate ALL ROWS PER MATCH PATTERN (A) DEFINE A AS true) AS m(a, b)', { 'tpch.tiny.orders': ['*', 'a', 'o_orderdate'] }],
    ['a table argument', 'SELECT a FROM TABLE(exclude_columns(input => TABLE(customer) AS c(a, b), columns => DESCRIPTOR(b)))', { 'tpch.tiny.customer': ['*'] }],
    ['MERGE USING', 'MERGE INTO orders o USING customer AS c(k, n) ON o.o_custkey = c.k WHEN MATCHED THEN UPDATE SET o_comment = n', { 'tpch.tiny.customer': ['*', 'k', 'n'] }],
    ['a subquery needs none: its columns are read where they are named', 'SELECT a FROM (SELECT c_name FROM customer) AS x(a)', { 'tpch.tiny.customer': ['c_name'] }],
    ['nor a WITH query', 'WITH c(a, b) AS (SELECT c_name, c_phone FROM customer) SELECT a FROM c', { 'tpch.tiny.customer': ['c_name', 'c_phone'] }],
    ['nor UNNEST and VALUES', 'SELECT a, b FROM UNNEST(ARRAY[1]) AS u(a), (VALUES 2) AS v(b)', {}],
    ['a WITH query over TABLE reads all', 'WITH c(a, b) AS (TABLE customer) SELECT a FROM c', { 'tpch.tiny.customer': ['*'] }],
    ['TABLE in brackets, aliased', 'SELECT a FROM (TABLE customer) AS c(a, b)', { 'tpch.tiny.customer': ['*'] }],
  ])('%s', (_name, sql, expected) => {
    expect(reads(analyze(sql, TINY))).toEqual(expected);
  });

  it.each<[string, string, Record<string, string[]>]>([
    ['mapped back by position', 'SELECT a, d, e FROM customer AS c(a, b, cc, d, e, f, g, h)', { 'tpch.tiny.customer': ['c_custkey', 'c_nationkey', 'c_phone'] }],
    ['qualified', 'SELECT c.b FROM customer c(a, b, cc, d, e, f, g, h)', { 'tpch.tiny.customer': ['c_name'] }],
    ['names swapped', 'SELECT name FROM pair AS p(ssn, name)', { 'tpch.tiny.pair': ['ssn'] }],
    ['fewer aliases than columns (DuckDB keeps the rest)', 'SELECT a, c_phone FROM customer c(a)', { 'tpch.tiny.customer': ['c_custkey', 'c_phone'] }],
    ['more aliases than columns: every column', 'SELECT a FROM pair p(a, b, c)', { 'tpch.tiny.pair': ['*', 'a'] }],
    ['a table without known columns', 'SELECT a FROM nation n(a, b)', { 'tpch.tiny.nation': ['*', 'a'] }],
    ['JOIN USING an alias', 'SELECT o_comment FROM customer c(k) JOIN orders o(o_orderkey, k) USING (k)', { 'tpch.tiny.customer': ['c_custkey', 'o_comment'], 'tpch.tiny.orders': ['o_comment', 'o_custkey'] }],
    ['in brackets', 'SELECT a FROM (customer) AS x(a, b)', { 'tpch.tiny.customer': ['c_custkey'] }],
    ['aliases over aliases', 'SELECT y.b FROM (customer AS c(p, q)) AS y(a, b)', { 'tpch.tiny.customer': ['c_name'] }],
    ['a row reference to the alias reads all', 'SELECT c FROM customer c(a, b)', { 'tpch.tiny.customer': ['*', 'c'] }],
    ['star', 'SELECT c.* FROM customer c(a, b)', { 'tpch.tiny.customer': ['*'] }],
  ])('with the session’s columns: %s', (_name, sql, expected) => {
    expect(reads(analyze(sql, withColumns))).toEqual(expected);
  });

  it('asks for the columns of the qualified table', () => {
    const asked: string[][] = [];
    analyze('SELECT a FROM customer c(a), sf1.orders o(b), x.y.z w(c)', { ...TINY, columnsOf: (parts) => (asked.push(parts), undefined) });
    expect(asked).toEqual([
      ['tpch', 'tiny', 'customer'],
      ['tpch', 'sf1', 'orders'],
      ['x', 'y', 'z'],
    ]);
  });
});

describe('lambdas and ->', () => {
  it.each<[string, string, Record<string, string[]>]>([
    ['parameters of a higher-order function are not columns', 'SELECT transform(arr, x -> x + 1) FROM t', { 'tpch.tiny.t': ['arr'] }],
    ['captured columns are', 'SELECT transform(arr, x -> x + y) FROM t', { 'tpch.tiny.t': ['arr', 'y'] }],
    [
      'Trino’s higher-order functions',
      'SELECT filter(arr, x -> x > 0), any_match(arr, e -> e IS NULL), all_match(arr, e -> true), none_match(arr, e -> false), zip_with(a, b, (x, y) -> x + y), map_filter(m, (k, v) -> v > 0), transform_keys(m, (k, v) -> k), transform_values(m, (k, v) -> v), map_zip_with(m1, m2, (k, v1, v2) -> v1), find_first(arr, x -> x > 0), find_first(arr, 2, x -> x > 0), reduce(arr, 0, (s, x) -> s + x, s -> s) FROM t',
      { 'tpch.tiny.t': ['a', 'arr', 'b', 'm', 'm1', 'm2'] },
    ],
    ['reduce_agg', 'SELECT reduce_agg(v, 0, (a, b) -> a + b, (a, b) -> a + b) FROM t', { 'tpch.tiny.t': ['v'] }],
    ['system.builtin', 'SELECT system.builtin.transform(arr, x -> x) FROM t', { 'tpch.tiny.t': ['arr'] }],
    ['in brackets', 'SELECT transform(arr, (x -> x + 1)) FROM t', { 'tpch.tiny.t': ['arr'] }],
    ['nested', 'SELECT transform(arr, x -> transform(x, y -> x + y + z)) FROM t', { 'tpch.tiny.t': ['arr', 'z'] }],
    ['in a SQL routine', 'WITH FUNCTION f(a array(integer)) RETURNS array(integer) RETURN transform(a, x -> x + 1) SELECT f(arr) FROM t', { 'tpch.tiny.t': ['arr'] }],
    ['another function: DuckDB’s JSON operator on a column', "SELECT upper(c_acctbal -> '$.a') FROM customer", { 'tpch.tiny.customer': ['c_acctbal'] }],
    ['regexp_replace, whose third argument is a string in DuckDB', "SELECT regexp_replace(c_name, '.*', c_phone -> '$.a') FROM customer", { 'tpch.tiny.customer': ['c_name', 'c_phone'] }],
    ['array_sort, whose second argument is a sort order in DuckDB', 'SELECT array_sort(arr, (x, y) -> 0) FROM t', { 'tpch.tiny.t': ['arr', 'x', 'y'] }],
    ['reduce with three arguments (DuckDB’s initial value)', "SELECT reduce(arr, x -> x, c_phone -> '$') FROM customer", { 'tpch.tiny.customer': ['arr', 'c_phone', 'x'] }],
    ['a higher-order function with the wrong number of arguments', 'SELECT transform(arr, x -> x, y) FROM t', { 'tpch.tiny.t': ['arr', 'x', 'y'] }],
    ['a lambda where the function takes none', 'SELECT transform(x -> 1, arr) FROM t', { 'tpch.tiny.t': ['arr', 'x'] }],
    ['a connector function', 'SELECT hive.s.transform(arr, x -> x) FROM t', { 'tpch.tiny.t': ['arr', 'x'] }],
    ['names of Object.prototype are functions like any other', 'SELECT constructor(arr, x -> x), tostring(y -> 1), __proto__(z -> 2), hasownproperty(arr, w -> w) FROM t', { 'tpch.tiny.t': ['arr', 'w', 'x', 'y', 'z'] }],
    ['coalesce is a function here', "SELECT coalesce(c_phone -> '$') FROM customer", { 'tpch.tiny.customer': ['c_phone'] }],
    ['a parameter named like a relation reads all of it', "SELECT upper(customer -> '$') FROM customer", { 'tpch.tiny.customer': ['*', 'customer'] }],
    ['a subquery in the body is walked', 'SELECT transform(arr, x -> (SELECT max(c_phone) FROM customer)) FROM t', { 'tpch.tiny.t': ['arr', 'c_phone'], 'tpch.tiny.customer': ['c_phone'] }],
    ['EXISTS in the body', 'SELECT filter(arr, x -> EXISTS (SELECT 1 FROM customer WHERE c_custkey = x)) FROM t', { 'tpch.tiny.t': ['arr', 'c_custkey', 'x'], 'tpch.tiny.customer': ['c_custkey', 'x'] }],
    ['a parameter named like a column of the subquery', 'SELECT transform(arr, c_phone -> (SELECT c_phone FROM customer)) FROM t', { 'tpch.tiny.t': ['arr', 'c_phone'], 'tpch.tiny.customer': ['c_phone'] }],
    ['a parameter named like the subquery’s relation', 'SELECT filter(arr, customer -> EXISTS (SELECT customer.c_phone FROM customer)) FROM t', { 'tpch.tiny.t': ['arr'], 'tpch.tiny.customer': ['c_phone'] }],
  ])('%s', (_name, sql, expected) => {
    expect(reads(analyze(sql, TINY))).toEqual(expected);
  });

  it.each([
    ['DuckDB’s JSON operator on a column', "SELECT c_acctbal -> '$' FROM customer"],
    ['in WHERE', "SELECT 1 FROM customer WHERE c_acctbal -> '$.a' = '1'"],
    ['in brackets', "SELECT (c_acctbal -> '$') FROM customer"],
    ['in an arithmetic expression', "SELECT 1 + (c_acctbal -> '$') FROM customer"],
    ['in CASE', "SELECT CASE WHEN c_acctbal -> '$' THEN 1 END FROM customer"],
    ['in ARRAY[]', "SELECT ARRAY[c_acctbal -> '$'] FROM customer"],
    ['in a row', "SELECT ROW(c_acctbal -> '$', 1) FROM customer"],
    ['in CAST', "SELECT CAST(c_acctbal -> '$' AS varchar) FROM customer"],
    ['in ORDER BY', "SELECT 1 FROM customer ORDER BY c_acctbal -> '$'"],
    ['in GROUP BY', "SELECT 1 FROM customer GROUP BY c_acctbal -> '$'"],
    ['in VALUES', "VALUES (x -> '$')"],
    ['in listagg', "SELECT listagg(c_acctbal -> '$', ',') WITHIN GROUP (ORDER BY 1) FROM customer"],
    ['in the body of a lambda', 'SELECT transform(arr, x -> y -> 1) FROM t'],
    ['in UNNEST', "SELECT * FROM UNNEST(x -> '$')"],
    ['in a subscript', "SELECT arr[c_acctbal -> '$'] FROM customer"],
    ['in a property', "CREATE TABLE n WITH (format = x -> '$') AS SELECT 1"],
    ['in EXECUTE', "EXECUTE IMMEDIATE 'SELECT ?' USING x -> 1"],
    ['as a DuckDB operator in EXECUTE', "EXECUTE IMMEDIATE 'SELECT ?' USING upper(c_acctbal -> '$')"],
  ])('refuses a lambda outside a function’s arguments: %s', (_name, sql) => {
    const a = analyze(sql, TINY);
    expect(a.ok).toBe(false);
    expect(a.tables).toEqual([]);
  });
});

describe('DuckDB’s own column expansion', () => {
  it.each<[string, string, Record<string, string[]>]>([
    ['COLUMNS with a regular expression', "SELECT COLUMNS('c_acc.*') FROM customer", { 'tpch.tiny.customer': ['*'] }],
    ['COLUMNS with a lambda', "SELECT COLUMNS(c -> c LIKE '%bal') FROM customer", { 'tpch.tiny.customer': ['*', 'c'] }],
    ['COLUMNS(*) in an aggregate', 'SELECT max(COLUMNS(*)) FROM customer', { 'tpch.tiny.customer': ['*'] }],
    ['in a subquery, outer relations too', "SELECT (SELECT max(COLUMNS('x')) FROM nation) FROM customer", { 'tpch.tiny.customer': ['*'], 'tpch.tiny.nation': ['*'] }],
  ])('%s', (_name, sql, expected) => {
    expect(reads(analyze(sql, TINY))).toEqual(expected);
  });
});

describe('EXECUTE ... USING', () => {
  const session: AnalysisSession = { ...TINY, preparedStatements: { p: 'SELECT ? FROM nation', q: 'SELECT ?, ? FROM nation WHERE n_name = ?' } };

  it.each<[string, string, Record<string, string[]>]>([
    ['EXECUTE IMMEDIATE: a subquery of a value', "EXECUTE IMMEDIATE 'SELECT ?' USING (SELECT max(o_comment) || count(*) FROM tpch.tiny.orders)", { 'tpch.tiny.orders': ['o_comment'] }],
    ['EXECUTE: the statement and the value', 'EXECUTE p USING (SELECT max(o_comment) || count(*) FROM tpch.tiny.orders)', { 'tpch.tiny.nation': [], 'tpch.tiny.orders': ['o_comment'] }],
    ['several values', 'EXECUTE q USING 1, (SELECT max(o_comment) FROM orders), EXISTS (SELECT 1 FROM customer WHERE c_phone = \'x\')', { 'tpch.tiny.nation': ['n_name'], 'tpch.tiny.orders': ['o_comment'], 'tpch.tiny.customer': ['c_phone'] }],
    ['an IN subquery', 'EXECUTE p USING 1 IN (SELECT o_orderkey FROM orders)', { 'tpch.tiny.nation': [], 'tpch.tiny.orders': ['o_orderkey'] }],
    ['a correlated subquery of its own', 'EXECUTE p USING (SELECT max(o.o_comment) FROM orders o WHERE o.o_orderkey = (SELECT min(c_custkey) FROM customer))', { 'tpch.tiny.nation': [], 'tpch.tiny.orders': ['c_custkey', 'o_comment', 'o_orderkey'], 'tpch.tiny.customer': ['c_custkey'] }],
    ['constants', "EXECUTE p USING 1, 'a', DATE '2024-01-01', ARRAY[1, 2], transform(ARRAY[1], x -> x + 1)", { 'tpch.tiny.nation': [] }],
    ['a statement the session does not hold', 'EXECUTE missing USING (SELECT max(o_comment) FROM orders)', { 'tpch.tiny.orders': ['o_comment'] }],
  ])('%s', (_name, sql, expected) => {
    expect(reads(analyze(sql, session))).toEqual(expected);
  });

  it.each([
    ['a column', 'EXECUTE p USING c_phone'],
    ['a qualified column', 'EXECUTE p USING customer.c_phone'],
    ['a column in an expression', "EXECUTE p USING upper(c_phone) || 'x'"],
    ['a column in a subquery without relations', 'EXECUTE p USING (SELECT c_phone)'],
    ['EXECUTE IMMEDIATE', "EXECUTE IMMEDIATE 'SELECT ? FROM customer' USING c_phone"],
  ])('refuses a value that is not a constant: %s', (_name, sql) => {
    const a = analyze(sql, session);
    expect(a.ok).toBe(false);
    expect(a.error).toMatch(/constants/);
  });

  it('reports the statement the session does not hold', () => {
    expect(analyze('EXECUTE missing USING (SELECT 1 FROM orders)', session).unresolved).toEqual([expect.stringContaining('EXECUTE missing')]);
    for (const name of ['constructor', 'tostring', '__proto__']) expect(analyze(`EXECUTE ${name}`, session)).toMatchObject({ ok: true, tables: [], unresolved: [expect.stringContaining(name)] });
  });
});
