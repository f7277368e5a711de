/**
 * Properties over corpus SQL, with fast-check:
 * - random mutations never make analyze throw, and a statement that could not be analyzed is
 *   never allowed, whatever the rules;
 * - formatting does not change the analysis: other case for keywords and names, comments and
 *   line breaks between tokens;
 * - a second statement appended is never analyzed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFileAccessControl } from '../../../lambdas/core/acl/index.js';
import { lex, TrinoSqlLexer } from '../../../lambdas/core/sql/parser.js';
import { analyze } from '../../../lambdas/core/sql/index.js';
import { fullCorpusPath, readCorpus, SAMPLE_PATH } from './corpus-support.js';

const records = readCorpus(fullCorpusPath() ?? SAMPLE_PATH);
const sqls = records.map((r) => r.sql);
const short = sqls.filter((s) => s.length < 1500);

// Permissive rules: anything analyzable is allowed, so a denial can only come from failing closed.
const allowEverything = createFileAccessControl({ tables: [{ privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP'] }], functions: [{ privileges: ['EXECUTE'] }], procedures: [{ privileges: ['EXECUTE'] }], schemas: [{ owner: true }], impersonation: [{ original_user: '.*', new_user: '.*' }] });
const principal = { user: 'alice', groups: [] };
const session = { catalog: 'hive', schema: 'default' };

const SNIPPETS = [';', "'", '"', '`', '(', ')', '/*', '*/', '--', '\n', ' ', ',', '.', '*', '?', 'U&', '\\', '$', '@', 'SELECT', 'FROM secret', ' WITH x AS (SELECT 1) ', 'UNION', 'EXECUTE IMMEDIATE ', "''", '""', '\u00a0', '\u0000', 'é', '😀', 'LATERAL', 'NEAREST', 'TABLE(', 'VALUES'];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 4 })) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.constantFrom(...SNIPPETS) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
);

interface Mutation {
  kind: string;
  at: number;
  text?: string;
  length?: number;
}

function mutate(sql: string, mutations: Mutation[]): string {
  let s = sql;
  for (const m of mutations) {
    const at = s.length ? m.at % (s.length + 1) : 0;
    if (m.kind === 'insert') s = s.slice(0, at) + m.text + s.slice(at);
    else if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + m.length!);
    else if (m.kind === 'replace') s = s.slice(0, at) + m.text + s.slice(at + 1);
    else if (m.kind === 'truncate') s = s.slice(0, at);
    else s = s.slice(0, at) + s.slice(at, at + m.length!) + s.slice(at);
  }
  return s;
}

const tableSet = (sql: string) => {
  const a = analyze(sql, session);
  return { ok: a.ok, kind: a.kind, tables: a.tables.map((t) => `${t.access}:${t.name}`).sort(), error: a.error };
};

describe('analysis properties', () => {
  it('never throws on mutated SQL, and never allows what it could not analyze', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sqls), fc.array(mutation, { minLength: 1, maxLength: 4 }), (sql, mutations) => {
        const text = mutate(sql, mutations);
        const a = analyze(text, session);
        expect(typeof a.ok).toBe('boolean');
        if (!a.ok) {
          expect(a.error).toBeTruthy();
          expect(a.tables).toEqual([]);
          expect(allowEverything.check(principal, a).allowed).toBe(false);
        } else {
          for (const t of a.tables) {
            expect(t.parts.length).toBeGreaterThanOrEqual(1);
            expect(t.parts.length).toBeLessThanOrEqual(3);
            expect(t.name).toBe(t.name.toLowerCase());
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on case, comments or line breaks', () => {
    const separators = [' ', '\n', '\t', ' /* c */ ', '/**/', ' -- c\n', '\r\n'];
    fc.assert(
      fc.property(fc.constantFrom(...short), fc.infiniteStream(fc.nat()), (sql, randoms) => {
        const tokens = lex(sql).stream.getTokens().filter((t) => t.channel === 0 && t.type !== -1);
        let out = '';
        for (const t of tokens) {
          const r = randoms.next().value;
          let text = t.text ?? '';
          const isWord = t.type === TrinoSqlLexer.IDENTIFIER || (TrinoSqlLexer.symbolicNames[t.type] ?? '').startsWith('KW_');
          if (isWord) text = r % 3 === 0 ? text.toUpperCase() : r % 3 === 1 ? text.toLowerCase() : [...text].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
          out += text + separators[r % separators.length];
        }
        expect(tableSet(out)).toEqual(tableSet(sql));
      }),
      { numRuns: 120 },
    );
  });

  it('never analyzes a second statement appended', () => {
    fc.assert(
      fc.property(fc.constantFrom(...short), fc.constantFrom(';', ' ; ', ';\n', ' '), (sql, sep) => {
        const a = analyze(`${sql}${sep}SELECT * FROM secret`, session);
        expect(a.ok).toBe(false);
        expect(allowEverything.check(principal, a).allowed).toBe(false);
      }),
      { numRuns: 80 },
    );
  });
});
