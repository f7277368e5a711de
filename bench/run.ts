/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) one after
 * the other, writes each one's figures to bench/results/<name>.json and a summary to
 * bench/results/SUMMARY.md. Benchmarks measure; tests never time anything.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { LAMBDA_NODE_OPTIONS } from '../lib/lambda-node-options.js';
import type { Spread } from './stats.js';

export interface BenchResult {
  /** What was measured, in a sentence. */
  title: string;
  /** Named figures with their units in the name (e.g. `p99Ms`). */
  figures: Record<string, number | string | boolean>;
  /** Targets, and whether they were met (checked from the medians of repeated runs). */
  targets?: { name: string; met: boolean; detail: string }[];
  /** How many times each measurement ran (interleaved with its ceiling or baseline). */
  repetitions?: number;
  /** The spread of each repeated figure over the repetitions; its median is the figure. */
  spreads?: Record<string, Spread>;
}

/** A figure's line in the summary: the median, then its spread when it was repeated. */
function figureLine(name: string, value: number | string | boolean, spread: Spread | undefined): string {
  if (!spread || spread.n < 2) return `- ${name}: ${value}`;
  return `- ${name}: ${value} (median of ${spread.n}; min ${spread.min}, max ${spread.max}, IQR ${spread.q1}–${spread.q3})`;
}

// Node 20 is supported: the AWS SDK's notice about its own future Node floor is noise in the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Measure with the Lambdas' Node options: rerun this process with them when they are not set.
if (!(process.env.NODE_OPTIONS ?? '').includes(LAMBDA_NODE_OPTIONS)) {
  const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${LAMBDA_NODE_OPTIONS}`.trim() };
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env, stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
await mkdir(join(here, 'results'), { recursive: true });
const summary: string[] = [`# Benchmark results`, ``, `Machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version} with NODE_OPTIONS=${process.env.NODE_OPTIONS}, ${new Date().toISOString().slice(0, 10)}`, ``];
const failures: string[] = [];
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  if (only.length && !only.includes(name)) continue;
  process.stdout.write(`== ${name}\n`);
  try {
    const mod = (await import(join(here, file))) as { default: () => Promise<BenchResult> };
    const result = await mod.default();
    await writeFile(join(here, 'results', `${name}.json`), JSON.stringify(result, null, 2) + '\n');
    const runs = result.repetitions ? `Repetitions: ${result.repetitions}, interleaved with the ceiling or baseline; figures are medians.` : 'Single run: no spread recorded.';
    summary.push(`## ${name}`, ``, result.title, ``, runs, ``, ...Object.entries(result.figures).map(([k, v]) => figureLine(k, v, result.spreads?.[k])), ...(result.targets ?? []).map((t) => `- target ${t.name}: ${t.met ? 'met' : 'NOT met'} (${t.detail})`), ``);
    process.stdout.write(JSON.stringify(result.figures, null, 2) + '\n');
  } catch (error) {
    // A benchmark that cannot run fails loudly: in the output, in the summary and in the exit code.
    failures.push(`- ${name}: ${((error as Error).message ?? String(error)).split('\n')[0]}`);
    process.stdout.write(`FAILED: ${(error as Error).stack}\n`);
  }
}
if (failures.length) summary.push(`## Failed`, ``, ...failures, ``);
if (!only.length) await writeFile(join(here, 'results', 'SUMMARY.md'), summary.join('\n'));
if (failures.length) process.stdout.write(`\n${failures.length} benchmark(s) failed:\n${failures.join('\n')}\n`);
process.exitCode = failures.length ? 1 : 0;
