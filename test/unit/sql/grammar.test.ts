/**
 * The analysis against the grammar it walks, so that a grammar upgrade cannot open a hole:
 * - every context class of dt-sql-parser's Trino grammar that can hold a query, an expression, a
 *   column or a table, schema or catalog name (found from the classes' accessors) is one the walk
 *   knows, or one it refuses;
 * - the rules the walk does not descend into hold none of these;
 * - each such class has a statement below that puts a probe (the table `secret`, the column
 *   `probe`, the schema or catalog `secret`) under it, and the analysis reports the probe;
 * - a class the walk does not know makes the analysis fail.
 */
import { ParserRuleContext, type ParseTree } from 'antlr4ng';
import * as P from 'dt-sql-parser/dist/lib/trino/TrinoSqlParser.js';
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../../lambdas/core/ports/index.js';
import { analyze } from '../../../lambdas/core/sql/index.js';
import { AnalysisError } from '../../../lambdas/core/sql/names.js';
import { lex, parseTokens } from '../../../lambdas/core/sql/parser.js';
import { HANDLED_CONTEXTS, LEAF_RULES, REFUSED_CONTEXTS, SELECTIVE_CONTEXTS, Walker } from '../../../lambdas/core/sql/walker.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type ContextClass = Function & { name: string; prototype: ParserRuleContext };

const ruleNames = P.TrinoSqlParser.ruleNames;
const classes = (Object.values(P) as unknown[]).filter((v): v is ContextClass => typeof v === 'function' && v.prototype instanceof ParserRuleContext);
const ruleOf = (c: ContextClass) => ruleNames[c.prototype.ruleIndex]!;

/** The rules a context class holds: antlr4ng generates an accessor per rule (`type_` for `type`). */
const childRules = (c: ContextClass) =>
  Object.getOwnPropertyNames(c.prototype)
    .map((m) => m.replace(/_$/, ''))
    .filter((m) => ruleNames.includes(m));

/** What the analysis must see wherever it is. */
const NAME_RULES = ['tableRef', 'viewRef', 'tableNameCreate', 'viewNameCreate', 'tableOrViewName', 'schemaRef', 'schemaNameCreate', 'catalogRef', 'catalogNameCreate', 'columnName', 'columnRef'];
const SEEN = new Set([...NAME_RULES, 'query', 'expression']);

const holdingRules = new Set(SEEN);
for (let changed = true; changed; ) {
  changed = false;
  for (const c of classes) {
    if (!holdingRules.has(ruleOf(c)) && childRules(c).some((r) => holdingRules.has(r))) {
      holdingRules.add(ruleOf(c));
      changed = true;
    }
  }
}

/** Classes that hold a table or column name in a plain qualifiedName, which the rule graph does not show. */
const NAMES_IN_QUALIFIED_NAME: ContextClass[] = [P.GrantObjectContext, P.GroupingOperationContext];

const holding = [...new Set([...classes.filter((c) => childRules(c).some((r) => holdingRules.has(r)) || (NAME_RULES.includes(ruleOf(c)) && childRules(c).length > 0)), ...NAMES_IN_QUALIFIED_NAME])];

/** Entry rules of the grammar that the analysis never parses (it parses `singleStatement`). */
const ENTRY_POINTS = new Set<unknown>([P.ProgramContext, P.StatementsContext, P.StandaloneExpressionContext, P.StandaloneFunctionSpecificationContext]);

/**
 * Alternatives the parser never builds, an earlier one always matching: `coalesce(...)` parses as
 * a function call (COALESCE is a non-reserved word). The walk handles them all the same.
 */
const UNREACHABLE = new Map<unknown, string[]>([[P.CoalesceContext, ['SELECT coalesce(a, (SELECT max(v) FROM secret)) FROM t', 'SELECT COALESCE(a) FROM t']]]);

type Probe = 'table' | 'column' | 'schema' | 'catalog';

/** One statement per line: exactly one identifier `secret` or `probe` in it, and what must be reported. */
const EXAMPLES: [string, Probe?][] = [
  // statements
  ['SELECT * FROM secret'],
  ['ALTER TABLE secret ADD COLUMN c int'],
  ["ALTER TABLE t ADD COLUMN c int WITH (x = (SELECT max(v) FROM secret))"],
  ['ANALYZE secret'],
  ['ANALYZE t WITH (p = (SELECT max(v) FROM secret))'],
  ['CALL system.p(x => (SELECT max(v) FROM secret))'],
  ['CALL system.p((SELECT max(v) FROM secret))'],
  ["COMMENT ON COLUMN secret.c IS 'x'"],
  ["COMMENT ON TABLE secret IS 'x'"],
  ["COMMENT ON VIEW secret IS 'x'"],
  ['CREATE CATALOG secret USING hive', 'catalog'],
  ['CREATE CATALOG c USING hive WITH (x = (SELECT max(v) FROM secret))'],
  ['CREATE FUNCTION f() RETURNS bigint RETURN (SELECT count(*) FROM secret)'],
  ['CREATE MATERIALIZED VIEW secret AS SELECT 1'],
  ['CREATE MATERIALIZED VIEW mv AS SELECT * FROM secret'],
  ['CREATE ROLE r IN secret', 'catalog'],
  ['DROP ROLE r IN secret', 'catalog'],
  ['GRANT r TO USER u IN secret', 'catalog'],
  ['REVOKE r FROM USER u IN secret', 'catalog'],
  ['SET ROLE r IN secret', 'catalog'],
  ['SHOW ROLES FROM secret', 'catalog'],
  ['SHOW ROLE GRANTS FROM secret', 'catalog'],
  ['CREATE SCHEMA secret', 'schema'],
  ['CREATE SCHEMA s WITH (location = (SELECT max(v) FROM secret))'],
  ['CREATE TABLE secret AS SELECT 1'],
  ['CREATE TABLE n AS SELECT * FROM secret'],
  ['CREATE TABLE secret (a int)'],
  ['CREATE TABLE n (LIKE secret)'],
  ['CREATE TABLE n (a int WITH (x = (SELECT max(v) FROM secret)))'],
  ['CREATE VIEW secret AS SELECT 1'],
  ['CREATE VIEW v AS SELECT * FROM secret'],
  ['DELETE FROM secret'],
  ['DELETE FROM t WHERE probe = 1', 'column'],
  ['DROP CATALOG secret', 'catalog'],
  ['ALTER TABLE secret DROP COLUMN c'],
  ['DROP MATERIALIZED VIEW secret'],
  ['ALTER TABLE secret ALTER COLUMN c DROP NOT NULL'],
  ['DROP SCHEMA secret', 'schema'],
  ['DROP TABLE secret'],
  ['DROP VIEW secret'],
  ['EXECUTE p USING (SELECT max(v) FROM secret)'],
  ["EXECUTE IMMEDIATE 'SELECT ?' USING (SELECT max(v) FROM secret)"],
  ['EXPLAIN ANALYZE SELECT * FROM secret'],
  ['EXPLAIN (TYPE IO) SELECT * FROM secret'],
  ['INSERT INTO secret VALUES 1'],
  ['INSERT INTO t (probe) VALUES 1', 'column'],
  ['MERGE INTO secret USING s ON true WHEN MATCHED THEN DELETE'],
  ['MERGE INTO t USING s ON true WHEN MATCHED AND EXISTS (SELECT 1 FROM secret) THEN DELETE'],
  ['MERGE INTO t USING s ON true WHEN MATCHED THEN UPDATE SET v = (SELECT max(v) FROM secret)'],
  ['MERGE INTO t USING s ON true WHEN NOT MATCHED THEN INSERT (v) VALUES ((SELECT max(v) FROM secret))'],
  ['PREPARE p FROM SELECT * FROM secret'],
  ['REFRESH MATERIALIZED VIEW secret'],
  ['ALTER TABLE secret RENAME COLUMN a TO b'],
  ['ALTER MATERIALIZED VIEW secret RENAME TO x'],
  ['ALTER SCHEMA secret RENAME TO x', 'schema'],
  ['ALTER TABLE secret RENAME TO x'],
  ['ALTER VIEW secret RENAME TO x'],
  ['ALTER TABLE secret ALTER COLUMN c SET DATA TYPE bigint'],
  ['ALTER MATERIALIZED VIEW secret SET PROPERTIES x = 1'],
  ['ALTER MATERIALIZED VIEW v SET PROPERTIES x = (SELECT max(v) FROM secret)'],
  ['ALTER SCHEMA secret SET AUTHORIZATION u', 'schema'],
  ['SET SESSION x = (SELECT max(v) FROM secret)'],
  ['ALTER TABLE secret SET AUTHORIZATION u'],
  ['ALTER TABLE secret SET PROPERTIES x = 1'],
  ['SET TIME ZONE (SELECT max(v) FROM secret)'],
  ['ALTER VIEW secret SET AUTHORIZATION u'],
  ['SHOW COLUMNS FROM secret'],
  ['DESCRIBE secret'],
  ['SHOW CREATE MATERIALIZED VIEW secret'],
  ['SHOW CREATE SCHEMA secret', 'schema'],
  ['SHOW CREATE TABLE secret'],
  ['SHOW CREATE VIEW secret'],
  ['SHOW FUNCTIONS FROM secret', 'schema'],
  ['SHOW SCHEMAS FROM secret', 'catalog'],
  ['SHOW STATS FOR secret'],
  ['SHOW STATS FOR (SELECT * FROM secret)'],
  ['SHOW TABLES FROM secret', 'schema'],
  ['ALTER TABLE secret EXECUTE optimize'],
  ['ALTER TABLE t EXECUTE optimize(x => (SELECT max(v) FROM secret))'],
  ['ALTER TABLE t EXECUTE optimize WHERE probe = 1', 'column'],
  ['TRUNCATE TABLE secret'],
  ['UPDATE secret SET a = 1'],
  ['UPDATE t SET a = (SELECT max(v) FROM secret)'],
  ['USE secret', 'schema'],
  ['GRANT SELECT ON secret TO USER u'],
  // boolean expressions and predicates
  ['SELECT 1 FROM t WHERE a AND EXISTS (SELECT 1 FROM secret)'],
  ['SELECT 1 FROM t WHERE a OR EXISTS (SELECT 1 FROM secret)'],
  ['SELECT 1 FROM t WHERE NOT EXISTS (SELECT 1 FROM secret)'],
  ['SELECT 1 FROM t WHERE a BETWEEN 1 AND (SELECT max(v) FROM secret)'],
  ['SELECT 1 FROM t WHERE a = (SELECT max(v) FROM secret)'],
  ['SELECT 1 FROM t WHERE a IS DISTINCT FROM (SELECT max(v) FROM secret)'],
  ['SELECT 1 FROM t WHERE a IN (1, (SELECT max(v) FROM secret))'],
  ['SELECT 1 FROM t WHERE a IN (SELECT v FROM secret)'],
  ['SELECT 1 FROM t WHERE a LIKE (SELECT max(v) FROM secret)'],
  ['SELECT 1 FROM t WHERE a = ANY (SELECT v FROM secret)'],
  // value and primary expressions
  ['SELECT 1 + (SELECT max(v) FROM secret)'],
  ['SELECT -(SELECT max(v) FROM secret)'],
  ["SELECT (SELECT max(v) FROM secret) AT TIME ZONE 'UTC'"],
  ["SELECT 'a' || (SELECT max(v) FROM secret)"],
  ['SELECT ARRAY[(SELECT max(v) FROM secret)]'],
  ['SELECT CAST((SELECT max(v) FROM secret) AS varchar)'],
  ['SELECT probe FROM t', 'column'],
  ['SELECT t.probe FROM t', 'column'],
  ['SELECT f(probe).x FROM t', 'column'],
  ['SELECT extract(year FROM (SELECT max(v) FROM secret))'],
  ['SELECT f((SELECT max(v) FROM secret))'],
  ["SELECT json_array((SELECT max(v) FROM secret))"],
  ["SELECT json_exists((SELECT max(v) FROM secret), 'lax $')"],
  ["SELECT json_object('k' VALUE (SELECT max(v) FROM secret))"],
  ["SELECT json_object(KEY 'k' VALUE (SELECT max(v) FROM secret))"],
  ["SELECT json_query(doc, 'lax $.a ? (@ == $p)' PASSING (SELECT max(v) FROM secret) AS p) FROM t"],
  ["SELECT json_value(doc, 'lax $.a' DEFAULT (SELECT max(v) FROM secret) ON EMPTY) FROM t"],
  ['SELECT transform(arr, x -> x + probe) FROM t', 'column'],
  ["SELECT listagg((SELECT max(v) FROM secret), ',') WITHIN GROUP (ORDER BY a) FROM t"],
  ['SELECT m OVER (ORDER BY a MEASURES A.probe AS m ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING PATTERN (A+) DEFINE A AS true) FROM t', 'column'],
  ['SELECT normalize((SELECT max(v) FROM secret))'],
  ['SELECT (1 + (SELECT max(v) FROM secret))'],
  ["SELECT position('a' IN (SELECT max(v) FROM secret))"],
  ['SELECT ROW((SELECT max(v) FROM secret), 1)'],
  ['SELECT CASE WHEN a THEN (SELECT max(v) FROM secret) END FROM t'],
  ['SELECT CASE a WHEN 1 THEN (SELECT max(v) FROM secret) END FROM t'],
  ['SELECT arr[(SELECT max(v) FROM secret)] FROM t'],
  ['SELECT substring((SELECT max(v) FROM secret) FROM 2)'],
  ['SELECT trim((SELECT max(v) FROM secret))'],
  ['SELECT (SELECT max(v) FROM secret).*'],
  ['SELECT GROUPING(probe) FROM t GROUP BY ROLLUP (a)', 'column'],
  ['SELECT count(*) FILTER (WHERE probe > 0) FROM t', 'column'],
  // SQL routines
  ['WITH FUNCTION f() RETURNS bigint BEGIN DECLARE x bigint; SET x = (SELECT max(v) FROM secret); RETURN x; END SELECT f()'],
  ['WITH FUNCTION f() RETURNS bigint BEGIN DECLARE x bigint DEFAULT (SELECT max(v) FROM secret); RETURN x; END SELECT f()'],
  ['WITH FUNCTION f() RETURNS bigint BEGIN IF a THEN RETURN 1; ELSEIF EXISTS (SELECT 1 FROM secret) THEN RETURN 2; END IF; RETURN 3; END SELECT f()'],
  ['WITH FUNCTION f() RETURNS bigint BEGIN IF a THEN RETURN 1; ELSE RETURN (SELECT max(v) FROM secret); END IF; END SELECT f()'],
  ['WITH FUNCTION f() RETURNS bigint BEGIN l: LOOP RETURN (SELECT max(v) FROM secret); END LOOP; END SELECT f()'],
  ['WITH FUNCTION f() RETURNS bigint BEGIN REPEAT RETURN 1; UNTIL EXISTS (SELECT 1 FROM secret) END REPEAT; END SELECT f()'],
  ['WITH FUNCTION f() RETURNS bigint BEGIN WHILE EXISTS (SELECT 1 FROM secret) DO RETURN 1; END WHILE; END SELECT f()'],
  ['WITH FUNCTION f() RETURNS bigint BEGIN CASE WHEN a THEN RETURN (SELECT max(v) FROM secret); END CASE; END SELECT f()'],
  ['WITH FUNCTION f() RETURNS bigint BEGIN CASE a WHEN 1 THEN RETURN (SELECT max(v) FROM secret); END CASE; END SELECT f()'],
  // windows, grouping, ordering
  ['SELECT rank() OVER (PARTITION BY (SELECT max(v) FROM secret)) FROM t'],
  ['SELECT sum(a) OVER (ORDER BY a ROWS (SELECT max(v) FROM secret) PRECEDING) FROM t'],
  ['SELECT rank() OVER w FROM t WINDOW w AS (ORDER BY probe)', 'column'],
  ['SELECT a FROM t ORDER BY probe', 'column'],
  ['SELECT a FROM t GROUP BY probe', 'column'],
  ['SELECT a FROM t GROUP BY CUBE (probe)', 'column'],
  ['SELECT a FROM t GROUP BY ROLLUP (probe)', 'column'],
  ['SELECT a FROM t GROUP BY GROUPING SETS ((probe), ())', 'column'],
  ['SELECT a FROM t GROUP BY a HAVING max(probe) > 1', 'column'],
  // queries
  ['WITH x AS (SELECT * FROM secret) SELECT * FROM x'],
  ['VALUES ((SELECT max(v) FROM secret))'],
  ['SELECT 1 UNION (SELECT 1 FROM secret)'],
  ['SELECT 1 UNION SELECT 1 FROM secret'],
  ['TABLE secret'],
  // relations
  ['SELECT * FROM (secret)'],
  ['SELECT * FROM t JOIN u ON t.probe = u.k', 'column'],
  ['SELECT * FROM t JOIN secret ON true'],
  ['SELECT * FROM t JOIN u ON EXISTS (SELECT 1 FROM secret)'],
  ['SELECT * FROM t CROSS JOIN secret'],
  ['SELECT * FROM t NATURAL JOIN secret'],
  ['SELECT * FROM t JOIN u USING (probe)', 'column'],
  ['SELECT * FROM t FOR VERSION AS OF (SELECT max(v) FROM secret)'],
  ['SELECT * FROM t TABLESAMPLE BERNOULLI ((SELECT max(v) FROM secret))'],
  ["SELECT * FROM JSON_TABLE((SELECT max(v) FROM secret), 'lax $' COLUMNS (id int PATH 'lax $.id'))"],
  ["SELECT * FROM JSON_TABLE(doc, 'lax $' COLUMNS (NESTED PATH 'lax $.a' COLUMNS (v int PATH 'lax $.v' DEFAULT (SELECT max(v) FROM secret) ON EMPTY)))"],
  ['SELECT * FROM t, LATERAL (SELECT * FROM secret)'],
  ['SELECT * FROM (SELECT * FROM secret) s'],
  ['SELECT * FROM UNNEST((SELECT max(v) FROM secret))'],
  ['SELECT * FROM TABLE(exclude_columns(input => TABLE(secret), columns => DESCRIPTOR(a)))'],
  ['SELECT * FROM TABLE(exclude_columns(input => TABLE(SELECT * FROM secret), columns => DESCRIPTOR(a)))'],
  ['SELECT * FROM TABLE(f(input => TABLE(t) PARTITION BY probe))', 'column'],
  ['SELECT * FROM TABLE(f(x => (SELECT max(v) FROM secret)))'],
  ['SELECT * FROM t MATCH_RECOGNIZE (PARTITION BY probe ORDER BY b PATTERN (A) DEFINE A AS true)', 'column'],
  ['SELECT * FROM t MATCH_RECOGNIZE (ORDER BY b MEASURES A.probe AS p PATTERN (A) DEFINE A AS true)', 'column'],
  ['SELECT * FROM t MATCH_RECOGNIZE (ORDER BY b PATTERN (A) DEFINE A AS A.probe > 0)', 'column'],
];

/** Statements the analysis refuses: dt-sql-parser's own, not Trino SQL. */
const REFUSED: string[] = ['SHOW COMMENT ON TABLE secret', 'SHOW COMMENT ON COLUMN secret.c'];

function parse(sql: string): P.SingleStatementContext {
  const parsed = parseTokens(lex(sql).stream);
  if (!parsed.ok) throw new Error(`${sql}: ${parsed.problem.message}`);
  return parsed.statement;
}

/** The context classes above each probe identifier. */
function probes(tree: ParseTree): { name: string; ancestors: Set<unknown> }[] {
  const out: { name: string; ancestors: Set<unknown> }[] = [];
  const visit = (node: ParseTree, path: unknown[]) => {
    if (!(node instanceof ParserRuleContext)) return;
    if (node instanceof P.IdentifierContext) {
      const name = node.getText().toLowerCase();
      if (name === 'secret' || name === 'probe') out.push({ name, ancestors: new Set(path) });
      return;
    }
    for (const child of node.children ?? []) visit(child, [...path, node.constructor]);
  };
  visit(tree, []);
  return out;
}

function reports(a: Analysis, probe: Probe): boolean {
  switch (probe) {
    case 'table':
      return [...a.tables, ...(a.indirectTables ?? [])].some((t) => t.parts[t.parts.length - 1] === 'secret');
    case 'column':
      return a.tables.some((t) => t.columns?.includes('probe') || t.writtenColumns?.includes('probe'));
    case 'schema':
      return (a.schemas ?? []).some((s) => s.parts[s.parts.length - 1] === 'secret');
    case 'catalog':
      return (a.catalogs ?? []).some((c) => c.name === 'secret');
  }
}

describe('the walk against the grammar', () => {
  it('finds the classes that hold queries, expressions and names', () => {
    expect(classes.length).toBeGreaterThan(300);
    expect(holding.length).toBeGreaterThan(200);
    expect(holding).toContain(P.SubqueryExpressionContext);
    expect(holding).toContain(P.TableRefContext);
    expect(holding).not.toContain(P.NullLiteralContext);
  });

  it('knows every class that can hold a query, an expression or a name, or refuses it', () => {
    const unknown = holding.filter((c) => !HANDLED_CONTEXTS.has(c) && !REFUSED_CONTEXTS.has(c) && !ENTRY_POINTS.has(c)).map((c) => c.name);
    expect(unknown).toEqual([]);
  });

  it('knows the children of each class whose children it picks one by one', () => {
    // A new child rule in one of these (a new clause of SELECT, a new part of a join...) would be
    // skipped silently by its handler: review the handler in walker.ts, then update the snapshot.
    const rules = Object.fromEntries(
      classes
        .filter((c) => SELECTIVE_CONTEXTS.has(c))
        .map((c) => [c.name, childRules(c).sort().join(' ')] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    expect(Object.keys(rules).length).toBe(SELECTIVE_CONTEXTS.size);
    expect(rules).toMatchSnapshot();
  });

  it('does not descend into rules that hold nothing of that kind', () => {
    const leaky = classes.filter((c) => LEAF_RULES.has(c.prototype.ruleIndex) && (childRules(c).some((r) => holdingRules.has(r)) || NAMES_IN_QUALIFIED_NAME.includes(c))).map((c) => c.name);
    expect(leaky).toEqual([]);
    for (const rule of ['query', 'expression', 'tableRef', 'columnName', 'relation', 'booleanExpression']) expect(LEAF_RULES.has(ruleNames.indexOf(rule))).toBe(false);
  });

  it.each(EXAMPLES)('reports the probe in %s', (sql, probe = 'table') => {
    const found = probes(parse(sql));
    expect(found.length, 'one probe per example').toBe(1);
    const a = analyze(sql, { catalog: 'hive', schema: 'hr', preparedStatements: { p: 'SELECT ?' } });
    expect(a.error).toBeUndefined();
    expect(reports(a, probe), JSON.stringify(a)).toBe(true);
  });

  it.each(REFUSED)('refuses %s', (sql) => {
    expect(probes(parse(sql)).length).toBe(1);
    expect(analyze(sql).ok).toBe(false);
  });

  it('has an example under every class that can hold a query, an expression or a name', () => {
    const covered = new Set<unknown>();
    for (const [sql] of EXAMPLES) for (const p of probes(parse(sql))) for (const c of p.ancestors) covered.add(c);
    const refused = new Set<unknown>();
    for (const sql of REFUSED) for (const p of probes(parse(sql))) for (const c of p.ancestors) refused.add(c);
    const missing = holding.filter((c) => !ENTRY_POINTS.has(c) && !UNREACHABLE.has(c) && !covered.has(c) && !(REFUSED_CONTEXTS.has(c) && refused.has(c))).map((c) => c.name);
    expect(missing).toEqual([]);
  });

  it('never builds the alternatives taken for unreachable, and handles them anyway', () => {
    for (const [c, sqls] of UNREACHABLE) {
      expect(HANDLED_CONTEXTS.has(c)).toBe(true);
      for (const sql of sqls) {
        const found: unknown[] = [];
        const visit = (node: ParseTree) => {
          if (!(node instanceof ParserRuleContext)) return;
          found.push(node.constructor);
          for (const child of node.children ?? []) visit(child);
        };
        visit(parse(sql));
        expect(found).not.toContain(c);
        expect(found).toContain(P.FunctionCallContext);
      }
    }
    expect(analyze('SELECT coalesce(a, (SELECT max(v) FROM secret)) FROM t').tables.map((t) => t.name)).toEqual(['t', 'secret']);
  });
});

describe('a class the walk does not know', () => {
  const host = { session: {}, branches: new Map<string, string>(), nested: () => ({ ok: true, kind: 'select', tables: [] }) };

  /** Parses `sql` and swaps the first node of class `target` for an instance of a new subclass of `base`. */
  function withUnknown(sql: string, target: ContextClass, base: typeof P.PrimaryExpressionContext | typeof P.RelationPrimaryContext | typeof P.StatementContext): P.SingleStatementContext {
    const tree = parse(sql);
    const find = (node: ParseTree): ParserRuleContext | undefined => {
      if (!(node instanceof ParserRuleContext)) return undefined;
      if (node instanceof target) return node;
      for (const child of node.children ?? []) {
        const hit = find(child);
        if (hit) return hit;
      }
      return undefined;
    };
    const old = find(tree) as ParserRuleContext;
    // A labeled alternative a later grammar might add.
    const Unknown = class extends (base as typeof P.PrimaryExpressionContext) {};
    const replacement = new Unknown(old.parent as ParserRuleContext, old.invokingState);
    replacement.copyFrom(old);
    const siblings = old.parent!.children!;
    siblings[siblings.indexOf(old)] = replacement;
    return tree;
  }

  it.each([
    ['an expression', 'SELECT (SELECT x FROM secret) FROM t', P.SubqueryExpressionContext, P.PrimaryExpressionContext],
    ['a relation', 'SELECT * FROM (SELECT x FROM secret) s', P.ExpressionSourceTableContext, P.RelationPrimaryContext],
    ['a statement', 'SELECT x FROM secret', P.StatementDefaultContext, P.StatementContext],
  ] as const)('fails the analysis: %s', (_name, sql, target, base) => {
    const tree = withUnknown(sql, target as unknown as ContextClass, base);
    expect(() => new Walker(host).statement(tree.statement())).toThrow(AnalysisError);
  });
});
