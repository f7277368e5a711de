import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../../lambdas/local/duckdb-engine.js';
import type { EngineSubmission } from '../../../lambdas/core/ports/index.js';
import { inspect, names, ok, run, session } from './support.js';

/**
 * For the local engine: views are stored with the names in their bodies
 * qualified at creation, as Trino stores them, and reading a view reports what its body reads.
 */
let engine: DuckDbEngine;
const memory = session('memory', 'default');
const tpch = session('tpch', 'tiny');

beforeAll(async () => {
  engine = await DuckDbEngine.create();
});
afterAll(() => engine?.close());

async function definition(view: string): Promise<string> {
  const { rows } = await engine.internalQuery(`SELECT sql FROM duckdb_views() WHERE database_name = 'memory' AND schema_name = 'default' AND view_name = '${view}'`);
  return String(rows[0]?.[0]);
}

describe('the decoy attack', () => {
  it('a view over a dropped decoy never re-binds to the reader’s schema', async () => {
    await ok(engine, "CREATE TABLE orders AS SELECT 99 AS o_orderkey, 'decoy' AS o_comment", memory);
    await ok(engine, 'CREATE VIEW v AS SELECT * FROM orders', memory);
    await ok(engine, 'DROP TABLE orders', memory);

    // Read from a tpch.tiny session, where `orders` is the real table.
    const outcome = await run(engine, 'SELECT * FROM memory."default".v', tpch);
    expect(outcome.state).toBe('FAILED');
    expect(outcome.error?.errorName).toBe('TABLE_NOT_FOUND');
    expect(outcome.rows).toEqual([]);

    const inspection = await inspect(engine, 'SELECT * FROM memory."default".v', tpch);
    expect(inspection.tables).toEqual([['memory', 'default', 'v']]);
    expect(inspection.viewTables).toEqual([{ view: ['memory', 'default', 'v'], table: ['memory', 'default', 'orders'] }]);
  });

  it('the same with a schema-qualified and an unqualified decoy, read through a second view', async () => {
    await ok(engine, 'CREATE TABLE "default".customer AS SELECT 1 AS c_custkey', memory);
    await ok(engine, 'CREATE VIEW v_inner AS SELECT * FROM "default".customer', memory);
    await ok(engine, 'CREATE VIEW v_outer AS SELECT * FROM v_inner', memory);
    await ok(engine, 'DROP TABLE customer', memory);
    const outcome = await run(engine, 'SELECT * FROM memory."default".v_outer', session('tpch', 'default'));
    expect(outcome.error?.errorName).toBe('TABLE_NOT_FOUND');
    const inspection = await inspect(engine, 'SELECT * FROM memory."default".v_outer', tpch);
    expect(inspection.viewTables).toEqual([
      { view: ['memory', 'default', 'v_outer'], table: ['memory', 'default', 'v_inner'] },
      { view: ['memory', 'default', 'v_inner'], table: ['memory', 'default', 'customer'] },
    ]);
  });
});

describe('view bodies are stored qualified', () => {
  it('one- and two-part names are completed with the creating session, WITH query names are not', async () => {
    await ok(engine, 'CREATE VIEW memory."default".nations AS WITH orders AS (SELECT 1 AS k) SELECT n_name, (SELECT k FROM orders) AS k FROM nation JOIN tiny.region ON n_regionkey = r_regionkey', tpch);
    const sql = await definition('nations');
    expect(sql).toMatch(/tpch\.tiny\.nation/);
    expect(sql).toMatch(/tpch\.tiny\.region/);
    expect(sql).toMatch(/FROM orders\b/);
    expect(sql).not.toMatch(/tiny\.orders/);
    // Read from anywhere, it reads the same tables.
    for (const from of [memory, tpch, session(null, null)]) {
      expect(await ok(engine, 'SELECT count(*), max(k) FROM memory."default".nations', from)).toEqual([[25n, 1]]);
    }
    const inspection = await inspect(engine, 'SELECT * FROM memory."default".nations', memory);
    expect(names(inspection.viewTables!.map((v) => v.table))).toEqual(['tpch.tiny.nation', 'tpch.tiny.region']);
  });

  it('CREATE OR REPLACE VIEW replaces what inspections report (no stale cache)', async () => {
    await ok(engine, 'CREATE VIEW memory."default".r AS SELECT * FROM nation', tpch);
    expect((await inspect(engine, 'SELECT * FROM memory."default".r')).viewTables).toEqual([{ view: ['memory', 'default', 'r'], table: ['tpch', 'tiny', 'nation'] }]);
    await ok(engine, 'CREATE OR REPLACE VIEW memory."default".r AS SELECT * FROM region', tpch);
    expect((await inspect(engine, 'SELECT * FROM memory."default".r')).viewTables).toEqual([{ view: ['memory', 'default', 'r'], table: ['tpch', 'tiny', 'region'] }]);
    await ok(engine, 'DROP VIEW memory."default".r');
    expect((await inspect(engine, 'SELECT * FROM memory."default".r')).viewTables).toBeUndefined();
  });

  it('creating a view over something the engine refuses is refused', async () => {
    for (const body of ["SELECT * FROM read_csv('/etc/passwd')", 'SELECT * FROM duckdb_tables()', 'SELECT * EXCLUDE (c_phone) FROM customer', 'SELECT customer FROM customer']) {
      const outcome = await run(engine, `CREATE VIEW memory."default".bad AS ${body}`);
      expect(outcome.error?.errorName, body).toBe('PERMISSION_DENIED');
    }
    expect(await definition('bad')).toBe('undefined');
  });

  it('a view over views reports every level, each with the view it was reached through', async () => {
    await ok(engine, 'CREATE VIEW memory."default".l1 AS SELECT n_nationkey FROM nation', tpch);
    await ok(engine, 'CREATE VIEW memory."default".l2 AS SELECT * FROM memory."default".l1 JOIN region ON n_nationkey = r_regionkey', tpch);
    await ok(engine, 'CREATE VIEW memory."default".l3 AS SELECT * FROM l2, l1', memory);
    const inspection = await inspect(engine, 'SELECT count(*) FROM memory."default".l3');
    expect(inspection.tables).toEqual([['memory', 'default', 'l3']]);
    expect(inspection.viewTables!.map((v) => `${v.view.join('.')} -> ${v.table.join('.')}`).sort()).toEqual([
      'memory.default.l1 -> tpch.tiny.nation',
      'memory.default.l2 -> memory.default.l1',
      'memory.default.l2 -> tpch.tiny.region',
      'memory.default.l3 -> memory.default.l1',
      'memory.default.l3 -> memory.default.l2',
    ]);
    expect(await ok(engine, 'SELECT count(*) FROM memory."default".l3')).toEqual([[125n]]);
  });

  it('a view whose WITH query shares its name with a table of the view’s schema is refused when read', async () => {
    await ok(engine, 'CREATE TABLE memory."default".shadow AS SELECT 1 AS secret');
    await ok(engine, 'CREATE VIEW memory."default".shadowing AS WITH shadow AS (SELECT 2 AS secret) SELECT * FROM shadow');
    expect((await inspect(engine, 'SELECT * FROM memory."default".shadowing')).refusal).toMatch(/WITH query named like the table memory.default.shadow/);
  });
});

describe('between the check and the run', () => {
  it('a view replaced after inspect makes submit refuse, for the same query id', async () => {
    await ok(engine, 'CREATE VIEW memory."default".swap AS SELECT r_name FROM region', tpch);
    const submission: EngineSubmission = { queryId: 'swap-1', sql: 'SELECT * FROM memory."default".swap', session: tpch, target: 'local' };
    const checked = await engine.inspect(submission);
    expect(checked.viewTables).toEqual([{ view: ['memory', 'default', 'swap'], table: ['tpch', 'tiny', 'region'] }]);
    // Someone with write access swaps the body for one the reader may not read.
    await ok(engine, 'CREATE OR REPLACE VIEW memory."default".swap AS SELECT c_phone AS r_name FROM customer', tpch);
    const submitted = await engine.submit(submission);
    const page = await engine.poll(submitted.handle, undefined, { maxWaitMs: 5_000, maxRows: 10 });
    expect(page.state).toBe('FAILED');
    expect(page.error?.errorName).toBe('PERMISSION_DENIED');
    expect(page.error?.message).toMatch(/changed between the access check and the run/);
  });

  it('an unchanged statement runs after inspect', async () => {
    const submission: EngineSubmission = { queryId: 'same-1', sql: 'SELECT count(*) FROM memory."default".swap', session: tpch, target: 'local' };
    await engine.inspect(submission);
    const submitted = await engine.submit(submission);
    const page = await engine.poll(submitted.handle, undefined, { maxWaitMs: 5_000, maxRows: 10 });
    expect(page.state).toBe('FINISHED');
    expect(page.rows).toEqual([[1500n]]);
  });

  it('a statement refused at inspect is refused at submit, whoever calls it', async () => {
    const submission: EngineSubmission = { queryId: 'refused-1', sql: "SELECT * FROM read_csv('/etc/passwd')", session: tpch, target: 'local' };
    expect((await engine.inspect(submission)).refusal).toMatch(/table function read_csv/);
    const submitted = await engine.submit(submission);
    const page = await engine.poll(submitted.handle, undefined, { maxWaitMs: 5_000, maxRows: 10 });
    expect(page.error?.errorName).toBe('PERMISSION_DENIED');
  });
});
