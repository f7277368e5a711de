import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/** `npm start -- ...` as a newcomer meets it: the options on --help, one clear line when the port is taken. */
const start = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'lambdas/local/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });

let busy: LocalServer | undefined;
afterAll(async () => {
  await busy?.close();
});

describe('the start command', () => {
  it('lists its options on --help and exits 0', () => {
    const run = start('--help');
    expect(run.status).toBe(0);
    for (const option of ['--config', '--athena-workgroup', '--tls-cert', '--port', '--host']) expect(run.stdout).toContain(option);
  });

  it('says in one line that the port is in use, without a stack trace', async () => {
    busy = await startLocalServer();
    const run = start('--port', String(busy.port));
    expect(run.status).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`port ${busy.port} .*in use`));
  });

  it('refuses an unknown option with the usage', () => {
    const run = start('--nope');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/Unknown option '--nope'/);
    expect(run.stderr).toContain('--config');
  });
});
