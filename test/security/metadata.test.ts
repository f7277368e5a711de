/**
 * Metadata: columns hidden from a user are hidden everywhere, as Trino's file-based
 * access control hides them: DESCRIBE, SHOW COLUMNS, information_schema.columns and
 * system.jdbc.columns leave them out, and tables the user may not read do not appear in SHOW
 * TABLES, information_schema.tables or system.jdbc.tables. Whether the gateway answers the
 * statement itself or passes it on (a form it does not recognize reaches DuckDB's own catalog),
 * no hidden name may come back. The controls check that the answers still list what alice may see.
 */
import { expect } from 'vitest';
import { attackSuite, finished, HIDDEN_CUSTOMER_COLUMNS, VISIBLE_CUSTOMER_COLUMNS, type Attack, type Dialect, type Outcome, type Positive } from './support.js';

const attacks: Attack[] = [];
const add = (name: string, sql: string, extra: Partial<Attack> = {}) => attacks.push({ name, sql, ...extra });

/** A count answer must not count what is hidden. */
const countIs = (allowed: number) => (o: Outcome) => {
  const n = Number(o.rows[0]?.[0]);
  return n > allowed ? `the count is ${n}, alice may see ${allowed}` : undefined;
};

const dialects: Dialect[] = ['trino', 'presto'];
for (const dialect of dialects) {
  const d = { dialect };
  add(`describe: DESCRIBE customer (${dialect})`, 'DESCRIBE customer', d);
  add(`describe: SHOW COLUMNS FROM customer (${dialect})`, 'SHOW COLUMNS FROM customer', d);
  add(`columns: information_schema.columns for customer (${dialect})`, `SELECT column_name FROM information_schema.columns WHERE table_name = 'customer'`, d);
  add(`jdbc: system.jdbc.columns for customer (${dialect})`, `SELECT column_name FROM system.jdbc.columns WHERE table_cat = 'tpch' AND table_schem = 'tiny' AND table_name = 'customer'`, d);
  add(`tables: SHOW TABLES (${dialect})`, 'SHOW TABLES', d);
  add(`tables: information_schema.tables (${dialect})`, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'tiny'`, d);
}

// DESCRIBE and SHOW COLUMNS in every spelling
add('describe: qualified', 'DESCRIBE tpch.tiny.customer');
add('describe: schema-qualified', 'DESCRIBE tiny.customer');
add('describe: quoted', 'DESCRIBE "customer"');
add('describe: upper case', 'DESCRIBE CUSTOMER');
add('describe: from the memory session', 'DESCRIBE tpch.tiny.customer', { session: { catalog: 'memory', schema: 'default' } });
add('describe: SHOW COLUMNS IN', 'SHOW COLUMNS IN customer');
add('describe: SHOW COLUMNS qualified', 'SHOW COLUMNS FROM tpch.tiny.customer');
add('describe: SHOW COLUMNS LIKE', `SHOW COLUMNS FROM customer LIKE 'c_%'`);
add('describe: SHOW COLUMNS LIKE a hidden name', `SHOW COLUMNS FROM customer LIKE '%phone%'`);
add('describe: a forbidden table', 'DESCRIBE orders');
add('describe: SHOW COLUMNS of a forbidden table', 'SHOW COLUMNS FROM tpch.tiny.lineitem');
// The local engine cannot answer these; on Trino they would show the hidden columns' names.
add('describe: SHOW CREATE TABLE customer', 'SHOW CREATE TABLE customer', { refused: 'trino-only' });
add('describe: SHOW CREATE TABLE orders', 'SHOW CREATE TABLE orders', { refused: 'trino-only' });
add('describe: SHOW STATS FOR customer', 'SHOW STATS FOR customer', { refused: 'trino-only' });
add('describe: SHOW STATS FOR a query over SELECT *', 'SHOW STATS FOR (SELECT * FROM customer)', { refused: 'trino-only' });
add('describe: result columns of SELECT * LIMIT 0', 'SELECT * FROM customer LIMIT 0');
add('describe: result columns of SELECT * WHERE false', 'SELECT * FROM customer WHERE false');
add('describe: EXPLAIN of SELECT *', 'EXPLAIN SELECT * FROM customer');
add('describe: DESCRIBE OUTPUT of SELECT *', 'DESCRIBE OUTPUT p', { prepared: { p: 'SELECT * FROM customer' } });

// information_schema.columns: the forms the gateway answers and forms it may pass on
add('columns: every column', 'SELECT table_name, column_name FROM information_schema.columns');
add('columns: SELECT *', `SELECT * FROM information_schema.columns WHERE table_schema = 'tiny' AND table_name = 'customer'`);
add('columns: catalog-qualified', `SELECT column_name FROM tpch.information_schema.columns WHERE table_name = 'customer'`);
add('columns: LIKE on the table name', `SELECT column_name FROM information_schema.columns WHERE table_name LIKE 'cust%'`);
add('columns: LIKE on the column name', `SELECT column_name FROM information_schema.columns WHERE column_name LIKE 'c\\_%' ESCAPE '\\'`);
add('columns: ORDER BY ordinal position', `SELECT column_name FROM information_schema.columns WHERE table_name = 'customer' ORDER BY ordinal_position`);
add('columns: upper-cased names', `SELECT upper(column_name) FROM information_schema.columns WHERE table_name = 'customer'`);
add('columns: UNION with a constant', `SELECT column_name FROM information_schema.columns WHERE table_name = 'customer' UNION SELECT 'x'`);
add('columns: IN a subquery', `SELECT column_name FROM information_schema.columns WHERE table_name IN (SELECT 'customer')`);
add('columns: joined with tables', 'SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t ON c.table_name = t.table_name AND c.table_schema = t.table_schema');
add('columns: through a CTE', 'WITH c AS (SELECT * FROM information_schema.columns) SELECT table_name, column_name FROM c');
add('columns: aggregated', `SELECT table_name, array_agg(column_name) FROM information_schema.columns GROUP BY table_name`);
add('columns: a forbidden table', `SELECT column_name FROM information_schema.columns WHERE table_name = 'orders'`);
add('columns: count for customer', `SELECT count(*) FROM information_schema.columns WHERE table_name = 'customer'`, { verify: countIs(VISIBLE_CUSTOMER_COLUMNS.length) });
add('columns: count for tiny', `SELECT count(*) FROM information_schema.columns WHERE table_schema = 'tiny'`, { verify: countIs(4 + 3 + VISIBLE_CUSTOMER_COLUMNS.length) });
add('columns: distinct tables', 'SELECT DISTINCT table_name FROM information_schema.columns');

// system.jdbc
add('jdbc: SELECT * for customer', `SELECT * FROM system.jdbc.columns WHERE table_name = 'customer'`);
add('jdbc: LIKE on the table name', `SELECT column_name FROM system.jdbc.columns WHERE table_name LIKE 'cust%'`);
add(
  'jdbc: DatabaseMetaData.getColumns',
  `SELECT TABLE_CAT, TABLE_SCHEM, TABLE_NAME, COLUMN_NAME, DATA_TYPE, TYPE_NAME, COLUMN_SIZE, BUFFER_LENGTH, DECIMAL_DIGITS, NUM_PREC_RADIX, NULLABLE, REMARKS, COLUMN_DEF, SQL_DATA_TYPE, SQL_DATETIME_SUB, CHAR_OCTET_LENGTH, ORDINAL_POSITION, IS_NULLABLE, SCOPE_CATALOG, SCOPE_SCHEMA, SCOPE_TABLE, SOURCE_DATA_TYPE, IS_AUTOINCREMENT, IS_GENERATEDCOLUMN FROM system.jdbc.columns WHERE TABLE_CAT = 'tpch' AND TABLE_SCHEM LIKE 'tiny' ESCAPE '\\' AND TABLE_NAME LIKE '%' ESCAPE '\\' AND COLUMN_NAME LIKE '%' ESCAPE '\\' ORDER BY TABLE_CAT, TABLE_SCHEM, TABLE_NAME, ORDINAL_POSITION`,
);
add(
  'jdbc: DatabaseMetaData.getTables',
  `SELECT TABLE_CAT, TABLE_SCHEM, TABLE_NAME, TABLE_TYPE, REMARKS, TYPE_CAT, TYPE_SCHEM, TYPE_NAME, SELF_REFERENCING_COL_NAME, REF_GENERATION FROM system.jdbc.tables WHERE TABLE_CAT = 'tpch' AND TABLE_SCHEM LIKE 'tiny' ESCAPE '\\' AND TABLE_NAME LIKE '%' ESCAPE '\\' ORDER BY TABLE_TYPE, TABLE_CAT, TABLE_SCHEM, TABLE_NAME`,
);
add('jdbc: every table', 'SELECT table_name FROM system.jdbc.tables');
add('jdbc: a forbidden table', `SELECT column_name FROM system.jdbc.columns WHERE table_name = 'orders'`);

// SHOW TABLES and information_schema.tables
add('tables: SHOW TABLES FROM tpch.tiny', 'SHOW TABLES FROM tpch.tiny');
add('tables: SHOW TABLES FROM tiny', 'SHOW TABLES FROM tiny');
add('tables: SHOW TABLES IN with LIKE', `SHOW TABLES IN tpch.tiny LIKE '%'`);
add('tables: SHOW TABLES LIKE o%', `SHOW TABLES LIKE 'o%'`);
add('tables: SHOW TABLES LIKE %item', `SHOW TABLES LIKE '%item'`);
add('tables: SHOW TABLES from the memory session', 'SHOW TABLES FROM tpch.tiny', { session: { catalog: 'memory', schema: 'default' } });
add('tables: every table', 'SELECT table_name FROM information_schema.tables');
add('tables: SELECT *', 'SELECT * FROM tpch.information_schema.tables');
add('tables: a forbidden table by name', `SELECT table_name FROM information_schema.tables WHERE table_name = 'orders'`);
add('tables: LIKE', `SELECT table_name FROM information_schema.tables WHERE table_name LIKE '%p%'`);
add('tables: UNION with a constant', `SELECT table_name FROM information_schema.tables UNION SELECT 'x'`);
add('tables: count', `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'tiny'`, { verify: countIs(3) });

const names = (o: Outcome) => o.rows.map((r) => String(r[0]));
const positives: Positive[] = [
  { name: 'DESCRIBE customer lists the visible columns', sql: 'DESCRIBE customer', check: (o) => (finished(o), expect(names(o)).toEqual([...VISIBLE_CUSTOMER_COLUMNS])) },
  { name: 'SHOW COLUMNS lists the visible columns', sql: 'SHOW COLUMNS FROM tpch.tiny.customer', check: (o) => (finished(o), expect(names(o)).toEqual([...VISIBLE_CUSTOMER_COLUMNS])) },
  {
    name: 'information_schema.columns lists the visible columns',
    sql: `SELECT column_name FROM information_schema.columns WHERE table_schema = 'tiny' AND table_name = 'customer'`,
    check: (o) => (finished(o), expect(names(o).sort()).toEqual([...VISIBLE_CUSTOMER_COLUMNS].sort())),
  },
  {
    name: 'system.jdbc.columns lists the visible columns',
    sql: `SELECT column_name FROM system.jdbc.columns WHERE table_cat = 'tpch' AND table_schem = 'tiny' AND table_name = 'customer'`,
    check: (o) => (finished(o), expect(names(o).sort()).toEqual([...VISIBLE_CUSTOMER_COLUMNS].sort())),
  },
  { name: 'SHOW TABLES lists the readable tables', sql: 'SHOW TABLES', check: (o) => (finished(o), expect(names(o).sort()).toEqual(['customer', 'nation', 'region'])) },
  { name: 'DESCRIBE nation lists all its columns', sql: 'DESCRIBE nation', check: (o) => (finished(o), expect(names(o)).toEqual(['n_nationkey', 'n_name', 'n_regionkey', 'n_comment'])) },
];

// The hidden columns are the point of this file: make sure the oracle knows them all.
if (HIDDEN_CUSTOMER_COLUMNS.length !== 6) throw new Error('six hidden columns expected');

attackSuite('metadata', attacks, { positives });
