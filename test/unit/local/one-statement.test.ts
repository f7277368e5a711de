import { DuckDBInstance, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../../lambdas/local/duckdb-engine.js';
import { guardedTokens, Refusal } from '../../../lambdas/local/duckdb-guard.js';
import { inspect, ok, run } from './support.js';

/**
 * For the local engine: exactly one statement, and no text that
 * DuckDB lexes differently from Trino (strings, comments, quoted identifiers), so what runs is
 * what was checked.
 */
let engine: DuckDbEngine;
let raw: DuckDBInstance;
let connection: DuckDBConnection;
let serializer: DuckDBPreparedStatement;

beforeAll(async () => {
  engine = await DuckDbEngine.create();
  raw = await DuckDBInstance.create(':memory:');
  connection = await raw.connect();
  serializer = await connection.prepare('SELECT json_serialize_sql($1::VARCHAR)');
});
afterAll(() => {
  serializer?.destroySync();
  connection?.closeSync();
  raw?.closeSync();
  engine?.close();
});

async function refused(sql: string, errorName = 'PERMISSION_DENIED'): Promise<string> {
  const inspection = await inspect(engine, sql);
  expect(inspection.refusal, sql).toBeDefined();
  expect(inspection.tables).toEqual([]);
  const outcome = await run(engine, sql);
  expect(outcome.state, sql).toBe('FAILED');
  expect(outcome.error?.errorName, sql).toBe(errorName);
  return outcome.error!.message;
}

describe('several statements in one text', () => {
  it.each([
    'SELECT 1; SELECT 2',
    "SELECT 1; COPY (SELECT * FROM orders) TO '/tmp/orders.csv'",
    'SELECT 1;DROP TABLE nation',
    'SELECT 1 -- a comment\n; DROP TABLE nation',
    'SELECT 1 /* c */ ; /* c */ DELETE FROM memory."default".x',
    'SELECT 1;;',
    ';SELECT 1',
    "SELECT ';' ; SELECT 2",
    'WITH a AS (SELECT 1) SELECT * FROM a; SELECT 2',
    "INSERT INTO memory.\"default\".t SELECT 1; SELECT * FROM orders",
    'CREATE TABLE memory."default".t2 AS SELECT 1 AS a; DROP TABLE tpch.tiny.nation',
    'SHOW TABLES; DROP TABLE tpch.tiny.nation',
    'DESCRIBE nation; DROP TABLE tpch.tiny.nation',
  ])('%j is refused', async (sql) => {
    expect(await refused(sql)).toMatch(/several statements|exactly one/);
  });

  it('nothing of a refused text ran', async () => {
    expect(await ok(engine, 'SELECT count(*) FROM nation')).toEqual([[25n]]);
  });

  it.each(['SELECT 1;', 'SELECT 1 ;  ', 'SELECT 1; -- done', "SELECT ';'", 'SELECT 1 -- ; not a statement', 'SELECT 1 /* ; */', 'SELECT \'a;b\' AS "c;d"'])('%j is one statement', async (sql) => {
    const outcome = await run(engine, sql);
    expect(outcome.state, outcome.error?.message).toBe('FINISHED');
  });
});

describe('characters that cut or change the text DuckDB reads', () => {
  it.each([
    ['NUL before a second statement', 'SELECT 1\u0000; DROP TABLE nation'],
    ['NUL inside a string', "SELECT 'a\u0000b'"],
    ['NUL inside a comment', 'SELECT 1 /* \u0000 */'],
    ['NUL inside a quoted identifier', 'SELECT 1 AS "a\u0000b"'],
    ['NUL that would cut a WHERE clause', "SELECT * FROM customer WHERE c_custkey = 1\u0000 OR true"],
    ['a trailing NUL', 'SELECT 1\u0000'],
    ['a vertical tab', 'SELECT\u000b1'],
    ['a form feed', 'SELECT\u000c1'],
    ['an escape character', 'SELECT 1 \u001b'],
    ['DEL', 'SELECT 1\u007f'],
    ['an unpaired high surrogate', "SELECT '\ud800'"],
    ['an unpaired low surrogate', "SELECT '\udc00'"],
    ['a no-break space between tokens', 'SELECT\u00a01'],
    ['a line separator between tokens', 'SELECT 1\u2028'],
    ['a byte-order mark before the statement', '\ufeffSELECT 1'],
    ['a letter outside ASCII in a name', 'SELECT 1 AS café'],
  ])('%s is refused', async (_what, sql) => {
    await refused(sql);
  });

  it('text outside ASCII inside strings, quoted identifiers and comments is fine', async () => {
    expect(await ok(engine, 'SELECT \'café ☕ 😀\' AS "naïve 列" -- ünïcode\n')).toEqual([['café ☕ 😀']]);
    expect(await ok(engine, "SELECT n_name FROM nation /* 😀 */ WHERE n_name = 'FRANCE' AND 'é' <> 'e'")).toEqual([['FRANCE']]);
  });

  it('table names after text outside ASCII are still found and qualified', async () => {
    const inspection = await inspect(engine, "SELECT '😀é' AS a, n_name FROM nation WHERE n_comment <> 'ü' AND n_regionkey IN (SELECT r_regionkey FROM region)");
    expect(inspection.tables).toEqual([['tpch', 'tiny', 'nation'], ['tpch', 'tiny', 'region']]);
  });
});

describe('strings and comments DuckDB lexes differently from Trino', () => {
  it.each([
    ["E'…' escape string hiding a quote", "SELECT E'\\'' , (SELECT max(o_comment) FROM orders) AS x --'"],
    ['lower-case e prefix', "SELECT e'\\x41'"],
    ['E prefix after a keyword', "SELECT * FROM nation WHERE n_name = E'\\' OR 1=1 --'"],
    ['B bit string prefix', "SELECT B'101'"],
    ['N national string prefix', "SELECT N'abc'"],
    ['U& Unicode escape string', "SELECT U&'\\0041'"],
    ['U& Unicode escape identifier', 'SELECT 1 AS U&"\\0041"'],
    ['a name directly followed by a quoted identifier', 'SELECT 1 AS a"b"'],
    ['a number directly followed by a string', "SELECT 1'a'"],
    ['nested block comments', 'SELECT 1 /* outer /* inner */ , (SELECT max(c_phone) FROM customer) */'],
    ['a comment opener inside a comment', 'SELECT 1 /* /* */'],
    ['an unterminated nested comment', 'SELECT 1 /* a /* b */ c'],
    ['dollar-quoted string', 'SELECT $$ \' $$ AS a'],
    ['tagged dollar quote', "SELECT $tag$ ' $tag$"],
    ['dollar quote hiding a second statement', "SELECT $$'$$; COPY orders TO '/tmp/x' --'"],
    ['positional parameter', 'SELECT $1'],
    ['dollar inside a name', 'SELECT a$b FROM nation'],
    ['backslash outside a string', 'SELECT 1 \\ 2'],
    ['backquoted identifier', 'SELECT `n_name` FROM nation'],
    ['backquote hiding code', 'SELECT 1 AS `a, (SELECT max(c_phone) FROM customer) AS b`'],
    ['positional column reference', 'SELECT #2 FROM customer'],
    ['a lone carriage return in a line comment', 'SELECT 1 -- comment\r, (SELECT max(c_phone) FROM customer)'],
  ])('%s is refused', async (_what, sql) => {
    await refused(sql);
  });

  it('backslashes inside ordinary strings are plain characters for both readers', async () => {
    expect(await ok(engine, "SELECT 'a\\' AS x, 'b\\\\n' AS y, '\\''' AS z")).toEqual([['a\\', 'b\\\\n', "\\'"]]);
  });

  it('quotes, comment markers and dollars inside strings, identifiers and comments are fine', async () => {
    expect(await ok(engine, `SELECT '/* not a comment */' AS "a/*b", '-- nor this' AS "$$", '$$' AS c /* it's fine "x" $$ */ -- 'also' $1 #`)).toEqual([['/* not a comment */', '-- nor this', '$$']]);
  });

  it("typed literals written without a space (DATE'…') are a name and a string for both readers", async () => {
    expect(await ok(engine, "SELECT DATE'2024-01-02', CAST(TIMESTAMP'2024-01-02 03:04:05' AS varchar), INTERVAL'1' DAY")).toHaveLength(1);
  });

  it("Trino's X'…' binary literal still works", async () => {
    const rows = await ok(engine, "SELECT X'41 42', x'ff'");
    expect(rows.length).toBe(1);
  });

  it('CRLF line ends end comments as usual', async () => {
    expect(await ok(engine, 'SELECT 1 -- comment\r\n, 2')).toEqual([[1, 2]]);
  });
});

/**
 * Differential property: for texts the guard accepts and DuckDB parses, DuckDB's parse starts
 * every node at a token the guard found (never inside what the guard took for a string or a
 * comment), and reads exactly the string literals the guard found.
 */
describe('the guard and DuckDB agree on every text the guard accepts', () => {
  const FRAGMENTS = ["'", "''", "'a'", "'\\'", "\\", 'E', 'e', 'b', 'N', 'U&', 'DATE', 'ee', 'Ex', 'r', 'R', 'bE', '&', '$', '$$', '$1', '/*', '*/', '--', '\n', '\r', '\r\n', ' ', ',', '"', '""', '"x"', '#', '`', '(', ')', '+', '-', '*', '/', '1', 'a', 'AS', 'x', ';', 'SELECT', '||', '::', '?', '.', '@', '😀', 'é'];

  function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }

  function locations(node: unknown, out: number[] = []): number[] {
    if (Array.isArray(node)) for (const n of node) locations(n, out);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'query_location' && typeof v === 'number' && v < 2 ** 53) out.push(v);
        else locations(v, out);
      }
    }
    return out;
  }

  function strings(node: unknown, out: string[] = []): string[] {
    if (Array.isArray(node)) for (const n of node) strings(n, out);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.class === 'CONSTANT' && (o.value as { type?: { id?: string } })?.type?.id === 'VARCHAR' && typeof (o.value as { value?: unknown }).value === 'string') out.push((o.value as { value: string }).value);
      // `x AS 'name'`: DuckDB takes a string as an alias.
      if (typeof o.alias === 'string' && o.alias !== '') out.push(o.alias);
      for (const v of Object.values(o)) strings(v, out);
    }
    return out;
  }

  it('over 4,000 generated texts', async () => {
    const next = random(17);
    let accepted = 0;
    let parsed = 0;
    for (let n = 0; n < 4000; n++) {
      const items: string[] = [];
      const count = 1 + Math.floor(next() * 3);
      for (let i = 0; i < count; i++) {
        let item = '';
        const length = 1 + Math.floor(next() * 5);
        for (let k = 0; k < length; k++) item += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
        items.push(item);
      }
      const sql = `SELECT ${items.join(', ')}`;
      let tokens;
      try {
        tokens = guardedTokens(sql);
      } catch (error) {
        if (error instanceof Refusal || (error as Error).name === 'GuardSyntaxError') continue;
        throw error;
      }
      accepted++;
      serializer.bindVarchar(1, sql);
      const json = JSON.parse(String((await serializer.runAndReadAll()).getRows()[0]![0])) as { error?: boolean; statements?: unknown[] };
      if (json.error) continue;
      parsed++;
      const bytes = Buffer.from(sql, 'utf8');
      const starts = new Set(tokens.map((t) => Buffer.byteLength(sql.slice(0, t.start), 'utf8')));
      for (const location of locations(json.statements)) {
        expect(starts.has(location), `${JSON.stringify(sql)}: DuckDB starts a node at byte ${location} (${JSON.stringify(bytes.subarray(location).toString('utf8').slice(0, 10))}), inside what the guard read`).toBe(true);
      }
      // Adjacent strings split by a newline are one string for DuckDB (SQL's continuation).
      const adjacent = tokens.some((t, i) => t.kind === 'string' && tokens[i + 1]?.kind === 'string');
      // X'…' is rewritten to from_hex('…') before DuckDB reads it; DuckDB's own reading differs.
      const hex = tokens.some((t, i) => t.kind === 'string' && tokens[i - 1]?.value === 'x' && tokens[i - 1]!.end === t.start);
      if (!adjacent && !hex) {
        // Every string the guard read is a string for DuckDB too (DuckDB adds constants of its
        // own, e.g. the field name of `'a'.b`).
        const duck = strings(json.statements);
        for (const t of tokens.filter((t) => t.kind === 'string')) {
          const at = duck.indexOf(t.value);
          expect(at, `${JSON.stringify(sql)}: the string ${JSON.stringify(t.value)}`).toBeGreaterThanOrEqual(0);
          duck.splice(at, 1);
        }
      }
    }
    expect(accepted).toBeGreaterThan(300);
    expect(parsed).toBeGreaterThan(100);
  });
});
