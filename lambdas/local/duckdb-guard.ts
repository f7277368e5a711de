import type { ErrorName } from '../core/errors.js';

/**
 * The local engine's first line of defence: a strict lexer for the text DuckDB is about to read.
 *
 * The gateway analyzes statements as Trino SQL; DuckDB reads them with the PostgreSQL scanner.
 * The two agree on the boundaries of strings, quoted identifiers and comments for ordinary SQL,
 * and differ on a few constructs that let text one side took for a string or comment run as SQL
 * on the other. The rule here is the simplest sound one: tokenize the way both agree, and refuse
 * every place where either side could start a token of a different kind. What is refused:
 *
 * - a one-letter word or a number immediately followed by a quote: DuckDB's string prefixes
 *   are single letters (`E'…'` escape strings with backslash escapes, `B'…'`, `N'…'`), plus
 *   `U&'…'` and `U&"…"` (so `&` directly before a quote is refused too). `X'…'` is allowed: the
 *   engine rewrites it to from_hex('…') before DuckDB sees it. A longer word before a quote
 *   (`DATE'2024-01-01'`) is a name then a string for both readers;
 * - `$` anywhere outside strings (`$$…$$` and `$tag$…$tag$` dollar quotes, `$1` parameters);
 * - `/*` inside a block comment (DuckDB nests block comments, Trino ends at the first `*\/`), and
 *   an unterminated comment, string or quoted identifier;
 * - a carriage return alone inside a `--` comment (where a comment ends must not depend on
 *   whether a lexer treats CR as a line end);
 * - backquotes, `#` (DuckDB's positional column reference) and backslashes outside strings;
 * - NUL (DuckDB gets the text as a C string: a NUL would cut it short of the text that was
 *   checked), every other control character except tab, LF and CR, and unpaired UTF-16
 *   surrogates (they would reach DuckDB as U+FFFD, not as the text that was checked);
 * - any character outside printable ASCII in code, i.e. outside strings, quoted identifiers
 *   and comments (DuckDB reads such bytes as identifier characters, Trino does not).
 *
 * Inside `'…'` strings backslashes are plain characters for both (DuckDB's strings are
 * standard-conforming, like Trino's) and `''` is the only escape; inside `"…"` identifiers `""`
 * is the only escape. Everything the lexer accepts therefore splits into the same strings,
 * identifiers, comments and code on both sides.
 */
export type GuardTokenKind = 'word' | 'quoted' | 'string' | 'number' | 'symbol';

export interface GuardToken {
  kind: GuardTokenKind;
  /** Words lower-cased; quoted identifiers and strings unescaped; symbols as written. */
  value: string;
  start: number;
  end: number;
}

/** The engine refuses the statement: nothing of it runs. */
export class Refusal extends Error {
  constructor(
    message: string,
    readonly errorName: ErrorName = 'PERMISSION_DENIED',
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

/** The text is not valid SQL for either side (an unterminated string, ...). */
export class GuardSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'GuardSyntaxError';
  }
}

const isWordStart = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
const isWordPart = (code: number) => isWordStart(code) || (code >= 48 && code <= 57);
const isDigit = (code: number) => code >= 48 && code <= 57;

/** Characters, anywhere in the text, that change or cut what DuckDB reads. */
function checkCharacters(sql: string): void {
  for (let i = 0; i < sql.length; i++) {
    const code = sql.charCodeAt(i);
    if (code === 0) throw new Refusal(`it contains a NUL character (at ${i}), where the local engine would stop reading the text`);
    if ((code < 32 && code !== 9 && code !== 10 && code !== 13) || code === 127) {
      throw new Refusal(`it contains the control character U+${code.toString(16).padStart(4, '0').toUpperCase()} (at ${i})`);
    }
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = sql.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw new Refusal(`it contains an unpaired UTF-16 surrogate (at ${i})`);
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      throw new Refusal(`it contains an unpaired UTF-16 surrogate (at ${i})`);
    }
  }
}

/**
 * Tokenizes `sql` (comments and whitespace dropped), or throws Refusal where DuckDB and Trino
 * could read the text differently, GuardSyntaxError where neither can read it.
 */
export function guardedTokens(sql: string): GuardToken[] {
  checkCharacters(sql);
  const tokens: GuardToken[] = [];
  const n = sql.length;
  let i = 0;
  const quoteAfterWord = (at: number) => {
    const last = tokens[tokens.length - 1];
    if (!last || last.end !== at) return;
    const quote = sql[at] === "'" ? 'a string' : 'a quoted identifier';
    // X'…' is Trino's binary literal, rewritten to from_hex('…') before DuckDB reads it.
    if (last.kind === 'word' && last.value === 'x' && sql[at] === "'") return;
    if ((last.kind === 'word' && last.value.length === 1) || last.kind === 'number') {
      throw new Refusal(`\`${sql.slice(last.start, last.end)}\` directly followed by ${quote} (at ${last.start}) is read differently by the local engine (DuckDB, e.g. E'…' escape strings) and by Trino`);
    }
    if (last.kind === 'symbol' && last.value === '&') throw new Refusal(`U&'…' / U&"…" Unicode escapes (at ${last.start}) are read differently by the local engine and by Trino`);
  };
  while (i < n) {
    const code = sql.charCodeAt(i);
    const c = sql[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const start = i;
      while (i < n && sql[i] !== '\n') {
        if (sql[i] === '\r' && sql[i + 1] !== '\n') throw new Refusal(`a carriage return inside the -- comment at ${start}: where the comment ends depends on the reader`);
        i++;
      }
    } else if (c === '/' && sql[i + 1] === '*') {
      const start = i;
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw new GuardSyntaxError('Unterminated comment', start);
      const nested = sql.indexOf('/*', i + 2);
      if (nested >= 0 && nested < close) throw new Refusal(`\`/*\` inside the block comment at ${start}: the local engine (DuckDB) nests block comments, Trino does not`);
      i = close + 2;
    } else if (c === "'" || c === '"') {
      quoteAfterWord(i);
      const start = i;
      i++;
      let value = '';
      for (;;) {
        if (i >= n) throw new GuardSyntaxError(c === "'" ? 'Unterminated string literal' : 'Unterminated quoted identifier', start);
        const ch = sql[i]!;
        if (ch === c) {
          if (sql[i + 1] === c) {
            value += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += ch;
        i++;
      }
      tokens.push({ kind: c === "'" ? 'string' : 'quoted', value, start, end: i });
    } else if (isWordStart(code)) {
      const start = i;
      while (i < n && isWordPart(sql.charCodeAt(i))) i++;
      tokens.push({ kind: 'word', value: sql.slice(start, i).toLowerCase(), start, end: i });
    } else if (isDigit(code) || (c === '.' && isDigit(sql.charCodeAt(i + 1)))) {
      const start = i;
      while (i < n && (isWordPart(sql.charCodeAt(i)) || sql[i] === '.')) {
        if ((sql[i] === 'e' || sql[i] === 'E') && (sql[i + 1] === '-' || sql[i + 1] === '+') && isDigit(sql.charCodeAt(i + 2))) i++;
        i++;
      }
      tokens.push({ kind: 'number', value: sql.slice(start, i), start, end: i });
    } else if (c === '$') {
      throw new Refusal(`\`$\` outside a string (at ${i}): the local engine (DuckDB) reads $$…$$ as a string and $1 as a parameter, Trino does not`);
    } else if (c === '`' || c === '#' || c === '\\') {
      throw new Refusal(`\`${c}\` outside a string (at ${i}) is read differently by the local engine (DuckDB) and by Trino`);
    } else if (code > 126) {
      throw new Refusal(`the character U+${code.toString(16).padStart(4, '0').toUpperCase()} outside a string or quoted identifier (at ${i}): the local engine (DuckDB) reads it as part of a name, Trino does not`);
    } else {
      tokens.push({ kind: 'symbol', value: c, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

/**
 * The text and tokens of exactly one statement: a trailing `;` is dropped, any other `;` is a
 * second statement, which the engine never runs.
 */
export function oneStatement(sql: string, tokens: GuardToken[]): { sql: string; tokens: GuardToken[] } {
  const semicolon = tokens.findIndex((t) => t.kind === 'symbol' && t.value === ';');
  if (semicolon < 0) return { sql, tokens };
  if (semicolon !== tokens.length - 1) throw new Refusal('it holds several statements; the local engine runs exactly one');
  return { sql: sql.slice(0, tokens[semicolon]!.start), tokens: tokens.slice(0, semicolon) };
}

/** `"name"`, with embedded quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'text'`, with embedded quotes doubled. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
