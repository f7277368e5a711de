/**
 * Analysis plus rule check per statement, over the corpus's TPC-DS queries (ids tpcds_*): median
 * and p99 warm, the first call cold, the size of a minified esbuild bundle (platform node) of a
 * tiny entry importing the analyzer and the access control, and the time to import that bundle.
 *
 * Measured in a child process running the bundle, as a Lambda would: a fresh Node, no TypeScript
 * loader, nothing warmed up by other benchmarks.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { BenchResult } from './run.js';
import { corpusPath, readCorpus } from './sql-corpus.bench.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Rules of a realistic shape: groups, regexes, column restrictions, a deny rule before allows. */
const RULES = {
  catalogs: [{ catalog: 'hive', allow: 'all' }, { catalog: 'system', allow: 'read-only' }],
  tables: [
    { group: 'finance', catalog: 'hive', schema: 'tpcds_sf1', table: 'customer.*', privileges: ['SELECT'], columns: [{ name: 'c_email_address', allow: false }] },
    { user: 'intern_.*', catalog: 'hive', schema: 'tpcds_sf1', table: 'customer.*', privileges: [] },
    { catalog: 'hive', schema: 'tpcds_sf1', privileges: ['SELECT'] },
    { catalog: 'hive', schema: 'scratch_.*', privileges: ['SELECT', 'INSERT', 'DELETE', 'OWNERSHIP'] },
  ],
};

const DRIVER = `
const t0 = performance.now();
const { analyze, createFileAccessControl } = await import(process.argv[2]);
const importMs = performance.now() - t0;
const { statements, rules, rounds } = JSON.parse(await (await import('node:fs/promises')).readFile(process.argv[3], 'utf8'));
const principal = { user: 'analyst', groups: ['finance'] };
const session = { catalog: 'hive', schema: 'tpcds_sf1' };
const c0 = performance.now();
const control = createFileAccessControl(rules);
const first = control.check(principal, analyze(statements[0], session));
const coldMs = performance.now() - c0;
const times = [];
let denied = 0;
for (let r = 0; r < rounds; r++) {
  for (const sql of statements) {
    const s = performance.now();
    const d = control.check(principal, analyze(sql, session));
    times.push(performance.now() - s);
    if (r === 0 && !d.allowed) denied++;
  }
}
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
console.log(JSON.stringify({ importMs, coldMs, firstAllowed: first.allowed, denied, samples: times.length, median: q(0.5), p90: q(0.9), p99: q(0.99), max: times[times.length - 1] }));
`;

const round = (n: number) => Math.round(n * 100) / 100;

export default async function bench(): Promise<BenchResult> {
  const path = corpusPath();
  if (!existsSync(path)) return { title: 'SQL analysis and rule check: skipped, corpus not found (set BIFROST_SQL_CORPUS)', figures: { skipped: true } };
  const statements = readCorpus(path)
    .filter((r) => r.id.startsWith('tpcds_'))
    .map((r) => r.sql);
  const dir = mkdtempSync(join(tmpdir(), 'bifrost-sql-bench-'));
  try {
    const bundle = join(dir, 'analysis.mjs');
    await build({
      stdin: {
        contents: `export { analyze } from './lambdas/core/sql/analyze.ts';\nexport { createFileAccessControl } from './lambdas/core/acl/index.ts';\n`,
        resolveDir: root,
        sourcefile: 'entry.ts',
        loader: 'ts',
      },
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: bundle,
      logLevel: 'silent',
    });
    const bytes = statSync(bundle).size;
    const gzip = gzipSync(readFileSync(bundle)).length;
    const input = join(dir, 'input.json');
    writeFileSync(input, JSON.stringify({ statements, rules: RULES, rounds: 30 }));
    const driver = join(dir, 'driver.mjs');
    writeFileSync(driver, DRIVER);
    const { stdout } = await promisify(execFile)(process.execPath, [driver, bundle, input], { maxBuffer: 1 << 20 });
    const m = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
    return {
      title: `Analysis + rule check per statement over ${statements.length} TPC-DS queries (${m.samples} warm samples), minified esbuild bundle run by a fresh Node ${process.version}`,
      figures: {
        statements: statements.length,
        warmMedianMs: round(m.median!),
        warmP90Ms: round(m.p90!),
        warmP99Ms: round(m.p99!),
        warmMaxMs: round(m.max!),
        coldFirstCallMs: round(m.coldMs!),
        importMs: round(m.importMs!),
        bundleBytes: bytes,
        bundleGzipBytes: gzip,
        deniedStatements: m.denied!,
      },
      targets: [{ name: 'warm p99 < 5 ms', met: m.p99! < 5, detail: `${round(m.p99!)} ms` }],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
