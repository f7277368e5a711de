/**
 * `bifrost analyze [--catalog C] [--schema S]`: reads JSON lines `{"id", "sql"}` on stdin (an
 * optional `preparedStatements` object resolves EXECUTE) and writes one JSON line per input:
 * `{"id", "ok", "kind", "tables": [{"name", "parts", "access"}], "columns", "error"}`, names
 * lower-cased, unquoted and qualified with the catalog and schema given. `columns` maps each table
 * to the columns the statement may read from it, `"*"` standing for all of them.
 */
import { createInterface } from 'node:readline';
import type { Analysis } from '../../lambdas/core/ports/index.js';
import { analyze } from '../../lambdas/core/sql/analyze.js';
import { parseOptions, type CommandIo } from '../cli.js';

const USAGE = `usage: bifrost analyze [--catalog C] [--schema S] < statements.jsonl

Each input line is {"id": ..., "sql": "..."} (optionally "preparedStatements": {"name": "sql"}).
Each output line is {"id", "ok", "kind", "tables": [{"name", "parts", "access"}], "columns", "error"}.
`;

export interface InputLine {
  id: unknown;
  sql: string;
  preparedStatements?: Record<string, string>;
}

/** Reads JSON lines from a stream; calls `each` with the parsed object, or with the error text. */
export async function readJsonLines(stream: NodeJS.ReadableStream, each: (line: InputLine | { error: string; id: unknown }) => void): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (!text.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      each({ id: null, error: `input line ${n} is not valid JSON` });
      continue;
    }
    const v = value as Partial<InputLine> | null;
    if (!v || typeof v !== 'object' || typeof v.sql !== 'string') {
      each({ id: v && typeof v === 'object' ? (v.id ?? null) : null, error: `input line ${n} needs a string "sql"` });
      continue;
    }
    const prepared = v.preparedStatements && typeof v.preparedStatements === 'object' ? v.preparedStatements : undefined;
    each({ id: v.id ?? null, sql: v.sql, ...(prepared ? { preparedStatements: prepared } : {}) });
  }
}

/** The columns of an analysis by table name; "*" when the statement may read every column. */
export function columnsByTable(analysis: Analysis): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of [...analysis.tables, ...(analysis.indirectTables ?? [])]) {
    if (!t.allColumns && !t.columns?.length) continue;
    const set = new Set([...(out[t.name] ?? []), ...(t.allColumns ? ['*'] : []), ...(t.columns ?? [])]);
    out[t.name] = [...set].sort();
  }
  return out;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  const options = parseOptions(args, { catalog: 'string', schema: 'string', help: 'boolean' });
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const catalog = options.catalog as string | undefined;
  const schema = options.schema as string | undefined;
  if (schema !== undefined && catalog === undefined) throw new Error('--schema needs --catalog');
  let bad = 0;
  await readJsonLines(io.stdin, (line) => {
    if ('error' in line) {
      bad++;
      io.stdout.write(JSON.stringify({ id: line.id, ok: false, kind: 'unknown', tables: [], columns: {}, error: line.error }) + '\n');
      return;
    }
    const a = analyze(line.sql, { catalog, schema, preparedStatements: line.preparedStatements });
    io.stdout.write(
      JSON.stringify({
        id: line.id,
        ok: a.ok,
        kind: a.kind,
        tables: a.tables.map((t) => ({ name: t.name, parts: t.parts, access: t.access })),
        columns: columnsByTable(a),
        error: a.error ?? null,
      }) + '\n',
    );
  });
  return bad ? 1 : 0;
}
