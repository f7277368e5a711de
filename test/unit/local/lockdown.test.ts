import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../../lambdas/local/duckdb-engine.js';
import { TPCH_TINY_SIZES } from '../../../lambdas/local/tpch.js';
import { ok, run } from './support.js';

/**
 * For the local engine: DuckDB itself is locked down when the instance is
 * created. These tests go around the statement guard on purpose (internalQuery runs SQL as the
 * gateway's own metadata reads do), to show that DuckDB refuses on its own, and through submit,
 * to show the client's path refuses first.
 */
let engine: DuckDbEngine;
let dir: string;

beforeAll(async () => {
  engine = await DuckDbEngine.create();
  dir = mkdtempSync(join(tmpdir(), 'bifrost-lockdown-'));
  writeFileSync(join(dir, 'secret.csv'), 'a,b\n1,2\n');
});
afterAll(() => {
  engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** DuckDB's own answer, the guard bypassed. */
async function direct(sql: string): Promise<string> {
  try {
    await engine.internalQuery(sql);
    return 'ran';
  } catch (error) {
    return String((error as Error).message);
  }
}

describe('settings fixed at instance creation', () => {
  it('external access, extension autoload/autoinstall and community extensions are off, and the configuration is locked', async () => {
    const { rows } = await engine.internalQuery(
      `SELECT current_setting('enable_external_access'), current_setting('autoload_known_extensions'), current_setting('autoinstall_known_extensions'),
              current_setting('allow_community_extensions'), current_setting('allow_unsigned_extensions'), current_setting('lock_configuration')`,
    );
    expect(rows).toEqual([[false, false, false, false, false, true]]);
  });

  it('the sample data loaded before nothing else could: tpch.tiny and memory.default exist', async () => {
    expect(await ok(engine, 'SELECT count(*) FROM orders')).toEqual([[BigInt(TPCH_TINY_SIZES.orders)]]);
    const { rows } = await engine.internalQuery(`SELECT schema_name FROM duckdb_schemas() WHERE database_name = 'memory' AND schema_name = 'default'`);
    expect(rows).toEqual([['default']]);
  });

  it.each([
    'SET enable_external_access = true',
    'RESET enable_external_access',
    'SET lock_configuration = false',
    'SET autoload_known_extensions = true',
    'SET allow_community_extensions = true',
    "SET allowed_directories = ['/']",
    "PRAGMA memory_limit = '10GB'",
    'SET threads = 1',
    "SET memory_limit = '10GB'",
  ])('DuckDB refuses to change a setting even when asked directly: %s', async (sql) => {
    expect(await direct(sql)).toMatch(/configuration has been locked|Cannot change|locked/i);
    expect((await engine.internalQuery(`SELECT current_setting('enable_external_access')`)).rows).toEqual([[false]]);
  });
});

describe('no host files, even for SQL that reaches DuckDB', () => {
  it.each([
    (d: string) => `SELECT * FROM read_csv('${d}/secret.csv')`,
    (d: string) => `SELECT * FROM '${d}/secret.csv'`,
    (d: string) => `SELECT * FROM "${d}/secret.csv"`,
    (d: string) => `SELECT * FROM read_text('${d}/secret.csv')`,
    (d: string) => `SELECT * FROM read_blob('${d}/secret.csv')`,
    (d: string) => `SELECT * FROM glob('${d}/*')`,
    () => `SELECT * FROM read_csv('/etc/passwd')`,
    () => `SELECT * FROM read_parquet('/etc/passwd')`,
    () => `SELECT * FROM read_json('/etc/passwd')`,
  ])('reads refused: %s', async (make) => {
    const message = await direct(make(dir));
    expect(message).not.toBe('ran');
    expect(message).toMatch(/disabled by configuration|does not exist|not found|Permission/i);
  });

  it('COPY TO, EXPORT DATABASE and ATTACH of a file write nothing', async () => {
    const out = join(dir, 'out.csv');
    expect(await direct(`COPY (SELECT * FROM tpch.tiny.orders) TO '${out}'`)).toMatch(/disabled by configuration/);
    expect(await direct(`EXPORT DATABASE '${join(dir, 'export')}'`)).toMatch(/disabled by configuration/);
    expect(await direct(`ATTACH '${join(dir, 'x.db')}' AS x`)).toMatch(/disabled by configuration/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir, 'export'))).toBe(false);
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
  });

  it('INSTALL and LOAD of extensions are refused', async () => {
    expect(await direct('INSTALL httpfs')).toMatch(/disabled by configuration|Permission/i);
    expect(await direct('LOAD httpfs')).toMatch(/disabled|Permission/i);
    expect(await direct("INSTALL h3 FROM community")).toMatch(/disabled|Permission|not allowed/i);
  });

  it('a function of an extension that is not loaded is not autoloaded', async () => {
    expect(await direct("SELECT * FROM sqlite_scan('/etc/passwd', 'x')")).toMatch(/not in the catalog, but it exists in the sqlite_scanner extension/);
    expect(await direct("SELECT * FROM read_xlsx('/etc/passwd')")).not.toBe('ran');
    // Even listing extensions would read the extension directory on the host.
    expect(await direct('SELECT * FROM duckdb_extensions()')).toMatch(/disabled by configuration/);
  });
});

describe('the client path refuses before DuckDB sees the statement', () => {
  it.each([
    'SET enable_external_access = true',
    'RESET lock_configuration',
    'PRAGMA threads = 1',
    "SET VARIABLE x = 'y'",
    "SET search_path = 'system.main'",
    "SET schema = 'system.main'",
    'USE system.main',
    "COPY (SELECT * FROM orders) TO '/tmp/orders.csv'",
    "COPY orders FROM '/etc/passwd'",
    "ATTACH ':memory:' AS other",
    "ATTACH '/tmp/other.db'",
    'DETACH tpch',
    'INSTALL httpfs',
    'LOAD httpfs',
    'FORCE INSTALL httpfs',
    "EXPORT DATABASE '/tmp/export'",
    "IMPORT DATABASE '/tmp/export'",
    'CALL pragma_version()',
    'CHECKPOINT',
    'VACUUM',
    "CREATE SECRET (TYPE s3, KEY_ID 'a', SECRET 'b')",
    'CREATE MACRO leak() AS (SELECT 1)',
    'CREATE TEMP TABLE t AS SELECT 1',
    'CREATE SEQUENCE s',
    'CREATE FUNCTION f(x) AS x + 1',
  ])('%s', async (sql) => {
    const outcome = await run(engine, sql);
    expect(outcome.state).toBe('FAILED');
    expect(outcome.error?.errorName).toBe('PERMISSION_DENIED');
    expect(outcome.error?.message).toMatch(/^Access Denied: the local engine refuses this statement/);
  });

  it('the catalogs are all still there afterwards', async () => {
    const { rows } = await engine.internalQuery('SELECT database_name FROM duckdb_databases() WHERE NOT internal ORDER BY 1');
    expect(rows).toEqual([['memory'], ['tpch']]);
  });
});
