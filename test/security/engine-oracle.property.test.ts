/**
 * The engine as oracle: for every generated statement the gateway's analysis accepts,
 * the tables DuckDB's own parser sees in the text the engine would run must be a subset of the
 * tables the analysis recorded. DuckDB's parse is read from `json_serialize_sql`, walking its JSON
 * for BASE_TABLE references and resolving CTE names with DuckDB's scoping (a CTE is visible in
 * later CTEs of its WITH and in the body; inside a recursive CTE only in the recursive branch).
 *
 * Statements combine CTEs (recursive ones and ones shadowing a table), table and column aliases,
 * derived tables, joins, UNNEST, lambdas (with subqueries in their bodies), scalar, EXISTS and IN
 * subqueries, set operations, and EXECUTE IMMEDIATE / EXECUTE with USING parameters (the engine
 * runs the prepared text with the parameters pasted in).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyze } from '../../lambdas/core/sql/index.js';
import { useInMemoryDuckDb } from '../support/duckdb.js';

const SESSION = { catalog: 'tpch', schema: 'tiny' } as const;
const TABLES: Record<string, string[]> = {
  nation: ['n_nationkey', 'n_name', 'n_regionkey', 'n_comment'],
  region: ['r_regionkey', 'r_name', 'r_comment'],
  customer: ['c_custkey', 'c_name', 'c_address', 'c_nationkey', 'c_phone', 'c_acctbal', 'c_mktsegment', 'c_comment'],
  orders: ['o_orderkey', 'o_custkey', 'o_orderstatus', 'o_totalprice', 'o_orderdate', 'o_orderpriority', 'o_clerk', 'o_shippriority', 'o_comment'],
  supplier: ['s_suppkey', 's_name', 's_address', 's_nationkey', 's_phone', 's_acctbal', 's_comment'],
};
const TABLE_NAMES = Object.keys(TABLES);
const ALL_COLUMNS = Object.values(TABLES).flat();
/** CTE names: some shadow tables, some do not. */
const CTE_NAMES = ['orders', 'customer', 'nation', 'x', 'y'];

const db = useInMemoryDuckDb();

// ------------------------------------------------------------------ DuckDB's reading

type Json = Record<string, unknown>;

/** Tables (catalog.schema.table, lower case) DuckDB's parse of `sql` reads, or undefined if DuckDB cannot parse it. */
async function duckTables(sql: string): Promise<Set<string> | undefined> {
  const reader = await db.connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
  const parsed = JSON.parse(String(reader.getRows()[0]![0])) as Json;
  if (parsed.error) return undefined;
  const out = new Set<string>();
  for (const statement of (parsed.statements as Json[]) ?? []) walk(statement, new Set(), out);
  return out;
}

function walk(value: unknown, scope: ReadonlySet<string>, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, scope, out);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const node = value as Json;
  if (node.type === 'BASE_TABLE') {
    const table = String(node.table_name).toLowerCase();
    const schema = String(node.schema_name ?? '').toLowerCase();
    const catalog = String(node.catalog_name ?? '').toLowerCase();
    if (!schema && !catalog && scope.has(table)) return; // a CTE
    out.add([catalog || SESSION.catalog, schema || SESSION.schema, table].join('.'));
    return;
  }
  let inner = scope;
  const ctes = (node.cte_map as { map?: { key: string; value: { query: unknown } }[] } | undefined)?.map;
  if (ctes?.length) {
    const visible = new Set(scope);
    for (const cte of ctes) {
      walk(cte.value.query, visible, out); // earlier CTEs are visible, this one is not (but see RECURSIVE_CTE_NODE)
      visible.add(cte.key.toLowerCase());
    }
    inner = visible;
  }
  if (node.type === 'RECURSIVE_CTE_NODE') {
    walk(node.left, inner, out);
    walk(node.right, new Set([...inner, String(node.cte_name).toLowerCase()]), out);
    return;
  }
  for (const [key, v] of Object.entries(node)) if (key !== 'cte_map') walk(v, inner, out);
}

// ------------------------------------------------------------------ generated statements

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

interface Generated {
  /** What the client sends. */
  sql: string;
  /** What the engine runs (the prepared text with the parameters pasted in). */
  engine: string;
  prepared?: Record<string, string>;
}

const tableRef = fc
  .record({ table: fc.constantFrom(...TABLE_NAMES), qualifier: fc.constantFrom('', '', 'tiny.', 'tpch.tiny.'), alias: fc.constantFrom('none', 'alias', 'columns') })
  .map(({ table, qualifier, alias }) => {
    const name = `${qualifier}${table}`;
    if (alias === 'none') return name;
    if (alias === 'alias') return `${name} AS t_${table}`;
    return `${name} AS t_${table}(${TABLES[table]!.map((_, i) => `a${i}`).join(', ')})`;
  });

const column = fc.constantFrom(...ALL_COLUMNS, 'a0', 'a2', 'x', 'n');

/** One depth budget for the whole statement, so that statements stay a few hundred characters long. */
const depth = fc.createDepthIdentifier();
const nest = { depthSize: 'small', maxDepth: 4, depthIdentifier: depth } as const;

const { query, relation } = fc.letrec<{ query: string; select: string; expr: string; relation: string; withQuery: string }>((tie) => ({
  query: fc.oneof(nest, tie('select'), tie('withQuery'), fc.tuple(tie('select'), tie('select')).map(([a, b]) => `${a} UNION ALL ${b}`)),
  select: fc
    .record({ items: fc.array(fc.oneof(fc.constant('*'), column, tie('expr')), { minLength: 1, maxLength: 2 }), from: tie('relation'), where: fc.option(tie('expr'), { nil: undefined, freq: 3 }) })
    .map(({ items, from, where }) => `SELECT ${items.join(', ')} FROM ${from}${where ? ` WHERE (${where}) IS NOT NULL` : ''}`),
  relation: fc.oneof(
    nest,
    tableRef,
    fc.constantFrom(...CTE_NAMES),
    tie('query').map((q) => `(${q}) AS d`),
    tie('query').map((q) => `(${q}) AS d(c1)`),
    fc.tuple(tie('relation'), tie('relation')).map(([a, b]) => `${a} JOIN ${b} ON true`),
    fc.tuple(tie('relation'), tie('query')).map(([a, q]) => `${a} CROSS JOIN LATERAL (${q}) AS l`),
    tie('expr').map((e) => `UNNEST(ARRAY[${e}]) AS u(x)`),
  ),
  expr: fc.oneof(
    nest,
    fc.constantFrom('1', `'a'`, 'NULL'),
    column,
    tie('query').map((q) => `(${q})`),
    tie('relation').map((r) => `(SELECT count(*) FROM ${r})`),
    tie('query').map((q) => `EXISTS (${q})`),
    fc.tuple(column, tie('query')).map(([c, q]) => `${c} IN (${q})`),
    tie('expr').map((e) => `filter(ARRAY[1, 2], x -> x > 0 AND (${e}) IS NOT NULL)`),
    tie('expr').map((e) => `transform(ARRAY[1], x -> ${e})`),
    fc.tuple(column, tie('expr')).map(([c, e]) => `CASE WHEN ${c} IS NULL THEN ${e} END`),
  ),
  withQuery: fc
    .record({
      recursive: fc.boolean(),
      ctes: fc.array(
        fc.oneof(
          fc.tuple(fc.constantFrom(...CTE_NAMES), tie('query')).map(([name, q]) => `${name} AS (${q})`),
          fc.constantFrom(...TABLE_NAMES).map((t) => `${t} AS (SELECT * FROM ${t})`),
          fc.constant('r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3)'),
          fc.constantFrom(...TABLE_NAMES).map((t) => `${t}(c) AS (SELECT count(*) FROM ${t} UNION ALL SELECT c FROM ${t} WHERE false)`),
        ),
        { minLength: 1, maxLength: 2 },
      ),
      body: tie('select'),
    })
    .map(({ recursive, ctes, body }) => {
      const seen = new Set<string>();
      const unique = ctes.filter((c) => {
        const name = /^\w+/.exec(c)![0];
        if (seen.has(name)) return false;
        seen.add(name);
        return true;
      });
      return `WITH ${recursive || unique.some((c) => c.startsWith('r(')) ? 'RECURSIVE ' : ''}${unique.join(', ')} ${body}`;
    }),
}));

/** EXECUTE parameters: constants, subqueries and lambdas (Trino takes no column references there). */
const parameter = fc.oneof(
  fc.constantFrom('1', `'a'`, 'NULL'),
  query.map((q) => `(${q})`),
  relation.map((r) => `(SELECT count(*) FROM ${r})`),
  query.map((q) => `cardinality(transform(ARRAY[1], x -> (${q})))`),
);

const template = fc.oneof(fc.constant('SELECT ?'), tableRef.map((r) => `SELECT ? AS p FROM ${r}`), query.map((q) => `SELECT ? AS p FROM (${q}) AS q`));

const statement: fc.Arbitrary<Generated> = fc.oneof(
  { weight: 3, arbitrary: query.map((q) => ({ sql: q, engine: q })) },
  { weight: 2, arbitrary: fc.tuple(template, parameter).map(([t, e]) => ({ sql: `EXECUTE IMMEDIATE ${quote(t)} USING ${e}`, engine: t.replace('?', e) })) },
  { weight: 1, arbitrary: fc.tuple(template, parameter).map(([t, e]) => ({ sql: `EXECUTE p USING ${e}`, engine: t.replace('?', e), prepared: { p: t } })) },
);

// ------------------------------------------------------------------ the property

describe('DuckDB’s own parse reads no table the gateway’s analysis did not record', () => {
  it('the oracle resolves CTEs as DuckDB does', async () => {
    expect(await duckTables('WITH orders AS (SELECT * FROM orders) SELECT * FROM orders')).toEqual(new Set(['tpch.tiny.orders']));
    expect(await duckTables('WITH x AS (SELECT 1) SELECT * FROM x')).toEqual(new Set());
    expect(await duckTables('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r')).toEqual(new Set());
    expect(await duckTables('WITH RECURSIVE orders(c) AS (SELECT count(*) FROM orders UNION ALL SELECT c FROM orders) SELECT * FROM orders')).toEqual(new Set(['tpch.tiny.orders']));
    expect(await duckTables('WITH a AS (SELECT 1), b AS (SELECT * FROM a, tiny.nation) SELECT * FROM b, tpch.tiny.region')).toEqual(new Set(['tpch.tiny.nation', 'tpch.tiny.region']));
    expect(await duckTables(`SELECT transform(ARRAY[1], x -> (SELECT count(*) FROM supplier))`)).toEqual(new Set(['tpch.tiny.supplier']));
  });

  it('holds for generated statements', async () => {
    let generated = 0;
    let checked = 0;
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(statement, async (g) => {
        generated++;
        const analysis = analyze(g.sql, { ...SESSION, ...(g.prepared ? { preparedStatements: g.prepared } : {}) });
        if (!analysis.ok) return; // denied: nothing reaches the engine
        const engine = await duckTables(g.engine);
        if (!engine) return; // DuckDB cannot parse it: nothing runs
        checked++;
        const recorded = new Set([...analysis.tables, ...(analysis.indirectTables ?? [])].map((t) => t.name.toLowerCase()));
        const missed = [...engine].filter((t) => !recorded.has(t));
        expect(missed, `the engine would read ${missed.join(', ')} which the analysis did not record\n  statement: ${g.sql}${g.prepared ? `\n  prepared p: ${g.prepared.p}` : ''}\n  engine runs: ${g.engine}\n  recorded: ${[...recorded].join(', ') || '(none)'}`).toEqual([]);
      }),
      { numRuns: 200, seed: Number(process.env.SECURITY_SEED ?? 17), interruptAfterTimeLimit: 50_000 },
    );
    // The property means something only if many statements got through both parsers.
    expect(checked, `only ${checked} of ${generated} statements were accepted by both the analysis and DuckDB's parser`).toBeGreaterThanOrEqual(Math.min(50, generated / 4));
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);
});
