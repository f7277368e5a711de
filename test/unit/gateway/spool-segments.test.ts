import fc from 'fast-check';
import { decompress } from 'fzstd';
import { describe, expect, it } from 'vitest';
import { jsonRowsSegments, segmentJson } from '../../../lambdas/core/gateway/spool.js';
import { encodeSegment, loadZstd } from '../../../lambdas/core/protocol/spooling.js';

const render = (row: unknown[]) => JSON.stringify(row);

describe('segment JSON', () => {
  it('cuts rows into JSON arrays of at most the segment size (a segment always takes its first row), each row once and in order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer(), fc.string({ unit: 'binary', maxLength: 40 })), { maxLength: 300 }), fc.integer({ min: 1, max: 400 }), fc.nat(5), (rows, size, skip) => {
        const from = Math.min(skip, rows.length);
        if (from === rows.length) return;
        const segments = segmentJson(rows, from, rows.length, render, size);
        let next = from;
        for (const segment of segments) {
          expect(segment.from).toBe(next);
          const parsed = JSON.parse(segment.json.toString('utf8')) as unknown[];
          expect(parsed).toEqual(rows.slice(next, next + segment.rows));
          expect(segment.json.equals(Buffer.from(render(parsed)))).toBe(true);
          if (segment.rows > 1) expect(segment.json.length).toBeLessThanOrEqual(size);
          next += segment.rows;
        }
        expect(next).toBe(rows.length);
      }),
    );
  });

  it('cuts rows the engine wrote as JSON into the same segments as rows it rendered', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer(), fc.string({ unit: 'binary', maxLength: 40 })), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 400 }), fc.nat(5), (rows, size, skip) => {
        const from = Math.min(skip, rows.length - 1);
        const texts = rows.map(render);
        const bytes = Buffer.from(texts.join(','));
        let at = 0;
        const ends = Uint32Array.from(texts.map((t) => (at += Buffer.byteLength(t) + 1) - 1));
        const written = jsonRowsSegments({ count: rows.length, bytes, ends }, from, rows.length, size);
        const rendered = segmentJson(rows, from, rows.length, render, size);
        expect(written.map((w) => [w.from, w.rows, w.json.toString('utf8')])).toEqual(rendered.map((r) => [r.from, r.rows, r.json.toString('utf8')]));
      }),
    );
  });

  it('measures segments in UTF-8 bytes', () => {
    const rows = Array.from({ length: 100 }, (_, i) => [i, 'ü€😀'.repeat(50)]);
    const segments = segmentJson(rows, 0, rows.length, render, 4096);
    expect(segments.length).toBeGreaterThan(1);
    for (const s of segments) expect(s.json.length).toBeLessThanOrEqual(4096);
    expect(segments.flatMap((s) => JSON.parse(s.json.toString('utf8')) as unknown[])).toEqual(rows);
  });
});

describe('the Zstandard codec', () => {
  it('compresses a segment of megabytes that an independent decoder reads back, and decompresses it again', async () => {
    const json = Buffer.from(JSON.stringify(Array.from({ length: 60_000 }, (_, i) => [i, `comment number ${i} about things`, i / 3])));
    const encoded = await encodeSegment('json+zstd', json, 8192);
    expect(encoded.uncompressedSize).toBe(json.length);
    expect(Buffer.from(decompress(encoded.bytes)).equals(json)).toBe(true);
    expect(Buffer.from((await loadZstd()).decompress(encoded.bytes)).equals(json)).toBe(true);
  });
});
