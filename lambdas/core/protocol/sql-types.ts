import type { SqlType } from '../ports/index.js';

/**
 * Presto/Trino type names: parsed into a tree, printed back, and turned into the
 * `typeSignature` that JDBC and the other decoders require (PROTOCOL.md §1.4).
 */

export type TypeArgument =
  | { kind: 'LONG'; value: number }
  | { kind: 'TYPE'; value: ClientTypeSignature }
  | { kind: 'NAMED_TYPE'; value: { fieldName?: { name: string }; typeSignature: ClientTypeSignature } };

export interface ClientTypeSignature {
  rawType: string;
  arguments: TypeArgument[];
}

export interface Column {
  name: string;
  type: string;
  typeSignature: ClientTypeSignature;
}

/** Unbounded varchar is reported with this length, as Trino does. */
export const UNBOUNDED_VARCHAR_LENGTH = 2147483647;

export function parseType(text: string): SqlType {
  const parser = new TypeParser(text);
  const type = parser.type();
  parser.end();
  return type;
}

class TypeParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  type(): SqlType {
    this.skipSpace();
    const word = this.word().toLowerCase();
    if (word === 'array') {
      this.expect('(');
      const element = this.type();
      this.expect(')');
      return { kind: 'array', element };
    }
    if (word === 'map') {
      this.expect('(');
      const key = this.type();
      this.expect(',');
      const value = this.type();
      this.expect(')');
      return { kind: 'map', key, value };
    }
    if (word === 'row') {
      this.expect('(');
      const fields: { name?: string; type: SqlType }[] = [];
      do {
        this.skipSpace();
        const start = this.pos;
        const name = this.peek() === '"' ? this.quoted() : this.word();
        this.skipSpace();
        // `row(bigint, varchar)` has unnamed fields: the "name" was the type itself.
        if (this.peek() === ',' || this.peek() === ')' || this.peek() === '(') {
          this.pos = start;
          fields.push({ type: this.type() });
        } else {
          fields.push({ name, type: this.type() });
        }
        this.skipSpace();
      } while (this.accept(','));
      this.expect(')');
      return { kind: 'row', fields };
    }
    // Simple types may have several words: "double precision", "timestamp(3) with time zone",
    // "interval day to second".
    let name = word;
    const params: number[] = [];
    this.skipSpace();
    if (this.accept('(')) {
      do {
        this.skipSpace();
        params.push(this.number());
        this.skipSpace();
      } while (this.accept(','));
      this.expect(')');
    }
    for (;;) {
      this.skipSpace();
      const save = this.pos;
      const next = this.word().toLowerCase();
      if (['with', 'without', 'time', 'zone', 'to', 'day', 'second', 'year', 'month', 'precision', 'varying'].includes(next)) {
        name += ' ' + next;
      } else {
        this.pos = save;
        break;
      }
    }
    name = name.replace(/ without time zone$/, '');
    if (name === 'double precision') name = 'double';
    if (name === 'float') name = 'real';
    if (name === 'int') name = 'integer';
    if (name === 'string') name = 'varchar';
    if (name === 'character varying') name = 'varchar';
    if (name === 'character') name = 'char';
    return { kind: 'simple', name, params };
  }

  end(): void {
    this.skipSpace();
    if (this.pos !== this.text.length) throw new Error(`Unexpected text in type '${this.text}' at ${this.pos}`);
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }
  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }
  private accept(ch: string): boolean {
    this.skipSpace();
    if (this.text[this.pos] === ch) {
      this.pos++;
      return true;
    }
    return false;
  }
  private expect(ch: string): void {
    if (!this.accept(ch)) throw new Error(`Expected '${ch}' in type '${this.text}' at ${this.pos}`);
  }
  private word(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(this.text.slice(this.pos));
    if (!m) return '';
    this.pos += m[0].length;
    return m[0];
  }
  private quoted(): string {
    let out = '';
    this.pos++;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos++]!;
      if (ch === '"') {
        if (this.text[this.pos] === '"') {
          out += '"';
          this.pos++;
        } else return out;
      } else out += ch;
    }
    throw new Error(`Unterminated quoted name in type '${this.text}'`);
  }
  private number(): number {
    const m = /^\d+/.exec(this.text.slice(this.pos));
    if (!m) throw new Error(`Expected a number in type '${this.text}' at ${this.pos}`);
    this.pos += m[0].length;
    return Number(m[0]);
  }
}

function quoteFieldName(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Prints a type the way Trino prints it in `Column.type`. */
export function formatType(type: SqlType): string {
  switch (type.kind) {
    case 'array':
      return `array(${formatType(type.element)})`;
    case 'map':
      return `map(${formatType(type.key)}, ${formatType(type.value)})`;
    case 'row':
      return `row(${type.fields.map((f) => (f.name !== undefined ? `${quoteFieldName(f.name)} ${formatType(f.type)}` : formatType(f.type))).join(', ')})`;
    case 'simple': {
      if (type.name === 'varchar' && (type.params.length === 0 || type.params[0] === UNBOUNDED_VARCHAR_LENGTH)) return 'varchar';
      const tz = /^(time|timestamp) with time zone$/.exec(type.name);
      if (tz) return type.params.length ? `${tz[1]}(${type.params[0]}) with time zone` : type.name;
      return type.params.length ? `${type.name}(${type.params.join(',')})` : type.name;
    }
  }
}

export function typeSignature(type: SqlType): ClientTypeSignature {
  switch (type.kind) {
    case 'array':
      return { rawType: 'array', arguments: [{ kind: 'TYPE', value: typeSignature(type.element) }] };
    case 'map':
      return {
        rawType: 'map',
        arguments: [
          { kind: 'TYPE', value: typeSignature(type.key) },
          { kind: 'TYPE', value: typeSignature(type.value) },
        ],
      };
    case 'row':
      return {
        rawType: 'row',
        arguments: type.fields.map((f) => ({
          kind: 'NAMED_TYPE' as const,
          value: f.name !== undefined ? { fieldName: { name: f.name }, typeSignature: typeSignature(f.type) } : { typeSignature: typeSignature(f.type) },
        })),
      };
    case 'simple': {
      // JDBC reads arguments[0] of varchar/char and arguments[0..1] of decimal: they must be there.
      let params = type.params;
      if (type.name === 'varchar' && params.length === 0) params = [UNBOUNDED_VARCHAR_LENGTH];
      if (type.name === 'char' && params.length === 0) params = [1];
      if (type.name === 'decimal' && params.length === 0) params = [38, 0];
      if (type.name === 'decimal' && params.length === 1) params = [params[0]!, 0];
      return { rawType: type.name, arguments: params.map((value) => ({ kind: 'LONG' as const, value })) };
    }
  }
}

export function column(name: string, type: SqlType | string): Column {
  const parsed = typeof type === 'string' ? parseType(type) : type;
  const normalized = normalizeType(parsed);
  return { name, type: formatType(normalized), typeSignature: typeSignature(normalized) };
}

/** Fills defaults so that the printed type and its signature agree (decimal → decimal(38,0)). */
export function normalizeType(type: SqlType): SqlType {
  switch (type.kind) {
    case 'array':
      return { kind: 'array', element: normalizeType(type.element) };
    case 'map':
      return { kind: 'map', key: normalizeType(type.key), value: normalizeType(type.value) };
    case 'row':
      return { kind: 'row', fields: type.fields.map((f) => ({ ...f, type: normalizeType(f.type) })) };
    case 'simple': {
      if (type.name === 'decimal' && type.params.length < 2) return { ...type, params: type.params.length ? [type.params[0]!, 0] : [38, 0] };
      if (type.name === 'char' && type.params.length === 0) return { ...type, params: [1] };
      return type;
    }
  }
}

/**
 * Without the PARAMETRIC_DATETIME capability a client must see datetime types without precision
 * (Trino reports them as precision 3); this strips the parameter from those types.
 */
export function withoutDatetimePrecision(type: SqlType): SqlType {
  switch (type.kind) {
    case 'array':
      return { kind: 'array', element: withoutDatetimePrecision(type.element) };
    case 'map':
      return { kind: 'map', key: withoutDatetimePrecision(type.key), value: withoutDatetimePrecision(type.value) };
    case 'row':
      return { kind: 'row', fields: type.fields.map((f) => ({ ...f, type: withoutDatetimePrecision(f.type) })) };
    case 'simple':
      return /^(time|timestamp)( with time zone)?$/.test(type.name) ? { ...type, params: [] } : type;
  }
}

