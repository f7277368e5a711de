import { DuckDBDateValue, type DuckDBMaterializedResult } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { formatDate, readRows } from '../../../lambdas/local/duckdb-read.js';
import { HeldResult } from '../../../lambdas/local/duckdb-held.js';
import { mapDuckTypeInZone } from '../../../lambdas/local/duckdb-types.js';
import { useInMemoryDuckDb } from '../../support/duckdb.js';

/**
 * The chunk reader against the reference it replaces: the binding's getRows() with each column's
 * `convert`, on a real DuckDB, for every type the mapping knows. Values are compared with their
 * JS types (number, bigint, string, Buffer or Uint8Array), -0 and NaN included.
 */
const db = useInMemoryDuckDb();

/** A value with its JS type spelled out, so that 1 and 1n, 0 and -0, Buffer and Uint8Array differ. */
function typed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(typed);
  if (value instanceof Uint8Array) return [value.constructor.name, [...value]];
  if (typeof value === 'number') return ['number', Object.is(value, -0) ? '-0' : String(value)];
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  return [typeof value, String(value)];
}

async function reference(sql: string, zone: string): Promise<unknown[][]> {
  const result = await db.connection.run(sql);
  const converters = result.columnTypes().map((type) => mapDuckTypeInZone(type, zone).convert);
  return (await result.getRows()).map((row) => row.map((value, c) => converters[c]!(value)));
}

/** Reads the statement both ways and checks they agree; returns the rows for further checks. */
async function agree(sql: string, zone = 'UTC'): Promise<unknown[][]> {
  const expected = await reference(sql, zone);
  const actual = await readRows(await db.connection.run(sql), () => zone);
  expect(actual.length).toBe(expected.length);
  expect(actual.map(typed)).toStrictEqual(expected.map(typed));
  return actual;
}

/** `expression` for i in 0..n-1 (three chunks), NULL on every seventh row. */
const column = (expression: string, name: string) => `CASE WHEN i % 7 = 3 THEN NULL ELSE ${expression} END AS ${name}`;
const rows = (columns: string[], n = 5000) => `SELECT ${columns.join(', ')} FROM range(${n}) t(i)`;

describe('readRows agrees with getRows() and convert', () => {
  it('reads integers of every width, signed and unsigned, at their bounds', async () => {
    const read = await agree(
      rows([
        column(`(i % 256 - 128)::TINYINT`, 'ti'),
        column(`(i * 13 % 65536 - 32768)::SMALLINT`, 'si'),
        column(`(i * 1000003 % 4294967296 - 2147483648)::INTEGER`, 'ii'),
        column(`CASE i % 5 WHEN 0 THEN -9223372036854775808 WHEN 1 THEN 9223372036854775807 ELSE i * 4611686018427 - 9007199254740993 END::BIGINT`, 'bi'),
        column(`(i % 256)::UTINYINT`, 'uti'),
        column(`(i * 13 % 65536)::USMALLINT`, 'usi'),
        column(`(i * 1000003 % 4294967296)::UINTEGER`, 'ui'),
        column(`CASE i % 3 WHEN 0 THEN 18446744073709551615 ELSE i * 3689348814741 END::UBIGINT`, 'ubi'),
        column(`CASE i % 4 WHEN 0 THEN -170141183460469231731687303715884105728 WHEN 1 THEN 170141183460469231731687303715884105727 WHEN 2 THEN -i ELSE i::HUGEINT * 9007199254740993 END::HUGEINT`, 'hi'),
        column(`CASE i % 2 WHEN 0 THEN '340282366920938463463374607431768211455' ELSE i::VARCHAR END::UHUGEINT`, 'uhi'),
      ]),
    );
    expect(read[1]!.slice(0, 4)).toStrictEqual([-127, -32755, -2146483645, 9223372036854775807n]);
  });

  it('reads reals and doubles, NaN, infinities and -0 included', async () => {
    const specials = `['nan', 'inf', '-inf', '-0.0', '0.0', '1.1', '-3.4028235e38', '1e-45']`;
    const read = await agree(
      rows([
        column(`CASE WHEN i % 16 < 8 THEN ${specials}[i % 8 + 1] ELSE (i / 7.0)::VARCHAR END::REAL`, 'r'),
        column(`CASE WHEN i % 16 < 8 THEN ${specials}[i % 8 + 1] ELSE (i / 7.0 - 100)::VARCHAR END::DOUBLE`, 'd'),
      ]),
    );
    expect(Object.is(read[19]![1], -0)).toBe(true);
    expect(read[5]![0]).toBe(1.1);
  });

  it('reads decimals of every storage width and several scales, negatives and large values', async () => {
    const read = await agree(
      rows([
        column(`((i % 19999) - 9999)::DECIMAL(4, 0)`, 'd4_0'),
        column(`(((i % 19999) - 9999) * 0.01)::DECIMAL(4, 2)`, 'd4_2'),
        column(`((i * 12345 % 1999999999 - 999999999) * 0.001)::DECIMAL(9, 3)`, 'd9_3'),
        column(`((i * 12345 % 1999999999 - 999999999) * 0.000000001)::DECIMAL(9, 9)`, 'd9_9'),
        column(`CASE i % 3 WHEN 0 THEN 99999999999999.9999 WHEN 1 THEN -99999999999999.9999 ELSE ((i * 987654321987 % 1999999999999999999) - 999999999999999999) * 0.0001 END::DECIMAL(18, 4)`, 'd18_4'),
        column(`(CASE i % 3 WHEN 0 THEN 999999999999999999 WHEN 1 THEN -999999999999999999 ELSE i * 123456789 - 2500 END * 0.000001)::DECIMAL(18, 6)`, 'd18_6'),
        column(`CASE i % 4 WHEN 0 THEN '99999999999999999999999999999999999999' WHEN 1 THEN '-99999999999999999999999999999999999999' WHEN 2 THEN (i::HUGEINT * 9007199254740993)::VARCHAR ELSE (-i)::VARCHAR END::DECIMAL(38, 0)`, 'd38_0'),
        column(`CASE i % 3 WHEN 0 THEN '-0.05' WHEN 1 THEN '123456789012345678.12' ELSE (i * 1.25)::VARCHAR END::DECIMAL(22, 2)`, 'd22_2'),
        column(`CASE i % 2 WHEN 0 THEN '-0.00000000000000000001' ELSE (i / 3)::VARCHAR END::DECIMAL(38, 20)`, 'd38_20'),
        column(`((i - 2500) * 0.001)::DECIMAL(20, 17)`, 'd20_17'),
      ]),
    );
    expect(read[0]!.slice(0, 2)).toStrictEqual(['-9999', '-99.99']);
  });

  it('reads text: empty, quotes, unicode, inline and out-of-line, in runs and alone', async () => {
    const samples = [`''`, `'O'`, `'it''s "quoted"'`, `'twelve bytes'`, `'thirteen byte'`, `'héllo wörld ✓'`, `'日本語のテキスト'`, `'🦆🦆🦆'`, `'é'`, `'a much longer piece of text, well past the inline limit'`];
    await agree(
      rows([
        column(`[${samples.join(', ')}][i % ${samples.length} + 1]`, 'mixed'),
        column(`'comment number ' || i || ' about things'`, 'ascii_runs'),
        column(`CASE WHEN i % 11 = 0 THEN 'ünïcode in a run of ' || i ELSE 'plain text in a run ' || i END`, 'unicode_runs'),
        column(`repeat('x', i % 40)`, 'lengths'),
        column(`CASE WHEN i % 2 = 0 THEN 'short' ELSE 'long enough to leave the inline part ' || i END`, 'alternating'),
        column(`('{"n": ' || i || '}')::JSON`, 'json'),
        column(`(['red', 'green', 'blue'])[i % 3 + 1]::ENUM('red', 'green', 'blue')`, 'enum'),
        column(`('x' || i)::BLOB`, 'blob'),
        column(`('\\x00\\xFF\\x10 bytes past the inline limit ' || i)::BLOB`, 'long_blob'),
        column(`i % 2 = 0`, 'flag'),
        column(`('00000000-0000-0000-0000-' || lpad(i::VARCHAR, 12, '0'))::UUID`, 'uuid'),
        column(`'ffffffff-ffff-ffff-ffff-ffffffffffff'::UUID`, 'uuid_max'),
        column(`(i % 256)::UTINYINT::BIT`, 'bits'),
      ]),
    );
  });

  it('reads a streamed result as it reads a materialized one', async () => {
    const sql = rows([column(`i`, 'n'), column(`'streamed text number ' || i`, 's'), column(`i * 0.5`, 'd')]);
    const streamed = await readRows(await db.connection.stream(sql));
    expect(streamed.map(typed)).toStrictEqual((await agree(sql)).map(typed));
  });

  it('reads every row of a column that is entirely NULL, and an empty result', async () => {
    await agree(`SELECT NULL::INTEGER AS a, NULL::VARCHAR AS b, NULL::DATE AS c, NULL AS d, NULL::DECIMAL(30, 4) AS e FROM range(3000)`);
    expect(await agree(`SELECT 1::INTEGER AS a, 'x' AS b, [1] AS c FROM range(10) WHERE false`)).toStrictEqual([]);
  });

  it('reads dates across the calendar: BC, leap days, the bounds, infinities', async () => {
    const read = await agree(
      rows([
        column(`DATE '0001-01-01' + (i * 733)::INTEGER`, 'ad'),
        column(`DATE '0001-01-01' - (i * 211 + 1)::INTEGER`, 'bc'),
        column(`DATE '2000-02-28' + (i % 800)::INTEGER`, 'leap'),
        column(`(['infinity', '-infinity', '9999-12-31', '0001-01-01', '1970-01-01', '1969-12-31', '0044-03-15 (BC)', '5881580-07-10'])[i % 8 + 1]::DATE`, 'edges'),
      ]),
    );
    expect(read.slice(0, 2).map((row) => row[2])).toStrictEqual(['2000-02-28', '2000-02-29']);
    expect(read[800]![2]).toBe('2000-02-28');
  });

  it('reads times, timestamps of every precision, and time zones', async () => {
    const timestamps = rows([
      column(`TIMESTAMP '1970-01-01 00:00:00' + to_microseconds((i - 2500) * 86400123457)`, 'ts'),
      column(`(['infinity', '-infinity', '0001-01-01 00:00:00', '9999-12-31 23:59:59.999999', '1969-12-31 23:59:59.999999', '0044-03-15 (BC) 12:00:00', '294246-12-31 23:59:59'])[i % 7 + 1]::TIMESTAMP`, 'ts_edges'),
      column(`(TIMESTAMP '1900-01-01' + to_microseconds(i * 123456789012))::TIMESTAMP_S`, 'ts_s'),
      column(`(TIMESTAMP '1900-01-01' + to_microseconds(i * 123456789012))::TIMESTAMP_MS`, 'ts_ms'),
      column(`make_timestamp_ns(i * 123456789012345 - 300000000000000000)`, 'ts_ns'),
      column(`TIMESTAMPTZ '2024-03-10 06:59:59.5+00' + to_microseconds(i * 1234567)`, 'tstz'),
      column(`TIME '00:00:00' + to_microseconds(i * 17280000 + i % 1000)`, 't'),
      column(`('12:34:56.789' || (['+00', '+05:30', '-08', '+14'])[i % 4 + 1])::TIMETZ`, 'ttz'),
      column(`to_microseconds(i * 123456789) + to_days(i % 40 - 20) + to_months(i % 30 - 15)`, 'iv'),
    ]);
    for (const zone of ['UTC', '+05:30', 'America/New_York', 'Asia/Kolkata']) await agree(timestamps, zone);
  });

  it('reads timestamps past a JavaScript date (the infinities) as DuckDB prints them, and keeps a leading byte order mark', async () => {
    const [row] = await readRows(await db.connection.run(`SELECT TIMESTAMP 'infinity', TIMESTAMP '-infinity', TIMESTAMP '294247-01-10 04:00:54.775806', chr(65279) || 'x', chr(65279) || 'a text stored out of line'`));
    expect(row).toStrictEqual(['infinity', '-infinity', '294247-01-10 04:00:54.775806', '\ufeffx', '\ufeffa text stored out of line']);
  });

  it('reads lists, nested lists, arrays, structs, maps and unions through the values', async () => {
    await agree(
      rows([
        column(`[i, NULL, i + 1]`, 'list'),
        column(`CASE WHEN i % 5 = 0 THEN [] ELSE [[i::DECIMAL(10, 2) / 4, NULL], NULL, [i::DECIMAL(10, 2)]] END`, 'nested'),
        column(`[DATE '2024-01-01' + i::INTEGER, NULL]`, 'dates'),
        // A CASE cannot produce a fixed-size array: the nullable list is cast after it.
        `(CASE WHEN i % 7 = 3 THEN NULL ELSE [i::REAL / 3, NULL] END)::REAL[2] AS array`,
        column(`{'a': i, 'b': 'text ' || i, 'c': {'d': [TIMESTAMP '2024-01-01' + to_seconds(i)]}}`, 'struct'),
        column(`MAP {'k' || i: i::DOUBLE / 7, 'z': NULL}`, 'map'),
        column(`CASE WHEN i % 2 = 0 THEN union_value(n := i)::UNION(n BIGINT, s VARCHAR) ELSE union_value(s := 'u' || i)::UNION(n BIGINT, s VARCHAR) END`, 'uni'),
        column(`[('x' || i)::BLOB]`, 'blobs'),
        column(`[TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_hours(i)]`, 'zoned'),
      ]),
      'Europe/Paris',
    );
  });
});

/** The result held as the engine holds it, its columns read in UTC. */
const heldOf = (result: DuckDBMaterializedResult) => new HeldResult(result, result.columnTypes().map((type) => mapDuckTypeInZone(type, 'UTC')));

describe('a result held in DuckDB, read a page at a time', () => {
  it('gives every page the rows readRows gives, across chunk boundaries, again on a retry, after its connection closed', async () => {
    const sql = rows([column('i', 'id'), column(`'row ' || i || ' ' || repeat('x', i % 40)`, 'text'), column('i / 7.0', 'q'), column(`DATE '2024-01-01' + (i % 400)::INTEGER`, 'day')], 9000);
    const all = await readRows(await db.connection.run(sql));
    const own = await db.instance.connect();
    const result = await own.run(sql);
    own.closeSync();
    const held = heldOf(result);
    expect(held.count).toBe(9000);
    // Pages of sizes around DuckDB's 2,048-row chunks, read in order, one of them twice.
    let from = 0;
    for (const size of [1, 7, 2040, 2048, 2049, 1, 4096, 5000]) {
      const to = Math.min(held.count, from + size);
      expect(held.rows(from, to).map(typed)).toStrictEqual(all.slice(from, to).map(typed));
      if (size === 2049) expect(held.rows(from, to).map(typed)).toStrictEqual(all.slice(from, to).map(typed));
      from = to;
    }
    expect(from).toBe(9000);
    // Anywhere, in any order, and past the end.
    for (const [a, b] of [[8999, 9000], [0, 9000], [4095, 4097], [6000, 100], [9000, 9100]] as const) {
      expect(held.rows(a, Math.min(b, held.count)).map(typed)).toStrictEqual(all.slice(a, Math.min(b, held.count)).map(typed));
    }
  });

  it('holds an empty result', async () => {
    const result = await db.connection.run('SELECT 1 AS x WHERE false');
    const held = heldOf(result);
    expect(held.count).toBe(0);
    expect(held.rows(0, 10)).toEqual([]);
  });
});

describe('formatDate', () => {
  it('prints days within years 1 to 9999 and beyond them as the binding does', () => {
    const days = [-719_163, -719_162, 2_932_896, 2_932_897, 2 ** 31 - 1, -(2 ** 31 - 1), 0, -1, 11_016, 11_017];
    for (let day = -800_000; day <= 3_000_000; day += 7) days.push(day);
    expect(days.filter((day) => formatDate(day) !== String(new DuckDBDateValue(day)))).toStrictEqual([]);
  });
});
