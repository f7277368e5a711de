import { createFileAccessControl } from '../../../lambdas/core/acl/index.js';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../../../lambdas/local/server.js';

/**
 * What the client tests share: a local server whose access rules deny bob every table (so a
 * permission denial reaches each client), the row of many types every client reads, and a raw
 * protocol client for the pages a client library hides.
 */
export const DENIED_USER = 'bob';

export async function startClientServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  return startLocalServer({
    gateway: { maxPageBytes: 64_000, pollWaitMs: 100 },
    accessControl: createFileAccessControl({ catalogs: [{ allow: 'all' }], tables: [{ user: DENIED_USER, privileges: [] }, { privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP'] }] }),
    ...options,
  });
}

/** A row with many of Trino's types, as tools read it. */
export const TYPES_SQL = `SELECT true AS b, CAST(7 AS tinyint) AS ti, CAST(300 AS smallint) AS si, 70000 AS i, 9007199254740993 AS bi,
  CAST(1.5 AS real) AS r, CAST(2.25 AS double) AS d, CAST('12.30' AS decimal(10,2)) AS dc, 'héllo' AS v,
  DATE '2024-05-01' AS dt, TIMESTAMP '2024-05-01 10:10:10.123' AS ts, TIMESTAMP '2020-06-01 10:00:00 America/New_York' AS tstz,
  ARRAY[1, 2, 3] AS arr, MAP(ARRAY['a', 'b'], ARRAY[1, 2]) AS m, CAST(ROW(1, 'x') AS ROW(x integer, y varchar)) AS rw,
  json_parse('{"k":[1,2]}') AS j, CAST(NULL AS varchar) AS n`;

/** The names and the types Trino reports for TYPES_SQL to a client without PARAMETRIC_DATETIME. */
export const TYPES_COLUMNS: [string, string][] = [
  ['b', 'boolean'], ['ti', 'tinyint'], ['si', 'smallint'], ['i', 'integer'], ['bi', 'bigint'],
  ['r', 'real'], ['d', 'double'], ['dc', 'decimal(10,2)'], ['v', 'varchar'],
  ['dt', 'date'], ['ts', 'timestamp'], ['tstz', 'timestamp with time zone'],
  ['arr', 'array(integer)'], ['m', 'map(varchar, integer)'], ['rw', 'row(x integer, y varchar)'],
  ['j', 'json'], ['n', 'varchar'],
];

/** The values as JavaScript clients read them (JSON.parse: the bigint 2^53 + 1 reads as 2^53). */
export const TYPES_VALUES: unknown[] = [
  true, 7, 300, 70000, 2 ** 53, 1.5, 2.25, '12.30', 'héllo',
  '2024-05-01', '2024-05-01 10:10:10.123', '2020-06-01 10:00:00.000 America/New_York',
  [1, 2, 3], { a: 1, b: 2 }, [1, 'x'], '{"k":[1,2]}', null,
];

/** A result of exactly this many rows, over many pages at the test server's page cap. */
export const BIG_COUNT = 30_000;
export const BIG_SQL = `SELECT l_orderkey, l_linenumber, n_name FROM lineitem CROSS JOIN nation ORDER BY l_orderkey, l_linenumber, n_name LIMIT ${BIG_COUNT}`;

/** A statement long enough to cancel while it runs. */
export const SLOW_SQL = 'SELECT count(*) FROM lineitem a CROSS JOIN lineitem b CROSS JOIN nation c';

export interface RawPage {
  id: string;
  nextUri?: string;
  infoUri?: string;
  columns?: { name: string; type: string }[];
  data?: unknown[][];
  error?: { errorName: string; errorType: string; errorCode: number; message: string };
  stats: { state: string };
}

/** POST, then follow nextUri; the final page and every row. */
export async function raw(url: string, sql: string, headers: Record<string, string> = {}): Promise<{ final: RawPage; rows: unknown[][]; columns?: RawPage['columns'] }> {
  const base = { 'X-Trino-User': 'alice', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny', ...headers };
  let response = await fetch(`${url}/v1/statement`, { method: 'POST', headers: base, body: sql });
  const rows: unknown[][] = [];
  let columns: RawPage['columns'];
  for (;;) {
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as RawPage;
    columns ??= page.columns;
    if (page.data) rows.push(...page.data);
    if (!page.nextUri) return { final: page, rows, ...(columns ? { columns } : {}) };
    response = await fetch(page.nextUri, { headers: base });
  }
}

/** Waits until `check` holds (a query seen running, a cancel recorded), at most `ms`. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
