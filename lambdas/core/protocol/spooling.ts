import { Zstd } from '@hpcc-js/wasm-zstd';

/**
 * The spooling protocol's encodings (Trino's client protocol extension, docs/spooling.md): a
 * client names the encodings it reads in X-Trino-Query-Data-Encoding, preferred first; the
 * server picks the first one it supports, or none (the client then gets inline `data` rows, as
 * from a server without spooling). An encoding is `json` (the rows as one JSON array, as the
 * direct protocol's `data`), optionally compressed per segment:
 * - `json+zstd`: a Zstandard frame;
 * - `json+lz4`: one raw LZ4 block (no frame), as Trino's clients decompress it.
 * A segment below the compression threshold, or one that compression does not shrink, is sent
 * as plain JSON without `uncompressedSize`: that attribute is what tells clients to decompress.
 */
export const SPOOLING_ENCODINGS = ['json+zstd', 'json+lz4', 'json'] as const;
export type SpoolingEncoding = (typeof SPOOLING_ENCODINGS)[number];

/** The first encoding of the client's list that the server supports; undefined when none is. */
export function selectEncoding(header: string | undefined, supported: readonly string[]): SpoolingEncoding | undefined {
  if (!header) return undefined;
  for (const item of header.split(',')) {
    const id = item.trim();
    if (id !== '' && supported.includes(id) && (SPOOLING_ENCODINGS as readonly string[]).includes(id)) return id as SpoolingEncoding;
  }
  return undefined;
}

/** Segment metadata, with Trino's attribute names. */
export interface SegmentMetadata {
  /** Rows of the whole result before this segment's first row. */
  rowOffset: number;
  rowsCount: number;
  /** Bytes of the segment as sent (compressed or not). */
  segmentSize: number;
  /** Only on compressed segments: their size once decompressed. */
  uncompressedSize?: number;
  /** Spooled segments: when their URI stops working (ISO 8601). */
  expiresAt?: string;
}

export interface EncodedSegment {
  bytes: Uint8Array;
  uncompressedSize?: number;
}

let zstd: Promise<Zstd> | undefined;

/**
 * The Zstandard codec, loaded once. Its build copies each result out of WebAssembly memory
 * through a JavaScript array of every byte (`new Uint8Array([...view])`), which costs more than
 * the compression itself on segments of megabytes; one typed-array copy does the same.
 */
export function loadZstd(): Promise<Zstd> {
  zstd ??= Zstd.load().then((codec) => {
    const main = (codec as unknown as { _mainModule?: { heapView?: (block: unknown) => Uint8Array; heapToUint8Array?: unknown } })._mainModule;
    if (main && typeof main.heapView === 'function' && typeof main.heapToUint8Array === 'function') {
      const view = main.heapView.bind(main);
      main.heapToUint8Array = (block: unknown) => view(block).slice();
    }
    return codec;
  });
  return zstd;
}

/** Encodes a segment's JSON bytes; compressed when at least `threshold` bytes and smaller once compressed. */
export async function encodeSegment(encoding: SpoolingEncoding, json: Uint8Array, threshold: number): Promise<EncodedSegment> {
  if (encoding === 'json' || json.length < threshold) return { bytes: json };
  let compressed: Uint8Array;
  if (encoding === 'json+zstd') {
    // Level 1: segments are large and a poll's latency counts more than a few per cent of size.
    compressed = (await loadZstd()).compress(json, 1);
  } else compressed = lz4CompressBlock(json);
  return compressed.length < json.length ? { bytes: compressed, uncompressedSize: json.length } : { bytes: json };
}

/** `{"type":"inline",...}`: the encoded bytes in base64. */
export function inlineSegmentJson(bytes: Uint8Array, metadata: SegmentMetadata): string {
  return `{"type":"inline","data":"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')}","metadata":${JSON.stringify(metadata)}}`;
}

/** `{"type":"spooled",...}`: where to read the segment and how to acknowledge it; headers only when there are some. */
export function spooledSegmentJson(uri: string, ackUri: string, metadata: SegmentMetadata, headers: Record<string, string[]> = {}): string {
  const segment: Record<string, unknown> = { type: 'spooled', uri, ackUri, metadata };
  if (Object.keys(headers).length) segment.headers = headers;
  return JSON.stringify(segment);
}

/** The `data` of a response in the spooling protocol. */
export function encodedDataJson(encoding: SpoolingEncoding, segments: readonly string[]): string {
  return `{"encoding":${JSON.stringify(encoding)},"segments":[${segments.join(',')}]}`;
}

const MIN_MATCH = 4;
/** The last match starts at least this many bytes before the end of the block (LZ4's block format). */
const MF_LIMIT = 12;
/** The last bytes of a block are always literals. */
const LAST_LITERALS = 5;
const HASH_LOG = 16;

/**
 * LZ4 block compression (the raw block format: sequences of literals and matches, no frame, no
 * checksum), greedy with a hash of 4-byte sequences, keeping the format's end-of-block rules so
 * that strict decoders accept it.
 */
export function lz4CompressBlock(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(n + Math.ceil(n / 255) + 16);
  const table = new Int32Array(1 << HASH_LOG).fill(-1);
  const read32 = (i: number) => src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24);
  const matchEnd = n - LAST_LITERALS;
  let ip = 0;
  let anchor = 0;
  let op = 0;
  const length = (value: number) => {
    for (; value >= 255; value -= 255) out[op++] = 255;
    out[op++] = value;
  };
  const literals = (from: number, to: number) => {
    if (to - from > 64) {
      out.set(src.subarray(from, to), op);
      op += to - from;
    } else for (let i = from; i < to; i++) out[op++] = src[i]!;
  };
  while (ip < n - MF_LIMIT) {
    const sequence = read32(ip);
    const h = Math.imul(sequence, 2654435761) >>> (32 - HASH_LOG);
    const ref = table[h]!;
    table[h] = ip;
    if (ref < 0 || ip - ref > 65535 || read32(ref) !== sequence) {
      ip += 1 + ((ip - anchor) >> 6);
      continue;
    }
    let start = ip;
    let back = ref;
    while (start > anchor && back > 0 && src[start - 1] === src[back - 1]) {
      start--;
      back--;
    }
    let end = ip + MIN_MATCH;
    for (let r = ref + MIN_MATCH; end < matchEnd && src[end] === src[r]; r++) end++;
    const literalCount = start - anchor;
    const matchLength = end - start - MIN_MATCH;
    out[op++] = (Math.min(literalCount, 15) << 4) | Math.min(matchLength, 15);
    if (literalCount >= 15) length(literalCount - 15);
    literals(anchor, start);
    const offset = ip - ref;
    out[op++] = offset & 0xff;
    out[op++] = offset >> 8;
    if (matchLength >= 15) length(matchLength - 15);
    ip = end;
    anchor = end;
  }
  const rest = n - anchor;
  out[op++] = Math.min(rest, 15) << 4;
  if (rest >= 15) length(rest - 15);
  literals(anchor, n);
  return out.subarray(0, op);
}
