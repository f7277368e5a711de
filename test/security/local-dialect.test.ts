/**
 * The local engine's dialect: the check reads Trino SQL, DuckDB runs something else.
 * Attacks: strings and comments DuckDB lexes differently (E'\'' escapes, nested comments, dollar
 * quoting, backslashes, unicode escapes), several statements in one body, host files read as
 * tables, DuckDB's catalog views and functions, COLUMNS(...) and star modifiers, row values, NUL
 * bytes, DuckDB-only statements (SET, PRAGMA, ATTACH, INSTALL, LOAD, COPY, EXPORT), and a view
 * re-bound at read time to the reader's session schema.
 *
 * Every attack also names the host paths it would write: none may exist afterwards.
 */
import { expect } from 'vitest';
import { attackSuite, finished, hostFiles, lit, uniqueName, type Attack, type Positive } from './support.js';

const files = hostFiles();
const attacks: Attack[] = [];
const MEMORY = { catalog: 'memory', schema: 'default' } as const;
const add = (name: string, sql: string, extra: Partial<Attack> = {}) => attacks.push({ name, sql, ...extra });

// ------------------------------------------------------------------ strings and comments
/** Ways to hide DuckDB-only text `x` from the Trino lexer (x holds no single quote), and the number of columns of the visible SELECT. */
const SMUGGLERS: [string, (x: string) => string, number][] = [
  ['nested comment then line comment', (x) => `SELECT 'a' /* /* */ -- */ ${x}\n`, 1],
  ['nested comment then string', (x) => `SELECT 'a' /* /* */ , ' */ ${x} --'`, 1],
  ['doubly nested comment', (x) => `SELECT 'a' /* /* /* */ */ -- */ ${x}\n`, 1],
  ['nested comment without spaces', (x) => `SELECT 'a' /*/**/--*/ ${x}\n`, 1],
  ['E-string escaped quote', (x) => `SELECT 'a', E'\\'' ${x} --' FROM nation`, 2],
  ['lower-case e-string', (x) => `SELECT 'a', e'\\'' ${x} --' FROM nation`, 2],
  ['E-string octal quote', (x) => `SELECT 'a', E'\\047\\'' ${x} --' FROM nation`, 2],
];
SMUGGLERS.forEach(([label, smuggle, columns]) => {
  add(`lexing: ${label}, UNION with orders`, smuggle(`UNION ALL SELECT max(o_clerk)${', NULL'.repeat(columns - 1)} FROM orders`));
  const out = files.target(`${label.replace(/\W+/g, '-')}.csv`);
  add(`lexing: ${label}, second statement COPY to a host file`, smuggle(`; COPY (SELECT * FROM orders) TO $$${out}$$`), { files: [out] });
  const t = uniqueName('smuggled');
  add(`lexing: ${label}, second statement creates a table, read back`, '', { sql: [smuggle(`; CREATE TABLE memory.default.${t} AS SELECT o_clerk FROM tpch.tiny.orders`), `SELECT * FROM memory.default.${t}`] });
});
add('lexing: dollar-quoted string hides a quote', `SELECT $$'$$, (SELECT max(o_clerk) FROM orders) --'`);
add('lexing: tagged dollar quotes', `SELECT $x$'$x$, (SELECT max(o_clerk) FROM orders) --'`);
add('lexing: dollar quotes inside an identifier position', `SELECT 1 AS a$$, (SELECT max(o_clerk) FROM orders) AS b$$`);
add('lexing: backslash before the closing quote', `SELECT 'a\\', (SELECT max(o_clerk) FROM orders) --'`);
// Both read this as one string: it must stay one string (a regression guard, nothing to calibrate).
add('lexing: backslash-escaped quote in a standard string', `SELECT 'a\\'' UNION ALL SELECT max(o_clerk) FROM orders --'`, { calibrate: false });
add('lexing: unicode escape names orders', 'SELECT max(o_clerk) FROM U&"\\006Frders"', { refused: 'trino-only' });
add('lexing: unicode escape with UESCAPE', `SELECT max(o_clerk) FROM U&"!006Frders" UESCAPE '!'`, { refused: 'trino-only' });
add('lexing: unicode escape string as a quote', `SELECT U&'\\0027', (SELECT max(o_clerk) FROM orders) --'`, { refused: 'trino-only' });
add('lexing: comment opened inside a string', `SELECT '/*', max(o_clerk) FROM orders --*/'`);
add('lexing: line comment ended by a carriage return', `SELECT 'a' --\r UNION ALL SELECT max(o_clerk) FROM orders`);

// ------------------------------------------------------------------ several statements
{
  const plain = [
    ['semicolon', (f: string) => `SELECT 1; COPY (SELECT * FROM orders) TO ${lit(f)}`],
    ['semicolon and newline', (f: string) => `SELECT 1;\nCOPY (SELECT * FROM orders) TO ${lit(f)};`],
    ['COPY first', (f: string) => `COPY (SELECT * FROM orders) TO ${lit(f)}; SELECT 1`],
    ['comment between', (f: string) => `SELECT 1 /* x */ ; /* y */ COPY orders TO ${lit(f)}`],
    ['empty statements', (f: string) => `;; SELECT 1 ;; COPY orders TO ${lit(f)} ;;`],
    ['COPY alone', (f: string) => `COPY (SELECT * FROM orders) TO ${lit(f)}`],
    ['COPY of an allowed table', (f: string) => `COPY (SELECT n_name FROM nation) TO ${lit(f)}`],
    ['COPY table TO with options', (f: string) => `COPY orders TO ${lit(f)} (FORMAT csv, HEADER)`],
    ['EXPORT DATABASE', (f: string) => `EXPORT DATABASE ${lit(f)}`],
    ['ATTACH a new database file', (f: string) => `ATTACH ${lit(f)} AS evil`],
    ['smuggled EXPORT DATABASE', (f: string) => `SELECT 'a' /* /* */ -- */ ; EXPORT DATABASE $$${f}$$\n`],
    ['smuggled ATTACH', (f: string) => `SELECT 'a' /* /* */ -- */ ; ATTACH $$${f}$$ AS evil2\n`],
    ['smuggled COPY of an allowed table', (f: string) => `SELECT 'a' /* /* */ -- */ ; COPY (SELECT n_name FROM tpch.tiny.nation) TO $$${f}$$\n`],
  ] as const;
  plain.forEach(([label, make], i) => {
    const out = files.target(`several-${i}.csv`);
    // Several plain statements were refused by the gateway's lexer before the access-control hardening: regression guards.
    add(`statements: ${label}`, make(out), { files: [out], ...(label.startsWith('smuggled') || !make(out).includes(';') ? {} : { calibrate: false }) });
  });
  const t = uniqueName('smuggled_ctas');
  add('statements: smuggled CTAS, read back', '', { sql: [`SELECT 'a' /* /* */ -- */ ; CREATE TABLE memory.default.${t} AS SELECT o_clerk, o_comment FROM tpch.tiny.orders\n`, `SELECT * FROM memory.default.${t}`] });
  const u = uniqueName('smuggled_ins');
  add('statements: smuggled INSERT, read back', '', { setup: [`CREATE TABLE memory.default.${u} (v varchar)`], sql: [`SELECT 'a' /* /* */ -- */ ; INSERT INTO memory.default.${u} SELECT c_phone FROM tpch.tiny.customer\n`, `SELECT * FROM memory.default.${u}`] });
}

// ------------------------------------------------------------------ host files as tables
add('files: quoted path as a table, memory session', `SELECT * FROM "${files.secretCsv}"`, { session: MEMORY });
add('files: JSON file as a table, memory session', `SELECT * FROM "${files.secretJson}"`, { session: MEMORY });
add('files: glob as a table, memory session', `SELECT * FROM "${files.dir}/secr*.csv"`, { session: MEMORY });
add('files: file URL as a table, memory session', `SELECT * FROM "file://${files.secretCsv}"`, { session: MEMORY });
add('files: path with an alias list', `SELECT b FROM "${files.secretCsv}" AS t(a, b)`, { session: MEMORY });
add('files: path in a join', `SELECT n_name, s.value FROM tpch.tiny.nation, "${files.secretCsv}" s WHERE n_nationkey = 0`, { session: MEMORY });
add('files: path in a scalar subquery', `SELECT (SELECT max(value) FROM "${files.secretCsv}")`, { session: MEMORY });
add('files: path in a CTE', `WITH s AS (SELECT * FROM "${files.secretCsv}") SELECT * FROM s`, { session: MEMORY });
add('files: quoted path, tpch session', `SELECT * FROM "${files.secretCsv}"`);
add('files: string literal as a table', `SELECT * FROM ${lit(files.secretCsv)}`, { session: MEMORY });
add('files: read_csv', `SELECT * FROM read_csv(${lit(files.secretCsv)})`, { session: MEMORY });
add('files: read_text', `SELECT * FROM read_text(${lit(files.secretText)})`, { session: MEMORY });
add('files: smuggled read', `SELECT 'a' /* /* */ -- */ UNION ALL SELECT value FROM $$${files.secretCsv}$$\n`);
{
  const t = uniqueName('file_ctas');
  add('files: CTAS from a file, read back', '', { session: MEMORY, sql: [`CREATE TABLE memory.default.${t} AS SELECT * FROM "${files.secretCsv}"`, `SELECT * FROM memory.default.${t}`] });
  const v = uniqueName('file_view');
  add('files: view over a file, read back', '', { session: MEMORY, sql: [`CREATE VIEW memory.default.${v} AS SELECT * FROM "${files.secretCsv}"`, `SELECT * FROM memory.default.${v}`] });
  const u = uniqueName('file_ins');
  add('files: INSERT from a file, read back', '', { session: MEMORY, setup: [`CREATE TABLE memory.default.${u} (name varchar, value varchar)`], sql: [`INSERT INTO memory.default.${u} SELECT * FROM "${files.secretCsv}"`, `SELECT * FROM memory.default.${u}`] });
  const w = uniqueName('file_copy');
  add('files: COPY FROM a file, read back', '', { session: MEMORY, setup: [`CREATE TABLE memory.default.${w} (name varchar, value varchar)`], sql: [`COPY memory.default.${w} FROM ${lit(files.secretCsv)} (HEADER)`, `SELECT * FROM memory.default.${w}`] });
}

// ------------------------------------------------------------------ DuckDB catalog views and functions
for (const view of ['duckdb_tables', 'duckdb_columns', 'sqlite_master', 'sqlite_schema', 'pg_tables', 'pg_class', 'pg_attribute']) {
  add(`catalog: ${view} from the memory session`, `SELECT * FROM ${view}`, { session: MEMORY });
}
add('catalog: duckdb_tables() function', 'SELECT * FROM duckdb_tables()', { session: MEMORY });
add('catalog: duckdb_columns() function, tpch session', 'SELECT * FROM duckdb_columns()');
add('catalog: quoted view name', 'SELECT sql FROM "duckdb_tables"', { session: MEMORY });
add('catalog: upper-case view name', 'SELECT sql FROM DUCKDB_TABLES', { session: MEMORY });
add('catalog: information_schema from the memory session', 'SELECT table_name, column_name FROM information_schema.columns', { session: MEMORY });
add('catalog: pg_catalog qualified', 'SELECT * FROM pg_catalog.pg_tables', { session: MEMORY });
add('catalog: system.main qualified', 'SELECT * FROM system.main.duckdb_tables');
add('catalog: in a subquery', 'SELECT n_name, (SELECT max(sql) FROM duckdb_tables) FROM tpch.tiny.nation', { session: MEMORY });
add('catalog: in a join with an allowed table', 'SELECT t.table_name, t.sql FROM tpch.tiny.nation n JOIN duckdb_tables t ON n.n_nationkey = 0', { session: MEMORY });
add('catalog: PRAGMA table_info', `PRAGMA table_info('tpch.tiny.orders')`);
add('catalog: pragma_table_info as a table', `SELECT * FROM pragma_table_info('tpch.tiny.orders')`, { session: MEMORY });
add('catalog: SUMMARIZE', 'SUMMARIZE tpch.tiny.orders');
add('catalog: DuckDB SHOW of a table', 'SHOW tpch.tiny.orders');

// ------------------------------------------------------------------ COLUMNS(...), star modifiers, row values
add('columns: COLUMNS regex over customer', `SELECT COLUMNS('c_.*') FROM customer LIMIT 5`);
add('columns: COLUMNS of everything', `SELECT COLUMNS('.*') FROM customer LIMIT 5`);
add('columns: COLUMNS alternation', `SELECT COLUMNS('c_(address|phone)') FROM customer LIMIT 5`);
add('columns: COLUMNS inside an aggregate', `SELECT max(COLUMNS('c_p.*')) FROM customer`);
add('columns: COLUMNS with a lambda', `SELECT COLUMNS(c -> c LIKE 'c_p%') FROM customer LIMIT 5`);
add('columns: COLUMNS(*)', 'SELECT COLUMNS(*) FROM customer LIMIT 5');
add('columns: COLUMNS next to a visible column', `SELECT c_name, COLUMNS('c_a.*') FROM customer LIMIT 5`);
add('columns: COLUMNS of an array', `SELECT COLUMNS(ARRAY['c_phone', 'c_comment']) FROM customer LIMIT 5`);
add('columns: lower-case columns()', `SELECT columns('c_mkt.*') FROM customer LIMIT 5`);
add('columns: COLUMNS in a CTE', `WITH t AS (SELECT COLUMNS('c_.*') FROM customer) SELECT * FROM t LIMIT 5`);
add('columns: min(COLUMNS(*))', 'SELECT min(COLUMNS(*)) FROM customer');
add('columns: * EXCLUDE', 'SELECT * EXCLUDE (c_custkey) FROM customer LIMIT 5');
add('columns: * REPLACE', 'SELECT * REPLACE (0 AS c_custkey) FROM customer LIMIT 5');
add('columns: qualified * EXCLUDE', 'SELECT c.* EXCLUDE (c_name) FROM customer c LIMIT 5');
add('columns: positional reference', 'SELECT #5 FROM customer LIMIT 5');
add('columns: row value field access', 'SELECT (c).c_phone FROM customer c LIMIT 5');
add('columns: row value subscript', `SELECT c['c_address'] FROM customer c LIMIT 5`);
add('columns: row value to JSON', 'SELECT to_json(c) FROM customer c LIMIT 5');
add('columns: struct_extract of a row value', `SELECT struct_extract(customer, 'c_comment') FROM customer LIMIT 5`);
add('columns: FROM-first query', 'FROM customer SELECT c_phone LIMIT 5');
add('columns: bare FROM', 'FROM tpch.tiny.orders LIMIT 5');

// ------------------------------------------------------------------ NUL bytes
add('nul: alias list after the cut renames a visible column to c_phone', 'SELECT c_phone FROM customer\u0000 AS t(c_custkey, c_phone, a, b, cc, d, e, f)');
add('nul: alias list after the cut, without AS', 'SELECT c_address FROM customer\u0000 t(c_custkey, c_address, a, b, cc, d, e, f)');
add('nul: UNNEST after the cut shadows a hidden column', `SELECT c_phone FROM customer\u0000 CROSS JOIN UNNEST(ARRAY['x']) AS u(c_phone)`);
add('nul: forbidden table before the cut', 'SELECT max(o_clerk) FROM orders\u0000');
{
  const out = files.target('nul.csv');
  add('nul: COPY after the cut', `SELECT 1\u0000; COPY (SELECT * FROM orders) TO ${lit(out)}`, { files: [out], calibrate: false });
}

// ------------------------------------------------------------------ DuckDB-only statements
const STATE = { refused: 'engine-state' } as const;
add('settings: SET a DuckDB setting', `SET threads = 1`, STATE);
add('settings: SET GLOBAL', `SET GLOBAL memory_limit = '1GB'`, STATE);
add('settings: RESET', 'RESET threads', STATE);
add('settings: PRAGMA show_tables', 'PRAGMA show_tables');
add('settings: PRAGMA database_list', 'PRAGMA database_list', STATE);
add('settings: ATTACH in-memory database', `ATTACH ':memory:' AS evil_mem`, STATE);
add('settings: INSTALL from a path', `INSTALL ${lit(`${files.dir}/nothing.duckdb_extension`)}`, STATE);
add('settings: LOAD from a path', `LOAD ${lit(`${files.dir}/nothing.duckdb_extension`)}`, STATE);
add('settings: smuggled LOAD', `SELECT 'a' /* /* */ -- */ ; LOAD $$${files.dir}/nothing.duckdb_extension$$\n`, STATE);
add('settings: smuggled SET', `SELECT 'a' /* /* */ -- */ ; SET threads = 1\n`, STATE);
add('settings: smuggled ATTACH in memory', `SELECT 'a' /* /* */ -- */ ; ATTACH ':memory:' AS evil_mem2\n`, STATE);
add('settings: SET VARIABLE from orders', `SET VARIABLE v = (SELECT max(o_clerk) FROM tpch.tiny.orders)`, STATE);
add('settings: CHECKPOINT', 'CHECKPOINT', STATE);
{
  const t = uniqueName('smuggled_file');
  add('settings: smuggled CTAS from a host file, read back', '', { sql: [`SELECT 'a' /* /* */ -- */ ; CREATE TABLE memory.default.${t} AS SELECT * FROM $$${files.secretCsv}$$\n`, `SELECT * FROM memory.default.${t}`] });
}
add('settings: CREATE MACRO over orders, then call', '', { session: MEMORY, sql: ['CREATE MACRO memory.default.m() AS (SELECT max(o_clerk) FROM tpch.tiny.orders)', 'SELECT memory.default.m()'] });

// ------------------------------------------------------------------ views re-bound at read time
const TPCH = { catalog: 'tpch', schema: 'tiny' } as const;
/** Decoy table in memory.default, a view over its unqualified name, decoy dropped, view read from tpch.tiny. */
function rebind(label: string, table: string, columns: string[], options: { star?: boolean } = {}) {
  const view = uniqueName(`rebind_${table}`);
  const cols = columns.map((c) => `${c} varchar`).join(', ');
  add(`view re-binding: ${label}`, '', {
    exclusive: true,
    sql: [
      { sql: `CREATE TABLE memory.default.${table} (${cols})`, session: MEMORY },
      { sql: `CREATE VIEW memory.default.${view} AS SELECT ${options.star ? '*' : columns.join(', ')} FROM ${table}`, session: MEMORY },
      { sql: `DROP TABLE memory.default.${table}`, session: MEMORY },
      { sql: `SELECT * FROM memory.default.${view}`, session: TPCH },
    ],
    cleanup: [`DROP VIEW IF EXISTS memory.default.${view}`, `DROP TABLE IF EXISTS memory.default.${table}`],
  });
}
rebind('orders, decoy dropped (a reported bypass)', 'orders', ['o_clerk', 'o_comment']);
rebind('orders, several columns', 'orders', ['o_clerk', 'o_orderpriority', 'o_comment']);
rebind('customer hidden columns, decoy dropped', 'customer', ['c_phone', 'c_address']);
rebind('customer, SELECT * view', 'customer', ['c_custkey'], { star: true });
rebind('lineitem, decoy dropped', 'lineitem', ['l_shipinstruct', 'l_comment']);
rebind('supplier, decoy dropped', 'supplier', ['s_phone', 's_name']);
rebind('part, SELECT * view', 'part', ['p_name'], { star: true });
{
  const inner = uniqueName('rebind_inner');
  const outer = uniqueName('rebind_outer');
  add('view re-binding: a view over a re-bound view', '', {
    exclusive: true,
    sql: [
      { sql: 'CREATE TABLE memory.default.orders (o_clerk varchar)', session: MEMORY },
      { sql: `CREATE VIEW memory.default.${inner} AS SELECT o_clerk FROM orders`, session: MEMORY },
      { sql: `CREATE VIEW memory.default.${outer} AS SELECT o_clerk FROM memory.default.${inner}`, session: MEMORY },
      { sql: 'DROP TABLE memory.default.orders', session: MEMORY },
      { sql: `SELECT max(o_clerk) FROM memory.default.${outer}`, session: TPCH },
    ],
    cleanup: [`DROP VIEW IF EXISTS memory.default.${outer}`, `DROP VIEW IF EXISTS memory.default.${inner}`, 'DROP TABLE IF EXISTS memory.default.orders'],
  });
}

const positives: Positive[] = [
  { name: 'a standard string with a backslash', sql: `SELECT 'a\\b'`, check: (o) => (finished(o, 1), expect(o.rows[0]).toEqual(['a\\b'])) },
  { name: 'a comment with an asterisk', sql: 'SELECT /* a * b */ n_name FROM nation WHERE n_nationkey = 0', check: (o) => (finished(o, 1), expect(o.rows[0]).toEqual(['ALGERIA'])) },
  { name: 'alice writes memory.default', sql: `CREATE TABLE memory.default.${uniqueName('allowed')} AS SELECT n_name FROM tpch.tiny.nation`, check: (o) => (finished(o, 1), expect(o.rows[0]).toEqual([25])) },
  { name: 'a file-like name in a string is data', sql: `SELECT ${lit(files.secretCsv)}`, options: { catalog: 'memory', schema: 'default' }, check: (o) => (finished(o, 1), expect(o.rows[0]).toEqual([files.secretCsv])) },
  { name: 'an allowed customer column list', sql: 'SELECT c_custkey, c_name FROM customer WHERE c_custkey <= 3', check: (o) => finished(o, 3) },
];

attackSuite('local dialect', attacks, { positives, files });
