import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, DuckDbEngine } from '../../../lambdas/local/duckdb-engine.js';
import { trinoMacroNames } from '../../../lambdas/local/trino-functions.js';
import { ok, run, session } from './support.js';

/**
 * The local engine with a data folder: its `memory` catalog lives in a database file the engine
 * opens itself, so tables and views written there survive a restart, while the lockdown holds as
 * it does in memory (no client can attach, read or copy a file, the database file included).
 */
let dir: string;
const memory = session('memory', 'default');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bifrost-duckdb-data-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function direct(engine: DuckDbEngine, sql: string): Promise<string> {
  try {
    await engine.internalQuery(sql);
    return 'ran';
  } catch (error) {
    return String((error as Error).message);
  }
}

describe('a data folder for the local engine', () => {
  it('keeps the memory catalog (tables, rows, views) across a restart; tpch is built anew', async () => {
    const folder = join(dir, 'restart');
    const first = await DuckDbEngine.create({ dataDir: folder });
    try {
      await ok(first, 'CREATE TABLE t (id integer, name varchar)', memory);
      await ok(first, "INSERT INTO t VALUES (1, 'one'), (2, 'two')", memory);
      await ok(first, 'CREATE TABLE memory.default.big AS SELECT o_orderkey FROM tpch.tiny.orders', memory);
      await ok(first, 'CREATE VIEW v AS SELECT name FROM t WHERE id = 2', memory);
    } finally {
      first.close();
    }
    expect(existsSync(join(folder, DATABASE_FILE))).toBe(true);

    const second = await DuckDbEngine.create({ dataDir: folder });
    try {
      expect(await ok(second, 'SELECT id, name FROM t ORDER BY id', memory)).toEqual([
        [1, 'one'],
        [2, 'two'],
      ]);
      expect(await ok(second, 'SELECT name FROM memory.default.v', memory)).toEqual([['two']]);
      expect(await ok(second, 'SELECT count(*) FROM memory.default.big')).toEqual(await ok(second, 'SELECT count(*) FROM tpch.tiny.orders'));
      // Written again after the restart, and the catalogs are the same two as in memory.
      await ok(second, "INSERT INTO t VALUES (3, 'three')", memory);
      expect(await ok(second, 'SELECT count(*) FROM t', memory)).toEqual([[3n]]);
      expect((await ok(second, 'SHOW CATALOGS')).map((r) => r[0]).sort()).toEqual(['memory', 'tpch']);
      // Trino's functions are there, once.
      expect(await ok(second, "SELECT date_format(TIMESTAMP '2024-05-06 07:08:09', '%Y')")).toEqual([['2024']]);
    } finally {
      second.close();
    }
  });

  it('starts afresh without a data folder', async () => {
    const engine = await DuckDbEngine.create();
    try {
      expect((await run(engine, 'SELECT * FROM t', memory)).error?.errorName).toBe('TABLE_NOT_FOUND');
    } finally {
      engine.close();
    }
  });

  it('drops macros a database file kept that this version no longer defines', async () => {
    const folder = join(dir, 'macros');
    const first = await DuckDbEngine.create({ dataDir: folder, sampleData: false });
    try {
      // As an older version would have left one: created behind the guard, which refuses CREATE MACRO.
      expect(await direct(first, 'CREATE MACRO memory.main.retired_function(x) AS x + 1')).toBe('ran');
    } finally {
      first.close();
    }
    const second = await DuckDbEngine.create({ dataDir: folder, sampleData: false });
    try {
      const { rows } = await second.internalQuery(`SELECT DISTINCT function_name FROM duckdb_functions() WHERE database_name = 'memory' AND function_type IN ('macro', 'table_macro') AND NOT internal`);
      expect(rows.map((r) => r[0]).sort()).toEqual([...new Set(trinoMacroNames())].sort());
    } finally {
      second.close();
    }
  });

  describe('the lockdown, with a database file', () => {
    const folder = () => join(dir, 'lockdown');
    let engine: DuckDbEngine;
    beforeAll(async () => {
      engine = await DuckDbEngine.create({ dataDir: folder() });
    });
    afterAll(() => engine?.close());

    it('the settings are those of the in-memory engine, with no spill folder', async () => {
      const { rows } = await engine.internalQuery(`SELECT current_setting('enable_external_access'), current_setting('lock_configuration'), current_setting('temp_directory'), current_setting('allowed_directories')`);
      expect(rows).toEqual([[false, true, '', []]]);
      expect(await direct(engine, 'SET enable_external_access = true')).toMatch(/locked/i);
      expect(await direct(engine, `SET temp_directory = '${folder()}'`)).toMatch(/locked/i);
    });

    it('DuckDB itself refuses every other file: beside the database file, its spill folder, elsewhere', async () => {
      const file = join(folder(), DATABASE_FILE);
      writeFileSync(join(folder(), 'secret.csv'), 'a\n1\n');
      expect(await direct(engine, `ATTACH '${file}' AS again`)).not.toBe('ran');
      expect(await direct(engine, `ATTACH '${join(folder(), 'other.duckdb')}' AS other`)).toMatch(/disabled by configuration/);
      expect(await direct(engine, `SELECT * FROM read_csv('${join(folder(), 'secret.csv')}')`)).toMatch(/disabled by configuration/);
      expect(await direct(engine, `SELECT * FROM glob('${folder()}/*')`)).toMatch(/disabled by configuration/);
      expect(await direct(engine, `COPY (SELECT 1) TO '${join(folder(), 'out.csv')}'`)).toMatch(/disabled by configuration/);
      expect(await direct(engine, `COPY (SELECT 1) TO '${file}.tmp/out.csv'`)).toMatch(/disabled by configuration/);
      expect(await direct(engine, `EXPORT DATABASE '${join(folder(), 'export')}'`)).toMatch(/disabled by configuration/);
      expect(readdirSync(folder()).filter((f) => !f.startsWith(DATABASE_FILE)).sort()).toEqual(['secret.csv']);
    });

    // DuckDB lets an instance read and write its own database file and log whatever the settings:
    // no statement from a client may name them.
    it.each([
      (f: string) => `ATTACH '${f}/${DATABASE_FILE}' AS again`,
      (f: string) => `ATTACH '${f}/${DATABASE_FILE}.wal' AS again`,
      () => "ATTACH ':memory:' AS other",
      () => 'DETACH memory',
      () => 'CHECKPOINT',
      () => 'SELECT path FROM duckdb_databases()',
      (f: string) => `SELECT * FROM read_blob('${f}/${DATABASE_FILE}')`,
      (f: string) => `SELECT * FROM '${f}/${DATABASE_FILE}.wal'`,
      (f: string) => `COPY (SELECT 'x') TO '${f}/${DATABASE_FILE}' (FORMAT csv, USE_TMP_FILE false)`,
      (f: string) => `COPY (SELECT 'x') TO '${f}/${DATABASE_FILE}.wal' (FORMAT csv, USE_TMP_FILE false)`,
      () => 'CREATE MACRO leak() AS (SELECT 1)',
    ])('the client path refuses: %s', async (make) => {
      const outcome = await run(engine, make(folder()), memory);
      expect(outcome.state).toBe('FAILED');
      expect(outcome.error?.errorName).toBe('PERMISSION_DENIED');
    });
  });
});

describe('results held in memory', () => {
  it('are dropped 30 s after their last read once read to their end, else after the result TTL', async () => {
    const engine = await DuckDbEngine.create({ resultTtlMs: 120_000 });
    try {
      // One query read to its end, one read only in part.
      expect((await run(engine, 'SELECT * FROM range(10)')).rows).toHaveLength(10);
      const partial = await engine.submit({ queryId: 'partial', sql: 'SELECT * FROM range(10)', session: session(), target: 'local' });
      const first = await engine.poll(partial.handle, undefined, { maxWaitMs: 10_000, maxRows: 4 });
      expect(first.nextCursor).toBeDefined();
      expect(engine.heldQueries).toBe(2);
      engine.evict(Date.now() + 29_000);
      expect(engine.heldQueries).toBe(2);
      engine.evict(Date.now() + 31_000);
      expect(engine.heldQueries).toBe(1);
      engine.evict(Date.now() + 119_000);
      expect(engine.heldQueries).toBe(1);
      engine.evict(Date.now() + 121_000);
      expect(engine.heldQueries).toBe(0);
    } finally {
      engine.close();
    }
  });
});
