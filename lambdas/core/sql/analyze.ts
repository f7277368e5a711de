/**
 * `analyze(sql, session)`: what a statement reads and writes, for access control and routing.
 *
 * Pipeline: lex with the Trino grammar's lexer; refuse several statements and what is nested too
 * deeply; handle the few statements the grammar does not have (branches, Athena's UNLOAD); rewrite
 * recent syntax the grammar does not know (rewrite.ts); collapse long lists of literals; parse;
 * walk the tree (walker.ts). Whatever cannot be analyzed gives `ok: false` with the reason: the
 * analysis never guesses and never throws. `problem` tells the client why when the statement does
 * not parse (syntax, at Trino's position) or is too large for the bounds of limits.ts.
 */
import type { Token } from 'antlr4ng';
import type { Analysis, AnalysisProblem, Analyzer, TableAccess } from '../ports/index.js';
import { endBudget, MAX_NESTING, MAX_SQL_LENGTH, MAX_TOKENS, startBudget, tooComplex } from './limits.js';
import { AnalysisError, identifierPart } from './names.js';
import { collapseLiteralLists, lex, parseTokens, TrinoSqlLexer as L, type SyntaxProblem } from './parser.js';
import { closing, isNameToken, rewrite } from './rewrite.js';
import { Walker, type NestedAnalysis, type TableEntry } from './walker.js';

export { MAX_NESTING };

export interface AnalysisSession {
  catalog?: string | undefined;
  schema?: string | undefined;
  /** The client's prepared statements (X-Trino-Prepared-Statement), by name. */
  preparedStatements?: Record<string, string> | undefined;
  /**
   * The columns of a table in their order, when the gateway knows them (`parts` qualified and
   * lower-cased): they map positional column aliases, `FROM t AS x(a, b)`, back to the table's
   * own columns. Without them such a relation counts as reading every column.
   */
  columnsOf?(parts: string[]): string[] | undefined;
}

/** EXECUTE IMMEDIATE inside a prepared statement inside...: a bound against loops. */
const MAX_DEPTH = 8;

export function analyze(sql: string, session: AnalysisSession = {}): Analysis {
  startBudget();
  try {
    return run(sql, session, 0);
  } finally {
    endBudget();
  }
}

/** The `Analyzer` port. */
export const trinoAnalyzer: Analyzer = { analyze: (sql, session) => analyze(sql, session) };

function failure(error: string, problem?: AnalysisProblem): Analysis {
  return { ok: false, kind: 'unknown', tables: [], error, ...(problem ? { problem } : {}) };
}

/** A statement that does not parse: Trino's "line L:C: message", and the position for the client. */
function syntax(p: SyntaxProblem): Analysis {
  return failure(`line ${p.line}:${p.column}: ${p.message}`, { kind: 'syntax', message: p.message, line: p.line, column: p.column });
}

function complex(message: string): Analysis {
  return failure(message, { kind: 'too-complex', message });
}

function run(sql: string, session: AnalysisSession, depth: number): Analysis {
  try {
    if (depth > MAX_DEPTH) return complex('statements are nested too deeply');
    return analyzeOne(sql, session, depth);
  } catch (error) {
    if (error instanceof AnalysisError) return failure(error.message, error.problem);
    // Stack overflow, or an array or string past V8's limits: the statement is too large, and no
    // internal message goes out.
    if (error instanceof RangeError) return complex('the statement is too large or too deeply nested to be analyzed');
    return failure(`the analyzer failed (${(error as Error)?.name ?? 'unknown error'})`);
  }
}

function defaultTokens(all: Token[]): Token[] {
  return all.filter((t) => t.channel === 0 && t.type !== -1);
}

/**
 * The first token past MAX_NESTING levels of what the parser nests: brackets, CASE ... END,
 * BEGIN ... END, and lambda arrows (`x -> y -> ...` nests without brackets; the lambdas end at the
 * next comma or closing bracket of their level).
 */
function nestingDepthExceeded(tokens: Token[]): Token | undefined {
  const arrows: number[] = [0];
  let nesting = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const text = t.text;
    if (text === '(' || text === '[' || text === '->' || t.type === L.KW_BEGIN || (t.type === L.KW_CASE && tokens[i - 1]?.type !== L.KW_END)) {
      if (text === '(' || text === '[') arrows.push(0);
      else if (text === '->' && ++arrows[arrows.length - 1]! > 1) {
        // `x -> y -> ...`: a lambda whose body is a lambda, which no engine accepts and whose
        // prediction costs ANTLR seconds at a few dozen levels.
        throw new AnalysisError(`line ${t.line}:${t.column + 1}: a lambda expression is only analyzed as an argument of a function`);
      }
      if (++nesting > MAX_NESTING) return t;
    } else if (text === ')' || text === ']') {
      nesting = Math.max(0, nesting - 1 - (arrows.pop() ?? 0));
      if (!arrows.length) arrows.push(0);
    } else if (text === ',') {
      nesting = Math.max(0, nesting - arrows[arrows.length - 1]!);
      arrows[arrows.length - 1] = 0;
    } else if (t.type === L.KW_END && !END_OF_LOOP.has(tokens[i + 1]?.type ?? -2)) nesting = Math.max(0, nesting - 1);
  }
  return undefined;
}

/** `END IF`, `END WHILE`...: these close statements that were not counted as opening. */
const END_OF_LOOP = new Set([L.KW_IF, L.KW_WHILE, L.KW_LOOP, L.KW_REPEAT, L.KW_FOR]);

function analyzeOne(sql: string, session: AnalysisSession, depth: number): Analysis {
  if (sql.length > MAX_SQL_LENGTH) return complex(`the statement is too long: ${sql.length} characters, at most ${MAX_SQL_LENGTH}`);
  let { stream, problem } = lex(sql);
  if (problem) return syntax(problem);
  const all = stream.getTokens();
  const tokens = defaultTokens(all);
  if (tokens[tokens.length - 1]?.type === L.SEMICOLON) tokens.pop();
  if (tokens.length === 0) {
    const end = all[all.length - 1]!;
    return syntax({ line: end.line, column: end.column + 1, message: 'the statement is empty' });
  }
  const deep = nestingDepthExceeded(tokens);
  if (deep) return complex(`line ${deep.line}:${deep.column + 1}: brackets, CASE expressions or lambdas are nested more than ${MAX_NESTING} levels deep`);
  // A semicolon before the end separates statements, except inside a SQL routine's BEGIN ... END,
  // which the grammar parses; whether the text is one statement is the parser's call.
  const semicolon = tokens.find((t) => t.type === L.SEMICOLON);
  const MANY = 'only one statement can be analyzed at a time';
  const manyAt = (t: Token): Analysis => failure(MANY, { kind: 'syntax', message: MANY, line: t.line, column: t.column + 1 });

  const host = {
    session,
    branches: new Map<string, string>(),
    nested: (inner: string): NestedAnalysis => run(inner, session, depth + 1),
  };
  let extended: Analysis | undefined;
  try {
    extended = extension(sql, tokens, host, depth);
  } catch (error) {
    if (semicolon && error instanceof AnalysisError) return manyAt(semicolon);
    throw error;
  }
  if (extended) return semicolon ? manyAt(semicolon) : extended;

  const rewritten = rewrite(sql, tokens);
  host.branches = rewritten.branches;
  if (rewritten.changed) {
    ({ stream, problem } = lex(rewritten.sql));
    if (problem) return syntax(problem);
  }
  const visible = collapseLiteralLists(stream);
  if (visible > MAX_TOKENS) throw tooComplex(`the statement is too large: ${visible} tokens, at most ${MAX_TOKENS}`);
  const parsed = parseTokens(stream);
  if (!parsed.ok) {
    const p = parsed.problem;
    if (!semicolon) return syntax(p);
    // Past the semicolon, the error is the second statement: reported at the semicolon, as Trino does.
    const after = p.line > semicolon.line || (p.line === semicolon.line && p.column > semicolon.column + 1);
    const problem: AnalysisProblem = after ? { kind: 'syntax', message: MANY, line: semicolon.line, column: semicolon.column + 1 } : { kind: 'syntax', message: p.message, line: p.line, column: p.column };
    return failure(`${MANY} (line ${p.line}:${p.column}: ${p.message})`, problem);
  }
  const walker = new Walker(host);
  walker.statement(parsed.statement.statement());
  if (rewritten.sessionValues.length) walker.merge(run(`SELECT ${rewritten.sessionValues.join(', ')}`, session, depth + 1));
  return result(walker);
}

function tableAccess(e: TableEntry): TableAccess {
  return {
    name: e.name,
    parts: e.parts,
    access: e.access,
    columns: [...e.columns].sort(),
    ...(e.allColumns ? { allColumns: true } : {}),
    operations: [...e.operations],
    ...(e.written.size ? { writtenColumns: [...e.written].sort() } : {}),
    ...(e.renamedTo !== undefined ? { renamedTo: e.renamedTo } : {}),
    ...(e.renamedFrom !== undefined ? { renamedFrom: e.renamedFrom } : {}),
    ...(e.branch !== undefined ? { branch: e.branch } : {}),
  };
}

function result(w: Walker): Analysis {
  const out: Analysis = { ok: true, kind: w.kind, statement: w.statementName, tables: [...w.tables.values()].map(tableAccess) };
  if (w.schemas.size) out.schemas = [...w.schemas.values()];
  if (w.catalogs.size) out.catalogs = [...w.catalogs.values()];
  if (w.routines.size) out.routines = [...w.routines.values()];
  if (w.indirect.size) out.indirectTables = [...w.indirect.values()].map(tableAccess);
  if (w.unresolved.length) out.unresolved = [...w.unresolved];
  if (w.impersonate !== undefined) out.impersonate = w.impersonate;
  return out;
}

// ------------------------------------------------------------------------ statements the grammar lacks

function upper(t: Token | undefined): string {
  return t && (t.type === L.IDENTIFIER || (L.symbolicNames[t.type] ?? '').startsWith('KW_')) ? (t.text ?? '').toUpperCase() : '';
}

/** Reads `a.b.c` at index i. */
function qualifiedName(tokens: Token[], i: number): { parts: string[]; next: number } {
  const parts: string[] = [];
  if (!isNameToken(tokens[i])) throw new AnalysisError('a name is expected');
  parts.push(identifierPart(tokens[i]!));
  i++;
  while (tokens[i]?.text === '.' && isNameToken(tokens[i + 1])) {
    parts.push(identifierPart(tokens[i + 1]!));
    i += 2;
  }
  return { parts, next: i };
}

function expectEnd(tokens: Token[], i: number, what: string): void {
  if (i < tokens.length) throw new AnalysisError(`unexpected '${tokens[i]!.text}' in ${what}`);
}

/**
 * Statements outside dt-sql-parser's grammar, recognized token by token: SHOW BRANCHES, CREATE,
 * DROP and ALTER BRANCH (Trino), UNLOAD, OPTIMIZE and VACUUM (Athena); also behind EXPLAIN or
 * PREPARE ... FROM.
 */
function extension(sql: string, tokens: Token[], host: ConstructorParameters<typeof Walker>[0], depth: number): Analysis | undefined {
  let i = 0;
  let outer: { kind: string; statement: string } | undefined;
  for (;;) {
    if (tokens[i]?.type === L.KW_EXPLAIN) {
      outer ??= { kind: 'explain', statement: 'explain' };
      i++;
      if (tokens[i]?.type === L.KW_ANALYZE) {
        outer = { kind: 'explain', statement: 'explainAnalyze' };
        i++;
        if (tokens[i]?.type === L.KW_VERBOSE) i++;
      } else if (tokens[i]?.text === '(') {
        const end = closing(tokens, i);
        if (end < 0) return undefined;
        i = end + 1;
      }
    } else if (tokens[i]?.type === L.KW_PREPARE && isNameToken(tokens[i + 1]) && tokens[i + 2]?.type === L.KW_FROM) {
      outer ??= { kind: 'other', statement: 'prepare' };
      i += 3;
    } else break;
  }
  const first = upper(tokens[i]);
  const second = upper(tokens[i + 1]);
  const w = new Walker(host);
  const finish = (kind: string, statement: string): Analysis => {
    w.kind = outer?.kind ?? kind;
    w.statementName = outer?.statement ?? statement;
    return result(w);
  };
  if (first === 'SHOW' && second === 'BRANCHES') {
    if (![L.KW_IN, L.KW_FROM].includes(tokens[i + 2]?.type ?? 0) || tokens[i + 3]?.type !== L.KW_TABLE) throw new AnalysisError('SHOW BRANCHES expects IN TABLE name');
    const { parts, next } = qualifiedName(tokens, i + 4);
    expectEnd(tokens, next, 'SHOW BRANCHES');
    w.addTable(parts, 'read', 'showBranches');
    return finish('show', 'showBranches');
  }
  if ((first === 'CREATE' || first === 'DROP' || first === 'ALTER') && (second === 'BRANCH' || (first === 'CREATE' && second === 'OR' && upper(tokens[i + 2]) === 'REPLACE' && upper(tokens[i + 3]) === 'BRANCH'))) {
    let j = i + (second === 'OR' ? 4 : 2);
    if (first === 'CREATE' && upper(tokens[j]) === 'OR' && upper(tokens[j + 1]) === 'REPLACE') j += 2;
    if (first === 'CREATE' && upper(tokens[j]) === 'IF' && upper(tokens[j + 1]) === 'NOT' && upper(tokens[j + 2]) === 'EXISTS') j += 3;
    if (first === 'DROP' && upper(tokens[j]) === 'IF' && upper(tokens[j + 1]) === 'EXISTS') j += 2;
    if (!isNameToken(tokens[j])) throw new AnalysisError(`${first} BRANCH expects a branch name`);
    j++;
    if (first === 'CREATE' && tokens[j]?.type === L.KW_WITH && tokens[j + 1]?.text === '(') {
      const end = closing(tokens, j + 1);
      if (end < 0 || tokens.slice(j, end).some((t) => [L.KW_SELECT, L.KW_FROM, L.KW_TABLE].includes(t.type))) throw new AnalysisError('CREATE BRANCH: properties must be constants');
      j = end + 1;
    }
    if (tokens[j]?.type !== L.KW_IN || tokens[j + 1]?.type !== L.KW_TABLE) throw new AnalysisError(`${first} BRANCH expects IN TABLE name`);
    const { parts, next } = qualifiedName(tokens, j + 2);
    let k = next;
    if (first === 'CREATE' && tokens[k]?.type === L.KW_FROM && isNameToken(tokens[k + 1])) k += 2;
    if (first === 'ALTER') {
      if (upper(tokens[k]) !== 'FAST' || upper(tokens[k + 1]) !== 'FORWARD' || tokens[k + 2]?.type !== L.KW_TO || !isNameToken(tokens[k + 3])) throw new AnalysisError('ALTER BRANCH expects FAST FORWARD TO branch');
      k += 4;
    }
    expectEnd(tokens, k, `${first} BRANCH`);
    const op = first === 'CREATE' ? 'createBranch' : first === 'DROP' ? 'dropBranch' : 'alterBranch';
    w.addTable(parts, 'write', op);
    return finish('other', op);
  }
  if ((first === 'OPTIMIZE' || first === 'VACUUM') && isNameToken(tokens[i + 1])) {
    // Athena's Iceberg maintenance: OPTIMIZE t REWRITE DATA USING BIN_PACK [WHERE p]; VACUUM t.
    const { next } = qualifiedName(tokens, i + 1);
    const name = sql.slice(tokens[i + 1]!.start, tokens[next - 1]!.stop + 1);
    let text: string;
    if (first === 'VACUUM') {
      expectEnd(tokens, next, 'VACUUM');
      text = `ALTER TABLE ${name} EXECUTE vacuum`;
    } else {
      if (upper(tokens[next]) !== 'REWRITE' || upper(tokens[next + 1]) !== 'DATA' || tokens[next + 2]?.type !== L.KW_USING || upper(tokens[next + 3]) !== 'BIN_PACK') throw new AnalysisError('OPTIMIZE expects REWRITE DATA USING BIN_PACK');
      const where = tokens[next + 4];
      if (where && where.type !== L.KW_WHERE) throw new AnalysisError(`unexpected '${where.text}' in OPTIMIZE`);
      text = `ALTER TABLE ${name} EXECUTE optimize${where ? ` ${sql.slice(where.start, tokens[tokens.length - 1]!.stop + 1)}` : ''}`;
    }
    const inner = run(text, host.session, depth + 1);
    w.merge(inner);
    return finish('other', first === 'VACUUM' ? 'vacuum' : 'optimize');
  }
  if (first === 'UNLOAD' && tokens[i + 1]?.text === '(') {
    const end = closing(tokens, i + 1);
    if (end < 0 || end === i + 2) throw new AnalysisError('UNLOAD expects (query)');
    const inner = run(sql.slice(tokens[i + 2]!.start, tokens[end - 1]!.stop + 1), host.session, depth + 1);
    if (inner.ok && inner.kind !== 'select' && inner.kind !== 'values') throw new AnalysisError('UNLOAD expects a query');
    w.merge(inner);
    if (tokens[end + 1]?.type !== L.KW_TO || tokens[end + 2]?.type !== L.STRING) throw new AnalysisError("UNLOAD expects TO 's3://...'");
    let k = end + 3;
    if (tokens[k]?.type === L.KW_WITH && tokens[k + 1]?.text === '(') {
      const close = closing(tokens, k + 1);
      if (close < 0 || tokens.slice(k, close).some((t) => [L.KW_SELECT, L.KW_FROM, L.KW_TABLE].includes(t.type))) throw new AnalysisError('UNLOAD: properties must be constants');
      k = close + 1;
    }
    expectEnd(tokens, k, 'UNLOAD');
    return finish('other', 'unload');
  }
  return undefined;
}

/**
 * Statements whose analysis builds the parser's prediction caches for the common shapes of
 * queries (joins, CTEs, subqueries, window functions, DML). ANTLR fills these caches lazily, so
 * the first statements analyzed in a process are slow (hundreds of milliseconds); a Lambda can
 * pay that during its init phase instead of on a client's first query.
 */
const WARM_UP = [
  "WITH a AS (SELECT x, sum(y) AS s FROM c.s.t WHERE d BETWEEN DATE '2000-01-01' AND (DATE '2000-01-01' + INTERVAL '30' DAY) GROUP BY x HAVING sum(y) > 1) SELECT \"x\", s, rank() OVER (PARTITION BY x ORDER BY s DESC) FROM a JOIN u ON a.x = u.x LEFT JOIN v ON (u.k = v.k AND v.z IN ('a', 'b')) WHERE EXISTS (SELECT 1 FROM w WHERE w.k = a.x) AND a.s > (SELECT avg(s) * 1.2 FROM a) ORDER BY 1 LIMIT 100",
  "SELECT CASE WHEN a IS NULL THEN 0 ELSE CAST(a AS decimal(7,2)) END, coalesce(b, 'x'), count(DISTINCT c), substr(d, 1, 5) FROM t1, t2 WHERE t1.k = t2.k AND ((t1.a = 1 AND t2.b = 'x') OR (t1.a = 2 AND t2.b = 'y')) GROUP BY ROLLUP (1, 2) UNION ALL SELECT 1, 'a', 2, 'b' FROM t3",
  'INSERT INTO t SELECT * FROM s CROSS JOIN UNNEST(s.arr) AS u(x) WHERE x > 0',
  "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)",
  "CREATE TABLE n WITH (format = 'PARQUET') AS SELECT transform(a, x -> x + 1) FROM o",
  'SHOW COLUMNS FROM t',
  "SELECT \"i_item_id\", \"sum\"(\"ss_sales_price\" * DECIMAL '1.5') \"total\", \"avg\"(CAST(\"x\" AS DECIMAL(12,2))) OVER (PARTITION BY \"a\" ORDER BY \"b\" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM hive.s.store_sales, hive.s.item WHERE (\"ss_item_sk\" = \"i_item_sk\") AND (((\"i_category\" IN ('a', 'b')) AND (\"i_class\" = 'c')) OR ((\"i_size\" = 'd') AND (\"i_units\" = 'e'))) AND (\"d_year\" = 2000) GROUP BY \"i_item_id\" HAVING (\"count\"(*) > 1) ORDER BY \"total\" DESC NULLS FIRST",
];

/** Runs the warm-up statements; returns how many were analyzed (all of them, unless a bug). */
export function warmUpAnalyzer(): number {
  return WARM_UP.filter((sql) => analyze(sql).ok).length;
}
