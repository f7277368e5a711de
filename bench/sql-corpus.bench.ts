/**
 * Parser choice by measurement: each candidate runs over the SQL corpus with ground truth
 * (records {id, sql, tables: [{name, parts, access}]}); we count the statements whose table set
 * (name and access) matches exactly, and the silent misses: statements the candidate analyzes
 * "successfully" while a table of the ground truth is missing (the dangerous failure for access
 * control). Candidates:
 * - node-sql-parser, trino dialect, tableList();
 * - dt-sql-parser's TrinoSQL entity collector (getAllEntities);
 * - Bifrost's analyzer (lambdas/core/sql): dt-sql-parser's Trino grammar, our own tree walk.
 *
 * The corpus is read from $BIFROST_SQL_CORPUS, by default ../shared/corpus/trino-sql.public.jsonl
 * next to the repository, else the sample the tests use (test/fixtures/sql); a corpus named by
 * $BIFROST_SQL_CORPUS that is not there fails the benchmark. Scores do not vary between runs; the
 * candidates' times run interleaved, 5 rounds, and are reported as medians with their spread.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './run.js';
import { interleave } from './stats.js';
import { analyze } from '../lambdas/core/sql/analyze.js';

interface TruthTable {
  name: string;
  parts: string[];
  access: 'read' | 'write';
}
interface CorpusRecord {
  id: string;
  sql: string;
  kind: string;
  tables: TruthTable[];
}
interface Outcome {
  ok: boolean;
  tables: { parts: string[]; access: string }[];
}

/** The corpus to measure with: never skipped; a corpus asked for and missing is an error. */
export function corpusPath(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const asked = process.env.BIFROST_SQL_CORPUS;
  if (asked) {
    const path = resolve(root, asked);
    if (!existsSync(path)) throw new Error(`BIFROST_SQL_CORPUS names ${path}, which does not exist`);
    return path;
  }
  const shared = resolve(root, '../shared/corpus/trino-sql.public.jsonl');
  if (existsSync(shared)) return shared;
  const sample = resolve(root, 'test/fixtures/sql/trino-sql.sample.jsonl');
  if (!existsSync(sample)) throw new Error(`no SQL corpus: neither ${shared} nor ${sample} exists (set BIFROST_SQL_CORPUS)`);
  return sample;
}

/** How the title names a corpus: its file name, not where this machine keeps it. */
export function corpusName(path: string): string {
  return path.split(/[\\/]/).pop()!;
}

export function readCorpus(path: string): CorpusRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CorpusRecord);
}

const key = (t: { parts: string[]; access: string }) => `${t.access}:${JSON.stringify(t.parts)}`;

/** Splits a dotted name, unquoting and lower-casing each part. */
function splitName(text: string): string[] {
  const parts: string[] = [];
  const re = /"((?:[^"]|"")*)"|`((?:[^`]|``)*)`|([^."`]+)/g;
  for (const m of text.matchAll(re)) parts.push((m[1]?.replace(/""/g, '"') ?? m[2]?.replace(/``/g, '`') ?? m[3]!).trim().toLowerCase());
  return parts.filter((p) => p !== '');
}

const WRITE_LEAD = /^\s*(delete|update|merge|drop|alter|truncate|comment|analyze|refresh)\b/i;

async function candidates(): Promise<Record<string, (sql: string) => Outcome>> {
  const { Parser } = (await import('node-sql-parser')).default as unknown as { Parser: new () => { tableList(sql: string, o: { database: string }): string[] } };
  const nsp = new Parser();
  const { TrinoSQL } = (await import('dt-sql-parser')) as unknown as {
    TrinoSQL: new () => { validate(sql: string): unknown[]; getAllEntities(sql: string): { entityContextType: string; text: string; belongStmt?: { stmtContextType: string }; position?: { startIndex: number } }[] | null };
  };
  const dt = new TrinoSQL();
  return {
    'node-sql-parser (trino)': (sql) => {
      try {
        const list = nsp.tableList(sql, { database: 'trino' });
        return {
          ok: true,
          tables: list.map((entry) => {
            const [type, db, table] = entry.split('::') as [string, string, string];
            const parts = [...(db && db !== 'null' ? splitName(db) : []), ...splitName(table)];
            return { parts, access: type === 'select' ? 'read' : 'write' };
          }),
        };
      } catch {
        return { ok: false, tables: [] };
      }
    },
    'dt-sql-parser entity collector': (sql) => {
      try {
        if (dt.validate(sql).length) return { ok: false, tables: [] };
        const entities = (dt.getAllEntities(sql) ?? []).filter((e) => ['table', 'view', 'tableCreate', 'viewCreate'].includes(e.entityContextType));
        const first = WRITE_LEAD.test(sql) ? Math.min(...entities.map((e) => e.position?.startIndex ?? Infinity)) : -1;
        return {
          ok: true,
          tables: entities.map((e) => ({
            parts: splitName(e.text),
            access: e.entityContextType.endsWith('Create') || e.belongStmt?.stmtContextType === 'insertStmt' || e.position?.startIndex === first ? 'write' : 'read',
          })),
        };
      } catch {
        return { ok: false, tables: [] };
      }
    },
    'bifrost analyzer (dt-sql-parser grammar, own walk)': (sql) => {
      const a = analyze(sql);
      return { ok: a.ok, tables: a.tables };
    },
  };
}

export interface Score {
  statements: number;
  ok: number;
  exact: number;
  silentMisses: number;
  silentMissIds: string[];
  mismatchIds: string[];
}

export function score(records: CorpusRecord[], run: (sql: string) => Outcome): Score {
  const s: Score = { statements: records.length, ok: 0, exact: 0, silentMisses: 0, silentMissIds: [], mismatchIds: [] };
  for (const r of records) {
    const out = run(r.sql);
    const got = new Set(out.tables.map(key));
    const want = new Set(r.tables.map(key));
    if (out.ok) s.ok++;
    if (out.ok && got.size === want.size && [...want].every((k) => got.has(k))) s.exact++;
    else s.mismatchIds.push(r.id);
    if (out.ok && [...want].some((k) => !got.has(k))) {
      s.silentMisses++;
      s.silentMissIds.push(r.id);
    }
  }
  return s;
}

const pct = (n: number, d: number) => Math.round((1000 * n) / d) / 10;

/** Runs a candidate with the parsers' own error printing silenced (they print every syntax error). */
function quietly<T>(fn: () => T): T {
  const { error, log } = console;
  console.error = () => {};
  console.log = () => {};
  try {
    return fn();
  } finally {
    console.error = error;
    console.log = log;
  }
}

export default async function bench(): Promise<BenchResult> {
  const path = corpusPath();
  const records = readCorpus(path);
  if (records.length === 0) throw new Error(`the corpus ${corpusName(path)} is empty`);
  const figures: Record<string, number | string | boolean> = { statements: records.length };
  const targets: BenchResult['targets'] = [];
  const scores = new Map<string, Score>();
  const cases = Object.fromEntries(
    Object.entries(await candidates()).map(([name, run]) => [
      name,
      () => {
        const started = performance.now();
        const s = quietly(() => score(records, run));
        const ms = performance.now() - started;
        const before = scores.get(name);
        if (before && (before.exact !== s.exact || before.silentMisses !== s.silentMisses)) throw new Error(`${name}: the score changed between runs`);
        scores.set(name, s);
        return { [`${name}: total ms`]: Math.round(ms) };
      },
    ]),
  );
  const repeated = await interleave(cases, { repetitions: 5 });
  const { figures: times, spreads, repetitions } = repeated.report(0);
  for (const [name, s] of scores) {
    figures[`${name}: exact %`] = pct(s.exact, s.statements);
    figures[`${name}: analyzed %`] = pct(s.ok, s.statements);
    figures[`${name}: silent misses`] = s.silentMisses;
    figures[`${name}: total ms`] = times[`${name}: total ms`]!;
    if (name.startsWith('bifrost')) {
      figures['bifrost: mismatches'] = s.mismatchIds.join(' ') || 'none';
      targets.push({ name: 'exact table sets >= 99%', met: s.exact / s.statements >= 0.99, detail: `${s.exact}/${s.statements}` });
      targets.push({ name: 'no silent misses', met: s.silentMisses === 0, detail: s.silentMissIds.join(' ') || 'none' });
    } else figures[`${name}: silent miss ids`] = s.silentMissIds.slice(0, 12).join(' ') + (s.silentMissIds.length > 12 ? ' ...' : '');
  }
  return {
    title: `Table extraction over ${records.length} statements of ${corpusName(path)}: exact (name, access) sets and silent misses per parser; each parser's time over the corpus, the parsers interleaved, ${repetitions} rounds after a warm-up round`,
    figures,
    targets,
    repetitions,
    spreads,
  };
}
