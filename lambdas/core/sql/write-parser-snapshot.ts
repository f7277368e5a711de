/**
 * `tsx lambdas/core/sql/write-parser-snapshot.ts FILE`: warms the parser up as a Lambda's init
 * would, writes its prediction caches and the lexer's to FILE (JSON), and checks the file first:
 * restored into empty DFAs, it must give back the same snapshot. Run when a function is bundled.
 */
import { writeFileSync } from 'node:fs';
import { analyze, warmUpAnalyzer } from './analyze.js';
import { emptyLexerDfas, emptyParserDfas, restoreParserSnapshot, takeParserSnapshot, type ParserSnapshot } from './parser-snapshot.js';

const file = process.argv[2];
if (!file) throw new Error('usage: write-parser-snapshot.ts FILE');
/**
 * Besides the warm-up's statements, the short ones clients send first (a driver's connection
 * check, a catalog browser's listings): their predictions are then in the snapshot too, and a
 * first `SELECT 1` finds everything cached.
 */
const FIRST_STATEMENTS = [
  'SELECT 1',
  'SELECT * FROM t',
  'SELECT a, b FROM c.s.t WHERE a = 1 LIMIT 10',
  'SELECT count(*) FROM t',
  'SELECT current_user, now()',
  "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 's' ORDER BY table_name, ordinal_position",
  'SHOW CATALOGS',
  'SHOW SCHEMAS FROM c',
  "SHOW TABLES FROM c.s LIKE 't%'",
  'SHOW FUNCTIONS',
  'DESCRIBE c.s.t',
  'SHOW CREATE TABLE t',
  'EXPLAIN SELECT 1',
];
warmUpAnalyzer();
for (const sql of FIRST_STATEMENTS) if (!analyze(sql).ok) throw new Error(`not analyzed: ${sql}`);
const text = JSON.stringify(takeParserSnapshot());
const restored = emptyParserDfas();
const restoredLexer = emptyLexerDfas();
if (!restoreParserSnapshot(JSON.parse(text) as ParserSnapshot, restored, restoredLexer) || JSON.stringify(takeParserSnapshot(restored, restoredLexer)) !== text) throw new Error('the parser snapshot does not restore to itself');
writeFileSync(file, text);
