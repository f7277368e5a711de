import { QueryFailure } from '../errors.js';

/**
 * SQL LIKE as Trino evaluates it: `%` any run of characters, `_` exactly one, matching is
 * case-sensitive, and an escape character must be followed by `%`, `_` or itself (JDBC
 * metadata calls escape with `\`).
 */
export interface LikePattern {
  test(value: string): boolean;
  /** The one string the pattern matches, when it has no wildcards. */
  exact?: string;
}

export function compileLike(pattern: string, escape?: string): LikePattern {
  if (escape !== undefined && [...escape].length !== 1) throw QueryFailure.of('INVALID_FUNCTION_ARGUMENT', 'Escape string must be a single character');
  let regex = '';
  let literal = '';
  let wildcard = false;
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (escape !== undefined && c === escape) {
      const next = chars[i + 1];
      if (next !== '%' && next !== '_' && next !== escape) throw QueryFailure.of('INVALID_FUNCTION_ARGUMENT', "Escape character must be followed by '%', '_' or the escape character itself");
      regex += escapeRegex(next);
      literal += next;
      i++;
    } else if (c === '%') {
      regex += '.*';
      wildcard = true;
    } else if (c === '_') {
      regex += '.';
      wildcard = true;
    } else {
      regex += escapeRegex(c);
      literal += c;
    }
  }
  if (!wildcard) return { test: (value) => value === literal, exact: literal };
  const compiled = new RegExp(`^${regex}$`, 'su');
  return { test: (value) => compiled.test(value) };
}

function escapeRegex(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}
