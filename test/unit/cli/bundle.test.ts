/**
 * The `bifrost` command as an operator runs it: the bundle bin/build-cli.mjs makes, started as a
 * process. Every command is registered, the bundle answers as the sources do, it is rebuilt when a
 * source is newer than it, and nothing but the command's own output reaches the terminal.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALICE_RULES } from '../../support/alice-rules.js';
import { COMMANDS } from '../../../bin/cli.js';
import { freshCli } from '../../../bin/build-cli.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const example = join(root, 'config/bifrost.example.yaml');

/** Runs `bifrost ARGS` as `npx bifrost` does, without the SDK's notice switched off by vitest's env. */
function bifrost(args: string[], options: { input?: string; fromSources?: boolean } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, BIFROST_CLI_FROM_SOURCES: options.fromSources ? '1' : '0' };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  delete env.NODE_OPTIONS;
  return spawnSync(process.execPath, [join(root, 'bin/bifrost-cli.mjs'), ...args], { cwd: root, env, input: options.input ?? '', encoding: 'utf8', timeout: 60_000 });
}

describe('the command registry', () => {
  it('names every file in bin/commands, and each loads a command with run()', async () => {
    const files = readdirSync(join(root, 'bin/commands')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
    expect(Object.keys(COMMANDS).sort()).toEqual(files);
    for (const entry of Object.values(COMMANDS)) {
      expect(entry.summary.length).toBeGreaterThan(10);
      expect(typeof (await entry.load()).run).toBe('function');
    }
  });
});

describe('the built command', () => {
  it('lists the commands on --help, with nothing on stderr', () => {
    const run = bifrost(['--help']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(run.stdout).toMatch(new RegExp(`^  ${name}\\s+${COMMANDS[name]!.summary.replace(/[{}()]/g, '\\$&')}$`, 'm'));
  });

  it('decides statements under access rules as the sources do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bifrost-cli-'));
    const rules = join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify(ALICE_RULES));
    const input = ['SELECT n_name FROM tpch.tiny.nation', 'SELECT c_phone FROM tpch.tiny.customer', 'SELEC nonsense'].map((sql, id) => JSON.stringify({ id, sql })).join('\n') + '\n';
    const built = bifrost(['check', '--rules', rules, '--user', 'alice', '--catalog', 'tpch', '--schema', 'tiny'], { input });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    const lines = built.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; allowed: boolean; reason: string | null });
    expect(lines.map((l) => [l.id, l.allowed])).toEqual([[0, true], [1, false], [2, false]]);
    expect(lines[1]!.reason).toMatch(/c_phone/);
    const sources = bifrost(['check', '--rules', rules, '--user', 'alice', '--catalog', 'tpch', '--schema', 'tiny'], { input, fromSources: true });
    expect(sources.stdout).toBe(built.stdout);
  });

  it('explains a route, and reports a bad option in one line with exit 1', () => {
    const run = bifrost(['route', '--config', example, '--user', 'dana', '--sql', 'SELECT * FROM hive.sales.orders']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'target' });
    const bad = bifrost(['route', '--nope']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("bifrost route: unknown option --nope\n");
  });

  it('prints no AWS SDK notice when it builds a DynamoDB client', () => {
    const run = bifrost(['users', 'list', '--table', 't', '--endpoint', 'http://127.0.0.1:9', '--region', 'us-east-1']);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^bifrost users: /);
    expect(run.stderr).not.toMatch(/NodeVersionSupportWarning|Warning/);
  });
});

describe('freshCli', () => {
  it('offers the build while its sources are older, and not once one is newer or gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bifrost-cli-fresh-'));
    const outDir = join(dir, 'out');
    mkdirSync(join(outDir, 'build-1'), { recursive: true });
    writeFileSync(join(outDir, 'build-1', 'cli.mjs'), '');
    writeFileSync(join(dir, 'a.ts'), '');
    writeFileSync(join(dir, 'b.ts'), '');
    const startedAt = Date.now();
    const old = new Date(startedAt - 60_000);
    utimesSync(join(dir, 'a.ts'), old, old);
    utimesSync(join(dir, 'b.ts'), old, old);
    writeFileSync(join(outDir, 'manifest.json'), JSON.stringify({ entry: 'build-1/cli.mjs', startedAt, watched: ['a.ts', 'b.ts'] }));
    expect(freshCli({ root: dir, outDir })).toBe(join(outDir, 'build-1', 'cli.mjs'));

    const later = new Date(startedAt + 1_000);
    utimesSync(join(dir, 'b.ts'), later, later);
    expect(freshCli({ root: dir, outDir })).toBeUndefined();

    writeFileSync(join(outDir, 'manifest.json'), JSON.stringify({ entry: 'build-1/cli.mjs', startedAt, watched: ['a.ts', 'gone.ts'] }));
    expect(freshCli({ root: dir, outDir })).toBeUndefined();
    expect(freshCli({ root: dir, outDir: join(dir, 'none') })).toBeUndefined();
  });
});
