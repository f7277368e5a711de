import { tokenize, type Token } from '../../protocol/lexer.js';

/**
 * `CALL system.runtime.kill_query(query_id => '...', message => '...')` (named or positional
 * arguments). Clients only ever see gateway query ids, so a kill that reaches a cluster must name
 * the cluster's own id instead: the engine rewrites the literal (see ClusterEngine.submit), and the
 * gateway can use the same parse to cancel a query wherever it runs.
 */
export interface KillQuery {
  queryId: string;
  message?: string;
  /** Where the query id literal sits in the SQL text. */
  start: number;
  end: number;
}

export function parseKillQuery(sql: string): KillQuery | undefined {
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch {
    return undefined;
  }
  const symbol = (t: Token | undefined, text: string) => t?.kind === 'symbol' && t.text === text;
  if (symbol(tokens[tokens.length - 1], ';')) tokens = tokens.slice(0, -1);
  if (tokens[0]?.upper !== 'CALL') return undefined;
  const name: string[] = [];
  let i = 1;
  for (;;) {
    const t = tokens[i];
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted')) return undefined;
    name.push(t.kind === 'word' ? t.text.toLowerCase() : t.text);
    i++;
    if (symbol(tokens[i], '.')) i++;
    else break;
  }
  const qualified = name.join('.');
  if (qualified !== 'system.runtime.kill_query' && qualified !== 'runtime.kill_query') return undefined;
  if (!symbol(tokens[i], '(') || !symbol(tokens[tokens.length - 1], ')')) return undefined;
  const args = splitArguments(tokens.slice(i + 1, -1));
  let queryId: Token | undefined;
  let message: Token | undefined;
  args.forEach((arg, position) => {
    const named = arg.length === 3 && (arg[0]!.kind === 'word' || arg[0]!.kind === 'quoted') && symbol(arg[1], '=>');
    const value = named ? arg[2] : arg.length === 1 ? arg[0] : undefined;
    const key = named ? arg[0]!.text.toLowerCase() : position === 0 ? 'query_id' : position === 1 ? 'message' : '';
    if (value?.kind !== 'string') return;
    if (key === 'query_id') queryId = value;
    else if (key === 'message') message = value;
  });
  if (!queryId) return undefined;
  return { queryId: queryId.text, ...(message ? { message: message.text } : {}), start: queryId.start, end: queryId.end };
}

/** The statement with its query id literal replaced. */
export function rewriteKillQuery(sql: string, kill: KillQuery, queryId: string): string {
  return sql.slice(0, kill.start) + `'${queryId.replace(/'/g, "''")}'` + sql.slice(kill.end);
}

function splitArguments(tokens: Token[]): Token[][] {
  const out: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'symbol' && t.text === '(') depth++;
    else if (t.kind === 'symbol' && t.text === ')') depth--;
    if (t.text === ',' && depth === 0 && t.kind === 'symbol') {
      out.push(current);
      current = [];
    } else current.push(t);
  }
  if (current.length) out.push(current);
  return out;
}
