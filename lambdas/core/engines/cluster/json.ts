/**
 * A JSON parser that keeps what JSON.parse loses when a cluster's QueryResults is re-encoded:
 * - integer tokens beyond 2^53 stay exact, as their digit strings (the encoder writes them back
 *   as raw integer tokens);
 * - float tokens stay numbers (doubles round-trip through a JS number), except tokens with more
 *   significant digits than a double holds, which stay strings;
 * - objects under the keys named in `mapsUnder` (the `data` rows) become Maps, so map values
 *   keep their key order (plain objects would move integer-like keys first);
 * - a `__proto__` key is an ordinary property, never a prototype.
 */
export interface ExactJsonOptions {
  /** Top-level keys whose values are parsed with objects as Maps. */
  mapsUnder?: readonly string[];
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

const MAX_SAFE_DIGITS = 15;

// eslint-disable-next-line max-lines-per-function -- one recursive-descent parser: its short inner functions share the cursor, kept in a local for speed.
export function parseExactJson(text: string, options: ExactJsonOptions = {}): unknown {
  const mapsUnder = new Set(options.mapsUnder ?? []);
  let pos = 0;
  const n = text.length;

  const fail = (message: string): never => {
    throw new JsonSyntaxError(`${message} at offset ${pos}`, pos);
  };
  const space = () => {
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };

  function value(maps: boolean, depth: number): unknown {
    if (depth > 512) fail('JSON nested too deeply');
    space();
    const c = text[pos];
    if (c === '{') return object(maps, depth, false);
    if (c === '[') return array(maps, depth);
    if (c === '"') return string();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    return fail(c === undefined ? 'Unexpected end of JSON' : `Unexpected character '${c}'`);
  }

  function literal<T>(word: string, result: T): T {
    if (text.startsWith(word, pos)) {
      pos += word.length;
      return result;
    }
    return fail('Invalid literal');
  }

  function object(maps: boolean, depth: number, top: boolean): unknown {
    pos++;
    const map = maps ? new Map<string, unknown>() : undefined;
    const obj: Record<string, unknown> = {};
    space();
    if (text[pos] === '}') {
      pos++;
      return map ?? obj;
    }
    for (;;) {
      space();
      if (text[pos] !== '"') fail('Expected a property name');
      const key = string();
      space();
      if (text[pos] !== ':') fail("Expected ':'");
      pos++;
      const v = value(maps || (top && mapsUnder.has(key)), depth + 1);
      if (map) map.set(key, v);
      else if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
      else obj[key] = v;
      space();
      const next = text[pos++];
      if (next === '}') return map ?? obj;
      if (next !== ',') {
        pos--;
        fail("Expected ',' or '}'");
      }
    }
  }

  function array(maps: boolean, depth: number): unknown[] {
    pos++;
    const out: unknown[] = [];
    space();
    if (text[pos] === ']') {
      pos++;
      return out;
    }
    for (;;) {
      out.push(value(maps, depth + 1));
      space();
      const next = text[pos++];
      if (next === ']') return out;
      if (next !== ',') {
        pos--;
        fail("Expected ',' or ']'");
      }
    }
  }

  function string(): string {
    const start = ++pos;
    // Fast path: no escapes.
    for (;;) {
      if (pos >= n) fail('Unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        const s = text.slice(start, pos);
        pos++;
        return s;
      }
      if (c === 0x5c) break;
      if (c < 0x20) fail('Control character in string');
      pos++;
    }
    let out = text.slice(start, pos);
    for (;;) {
      if (pos >= n) fail('Unterminated string');
      const c = text[pos]!;
      if (c === '"') {
        pos++;
        return out;
      }
      if (c === '\\') {
        const e = text[pos + 1];
        pos += 2;
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = text.slice(pos, pos + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid unicode escape');
            out += String.fromCharCode(parseInt(hex, 16));
            pos += 4;
            break;
          }
          default:
            pos -= 2;
            fail('Invalid escape');
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail('Control character in string');
      out += c;
      pos++;
    }
  }

  function number(): number | string {
    const start = pos;
    if (text[pos] === '-') pos++;
    if (text[pos] === '0') pos++;
    else if (text[pos]! >= '1' && text[pos]! <= '9') while (pos < n && text[pos]! >= '0' && text[pos]! <= '9') pos++;
    else fail('Invalid number');
    let integer = true;
    if (text[pos] === '.') {
      integer = false;
      pos++;
      const digits = pos;
      while (pos < n && text[pos]! >= '0' && text[pos]! <= '9') pos++;
      if (pos === digits) fail('Invalid number');
    }
    if (text[pos] === 'e' || text[pos] === 'E') {
      integer = false;
      pos++;
      if (text[pos] === '+' || text[pos] === '-') pos++;
      const digits = pos;
      while (pos < n && text[pos]! >= '0' && text[pos]! <= '9') pos++;
      if (pos === digits) fail('Invalid number');
    }
    const token = text.slice(start, pos);
    if (integer) {
      if (token.length - (token[0] === '-' ? 1 : 0) <= MAX_SAFE_DIGITS) return Number(token);
      const value = Number(token);
      return Number.isSafeInteger(value) ? value : token;
    }
    // A double has at most 17 significant digits: longer tokens (decimals sent as numbers by a
    // non-Trino server) would be rounded, so they keep their text.
    const mantissa = token.replace(/[eE].*$/, '').replace(/[-.]/g, '').replace(/^0+/, '');
    return mantissa.length > 17 ? token : Number(token);
  }

  space();
  const result = text[pos] === '{' ? object(false, 0, true) : value(false, 0);
  space();
  if (pos !== n) fail('Unexpected text after JSON');
  return result;
}
