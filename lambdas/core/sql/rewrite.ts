/**
 * Recent Trino syntax that dt-sql-parser's grammar (Trino 450) does not know, rewritten token by
 * token into equivalent text it does know. Every rewrite keeps every relation of the statement:
 * it only drops words that never name a table, or wraps a relation in brackets.
 *
 * - `UNION|INTERSECT|EXCEPT [ALL|DISTINCT] CORRESPONDING [BY (columns)]`: CORRESPONDING dropped;
 * - branches, `t @ branch`: `@ branch` dropped, the branch remembered for `t`;
 * - `NEAREST (FROM r [WHERE c] MATCH m)`: `LATERAL (SELECT * FROM r WHERE c AND m)`;
 * - `CREATE MATERIALIZED VIEW ... WHEN STALE FAIL|INLINE`: the clause dropped;
 * - `FROM VALUES (...), (...)` without brackets (Presto): brackets added;
 * - `WITH SESSION name = value, ...` before a query: dropped, the values are returned so that
 *   they are analyzed too;
 * - in SQL routines, `FOR i IN a TO b [BY c] DO ... END FOR`: `WHILE a <= b + c DO ... END WHILE`
 *   (routine bodies hold expressions only, never relations);
 * - the JSON predicate `x IS [NOT] JSON [VALUE|SCALAR|ARRAY|OBJECT] [WITH|WITHOUT UNIQUE [KEYS]]`:
 *   `x IS [NOT] NULL`.
 */
import type { Token } from 'antlr4ng';
import { TrinoSqlLexer as L } from './parser.js';
import { AnalysisError, identifierPart } from './names.js';

interface Edit {
  start: number;
  end: number;
  text: string;
}

export interface Rewritten {
  sql: string;
  changed: boolean;
  /** Branch named with `@` after a table, by the table's name as written. */
  branches: Map<string, string>;
  /** Expressions of `WITH SESSION` properties, to analyze on their own. */
  sessionValues: string[];
}

const EOF = -1;
const NAME_TOKENS = new Set([L.IDENTIFIER, L.QUOTED_IDENTIFIER, L.BACKQUOTED_IDENTIFIER, L.DIGIT_IDENTIFIER]);

/** Identifiers, and keywords that Trino lets one use as identifiers. */
export function isNameToken(t: Token | undefined): boolean {
  if (!t) return false;
  if (NAME_TOKENS.has(t.type)) return true;
  const name = L.symbolicNames[t.type];
  return !!name && name.startsWith('KW_') && /^[A-Za-z_]+$/.test(t.text ?? '');
}

function word(t: Token | undefined): string {
  return t && (t.type === L.IDENTIFIER || (L.symbolicNames[t.type] ?? '').startsWith('KW_')) ? (t.text ?? '').toUpperCase() : '';
}

/** Index of the `)` that closes the `(` at index `open`, or -1. */
export function closing(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const text = tokens[i]!.text;
    if (tokens[i]!.type === L.UNRECOGNIZED) continue;
    if (text === '(') depth++;
    else if (text === ')' && --depth === 0) return i;
  }
  return -1;
}

const TRIGGERS = /corresponding|@|nearest|stale|values|session|\bfor\b|\bjson\b/i;

export function rewrite(sql: string, tokens: Token[]): Rewritten {
  const result: Rewritten = { sql, changed: false, branches: new Map(), sessionValues: [] };
  if (!TRIGGERS.test(sql)) return result;
  const edits: Edit[] = [];
  const drop = (from: number, to: number) => edits.push({ start: tokens[from]!.start, end: tokens[to]!.stop + 1, text: ' ' });
  const replace = (i: number, text: string) => edits.push({ start: tokens[i]!.start, end: tokens[i]!.stop + 1, text });
  const insertBefore = (i: number, text: string) => edits.push({ start: tokens[i]!.start, end: tokens[i]!.start, text });
  const insertAfter = (i: number, text: string) => edits.push({ start: tokens[i]!.stop + 1, end: tokens[i]!.stop + 1, text });
  // Computed once: a scan per candidate token would make long statements quadratic.
  const routine = tokens.some((x) => x.type === L.KW_FUNCTION);
  const materialized = tokens.findIndex((x) => x.type === L.KW_MATERIALIZED);

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const w = word(t);
    if (w === 'CORRESPONDING' && t.type === L.IDENTIFIER) {
      const prev = word(tokens[i - 1]);
      const prev2 = word(tokens[i - 2]);
      if (['UNION', 'INTERSECT', 'EXCEPT'].includes(prev) || (['ALL', 'DISTINCT'].includes(prev) && ['UNION', 'INTERSECT', 'EXCEPT'].includes(prev2))) {
        let end = i;
        if (tokens[i + 1]?.type === L.KW_BY && tokens[i + 2]?.text === '(') {
          end = closing(tokens, i + 2);
          if (end < 0) throw new AnalysisError('CORRESPONDING BY: unbalanced brackets');
        }
        drop(i, end);
      }
    } else if (t.type === L.UNRECOGNIZED && t.text === '@' && isNameToken(tokens[i - 1]) && isNameToken(tokens[i + 1]) && tokens[i + 2]?.text !== '.') {
      const parts = [identifierPart(tokens[i - 1]!)];
      for (let j = i - 2; j >= 1 && tokens[j]!.text === '.' && isNameToken(tokens[j - 1]); j -= 2) parts.unshift(identifierPart(tokens[j - 1]!));
      result.branches.set(parts.join('.'), identifierPart(tokens[i + 1]!));
      drop(i, i + 1);
    } else if (w === 'NEAREST' && t.type === L.IDENTIFIER && tokens[i + 1]?.text === '(' && tokens[i + 2]?.type === L.KW_FROM) {
      const end = closing(tokens, i + 1);
      if (end < 0) throw new AnalysisError('NEAREST: unbalanced brackets');
      let depth = 0;
      let where = -1;
      let match = -1;
      for (let j = i + 2; j < end; j++) {
        const x = tokens[j]!.text;
        if (x === '(') depth++;
        else if (x === ')') depth--;
        else if (depth === 0 && tokens[j]!.type === L.KW_WHERE && where < 0) where = j;
        else if (depth === 0 && tokens[j]!.type === L.KW_MATCH) match = j;
      }
      if (match < 0) throw new AnalysisError('NEAREST without MATCH');
      replace(i, 'LATERAL');
      insertBefore(i + 2, 'SELECT * ');
      replace(match, where >= 0 ? 'AND' : 'WHERE');
    } else if (w === 'WHEN' && word(tokens[i + 1]) === 'STALE' && ['FAIL', 'INLINE'].includes(word(tokens[i + 2])) && word(tokens[0]) === 'CREATE' && materialized >= 0 && materialized < i) {
      drop(i, i + 2);
    } else if (t.type === L.KW_VALUES && (tokens[i - 1]?.type === L.KW_FROM || tokens[i - 1]?.type === L.KW_JOIN) && tokens[i + 1]?.text === '(') {
      let end = closing(tokens, i + 1);
      while (end > 0 && tokens[end + 1]?.text === ',' && tokens[end + 2]?.text === '(') end = closing(tokens, end + 2);
      if (end < 0) throw new AnalysisError('VALUES: unbalanced brackets');
      insertBefore(i, '(');
      insertAfter(end, ')');
    } else if (t.type === L.KW_FOR && isNameToken(tokens[i + 1]) && tokens[i + 2]?.type === L.KW_IN && routine) {
      let depth = 0;
      let to = -1;
      let by = -1;
      let j = i + 3;
      for (; j < tokens.length; j++) {
        const x = tokens[j]!;
        if (x.text === '(') depth++;
        else if (x.text === ')') depth--;
        else if (depth === 0 && x.type === L.KW_TO && to < 0) to = j;
        else if (depth === 0 && x.type === L.KW_BY && to > 0) by = j;
        else if (depth === 0 && x.type === L.KW_DO) break;
        else if (depth === 0 && x.type === L.KW_FOR) throw new AnalysisError('FOR expects: FOR name IN lower TO upper DO');
      }
      if (to < 0 || j >= tokens.length) throw new AnalysisError('FOR expects: FOR name IN lower TO upper DO');
      edits.push({ start: t.start, end: tokens[i + 2]!.stop + 1, text: 'WHILE' });
      replace(to, '<=');
      if (by > 0) replace(by, '+');
    } else if (t.type === L.KW_FOR && tokens[i - 1]?.type === L.KW_END && routine) {
      replace(i, 'WHILE');
    } else if (t.type === L.KW_JSON && (tokens[i - 1]?.type === L.KW_IS || (tokens[i - 1]?.type === L.KW_NOT && tokens[i - 2]?.type === L.KW_IS))) {
      let end = i;
      if ([L.KW_VALUE, L.KW_SCALAR, L.KW_ARRAY, L.KW_OBJECT].includes(tokens[end + 1]?.type ?? -2)) end++;
      if ((tokens[end + 1]?.type === L.KW_WITH || tokens[end + 1]?.type === L.KW_WITHOUT) && tokens[end + 2]?.type === L.KW_UNIQUE) {
        end += 2;
        if (tokens[end + 1]?.type === L.KW_KEYS) end++;
      }
      edits.push({ start: t.start, end: tokens[end]!.stop + 1, text: 'NULL' });
    } else if (t.type === L.KW_WITH && tokens[i + 1]?.type === L.KW_SESSION && sessionSpecAt(tokens, i + 2)) {
      const end = withSession(sql, tokens, i, result.sessionValues);
      drop(i, end);
    }
  }
  if (!edits.length) return result;
  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = sql;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { ...result, sql: out, changed: true };
}

/** `name[.name]* =` at index i. */
function sessionSpecAt(tokens: Token[], i: number): boolean {
  if (!isNameToken(tokens[i])) return false;
  i++;
  while (tokens[i]?.text === '.' && isNameToken(tokens[i + 1])) i += 2;
  return tokens[i]?.type === L.EQ;
}

const QUERY_START = new Set([L.KW_SELECT, L.KW_WITH, L.KW_VALUES, L.KW_TABLE]);
const NOT_CONSTANT = new Set([L.KW_SELECT, L.KW_FROM, L.KW_TABLE, L.KW_VALUES, L.KW_WITH]);

/**
 * `WITH SESSION a.b = v [, [SESSION] c = w]...` followed by a query: returns the index of the last
 * token of the clause and collects the value texts. Values are constants in Trino; anything that
 * looks like a query makes the analysis fail.
 */
function withSession(sql: string, tokens: Token[], at: number, values: string[]): number {
  let i = at + 1;
  for (;;) {
    if (tokens[i]?.type === L.KW_SESSION) i++;
    if (!isNameToken(tokens[i])) throw new AnalysisError('WITH SESSION expects name = value');
    i++;
    while (tokens[i]?.text === '.' && isNameToken(tokens[i + 1])) i += 2;
    if (tokens[i]?.type !== L.EQ) throw new AnalysisError('WITH SESSION expects name = value');
    const start = ++i;
    let depth = 0;
    for (; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.text === '(') {
        if (depth === 0 && QUERY_START.has(tokens[i + 1]?.type ?? -1) && i > start && !isNameToken(tokens[i - 1])) break;
        depth++;
      } else if (t.text === ')') depth--;
      else if (depth === 0 && (t.text === ',' || QUERY_START.has(t.type) || t.type === EOF)) break;
      if (NOT_CONSTANT.has(t.type)) throw new AnalysisError('WITH SESSION values must be constants');
    }
    if (i === start) throw new AnalysisError('WITH SESSION expects name = value');
    values.push(sql.slice(tokens[start]!.start, tokens[i - 1]!.stop + 1));
    if (tokens[i]?.text !== ',') return i - 1;
    i++;
  }
}
