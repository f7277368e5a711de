/**
 * The analyzer over the SQL corpus with ground truth: at least 99% of the statements get exactly
 * the ground-truth table set (name and access), and none is analyzed "successfully" while a table
 * is missing. Runs on the full corpus when present, and always on the sample in test/fixtures/sql.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../lambdas/core/sql/index.js';
import { compare, fullCorpusPath, readCorpus, SAMPLE_PATH, type CorpusRecord } from './corpus-support.js';

function evaluate(records: CorpusRecord[]) {
  const mismatches: string[] = [];
  const silent: string[] = [];
  let exact = 0;
  let kinds = 0;
  for (const r of records) {
    const a = analyze(r.sql);
    const c = compare(r, a);
    if (c.exact) exact++;
    else mismatches.push(`${r.id}: ${a.ok ? `missing [${c.missing.join(', ')}] extra [${c.extra.join(', ')}]` : a.error}`);
    if (c.silentMiss) silent.push(`${r.id}: missing ${c.missing.join(', ')}`);
    if (a.kind === r.kind) kinds++;
  }
  return { exact, share: exact / records.length, mismatches, silent, kindShare: kinds / records.length };
}

const sources: [string, string][] = [['sample', SAMPLE_PATH]];
const full = fullCorpusPath();
if (full) sources.unshift(['full corpus', full]);

describe.each(sources)('analysis over the %s', (_name, path) => {
  const records = readCorpus(path);
  const result = evaluate(records);

  it('has records', () => {
    expect(records.length).toBeGreaterThan(30);
  });

  it('gets the exact table set for at least 99% of the statements', () => {
    expect(result.share, result.mismatches.join('\n')).toBeGreaterThanOrEqual(0.99);
  });

  it('never succeeds while missing a table', () => {
    expect(result.silent).toEqual([]);
  });

  it('names the statement kind as the corpus does', () => {
    expect(result.kindShare).toBeGreaterThanOrEqual(0.98);
  });
});

describe('the sample', () => {
  it('is a copy of records of the full corpus', () => {
    if (!full) return;
    const byId = new Map(readCorpus(full).map((r) => [r.id, r]));
    for (const r of readCorpus(SAMPLE_PATH)) expect(byId.get(r.id), r.id).toEqual(r);
  });

  it('reports the table a table function reads through its arguments, outside tables', () => {
    for (const r of readCorpus(SAMPLE_PATH).filter((x) => x.indirect_tables?.length && x.sql.includes('table_changes'))) {
      const a = analyze(r.sql);
      expect(a.tables).toEqual([]);
      expect(a.indirectTables?.map((t) => t.name)).toEqual(r.indirect_tables);
    }
  });
});
