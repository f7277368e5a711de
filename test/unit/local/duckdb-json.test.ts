import { LIST, listValue, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonRows, SqlType } from '../../../lambdas/core/ports/index.js';
import { millisecondDatetime, rowEncoder } from '../../../lambdas/core/protocol/encode.js';
import { HeldResult } from '../../../lambdas/local/duckdb-held.js';
import { mapDuckTypeInZone } from '../../../lambdas/local/duckdb-types.js';
import { useInMemoryDuckDb } from '../../support/duckdb.js';

/**
 * HeldResult.json (rows written as JSON straight from DuckDB's vectors, duckdb-json.ts) against
 * the reference it stands in for: the gateway's encoder (rowEncoder) applied to the values
 * HeldResult.rows reads, datetimes cut to milliseconds as poll.ts cuts them. Compared byte for
 * byte, row by row, for every type the fast path writes and for the types it hands to the encoder.
 */
const db = useInMemoryDuckDb();

/** A result held as the engine holds it, with the SQL types the gateway encodes it by. */
interface Held {
  held: HeldResult;
  types: SqlType[];
}

async function hold(sql: string, zone = 'UTC', values?: DuckDBValue[], valueTypes?: DuckDBType[]): Promise<Held> {
  const result = await db.connection.run(sql, values, valueTypes);
  const mappings = result.columnTypes().map((type) => mapDuckTypeInZone(type, zone));
  return { held: new HeldResult(result, mappings), types: mappings.map((m) => m.type) };
}

/** Types whose string values poll.ts cuts to milliseconds for clients without PARAMETRIC_DATETIME. */
const isDatetime = (type: SqlType) => type.kind === 'simple' && /^(time|timestamp)/.test(type.name);

/** The reference: the JSON text of each of rows `from` to `to` as the gateway writes it from rows() (poll.ts rowRenderer). */
function referenceRows({ held, types }: Held, from: number, to: number, millisecondDatetimes: boolean): string[] {
  const encode = rowEncoder(types);
  const cut = types.map((type) => millisecondDatetimes && isDatetime(type));
  return held.rows(from, to).map((row) => encode(row.map((value, c) => (cut[c] && typeof value === 'string' ? millisecondDatetime(value) : value))));
}

/**
 * json()'s rows, cut at its `ends`, once the shape is checked: `count` ends, rising, each row
 * `[...]`, a comma between rows and nothing around them, the last end at the end of `bytes`.
 */
function splitRows(out: JsonRows): string[] {
  expect(out.ends.length).toBe(out.count);
  expect(out.bytes.length).toBe(out.count === 0 ? 0 : out.ends[out.count - 1]);
  const rows: string[] = [];
  const misshapen: number[] = [];
  let start = 0;
  for (let i = 0; i < out.count; i++) {
    if (i > 0 && out.bytes[start++] !== 0x2c) misshapen.push(i);
    const end = out.ends[i]!;
    if (end <= start || out.bytes[start] !== 0x5b || out.bytes[end - 1] !== 0x5d) misshapen.push(i);
    rows.push(Buffer.from(out.bytes.subarray(start, end)).toString('utf8'));
    start = end;
  }
  expect(misshapen.slice(0, 5)).toStrictEqual([]);
  return rows;
}

/** json()'s output is exactly `expected`: the first differing row is shown, then the bytes compared whole. */
function expectRows(out: JsonRows, expected: string[]): void {
  const actual = splitRows(out);
  expect(actual.length).toBe(expected.length);
  const first = actual.findIndex((row, i) => row !== expected[i]);
  expect(first < 0 ? null : { row: first, json: actual[first], expected: expected[first] }).toBeNull();
  expect(Buffer.from(out.bytes).equals(Buffer.from(expected.join(','), 'utf8'))).toBe(true);
}

/** Holds the statement and checks json() of all its rows against the reference, with and without millisecond datetimes. */
async function agree(sql: string, zone = 'UTC'): Promise<Held> {
  const held = await hold(sql, zone);
  for (const millis of [false, true]) expectRows(await held.held.json(0, held.held.count, Infinity, millis), referenceRows(held, 0, held.held.count, millis));
  return held;
}

/** `expression` for i in 0..n-1 (three chunks), NULL on every seventh row. */
const column = (expression: string, name: string) => `CASE WHEN i % 7 = 3 THEN NULL ELSE ${expression} END AS ${name}`;
const rows = (columns: string[], n = 5000) => `SELECT ${columns.join(', ')} FROM range(${n}) t(i)`;
/** A SQL list of literals, picked by `i % length`. */
const pick = (literals: string[], salt = 1) => `[${literals.join(', ')}][(i * ${salt}) % ${literals.length} + 1]`;

describe('HeldResult.json writes what the gateway writes from rows()', () => {
  /** Guards the reference itself: a row of known values gives the JSON Trino clients read, independent of rows(). */
  it('writes the protocol texts of a known row', async () => {
    const { held } = await hold(
      String.raw`SELECT 2.0::DOUBLE, -0.0::DOUBLE, 'nan'::DOUBLE, 1.1::REAL, 9007199254740993::BIGINT, -42::TINYINT, 'a"b\' || chr(1) || chr(8232) AS s,
        1.50::DECIMAL(4, 2), -0.05::DECIMAL(38, 2), DATE '2024-02-29', TIMESTAMP '2024-01-01 12:34:56.789012', true, NULL::INTEGER, TIME '01:02:03.456789'`,
    );
    const text = async (millis: boolean) => Buffer.from((await held.json(0, 1, Infinity, millis)).bytes).toString('utf8');
    expect(await text(false)).toBe(String.raw`[2.0,-0.0,"NaN",1.1,9007199254740993,-42,"a\"b\\\u0001` + '\u2028' + String.raw`","1.50","-0.05","2024-02-29","2024-01-01 12:34:56.789012",true,null,"01:02:03.456789"]`);
    expect(await text(true)).toBe(String.raw`[2.0,-0.0,"NaN",1.1,9007199254740993,-42,"a\"b\\\u0001` + '\u2028' + String.raw`","1.50","-0.05","2024-02-29","2024-01-01 12:34:56.789",true,null,"01:02:03.456"]`);
  });

  /** Booleans and integers of every width, signed and unsigned, at their bounds, across 2^31, 2^32 and 2^53 (where BIGINT leaves the number path). */
  it('writes booleans and integers of every width', async () => {
    const bigints = ['-9223372036854775808', '9223372036854775807', '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740991', '-9007199254740992', '-9007199254740993', '9007194959773696', '-9007194959773696', '4294967295', '4294967296', '-4294967296', '-4294967297', '2147483647', '2147483648', '2147483649', '-2147483647', '-2147483648', '-2147483649', '-1', '0', '1', '9', '10', '-10', '99', '100'];
    await agree(
      rows([
        column(`i % 3 = 0`, 'b'),
        column(`(i % 256 - 128)::TINYINT`, 'ti'),
        column(`(i * 13 % 65536 - 32768)::SMALLINT`, 'si'),
        column(`CASE i % 5 WHEN 0 THEN -2147483648 WHEN 1 THEN 2147483647 ELSE i * 1000003 % 4294967296 - 2147483648 END::INTEGER`, 'ii'),
        column(`CASE WHEN i % 3 = 0 THEN ${pick(bigints)}::BIGINT WHEN i % 3 = 1 THEN i * 4611686018427 - 9007199254740993 ELSE i - 2500 END::BIGINT`, 'bi'),
        column(`(i % 256)::UTINYINT`, 'uti'),
        column(`(i * 13 % 65536)::USMALLINT`, 'usi'),
        column(`CASE i % 5 WHEN 0 THEN 4294967295 WHEN 1 THEN 2147483648 WHEN 2 THEN 2147483647 ELSE i * 1000003 % 4294967296 END::UINTEGER`, 'ui'),
      ]),
    );
  });

  /** Doubles and reals: -0, NaN, the infinities, subnormals, exponent forms and integral values (written with ".0"). */
  it('writes doubles and reals', async () => {
    const doubles = ['nan', 'inf', '-inf', '-0.0', '0.0', '2.0', '-2.0', '1e21', '1e-7', '-1e-7', '1e20', '123456789012345680000', '4.9e-324', '2.225073858507201e-308', '2.2250738585072014e-308', '1.7976931348623157e308', '0.1', '-2.5', '9007199254740993'];
    const reals = ['nan', 'inf', '-inf', '-0.0', '0.0', '1.1', '2.0', '3.4028235e38', '-3.4028235e38', '1e-45', '1.17549435e-38', '16777217', '1e10', '1e-7', '0.1'];
    await agree(
      rows([
        column(`CASE WHEN i % 3 = 0 THEN ${pick(doubles.map((d) => `'${d}'`))} ELSE (i / 7.0 - 100)::VARCHAR END::DOUBLE`, 'd'),
        column(`CASE WHEN i % 2 = 0 THEN i::DOUBLE * 1024 ELSE (i - 2500)::DOUBLE * 1e-310 END`, 'dd'),
        column(`CASE WHEN i % 3 = 0 THEN ${pick(reals.map((r) => `'${r}'`))} ELSE (i / 7.0)::VARCHAR END::REAL`, 'r'),
        column(`(i - 2500)::FLOAT`, 'f'),
      ]),
    );
  });

  /**
   * VARCHAR: empty, inline (up to 12 bytes) and out of line, alone and in runs that lie end to
   * end, with quotes, backslashes, every control character, DEL, U+2028 and multi-byte UTF-8.
   */
  it('writes text', async () => {
    const samples = [`''`, `'O'`, `'it''s "quoted"'`, String.raw`'back\slash\\'`, `'twelve bytes'`, `'thirteen byte'`, `'héllo wörld ✓'`, `'日本語のテキスト'`, `'🦆🦆🦆'`, `'é'`, `chr(8232) || chr(8233)`, `chr(127)`, `'a much longer piece of text, well past the inline limit'`];
    await agree(
      rows([
        column(pick(samples), 'mixed'),
        column(`chr((i % 32)::INTEGER)`, 'control'),
        column(`'ctl ' || chr((i % 32)::INTEGER) || ' in a string stored out of line ' || chr((i * 7 % 32)::INTEGER)`, 'control_long'),
        column(String.raw`repeat('a"\', (i % 13)::INTEGER)`, 'escapes'),
        column(`repeat('é', (i % 10)::INTEGER)`, 'two_byte'),
        column(`left('🦆🦆🦆🦆🦆', (i % 6)::INTEGER)`, 'four_byte'),
        column(`repeat('x', (i % 40)::INTEGER)`, 'lengths'),
        column(`'comment number ' || i || ' about things'`, 'ascii_run'),
        column(`CASE WHEN i % 11 = 0 THEN 'ünïcode in a run of ' || i ELSE 'plain text in a run ' || i END`, 'unicode_run'),
        column(`CASE WHEN i % 2 = 0 THEN 'short' ELSE 'long enough to leave the inline part ' || i END`, 'alternating'),
        column(`'del ' || chr(127) || ' and line separator ' || chr(8232) || ' and emoji 🦆 ' || i`, 'specials'),
      ]),
    );
  });

  /** A leading U+FEFF, which rows() (like the binding's getRows) drops and the bytes hold: json() must agree with rows(). */
  it('writes a text starting with a byte order mark as rows() reads it', async () => {
    await agree(rows([column(`chr(65279) || 'x'`, 'inline'), column(`chr(65279) || 'long enough to be stored out of line ' || i`, 'out_of_line'), column(`'x' || chr(65279)`, 'inside')], 100));
  });

  /** Dates across the calendar, BC, years past 9999 and the infinities. */
  it('writes dates', async () => {
    await agree(
      rows([
        column(`DATE '0001-01-01' + (i * 733)::INTEGER`, 'ad'),
        column(`DATE '0001-01-01' - (i * 211 + 1)::INTEGER`, 'bc'),
        column(`DATE '2000-02-28' + (i % 800)::INTEGER`, 'leap'),
        column(`${pick([`'infinity'`, `'-infinity'`, `'9999-12-31'`, `'10000-01-01'`, `'0001-01-01'`, `'1970-01-01'`, `'1969-12-31'`, `'0044-03-15 (BC)'`, `'5881580-07-10'`, `'5877642-06-25 (BC)'`])}::DATE`, 'edges'),
      ]),
    );
  });

  /** Decimals of each storage width (int16, int32, int64, int128) and several scales, negatives, bounds, values past 2^53, and HUGEINT. */
  it('writes decimals and hugeints', async () => {
    await agree(
      rows([
        column(`((i % 19999) - 9999)::DECIMAL(4, 0)`, 'd4_0'),
        column(`(((i % 19999) - 9999) * 0.01)::DECIMAL(4, 2)`, 'd4_2'),
        column(`((i * 12345 % 1999999999 - 999999999) * 0.001)::DECIMAL(9, 3)`, 'd9_3'),
        column(`((i * 12345 % 1999999999 - 999999999) * 0.000000001)::DECIMAL(9, 9)`, 'd9_9'),
        column(`CASE i % 3 WHEN 0 THEN 99999999999999.9999 WHEN 1 THEN -99999999999999.9999 ELSE ((i * 987654321987 % 1999999999999999999) - 999999999999999999) * 0.0001 END::DECIMAL(18, 4)`, 'd18_4'),
        column(`(CASE i % 3 WHEN 0 THEN 999999999999999999 WHEN 1 THEN -999999999999999999 ELSE i * 123456789 - 2500 END)::DECIMAL(18, 0)`, 'd18_0'),
        column(`(CASE i % 3 WHEN 0 THEN 999999999999999999 WHEN 1 THEN -999999999999999999 ELSE i * 123456789 - 2500 END * 0.000001)::DECIMAL(18, 6)`, 'd18_6'),
        column(`CASE i % 4 WHEN 0 THEN '99999999999999999999999999999999999999' WHEN 1 THEN '-99999999999999999999999999999999999999' WHEN 2 THEN (i::HUGEINT * 9007199254740993)::VARCHAR ELSE (-i)::VARCHAR END::DECIMAL(38, 0)`, 'd38_0'),
        column(`CASE i % 3 WHEN 0 THEN '-0.05' WHEN 1 THEN '123456789012345678.12' ELSE (i * 1.25 - 3000)::VARCHAR END::DECIMAL(22, 2)`, 'd22_2'),
        column(`CASE i % 2 WHEN 0 THEN '-0.00000000000000000001' ELSE (i / 3 - 800)::VARCHAR END::DECIMAL(38, 20)`, 'd38_20'),
        column(`CASE i % 2 WHEN 0 THEN '-0.000000000000000000000000000001' ELSE (i / 7)::VARCHAR END::DECIMAL(38, 30)`, 'd38_30'),
        column(`((i - 2500) * 0.001)::DECIMAL(20, 17)`, 'd20_17'),
        column(`CASE i % 4 WHEN 0 THEN -170141183460469231731687303715884105728 WHEN 1 THEN 170141183460469231731687303715884105727 WHEN 2 THEN -i ELSE i::HUGEINT * 9007199254740993 END::HUGEINT`, 'hi'),
      ]),
    );
  });

  /** TIMESTAMP: microseconds, before 1970, past 2^53 microseconds from the epoch (where it leaves the number path), past year 9999, the infinities; cut to milliseconds when asked. */
  it('writes timestamps', async () => {
    const edges = [`'infinity'`, `'-infinity'`, `'0001-01-01 00:00:00'`, `'9999-12-31 23:59:59.999999'`, `'10000-01-01 00:00:00.5'`, `'1969-12-31 23:59:59.999999'`, `'1969-12-31 23:59:59.000001'`, `'0044-03-15 (BC) 12:00:00'`, `'2024-02-29 12:34:56.789012'`];
    const micros = ['9007199254740991', '9007199254740992', '-9007199254740991', '-9007199254740992', '-9007199254740993', '9007194959773695', '9007194959773696', '-1', '0', '1'];
    await agree(
      rows([
        column(`TIMESTAMP '1970-01-01 00:00:00' + to_microseconds((i - 2500) * 86400123457)`, 'ts'),
        column(`make_timestamp((i - 2500) * 3700000000001)`, 'ts_wide'),
        column(`${pick(edges)}::TIMESTAMP`, 'ts_edges'),
        column(`make_timestamp(${pick(micros)}::BIGINT)`, 'ts_bounds'),
      ]),
    );
  });

  /** Every other type goes through the encoder: times, zoned and other-precision timestamps, intervals, uuids, blobs, enums, bits, unions, nested types, JSON and the wide unsigned integers. */
  it('writes the types it hands to the encoder', async () => {
    let json = true;
    try {
      await db.connection.run('LOAD json');
    } catch {
      json = false;
    }
    const columns = [
      column(`TIME '00:00:00' + to_microseconds(i * 17280000 + i % 1000)`, 't'),
      column(`('12:34:56.789' || ${pick([`'+00'`, `'+05:30'`, `'-08'`, `'+14'`])})::TIMETZ`, 'ttz'),
      column(`TIMESTAMPTZ '2024-03-10 06:59:59.5+00' + to_microseconds(i * 1234567)`, 'tstz'),
      column(`(TIMESTAMP '1900-01-01' + to_microseconds(i * 123456789012))::TIMESTAMP_S`, 'ts_s'),
      column(`(TIMESTAMP '1900-01-01' + to_microseconds(i * 123456789012))::TIMESTAMP_MS`, 'ts_ms'),
      column(`make_timestamp_ns(i * 123456789012345 - 300000000000000000)`, 'ts_ns'),
      column(`to_microseconds(i * 123456789) + to_days(i % 40 - 20) + to_months(i % 30 - 15)`, 'iv'),
      column(`('00000000-0000-0000-0000-' || lpad(i::VARCHAR, 12, '0'))::UUID`, 'uuid'),
      column(`('x' || i)::BLOB`, 'blob'),
      column(`('\\x00\\xFF\\x10 bytes past the inline limit ' || i)::BLOB`, 'long_blob'),
      column(`(['red', 'green', 'blue'])[i % 3 + 1]::ENUM('red', 'green', 'blue')`, 'enum'),
      column(`(i % 256)::UTINYINT::BIT`, 'bits'),
      column(`CASE WHEN i % 2 = 0 THEN union_value(n := i)::UNION(n BIGINT, s VARCHAR) ELSE union_value(s := 'u' || i)::UNION(n BIGINT, s VARCHAR) END`, 'uni'),
      column(`[i, NULL, i + 1]`, 'list'),
      column(`CASE WHEN i % 5 = 0 THEN [] ELSE [[i::DECIMAL(10, 2) / 4, NULL], NULL, [i::DECIMAL(10, 2)]] END`, 'nested'),
      `(CASE WHEN i % 7 = 3 THEN NULL ELSE [i::REAL / 3, NULL] END)::REAL[2] AS array`,
      column(`{'a': i, 'b': 'text "' || i, 'c': {'d': [TIMESTAMP '2024-01-01 00:00:00.123456' + to_seconds(i)]}}`, 'struct'),
      column(`MAP {'k' || i: i::DOUBLE / 7, 'z': NULL}`, 'map'),
      column(`[TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_hours(i)]`, 'zoned_list'),
      column(`CASE i % 3 WHEN 0 THEN 18446744073709551615 ELSE i * 3689348814741 END::UBIGINT`, 'ubi'),
      column(`CASE i % 2 WHEN 0 THEN '340282366920938463463374607431768211455' ELSE i::VARCHAR END::UHUGEINT`, 'uhi'),
    ];
    if (json) columns.push(column(`('{"n": ' || i || ', "s": "\\u00e9 ' || i || '"}')::JSON`, 'json'));
    const { held } = await agree(rows(columns), 'America/New_York');
    // The zone reached the encoded values, and millisecond datetimes cut them.
    const first = Buffer.from((await held.json(0, 1, Infinity, true)).bytes).toString('utf8');
    expect(first).toContain('"2024-03-10 01:59:59.500 America/New_York"');
  });

  /** A column entirely NULL (no value stored), and an empty result. */
  it('writes NULL columns and an empty result', async () => {
    await agree(`SELECT NULL::INTEGER AS a, NULL::VARCHAR AS b, NULL::DATE AS c, NULL AS d, NULL::DECIMAL(30, 4) AS e, NULL::TIMESTAMP AS f, NULL::DOUBLE AS g, NULL::BIGINT AS h FROM range(3000)`);
    const { held } = await hold(`SELECT 1::INTEGER AS a, 'x' AS b FROM range(10) WHERE false`);
    const out = await held.json(0, 10, Infinity, false);
    expect(out.count).toBe(0);
    expect(out.bytes.length).toBe(0);
    expect(out.ends.length).toBe(0);
  });
});

describe('HeldResult.json pages', () => {
  const sql = rows(
    [
      column('i', 'id'),
      column(`'row ' || i || ' ' || repeat('x', (i % 40)::INTEGER)`, 'text'),
      column(`CASE WHEN i % 5 = 0 THEN 'é' ELSE 'inline' END`, 'short'),
      column('i / 7.0', 'q'),
      column('(i - 3000)::DOUBLE / 3', 'd'),
      column(`DATE '2024-01-01' + (i % 400)::INTEGER`, 'day'),
      column(`TIMESTAMP '2024-01-01 00:00:00' + to_microseconds(i * 1234567)`, 'ts'),
      column(`TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds(i * 7654321)`, 'tstz'),
      column(`TIME '00:00:00' + to_microseconds(i * 12345678)`, 'time'),
    ],
    7000,
  );

  /**
   * Random pages: the rows from `from` are the reference's, as many as the byte rule allows (the
   * first row always, then a row while the JSON so far, commas included, is shorter than maxBytes,
   * up to `to`).
   */
  it('stops at `to` and after the row that reaches maxBytes, from anywhere', async () => {
    const source = await hold(sql);
    const { held } = source;
    const n = held.count;
    expect(n).toBe(7000);
    const reference = [false, true].map((millis) => referenceRows(source, 0, n, millis));
    const lengths = reference.map((texts) => texts.map((text) => Buffer.byteLength(text, 'utf8')));
    // Row ends of the whole result, for maxBytes falling exactly on one.
    const endOf = (millis: number, from: number, k: number) => lengths[millis]!.slice(from, from + k + 1).reduce((sum, length, j) => sum + length + (j > 0 ? 1 : 0), 0);
    const expectedCount = (millis: number, from: number, to: number, maxBytes: number) => {
      let length = 0;
      let count = 0;
      for (let r = from; r < Math.min(to, n) && (count === 0 || length < maxBytes); r++) length += (count++ > 0 ? 1 : 0) + lengths[millis]![r]!;
      return count;
    };
    const check = async (from: number, to: number, maxBytes: number, millis: number) => {
      const out = await held.json(from, to, maxBytes, millis === 1);
      const count = expectedCount(millis, from, to, maxBytes);
      expect(out.count).toBe(count);
      expectRows(out, reference[millis]!.slice(from, from + count));
    };
    const page = fc
      .tuple(fc.nat(n), fc.nat(n + 50), fc.oneof(fc.nat(3000), fc.nat(200_000), fc.constant(Infinity)), fc.integer({ min: 0, max: 1 }))
      .map(([a, b, maxBytes, millis]) => ({ from: Math.min(a, b), to: Math.max(a, b), maxBytes, millis }));
    await fc.assert(
      fc.asyncProperty(page, ({ from, to, maxBytes, millis }) => check(from, to, maxBytes, millis)),
      { numRuns: 150 },
    );
    // Chunk edges, maxBytes on a row's end and just past it, nothing asked, a first row longer than maxBytes.
    for (const millis of [0, 1]) {
      for (const from of [0, 2047, 2048, 4095, 6144, 6999, 7000]) {
        for (const to of [from, from + 1, 2048, 4097, 9000].filter((to) => to >= from)) {
          for (const maxBytes of [0, 1, Infinity, endOf(millis, from, 0), endOf(millis, from, 1), endOf(millis, from, 1) + 1, endOf(millis, from, 2047)]) await check(from, to, maxBytes, millis);
        }
      }
    }
  });

  /** Pages read one after another, each from where the last stopped, give the whole result once. */
  it('gives the whole result in consecutive pages', async () => {
    const source = await hold(sql);
    const { held } = source;
    for (const maxBytes of [10_000, 333_333]) {
      const pieces: string[] = [];
      for (let from = 0; from < held.count; ) {
        const out = await held.json(from, Math.min(held.count, from + 3000), maxBytes, false);
        expect(out.count).toBeGreaterThan(0);
        pieces.push(...splitRows(out));
        from += out.count;
      }
      expect(pieces.length).toBe(held.count);
      expect(pieces.join(',') === referenceRows(source, 0, held.count, false).join(',')).toBe(true);
    }
  });
});

describe('HeldResult.json writes any text as the reference does', () => {
  const specials = fc.constantFrom('"', '\\', '\0', '\n', '\r', '\t', '\u001f', '\u007f', '\u2028', '\u2029', '🦆', 'é', "'", 'x', '\ud800', '\udfff', '\ufffd');
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.string({ unit: 'binary-ascii', maxLength: 30 }),
    fc.string({ unit: specials, maxLength: 30 }),
  );

  /**
   * Arbitrary strings (any code point, lone surrogates, every ASCII byte) bound through a
   * prepared statement: json() agrees with the reference, and reads back as the UTF-8 of each string.
   */
  it('agrees with the reference for arbitrary strings, inline and out of line', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(text, { nil: null }), { maxLength: 60 }), fc.boolean(), async (strings, millis) => {
        const source = await hold(`SELECT s::VARCHAR AS s, (s || s)::VARCHAR AS twice FROM unnest($1::VARCHAR[]) WITH ORDINALITY AS t(s, n) ORDER BY n`, 'UTC', [listValue(strings)], [LIST(VARCHAR)]);
        const { held } = source;
        expect(held.count).toBe(strings.length);
        const out = await held.json(0, held.count, Infinity, millis);
        expectRows(out, referenceRows(source, 0, held.count, millis));
        // The strings themselves, lone surrogates replaced as their UTF-8 has them.
        const utf8 = (s: string | null) => (s === null ? null : Buffer.from(s, 'utf8').toString('utf8'));
        const parsed = JSON.parse(`[${Buffer.from(out.bytes).toString('utf8')}]`) as (string | null)[][];
        expect(parsed).toStrictEqual(strings.map((s) => [utf8(s), s === null ? null : utf8(s)! + utf8(s)!]));
      }),
      { numRuns: 120 },
    );
  });
});
