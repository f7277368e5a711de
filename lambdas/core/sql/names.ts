/**
 * Names and literals as Trino reads them: identifiers are case-insensitive, so every part is
 * lower-cased, quoted or not; `""` inside a quoted name is one `"`; string literals are decoded,
 * including Unicode escapes (U&'...' UESCAPE '...'), because SQL hides in them (EXECUTE IMMEDIATE,
 * table function arguments).
 */
import type { Token } from 'antlr4ng';
import type { AnalysisProblem } from '../ports/index.js';
import { TrinoSqlLexer } from 'dt-sql-parser/dist/lib/trino/TrinoSqlLexer.js';

/** Why a statement cannot be analyzed; `problem` when the client should be told (syntax, too complex). */
export class AnalysisError extends Error {
  constructor(
    message: string,
    readonly problem?: AnalysisProblem,
  ) {
    super(message);
  }
}

/** An error Trino's parser reports, at the token's position (1-based column, as Trino's "line 1:8:"). */
export function syntaxError(message: string, at: Pick<Token, 'line' | 'column'>): AnalysisError {
  return new AnalysisError(`line ${at.line}:${at.column + 1}: ${message}`, { kind: 'syntax', message, line: at.line, column: at.column + 1 });
}

/** The name of one identifier token as Trino resolves it. */
export function identifierPart(token: Token): string {
  const text = token.text ?? '';
  switch (token.type) {
    case TrinoSqlLexer.QUOTED_IDENTIFIER: {
      const inner = text.slice(1, -1).replace(/""/g, '"');
      if (inner === '') throw syntaxError('Zero-length delimited identifier not allowed', token);
      return inner.toLowerCase();
    }
    case TrinoSqlLexer.BACKQUOTED_IDENTIFIER: {
      const inner = text.slice(1, -1).replace(/``/g, '`');
      if (inner === '') throw syntaxError('Zero-length delimited identifier not allowed', token);
      return inner.toLowerCase();
    }
    default:
      return text.toLowerCase();
  }
}

/** The value of a STRING token ('...' with '' for a quote). */
export function basicString(text: string): string {
  return text.slice(1, -1).replace(/''/g, "'");
}

/** The value of a UNICODE_STRING token (U&'...'), with the escape character given by UESCAPE. */
export function unicodeString(text: string, escape = '\\'): string {
  if (escape.length !== 1 || /[0-9a-fA-F+'"\s]/.test(escape)) throw new AnalysisError(`Invalid Unicode escape character: ${escape}`);
  const raw = basicString(text.slice(2));
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== escape) {
      out += c;
      continue;
    }
    if (raw[i + 1] === escape) {
      out += escape;
      i++;
      continue;
    }
    const six = raw[i + 1] === '+';
    const digits = raw.slice(i + (six ? 2 : 1), i + (six ? 8 : 5));
    if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== (six ? 6 : 4)) throw new AnalysisError(`Invalid Unicode escape sequence in ${text}`);
    const code = parseInt(digits, 16);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new AnalysisError(`Invalid Unicode code point in ${text}`);
    out += String.fromCodePoint(code);
    i += six ? 7 : 4;
  }
  return out;
}

export interface SessionNames {
  catalog?: string | undefined;
  schema?: string | undefined;
}

/** Qualifies a table name (1 to 3 parts) with the session's catalog and schema where they are set. */
export function qualifyTable(parts: string[], session: SessionNames): string[] {
  const catalog = session.catalog?.toLowerCase();
  const schema = session.schema?.toLowerCase();
  if (parts.length === 1 && schema !== undefined) return catalog !== undefined ? [catalog, schema, parts[0]!] : [schema, parts[0]!];
  if (parts.length === 2 && catalog !== undefined) return [catalog, ...parts];
  return parts;
}

/** Qualifies a schema name (1 or 2 parts) with the session's catalog. */
export function qualifySchema(parts: string[], session: SessionNames): string[] {
  const catalog = session.catalog?.toLowerCase();
  if (parts.length === 1 && catalog !== undefined) return [catalog, parts[0]!];
  return parts;
}

/** Joins parts with dots; parts that contain a dot stay distinguishable through `parts`. */
export function joinName(parts: string[]): string {
  return parts.join('.');
}
