import { describe, expect, it } from 'vitest';
import { QueryFailure } from '../../../lambdas/core/errors.js';
import { compileLike } from '../../../lambdas/core/metadata/like.js';
import { parseSelect, runSelect, Unsupported, type VirtualTable } from '../../../lambdas/core/metadata/sql.js';
import { formatType, parseType } from '../../../lambdas/core/protocol/sql-types.js';

const table: VirtualTable = {
  columns: [
    { name: 'name', type: parseType('varchar') },
    { name: 'kind', type: parseType('varchar') },
    { name: 'n', type: parseType('bigint') },
    { name: 'secret', type: parseType('varchar'), hidden: true },
  ],
  rows: async () => [
    ['a', 'x', 1, 's1'],
    ['b', null, 2, 's2'],
    ['c', 'y', null, 's3'],
    ['a_b', 'x', 4, 's4'],
  ],
};

async function run(sql: string) {
  const result = await runSelect(parseSelect(sql), table, { version: 'v1', tableNames: ['cat', 'sch', 't'] });
  return { columns: result.columns.map((c) => `${c.name}:${formatType(c.type)}`), rows: result.rows };
}

async function failure(sql: string): Promise<QueryFailure> {
  try {
    await run(sql);
  } catch (e) {
    if (e instanceof QueryFailure) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('the metadata SELECT evaluator', () => {
  it('names outputs as Trino does: alias or column as written, _colN otherwise', async () => {
    const r = await run('SELECT NAME, kind AS "Kind", n FROM t LIMIT 0');
    expect(r.columns).toEqual(['NAME:varchar', 'Kind:varchar', 'n:bigint']);
    expect((await run("SELECT 'x', name, 42, t.n, TRUE flag FROM t LIMIT 1")).columns).toEqual(['_col0:varchar(1)', 'name:varchar', '_col2:integer', 'n:bigint', 'flag:boolean']);
  });

  it('three-valued logic in WHERE', async () => {
    expect((await run("SELECT name FROM t WHERE kind = 'x'")).rows).toEqual([['a'], ['a_b']]);
    expect((await run("SELECT name FROM t WHERE NOT (kind = 'x')")).rows).toEqual([['c']]);
    expect((await run("SELECT name FROM t WHERE kind <> 'x' OR n > 1")).rows).toEqual([['b'], ['c'], ['a_b']]);
    expect((await run('SELECT name FROM t WHERE kind IS NULL')).rows).toEqual([['b']]);
    expect((await run('SELECT name FROM t WHERE n IS NOT NULL AND n BETWEEN 2 AND 4')).rows).toEqual([['b'], ['a_b']]);
    expect((await run("SELECT name FROM t WHERE kind IN ('y', NULL)")).rows).toEqual([['c']]);
    expect((await run("SELECT name FROM t WHERE kind NOT IN ('y', NULL)")).rows).toEqual([]);
    expect((await run("SELECT name FROM t WHERE name NOT LIKE 'a%'")).rows).toEqual([['b'], ['c']]);
  });

  it('LIKE with and without escape', async () => {
    expect((await run("SELECT name FROM t WHERE name LIKE 'a_b'")).rows).toEqual([['a_b']]);
    expect((await run("SELECT name FROM t WHERE name LIKE 'a\\_%' ESCAPE '\\'")).rows).toEqual([['a_b']]);
    expect(compileLike('100\\%', '\\').exact).toBe('100%');
    expect(compileLike('a%').exact).toBeUndefined();
    expect(compileLike('a.b*').test('a.b*')).toBe(true);
    expect(compileLike('a.b*').test('axb*')).toBe(false);
    expect(compileLike('line_\nbreak').test('line1\nbreak')).toBe(true);
    expect((await failure("SELECT name FROM t WHERE name LIKE 'a' ESCAPE 'ab'")).error.errorName).toBe('INVALID_FUNCTION_ARGUMENT');
    expect((await failure("SELECT name FROM t WHERE name LIKE 'a\\' ESCAPE '\\'")).error.message).toBe("Escape character must be followed by '%', '_' or the escape character itself");
  });

  it('ORDER BY output names, positions and input columns; NULLS LAST by default; DESC; OFFSET and LIMIT', async () => {
    expect((await run('SELECT name, n FROM t ORDER BY n DESC')).rows).toEqual([['a_b', 4], ['b', 2], ['a', 1], ['c', null]]);
    expect((await run('SELECT name, n FROM t ORDER BY 2 NULLS FIRST')).rows).toEqual([['c', null], ['a', 1], ['b', 2], ['a_b', 4]]);
    expect((await run('SELECT name AS x FROM t ORDER BY kind DESC, x')).rows).toEqual([['c'], ['a'], ['a_b'], ['b']]);
    expect((await run('SELECT name FROM t ORDER BY name OFFSET 1 ROWS FETCH FIRST 2 ROWS ONLY')).rows).toEqual([['a_b'], ['b']]);
  });

  it('DISTINCT, CASE, COALESCE, UPPER, CAST', async () => {
    expect((await run('SELECT DISTINCT kind FROM t ORDER BY kind')).rows).toEqual([['x'], ['y'], [null]]);
    const r = await run("SELECT CASE kind WHEN 'x' THEN 1 WHEN 'y' THEN 20000000000 END c, CASE WHEN n > 1 THEN 'big' ELSE 'small' END s, COALESCE(kind, 'none') k, UPPER(name) u, CAST(n AS varchar) v FROM t ORDER BY name LIMIT 3");
    expect(r.columns).toEqual(['c:bigint', 's:varchar(5)', 'k:varchar', 'u:varchar', 'v:varchar']);
    expect(r.rows).toEqual([
      [1, 'small', 'x', 'A', '1'],
      [1, 'big', 'x', 'A_B', '4'],
      [null, 'big', 'none', 'B', '2'],
    ]);
  });

  it('SELECT * leaves hidden columns out; they are still selectable', async () => {
    expect((await run('SELECT * FROM t LIMIT 1')).columns).toEqual(['name:varchar', 'kind:varchar', 'n:bigint']);
    expect((await run('SELECT t.*, secret FROM t LIMIT 1')).rows).toEqual([['a', 'x', 1, 's1']]);
  });

  it('GROUP BY without aggregates keeps one row per key, by expression or select-list position (Cube lists schemas so)', async () => {
    const all = (await run('SELECT kind FROM t')).rows.map((r) => r[0]);
    const distinct = [...new Set(all)];
    expect(distinct.length).toBeLessThan(all.length);
    // Trino's ascending order puts NULL last.
    const ordered = [...distinct.filter((k) => k !== null).sort(), ...(distinct.includes(null) ? [null] : [])];
    expect((await run('SELECT kind FROM t GROUP BY 1 ORDER BY 1')).rows.map((r) => r[0])).toEqual(ordered);
    expect((await run('SELECT kind FROM t GROUP BY kind ORDER BY kind')).rows.map((r) => r[0])).toEqual(ordered);
    expect((await failure('SELECT name, kind FROM t GROUP BY kind')).error).toMatchObject({ errorName: 'MISSING_GROUP_BY' });
    expect((await failure('SELECT kind FROM t GROUP BY 2')).error.message).toMatch(/position 2 is not in select list/);
  });

  it('user errors are Trino errors', async () => {
    expect((await failure('SELECT nope FROM t')).error).toMatchObject({ errorName: 'COLUMN_NOT_FOUND', message: "Column 'nope' cannot be resolved" });
    expect((await failure('SELECT name FROM t WHERE n = name')).error.errorName).toBe('TYPE_MISMATCH');
    expect((await failure('SELECT name FROM t WHERE n')).error.errorName).toBe('TYPE_MISMATCH');
  });

  it('anything outside the grammar is Unsupported (the statement then goes to the engine)', () => {
    for (const sql of [
      'SELECT name FROM t JOIN u ON t.a = u.a',
      'SELECT count(*) FROM t',
      'SELECT name, count(*) FROM t GROUP BY name',
      'SELECT name FROM (SELECT * FROM t)',
      'SELECT name FROM t UNION SELECT name FROM u',
      'WITH x AS (SELECT 1) SELECT * FROM x',
      'SELECT name FROM t WHERE n = ?',
      'SELECT 1.5',
      "SELECT X'00'",
      'SELECT name FROM t; SELECT 1',
      'SELECT name FROM t LIMIT 2 OFFSET 1',
    ]) {
      expect(() => parseSelect(sql), sql).toThrow(Unsupported);
    }
  });
});
