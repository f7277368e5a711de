import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePlan, encodePlan } from '../../../lambdas/core/gateway/plan.js';
import { enginePageSlice, fitJsonRows, fitRows, heldResultPage, compactResult } from '../../../lambdas/core/gateway/pager.js';
import type { ClientSession, EnginePage, QueryRecord } from '../../../lambdas/core/ports/index.js';

const session: ClientSession = {
  dialect: 'trino',
  user: 'ann',
  catalog: 'tpch',
  schema: 'tiny',
  clientTags: [],
  clientCapabilities: ['PARAMETRIC_DATETIME'],
  properties: { query_max_run_time: '1h' },
  resourceEstimates: {},
  roles: {},
  extraCredentials: { token: 'secret' },
  preparedStatements: { q1: 'SELECT ?' },
};

const record = (over: Partial<QueryRecord>): QueryRecord => ({ queryId: 'q', user: 'ann', dialect: 'trino', sql: 'SELECT 1', sqlDigest: '', state: 'QUEUED', createdAt: 0, updatedAt: 0, ...over });

describe('the stored plan', () => {
  it('keeps the text once when it starts the statement, and never the client secrets', () => {
    const json = encodePlan({ sql: 'SELECT 1', session, describeOutput: false, updateType: 'SELECT' }, 'SELECT 1 -- a comment');
    expect(JSON.parse(json).plan).toEqual({ v: 2, sqlLength: 8, describeOutput: false, updateType: 'SELECT' });
    expect(json).not.toContain('secret');
    expect(json).not.toContain('SELECT ?');
    const plan = decodePlan(record({ sql: 'SELECT 1 -- a comment', sessionJson: json, access: { tables: [{ name: 'a.b.c', parts: ['a', 'b', 'c'], access: 'read' }] } }))!;
    expect(plan).toMatchObject({ version: 2, sql: 'SELECT 1', parameters: [], describeOutput: false, updateType: 'SELECT', checkedTables: [['a', 'b', 'c']] });
    expect(plan.session).toMatchObject({ user: 'ann', catalog: 'tpch', properties: { query_max_run_time: '1h' }, extraCredentials: {}, preparedStatements: {} });
  });

  it('keeps a text of its own when it is not the start of the statement (EXECUTE, DESCRIBE OUTPUT)', () => {
    const json = encodePlan({ sql: 'SELECT 42', session, describeOutput: false }, 'EXECUTE q1 USING 42');
    expect(decodePlan(record({ sql: 'EXECUTE q1 USING 42', sessionJson: json }))!.sql).toBe('SELECT 42');
  });

  it('reads items of version 1 (parameters beside the statement, DESCRIBE OUTPUT not yet wrapped)', () => {
    const v1 = (plan: object) => record({ parameters: ['7'], sessionJson: JSON.stringify({ ...session, extraCredentials: {}, preparedStatements: {}, plan }) });
    expect(decodePlan(v1({ sql: 'SELECT ?', describeOutput: false }))).toMatchObject({ version: 1, sql: 'SELECT ?', parameters: ['7'] });
    expect(decodePlan(v1({ sql: 'SELECT ?', describeOutput: true }))).toMatchObject({ version: 1, sql: 'SELECT * FROM (SELECT NULL) AS bifrost_describe LIMIT 0', parameters: [] });
  });

  it('is absent from items without one, and unreadable ones are a query failure', () => {
    expect(decodePlan(record({}))).toBeUndefined();
    expect(() => decodePlan(record({ sessionJson: '{"user":"ann"}' }))).toThrow(/no readable plan/);
  });
});

describe('the pager', () => {
  it('measures a page as the ALB carries it: the body escaped again inside the Lambda response stays within the cap', () => {
    // Quote-heavy rows: short strings, embedded quotes, backslashes and newlines.
    const rows = Array.from({ length: 20_000 }, (_, i) => JSON.stringify([`"q${i}"`, 'a\\b', 'line\nbreak', 'x', i]));
    const cap = 100_000;
    let start = 0;
    let pages = 0;
    while (start < rows.length) {
      const { json, end } = fitRows(rows, start, (r) => r, cap);
      // What the Lambda hands the ALB: the body as a JSON string.
      expect(Buffer.byteLength(JSON.stringify(json), 'utf8') - 2).toBeLessThanOrEqual(cap);
      expect(end).toBeGreaterThan(start);
      start = end;
      pages++;
    }
    // The raw JSON alone would fit in fewer pages: the escapes are really counted.
    const raw = rows.reduce((n, r) => n + Buffer.byteLength(r) + 1, 2);
    expect(pages).toBeGreaterThan(Math.ceil(raw / cap));
  });

  it('always takes the first row, then rows while the JSON stays within the cap', () => {
    const rows = ['[1]', '[22]', '[333]'];
    // The brackets count 2 bytes, each row its length and 1 for its comma: [1] and [22] take 11.
    expect(fitRows(rows, 0, (r) => r, 10)).toEqual({ json: '[[1]]', end: 1 });
    expect(fitRows(rows, 0, (r) => r, 11)).toEqual({ json: '[[1],[22]]', end: 2 });
    expect(fitRows(rows, 2, (r) => r, 1)).toEqual({ json: '[[333]]', end: 3 });
    expect(fitRows(rows, 3, (r) => r, 100)).toEqual({ json: '[]', end: 3 });
  });

  it('pages a held result, compressed or not, in the same pages', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => JSON.stringify([i, 'x'.repeat(20)]));
    const held = { columns: [{ name: 'n', type: 'bigint' }], rows };
    const compacted = compactResult(held);
    expect(compacted.rowsGzip).toBeDefined();
    for (const result of [held, compacted]) {
      const first = heldResultPage(result, { n: 1 }, 50_000);
      expect(first.done).toBe(false);
      const last = heldResultPage(result, first.next!, 1_000_000);
      // The last rows still come with a nextUri; the final page after them has none (as Trino).
      expect(last.done).toBe(false);
      expect([...JSON.parse(first.dataJson!), ...JSON.parse(last.dataJson!)]).toHaveLength(5000);
      expect(heldResultPage(result, last.next!, 1_000_000)).toEqual({ done: true });
    }
  });

  it('answers an empty held result final at once, without rows', () => {
    expect(heldResultPage({ columns: [{ name: 'n', type: 'bigint' }], rows: [] }, { n: 1 }, 1000)).toEqual({ done: true });
  });

  it('resumes inside an engine page, then moves to the engine\'s next page', () => {
    const page: EnginePage = { state: 'RUNNING', columns: [], rows: [[1], [2], [3]], nextCursor: 'c2' };
    const render = (row: unknown[]) => JSON.stringify(row);
    const first = enginePageSlice(page, { n: 4, c: 'c1' }, render, 10);
    expect(first).toMatchObject({ dataJson: '[[1],[2]]', more: true, done: false, next: { n: 5, c: 'c1', s: 2 } });
    const rest = enginePageSlice(page, first.next!, render, 10);
    expect(rest).toMatchObject({ dataJson: '[[3]]', more: true, done: false, next: { n: 6, c: 'c2' } });
    const finished = enginePageSlice({ state: 'FINISHED', columns: [], rows: [[9]] }, { n: 7, c: 'c2' }, render, 10);
    // The last rows go out with a nextUri that reads the same engine page past them...
    expect(finished).toMatchObject({ dataJson: '[[9]]', more: true, done: false, next: { n: 8, c: 'c2', s: 1 } });
    // ...and that poll is the final answer, without rows.
    const final = enginePageSlice({ state: 'FINISHED', columns: [], rows: [[9]] }, finished.next!, render, 10);
    expect(final).toMatchObject({ more: false, done: true, next: undefined });
    expect(final.dataJson).toBeUndefined();
    expect(enginePageSlice({ state: 'FINISHED', columns: [], rows: [] }, { n: 1 }, render, 10)).toMatchObject({ more: false, done: true });
  });
});

describe('rows the engine wrote as JSON', () => {
  it('are cut into the same pages as the same rows rendered one by one, escapes counted as behind the load balancer', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer(), fc.string({ unit: 'binary', maxLength: 30 })), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 300 }), fc.nat(10), (values, cap, skip) => {
        const texts = values.map((v) => JSON.stringify(v));
        const bytes = Buffer.from(texts.join(','));
        let at = 0;
        const ends = Uint32Array.from(texts.map((t) => (at += Buffer.byteLength(t) + 1) - 1));
        const start = Math.min(skip, texts.length - 1);
        expect(fitJsonRows({ count: texts.length, bytes, ends }, start, cap)).toEqual(fitRows(texts, start, (r) => r, cap));
      }),
    );
  });
});
