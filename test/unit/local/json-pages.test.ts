import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnginePage, PollOptions } from '../../../lambdas/core/ports/index.js';
import { DuckDbEngine } from '../../../lambdas/local/duckdb-engine.js';
import { session } from './support.js';

/**
 * The local engine's answer to a poll that takes JSON rows (PollOptions.jsonRows, which the gateway
 * always sets): a query's rows come as the protocol's JSON, in pages cut by their bytes, each page's
 * cursor the exact row after it; results the engine builds itself (update counts) stay values.
 */
let engine: DuckDbEngine;
let counter = 0;

beforeAll(async () => {
  engine = await DuckDbEngine.create();
});
afterAll(() => engine.close());

const SQL = `SELECT i AS id, 'name ' || i AS name, i / 4.0 AS ratio, DATE '2024-01-01' + (i % 365)::INTEGER AS day, TIMESTAMP '2024-01-01 00:00:00.123456' + INTERVAL (i) SECOND AS at FROM range(10000) t(i)`;

/** Every page of the query, polled with `options`. */
async function pages(sql: string, options: Partial<PollOptions>): Promise<EnginePage[]> {
  const { handle } = await engine.submit({ queryId: `json-${++counter}`, sql, session: session(null, null), target: 'local' });
  const read: EnginePage[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await engine.poll(handle, cursor, { maxWaitMs: 10_000, maxRows: 100_000, ...options });
    if (page.state === 'QUEUED' || page.state === 'RUNNING') continue;
    read.push(page);
    if (page.nextCursor === undefined) return read;
    cursor = page.nextCursor;
  }
}

const parsed = (page: EnginePage): unknown[][] => JSON.parse(`[${Buffer.from(page.jsonRows!.bytes).toString('utf8')}]`) as unknown[][];

describe('JSON rows from the local engine', () => {
  it('pages a result by bytes, each cursor the row after the page, the rows those the values give', async () => {
    const json = await pages(SQL, { maxBytes: 60_000, jsonRows: { millisecondDatetimes: false } });
    const values = await pages(SQL, {});
    expect(json.length).toBeGreaterThan(5);
    let offset = 0;
    for (const [i, page] of json.entries()) {
      const { count, ends } = page.jsonRows!;
      expect(page.rows).toBeUndefined();
      // Each page stops after the row that takes it to the budget, not before, not later.
      if (i < json.length - 1) {
        expect(ends[count - 1]!).toBeGreaterThanOrEqual(60_000);
        expect(ends[count - 2]!).toBeLessThan(60_000);
      }
      offset += count;
      expect(page.nextCursor).toBe(i < json.length - 1 ? String(offset) : undefined);
    }
    expect(offset).toBe(10_000);
    const rows = json.flatMap(parsed);
    const expected = values.flatMap((page) => page.rows ?? []);
    expect(rows.map((row) => row[0])).toStrictEqual(expected.map((row) => Number(row[0])));
    expect(rows.map((row) => row[1])).toStrictEqual(expected.map((row) => row[1]));
    expect(rows[4321]).toStrictEqual([4321, 'name 4321', 1080.25, '2024-11-02', '2024-01-01 01:12:01.123456']);
  });

  it('cuts datetimes to milliseconds for clients without PARAMETRIC_DATETIME', async () => {
    const [page] = await pages(`${SQL} LIMIT 2`, { jsonRows: { millisecondDatetimes: true } });
    expect(parsed(page!)).toStrictEqual([
      [0, 'name 0', 0.0, '2024-01-01', '2024-01-01 00:00:00.123'],
      [1, 'name 1', 0.25, '2024-01-02', '2024-01-01 00:00:01.123'],
    ]);
  });

  it('answers an update count as values', async () => {
    await pages('CREATE TABLE memory.default.json_pages AS SELECT 1 AS x', { jsonRows: { millisecondDatetimes: false } });
    const [page] = await pages('INSERT INTO memory.default.json_pages VALUES (2), (3)', { jsonRows: { millisecondDatetimes: false } });
    expect(page!.error?.message).toBeUndefined();
    expect(page!.jsonRows).toBeUndefined();
    expect(page!.rows).toStrictEqual([[2]]);
  });
});
