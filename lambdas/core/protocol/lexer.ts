/**
 * A small lexer for Trino SQL: enough to recognize the statements the gateway answers itself,
 * to find `?` placeholders, and to refuse several statements in one request. Full analysis of
 * what a statement reads and writes lives in lambdas/core/sql.
 */
export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'symbol' | 'param';

export interface Token {
  kind: TokenKind;
  /** Identifier text unquoted (words upper-cased in `upper`), string literal content unescaped. */
  text: string;
  upper: string;
  start: number;
  end: number;
}

export class LexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokenKind, text: string, start: number) => tokens.push({ kind, text, upper: kind === 'word' ? text.toUpperCase() : text, start, end: i });
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw new LexError('Unterminated comment', i);
      i = close + 2;
    } else if (c === "'" || ((c === 'U' || c === 'u') && sql[i + 1] === '&' && sql[i + 2] === "'") || ((c === 'X' || c === 'x') && sql[i + 1] === "'")) {
      const start = i;
      while (sql[i] !== "'") i++;
      i++;
      let text = '';
      for (;;) {
        if (i >= n) throw new LexError('Unterminated string literal', start);
        const ch = sql[i]!;
        if (ch === "'") {
          if (sql[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += ch;
        i++;
      }
      push('string', text, start);
    } else if (c === '"' || c === '`') {
      const start = i;
      i++;
      let text = '';
      for (;;) {
        if (i >= n) throw new LexError('Unterminated quoted identifier', start);
        const ch = sql[i]!;
        if (ch === c) {
          if (sql[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += ch;
        i++;
      }
      push('quoted', text, start);
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_$@:\u0080-\uffff]/.test(sql[i]!)) i++;
      push('word', sql.slice(start, i), start);
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const start = i;
      while (i < n && /[0-9A-Za-z_.]/.test(sql[i]!)) {
        if ((sql[i] === 'e' || sql[i] === 'E') && (sql[i + 1] === '-' || sql[i + 1] === '+')) i++;
        i++;
      }
      push('number', sql.slice(start, i), start);
    } else if (c === '?') {
      const start = i++;
      push('param', '?', start);
    } else {
      const start = i;
      const two = sql.slice(i, i + 2);
      if (['<=', '>=', '<>', '!=', '||', '->', '=>'].includes(two)) i += 2;
      else i++;
      push('symbol', sql.slice(start, i), start);
    }
  }
  return tokens;
}

/** Line and column (1-based) of an offset, for errorLocation. */
export function locate(sql: string, offset: number): { lineNumber: number; columnNumber: number } {
  const before = sql.slice(0, offset);
  const lines = before.split('\n');
  return { lineNumber: lines.length, columnNumber: lines[lines.length - 1]!.length + 1 };
}

/**
 * Splits off a trailing `;` and refuses a second statement: the protocol carries exactly one.
 * Returns the statement text without the trailing semicolon.
 */
export function singleStatement(sql: string, tokens: Token[]): { sql: string; tokens: Token[] } {
  const semi = tokens.findIndex((t) => t.kind === 'symbol' && t.text === ';');
  if (semi < 0) return { sql, tokens };
  if (semi !== tokens.length - 1) throw new LexError('Only one statement can be submitted at a time', tokens[semi + 1]!.start);
  return { sql: sql.slice(0, tokens[semi]!.start), tokens: tokens.slice(0, semi) };
}

/** Replaces each `?` placeholder, outside strings and comments, by the given SQL literal. */
export function bindParameters(sql: string, parameters: readonly string[]): string {
  const params = tokenize(sql).filter((t) => t.kind === 'param');
  if (params.length !== parameters.length) throw new LexError(`Incorrect number of parameters: expected ${params.length} but found ${parameters.length}`, 0);
  let out = '';
  let last = 0;
  params.forEach((p, i) => {
    out += sql.slice(last, p.start) + parameters[i];
    last = p.end;
  });
  return out + sql.slice(last);
}
