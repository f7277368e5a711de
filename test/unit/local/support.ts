import type { EngineInspection, ClientSession } from '../../../lambdas/core/ports/index.js';
import type { QueryError } from '../../../lambdas/core/errors.js';
import type { DuckDbEngine } from '../../../lambdas/local/duckdb-engine.js';

/** A Trino client session with the given catalog and schema (default tpch.tiny; null for none). */
export function session(catalog: string | null = 'tpch', schema: string | null = 'tiny'): ClientSession {
  return {
    dialect: 'trino',
    user: 'alice',
    clientTags: [],
    clientCapabilities: ['PARAMETRIC_DATETIME'],
    properties: {},
    resourceEstimates: {},
    roles: {},
    extraCredentials: {},
    preparedStatements: {},
    ...(catalog ? { catalog } : {}),
    ...(schema ? { schema } : {}),
  };
}

export interface Outcome {
  state: string;
  rows: unknown[][];
  error?: QueryError;
  update?: { type: string; count?: number };
}

let counter = 0;

/** Submits and reads every page, as the gateway would. */
export async function run(engine: DuckDbEngine, sql: string, on: ClientSession = session(), parameters?: string[]): Promise<Outcome> {
  const submitted = await engine.submit({ queryId: `test-${++counter}`, sql, session: on, target: 'local', ...(parameters ? { parameters } : {}) });
  const rows: unknown[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await engine.poll(submitted.handle, cursor, { maxWaitMs: 10_000, maxRows: 10_000 });
    if (page.state === 'QUEUED' || page.state === 'RUNNING') continue;
    if (page.state !== 'FINISHED') return { state: page.state, rows, ...(page.error ? { error: page.error } : {}) };
    rows.push(...(page.rows ?? []));
    if (page.nextCursor === undefined) return { state: page.state, rows, ...(page.update ? { update: page.update } : {}) };
    cursor = page.nextCursor;
  }
}

export function inspect(engine: DuckDbEngine, sql: string, on: ClientSession = session(), parameters?: string[]): Promise<EngineInspection> {
  return engine.inspect({ queryId: `inspect-${++counter}`, sql, session: on, target: 'local', ...(parameters ? { parameters } : {}) });
}

/** Runs a statement that must succeed; returns its rows. */
export async function ok(engine: DuckDbEngine, sql: string, on: ClientSession = session()): Promise<unknown[][]> {
  const outcome = await run(engine, sql, on);
  if (outcome.state !== 'FINISHED') throw new Error(`${sql}: ${outcome.state} ${outcome.error?.errorName} ${outcome.error?.message}`);
  return outcome.rows;
}

export const names = (tables: string[][]) => tables.map((t) => t.join('.')).sort();
