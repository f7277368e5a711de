/**
 * What the analysis says when it cannot analyze: a statement that does not parse is a syntax
 * problem at Trino's position (1-based column), one too large or too deeply nested is too complex,
 * within a bounded time; no input brings out an internal message such as a stack overflow.
 */
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../../lambdas/core/ports/index.js';
import { analyze } from '../../../lambdas/core/sql/index.js';
import { BUDGET_MS, MAX_SQL_LENGTH, MAX_TOKENS } from '../../../lambdas/core/sql/limits.js';

/** Bounded time: the budget, plus lexing, plus a busy shared machine. */
const BOUND_MS = BUDGET_MS + 1500;

function timed(sql: string): { a: Analysis; ms: number } {
  const start = performance.now();
  const a = analyze(sql);
  return { a, ms: performance.now() - start };
}

const INTERNAL = /Maximum call stack|RangeError|Invalid (array|string) length|undefined|TypeError|the analyzer failed/;

describe('syntax problems', () => {
  it.each([
    ['a misspelled keyword', 'SELEC 1', 1, 1],
    ['the end of the text', 'SELECT * FROM', 1, 14],
    ['a token after the statement', 'SELECT 1 FROM t x y', 1, 19],
    ['on a later line', 'SELECT *\nFROM t\nWHER x', 3, 6],
    ['an unterminated string', "SELECT 'abc", 1, 8],
    ['four-part names', 'SELECT * FROM a.b.c.d', 1, 20],
    ['a subquery in LIMIT (the grammar takes a number)', 'SELECT * FROM t LIMIT (SELECT 1)', 1, 23],
    ['an empty quoted name', 'SELECT * FROM ""', 1, 15],
    ['a second statement, at the semicolon', 'SELECT 1; SELECT * FROM secret', 1, 9],
    ['a bad Unicode escape', "EXECUTE IMMEDIATE U&'SELECT \\00'", 1, 19],
    ['an empty text', '  ', 1, 3],
  ])('%s', (_name, sql, line, column) => {
    const a = analyze(sql);
    expect(a.ok).toBe(false);
    expect(a.tables).toEqual([]);
    expect(a.problem).toMatchObject({ kind: 'syntax', line, column });
    expect(a.problem!.message.length).toBeGreaterThan(0);
    expect(a.error).toBeTruthy();
  });

  it('words a failed completion predicate as Trino does', () => {
    expect(analyze("SELECT 'abc").problem?.message).toBe("mismatched input '''");
  });

  it('gives no problem for refusals that are not syntax: access rules deny them', () => {
    for (const sql of ["SELECT c -> '$' FROM t", 'SHOW COMMENT ON TABLE secret', "EXECUTE IMMEDIATE 'SELECT ?' USING c", 'EXECUTE q']) {
      const a = analyze(sql, { preparedStatements: { q: 'SHOW COMMENT ON TABLE t' } });
      expect(a.ok).toBe(false);
      expect(a.problem).toBeUndefined();
    }
  });

  it('passes on the problem of a nested statement', () => {
    expect(analyze("EXECUTE IMMEDIATE 'SELEC 1'").problem).toMatchObject({ kind: 'syntax', line: 1, column: 1 });
    expect(analyze('EXECUTE q', { preparedStatements: { q: 'SELECT * FROM' } }).problem).toMatchObject({ kind: 'syntax', line: 1, column: 14 });
  });
});

describe('statements too large or too deeply nested', () => {
  const chain = (n: number, term: string, op: string) => Array(n).fill(term).join(op);

  it.each([
    ['5,000 additions', `SELECT ${chain(5000, 'a', ' + ')} FROM t`],
    ['5,000 concatenations', `SELECT ${chain(5000, 'a', ' || ')} FROM t`],
    ['2,000 UNION ALLs', chain(2000, 'SELECT a FROM t', ' UNION ALL ')],
    ['2,000 joins', `SELECT * FROM t0 ${Array.from({ length: 2000 }, (_, i) => `JOIN t${i + 1} ON t${i}.k = t${i + 1}.k`).join(' ')}`],
    ['5,000 NOTs', `SELECT * FROM t WHERE ${'NOT '.repeat(5000)}a`],
    ['a chain of 5,000 fields', `SELECT f(x)${'.a'.repeat(5000)} FROM t`],
    ['100 nested subqueries', `SELECT * FROM ${'(SELECT * FROM '.repeat(100)}t${') x'.repeat(100)}`],
    ['100 nested CASEs', `SELECT ${'CASE WHEN a = 1 THEN '.repeat(100)}1${' END'.repeat(100)} FROM t`],
  ])('analyzes %s', (_name, sql) => {
    const { a, ms } = timed(sql);
    expect(a.error).toBeUndefined();
    expect(a.tables.length).toBeGreaterThan(0);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('analyzes a 40,000-value IN list, and fast', () => {
    const values = Array.from({ length: 40_000 }, (_, i) => i).join(', ');
    const strings = Array.from({ length: 40_000 }, (_, i) => `'v${i}'`).join(', ');
    for (const sql of [`SELECT * FROM t WHERE a IN (${values}) AND b = 1`, `SELECT * FROM t WHERE a NOT IN (${strings})`, `SELECT contains(ARRAY[${values}], a) FROM t`]) {
      const { a, ms } = timed(sql);
      expect(a.error).toBeUndefined();
      expect(a.tables.map((t) => t.name)).toEqual(['t']);
      expect(ms).toBeLessThan(1500);
    }
    // Columns among the values keep the list whole.
    const mixed = analyze(`SELECT 1 FROM t WHERE a IN (${Array.from({ length: 100 }, (_, i) => i).join(', ')}, secret_column)`);
    expect(mixed.tables[0]!.columns).toEqual(['a', 'secret_column']);
  });

  it('keeps the positions of syntax errors after a collapsed list', () => {
    const a = analyze(`SELECT 1 FROM t WHERE a IN (${Array.from({ length: 100 }, (_, i) => i).join(', ')}) WHER`);
    expect(a.problem).toMatchObject({ kind: 'syntax', line: 1 });
    expect(a.problem!.column).toBeGreaterThan(400);
  });

  it.each([
    ['20,000 ORs', `SELECT * FROM t WHERE ${chain(20_000, 'a = 1', ' OR ')}`],
    ['20,000 ANDs', `SELECT * FROM t WHERE ${chain(20_000, 'a = 1', ' AND ')}`],
    ['3,000 nested right joins', `SELECT * FROM a0 ${Array.from({ length: 3000 }, (_, i) => `JOIN a${i + 1}`).join(' ')}${' ON true'.repeat(3000)}`],
    ['10,000 nested right joins', `SELECT * FROM a0 ${Array.from({ length: 10_000 }, (_, i) => `JOIN a${i + 1}`).join(' ')}${' ON true'.repeat(10_000)}`],
  ])('analyzes %s or finds it too complex, in bounded time', (_name, sql) => {
    const { a, ms } = timed(sql);
    expect(ms).toBeLessThan(BOUND_MS);
    if (!a.ok) expect(a.problem?.kind).toBe('too-complex');
    expect(a.error ?? '').not.toMatch(INTERNAL);
  });

  it.each([
    ['200 nested brackets', `SELECT ${'('.repeat(200)}x${')'.repeat(200)} FROM t`],
    ['500 nested CASEs', `SELECT ${'CASE WHEN a = 1 THEN '.repeat(500)}1${' END'.repeat(500)} FROM t`],
    ['200 nested subqueries', `SELECT * FROM ${'(SELECT * FROM '.repeat(200)}t${') x'.repeat(200)}`],
    ['200 nested function calls', `SELECT ${'f('.repeat(200)}a${')'.repeat(200)} FROM t`],
    ['200 nested lambdas', `SELECT ${'transform(a, x -> '.repeat(200)}x${')'.repeat(200)} FROM t`],
    ['5,000 unary minuses', `SELECT ${'- '.repeat(5000)}a FROM t`],
    ['3,000 nested IFs in a routine', `CREATE FUNCTION f() RETURNS int BEGIN ${'IF a THEN '.repeat(3000)}RETURN 1;${' END IF;'.repeat(3000)} END`],
    ['5,000 EXPLAINs', `${'EXPLAIN '.repeat(5000)}SELECT 1`],
    ['more tokens than the parser may see', `SELECT * FROM t WHERE ${chain(MAX_TOKENS / 4 + 10, 'a = 1', ' OR ')}`],
    ['a text longer than Trino accepts', `SELECT 1 -- ${'x'.repeat(MAX_SQL_LENGTH)}`],
    ['20,000 columns of 20,000 relations', `SELECT ${chain(20_000, 'a', ', ')} FROM ${Array.from({ length: 20_000 }, (_, i) => `t${i}`).join(', ')}`],
    ['brackets closed before they open', `${')'.repeat(3000)}SELECT ${'('.repeat(3100)}1`],
  ])('finds %s too complex, in bounded time', (_name, sql) => {
    const { a, ms } = timed(sql);
    expect(a.ok).toBe(false);
    expect(a.tables).toEqual([]);
    expect(a.problem?.kind).toBe('too-complex');
    expect(a.problem!.message).not.toMatch(INTERNAL);
    expect(a.error).not.toMatch(INTERNAL);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('refuses a lambda whose body is a lambda before parsing it', () => {
    const { a, ms } = timed(`SELECT transform(a, ${Array.from({ length: 3000 }, (_, i) => `x${i} ->`).join(' ')} 1) FROM t`);
    expect(a.ok).toBe(false);
    expect(a.error).toMatch(/lambda/);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('bounds nested EXECUTE IMMEDIATE', () => {
    let sql = 'SELECT * FROM secret';
    for (let i = 0; i < 12; i++) sql = `EXECUTE IMMEDIATE '${sql.replace(/'/g, "''")}'`;
    expect(analyze(sql).problem?.kind).toBe('too-complex');
  });

  it('shares the budget with nested statements', () => {
    const inner = `SELECT * FROM t WHERE ${chain(15_000, 'a = 1', ' OR ')}`;
    const { a, ms } = timed(`EXECUTE IMMEDIATE '${inner}'`);
    expect(ms).toBeLessThan(BOUND_MS);
    if (!a.ok) expect(a.problem?.kind).toBe('too-complex');
  });
});
