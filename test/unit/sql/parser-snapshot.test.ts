/**
 * The parser's and the lexer's prediction caches, saved after the warm-up and restored into a new
 * process's empty DFAs (what the statement function does at init), must change nothing but the
 * time: the restored caches are the warm-up's own, and every statement analyzed with them gets the
 * analysis a cold parser gives, syntax errors and their positions included.
 */
import type { DFA } from 'antlr4ng';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, restoreAnalyzerSnapshot, warmUpAnalyzer } from '../../../lambdas/core/sql/index.js';
import { emptyLexerDfas, emptyParserDfas, lexerDfas, parserDfas, restoreParserSnapshot, takeParserSnapshot, type ParserSnapshot } from '../../../lambdas/core/sql/parser-snapshot.js';
import { fullCorpusPath, readCorpus, SAMPLE_PATH } from './corpus-support.js';

/** Puts these DFAs in the parser's place, and the lexer's (each reads the array it was built with). */
function install(dfas: DFA[], lexer: DFA[] = emptyLexerDfas()): void {
  parserDfas().splice(0, dfas.length, ...dfas);
  lexerDfas().splice(0, lexer.length, ...lexer);
}

const original = [...parserDfas()];
const originalLexer = [...lexerDfas()];
afterAll(() => install(original, originalLexer));

install(emptyParserDfas());
warmUpAnalyzer();
const warmed = takeParserSnapshot();
const text = JSON.stringify(warmed);

const statements = [
  ...readCorpus(SAMPLE_PATH).map((r) => r.sql),
  ...(fullCorpusPath() ? readCorpus(fullCorpusPath()!).map((r) => r.sql) : []),
  'SELECT 1',
  'SELECT 21 < ALL (VALUES 19)',
  'SELECT * FROM a CROSS JOIN LATERAL (SELECT * FROM b WHERE b.k = a.k)',
  "WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT sum(n) FROM t",
  'SELECT a FROM t WHERE x IN (SELECT y FROM u) AND NOT EXISTS (SELECT 1 FROM v WHERE v.k = t.k) ORDER BY 1 DESC NULLS LAST OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY',
  'SELECT * FROM t1 FULL OUTER JOIN t2 USING (k) WINDOW w AS (PARTITION BY a)',
  'SELECT FROM t',
  'SELECT a b c FROM t',
  'SELECT * FROM t WHERE',
  'INSERT INTO t (a, b) VALUES (1, 2), (3, 4)',
  'DELETE FROM t WHERE k IN (SELECT k FROM u)',
  "UPDATE t SET a = 1 WHERE b = 'x'",
  'DROP TABLE IF EXISTS c.s.t',
  'SELECT 1; SELECT 2',
  'SHOW TABLES FROM c.s LIKE \'x%\'',
  'EXPLAIN ANALYZE SELECT * FROM t',
  // The lexer's cache: hidden channels, characters past its edge table, a token that never ends.
  "SELECT /* a comment */ \"Ünïcode\" -- another\nFROM \"tàble\" WHERE x = 'é€𝄞'",
  "SELECT 'unterminated FROM t",
];

function analyses(): string[] {
  return statements.map((sql) => JSON.stringify(analyze(sql)));
}

describe('the parser snapshot', () => {
  it('restores to itself: the restored DFAs are the warmed ones, the lexer\'s included', () => {
    const restored = emptyParserDfas();
    const restoredLexer = emptyLexerDfas();
    expect(restoreParserSnapshot(JSON.parse(text) as ParserSnapshot, restored, restoredLexer)).toBe(true);
    expect(JSON.stringify(takeParserSnapshot(restored, restoredLexer))).toBe(text);
    expect(warmed.dfas.length).toBeGreaterThan(10);
    expect(warmed.lexer.dfas[0]!.s.length).toBeGreaterThan(100);
  });

  it('keeps a lexer cache in use, and restores the parser\'s all the same', () => {
    const lexer = emptyLexerDfas();
    expect(restoreParserSnapshot(JSON.parse(text) as ParserSnapshot, emptyParserDfas(), lexer)).toBe(true);
    const inUse = lexer[0]!.states;
    const restored = emptyParserDfas();
    expect(restoreParserSnapshot(JSON.parse(text) as ParserSnapshot, restored, lexer)).toBe(true);
    expect(lexer[0]!.states).toBe(inUse);
    expect(restored.some((d) => d.states.length > 0)).toBe(true);
  });

  it('is refused for another grammar, another format, or DFAs already in use', () => {
    expect(restoreParserSnapshot({ ...warmed, grammar: `${warmed.grammar}x` }, emptyParserDfas())).toBe(false);
    expect(restoreParserSnapshot({ ...warmed, format: warmed.format + 1 }, emptyParserDfas())).toBe(false);
    const used = emptyParserDfas();
    expect(restoreParserSnapshot(JSON.parse(text) as ParserSnapshot, used)).toBe(true);
    expect(restoreParserSnapshot(JSON.parse(text) as ParserSnapshot, used)).toBe(false);
  });

  it('gives every statement the analysis a cold parser gives', () => {
    install(emptyParserDfas());
    const cold = analyses();
    install(emptyParserDfas());
    expect(restoreAnalyzerSnapshot(text)).toBe('restored');
    const restored = analyses();
    expect(restored).toEqual(cold);
    // And after the restored caches have grown with all of those, the same again.
    expect(analyses()).toEqual(cold);
    expect(cold.filter((a) => (JSON.parse(a) as { ok: boolean }).ok).length).toBeGreaterThan(statements.length / 2);
    // Three passes over the corpus, the first with cold caches: minutes on a loaded machine.
  }, 300_000);

  it('answers absent and refused texts without touching the DFAs', () => {
    install(emptyParserDfas());
    expect(restoreAnalyzerSnapshot(undefined)).toBe('absent');
    expect(restoreAnalyzerSnapshot('{"format":1,')).toBe('refused');
    expect(restoreAnalyzerSnapshot(JSON.stringify({ ...warmed, grammar: 'other' }))).toBe('refused');
    expect(parserDfas().every((d) => d.states.length === 0)).toBe(true);
    expect(lexerDfas().every((d) => d.states.length === 0)).toBe(true);
  });
});
