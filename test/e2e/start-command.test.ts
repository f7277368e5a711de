import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/** `npm start -- ...` as a newcomer meets it: the options on --help, one clear line when the port is taken. */
interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the start command to its exit (killed after 60 s), without blocking: the runs of this file go side by side. */
function start(...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lambdas/local/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

let busy: LocalServer | undefined;
afterAll(async () => {
  await busy?.close();
});

describe('the start command', () => {
  let runs: Record<'help' | 'portInUse' | 'unknownOption', Run>;
  beforeAll(async () => {
    busy = await startLocalServer();
    const [help, portInUse, unknownOption] = await Promise.all([start('--help'), start('--port', String(busy.port)), start('--nope')]);
    runs = { help: help!, portInUse: portInUse!, unknownOption: unknownOption! };
  }, 120_000);

  it('lists its options on --help and exits 0', () => {
    const run = runs.help;
    expect(run.status).toBe(0);
    for (const option of ['--config', '--athena-workgroup', '--tls-cert', '--port', '--host']) expect(run.stdout).toContain(option);
  });

  it('says in one line that the port is in use, without a stack trace', () => {
    const run = runs.portInUse;
    expect(run.status).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`port ${busy!.port} .*in use`));
  });

  it('refuses an unknown option with the usage', () => {
    const run = runs.unknownOption;
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/Unknown option '--nope'/);
    expect(run.stderr).toContain('--config');
  });
});

describe('a data folder', () => {
  it('keeps history across a restart of the local server', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = mkdtempSync(join(tmpdir(), 'bifrost-data-'));
    try {
      const first = await startLocalServer({ dataDir });
      let page = (await (await fetch(`${first.url}/v1/statement`, { method: 'POST', body: 'SELECT 42', headers: { 'X-Trino-User': 'alice' } })).json()) as { id: string; nextUri?: string };
      const id = page.id;
      while (page.nextUri) page = (await (await fetch(page.nextUri, { headers: { 'X-Trino-User': 'alice' } })).json()) as { id: string; nextUri?: string };
      await first.close();

      const second = await startLocalServer({ dataDir });
      try {
        expect(await second.store.get(id)).toMatchObject({ queryId: id, user: 'alice', sql: 'SELECT 42', state: 'FINISHED' });
      } finally {
        await second.close();
      }
      // Without the folder, a new server starts afresh.
      const fresh = await startLocalServer();
      try {
        expect(await fresh.store.get(id)).toBeUndefined();
      } finally {
        await fresh.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
