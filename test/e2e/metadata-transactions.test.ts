import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/**
 * JDBC with auto-commit off, replayed against the local server. TrinoConnection sends
 * `START TRANSACTION ISOLATION LEVEL READ UNCOMMITTED, READ WRITE` before the first statement,
 * keeps the id from X-Trino-Started-Transaction-Id (applied only because updateType is set),
 * sends it as X-Trino-Transaction-Id on every request, COMMITs on commit() and ROLLBACKs on
 * close() while a transaction is open; then it sends X-Trino-Transaction-Id: NONE again.
 */
let server: LocalServer;

beforeAll(async () => {
  server = await startLocalServer({ gateway: { pollWaitMs: 200 } });
});
afterAll(async () => {
  await server?.close();
});

interface Page {
  columns?: { name: string; type: string }[];
  data?: unknown[][];
  nextUri?: string;
  updateType?: string;
  error?: { errorName: string; message: string };
  stats: { state: string };
}

/** One statement as StatementClientV1 runs it: POST, follow nextUri; the final page and its headers. */
async function run(sql: string, transactionId: string): Promise<{ final: Page; headers: Headers; rows: unknown[][] }> {
  const headers = {
    'X-Trino-User': 'alice',
    'X-Trino-Source': 'trino-jdbc',
    'X-Trino-Catalog': 'tpch',
    'X-Trino-Schema': 'tiny',
    'X-Trino-Time-Zone': 'UTC',
    'X-Trino-Language': 'en-US',
    'X-Trino-Client-Capabilities': 'PATH,PARAMETRIC_DATETIME,SESSION_AUTHORIZATION',
    'X-Trino-Transaction-Id': transactionId,
    'User-Agent': 'TrinoJdbcDriver/476',
  };
  let response = await fetch(`${server.url}/v1/statement`, { method: 'POST', headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, body: sql });
  const rows: unknown[][] = [];
  for (;;) {
    expect(response.status).toBe(200);
    const page = (await response.json()) as Page;
    if (page.data) rows.push(...page.data);
    if (!page.nextUri) return { final: page, headers: response.headers, rows };
    response = await fetch(page.nextUri, { headers });
  }
}

/** What TrinoConnection does with the final response of an update statement. */
function applyTransaction(current: string, final: Page, headers: Headers): string {
  if (final.updateType === undefined) return current;
  const started = headers.get('x-trino-started-transaction-id');
  if (started) return started;
  if (headers.get('x-trino-clear-transaction-id') === 'true') return 'NONE';
  return current;
}

describe('JDBC with auto-commit off', () => {
  it('START TRANSACTION, queries in the transaction, COMMIT; then ROLLBACK on close', async () => {
    let transaction = 'NONE';

    const start = await run('START TRANSACTION ISOLATION LEVEL READ UNCOMMITTED, READ WRITE', transaction);
    expect(start.final.error).toBeUndefined();
    expect(start.final.updateType).toBe('START TRANSACTION');
    expect(start.final.columns).toEqual([{ name: 'result', type: 'boolean', typeSignature: { rawType: 'boolean', arguments: [] } }]);
    transaction = applyTransaction(transaction, start.final, start.headers);
    expect(transaction).toMatch(/^[0-9a-f-]{36}$/);

    const query = await run('SELECT count(*) FROM nation', transaction);
    expect(query.final.error).toBeUndefined();
    expect(query.rows).toEqual([[25]]);
    transaction = applyTransaction(transaction, query.final, query.headers);

    const insert = await run('CREATE TABLE memory.default.tx_test AS SELECT n_nationkey FROM nation', transaction);
    expect(insert.final.error).toBeUndefined();
    expect(insert.final.updateType).toBe('CREATE TABLE');
    transaction = applyTransaction(transaction, insert.final, insert.headers);
    expect(transaction).not.toBe('NONE');

    const commit = await run('COMMIT', transaction);
    expect(commit.final.error).toBeUndefined();
    expect(commit.final.updateType).toBe('COMMIT');
    expect(commit.headers.get('x-trino-clear-transaction-id')).toBe('true');
    transaction = applyTransaction(transaction, commit.final, commit.headers);
    expect(transaction).toBe('NONE');

    // The next statement opens a new transaction; close() rolls it back.
    const again = await run('START TRANSACTION ISOLATION LEVEL READ UNCOMMITTED, READ WRITE', transaction);
    transaction = applyTransaction(transaction, again.final, again.headers);
    expect(transaction).not.toBe('NONE');
    expect((await run('SELECT count(*) FROM memory.default.tx_test', transaction)).rows).toEqual([[25]]);
    const rollback = await run('ROLLBACK', transaction);
    expect(rollback.final.error).toBeUndefined();
    expect(rollback.final.updateType).toBe('ROLLBACK');
    expect(rollback.headers.get('x-trino-clear-transaction-id')).toBe('true');
    expect(applyTransaction(transaction, rollback.final, rollback.headers)).toBe('NONE');
  });

  it('COMMIT without a transaction fails as in Trino', async () => {
    const commit = await run('COMMIT', 'NONE');
    expect(commit.final.stats.state).toBe('FAILED');
    expect(commit.final.error).toMatchObject({ errorName: 'NOT_IN_TRANSACTION', message: 'No transaction in progress' });
  });

  it('other START TRANSACTION forms JDBC sends for setTransactionIsolation and setReadOnly', async () => {
    for (const sql of ['START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY', 'START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE', 'START TRANSACTION']) {
      const start = await run(sql, 'NONE');
      expect(start.final.updateType, sql).toBe('START TRANSACTION');
      expect(start.headers.get('x-trino-started-transaction-id'), sql).toBeTruthy();
    }
  });
});
