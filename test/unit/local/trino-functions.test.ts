import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryFailure } from '../../../lambdas/core/errors.js';
import { formatType } from '../../../lambdas/core/protocol/sql-types.js';
import { LOCKED_DOWN_SETTINGS } from '../../../lambdas/local/duckdb-engine.js';
import { mapDuckType, shortestReal } from '../../../lambdas/local/duckdb-types.js';
import { installTrinoFunctions, jodaFormat, mysqlFormat, rewriteTrinoCalls, TRINO_SETTINGS, trinoFunctionSql, trinoMacroNames } from '../../../lambdas/local/trino-functions.js';

/**
 * The local engine speaks Trino: each function against the value Trino gives (from
 * Trino's documentation, or its own tests where the documentation shows no value), on a real
 * DuckDB instance set up as the engine sets it up (locked down, Trino's settings, the macros),
 * the statement rewritten as the engine rewrites it.
 *
 * DuckDB's TIMESTAMP is microseconds, Trino's literals default to milliseconds: values are
 * compared at Trino's precision (`ms`), the instant being what matters.
 */
let instance: DuckDBInstance;
let connection: DuckDBConnection;
/** DuckDB's own function names, before the macros. */
let builtins: Set<string>;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '1', ...TRINO_SETTINGS, ...LOCKED_DOWN_SETTINGS });
  connection = await instance.connect();
  builtins = new Set((await connection.runAndReadAll('SELECT DISTINCT function_name FROM duckdb_functions()')).getRows().map((r) => String(r[0])));
  await installTrinoFunctions(connection);
});
afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
});

/** The rows of a Trino statement, as the engine puts them on the wire. */
async function rows(sql: string): Promise<unknown[][]> {
  const result = await connection.runAndReadAll(rewriteTrinoCalls(sql));
  const mappings = result.columnTypes().map(mapDuckType);
  return result.getRows().map((row) => row.map((v, i) => mappings[i]!.convert(v)));
}

/** The first row. */
async function row(sql: string): Promise<unknown[]> {
  return (await rows(sql))[0]!;
}

/** The only value. */
async function value(sql: string): Promise<unknown> {
  return (await row(sql))[0];
}

/** The column types, as the engine reports them. */
async function types(sql: string): Promise<string[]> {
  const result = await connection.runAndReadAll(rewriteTrinoCalls(sql));
  return result.columnTypes().map((t) => formatType(mapDuckType(t).type));
}

/** The error the statement fails with (rewrite or DuckDB). */
async function failure(sql: string): Promise<{ name?: string; message: string }> {
  try {
    await rows(sql);
  } catch (error) {
    if (error instanceof QueryFailure) return { name: error.error.errorName, message: error.error.message };
    return { message: String((error as Error).message) };
  }
  throw new Error(`${sql} did not fail`);
}

/** A timestamp text at Trino's default precision (milliseconds). */
const ms = (v: unknown) => String(v).replace(/(\.\d{3})\d*/, '$1');

const bigints = (values: unknown[]) => values.map((v) => (v === null ? null : Number(v)));

describe('date and time functions', () => {
  it('date_add(unit, value, timestamp): Trino argument order and result type', async () => {
    // Trino's documentation: 2020-03-01 00:01:26.000, 2020-03-01 09:00:00.000, 2020-02-29 00:00:00.000 UTC.
    const [seconds, hours, zoned] = await row(
      `SELECT date_add('second', 86, TIMESTAMP '2020-03-01 00:00:00'), date_add('hour', 9, TIMESTAMP '2020-03-01 00:00:00'), date_add('day', -1, TIMESTAMP '2020-03-01 00:00:00 UTC')`,
    );
    expect(ms(seconds)).toBe('2020-03-01 00:01:26.000');
    expect(ms(hours)).toBe('2020-03-01 09:00:00.000');
    expect(ms(zoned)).toBe('2020-02-29 00:00:00.000 UTC');
    // [same as input]: a date stays a date; a month added to Jan 31 ends on the last day of February.
    expect(await row(`SELECT date_add('day', 1, DATE '2020-01-31'), date_add('month', 1, DATE '2020-01-31'), date_add('quarter', -1, DATE '2020-05-31'), date_add('week', 2, DATE '2020-01-01')`)).toEqual(['2020-02-01', '2020-02-29', '2020-02-29', '2020-01-15']);
    expect(await types(`SELECT date_add('year', 1, DATE '2020-02-29'), date_add('minute', 1, TIMESTAMP '2020-01-01 00:00:00')`)).toEqual(['date', 'timestamp(6)']);
    expect(await value(`SELECT date_add('day', 1, CAST(NULL AS DATE))`)).toBeNull();
    expect(await value(`SELECT date_add('day', NULL, DATE '2020-01-01')`)).toBeNull();
    // Trino: "'hour' is not a valid DATE field".
    expect((await failure(`SELECT date_add('hour', 1, DATE '2020-01-01')`)).message).toMatch(/'hour' is not a valid DATE field/);
    expect((await failure(`SELECT date_add('fortnight', 1, TIMESTAMP '2020-01-01 00:00:00')`)).message).toMatch(/'fortnight' is not a valid TIMESTAMP field/);
  });

  it('date_diff(unit, t1, t2) counts whole units from t1 to t2', async () => {
    // Trino's documentation: 86400, 24, 1, 86400, 86400123.
    expect(
      bigints(
        await row(`SELECT date_diff('second', TIMESTAMP '2020-03-01 00:00:00', TIMESTAMP '2020-03-02 00:00:00'),
          date_diff('hour', TIMESTAMP '2020-03-01 00:00:00 UTC', TIMESTAMP '2020-03-02 00:00:00 UTC'),
          date_diff('day', DATE '2020-03-01', DATE '2020-03-02'),
          date_diff('second', TIMESTAMP '2020-06-01 12:30:45.000000', TIMESTAMP '2020-06-02 12:30:45.123456'),
          date_diff('millisecond', TIMESTAMP '2020-06-01 12:30:45.000000', TIMESTAMP '2020-06-02 12:30:45.123456')`),
      ),
    ).toEqual([86400, 24, 1, 86400, 86400123]);
    // Across month ends, as Trino (Joda-Time's field difference) counts them: Jan 31 -> Feb 29 is
    // one month (Feb 29 is the last day of its month), one hour short of it is none; t2 before t1
    // is negative; a day is 24 hours, not a calendar boundary (DuckDB's date_diff says 1 and 1).
    expect(
      bigints(
        await row(`SELECT date_diff('month', DATE '2020-01-31', DATE '2020-02-29'),
          date_diff('month', TIMESTAMP '2020-01-31 10:00:00', TIMESTAMP '2020-02-29 09:00:00'),
          date_diff('month', DATE '2020-02-29', DATE '2020-01-31'),
          date_diff('month', DATE '2020-01-31', DATE '2020-02-01'),
          date_diff('day', TIMESTAMP '2020-01-01 12:00:00', TIMESTAMP '2020-01-02 11:00:00'),
          date_diff('year', DATE '2019-12-31', DATE '2020-01-01')`),
      ),
    ).toEqual([1, 0, -1, 0, 0, 0]);
    expect(await types(`SELECT date_diff('day', DATE '2020-01-01', DATE '2020-01-02')`)).toEqual(['bigint']);
    expect(await value(`SELECT date_diff('day', DATE '2020-01-01', NULL)`)).toBeNull();
  });

  it('date_trunc(unit, x) keeps the type of x; weeks start on Monday', async () => {
    // Trino's documentation: 2022-10-20 00:00:00.000, 2022-10-01 00:00:00.000, 2022-01-01 00:00:00.000.
    const truncated = await row(`SELECT date_trunc('day', TIMESTAMP '2022-10-20 05:10:00'), date_trunc('month', TIMESTAMP '2022-10-20 05:10:00'), date_trunc('year', TIMESTAMP '2022-10-20 05:10:00')`);
    expect(truncated.map(ms)).toEqual(['2022-10-20 00:00:00.000', '2022-10-01 00:00:00.000', '2022-01-01 00:00:00.000']);
    // The documentation's unit table, for 2001-08-22 03:04:05.321.
    const units = await row(
      `SELECT ${['millisecond', 'second', 'minute', 'hour', 'week', 'quarter'].map((u) => `date_trunc('${u}', TIMESTAMP '2001-08-22 03:04:05.321')`).join(', ')}`,
    );
    expect(units.map(ms)).toEqual(['2001-08-22 03:04:05.321', '2001-08-22 03:04:05.000', '2001-08-22 03:04:00.000', '2001-08-22 03:00:00.000', '2001-08-20 00:00:00.000', '2001-07-01 00:00:00.000']);
    // A Sunday's week starts the Monday before; a date stays a date.
    expect(await row(`SELECT date_trunc('week', DATE '2024-06-09'), date_trunc('month', DATE '2024-06-09')`)).toEqual(['2024-06-03', '2024-06-01']);
    expect(await types(`SELECT date_trunc('week', DATE '2024-06-09')`)).toEqual(['date']);
    expect(await value(`SELECT date_trunc('day', CAST(NULL AS TIMESTAMP))`)).toBeNull();
  });

  it('from_iso8601_timestamp and from_iso8601_date', async () => {
    // Trino's documentation: 2020-05-11 11:15:05.055 +01:00 (the same instant as 10:15:05.055 UTC);
    // without a zone, the session's (UTC here); without a time, midnight.
    const [withZone, withoutZone, dateOnly] = await row(`SELECT from_iso8601_timestamp('2020-05-11T11:15:05.055+01:00'), from_iso8601_timestamp('2020-05-11T11:15:05'), from_iso8601_timestamp('2020-05-11')`);
    expect(ms(withZone)).toBe('2020-05-11 10:15:05.055 UTC');
    expect(ms(withoutZone)).toBe('2020-05-11 11:15:05.000 UTC');
    expect(ms(dateOnly)).toBe('2020-05-11 00:00:00.000 UTC');
    expect(await types(`SELECT from_iso8601_timestamp('2020-05-11T11:15:05Z')`)).toEqual(['timestamp(6) with time zone']);
    expect(await value(`SELECT from_iso8601_timestamp(NULL)`)).toBeNull();
    // Trino's documentation: 2020-05-11.
    expect(await value(`SELECT from_iso8601_date('2020-05-11')`)).toBe('2020-05-11');
  });

  it('to_unixtime and from_unixtime', async () => {
    expect(await row(`SELECT to_unixtime(TIMESTAMP '1970-01-01 00:00:00 UTC'), to_unixtime(TIMESTAMP '2020-01-01 00:00:00.500 UTC'), to_unixtime(TIMESTAMP '2020-01-01 01:00:00 +01:00')`)).toEqual([0, 1577836800.5, 1577836800]);
    expect(await types(`SELECT to_unixtime(TIMESTAMP '2020-01-01 00:00:00')`)).toEqual(['double']);
    // from_unixtime(unixtime) -> timestamp(3) with time zone, in the session zone (UTC).
    const [epoch, fraction, negative] = await row(`SELECT from_unixtime(0), from_unixtime(1577836800.5), from_unixtime(-1)`);
    expect([epoch, fraction, negative].map(ms)).toEqual(['1970-01-01 00:00:00.000 UTC', '2020-01-01 00:00:00.500 UTC', '1969-12-31 23:59:59.000 UTC']);
    expect(await types(`SELECT from_unixtime(0)`)).toEqual(['timestamp(6) with time zone']);
    expect(await row(`SELECT from_unixtime(NULL), to_unixtime(NULL)`)).toEqual([null, null]);
    // The zone forms give the same instant.
    expect(ms(await value(`SELECT from_unixtime(0, 'America/New_York')`))).toBe('1970-01-01 00:00:00.000 UTC');
  });

  it('format_datetime (Joda-Time patterns)', async () => {
    expect(await value(`SELECT format_datetime(TIMESTAMP '2024-03-05 07:08:09.123', 'yyyy-MM-dd HH:mm:ss.SSS')`)).toBe('2024-03-05 07:08:09.123');
    expect(await value(`SELECT format_datetime(TIMESTAMP '2024-03-05 17:08:09', 'EEE, d MMM yy h:mm a')`)).toBe('Tue, 5 Mar 24 5:08 PM');
    expect(await value(`SELECT format_datetime(TIMESTAMP '2024-03-05 07:08:09', 'EEEE MMMM dd ''at'' HH ''o''''clock'' 100%')`)).toBe("Tuesday March 05 at 07 o'clock 100%");
    expect(await value(`SELECT format_datetime(from_unixtime(0), 'yyyy-MM-dd''T''HH:mm:ssZZ z')`)).toBe('1970-01-01T00:00:00+00:00 UTC');
    expect(await value(`SELECT format_datetime(DATE '2024-03-05', 'yyyy/MM/dd')`)).toBe('2024/03/05');
    expect(await value(`SELECT format_datetime(CAST(NULL AS TIMESTAMP), 'yyyy')`)).toBeNull();
    // Joda-Time refuses an unknown letter: "Illegal pattern component".
    expect(await failure(`SELECT format_datetime(TIMESTAMP '2024-03-05 07:08:09', 'yyyy-q')`)).toEqual({ name: 'INVALID_FUNCTION_ARGUMENT', message: 'format_datetime: Illegal pattern component: q' });
  });

  it('date_format and date_parse (MySQL format specifiers)', async () => {
    // Trino's documentation: 10-20-2022 05.
    expect(await value(`SELECT date_format(TIMESTAMP '2022-10-20 05:10:00', '%m-%d-%Y %H')`)).toBe('10-20-2022 05');
    // Trino's specifier table, each specifier on 2024-03-05 07:08:09.123 (a Tuesday, day 65);
    // %f prints milliseconds as 6 digits, %q (not listed) prints q.
    expect(await value(`SELECT date_format(TIMESTAMP '2024-03-05 07:08:09.123', '%a|%b|%c|%d|%e|%f|%H|%h|%I|%i|%j|%k|%l|%M|%m|%p|%r|%S|%s|%T|%v|%W|%x|%Y|%y|%%|%q')`)).toBe(
      'Tue|Mar|3|05|5|123000|07|07|07|08|065|7|7|March|03|AM|07:08:09 AM|09|09|07:08:09|10|Tuesday|2024|2024|24|%|q',
    );
    expect(await value(`SELECT date_format(TIMESTAMP '2024-03-05 19:00:00', '%h %l %p')`)).toBe('07 7 PM');
    expect(await value(`SELECT date_format(CAST(NULL AS TIMESTAMP), '%Y')`)).toBeNull();
    // Trino: "The following specifiers are not currently supported: %D %U %u %V %w %X".
    for (const spec of ['%D', '%U', '%u', '%V', '%w', '%X']) {
      expect(await failure(`SELECT date_format(TIMESTAMP '2024-03-05 07:08:09', '${spec}')`)).toEqual({ name: 'INVALID_FUNCTION_ARGUMENT', message: `date_format: ${spec} not supported in date format string` });
    }
    // Trino's documentation: date_parse('2022/10/20/05', '%Y/%m/%d/%H') = 2022-10-20 05:00:00.000.
    expect(ms(await value(`SELECT date_parse('2022/10/20/05', '%Y/%m/%d/%H')`))).toBe('2022-10-20 05:00:00.000');
    expect(ms(await value(`SELECT date_parse('2024-03-05 07:08:09.123', '%Y-%m-%d %H:%i:%s.%f')`))).toBe('2024-03-05 07:08:09.123');
    expect(ms(await value(`SELECT parse_datetime('2024-03-05 07:08', 'yyyy-MM-dd HH:mm')`))).toBe('2024-03-05 07:08:00.000 UTC');
  });

  it('a format that is not a literal is refused by name', async () => {
    expect(await failure(`SELECT date_format(TIMESTAMP '2024-03-05 07:08:09', f) FROM (VALUES '%Y') t(f)`)).toEqual({
      name: 'NOT_SUPPORTED',
      message: 'date_format with a format that is not a string literal is not available on the local engine',
    });
  });

  it('day_of_week is ISO: Monday 1 .. Sunday 7; the other extraction aliases', async () => {
    // 2024-06-09 is a Sunday, 2024-06-10 a Monday.
    expect(bigints(await row(`SELECT day_of_week(DATE '2024-06-09'), day_of_week(DATE '2024-06-10'), dow(TIMESTAMP '2024-06-15 23:59:59'), day_of_week(TIMESTAMP '2024-06-09 00:00:00 UTC')`))).toEqual([7, 1, 6, 7]);
    expect(await value(`SELECT day_of_week(CAST(NULL AS DATE))`)).toBeNull();
    expect(await types(`SELECT day_of_week(DATE '2024-06-09')`)).toEqual(['bigint']);
    // 2021-01-01 belongs to ISO week 53 of 2020.
    expect(bigints(await row(`SELECT day_of_month(DATE '2024-02-29'), day_of_year(DATE '2024-02-29'), doy(DATE '2024-12-31'), week_of_year(DATE '2021-01-01'), year_of_week(DATE '2021-01-01'), yow(DATE '2021-01-04')`))).toEqual([29, 60, 366, 53, 2020, 2021]);
    expect(await row(`SELECT last_day_of_month(DATE '2024-02-10'), date('2024-02-10'), date(TIMESTAMP '2024-02-10 23:00:00')`)).toEqual(['2024-02-29', '2024-02-10', '2024-02-10']);
    // millisecond(x) is the millisecond of the second (DuckDB's counts the whole minute's).
    expect(bigints(await row(`SELECT millisecond(TIMESTAMP '2024-02-10 23:00:05.123'), to_milliseconds(INTERVAL '1' DAY)`))).toEqual([123, 86400000]);
  });
});

describe('aggregates', () => {
  it('approx_distinct: small sets exactly, NULLs ignored, 0 when all are NULL', async () => {
    expect(bigints(await row(`SELECT approx_distinct(x), approx_distinct(x, 0.0040625) FROM range(1, 11) t(x)`))).toEqual([10, 10]);
    expect(bigints(await row(`SELECT approx_distinct(x) FROM (VALUES 1, NULL, 1, 2) t(x)`))).toEqual([2]);
    // Trino's documentation: "Zero is returned if all input values are null."
    expect(bigints(await row(`SELECT approx_distinct(x) FROM (VALUES CAST(NULL AS INTEGER), NULL) t(x)`))).toEqual([0]);
    expect(bigints(await row(`SELECT g, approx_distinct(x) FROM (VALUES (1, 'a'), (1, 'b'), (2, 'a'), (2, 'a')) t(g, x) GROUP BY g ORDER BY g`))).toEqual([1, 2]);
    expect(await types(`SELECT approx_distinct(x) FROM range(3) t(x)`)).toEqual(['bigint']);
  });

  it('approx_percentile with one percentage and with an array of them (Trino TestApproximatePercentileAggregation)', async () => {
    expect(Number(await value(`SELECT approx_percentile(x, 0.5) FROM (VALUES 1, 2, 3) t(x)`))).toBe(2);
    expect(Number(await value(`SELECT approx_percentile(x, 0.5) FROM (VALUES NULL, 1, 2, 3) t(x)`))).toBe(2);
    expect(await value(`SELECT approx_percentile(x, 0.5) FROM (VALUES CAST(NULL AS BIGINT), NULL) t(x)`)).toBeNull();
    const skewed = `(VALUES 1, NULL, 2, 2, NULL, 2, 2, NULL, 2, 2, NULL, 3, 3, NULL, 3, NULL, 3, 4, 5, 6, 7) t(x)`;
    expect(Number(await value(`SELECT approx_percentile(x, 0.5) FROM ${skewed}`))).toBe(3);
    // Arrays: [2, 3] for (1, 2, 3) at [0.5, 0.99]; [1, 2, 3] at [0.2, 0.5, 0.8]; unsorted
    // percentages keep their order; NULL when every value is NULL.
    expect(bigints((await value(`SELECT approx_percentile(x, ARRAY[0.5, 0.99]) FROM (VALUES 1, 2, 3) t(x)`)) as unknown[])).toEqual([2, 3]);
    expect(bigints((await value(`SELECT approx_percentile(x, ARRAY[0.2, 0.5, 0.8]) FROM (VALUES NULL, 1, 2, 3) t(x)`)) as unknown[])).toEqual([1, 2, 3]);
    expect(bigints((await value(`SELECT approx_percentile(x, ARRAY[0.8, 0.2, 0.5]) FROM (VALUES NULL, 1, 2, 3) t(x)`)) as unknown[])).toEqual([3, 1, 2]);
    expect(bigints((await value(`SELECT approx_percentile(x, ARRAY[0.01, 0.5]) FROM ${skewed}`)) as unknown[])).toEqual([1, 3]);
    expect(await value(`SELECT approx_percentile(x, ARRAY[0.5, 0.99]) FROM (VALUES CAST(NULL AS BIGINT), NULL) t(x)`)).toBeNull();
    // Reals: 1.0 for (-1.0, 1.0) at 0.5, -1.0 for (-2.0, 3.0, -1.0); the type is kept.
    expect(await row(`SELECT approx_percentile(x, 0.5), approx_percentile(y, 0.5) FROM (VALUES (REAL '-1.0', REAL '-2.0'), (REAL '1.0', REAL '3.0'), (NULL, REAL '-1.0')) t(x, y)`)).toEqual([1, -1]);
    expect(await types(`SELECT approx_percentile(x, 0.5), approx_percentile(x, ARRAY[0.5]) FROM (VALUES REAL '1.5') t(x)`)).toEqual(['real', 'array(real)']);
    expect(await rows(`SELECT g, approx_percentile(x, 0.5) FROM (VALUES (1, 10.0), (1, 20.0), (1, 30.0), (2, 5.5)) t(g, x) GROUP BY g ORDER BY g`)).toEqual([
      [1, '20.0'],
      [2, '5.5'],
    ]);
    expect((await failure(`SELECT approx_percentile(x, 1.5) FROM (VALUES 1) t(x)`)).message).toMatch(/Percentile must be between 0 and 1/);
  });

  it('FILTER (WHERE ...) on the aggregates given as macros', async () => {
    expect(bigints(await row(`SELECT approx_distinct(x) FILTER (WHERE x > 7), approx_percentile(x, 0.5) FILTER (WHERE x > 7), count(*) FILTER (WHERE x > 7) FROM range(1, 11) t(x)`))).toEqual([3, 9, 3]);
    expect(rewriteTrinoCalls(`SELECT approx_distinct(x) FILTER (WHERE contains(a, 1)) FROM t`)).toBe(`SELECT approx_distinct(CASE WHEN (trino_contains(a, 1)) THEN x END) FROM t`);
  });

  it('the weighted forms of approx_percentile are refused by name', async () => {
    expect(await failure(`SELECT approx_percentile(x, 1, 0.5) FROM (VALUES 1) t(x)`)).toEqual({ name: 'NOT_SUPPORTED', message: 'approx_percentile with weights or an accuracy is not available on the local engine' });
  });
});

describe('JSON functions', () => {
  const doc = `'{"store": {"book": [{"author": "Nigel Rees", "price": 8.95}, {"author": "Evelyn Waugh"}], "open": true, "owner": null}}'`;

  it('json_extract_scalar: scalars as varchar, NULL for objects, arrays, missing paths and text that is not JSON', async () => {
    // Trino's documentation: json_extract_scalar('[1, 2, 3]', '$[2]') = '3'.
    expect(await value(`SELECT json_extract_scalar('[1, 2, 3]', '$[2]')`)).toBe('3');
    expect(await row(`SELECT json_extract_scalar(${doc}, '$.store.book[0].author'), json_extract_scalar(${doc}, '$.store.open'), json_extract_scalar(${doc}, '$.store.book[0].price')`)).toEqual(['Nigel Rees', 'true', '8.95']);
    expect(await row(`SELECT json_extract_scalar(${doc}, '$.store.book'), json_extract_scalar(${doc}, '$.store'), json_extract_scalar(${doc}, '$.store.owner'), json_extract_scalar(${doc}, '$.nothing'), json_extract_scalar('not json', '$.a'), json_extract_scalar(NULL, '$.a')`)).toEqual([null, null, null, null, null, null]);
    expect(await value(`SELECT json_extract_scalar('{"a b": {"c": 7}}', '$["a b"].c')`)).toBe('7');
    expect(await value(`SELECT json_extract_scalar(json_parse('{"a": "x"}'), '$.a')`)).toBe('x');
    expect(await types(`SELECT json_extract_scalar('{"a": 1}', '$.a')`)).toEqual(['varchar']);
  });

  it('json_extract returns JSON text', async () => {
    expect(await row(`SELECT json_extract(${doc}, '$.store.book[1]'), json_extract('[1, 2, 3]', '$[1]'), json_extract('{"a": {"b": [1, 2]}}', '$.a'), json_extract('{"a": "x"}', '$.a'), json_extract('{"a": null}', '$.a')`)).toEqual([
      '{"author":"Evelyn Waugh"}',
      '2',
      '{"b":[1,2]}',
      '"x"',
      'null',
    ]);
    expect(await types(`SELECT json_extract('{"a": 1}', '$.a')`)).toEqual(['json']);
    expect(await row(`SELECT json_extract('{"a": 1}', '$.b'), json_extract('not json', '$.a'), json_extract(NULL, '$.a')`)).toEqual([null, null, null]);
    // Trino's documentation: json_parse('[1, 2, 3]') = JSON '[1,2,3]', json_format(JSON '[1, 2, 3]') = '[1,2,3]'.
    expect(await row(`SELECT json_parse('[1, 2, 3]'), json_format(json_parse('[1, 2, 3]')), is_json_scalar('1'), is_json_scalar('[1]')`)).toEqual(['[1,2,3]', '[1,2,3]', true, false]);
  });
});

describe('regular expressions', () => {
  it('regexp_like finds a match anywhere in the string', async () => {
    // Trino's documentation: regexp_like('1a 2b 14m', '\d+b') = true.
    expect(await row(`SELECT regexp_like('1a 2b 14m', '\\d+b'), regexp_like('abc', '^b'), regexp_like(NULL, 'a')`)).toEqual([true, false, null]);
  });

  it('regexp_extract: the first match or a group, NULL without a match', async () => {
    // Trino's documentation: 1, a.
    expect(await row(`SELECT regexp_extract('1a 2b 14m', '\\d+'), regexp_extract('1a 2b 14m', '(\\d+)([a-z]+)', 2)`)).toEqual(['1', 'a']);
    // Trino: NULL when nothing matches (DuckDB's regexp_extract answers '').
    expect(await row(`SELECT regexp_extract('abc', '\\d+'), regexp_extract('abc', '(\\d)', 1), regexp_extract(NULL, 'a')`)).toEqual([null, null, null]);
  });

  it('regexp_replace replaces every match, $n naming groups; regexp_count and regexp_split', async () => {
    // Trino's documentation: '14m', '3ca 3cb 14m', 3, [1, 2, 14, ].
    expect(await row(`SELECT regexp_replace('1a 2b 14m', '\\d+[ab] '), regexp_replace('1a 2b 14m', '(\\d+)([ab]) ', '3c$2 ')`)).toEqual(['14m', '3ca 3cb 14m']);
    expect(await row(`SELECT regexp_count('1a 2b 14m', '\\s*[a-z]+\\s*'), regexp_split('1a 2b 14m', '\\s*[a-z]+\\s*')`)).toEqual([3n, ['1', '2', '14', '']]);
  });
});

describe('arrays and maps', () => {
  it('cardinality of arrays (NULL elements count) and maps', async () => {
    expect(bigints(await row(`SELECT cardinality(ARRAY[1, 2, NULL]), cardinality(ARRAY[]), cardinality(CAST(NULL AS ARRAY(integer))), cardinality(map(ARRAY['a', 'b'], ARRAY[1, 2])), cardinality(ARRAY[ARRAY[1, 2], ARRAY[3]])`))).toEqual([3, 0, null, 2, 2]);
    expect(await types(`SELECT cardinality(ARRAY['x'])`)).toEqual(['bigint']);
  });

  it('sequence: integers up or down, dates by day or by a step', async () => {
    expect(await row(`SELECT sequence(1, 5), sequence(5, 1), sequence(-2, 4, 3), sequence(3, 3)`)).toEqual([[1n, 2n, 3n, 4n, 5n], [5n, 4n, 3n, 2n, 1n], [-2n, 1n, 4n], [3n]]);
    expect(await row(`SELECT sequence(DATE '2020-01-30', DATE '2020-02-02'), sequence(DATE '2020-01-02', DATE '2020-01-01'), sequence(DATE '2020-01-31', DATE '2020-04-30', INTERVAL '1' MONTH)`)).toEqual([
      ['2020-01-30', '2020-01-31', '2020-02-01', '2020-02-02'],
      ['2020-01-02', '2020-01-01'],
      ['2020-01-31', '2020-02-29', '2020-03-31', '2020-04-30'],
    ]);
    expect(await types(`SELECT sequence(1, 2), sequence(DATE '2020-01-01', DATE '2020-01-02')`)).toEqual(['array(bigint)', 'array(date)']);
    expect((await row(`SELECT sequence(TIMESTAMP '2020-01-01 00:00:00', TIMESTAMP '2020-01-01 02:00:00', INTERVAL '1' HOUR)`))[0]).toHaveLength(3);
    expect(await value(`SELECT sequence(1, NULL)`)).toBeNull();
  });

  it('element_at: 1-based, negative from the end, NULL out of range; a map value or NULL', async () => {
    expect(await row(`SELECT element_at(ARRAY[1, 2, 3], 1), element_at(ARRAY[1, 2, 3], -1), element_at(ARRAY[1, 2, 3], -3), element_at(ARRAY[1, 2, 3], 4), element_at(ARRAY[1, 2, 3], -4)`)).toEqual([1, 3, 1, null, null]);
    expect(await row(`SELECT element_at(map(ARRAY['a', 'b'], ARRAY[1, 2]), 'b'), element_at(map(ARRAY['a'], ARRAY[1]), 'z'), element_at(CAST(NULL AS ARRAY(integer)), 1)`)).toEqual([2, null, null]);
  });

  it('contains: NULL when not found but the array holds NULL, or when the element is NULL', async () => {
    expect(await row(`SELECT contains(ARRAY[1, 2], 2), contains(ARRAY[1, 2], 3), contains(ARRAY[1, NULL], 1), contains(ARRAY[1, NULL], 3), contains(ARRAY[1, 2], NULL), contains(CAST(NULL AS ARRAY(integer)), 1), contains(ARRAY['a', 'b'], 'b')`)).toEqual([
      true,
      false,
      true,
      null,
      null,
      null,
      true,
    ]);
  });

  it('split, with a limit: the last element holds the rest', async () => {
    expect(await row(`SELECT split('a.b.c', '.'), split('a.b.c', '.', 2), split('a.b.c', '.', 1), split('a.b.c', '.', 10), split('a..b', '.'), split('', ',')`)).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b.c'],
      ['a.b.c'],
      ['a', 'b', 'c'],
      ['a', '', 'b'],
      [''],
    ]);
    expect(await row(`SELECT split(NULL, '.'), split(NULL, '.', 2)`)).toEqual([null, null]);
    expect((await failure(`SELECT split('a.b', '.', 0)`)).message).toMatch(/Limit must be positive/);
  });

  it('array_join omits NULL elements, or replaces them', async () => {
    expect(await row(`SELECT array_join(ARRAY['a', NULL, 'b'], ','), array_join(ARRAY['a', NULL, 'b'], ',', 'x'), array_join(ARRAY[1, 2, 3], ' - '), array_join(ARRAY[], ','), array_join(CAST(NULL AS ARRAY(varchar)), ',')`)).toEqual([
      'a,b',
      'a,x,b',
      '1 - 2 - 3',
      '',
      null,
    ]);
  });

  it('array_position is 0 when absent; array_max and array_min; transform', async () => {
    expect(bigints(await row(`SELECT array_position(ARRAY[5, 6, 7], 6), array_position(ARRAY[5, 6, 7], 8)`))).toEqual([2, 0]);
    expect(await row(`SELECT array_max(ARRAY[1, 5, 3]), array_min(ARRAY[1, 5, 3]), array_max(ARRAY[1, NULL])`)).toEqual([5, 1, null]);
    // Trino's documentation: transform(ARRAY[5, NULL, 6], x -> coalesce(x, 0) + 1) = [6, 1, 7].
    expect(await value(`SELECT transform(ARRAY[5, NULL, 6], x -> coalesce(x, 0) + 1)`)).toEqual([6, 1, 7]);
  });

  it('slice, trim_array, array_first and array_last', async () => {
    // slice(x, start, length): a negative start counts from the end.
    expect(await row(`SELECT slice(ARRAY[1, 2, 3, 4, 5], 2, 3), slice(ARRAY[1, 2, 3, 4, 5], -2, 1), slice(ARRAY[1, 2, 3, 4, 5], -3, 5), slice(ARRAY[1, 2, 3, 4, 5], 10, 2), slice(ARRAY[1, 2, 3, 4, 5], -10, 2)`)).toEqual([
      [2, 3, 4],
      [4],
      [3, 4, 5],
      [],
      [],
    ]);
    expect((await failure(`SELECT slice(ARRAY[1], 0, 1)`)).message).toMatch(/SQL array indices start at 1/);
    // Trino's documentation: trim_array(ARRAY[1, 2, 3, 4], 1) = [1, 2, 3]; (…, 2) = [1, 2].
    expect(await row(`SELECT trim_array(ARRAY[1, 2, 3, 4], 1), trim_array(ARRAY[1, 2, 3, 4], 2)`)).toEqual([
      [1, 2, 3],
      [1, 2],
    ]);
    // array_first/array_last: NULL for an empty array.
    expect(await row(`SELECT array_first(ARRAY[7, 8]), array_last(ARRAY[7, 8]), array_first(CAST(ARRAY[] AS ARRAY(integer)))`)).toEqual([7, 8, null]);
  });
});

describe('conditional expressions', () => {
  it('every and e()', async () => {
    expect(await row(`SELECT every(x), every(n > 0) FROM (VALUES (true, 1), (false, 2)) t(x, n)`)).toEqual([false, true]);
    expect(await value(`SELECT e()`)).toBe(Math.E);
  });

  it('try turns an error into NULL', async () => {
    // Trino: try(1 / 0) and try(CAST('x' AS integer)) are NULL; integer division truncates.
    expect(await row(`SELECT try(1 / 0), try(CAST('x' AS integer)), try(1 + 1), 7 / 2, -7 / 2`)).toEqual([null, null, 2, 3, -3]);
  });

  it('if with two and three arguments, evaluating only the branch taken', async () => {
    expect(await row(`SELECT if(1 = 1, 'yes'), if(1 = 2, 'yes'), if(1 = 2, 'yes', 'no'), if(NULL, 'yes', 'no'), if(true, 1, 1 / 0)`)).toEqual(['yes', null, 'no', 'no', 1]);
    expect(await value(`SELECT if(x > 1, 'big', 'small') FROM (VALUES 2) t(x)`)).toBe('big');
  });
});

describe('types on the wire', () => {
  it('real keeps its precision: the shortest decimal of the 32-bit float', async () => {
    expect(await row(`SELECT REAL '1.1', CAST(0.1 AS REAL) + CAST(0.2 AS REAL), REAL '3.4028235E38', REAL '1E-7', CAST(16777217 AS REAL), ARRAY[REAL '2.2'], REAL '-0.5'`)).toEqual([1.1, 0.3, 3.4028235e38, 1e-7, 16777216, [2.2], -0.5]);
    expect(await types(`SELECT REAL '1.1'`)).toEqual(['real']);
    expect(Number.isNaN(shortestReal(Number.NaN))).toBe(true);
    expect(shortestReal(Math.fround(123.456))).toBe(123.456);
    expect(shortestReal(Infinity)).toBe(Infinity);
  });

  it('timestamp with time zone keeps its zone as a type and its instant (rendered in UTC)', async () => {
    // Trino: TIMESTAMP '2020-01-01 00:00:00 America/New_York' is a timestamp with time zone,
    // the instant 2020-01-01 05:00:00 UTC (DuckDB would read a plain timestamp, or fail).
    expect(await types(`SELECT TIMESTAMP '2020-01-01 00:00:00 America/New_York', TIMESTAMP '2020-01-01 00:00:00 +02:00', TIMESTAMP '2020-01-01 00:00:00'`)).toEqual([
      'timestamp(6) with time zone',
      'timestamp(6) with time zone',
      'timestamp(6)',
    ]);
    expect((await row(`SELECT TIMESTAMP '2020-01-01 00:00:00 America/New_York', TIMESTAMP '2020-07-01 00:00:00 America/New_York', TIMESTAMP '2020-01-01 00:00:00.123 +02:00', TIMESTAMP '2020-01-01 00:00:00 UTC'`)).map(ms)).toEqual([
      '2020-01-01 05:00:00.000 UTC',
      '2020-07-01 04:00:00.000 UTC',
      '2019-12-31 22:00:00.123 UTC',
      '2020-01-01 00:00:00.000 UTC',
    ]);
    // timestamp(p) with time zone, which DuckDB's type takes without a precision.
    expect(ms(await value(`SELECT CAST('2020-01-01 10:00:00+02:00' AS timestamp(3) with time zone)`))).toBe('2020-01-01 08:00:00.000 UTC');
    expect(await value(`SELECT TIMESTAMP '2020-01-01 00:00:00 UTC' = from_iso8601_timestamp('2020-01-01T01:00:00+01:00')`)).toBe(true);
    // Trino's documentation (session zone America/New_York there, UTC here): with_timezone reads
    // the timestamp in the zone given (09:08:07.321 in Los Angeles), at_timezone keeps the instant.
    const [withZone, atZone] = await row(`SELECT with_timezone(TIMESTAMP '2022-11-01 09:08:07.321', 'America/Los_Angeles'), at_timezone(TIMESTAMP '2022-11-01 09:08:07.321', 'America/Los_Angeles')`);
    expect([withZone, atZone].map(ms)).toEqual(['2022-11-01 16:08:07.321 UTC', '2022-11-01 09:08:07.321 UTC']);
  });
});

/** Trino's functions, from trino.io/docs/current/functions/list.html (syntax forms left out). */
const TRINO_FUNCTIONS = `
  abs acos all_match any_match any_value approx_distinct approx_most_frequent approx_percentile approx_set
  arbitrary array_agg array_distinct array_except array_first array_histogram array_intersect array_join
  array_last array_max array_min array_position array_remove array_sort array_union arrays_overlap asin
  at_timezone atan atan2 avg bar beta_cdf bing_tile bing_tile_at bing_tile_coordinates bing_tile_polygon
  bing_tile_quadkey bing_tile_zoom_level bing_tiles_around bit_count bitwise_and bitwise_and_agg
  bitwise_left_shift bitwise_not bitwise_or bitwise_or_agg bitwise_right_shift
  bitwise_right_shift_arithmetic bitwise_xor bool_and bool_or cardinality cbrt ceil ceiling char2hexint
  checksum chr classify codepoint color combinations concat concat_ws contains contains_sequence
  convex_hull_agg corr cos cosh cosine_distance cosine_similarity count count_if covar_pop covar_samp
  crc32 cume_dist current_groups current_timezone date date_add date_diff date_format date_parse
  date_trunc day day_of_month day_of_week day_of_year degrees dense_rank dow doy e element_at
  empty_approx_set ends_with evaluate_classifier_predictions every exclude_columns exp features filter
  first_value flatten floor format format_datetime format_number from_base from_base32 from_base64
  from_base64url from_big_endian_32 from_big_endian_64 from_encoded_polyline from_geojson_geometry
  from_hex from_ieee754_32 from_ieee754_64 from_iso8601_date from_iso8601_timestamp
  from_iso8601_timestamp_nanos from_unixtime from_unixtime_nanos from_utf8 fusion geometric_mean
  geometry_collect_agg geometry_from_hadoop_shape geometry_invalid_reason geometry_nearest_points
  geometry_to_bing_tiles geometry_union geometry_union_agg great_circle_distance greatest hamming_distance
  hash_counts histogram hmac_md5 hmac_sha1 hmac_sha256 hmac_sha512 hour human_readable_seconds index
  infinity intersection intersection_cardinality inverse_beta_cdf inverse_normal_cdf is_finite is_infinite
  is_json_scalar is_nan jaccard_index json_array_contains json_array_get json_array_length json_extract
  json_extract_scalar json_format json_parse json_scalar json_size kurtosis lag last_day_of_month
  last_value lead learn_classifier learn_libsvm_classifier learn_libsvm_regressor learn_regressor least
  length levenshtein_distance line_interpolate_point line_interpolate_points line_locate_point listagg ln
  log log10 log2 lower lpad ltrim luhn_check make_set_digest map map_agg map_concat map_entries map_filter
  map_from_entries map_keys map_union map_values map_zip_with max max_by md5 merge merge_set_digest
  millisecond min min_by minute mod month multimap_agg multimap_from_entries murmur3 nan ngrams none_match
  normal_cdf normalize now nth_value ntile numeric_histogram objectid objectid_timestamp parse_datetime
  parse_duration parse_data_size percent_rank pi position pow power qdigest_agg quarter radians rand
  random rank reduce reduce_agg regexp_count regexp_extract regexp_extract_all regexp_like regexp_position
  regexp_replace regexp_split regress regr_intercept regr_slope render repeat replace reverse rgb round
  row_number rpad rtrim second sequence sha1 sha256 sha512 shuffle sign simplify_geometry sin sinh
  skewness slice soundex spatial_partitioning spatial_partitions split split_part split_to_map
  split_to_multimap spooky_hash_v2_32 spooky_hash_v2_64 sqrt starts_with stddev stddev_pop stddev_samp
  strpos substr substring sum tan tanh tdigest_agg theta_sketch_cardinality theta_sketch_union
  timestamp_objectid timezone timezone_hour timezone_minute title_case to_base to_base32 to_base64
  to_base64url to_big_endian_32 to_big_endian_64 to_char to_date to_encoded_polyline to_geojson_geometry
  to_geometry to_hex to_ieee754_32 to_ieee754_64 to_iso8601 to_milliseconds to_spherical_geography
  to_timestamp to_unixtime to_utf8 transform transform_keys transform_values translate trim trim_array
  truncate try_cast typeof upper url_decode url_encode url_extract_fragment url_extract_host
  url_extract_parameter url_extract_path url_extract_protocol url_extract_port url_extract_query uuid
  value_at_quantile values_at_quantiles var_pop var_samp variance version week week_of_year width_bucket
  wilson_interval_lower wilson_interval_upper with_timezone word_stem xxhash64 year year_of_week yow zip
  zip_with
`.trim().split(/\s+/);

describe('functions the local engine lacks', () => {
  it('fail NOT_SUPPORTED, naming the function', async () => {
    for (const name of ['url_extract_host', 'geometry_union', 'approx_set', 'map_agg', 'human_readable_seconds']) {
      const error = await failure(`SELECT ${name}(x) FROM (VALUES 'a') t(x)`);
      expect(error).toEqual({ name: 'NOT_SUPPORTED', message: `function ${name} is not available on the local engine` });
    }
    try {
      rewriteTrinoCalls(`SELECT 1,\n  URL_EXTRACT_HOST('http://a')`);
      expect.unreachable();
    } catch (error) {
      expect((error as QueryFailure).error.errorLocation).toEqual({ lineNumber: 2, columnNumber: 3 });
    }
  });

  it('every Trino function is given, or refused by name', async () => {
    const available = new Set((await connection.runAndReadAll('SELECT DISTINCT function_name FROM duckdb_functions()')).getRows().map((r) => String(r[0])));
    const lost: string[] = [];
    for (const name of TRINO_FUNCTIONS) {
      let rewritten: string;
      try {
        rewritten = rewriteTrinoCalls(`SELECT ${name}(1, 2)`);
      } catch (error) {
        expect((error as QueryFailure).error.errorName, name).toBe('NOT_SUPPORTED');
        continue;
      }
      // The function DuckDB is asked for (try_cast is DuckDB syntax).
      const called = /^SELECT (?:CAST\()?(\w+)\(/.exec(rewritten)![1]!;
      if (!available.has(called) && called !== 'try_cast') lost.push(name);
    }
    expect(lost).toEqual([]);
  });

  it('the refused names are Trino functions DuckDB and the macros do not have', async () => {
    const available = new Set((await connection.runAndReadAll('SELECT DISTINCT function_name FROM duckdb_functions()')).getRows().map((r) => String(r[0])));
    const refused = ['url_extract_host', 'geometry_union', 'approx_set', 'map_agg', 'width_bucket', 'to_iso8601', 'array_union', 'merge'];
    for (const name of refused) expect(available.has(name), name).toBe(false);
  });
});

describe('the rewrite', () => {
  it('never touches strings, quoted identifiers, comments or qualified names', () => {
    const sql = `SELECT 'date_diff(' AS "contains(", "split"(x), t.contains(1) /* if(a, b) */, x.if -- split(a)\nFROM t`;
    expect(rewriteTrinoCalls(sql)).toBe(sql);
  });

  it('renames the calls DuckDB reads differently, whatever their case', () => {
    expect(rewriteTrinoCalls(`SELECT Date_Diff('day', a, b), IF(c, 1), contains(arr, 1) FROM t WHERE split(s, ',')[1] = 'x'`)).toBe(
      `SELECT trino_date_diff('day', a, b), trino_if(c, 1), trino_contains(arr, 1) FROM t WHERE trino_split(s, ',')[1] = 'x'`,
    );
  });

  it('leaves names that are relations, aliases or WITH queries', () => {
    for (const sql of [
      `INSERT INTO contains (a) VALUES (1)`,
      `CREATE TABLE IF NOT EXISTS split (a integer)`,
      `CREATE TABLE split (a integer)`,
      `CREATE VIEW split (a) AS SELECT 1`,
      `WITH contains (a) AS (SELECT 1) SELECT a FROM contains`,
      `WITH x AS (SELECT 1), split (a) AS (SELECT 2) SELECT * FROM split`,
      `SELECT * FROM (VALUES (1)) AS split (a)`,
      `SELECT url_extract_host FROM t`,
    ]) {
      expect(rewriteTrinoCalls(sql), sql).toBe(sql);
    }
  });

  it('rewrites zoned timestamp literals only', () => {
    expect(rewriteTrinoCalls(`SELECT TIMESTAMP '2020-01-01 00:00:00 UTC', timestamp '2020-01-01 00:00:00', TIMESTAMP '2020-01-01 10:00+01:00', 'TIMESTAMP ''2020-01-01 UTC'''`)).toBe(
      `SELECT TIMESTAMPTZ '2020-01-01 00:00:00 UTC', timestamp '2020-01-01 00:00:00', TIMESTAMPTZ '2020-01-01 10:00+01:00', 'TIMESTAMP ''2020-01-01 UTC'''`,
    );
  });

  it("brackets Trino's unbracketed VALUES rows and reads ARRAY(T) as T[]", () => {
    expect(rewriteTrinoCalls(`SELECT * FROM (VALUES 1, (2), ROW(3, 4), -5 + 1) t(x)`)).toBe(`SELECT * FROM (VALUES (1), (2), (3, 4), (-5 + 1)) t(x)`);
    expect(rewriteTrinoCalls(`INSERT INTO t VALUES if(a, 1), 2`)).toBe(`INSERT INTO t VALUES (trino_if(a, 1)), (2)`);
    expect(rewriteTrinoCalls(`VALUES 1, 2 ORDER BY 1`)).toBe(`VALUES (1), (2) ORDER BY 1`);
    expect(rewriteTrinoCalls(`SELECT CAST(x AS ARRAY(ARRAY(decimal(10, 2)))), ARRAY[1, 2] FROM t`)).toBe(`SELECT CAST(x AS decimal(10, 2)[][]), ARRAY[1, 2] FROM t`);
  });

  it('translates format literals for strftime and strptime', () => {
    expect(mysqlFormat('%Y-%m-%d %H:%i:%s 100%', 'format')).toBe('%Y-%m-%d %H:%M:%S 100%%');
    expect(mysqlFormat('%Y %f', 'parse')).toBe('%Y %f');
    expect(jodaFormat("yyyy-MM-dd'T'HH:mm 'it''s' %", 'format')).toBe("%Y-%m-%dT%H:%M it's %%");
    expect(jodaFormat('yyyy-MM-dd HH:mm:ss Z', 'parse')).toBe('%Y-%m-%d %H:%M:%S %z');
    expect(rewriteTrinoCalls(`SELECT parse_datetime(s, 'yyyy') FROM t`)).toBe(`SELECT CAST(strptime(s, '%Y') AS TIMESTAMPTZ) FROM t`);
    expect(rewriteTrinoCalls(`SELECT date_format(date_add('day', 1, d), '%Y') FROM t`)).toBe(`SELECT strftime(trino_date_add('day', 1, d), '%Y') FROM t`);
  });
});

describe('the macros', () => {
  it('take no name of DuckDB’s own functions, so none of them is hidden', () => {
    const clashes = trinoMacroNames().filter((name) => builtins.has(name));
    expect(clashes).toEqual([]);
  });

  it('read no query: the inspector refuses macros that do', () => {
    for (const statement of trinoFunctionSql()) expect(statement).not.toMatch(/select/i);
  });

  it('install again without error (CREATE OR REPLACE)', async () => {
    await installTrinoFunctions(connection);
    expect(await value(`SELECT day_of_week(DATE '2024-06-09')`)).toBe(7n);
  });
});
