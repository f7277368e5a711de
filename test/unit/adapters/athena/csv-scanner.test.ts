import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Client } from '@aws-sdk/client-s3';
import { parseCsvBytes, readCsvPage, type CsvPage, type CsvRecordParser } from '../../../../lambdas/adapters/aws/athena/csv-pages.js';
import { CsvShapeError, scanCsv } from '../../../../lambdas/adapters/aws/athena/csv-scanner.js';
import { athenaText, type RawValue } from '../../../../lambdas/core/engines/athena/decode.js';
import { decodeRows } from '../../../../lambdas/core/engines/athena/results.js';
import { parseType } from '../../../../lambdas/core/protocol/sql-types.js';
import { rowEncoder } from '../../../../lambdas/core/protocol/encode.js';
import { serveObject } from '../../engines/athena/support.js';
import { referenceParse } from './csv-reference.js';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });
const location = { bucket: 'b', key: 'r/q.csv' };

beforeEach(() => s3Mock.reset());

/** Athena's dialect: every value quoted, quotes doubled, NULL an empty unquoted field; `eol` after every record. */
function csv(header: string[], rows: readonly (readonly RawValue[])[], eol = '\n'): string {
  const line = (values: readonly RawValue[]) => values.map((v) => (v == null ? '' : '"' + v.replace(/"/g, '""') + '"')).join(',');
  return [line(header), ...rows.map(line)].map((l) => l + eol).join('');
}

/** What a parser does with some text: its rows, `open` for a quote left open, or the error's kind. */
function outcome(parser: CsvRecordParser, text: string, columns: number): RawValue[][] | 'open' | 'shape' | 'error' {
  try {
    return parser(text, columns) ?? 'open';
  } catch (error) {
    return error instanceof CsvShapeError ? 'shape' : 'error';
  }
}

/** Values that break naive CSV readers. */
const NASTY: RawValue[] = ['', null, '"', '""', ',', '\n', '\r\n', '\r', 'a,"b"\n', '"\n"', ' ', 'Zürich — naïve 東京', '🎉👩‍👩‍👧', 'null', 'NULL', '\\', '\t', 'x'.repeat(40), '\u2028\u2029', 'é\n,"'];
const value = fc.oneof(fc.constantFrom(...NASTY), fc.option(fc.string({ unit: 'grapheme', maxLength: 12 }), { nil: null }), fc.option(fc.string({ unit: 'binary', maxLength: 8 }), { nil: null }));
const table = fc.integer({ min: 1, max: 5 }).chain((columns) => fc.tuple(fc.constant(columns), fc.array(fc.array(value, { minLength: columns, maxLength: columns }), { maxLength: 40 }), fc.constantFrom('\n', '\r\n')));
const header = (columns: number) => Array.from({ length: columns }, (_, i) => `c${i}`);

async function pages(parser: CsvRecordParser, body: Buffer, columns: number, maxRows: number, pageBytes: number, readBytes: number): Promise<CsvPage[]> {
  s3Mock.reset();
  serveObject(s3Mock, location.bucket, location.key, body);
  const out: CsvPage[] = [];
  let offset = 0;
  let size: number | undefined;
  let etag: string | undefined;
  let read = readBytes;
  for (;;) {
    const page = await readCsvPage(s3, { location, offset, ...(size !== undefined ? { size } : {}), ...(etag ? { etag } : {}), columns, maxRows, pageBytes, readBytes: read, parser });
    out.push(page);
    if (page.nextOffset >= page.size) return out;
    expect(page.nextOffset).toBeGreaterThan(offset);
    ({ nextOffset: offset, size, readBytes: read } = page);
    etag = page.etag;
  }
}

describe('the Athena CSV scanner', () => {
  it('reads quoted values, NULL as an empty unquoted field and "" as the empty string, with \\n or \\r\\n', () => {
    const text = '"a","b","c"\n"x",,""\n"multi\nline","say ""hi""","a,b"\r\n,"Zürich — naïve","\r\n"';
    expect(scanCsv(text, 3)).toEqual([
      ['a', 'b', 'c'],
      ['x', null, ''],
      ['multi\nline', 'say "hi"', 'a,b'],
      [null, 'Zürich — naïve', '\r\n'],
    ]);
    expect(scanCsv('"a"\n\n"x"', 1)).toEqual([['a'], [null], ['x']]);
    expect(scanCsv(',', 2)).toEqual([[null, null]]);
  });

  it('tells a cut inside a quoted value from a misshapen record', () => {
    expect(scanCsv('"a","b\n', 2)).toBeUndefined();
    expect(scanCsv('"a","b""', 2)).toBeUndefined();
    expect(() => scanCsv('"a"\n"b","c"', 1)).toThrow(CsvShapeError);
    expect(() => scanCsv('"a","b"\n"c"', 2)).toThrow(CsvShapeError);
    expect(() => scanCsv('"a"x,"b"', 2)).toThrow(/not valid CSV/);
  });

  it('reads every generated file exactly as the reference parser does', () => {
    fc.assert(
      fc.property(table, ([columns, rows, eol]) => {
        const text = csv(header(columns), rows, eol).slice(0, -eol.length);
        const got = scanCsv(text, columns);
        expect(got).toEqual([header(columns), ...rows]);
        expect(got).toEqual(referenceParse(text, columns));
      }),
      { numRuns: 400 },
    );
  });

  it('agrees with the reference on text cut anywhere: rows, a quote left open, or a misshapen record', () => {
    fc.assert(
      fc.property(table, fc.nat(), ([columns, rows, eol], at) => {
        const text = csv(header(columns), rows, eol);
        const cut = text.slice(0, at % (text.length + 1));
        // A cut after a line break inside a value or between records, its line break removed or not
        // (one more, empty, record): both readers must say the same.
        const end = cut.lastIndexOf('\n') + 1;
        for (const piece of [cut.slice(0, end).replace(/\r?\n$/, ''), cut.slice(0, end)].filter((p) => p !== '')) {
          const mine = outcome(scanCsv, piece, columns);
          const theirs = outcome(referenceParse, piece, columns);
          expect(mine).toEqual(theirs);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same pages as the reference (rows, cursors, page boundaries) over any page and range size, with multi-byte text split across ranges', async () => {
    await fc.assert(
      fc.asyncProperty(table, fc.integer({ min: 1, max: 25 }), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 300 }), async ([columns, rows, eol], maxRows, pageBytes, readBytes) => {
        const body = Buffer.from(csv(header(columns), rows, eol));
        const mine = await pages(scanCsv, body, columns, maxRows, pageBytes, readBytes);
        const theirs = await pages(referenceParse, body, columns, maxRows, pageBytes, readBytes);
        expect(mine).toEqual(theirs);
        expect(mine.flatMap((p) => p.rows)).toEqual(rows);
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same pages on a large file: 1 MB values, values full of line breaks and quotes, non-ASCII everywhere', async () => {
    const big = 'ü"\n,'.repeat(256 * 1024);
    const rows: RawValue[][] = [];
    for (let i = 0; i < 3000; i++) rows.push([NASTY[i % NASTY.length]!, String(i), i === 997 ? big : NASTY[(i * 7) % NASTY.length]!]);
    rows.splice(1500, 0, ['x'.repeat(1024 * 1024), null, '']);
    for (const eol of ['\n', '\r\n']) {
      const body = Buffer.from(csv(['a', 'b', 'c'], rows, eol));
      expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
      for (const [maxRows, pageBytes, readBytes] of [
        [20_000, 400_000, 512 * 1024],
        [700, 50_000, 64 * 1024],
        [20_000, 9_000, 1024],
      ] as const) {
        const mine = await pages(scanCsv, body, 3, maxRows, pageBytes, readBytes);
        const theirs = await pages(referenceParse, body, 3, maxRows, pageBytes, readBytes);
        expect(mine.map((p) => p.nextOffset)).toEqual(theirs.map((p) => p.nextOffset));
        expect(mine).toEqual(theirs);
        expect(mine.flatMap((p) => p.rows)).toEqual(rows);
      }
    }
  }, 180_000);

  it('fails as the reference does on a misshapen file', async () => {
    const body = Buffer.from('"a","b"\n"1","2"\n"3"\n"4","5"\n');
    await expect(pages(scanCsv, body, 2, 10, 1000, 1000)).rejects.toThrow(/does not have 2 values/);
    await expect(pages(referenceParse, body, 2, 10, 1000, 1000)).rejects.toThrow(/does not have 2 values/);
    expect(() => parseCsvBytes(Buffer.from('"a","b"\n"x","y\n'), 2)).toThrow(/quoted value is not closed/);
  });

  it('decodes every column type the decoder handles identically from both readers', () => {
    const types = ['boolean', 'tinyint', 'smallint', 'integer', 'bigint', 'real', 'double', 'decimal(12,2)', 'varchar', 'char(5)', 'varbinary', 'date', 'timestamp(3)', 'time(3)', 'json', 'uuid', 'ipaddress', 'interval day to second', 'array(integer)', 'map(integer, double)', 'row(x bigint, y array(double))'].map(parseType);
    const samples: unknown[] = [true, -128, 32767, -2147483648, '9223372036854775807', 3.4028234663852886e38, -1.5e-300, '-12345678901.25', 'say "hi",\nthen', 'ab "c', new Uint8Array([0, 34, 10, 44, 255]), '2024-02-29', '2024-02-29 23:59:59.999', '23:59:59.999', '{"a":"b,\\"c\\"\\n"}', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '2001:db8::1', '1 02:03:04.000', [1, null, -3], [[1, 1.5]], [42, [2.5, null]]];
    const rows: RawValue[][] = [];
    for (let i = 0; i < 50; i++) rows.push(types.map((t, j) => ((i + j) % 7 === 0 ? null : athenaText(samples[j], t))));
    const columns = types.length;
    const text = csv(header(columns), rows).slice(0, -1);
    const mine = scanCsv(text, columns)!.slice(1);
    const theirs = referenceParse(text, columns)!.slice(1);
    expect(mine).toEqual(rows);
    const encode = rowEncoder(types);
    expect(decodeRows(types, mine).map(encode)).toEqual(decodeRows(types, theirs).map(encode));
  });
});
