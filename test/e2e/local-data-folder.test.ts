import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start -- --data DIR` as an operator uses it: tables written into memory.default over the
 * Trino protocol are there again after the server is stopped (SIGTERM, as Ctrl-C or a service
 * manager stops it) and started on the same folder (test/unit/local/persistence.test.ts shows
 * the engine without a folder starting afresh).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'bifrost-start-data-'));
const running = new Set<ChildProcess>();

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
  url: string;
  child: ChildProcess;
  output: () => string;
}

/** Starts `npm start`'s entry on a free port and waits for its ready line. */
async function start(...args: string[]): Promise<Started> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const child = spawn(process.execPath, ['--import', 'tsx', 'lambdas/local/main.ts', '--port', '0', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const ready = /Bifrost is ready at (\S+)/.exec(out);
      if (ready) resolve(ready[1]!);
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before it was ready:\n${out}`)));
  });
  return { url, child, output: () => out };
}

async function stop(server: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
  server.child.kill('SIGTERM');
  const code = await exited;
  running.delete(server.child);
  return code;
}

/** Runs one statement through the protocol; returns its rows, or throws with the error. */
async function query(url: string, sql: string): Promise<unknown[][]> {
  const headers = { 'X-Trino-User': 'alice', 'X-Trino-Catalog': 'memory', 'X-Trino-Schema': 'default' };
  let page = (await (await fetch(`${url}/v1/statement`, { method: 'POST', body: sql, headers })).json()) as { nextUri?: string; data?: unknown[][]; error?: { message: string } };
  const rows: unknown[][] = [];
  for (;;) {
    if (page.error) throw new Error(`${sql}: ${page.error.message}`);
    rows.push(...(page.data ?? []));
    if (!page.nextUri) return rows;
    page = (await (await fetch(page.nextUri, { headers })).json()) as typeof page;
  }
}

describe('npm start -- --data DIR', () => {
  it('keeps tables of memory.default across a restart, and prints nothing but its own lines', async () => {
    const first = await start('--data', dataDir);
    await query(first.url, 'CREATE TABLE kept (id integer, name varchar)');
    await query(first.url, "INSERT INTO kept VALUES (1, 'one'), (2, 'two')");
    expect(await stop(first)).toBe(0);
    expect(existsSync(join(dataDir, 'duckdb', 'memory.duckdb'))).toBe(true);

    const second = await start('--data', dataDir);
    try {
      expect(await query(second.url, 'SELECT id, name FROM kept ORDER BY id')).toEqual([
        [1, 'one'],
        [2, 'two'],
      ]);
      await query(second.url, "INSERT INTO memory.default.kept VALUES (3, 'three')");
      expect(await query(second.url, 'SELECT count(*) FROM kept')).toEqual([[3]]);
    } finally {
      expect(await stop(second)).toBe(0);
    }
    // Its output: the ready lines, no warning from Node or the AWS SDK.
    expect(second.output()).not.toMatch(/warning/i);
    expect(second.output()).toContain(`data kept in ${dataDir}`);
  });
});
