/** Reading the SQL corpus with ground truth, and scoring an analysis against it. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Analysis } from '../../../lambdas/core/ports/index.js';

export interface CorpusRecord {
  id: string;
  sql: string;
  kind: string;
  tables: { name: string; parts: string[]; access: 'read' | 'write' }[];
  features: string[];
  indirect_tables?: string[];
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const SAMPLE_PATH = resolve(root, 'test/fixtures/sql/trino-sql.sample.jsonl');

/** The full corpus when it is there ($BIFROST_SQL_CORPUS or ../shared/corpus next to the repository). */
export function fullCorpusPath(): string | undefined {
  const path = resolve(root, process.env.BIFROST_SQL_CORPUS ?? '../shared/corpus/trino-sql.public.jsonl');
  return existsSync(path) ? path : undefined;
}

export function readCorpus(path: string): CorpusRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CorpusRecord);
}

const key = (t: { parts: string[]; access: string }) => `${t.access}:${JSON.stringify(t.parts)}`;

export function compare(record: CorpusRecord, analysis: Analysis): { exact: boolean; silentMiss: boolean; missing: string[]; extra: string[] } {
  const got = new Set(analysis.tables.map(key));
  const want = new Set(record.tables.map(key));
  const missing = [...want].filter((k) => !got.has(k));
  const extra = [...got].filter((k) => !want.has(k));
  return { exact: analysis.ok && !missing.length && !extra.length, silentMiss: analysis.ok && missing.length > 0, missing, extra };
}
