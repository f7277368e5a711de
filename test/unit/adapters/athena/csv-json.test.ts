import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Client } from '@aws-sdk/client-s3';
import { csvJsonPlan, NOT_TRANSCODED, transcodeCsv } from '../../../../lambdas/adapters/aws/athena/csv-json.js';
import { parseCsvBytes, readCsvJsonPage, readCsvPage } from '../../../../lambdas/adapters/aws/athena/csv-pages.js';
import { athenaText, hexBytesText, type RawValue } from '../../../../lambdas/core/engines/athena/decode.js';
import { decodeRows } from '../../../../lambdas/core/engines/athena/results.js';
import { millisecondDatetime, rowEncoder } from '../../../../lambdas/core/protocol/encode.js';
import { parseType } from '../../../../lambdas/core/protocol/sql-types.js';
import type { SqlType } from '../../../../lambdas/core/ports/index.js';
import { serveObject } from '../../engines/athena/support.js';

/**
 * The transcoder must write exactly what the general path writes: the scanner's values, decoded
 * (decode.ts) and encoded (encode.ts), datetimes cut to milliseconds as the gateway cuts them for
 * clients without PARAMETRIC_DATETIME. Every case below compares the two, byte for byte.
 */

const UNLIMITED = { skip: 1, maxRows: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER };

/** Athena's dialect: every value quoted, quotes doubled, NULL an empty unquoted field. */
function record(values: readonly RawValue[]): string {
  return values.map((v) => (v == null ? '' : '"' + v.replace(/"/g, '""') + '"')).join(',');
}

interface Table {
  types: SqlType[];
  rows: RawValue[][];
  eol: string;
}

function fileOf({ types, rows, eol }: Table): { bytes: Buffer; ends: number[] } {
  const lines = [record(types.map((_, i) => `c${i}`)), ...rows.map(record)];
  const ends: number[] = [];
  let at = 0;
  for (const line of lines) {
    at += Buffer.byteLength(line + eol);
    ends.push(at);
  }
  return { bytes: Buffer.from(lines.map((l) => l + eol).join('')), ends };
}

/** A double's text in plain decimal form, which the transcoder keeps as Athena wrote it. */
const PLAIN_DOUBLE = /^-?(0|[1-9]\d*)\.\d+$/;
const isFloat = (type: SqlType) => type.kind === 'simple' && (type.name === 'double' || type.name === 'real');

/**
 * The general path: scanner, decoders, the gateway's datetime cut, the encoder; a double in plain
 * decimal form keeps its text (the encoder writes a float text as it is), as the transcoder does.
 */
function expectedJson(types: SqlType[], rows: RawValue[][], millis: boolean): string[] {
  const encode = rowEncoder(types);
  return decodeRows(types, rows).map((row, r) =>
    encode(
      row.map((v, i) => {
        const raw = rows[r]![i];
        if (isFloat(types[i]!) && raw != null && PLAIN_DOUBLE.test(raw) && raw.replace(/\D/g, '').length <= 25) return raw;
        return millis && types[i]!.kind === 'simple' && /^(time|timestamp)/.test((types[i] as { name: string }).name) && typeof v === 'string' ? millisecondDatetime(v) : v;
      }),
    ),
  );
}

function rowsOf(page: { bytes: Uint8Array; ends: Uint32Array; count: number }): string[] {
  const out: string[] = [];
  const bytes = Buffer.from(page.bytes.buffer, page.bytes.byteOffset, page.bytes.length);
  for (let i = 0; i < page.count; i++) out.push(bytes.toString('utf8', i === 0 ? 0 : page.ends[i - 1]! + 1, page.ends[i]!));
  return out;
}

const t = (text: string) => parseType(text);

/** Texts of each type as Athena prints them, canonical or not, with the ones that break naive readers. */
const NASTY_STRINGS = ['', '"', '""', ',', '\n', '\r\n', '\r', 'a,"b"\n', ' ', 'Zürich — naïve 東京', '🎉👩‍👩‍👧', 'null', '\\', '\\"', '\t\b\f\u0001\u001f\u007f', '\u2028\u2029', 'é\n,"', '</script>'];
const doubleText = fc.oneof(
  fc.double().map((n) => athenaText(n, t('double'))!),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).chain((n) => fc.integer({ min: 0, max: 8 }).map((d) => n.toFixed(d))),
  fc.constantFrom('1.0', '-0.0', '0.0', '1.50', '0.000001', '0.0000001', '123456789012345.6', '12345678901234.5', '1.0E10', '1.0E-7', 'NaN', 'Infinity', '-Infinity', '00.5', '5.', '.5', '-0.5', '1e5'),
);
const integerText = fc.oneof(fc.integer().map(String), fc.constantFrom('0', '-0', '007', '-012', '2147483647', '-2147483648'));
const bigintText = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), fc.constantFrom('999999999999999', '1000000000000000', '-1000000000000000', '00000000000000000012', '-0'));
const COLUMN_KINDS: [SqlType, fc.Arbitrary<string>][] = [
  [t('varchar'), fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }).map((s) => s.replace(/[\ud800-\udfff]/g, '')))],
  [t('boolean'), fc.constantFrom('true', 'false')],
  [t('integer'), integerText],
  [t('tinyint'), fc.integer({ min: -128, max: 127 }).map(String)],
  [t('bigint'), bigintText],
  [t('double'), doubleText],
  [t('real'), doubleText],
  [t('decimal(12,2)'), fc.oneof(fc.integer().map((n) => (n / 100).toFixed(2)), fc.constantFrom('0', '-0.50', '7', '00.10'))],
  [t('date'), fc.constantFrom('2024-01-01', '1970-01-01', '9999-12-31')],
  [t('timestamp(6)'), fc.constantFrom('2024-01-01 12:34:56.123456', '2024-01-01 12:34:56', '2024-01-01 12:34:56.1', '2001-08-22 03:04:05.321')],
  [t('time(3)'), fc.constantFrom('12:34:56.789', '00:00:00.000')],
  [t('varbinary'), fc.uint8Array({ maxLength: 6 }).map(hexBytesText)],
  [t('array(integer)'), fc.array(fc.option(fc.integer(), { nil: null }), { maxLength: 4 }).map((a) => '[' + a.map((v) => (v === null ? 'null' : String(v))).join(', ') + ']')],
  [t('json'), fc.constantFrom('{"a":1}', '[1,"x\\"y"]', 'null')],
];

const table: fc.Arbitrary<Table> = fc
  .array(fc.integer({ min: 0, max: COLUMN_KINDS.length - 1 }), { minLength: 1, maxLength: 6 })
  .chain((kinds) =>
    fc.record({
      types: fc.constant(kinds.map((k) => COLUMN_KINDS[k]![0])),
      rows: fc.array(fc.tuple(...kinds.map((k) => fc.option(COLUMN_KINDS[k]![1], { nil: null, freq: 6 }))), { maxLength: 30 }),
      eol: fc.constantFrom('\n', '\r\n'),
    }),
  );

describe('Athena result CSV written straight as the protocol JSON', () => {
  it('writes every generated file exactly as the general path does, datetimes cut to milliseconds or not', () => {
    fc.assert(
      fc.property(table, fc.boolean(), ({ types, rows, eol }, millis) => {
        const { bytes } = fileOf({ types, rows, eol });
        const page = transcodeCsv(bytes, true, csvJsonPlan(types, millis), UNLIMITED);
        if (page === NOT_TRANSCODED || page === undefined) throw new Error(`not transcoded: ${String(page)}`);
        expect(rowsOf(page)).toEqual(expectedJson(types, rows, millis));
        expect(Buffer.from(page.bytes).toString('utf8')).toBe(expectedJson(types, rows, millis).join(','));
        expect(page.end).toBe(bytes.length);
      }),
      { numRuns: 400 },
    );
  });

  it('cut anywhere, takes exactly the records that end before the cut, and where they end', () => {
    fc.assert(
      fc.property(table, fc.double({ min: 0, max: 1, noNaN: true }), (tbl, share) => {
        const { bytes, ends } = fileOf(tbl);
        const cut = Math.floor(bytes.length * share);
        const page = transcodeCsv(bytes.subarray(0, cut), false, csvJsonPlan(tbl.types, false), UNLIMITED);
        const whole = ends.filter((e) => e <= cut).length - 1;
        if (whole <= 0) {
          expect(page).toBeUndefined();
          return;
        }
        if (page === NOT_TRANSCODED || page === undefined) throw new Error(`not transcoded: ${String(page)}`);
        expect(page.count).toBe(whole);
        expect(page.end).toBe(ends[whole]);
        expect(rowsOf(page)).toEqual(expectedJson(tbl.types, tbl.rows.slice(0, whole), false));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps one-column NULL rows (empty lines), the empty string apart from NULL, and 1 MB values', () => {
    const types = [t('varchar')];
    const big = 'x"\n'.repeat(350_000);
    const rows: RawValue[][] = [[null], [''], [big], [null], ['z']];
    const { bytes } = fileOf({ types, rows, eol: '\n' });
    const page = transcodeCsv(bytes, true, csvJsonPlan(types, false), UNLIMITED);
    if (page === NOT_TRANSCODED || page === undefined) throw new Error('not transcoded');
    expect(rowsOf(page)).toEqual(['[null]', '[""]', JSON.stringify([big]), '[null]', '["z"]']);
  });

  it('grows its output at any point of a record: a value that fills the buffer, then NULLs and escapes after it', () => {
    // The output starts near the input's size; NULLs (4 bytes out of none) and escapes outgrow it.
    // Every length of the first value puts the end of the buffer somewhere else in the record.
    const types = [t('varchar'), ...Array.from({ length: 40 }, () => t('bigint')), t('varchar')];
    for (let length = 1; length <= 300; length += 1) {
      const rows: RawValue[][] = Array.from({ length: 40 }, (_, r) => ['x'.repeat(length + r), ...Array.from({ length: 40 }, () => null), '"\u0001'.repeat(r % 3)]);
      const { bytes } = fileOf({ types, rows, eol: '\n' });
      const page = transcodeCsv(bytes, true, csvJsonPlan(types, false), UNLIMITED);
      if (page === NOT_TRANSCODED || page === undefined) throw new Error(`not transcoded: ${String(page)}`);
      expect(Buffer.from(page.bytes).toString('utf8')).toBe(expectedJson(types, rows, false).join(','));
    }
  });

  it('keeps a double in plain decimal form as Athena wrote it: the same double for every reader, -0.0 included', () => {
    const types = [t('double'), t('real')];
    // 17 significant digits (Java's longest, not always JavaScript's shortest), a trailing zero, -0.0.
    const texts = fc.oneof(
      fc.double({ min: -1e7, max: 1e7, noNaN: true }).map((d) => d.toPrecision(17)),
      fc.constantFrom('0.10000000000000001', '2.0000000000000004', '333.33333333333337', '1.50', '-0.0', '0.0', '0.0010000000000000000208'),
    ).filter((text) => PLAIN_DOUBLE.test(text));
    fc.assert(
      fc.property(texts, (text) => {
        const { bytes } = fileOf({ types, rows: [[text, text]], eol: '\n' });
        const page = transcodeCsv(bytes, true, csvJsonPlan(types, false), UNLIMITED);
        if (page === NOT_TRANSCODED || page === undefined) throw new Error(`not transcoded: ${String(page)}`);
        expect(rowsOf(page)).toEqual([`[${text},${text}]`]);
        const [double] = JSON.parse(rowsOf(page)[0]!) as number[];
        expect(Object.is(double, Number(text))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('stops at the row and byte limits after a whole record, and skips the header only at the start', () => {
    const types = [t('bigint'), t('varchar')];
    const rows: RawValue[][] = Array.from({ length: 50 }, (_, i) => [String(i), `row ${i}`]);
    const { bytes, ends } = fileOf({ types, rows, eol: '\n' });
    const plan = csvJsonPlan(types, false);
    const byRows = transcodeCsv(bytes, true, plan, { skip: 1, maxRows: 7, maxBytes: 1e9 });
    expect(byRows !== NOT_TRANSCODED && byRows?.count).toBe(7);
    expect(byRows !== NOT_TRANSCODED && byRows?.end).toBe(ends[7]);
    const byBytes = transcodeCsv(bytes, true, plan, { skip: 1, maxRows: 1e9, maxBytes: 40 });
    // `[0,"row 0"],[1,"row 1"],[2,"row 2"]` passes 40 bytes with its third row, which it keeps.
    expect(byBytes !== NOT_TRANSCODED && byBytes && rowsOf(byBytes)).toEqual(['[0,"row 0"]', '[1,"row 1"]', '[2,"row 2"]', '[3,"row 3"]']);
    const later = transcodeCsv(bytes.subarray(ends[10]!), true, plan, { skip: 0, maxRows: 2, maxBytes: 1e9 });
    expect(later !== NOT_TRANSCODED && later && rowsOf(later)).toEqual(['[10,"row 10"]', '[11,"row 11"]']);
  });

  it('leaves files outside the dialect to the general path: unquoted values, wrong widths, bytes that are not UTF-8', () => {
    const plan = csvJsonPlan([t('varchar'), t('varchar')], false);
    expect(transcodeCsv(Buffer.from('"a","b"\nx,"y"\n'), true, plan, UNLIMITED)).toBe(NOT_TRANSCODED);
    expect(transcodeCsv(Buffer.from('"a","b"\n"x"\n'), true, plan, UNLIMITED)).toBe(NOT_TRANSCODED);
    expect(transcodeCsv(Buffer.from('"a","b"\n"x","y","z"\n'), true, plan, UNLIMITED)).toBe(NOT_TRANSCODED);
    expect(transcodeCsv(Buffer.from('"a","b"\n"x","y\n'), true, plan, UNLIMITED)).toBe(NOT_TRANSCODED);
    expect(transcodeCsv(Buffer.concat([Buffer.from('"a","b"\n"x","'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n')]), true, plan, UNLIMITED)).toBe(NOT_TRANSCODED);
    // The general path refuses what it refused before.
    expect(() => parseCsvBytes(Buffer.from('"a","b"\n"x"\n'), 2)).toThrow(/2 values/);
  });

  it('refuses a value its type cannot hold with the decoder error', () => {
    const plan = csvJsonPlan([t('bigint')], false);
    expect(() => transcodeCsv(Buffer.from('"c0"\n"12x"\n'), true, plan, UNLIMITED)).toThrow(/'12x' is not a valid bigint/);
  });
});

describe('result file pages as JSON rows', () => {
  const s3Mock = mockClient(S3Client);
  const s3 = new S3Client({ region: 'us-east-1' });
  const location = { bucket: 'b', key: 'r/q.csv' };
  beforeEach(() => s3Mock.reset());

  it('reads the whole file over any page and range sizes with the same rows as the general pages', async () => {
    await fc.assert(
      fc.asyncProperty(table, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 16, max: 400 }), fc.integer({ min: 8, max: 300 }), async (tbl, maxRows, pageBytes, readBytes) => {
        const { bytes } = fileOf(tbl);
        s3Mock.reset();
        serveObject(s3Mock, location.bucket, location.key, bytes);
        const plan = csvJsonPlan(tbl.types, false);
        const seen: string[] = [];
        let request = { location, offset: 0, columns: tbl.types.length, maxRows, pageBytes, readBytes } as Parameters<typeof readCsvPage>[1];
        for (let guard = 0; guard < 10_000; guard++) {
          const page = await readCsvJsonPage(s3, request, plan);
          if (page === NOT_TRANSCODED) throw new Error('not transcoded');
          expect(page.rows.count).toBeLessThanOrEqual(maxRows);
          seen.push(...rowsOf(page.rows));
          if (page.nextOffset >= page.size) break;
          expect(page.nextOffset).toBeGreaterThan(request.offset);
          request = { ...request, offset: page.nextOffset, size: page.size, readBytes: page.readBytes, ...(page.etag ? { etag: page.etag } : {}) };
        }
        expect(seen).toEqual(expectedJson(tbl.types, tbl.rows, false));
      }),
      { numRuns: 60 },
    );
  });

  it('answers NOT_TRANSCODED for a page outside the dialect, which the general pages then read', async () => {
    const body = Buffer.from('"a","b"\n"x",y\n');
    serveObject(s3Mock, location.bucket, location.key, body);
    const request = { location, offset: 0, columns: 2, maxRows: 10, pageBytes: 1000, readBytes: 1000 };
    expect(await readCsvJsonPage(s3, request, csvJsonPlan([t('varchar'), t('varchar')], false))).toBe(NOT_TRANSCODED);
    expect((await readCsvPage(s3, request)).rows).toEqual([['x', 'y']]);
  });
});
