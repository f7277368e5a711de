import { bindParameters, tokenize, type Token } from '../../protocol/lexer.js';

/**
 * How a statement with `?` parameters (EXECUTE ... USING, EXECUTE IMMEDIATE ... USING) is sent
 * to Athena. Athena takes ExecutionParameters only for SELECT, INSERT INTO, CTAS and UNLOAD, and
 * only for `?` placed in a WHERE clause (Athena UG, "Use parameterized queries": "Currently, ?
 * parameters can be placed only in the WHERE clause"); each value 1 to 1,024 characters. Any
 * other statement, a `?` elsewhere (select list, LIMIT, VALUES, JOIN ... ON, HAVING), or a value
 * out of bounds gets its parameters substituted as SQL literals, which the JDBC driver already
 * sends in Trino syntax (`INTEGER '5'`, `DATE '2024-05-01'`, `'it''s'`, `CAST(NULL AS VARCHAR)`).
 *
 * The gateway itself submits no parameters: it writes them into the text before the analysis
 * (protocol/parameters.ts), so that what Athena runs is exactly what access control checked.
 */
export interface AthenaParameterPlan {
  /** The QueryString to send. */
  queryString: string;
  /** The ExecutionParameters to send, when Athena takes them for this statement. */
  executionParameters?: string[];
  /** Why the parameters were substituted instead (for logs and tests). */
  substituted?: string;
}

const MAX_PARAMETER_LENGTH = 1024;

/** Words that open a clause of a query: a `?` belongs to the nearest one before it. */
const CLAUSES = new Set(['SELECT', 'FROM', 'JOIN', 'ON', 'USING', 'WHERE', 'GROUP', 'HAVING', 'WINDOW', 'ORDER', 'OFFSET', 'LIMIT', 'FETCH', 'VALUES', 'UNION', 'INTERSECT', 'EXCEPT', 'INSERT', 'INTO', 'TO', 'WITH', 'SET', 'MATCH_RECOGNIZE', 'TABLESAMPLE']);

export function planAthenaParameters(sql: string, parameters: readonly string[]): AthenaParameterPlan {
  if (parameters.length === 0) return { queryString: sql };
  let tokens: Token[];
  try {
    tokens = tokenize(sql).filter((t) => !(t.kind === 'symbol' && t.text === ';'));
  } catch {
    return { queryString: bindParameters(sql, parameters), substituted: 'the statement could not be read' };
  }
  const substitute = (reason: string): AthenaParameterPlan => ({ queryString: substituteLiterals(sql, tokens, parameters), substituted: reason });
  const kind = statementKind(tokens);
  if (!kind) return substitute('Athena takes execution parameters only for SELECT, INSERT INTO, CTAS and UNLOAD');
  if (parameters.some((p) => p.length < 1 || p.length > MAX_PARAMETER_LENGTH)) return substitute(`an execution parameter must be 1 to ${MAX_PARAMETER_LENGTH} characters`);
  if (!parametersInWhere(tokens)) return substitute('Athena takes execution parameters only in WHERE clauses');
  return { queryString: sql, executionParameters: [...parameters] };
}

const TYPED_INTEGER = /^\s*(?:TINYINT|SMALLINT|INTEGER|INT|BIGINT)\s*'\s*([+-]?\d+)\s*'\s*$/i;

/**
 * The statement with its parameters written in as literals. A row count (LIMIT ?, OFFSET ?,
 * FETCH FIRST ? ROWS) takes a plain number where JDBC sends a typed literal (`INTEGER '10'`).
 */
export function substituteLiterals(sql: string, tokens: readonly Token[], parameters: readonly string[]): string {
  const params = tokens.map((t, i) => ({ t, i })).filter(({ t }) => t.kind === 'param');
  if (params.length !== parameters.length) return bindParameters(sql, parameters);
  let out = '';
  let last = 0;
  params.forEach(({ t, i }, n) => {
    const before = tokens[i - 1]?.kind === 'word' ? tokens[i - 1]!.upper : '';
    const rowCount = before === 'LIMIT' || before === 'OFFSET' || ((before === 'FIRST' || before === 'NEXT') && tokens[i - 2]?.upper === 'FETCH');
    const value = parameters[n]!;
    out += sql.slice(last, t.start) + (rowCount ? value.replace(TYPED_INTEGER, '$1') : value);
    last = t.end;
  });
  return out + sql.slice(last);
}

/** SELECT (also WITH ... SELECT and parenthesized), INSERT INTO, CTAS or UNLOAD; undefined otherwise. */
export function statementKind(tokens: readonly Token[]): 'select' | 'insert' | 'ctas' | 'unload' | undefined {
  let i = 0;
  while (tokens[i]?.kind === 'symbol' && tokens[i]!.text === '(') i++;
  const word = (k: number) => (tokens[k]?.kind === 'word' ? tokens[k]!.upper : '');
  const first = word(i);
  if (first === 'SELECT') return 'select';
  if (first === 'WITH') {
    // WITH ... followed, at depth 0, by the query's SELECT (not INSERT or anything else).
    let depth = 0;
    for (let k = i + 1; k < tokens.length; k++) {
      const t = tokens[k]!;
      if (t.kind === 'symbol' && t.text === '(') depth++;
      else if (t.kind === 'symbol' && t.text === ')') depth--;
      else if (depth === 0 && t.kind === 'word' && (t.upper === 'SELECT' || t.upper === 'VALUES' || t.upper === 'TABLE' || t.upper === 'INSERT' || t.upper === 'DELETE' || t.upper === 'UPDATE' || t.upper === 'MERGE')) {
        return t.upper === 'SELECT' ? 'select' : undefined;
      }
    }
    return undefined;
  }
  if (first === 'INSERT' && word(i + 1) === 'INTO') return 'insert';
  if (first === 'UNLOAD') return 'unload';
  if (first === 'CREATE' && word(i + 1) === 'TABLE') {
    // CREATE TABLE name [WITH (...)] AS <query>: an AS at depth 0 followed by a query.
    let depth = 0;
    for (let k = i + 2; k < tokens.length; k++) {
      const t = tokens[k]!;
      if (t.kind === 'symbol' && t.text === '(') depth++;
      else if (t.kind === 'symbol' && t.text === ')') depth--;
      else if (depth === 0 && t.kind === 'word' && t.upper === 'AS') {
        const next = tokens[k + 1];
        if (next && ((next.kind === 'word' && (next.upper === 'SELECT' || next.upper === 'WITH')) || (next.kind === 'symbol' && next.text === '('))) return 'ctas';
        return undefined;
      }
    }
  }
  return undefined;
}

/** Whether every `?` sits in a WHERE clause (at its own depth or an enclosing one). */
export function parametersInWhere(tokens: readonly Token[]): boolean {
  const clauses: (string | undefined)[] = [undefined];
  for (const t of tokens) {
    if (t.kind === 'symbol' && t.text === '(') clauses.push(undefined);
    else if (t.kind === 'symbol' && t.text === ')') {
      if (clauses.length > 1) clauses.pop();
    } else if (t.kind === 'word' && CLAUSES.has(t.upper)) clauses[clauses.length - 1] = t.upper;
    else if (t.kind === 'param') {
      let clause: string | undefined;
      for (let d = clauses.length - 1; d >= 0 && clause === undefined; d--) clause = clauses[d];
      if (clause !== 'WHERE') return false;
    }
  }
  return true;
}
