/**
 * The spooling bench's client, on a thread of its own so that it never shares an event loop with
 * the server it measures; inline and spooled runs get this same client. It reads a result the way
 * a streaming consumer of Trino's drivers does: it asks for the next page before reading the
 * current one's data, downloads a response's segments in parallel, acknowledges them without waiting
 * for the answer (as Trino's JDBC driver does), decompresses Zstandard with the
 * WebAssembly build of the reference library (as the server compresses) and counts rows without keeping them. It also
 * measures two ceilings on the same rows: its own JSON.parse of the segments' JSON texts, and its
 * whole reading of the segments (decompression, UTF-8 decoding, JSON.parse) without the network
 * or a server: what this client reaches whatever the server does.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { loadZstd } from '../lambdas/core/protocol/spooling.js';
import { decode, runSpooled } from '../test/support/spooling-client.js';

export type ClientRequest = { kind: 'run'; server: string; sql: string; encoding?: string } | { kind: 'capture'; server: string; sql: string; encoding: string } | { kind: 'parse' } | { kind: 'read' };

export interface ClientAnswer {
  ms: number;
  rows: number;
  spooledSegments: number;
  error?: string;
}

// The server's codec loader: the same library, with its fast copy out of WebAssembly memory.
const zstd = await loadZstd();
const decompress = (bytes: Uint8Array) => zstd.decompress(bytes);
/** The segments' JSON texts of one spooled run: what the parse ceiling parses. */
let texts: string[] = [];
/** The same run's compressed segments, with their sizes: what the reading ceiling reads. */
let frames: { bytes: Uint8Array; size: number }[] = [];

async function answer(request: ClientRequest): Promise<ClientAnswer> {
  if (request.kind === 'parse') {
    const start = performance.now();
    let rows = 0;
    for (const text of texts) rows += (JSON.parse(text) as unknown[]).length;
    return { ms: performance.now() - start, rows, spooledSegments: 0 };
  }
  if (request.kind === 'read') {
    const start = performance.now();
    let rows = 0;
    for (const { bytes, size } of frames) rows += decode('json+zstd', bytes, { metadata: { rowOffset: 0, rowsCount: 0, segmentSize: bytes.length, uncompressedSize: size } }, { zstd: decompress }).length;
    return { ms: performance.now() - start, rows, spooledSegments: 0 };
  }
  const captured: string[] = [];
  const capturedFrames: typeof frames = [];
  const onJson = request.kind === 'capture' ? (json: Uint8Array) => void captured.push(Buffer.from(json).toString('utf8')) : undefined;
  const start = performance.now();
  const result = await runSpooled(request.sql, {
    server: request.server,
    ...(request.encoding ? { encoding: request.encoding } : {}),
    parallel: true,
    prefetch: true,
    keepRows: false,
    zstd: request.kind === 'capture' ? (bytes: Uint8Array, size: number) => (capturedFrames.push({ bytes: bytes.slice(), size }), decompress(bytes)) : decompress,
    ...(onJson ? { onJson } : {}),
  });
  const ms = performance.now() - start;
  if (request.kind === 'capture') {
    texts = captured;
    frames = capturedFrames;
  }
  return { ms, rows: result.rowCount, spooledSegments: result.spooled.length, ...(result.error ? { error: `${result.error.errorName}: ${result.error.message}` } : {}) };
}

parentPort!.on('message', (request: ClientRequest) => {
  answer(request).then(
    (a) => parentPort!.postMessage(a),
    (error: unknown) => parentPort!.postMessage({ ms: 0, rows: 0, spooledSegments: 0, error: String((error as Error)?.stack ?? error) } satisfies ClientAnswer),
  );
});
