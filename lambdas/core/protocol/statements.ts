import { QueryFailure } from '../errors.js';
import type { ClientSession, SessionUpdate } from './headers.js';
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

/** Comma-separated SQL expressions after USING, as literal texts. */
function usingParameters(sql: string, tokens: Token[], from: number): string[] {
  if (from >= tokens.length) return [];
  if (tokens[from]!.upper !== 'USING') failSyntax(sql, `mismatched input '${tokens[from]!.text}'. Expecting: 'USING', <EOF>`, tokens[from]!.start);
  const params: string[] = [];
  let depth = 0;
  let start = tokens[from + 1]?.start;
  if (start === undefined) failSyntax(sql, 'mismatched input \'<EOF>\'. Expecting: <expression>', sql.length);
  for (let i = from + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (t.text === ',' && depth === 0) {
      params.push(sql.slice(start, t.start).trim());
      start = tokens[i + 1]?.start ?? sql.length;
    }
  }
  params.push(sql.slice(start).trim());
  if (params.some((p) => p === '')) failSyntax(sql, 'empty parameter in USING', tokens[from]!.start);
  return params;
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
  if (lead === 'EXECUTE IMMEDIATE' || (first === 'EXECUTE' && tokens[1]?.upper === 'IMMEDIATE')) {
    const literal = tokens[2];
    if (!literal || literal.kind !== 'string') failSyntax(sql, 'EXECUTE IMMEDIATE expects a string literal', literal?.start ?? sql.length);
    const parameters = usingParameters(sql, tokens, 3);
    checkParameterCount(literal.text, parameters);
    return nested(literal.text, parameters, session);
  }
  if (first === 'EXECUTE') {
    const name = identifier(tokens[1]);
    if (!name) failSyntax(sql, 'EXECUTE expects a prepared statement name', tokens[1]?.start ?? sql.length);
    const parameters = usingParameters(sql, tokens, 2);
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
  return { ...plan, parameters };
}
