import type { DuckDBDataChunk, DuckDBMaterializedResult, DuckDBType } from '@duckdb/node-api';
import type { JsonRows } from '../core/ports/index.js';
import { chunkJsonWriter, JsonRowsWriter } from './duckdb-json.js';
import { chunkReader } from './duckdb-read.js';
import type { ColumnMapping } from './duckdb-types.js';

/**
 * A finished result left in DuckDB's memory and read a page at a time: as JavaScript values a
 * million rows are half a gigabyte of heap, which every major garbage collection walks. DuckDB
 * keeps the result's chunks after its connection closes. A page is read as values (chunkReader)
 * or, for rows the gateway only passes on, written as the protocol's JSON (chunkJsonWriter).
 *
 * The chunks are taken from the result once: the binding copies a chunk each time it is asked for
 * one, which costs as much as reading it.
 */
/** Chunks (2,048 rows each) a page writes between two turns of the event loop: a few milliseconds. */
const YIELD_EVERY_CHUNKS = 4;

export class HeldResult {
  /** The first row of each chunk, and the row count at the end. */
  private readonly starts: number[] = [];
  private readonly chunks: DuckDBDataChunk[] = [];
  private readonly types: DuckDBType[];
  private readonly read: (chunk: DuckDBDataChunk) => unknown[][];
  /** The chunks the last read as values used, converted: the next page starts inside them when the gateway sent part of it. */
  private recent = new Map<number, unknown[][]>();

  constructor(
    result: DuckDBMaterializedResult,
    private readonly mappings: readonly ColumnMapping[],
  ) {
    this.types = result.columnTypes();
    this.read = chunkReader(this.types, mappings);
    let start = 0;
    for (let i = 0; i < result.chunkCount; i++) {
      const chunk = result.getChunk(i);
      this.chunks.push(chunk);
      this.starts.push(start);
      start += chunk.rowCount;
    }
    this.starts.push(start);
  }

  get count(): number {
    return this.starts[this.starts.length - 1]!;
  }

  /** Rows `from` to `to` (not included). */
  rows(from: number, to: number): unknown[][] {
    const out: unknown[][] = [];
    const used = new Map<number, unknown[][]>();
    for (let index = this.chunkOf(from); index < this.starts.length - 1 && this.starts[index]! < to; index++) {
      const rows = this.recent.get(index) ?? this.read(this.chunks[index]!);
      used.set(index, rows);
      const start = this.starts[index]!;
      for (let r = Math.max(from, start); r < Math.min(to, start + rows.length); r++) out.push(rows[r - start]!);
    }
    this.recent = used;
    return out;
  }

  /**
   * Rows from `from` on as the protocol's JSON rows: up to `to`, and no further than the row that
   * takes their JSON to `maxBytes` (the first row whatever its size). Datetimes are cut to milliseconds when `millisecondDatetimes`.
   * A large page gives way to other requests between chunks (segment downloads, other clients'
   * polls), so that the server never stops answering while it writes one.
   */
  async json(from: number, to: number, maxBytes: number, millisecondDatetimes: boolean): Promise<JsonRows> {
    const write = chunkJsonWriter(this.types, this.mappings, millisecondDatetimes);
    const out = new JsonRowsWriter(Math.min(maxBytes + 1024, 64 * 1024 + (to - from) * 64));
    let written = 0;
    for (let index = this.chunkOf(from); index < this.starts.length - 1 && this.starts[index]! < to; index++) {
      if (written > 0 && written % YIELD_EVERY_CHUNKS === 0) await new Promise(setImmediate);
      const start = this.starts[index]!;
      const last = Math.min(to, this.starts[index + 1]!) - start;
      written++;
      if (write(this.chunks[index]!, Math.max(from, start) - start, last, out, maxBytes) < last) break;
    }
    return out.rows();
  }

  /** The chunk that holds row `row` (the last chunk starting at or before it). */
  private chunkOf(row: number): number {
    let low = 0;
    let high = this.starts.length - 2;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= row) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}
