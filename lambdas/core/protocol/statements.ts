import type { ParserRuleContext } from 'antlr4ng';
import { BasicStringLiteralContext, ExecuteContext, ExecuteImmediateContext, UnicodeStringLiteralContext } from 'dt-sql-parser/dist/lib/trino/TrinoSqlParser.js';
import { QueryFailure } from '../errors.js';
import { AnalysisError, basicString, unicodeString } from '../sql/names.js';
import { endBudget, startBudget } from '../sql/limits.js';
import { lex, parseTokens } from '../sql/parser.js';
import type { AnalysisProblem, ClientSession, SessionUpdate } from '../ports/index.js';
import { LexError, locate, singleStatement, tokenize, type Token } from './lexer.js';

/**
 * What the gateway does with a statement before any engine sees it. Session statements (USE,
 * SET SESSION, PREPARE, transactions) are answered by the gateway with the headers JDBC applies
 * on the final response; EXECUTE and EXECUTE IMMEDIATE are resolved to the statement they carry.
 */
export type Plan =
  | { kind: 'session'; updateType: string; update: SessionUpdate }
  | { kind: 'describe-input'; parameterCount: number }
  | { kind: 'query'; sql: string; parameters: string[]; describeOutput?: boolean; updateType?: string };

function failSyntax(sql: string, message: string, offset: number): never {
  throw QueryFailure.of('SYNTAX_ERROR', `line ${locate(sql, offset).lineNumber}:${locate(sql, offset).columnNumber}: ${message}`, locate(sql, offset));
}

/** Trino's identifier rules: unquoted names are lower-cased, quoted ones kept. */
function identifier(t: Token | undefined): string | undefined {
  if (!t) return undefined;
  if (t.kind === 'word') return t.text.toLowerCase();
  if (t.kind === 'quoted') return t.text;
  return undefined;
}

/** Reads `a.b.c` starting at tokens[i]; returns the parts and the index after them. */
function qualifiedName(tokens: Token[], i: number): { parts: string[]; next: number } {
  const parts: string[] = [];
  for (;;) {
    const part = identifier(tokens[i]);
    if (part === undefined) break;
    parts.push(part);
    i++;
    if (tokens[i]?.text === '.') i++;
    else break;
  }
  return { parts, next: i };
}

function words(tokens: Token[], count: number): string {
  return tokens
    .slice(0, count)
    .map((t) => (t.kind === 'word' ? t.upper : '\0'))
    .join(' ');
}

/**
 * Brackets nested deeper than this make a statement too complex for the gateway: parsers recurse
 * per level, and the analysis refuses the same depth (lambdas/core/sql).
 */
export const MAX_NESTING = 128;

/** A statement too large or too deeply nested to be checked: a plain user error, never a crash. */
export function tooComplex(detail?: string): QueryFailure {
  return QueryFailure.of('QUERY_TEXT_TOO_LARGE', `Query is too complex to be processed: ${detail ?? 'it is too large or too deeply nested'}; simplify it or split it up`);
}

function checkNesting(tokens: readonly Token[]): void {
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(' || t.text === '[') {
      if (++depth > MAX_NESTING) throw tooComplex(`brackets are nested more than ${MAX_NESTING} levels deep`);
    } else if (t.text === ')' || t.text === ']') depth--;
  }
}

/**
 * EXECUTE name [USING expr, ...] and EXECUTE IMMEDIATE 'sql' [USING expr, ...] read with Trino's
 * grammar: each parameter is exactly one expression, whatever brackets, commas or comments it
 * holds, and the string of EXECUTE IMMEDIATE is decoded as Trino decodes it (U&'...' UESCAPE).
 * Something that is not, like `USING 1) UNION SELECT ...`, is a syntax error at its position.
 */
function readExecute(sql: string, tokens: readonly Token[]): { statement?: string; parameters: string[] } {
  checkNesting(tokens);
  let parsed: ReturnType<typeof parseTokens>;
  // The parser's time budget (sql/limits.ts) bounds a huge parameter as it bounds an analysis.
  startBudget();
  try {
    const lexed = lex(sql);
    if (lexed.problem) failSyntaxAt(sql, lexed.problem);
    parsed = parseTokens(lexed.stream);
  } catch (error) {
    if (error instanceof RangeError) throw tooComplex();
    if (error instanceof AnalysisError) {
      const problem = (error as AnalysisError & { problem?: AnalysisProblem }).problem;
      if (problem?.kind === 'syntax') failSyntaxAt(sql, { line: problem.line ?? 1, column: problem.column ?? 1, message: problem.message });
      throw tooComplex(problem?.message ?? error.message);
    }
    throw error;
  } finally {
    endBudget();
  }
  if (!parsed.ok) failSyntaxAt(sql, parsed.problem);
  const statement = parsed.statement.statement();
  if (!(statement instanceof ExecuteContext) && !(statement instanceof ExecuteImmediateContext)) failSyntax(sql, 'EXECUTE expects a prepared statement name or IMMEDIATE and a string', 0);
  const parameters = statement.expression().map((e) => textOf(e));
  if (statement instanceof ExecuteContext) return { parameters };
  const literal = statement.string();
  try {
    if (literal instanceof BasicStringLiteralContext) return { statement: basicString(literal.STRING().getText()), parameters };
    if (literal instanceof UnicodeStringLiteralContext) {
      const escape = literal.STRING();
      return { statement: unicodeString(literal.UNICODE_STRING().getText(), escape ? basicString(escape.getText()) : undefined), parameters };
    }
  } catch (error) {
    if (error instanceof AnalysisError) failSyntax(sql, error.message, tokens[2]?.start ?? 0);
    throw error;
  }
  return failSyntax(sql, 'EXECUTE IMMEDIATE expects a string literal', tokens[2]?.start ?? 0);
}

/** The source text of a parse tree node (offsets of the lexer are code points, not UTF-16 units). */
function textOf(ctx: ParserRuleContext): string {
  const start = ctx.start!;
  return start.inputStream!.getText(start.start, ctx.stop!.stop);
}

function failSyntaxAt(sql: string, problem: { line: number; column: number; message: string }): never {
  throw QueryFailure.of('SYNTAX_ERROR', `line ${problem.line}:${problem.column}: ${problem.message}`, { lineNumber: problem.line, columnNumber: problem.column });
}

function literalValue(sql: string, tokens: Token[], from: number): string {
  const rest = tokens.slice(from);
  if (rest.length === 1 && rest[0]!.kind === 'string') return rest[0]!.text;
  if (rest.length === 0) failSyntax(sql, "mismatched input '<EOF>'. Expecting: <expression>", sql.length);
  return sql.slice(rest[0]!.start).trim();
}

function prepared(session: ClientSession, name: string): string {
  const sql = session.preparedStatements[name] ?? Object.entries(session.preparedStatements).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  if (sql === undefined) throw QueryFailure.of('NOT_FOUND', `Prepared statement not found: ${name}`);
  return sql;
}

function countParameters(sql: string): number {
  return tokenize(sql).filter((t) => t.kind === 'param').length;
}

function checkParameterCount(sql: string, parameters: string[]): void {
  const expected = countParameters(sql);
  if (expected !== parameters.length) throw QueryFailure.of('INVALID_PARAMETER_USAGE', `Incorrect number of parameters: expected ${expected} but found ${parameters.length}`);
}

const UPDATE_TYPES: [string, string][] = [
  ['CREATE TABLE', 'CREATE TABLE'],
  ['CREATE OR REPLACE TABLE', 'CREATE TABLE'],
  ['CREATE SCHEMA', 'CREATE SCHEMA'],
  ['CREATE VIEW', 'CREATE VIEW'],
  ['CREATE OR REPLACE VIEW', 'CREATE VIEW'],
  ['CREATE MATERIALIZED VIEW', 'CREATE MATERIALIZED VIEW'],
  ['DROP TABLE', 'DROP TABLE'],
  ['DROP SCHEMA', 'DROP SCHEMA'],
  ['DROP VIEW', 'DROP VIEW'],
  ['ALTER TABLE', 'ALTER TABLE'],
  ['INSERT', 'INSERT'],
  ['DELETE', 'DELETE'],
  ['UPDATE', 'UPDATE'],
  ['MERGE', 'MERGE'],
  ['TRUNCATE', 'TRUNCATE TABLE'],
  ['COMMENT', 'COMMENT'],
  ['GRANT', 'GRANT'],
  ['REVOKE', 'REVOKE'],
  ['ANALYZE', 'ANALYZE'],
  ['CALL', 'CALL'],
];

/** Trino's updateType for a data or schema changing statement, undefined for queries. */
export function updateTypeOf(tokens: Token[]): string | undefined {
  const lead = words(tokens, 5);
  for (const [prefix, type] of UPDATE_TYPES) {
    if (lead === prefix || lead.startsWith(prefix + ' ')) {
      // CREATE TABLE ... AS SELECT reports as CREATE TABLE with an update count, like Trino.
      return type;
    }
  }
  return undefined;
}

export function planStatement(rawSql: string, session: ClientSession): Plan {
  let all: Token[];
  try {
    all = tokenize(rawSql);
  } catch (e) {
    if (e instanceof LexError) failSyntax(rawSql, e.message, e.offset);
    throw e;
  }
  let sql: string;
  let tokens: Token[];
  try {
    ({ sql, tokens } = singleStatement(rawSql, all));
  } catch (e) {
    if (e instanceof LexError) failSyntax(rawSql, e.message, e.offset);
    throw e;
  }
  if (tokens.length === 0) failSyntax(rawSql, "mismatched input '<EOF>'. Expecting: <statement>", rawSql.length);
  const lead = words(tokens, 2);
  const first = tokens[0]!.upper;

  if (first === 'USE') {
    const { parts, next } = qualifiedName(tokens, 1);
    if (parts.length < 1 || parts.length > 2 || next !== tokens.length) failSyntax(sql, 'USE expects catalog.schema or schema', tokens[1]?.start ?? sql.length);
    if (parts.length === 1 && !session.catalog) throw QueryFailure.of('GENERIC_USER_ERROR', 'Catalog must be specified when session catalog is not set');
    const [catalog, schema] = parts.length === 2 ? parts : [session.catalog!, parts[0]!];
    return { kind: 'session', updateType: 'USE', update: { setCatalog: catalog, setSchema: schema } };
  }
  if (lead.startsWith('SET SESSION') && tokens[2]?.upper !== 'AUTHORIZATION') {
    const { parts, next } = qualifiedName(tokens, 2);
    if (parts.length === 0 || tokens[next]?.text !== '=') failSyntax(sql, 'SET SESSION expects name = value', tokens[next]?.start ?? sql.length);
    return { kind: 'session', updateType: 'SET SESSION', update: { setSession: { [parts.join('.')]: literalValue(sql, tokens, next + 1) } } };
  }
  if (lead.startsWith('RESET SESSION') && tokens[2]?.upper !== 'AUTHORIZATION') {
    const { parts, next } = qualifiedName(tokens, 2);
    if (parts.length === 0 || next !== tokens.length) failSyntax(sql, 'RESET SESSION expects a property name', tokens[2]?.start ?? sql.length);
    return { kind: 'session', updateType: 'RESET SESSION', update: { clearSession: [parts.join('.')] } };
  }
  if (first === 'PREPARE') {
    const name = identifier(tokens[1]);
    if (!name || tokens[2]?.upper !== 'FROM' || !tokens[3]) failSyntax(sql, 'PREPARE expects: PREPARE name FROM statement', tokens[1]?.start ?? sql.length);
    const inner = sql.slice(tokens[3]!.start).trim();
    return { kind: 'session', updateType: 'PREPARE', update: { addedPrepare: { [name]: inner } } };
  }
  if (lead.startsWith('DEALLOCATE PREPARE')) {
    const name = identifier(tokens[2]);
    if (!name || tokens.length !== 3) failSyntax(sql, 'DEALLOCATE PREPARE expects a statement name', tokens[2]?.start ?? sql.length);
    prepared(session, name);
    return { kind: 'session', updateType: 'DEALLOCATE', update: { deallocatedPrepare: [name] } };
  }
  if (lead.startsWith('START TRANSACTION')) {
    return { kind: 'session', updateType: 'START TRANSACTION', update: { startedTransactionId: crypto.randomUUID() } };
  }
  if ((first === 'COMMIT' || first === 'ROLLBACK') && (tokens.length === 1 || (tokens.length === 2 && tokens[1]!.upper === 'WORK'))) {
    if (!session.transactionId) throw QueryFailure.of('NOT_IN_TRANSACTION', 'No transaction in progress');
    return { kind: 'session', updateType: first, update: { clearTransactionId: true } };
  }
  if (first === 'EXECUTE' && tokens[1]?.upper === 'IMMEDIATE') {
    if (tokens[2]?.kind !== 'string') failSyntax(sql, 'EXECUTE IMMEDIATE expects a string literal', tokens[2]?.start ?? sql.length);
    const { statement, parameters } = readExecute(sql, tokens);
    checkParameterCount(statement!, parameters);
    return nested(statement!, parameters, session);
  }
  if (first === 'EXECUTE') {
    const name = identifier(tokens[1]);
    if (!name) failSyntax(sql, 'EXECUTE expects a prepared statement name', tokens[1]?.start ?? sql.length);
    if (tokens.length > 2 && tokens[2]!.upper !== 'USING') failSyntax(sql, `mismatched input '${tokens[2]!.text}'. Expecting: 'USING', <EOF>`, tokens[2]!.start);
    const parameters = tokens.length > 2 ? readExecute(sql, tokens).parameters : [];
    const inner = prepared(session, name);
    checkParameterCount(inner, parameters);
    return nested(inner, parameters, session);
  }
  if (lead === 'DESCRIBE INPUT' || lead === 'DESCRIBE OUTPUT') {
    const name = identifier(tokens[2]);
    if (!name || tokens.length !== 3) failSyntax(sql, `${lead} expects a prepared statement name`, tokens[2]?.start ?? sql.length);
    const inner = prepared(session, name);
    if (lead === 'DESCRIBE INPUT') return { kind: 'describe-input', parameterCount: countParameters(inner) };
    return { kind: 'query', sql: inner, parameters: [], describeOutput: true };
  }
  return { kind: 'query', sql, parameters: [], updateType: updateTypeOf(tokens) };
}

function nested(innerSql: string, parameters: string[], session: ClientSession): Plan {
  const plan = planStatement(innerSql, { ...session, preparedStatements: {} });
  if (plan.kind !== 'query') {
    if (parameters.length) throw QueryFailure.of('INVALID_PARAMETER_USAGE', 'Parameters are only allowed in queries');
    return plan;
  }
  // EXECUTE IMMEDIATE of an EXECUTE IMMEDIATE: the inner one binds its own parameters.
  if (plan.parameters.length && parameters.length) throw QueryFailure.of('INVALID_PARAMETER_USAGE', 'Parameters of nested EXECUTE statements cannot be combined');
  return { ...plan, parameters: plan.parameters.length ? plan.parameters : parameters };
}
