import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Client } from '@aws-sdk/client-s3';
import { csvLocation, CsvUnavailableError, parseRecords, readCsvPage } from '../../../../lambdas/adapters/aws/athena/csv-pages.js';
import type { RawValue } from '../../../../lambdas/core/engines/athena/decode.js';
import { csvText, serveObject } from './support.js';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });
const location = { bucket: 'b', key: 'r/q.csv' };

beforeEach(() => s3Mock.reset());

async function readEverything(body: Buffer, maxRows: number, pageBytes: number, readBytes: number): Promise<{ header?: RawValue[]; rows: RawValue[][]; pages: number }> {
  const rows: RawValue[][] = [];
  let header: RawValue[] | undefined;
  let offset = 0;
  let size: number | undefined;
  let pages = 0;
  for (;;) {
    const page = await readCsvPage(s3, { location, offset, ...(size !== undefined ? { size } : {}), maxRows, pageBytes, readBytes });
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
    const records = parseRecords(Buffer.from('"a","b","c"\n"x",,""\n"multi\nline","say ""hi""","a,b"\n'), true);
    expect(records.map((r) => r.values)).toEqual([
      ['a', 'b', 'c'],
      ['x', null, ''],
      ['multi\nline', 'say "hi"', 'a,b'],
    ]);
    expect(records.map((r) => r.end)).toEqual([12, 20, 52]);
  });

  it('parses the same records whatever the slices it is fed (multi-byte characters, quotes and line breaks cut anywhere)', () => {
    const value = fc.option(fc.string({ unit: 'grapheme', maxLength: 10 }), { nil: null });
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { maxLength: 30 }), fc.integer({ min: 1, max: 40 }), (rows, slice) => {
        const body = Buffer.from(csvText(['a', 'b'], rows));
        expect(parseRecords(body, true, undefined, slice)).toEqual(parseRecords(body, true));
      }),
      { numRuns: 200 },
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
          const read = await readEverything(body, maxRows, pageBytes, readBytes);
          expect(read.header).toEqual(['a', 'b', 'c']);
          expect(read.rows).toEqual(rows);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('grows the range until one whole record fits', async () => {
    const big = 'y'.repeat(10_000);
    const body = Buffer.from(csvText(['a'], [[big], ['z']]));
    const served = serveObject(s3Mock, location.bucket, location.key, body);
    const first = await readCsvPage(s3, { location, offset: 0, maxRows: 10, pageBytes: 100, readBytes: 1024 });
    expect(first.rows).toEqual([[big]]);
    expect(served.ranges).toEqual(['bytes=0-1023', 'bytes=0-4095', `bytes=0-${body.length - 1}`]);
    const second = await readCsvPage(s3, { location, offset: first.nextOffset, size: first.size, ...(first.etag ? { etag: first.etag } : {}), maxRows: 10, pageBytes: 100, readBytes: 1024 });
    expect(second.rows).toEqual([['z']]);
    expect(second.nextOffset).toBe(body.length);
  });

  it('reports an unreadable file so the engine can use the API instead', async () => {
    serveObject(s3Mock, location.bucket, location.key, Buffer.from('"a"\n'), { denied: true });
    await expect(readCsvPage(s3, { location, offset: 0, maxRows: 10, pageBytes: 100, readBytes: 1024 })).rejects.toBeInstanceOf(CsvUnavailableError);
    s3Mock.reset();
    serveObject(s3Mock, location.bucket, location.key, Buffer.from('ciphertext'), { clientSideEncrypted: true });
    await expect(readCsvPage(s3, { location, offset: 0, maxRows: 10, pageBytes: 100, readBytes: 1024 })).rejects.toBeInstanceOf(CsvUnavailableError);
  });
});
