import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../../lambdas/core/ports/index.js';
import { analyze, trinoAnalyzer, type AnalysisSession } from '../../../lambdas/core/sql/index.js';

const tables = (a: Analysis) => a.tables.map((t) => `${t.access}:${t.name}`).sort();
const columns = (a: Analysis, name: string) => {
  const t = a.tables.find((x) => x.name === name && x.access === 'read') ?? a.tables.find((x) => x.name === name);
  return t ? [...(t.allColumns ? ['*'] : []), ...(t.columns ?? [])] : undefined;
};

interface Case {
  sql: string;
  session?: AnalysisSession;
  tables: string[];
  kind?: string;
}

const HR: AnalysisSession = { catalog: 'hive', schema: 'hr' };

const cases: Record<string, Case> = {
  'plain select': { sql: 'SELECT a FROM t', tables: ['read:t'], kind: 'select' },
  'qualified with the session': { sql: 'SELECT a FROM t JOIN s.u ON true', session: HR, tables: ['read:hive.hr.t', 'read:hive.s.u'] },
  'three parts stay': { sql: 'SELECT 1 FROM c.s.t', session: HR, tables: ['read:c.s.t'] },
  'quoted, mixed case and doubled quotes': { sql: 'SELECT 1 FROM "Hive"."HR"."We""ird"', tables: ['read:hive.hr.we"ird'] },
  'a dot inside a quoted part': { sql: 'SELECT * FROM example.current."java.lang:type=runtime"', tables: ['read:example.current.java.lang:type=runtime'] },
  'astral characters before a name keep its text whole': { sql: "SELECT '😀🎉' AS \"x😀\" FROM \"T😀bl\" JOIN \"é\".u ON true", tables: ['read:t😀bl', 'read:é.u'] },
  'non-ASCII but no astral characters': { sql: "SELECT 'é' FROM \"Ünïcode\".\"Tâble\"", tables: ['read:ünïcode.tâble'] },
  'backticks': { sql: 'SELECT * FROM `db`.`Tbl`', tables: ['read:db.tbl'] },
  'comments and odd whitespace': { sql: '/* a */SELECT\t*\r\nFROM--x\n\t\r\n  /* b */secret', tables: ['read:secret'] },
  'self join and union count once': { sql: 'SELECT * FROM t a JOIN t b ON a.x = b.x UNION SELECT * FROM t', tables: ['read:t'] },
  'cte names are not tables': { sql: 'WITH a AS (SELECT * FROM x), b AS (SELECT * FROM a) SELECT * FROM b JOIN y ON true', tables: ['read:x', 'read:y'] },
  'a cte named like a table still reads the table in its body': { sql: 'WITH secret AS (SELECT * FROM secret) SELECT * FROM secret', tables: ['read:secret'] },
  'a later cte sees an earlier one, not the reverse': { sql: 'WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a, b', tables: ['read:b'] },
  'recursive cte': { sql: 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT * FROM t', tables: [] },
  'a cte name qualified is a table': { sql: 'WITH t AS (SELECT 1) SELECT * FROM s.t', tables: ['read:s.t'] },
  'cte scope ends with its query': { sql: 'SELECT * FROM (WITH t AS (SELECT 1) SELECT * FROM t) x, t', tables: ['read:t'] },
  'nested and correlated subqueries': {
    sql: 'SELECT * FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.id = a.id AND b.v IN (SELECT v FROM c)) AND a.x > (SELECT max(x) FROM d) AND a.y = ANY (SELECT y FROM e)',
    tables: ['read:a', 'read:b', 'read:c', 'read:d', 'read:e'],
  },
  'lateral': { sql: 'SELECT * FROM n, LATERAL (SELECT * FROM r WHERE r.k = n.k)', tables: ['read:n', 'read:r'] },
  'unnest aliases are not tables': { sql: 'SELECT * FROM t CROSS JOIN UNNEST(t.arr) WITH ORDINALITY AS secret(x, i)', tables: ['read:t'] },
  'values aliases are not tables': { sql: 'SELECT * FROM (VALUES (1, 2)) AS secret(a, b)', tables: [], kind: 'select' },
  'bare values': { sql: 'VALUES 1, 2, 3', tables: [], kind: 'values' },
  'presto FROM VALUES without brackets': { sql: 'SELECT * FROM VALUES (13, 42), (1, 2) INTERSECT SELECT 13', tables: [] },
  'TABLE t': { sql: 'TABLE secret', tables: ['read:secret'] },
  'TABLE t of a cte': { sql: 'WITH secret AS (SELECT 1) TABLE secret', tables: [] },
  'table argument of a table function': { sql: 'SELECT * FROM TABLE(exclude_columns(input => TABLE(orders), columns => DESCRIPTOR(comment)))', tables: ['read:orders'] },
  'json_table': { sql: "SELECT * FROM t, JSON_TABLE(t.doc, 'lax $' COLUMNS (id INTEGER PATH 'lax $.id')) AS j", tables: ['read:t'] },
  'hidden columns are not tables': { sql: 'SELECT "$path", "$partition" FROM hive.web.page_views', tables: ['read:hive.web.page_views'] },
  'metadata tables keep their suffix': { sql: 'SELECT * FROM "page_views$partitions"', session: HR, tables: ['read:hive.hr.page_views$partitions'] },
  'time travel': { sql: 'SELECT * FROM t FOR VERSION AS OF 3 JOIN u FOR TIMESTAMP AS OF TIMESTAMP \'2024-01-01 00:00:00\' ON true', tables: ['read:t', 'read:u'] },
  'FROM inside expressions': { sql: "SELECT extract(year FROM d), trim(BOTH 'x' FROM s), a IS DISTINCT FROM b, substring(s FROM 2) FROM t", tables: ['read:t'] },
  'qualified function names are not tables': { sql: 'SELECT example.default.answer(), system.bucket(x, 4) FROM t', tables: ['read:t'] },
  'dotted quoted aliases are not tables': { sql: 'SELECT x AS "hive.tpcds.secret" FROM t', tables: ['read:t'] },
  'a string that looks like SQL': { sql: "SELECT 'SELECT * FROM secret' FROM t", tables: ['read:t'] },
  'listagg WITH COUNT is not a cte': { sql: "SELECT listagg(v, ',') WITHIN GROUP (ORDER BY v) FROM t", tables: ['read:t'] },
  'match_recognize': {
    sql: 'SELECT * FROM t MATCH_RECOGNIZE (PARTITION BY a ORDER BY b MEASURES A.p AS p ONE ROW PER MATCH PATTERN (A B+) DEFINE B AS B.p < PREV(B.p)) AS m',
    tables: ['read:t'],
  },
  'insert select, same table read and written': { sql: 'INSERT INTO t (a, b) SELECT a, b FROM t', tables: ['read:t', 'write:t'], kind: 'insert' },
  'insert with a cte': { sql: 'INSERT INTO t WITH x AS (SELECT * FROM s) SELECT * FROM x', tables: ['read:s', 'write:t'] },
  'ctas': { sql: 'CREATE TABLE IF NOT EXISTS n WITH (format = \'ORC\') AS SELECT * FROM o WITH NO DATA', tables: ['read:o', 'write:n'], kind: 'ctas' },
  'create table like': { sql: 'CREATE TABLE n (LIKE o INCLUDING PROPERTIES, x int)', tables: ['read:o', 'write:n'], kind: 'other' },
  'create view': { sql: 'CREATE OR REPLACE VIEW v SECURITY INVOKER AS SELECT * FROM o', tables: ['read:o', 'write:v'] },
  'create materialized view': { sql: 'CREATE MATERIALIZED VIEW mv GRACE PERIOD INTERVAL \'1\' HOUR WHEN STALE FAIL AS SELECT * FROM o', tables: ['read:o', 'write:mv'] },
  'update writes only its target': { sql: 'UPDATE t SET a = (SELECT max(b) FROM s WHERE s.k = t.k) WHERE c = 1', tables: ['read:s', 'write:t'], kind: 'update' },
  'delete': { sql: 'DELETE FROM t WHERE k IN (SELECT k FROM s)', tables: ['read:s', 'write:t'], kind: 'delete' },
  'merge': {
    sql: 'MERGE INTO t AS x USING (SELECT * FROM s) AS y ON x.id = y.id WHEN MATCHED AND y.d THEN DELETE WHEN MATCHED THEN UPDATE SET v = y.v WHEN NOT MATCHED THEN INSERT (id, v) VALUES (y.id, y.v)',
    tables: ['read:s', 'write:t'],
    kind: 'merge',
  },
  'truncate': { sql: 'TRUNCATE TABLE t', tables: ['write:t'] },
  'drop view': { sql: 'DROP VIEW IF EXISTS v', tables: ['write:v'] },
  'rename table writes both names': { sql: 'ALTER TABLE IF EXISTS users RENAME TO people', tables: ['write:people', 'write:users'] },
  'rename view writes both names': { sql: 'ALTER VIEW people RENAME TO users', tables: ['write:people', 'write:users'] },
  'rename column is not a table': { sql: 'ALTER TABLE users RENAME COLUMN id TO user_id', tables: ['write:users'] },
  'comment on column names its table': { sql: "COMMENT ON COLUMN hive.hr.users.name IS 'x'", tables: ['write:hive.hr.users'] },
  'alter table execute': { sql: "ALTER TABLE t EXECUTE optimize(file_size_threshold => '10MB') WHERE d > 1", tables: ['write:t'] },
  'analyze': { sql: 'ANALYZE t WITH (partitions = ARRAY[ARRAY[\'1\']])', tables: ['write:t'] },
  'explain': { sql: 'EXPLAIN (TYPE IO, FORMAT JSON) INSERT INTO a SELECT * FROM b', tables: ['read:b', 'write:a'], kind: 'explain' },
  'explain analyze verbose': { sql: 'EXPLAIN ANALYZE VERBOSE SELECT * FROM secret', tables: ['read:secret'], kind: 'explain' },
  'prepare': { sql: 'PREPARE p FROM SELECT * FROM secret WHERE a = ?', tables: ['read:secret'], kind: 'other' },
  'execute immediate': { sql: "EXECUTE IMMEDIATE 'SELECT name FROM nation WHERE regionkey = ?' USING 1", tables: ['read:nation'], kind: 'other' },
  'execute immediate with a unicode escape': { sql: "EXECUTE IMMEDIATE U&'SELECT * FROM \\0073ecret'", tables: ['read:secret'] },
  'execute immediate with UESCAPE': { sql: "EXECUTE IMMEDIATE U&'SELECT * FROM !+000073ecret' UESCAPE '!'", tables: ['read:secret'] },
  'execute immediate in execute immediate': { sql: "EXECUTE IMMEDIATE 'EXECUTE IMMEDIATE ''SELECT * FROM secret'''", tables: ['read:secret'] },
  'execute resolves through the session': { sql: 'EXECUTE q USING 1', session: { preparedStatements: { q: 'SELECT * FROM secret WHERE a = ?' } }, tables: ['read:secret'] },
  'prepared statement names are case-insensitive': { sql: 'EXECUTE Q', session: { preparedStatements: { q: 'DELETE FROM t' } }, tables: ['write:t'] },
  'describe output resolves through the session': { sql: 'DESCRIBE OUTPUT q', session: { preparedStatements: { q: 'SELECT * FROM secret' } }, tables: ['read:secret'], kind: 'describe' },
  'describe': { sql: 'DESCRIBE secret', session: HR, tables: ['read:hive.hr.secret'], kind: 'describe' },
  'show columns': { sql: 'SHOW COLUMNS FROM secret', tables: ['read:secret'], kind: 'show' },
  'show create table': { sql: 'SHOW CREATE TABLE sf1.orders', tables: ['read:sf1.orders'], kind: 'show' },
  'show create view': { sql: 'SHOW CREATE VIEW v', tables: ['read:v'], kind: 'show' },
  'show stats': { sql: 'SHOW STATS FOR t', tables: ['read:t'] },
  'show stats for a query': { sql: 'SHOW STATS FOR (SELECT * FROM t WHERE a > 1)', tables: ['read:t'] },
  'show grants on a table': { sql: 'SHOW GRANTS ON TABLE t', tables: ['read:t'] },
  'show branches': { sql: 'SHOW BRANCHES IN TABLE orders', tables: ['read:orders'], kind: 'show' },
  'create branch': { sql: 'CREATE BRANCH audit IN TABLE orders FROM dev', tables: ['write:orders'] },
  'drop branch': { sql: 'DROP BRANCH IF EXISTS audit IN TABLE orders', tables: ['write:orders'] },
  'alter branch': { sql: 'ALTER BRANCH main IN TABLE orders FAST FORWARD TO audit', tables: ['write:orders'] },
  'branch syntax': { sql: "INSERT INTO cities @ audit VALUES (1, 'x')", tables: ['write:cities'] },
  'corresponding': { sql: 'SELECT * FROM a UNION ALL CORRESPONDING BY (x) SELECT * FROM b', tables: ['read:a', 'read:b'] },
  'nearest join': { sql: 'SELECT * FROM trades t CROSS JOIN NEAREST (FROM quotes q WHERE q.s = t.s MATCH q.ts <= t.ts)', tables: ['read:quotes', 'read:trades'] },
  'with session': { sql: "WITH SESSION query_max_run_time = '2h', SESSION hive.x = true SELECT * FROM t", tables: ['read:t'] },
  'a SQL routine with semicolons in BEGIN ... END and a FOR loop': {
    sql: 'WITH FUNCTION sum_odd(n bigint) RETURNS bigint BEGIN DECLARE total bigint DEFAULT 0; top: FOR i IN 1 TO n BY 1 DO IF i % 2 = 0 THEN ITERATE top; END IF; SET total = total + i; END FOR; RETURN total; END SELECT sum_odd(x) FROM t',
    tables: ['read:t'],
  },
  'a subquery in a routine body': { sql: 'WITH FUNCTION m() RETURNS bigint RETURN (SELECT count(*) FROM secret) SELECT m()', tables: ['read:secret'] },
  'with function': { sql: 'WITH FUNCTION meaning() RETURNS bigint RETURN 42 SELECT meaning() FROM t', tables: ['read:t'] },
  'group by auto': { sql: 'SELECT a, count(*) FROM t GROUP BY AUTO', tables: ['read:t'] },
  'quantified comparison with ALL': { sql: 'SELECT 21 < ALL (VALUES 19, 20, 21)', tables: [] },
  'athena unload': { sql: "UNLOAD (SELECT * FROM t WHERE a < 1) TO 's3://bucket/p/' WITH (format = 'PARQUET')", tables: ['read:t'] },
  'prepare unload': { sql: "PREPARE u FROM UNLOAD (SELECT * FROM t) TO 's3://b/'", tables: ['read:t'], kind: 'other' },
  'the JSON predicate': { sql: "SELECT '[1]' IS JSON ARRAY, doc IS NOT JSON WITH UNIQUE KEYS FROM t", tables: ['read:t'] },
  'athena optimize': { sql: "OPTIMIZE db.t REWRITE DATA USING BIN_PACK WHERE c = 'x' AND k IN (SELECT k FROM u)", tables: ['read:u', 'write:db.t'], kind: 'other' },
  'athena vacuum': { sql: 'VACUUM db.t', tables: ['write:db.t'], kind: 'other' },
  'use': { sql: 'USE hive.finance', tables: [], kind: 'use' },
  'show tables': { sql: 'SHOW TABLES FROM tpch.sf1', tables: [], kind: 'show' },
  'call is not a table': { sql: 'CALL system.runtime.kill_query(query_id => \'x\')', tables: [] },
  'set session': { sql: "SET SESSION query_max_run_time = '10m'", tables: [] },
  'trailing semicolon': { sql: 'SELECT * FROM t;', tables: ['read:t'] },
};

describe('analyze: tables and access', () => {
  it.each(Object.entries(cases))('%s', (_name, c) => {
    const a = analyze(c.sql, c.session ?? {});
    expect(a.error).toBeUndefined();
    expect(a.ok).toBe(true);
    expect(tables(a)).toEqual([...c.tables].sort());
    if (c.kind) expect(a.kind).toBe(c.kind);
  });
});

describe('analyze: fails closed', () => {
  it.each([
    ['several statements', 'SELECT 1; SELECT * FROM secret', /only one statement/],
    ['several statements without a semicolon between them cannot pass as one', 'SELECT 1 SELECT * FROM secret', /line 1/],
    ['a routine followed by a second statement', 'WITH FUNCTION f() RETURNS bigint BEGIN RETURN 1; END SELECT f(); SELECT * FROM secret', /only one statement/],
    ['a branch statement followed by a second statement', 'SHOW BRANCHES IN TABLE t; SELECT * FROM secret', /only one statement/],
    ['a syntax error', 'SELEC * FROM secret', /line 1:1/],
    ['an unterminated string', "SELECT * FROM secret WHERE a = 'x", /line 1/],
    ['an unterminated comment', 'SELECT * FROM secret /* x', /line 1/],
    ['an empty text', '  -- nothing\n', /empty/],
    ['whitespace Trino does not know (no-break space)', 'SELECT * FROM\u00a0secret', /line 1/],
    ['an empty quoted name', 'SELECT * FROM ""', /Zero-length/],
    ['a name of four parts', 'SELECT * FROM a.b.c.d', /line 1/],
    ['a statement the grammar lacks', 'SHOW PARTITIONS secret', /line 1/],
    ['a branch name with a dot', 'SELECT * FROM t @ secret_schema.secret', /line 1/],
    ['not Trino SQL', 'SHOW COMMENT ON TABLE secret', /not supported/],
    ['execute immediate of a bad statement', "EXECUTE IMMEDIATE 'SELECT * FROM secret; SELECT 1'", /only one statement/],
    ['execute immediate with a bad escape', "EXECUTE IMMEDIATE U&'SELECT \\00'", /Unicode/],
    ['a prepared statement that cannot be analyzed', 'EXECUTE q', /line 1/, { preparedStatements: { q: 'SELEC 1' } }],
    ['with session values that are queries', "WITH SESSION a = (SELECT x FROM secret) SELECT 1", /constants/],
    ['unload of something else than a query', "UNLOAD (DELETE FROM t) TO 's3://b/'", /query/],
  ] as [string, string, RegExp, AnalysisSession?][])('%s', (_name, sql, error, session) => {
    const a = analyze(sql, session ?? {});
    expect(a.ok).toBe(false);
    expect(a.tables).toEqual([]);
    expect(a.error).toMatch(error);
  });

  it('bounds the nesting of brackets', () => {
    const deep = (n: number) => `SELECT ${'('.repeat(n)}x${')'.repeat(n)} FROM secret`;
    expect(analyze(deep(100)).ok).toBe(true);
    const a = analyze(deep(129));
    expect(a.ok).toBe(false);
    expect(a.error).toMatch(/nested more than 128/);
    // A second or so alone: room for a loaded machine, where the default 5 s was seen to run out.
  }, 30_000);

  it('bounds nesting', () => {
    let sql = 'SELECT * FROM secret';
    for (let i = 0; i < 12; i++) sql = `EXECUTE IMMEDIATE '${sql.replace(/'/g, "''")}'`;
    const a = analyze(sql);
    expect(a.ok).toBe(false);
    expect(a.error).toMatch(/nested too deeply/);
  });

  it('reports EXECUTE of a statement the session does not hold as unresolved', () => {
    const a = analyze('EXECUTE my_select USING 1');
    expect(a.ok).toBe(true);
    expect(a.tables).toEqual([]);
    expect(a.unresolved).toEqual([expect.stringContaining('EXECUTE my_select')]);
  });
});

describe('analyze: columns', () => {
  it('attributes qualified columns to their table and unqualified ones to every candidate', () => {
    const a = analyze('SELECT e.name, ssn, d.title FROM employees e JOIN depts d ON e.dept = d.id WHERE salary > 10');
    expect(columns(a, 'employees')).toEqual(['dept', 'name', 'salary', 'ssn']);
    expect(columns(a, 'depts')).toEqual(['id', 'salary', 'ssn', 'title']);
  });

  it('counts * and t.* as every column', () => {
    expect(columns(analyze('SELECT * FROM t'), 't')).toEqual(['*']);
    expect(columns(analyze('SELECT u.a, t.* FROM t, u'), 't')).toEqual(['*']);
    expect(columns(analyze('SELECT u.a, t.* FROM t, u'), 'u')).toEqual(['a']);
    expect(columns(analyze('SELECT count(*) FROM t'), 't')).toEqual([]);
  });

  it('sees columns of correlated references and subqueries', () => {
    const a = analyze('SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.k = t.k)');
    expect(columns(a, 't')).toEqual(['a', 'k']);
    expect(columns(a, 'u')).toEqual(['k']);
  });

  it('does not take lambda parameters for columns', () => {
    expect(columns(analyze('SELECT transform(arr, x -> x + y) FROM t'), 't')).toEqual(['arr', 'y']);
  });

  it('counts all columns for NATURAL JOIN and JOIN USING columns for both sides', () => {
    const a = analyze('SELECT a FROM t1 NATURAL JOIN t2');
    expect(columns(a, 't1')).toContain('*');
    const b = analyze('SELECT v FROM t1 JOIN t2 USING (k)');
    expect(columns(b, 't1')).toEqual(['k', 'v']);
    expect(columns(b, 't2')).toEqual(['k', 'v']);
  });

  it('sees through bracketed joins and their aliases', () => {
    const a = analyze('SELECT j.ssn FROM (a JOIN b ON a.x = b.y) j');
    expect(columns(a, 'a')).toEqual(['ssn', 'x']);
    expect(columns(a, 'b')).toEqual(['ssn', 'y']);
  });

  it('records the columns a write reads and writes', () => {
    const a = analyze('UPDATE t SET a = b + 1 WHERE c = 2');
    const t = a.tables.find((x) => x.name === 't')!;
    expect(t.writtenColumns).toEqual(['a']);
    expect(t.columns).toEqual(['b', 'c']);
    expect(t.operations).toEqual(['update']);
    expect(analyze('INSERT INTO t (x, y) VALUES (1, 2)').tables[0]!.writtenColumns).toEqual(['x', 'y']);
  });
});

describe('analyze: other objects', () => {
  it('qualifies schemas and catalogs', () => {
    expect(analyze('SHOW TABLES FROM hr', HR).schemas).toEqual([{ name: 'hive.hr', parts: ['hive', 'hr'], operation: 'showTables' }]);
    expect(analyze('SHOW TABLES', HR).schemas).toEqual([{ name: 'hive.hr', parts: ['hive', 'hr'], operation: 'showTables' }]);
    expect(analyze('USE finance', HR).schemas).toEqual([{ name: 'hive.finance', parts: ['hive', 'finance'], operation: 'use' }]);
    expect(analyze('SHOW SCHEMAS FROM tpch').catalogs).toEqual([{ name: 'tpch', operation: 'showSchemas' }]);
    expect(analyze('CREATE SCHEMA s', HR).schemas?.[0]).toMatchObject({ name: 'hive.s', operation: 'createSchema' });
  });

  it('reports table functions, connector functions and procedures with their catalog', () => {
    expect(analyze("SELECT * FROM TABLE(system.query(query => 'SELECT * FROM secret'))", { catalog: 'pg' }).routines).toEqual([{ name: 'pg.system.query', parts: ['pg', 'system', 'query'], kind: 'table function' }]);
    expect(analyze('SELECT * FROM TABLE(sequence(start => 1, stop => 3))').routines).toBeUndefined();
    expect(analyze('SELECT example.default.answer()').routines).toEqual([{ name: 'example.default.answer', parts: ['example', 'default', 'answer'], kind: 'function' }]);
    expect(analyze("CALL system.sync_partition_metadata('hr', 'secret', 'FULL')", { catalog: 'hive' }).routines?.[0]).toMatchObject({ name: 'hive.system.sync_partition_metadata', kind: 'procedure' });
  });

  it('reports the table system.table_changes reads', () => {
    const a = analyze("SELECT * FROM TABLE(delta.system.table_changes(schema_name => 'hr', table_name => 'Secret', since_version => 0))");
    expect(a.tables).toEqual([]);
    expect(a.indirectTables?.map((t) => t.name)).toEqual(['delta.hr.secret']);
  });

  it('reports SET SESSION AUTHORIZATION', () => {
    expect(analyze("SET SESSION AUTHORIZATION 'bob'").impersonate).toBe('bob');
    expect(analyze('SET SESSION AUTHORIZATION Bob').impersonate).toBe('bob');
  });

  it('keeps the branch of t @ b', () => {
    expect(analyze('DELETE FROM orders @ audit WHERE a = 1').tables).toEqual([expect.objectContaining({ name: 'orders', access: 'write', branch: 'audit' })]);
  });

  it('names the rename peers', () => {
    const a = analyze('ALTER TABLE a RENAME TO b');
    expect(a.tables).toEqual([expect.objectContaining({ name: 'a', renamedTo: 'b' }), expect.objectContaining({ name: 'b', renamedFrom: 'a' })]);
  });

  it('implements the Analyzer port', () => {
    expect(trinoAnalyzer.analyze('SELECT * FROM t', { catalog: 'c', schema: 's', preparedStatements: {} }).tables[0]!.name).toBe('c.s.t');
  });
});

describe('warm-up', () => {
  it('analyzes its statements without failing', async () => {
    const { warmUpAnalyzer } = await import('../../../lambdas/core/sql/index.js');
    expect(warmUpAnalyzer()).toBe(7);
  });
});
