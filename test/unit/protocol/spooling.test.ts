import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { decompress } from 'fzstd';
import { decompressBlock } from 'lz4js';
import { describe, expect, it } from 'vitest';
import { encodedDataJson, encodeSegment, inlineSegmentJson, lz4CompressBlock, selectEncoding, spooledSegmentJson, SPOOLING_ENCODINGS } from '../../../lambdas/core/protocol/spooling.js';

const lz4RoundTrip = (input: Uint8Array) => {
  const out = new Uint8Array(input.length);
  const end = decompressBlock(lz4CompressBlock(input), out, 0, lz4CompressBlock(input).length, 0);
  return out.subarray(0, end);
};

describe('encoding negotiation', () => {
  it('takes the first of the client\'s encodings that the server supports', () => {
    expect(selectEncoding('json+zstd,json+lz4,json', SPOOLING_ENCODINGS)).toBe('json+zstd');
    expect(selectEncoding('json+lz4, json+zstd', SPOOLING_ENCODINGS)).toBe('json+lz4');
    expect(selectEncoding('arrow,,json', SPOOLING_ENCODINGS)).toBe('json');
    expect(selectEncoding('json+zstd,json', ['json'])).toBe('json');
  });

  it('answers none for an absent, empty or unsupported-only list (the direct protocol)', () => {
    expect(selectEncoding(undefined, SPOOLING_ENCODINGS)).toBeUndefined();
    expect(selectEncoding(' , ', SPOOLING_ENCODINGS)).toBeUndefined();
    expect(selectEncoding('arrow,json+snappy', SPOOLING_ENCODINGS)).toBeUndefined();
    expect(selectEncoding('json', [])).toBeUndefined();
    expect(selectEncoding('JSON', SPOOLING_ENCODINGS)).toBeUndefined();
  });
});

describe('segment compression', () => {
  it('writes LZ4 raw blocks an independent decoder reads back, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 1, max: 8 }), (bytes, alphabet) => {
        const input = bytes.map((b) => b % alphabet);
        expect(Buffer.from(lz4RoundTrip(input)).equals(Buffer.from(input))).toBe(true);
      }),
    );
    for (const input of [new Uint8Array(0), Buffer.from('a'), Buffer.alloc(13, 1), Buffer.alloc(70_000, 0), randomBytes(100_000), Buffer.from('[1,"x"],'.repeat(100_000))]) {
      expect(Buffer.from(lz4RoundTrip(input)).equals(Buffer.from(input))).toBe(true);
    }
  });

  it('keeps the end-of-block rules: the last five bytes are literals', () => {
    const block = lz4CompressBlock(Buffer.alloc(1000, 7));
    // The final sequence is literals only: a token with no match, then at least 5 literal bytes.
    expect(block.length).toBeLessThan(50);
    expect(block.subarray(-5)).toEqual(new Uint8Array(5).fill(7));
  });

  it('compresses at or above the threshold, and says so with uncompressedSize', async () => {
    const json = Buffer.from(JSON.stringify(Array.from({ length: 2000 }, (_, i) => [i, `row ${i}`, 1.5])));
    const zstd = await encodeSegment('json+zstd', json, 8192);
    expect(zstd.uncompressedSize).toBe(json.length);
    expect(Buffer.from(decompress(zstd.bytes)).equals(json)).toBe(true);
    const lz4 = await encodeSegment('json+lz4', json, 8192);
    expect(lz4.uncompressedSize).toBe(json.length);
    const out = new Uint8Array(json.length);
    decompressBlock(lz4.bytes, out, 0, lz4.bytes.length, 0);
    expect(Buffer.from(out).equals(json)).toBe(true);
    expect(await encodeSegment('json', json, 8192)).toEqual({ bytes: json });
    expect(await encodeSegment('json+zstd', json.subarray(0, 100), 8192)).toEqual({ bytes: json.subarray(0, 100) });
    // Incompressible bytes go as they are: no uncompressedSize, so clients do not decompress.
    const noise = randomBytes(20_000);
    expect((await encodeSegment('json+lz4', noise, 8192)).uncompressedSize).toBeUndefined();
  });
});

describe('segment shapes', () => {
  it('writes inline and spooled segments and the data object with Trino\'s names', () => {
    const inline = JSON.parse(inlineSegmentJson(Buffer.from('[[1]]'), { rowOffset: 0, rowsCount: 1, segmentSize: 5 }));
    expect(inline).toEqual({ type: 'inline', data: Buffer.from('[[1]]').toString('base64'), metadata: { rowOffset: 0, rowsCount: 1, segmentSize: 5 } });
    const spooled = JSON.parse(spooledSegmentJson('https://s3/x', 'https://gw/ack', { rowOffset: 1, rowsCount: 2, segmentSize: 3, uncompressedSize: 9, expiresAt: '2030-01-01T00:00:00.000Z' }));
    expect(spooled).toEqual({ type: 'spooled', uri: 'https://s3/x', ackUri: 'https://gw/ack', metadata: { rowOffset: 1, rowsCount: 2, segmentSize: 3, uncompressedSize: 9, expiresAt: '2030-01-01T00:00:00.000Z' } });
    expect(JSON.parse(encodedDataJson('json+zstd', [JSON.stringify(spooled)]))).toEqual({ encoding: 'json+zstd', segments: [spooled] });
  });
});
