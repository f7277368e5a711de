import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// presto-client has no type declarations.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore
import presto from 'presto-client';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ gateway: { maxPageBytes: 32_000, pollWaitMs: 100 } });
});
afterAll(async () => {
  await server?.close();
});

interface PrestoResult {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  error?: { errorName?: string; message?: string };
}

function run(sql: string, extra: Record<string, unknown> = {}): Promise<PrestoResult> {
  const client = new presto.Client({ host: '127.0.0.1', port: server.port, user: 'carol', catalog: 'tpch', schema: 'tiny', checkInterval: 10, ...extra });
  return new Promise((resolve) => {
    const rows: unknown[][] = [];
    let columns: PrestoResult['columns'] = [];
    client.execute({
      query: sql,
      columns: (_e: unknown, c: PrestoResult['columns']) => (columns = c),
      data: (_e: unknown, d: unknown[][]) => rows.push(...d),
      success: () => resolve({ columns, rows }),
      error: (e: PrestoResult['error']) => resolve({ columns, rows, ...(e ? { error: e } : {}) }),
    });
  });
}

describe('the Presto dialect through presto-client', () => {
  it('pages a multi-page result with the exact count', async () => {
    const { rows, columns, error } = await run('SELECT o_orderkey, o_orderdate, o_totalprice FROM orders');
    expect(error).toBeUndefined();
    expect(rows).toHaveLength(15_000);
    expect(columns.map((c) => c.type)).toEqual(['bigint', 'date', 'double']);
  });

  it('reports failures with Trino error names', async () => {
    const { error } = await run('SELECT * FROM missing_table');
    expect(error?.errorName).toBe('TABLE_NOT_FOUND');
  });

  it('answers in the X-Presto dialect', async () => {
    const headers = { 'X-Presto-User': 'carol', 'X-Presto-Catalog': 'tpch' };
    const posted = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: 'USE tpch.tiny' })).json()) as { nextUri: string };
    // The session headers come on the final answer (no nextUri), after the page with the rows.
    let final = await fetch(posted.nextUri, { headers });
    for (let next = ((await final.clone().json()) as { nextUri?: string }).nextUri; next; next = ((await final.clone().json()) as { nextUri?: string }).nextUri) {
      final = await fetch(next, { headers });
    }
    expect(final.headers.get('x-presto-set-schema')).toBe('tiny');
    expect(final.headers.get('x-trino-set-schema')).toBeNull();
    // The token of a Presto client's query is bound to its user in the same way.
    expect((await fetch(posted.nextUri, { headers: { 'X-Presto-User': 'dave' } })).status).toBe(404);
  });
});
