import { QueryFailure } from '../errors.js';
import { LexError, tokenize, type Token } from './lexer.js';

/**
 * EXECUTE ... USING, EXECUTE IMMEDIATE ... USING: the gateway writes each parameter into the
 * prepared statement itself, and that text is both what the analysis and access control see and
 * what every engine receives (with no parameters of its own). Checking the prepared statement and
 * letting an engine paste the parameters in afterwards let `USING (SELECT ... FROM forbidden)`
 * through unchecked.
 *
 * Each parameter is one expression (planStatement takes them from Trino's grammar); one that is
 * not a plain literal is written in parentheses, so that it stays one operand wherever the `?`
 * stood (`? * 2` with `1 + 1` is `(1 + 1) * 2`, as Trino binds it).
 */
export function bindStatement(sql: string, parameters: readonly string[]): string {
  if (parameters.length === 0) return sql;
  const tokens = tokenize(sql);
  const positions = tokens.flatMap((t, i) => (t.kind === 'param' ? [i] : []));
  if (positions.length !== parameters.length) throw QueryFailure.of('INVALID_PARAMETER_USAGE', `Incorrect number of parameters: expected ${positions.length} but found ${parameters.length}`);
  let out = '';
  let last = 0;
  positions.forEach((index, n) => {
    const t = tokens[index]!;
    out += sql.slice(last, t.start) + (isRowCount(tokens, index) ? rowCount(parameters[n]!) : operand(parameters[n]!));
    last = t.end;
  });
  return out + sql.slice(last);
}

/** LIMIT ?, OFFSET ?, FETCH FIRST|NEXT ?: the grammar takes an integer there, not an expression. */
function isRowCount(tokens: readonly Token[], i: number): boolean {
  const word = (k: number) => (tokens[k]?.kind === 'word' ? tokens[k]!.upper : '');
  const before = word(i - 1);
  return before === 'LIMIT' || before === 'OFFSET' || ((before === 'FIRST' || before === 'NEXT') && word(i - 2) === 'FETCH');
}

const INTEGER = /^\d+$/;
// What JDBC sends for setInt/setLong: INTEGER '10'.
const TYPED_INTEGER = /^(?:TINYINT|SMALLINT|INTEGER|INT|BIGINT)\s*'\s*(\d+)\s*'$/i;

function rowCount(value: string): string {
  const text = value.trim();
  if (INTEGER.test(text)) return text;
  const typed = TYPED_INTEGER.exec(text);
  if (typed) return typed[1]!;
  throw QueryFailure.of('TYPE_MISMATCH', `A parameter for LIMIT, OFFSET or FETCH FIRST must be a non-negative integer literal, not ${abbreviate(text)}`);
}

function operand(value: string): string {
  const text = value.trim();
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (error) {
    if (error instanceof LexError) throw QueryFailure.of('INVALID_PARAMETER_USAGE', `Invalid parameter ${abbreviate(text)}: ${error.message}`);
    throw error;
  }
  if (tokens.length === 0) throw QueryFailure.of('INVALID_PARAMETER_USAGE', 'A parameter is empty');
  // A parameter that is itself a placeholder, or that ends in a comment, would change the text around it.
  if (tokens.some((t) => t.kind === 'param')) throw QueryFailure.of('INVALID_PARAMETER_USAGE', `A parameter may not contain a parameter: ${abbreviate(text)}`);
  if (tokens[tokens.length - 1]!.end !== text.length) throw QueryFailure.of('INVALID_PARAMETER_USAGE', `A parameter may not end in a comment: ${abbreviate(text)}`);
  if (tokens.some((t) => t.kind === 'symbol' && t.text === ';')) throw QueryFailure.of('INVALID_PARAMETER_USAGE', `A parameter is one expression: ${abbreviate(text)}`);
  return isLiteral(tokens) ? text : `(${text})`;
}

/** 5, 'text', X'00', NULL, TRUE, FALSE, or a typed literal such as DATE '2024-05-01'. */
function isLiteral(tokens: readonly Token[]): boolean {
  const [a, b] = tokens;
  if (tokens.length === 1) return a!.kind === 'number' || a!.kind === 'string' || (a!.kind === 'word' && ['NULL', 'TRUE', 'FALSE'].includes(a!.upper));
  return tokens.length === 2 && a!.kind === 'word' && b!.kind === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(a!.text);
}

function abbreviate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
