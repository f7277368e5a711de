import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Client } from '@aws-sdk/client-s3';
import { csvLocation, CsvUnavailableError, parseCsvBytes, readCsvPage } from '../../../../lambdas/adapters/aws/athena/csv-pages.js';
import type { RawValue } from '../../../../lambdas/core/engines/athena/decode.js';
import { csvText, serveObject } from './support.js';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });
const location = { bucket: 'b', key: 'r/q.csv' };

beforeEach(() => s3Mock.reset());

async function readEverything(body: Buffer, columns: number, maxRows: number, pageBytes: number, readBytes: number): Promise<{ header?: RawValue[]; rows: RawValue[][]; pages: number }> {
  const rows: RawValue[][] = [];
  let header: RawValue[] | undefined;
  let offset = 0;
  let size: number | undefined;
  let pages = 0;
  for (;;) {
    const page = await readCsvPage(s3, { location, offset, ...(size !== undefined ? { size } : {}), columns, maxRows, pageBytes, readBytes });
    pages++;
    header ??= page.header;
    rows.push(...page.rows);
    expect(page.rows.length).toBeLessThanOrEqual(maxRows);
    if (page.nextOffset >= page.size) break;
    expect(page.nextOffset).toBeGreaterThan(offset);
    offset = page.nextOffset;
    size = page.size;
  }
  return { ...(header ? { header } : {}), rows, pages };
}

describe('result CSV pages', () => {
  it('finds the result file from the output location', () => {
    expect(csvLocation('s3://amzn-s3-demo-bucket/results/a1b2.csv')).toEqual({ bucket: 'amzn-s3-demo-bucket', key: 'results/a1b2.csv' });
    expect(csvLocation('s3://amzn-s3-demo-bucket/results/a1b2.txt')).toBeUndefined();
    expect(csvLocation(undefined)).toBeUndefined();
  });

  it('parses quoted values, NULL as an empty unquoted field, "" as the empty string', () => {
    const body = Buffer.from('"a","b","c"\n"x",,""\n"multi\nline","say ""hi""","a,b"\n,"Zürich — naïve",\n');
    expect(parseCsvBytes(body, 3)).toEqual({
      rows: [
        ['a', 'b', 'c'],
        ['x', null, ''],
        ['multi\nline', 'say "hi"', 'a,b'],
        [null, 'Zürich — naïve', null],
      ],
      end: body.length,
    });
  });

  it('keeps the NULL rows of a one-column result, which are empty lines', () => {
    expect(parseCsvBytes(Buffer.from('"a"\n\n"x"\n\n'), 1)?.rows).toEqual([['a'], [null], ['x'], [null]]);
    expect(parseCsvBytes(Buffer.from('\n'), 1)?.rows).toEqual([[null]]);
  });

  it('rejects a record without one value per column, and a quote left open at the end of the file', () => {
    expect(() => parseCsvBytes(Buffer.from('"a","b"\n"x"\n'), 2)).toThrow(/not valid CSV: a record does not have 2 values/);
    expect(() => parseCsvBytes(Buffer.from('"a","b"\n"x","y","z"\n'), 2)).toThrow(/not valid CSV/);
    expect(() => parseCsvBytes(Buffer.from('"a","b"\n"x","y\n'), 2)).toThrow(/quoted value is not closed/);
  });

  it('cut anywhere, gives the whole records before the cut and the exact byte offset where they end', () => {
    const value = fc.option(fc.string({ unit: 'grapheme', maxLength: 10 }), { nil: null });
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { maxLength: 30 }), fc.nat(), (rows, at) => {
        const body = Buffer.from(csvText(['a', 'b'], rows));
        const all = parseCsvBytes(body, 2)!.rows;
        expect(all).toEqual([['a', 'b'], ...rows]);
        const cut = at % (body.length + 1);
        const part = parseCsvBytes(body.subarray(0, cut), 2, false);
        if (!part) return;
        expect(part.end).toBeLessThanOrEqual(cut);
        expect(all.slice(0, part.rows.length)).toEqual(part.rows);
        // The offset is a record boundary: the rest of the file parses to the remaining records.
        expect(parseCsvBytes(body.subarray(part.end), 2)?.rows ?? []).toEqual(all.slice(part.rows.length));
      }),
      { numRuns: 150 },
    );
  });

  it('reads the whole file back over any page and range sizes, cutting only between records', async () => {
    const value = fc.option(fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/\r/g, '')), { nil: null });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(value, value, value), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 300 }),
        async (rows, maxRows, pageBytes, readBytes) => {
          s3Mock.reset();
          const body = Buffer.from(csvText(['a', 'b', 'c'], rows));
          serveObject(s3Mock, location.bucket, location.key, body);
          const read = await readEverything(body, 3, maxRows, pageBytes, readBytes);
          expect(read.header).toEqual(['a', 'b', 'c']);
          expect(read.rows).toEqual(rows);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads a file of many parse pieces back exactly: line breaks, quotes and non-ASCII text in values, one value longer than a piece', async () => {
    const values: RawValue[] = ['plain', 'say "hi"', 'two\nlines', 'a,b', 'Zürich — naïve 東京', '', null, '\n"\n', '"', '\r\n', 'x'.repeat(300)];
    const rows: RawValue[][] = [];
    for (let i = 0; i < 4000; i++) rows.push([values[i % values.length]!, String(i), values[(i * 7) % values.length]!]);
    rows.splice(1234, 0, ['long', 'y\n'.repeat(60_000), null]);
    const body = Buffer.from(csvText(['a', 'b', 'c'], rows));
    expect(body.length).toBeGreaterThan(8 * 32 * 1024);
    for (const [maxRows, pageBytes, readBytes] of [
      [20_000, 400_000, 400_000],
      [700, 50_000, 64 * 1024],
      [20_000, 9_000, 1024],
    ] as const) {
      s3Mock.reset();
      serveObject(s3Mock, location.bucket, location.key, body);
      const read = await readEverything(body, 3, maxRows, pageBytes, readBytes);
      expect(read.rows).toEqual(rows);
      expect(read.pages).toBeGreaterThan(1);
    }
  });

  it('grows the range until one whole record fits', async () => {
    const big = 'y'.repeat(10_000);
    const body = Buffer.from(csvText(['a'], [[big], ['z']]));
    const served = serveObject(s3Mock, location.bucket, location.key, body);
    const first = await readCsvPage(s3, { location, offset: 0, columns: 1, maxRows: 10, pageBytes: 100, readBytes: 1024 });
    expect(first.rows).toEqual([[big]]);
    expect(served.ranges).toEqual(['bytes=0-1023', 'bytes=0-4095', `bytes=0-${body.length - 1}`]);
    const second = await readCsvPage(s3, { location, offset: first.nextOffset, size: first.size, ...(first.etag ? { etag: first.etag } : {}), columns: 1, maxRows: 10, pageBytes: 100, readBytes: 1024 });
    expect(second.rows).toEqual([['z']]);
    expect(second.nextOffset).toBe(body.length);
  });

  it('reads a large range of a file it has seen as parts at once, pinned by its ETag, with the same rows', async () => {
    const rows: RawValue[][] = Array.from({ length: 60_000 }, (_, i) => [String(i), `value ${i} ${'x'.repeat(i % 90)}`]);
    const body = Buffer.from(csvText(['id', 'v'], rows));
    const served = serveObject(s3Mock, location.bucket, location.key, body);
    const first = await readCsvPage(s3, { location, offset: 0, columns: 2, maxRows: 10, pageBytes: 1000, readBytes: 1024 });
    expect(served.ranges).toEqual(['bytes=0-1023']);
    const rest = await readCsvPage(s3, { location, offset: first.nextOffset, size: first.size, etag: first.etag!, columns: 2, maxRows: 1e6, pageBytes: 64 << 20, readBytes: body.length });
    expect([...first.rows, ...rest.rows]).toEqual(rows);
    expect(rest.nextOffset).toBe(body.length);
    // Contiguous parts of 2 MiB from the page's offset to the end of the file, read at once.
    const parts = served.ranges.slice(1).map((r) => /^bytes=(\d+)-(\d+)$/.exec(r)!.slice(1).map(Number) as [number, number]);
    expect(parts.length).toBe(Math.ceil((body.length - first.nextOffset) / (2 << 20)));
    expect(parts[0]![0]).toBe(first.nextOffset);
    for (let i = 1; i < parts.length; i++) expect(parts[i]![0]).toBe(parts[i - 1]![1] + 1);
    expect(parts.at(-1)![1]).toBe(body.length - 1);
    // A part of another object than the one pinned fails the page, as a whole read would.
    s3Mock.reset();
    serveObject(s3Mock, location.bucket, location.key, body, { etag: '"another"' });
    await expect(readCsvPage(s3, { location, offset: first.nextOffset, size: first.size, etag: first.etag!, columns: 2, maxRows: 1e6, pageBytes: 64 << 20, readBytes: body.length })).rejects.toThrow(/pre-conditions/);
  });

  it('reports an unreadable file so the engine can use the API instead', async () => {
    serveObject(s3Mock, location.bucket, location.key, Buffer.from('"a"\n'), { denied: true });
    await expect(readCsvPage(s3, { location, offset: 0, columns: 1, maxRows: 10, pageBytes: 100, readBytes: 1024 })).rejects.toBeInstanceOf(CsvUnavailableError);
    s3Mock.reset();
    serveObject(s3Mock, location.bucket, location.key, Buffer.from('ciphertext'), { clientSideEncrypted: true });
    await expect(readCsvPage(s3, { location, offset: 0, columns: 1, maxRows: 10, pageBytes: 100, readBytes: 1024 })).rejects.toBeInstanceOf(CsvUnavailableError);
  });
});
