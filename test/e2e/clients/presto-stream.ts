import { createRequire } from 'node:module';

/**
 * presto-stream-client as its tests use it, against the local engine and against Athena targets:
 * execute() gives a Readable of rows, read through its data, end and error events; cancel()
 * sends DELETE /v1/query/{id}.
 */
export interface Statement {
  query_id: string;
  columns: { name: string; type: string }[] | null;
  on(event: 'data', f: (row: Record<string, unknown>) => void): Statement;
  on(event: 'end', f: () => void): Statement;
  on(event: 'error', f: (error: Error & { data?: { error?: { errorName: string; errorType: string; message: string } } }) => void): Statement;
  on(event: 'state_change', f: (state: string) => void): Statement;
  cancel(): Promise<void>;
}

export interface PrestoStreamClient {
  execute(options: { query: string; timezone?: string }): Promise<Statement>;
}

const require = createRequire(import.meta.url);
export const { Client } = require('presto-stream-client') as { Client: new (options: Record<string, unknown>) => PrestoStreamClient };

/** Every row of a statement, read from its stream, with the statement. */
export async function streamRows(client: PrestoStreamClient, sql: string): Promise<{ rows: Record<string, unknown>[]; statement: Statement }> {
  const statement = await client.execute({ query: sql });
  const out: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    statement.on('data', (row) => out.push(row));
    statement.on('end', () => resolve({ rows: out, statement }));
    statement.on('error', reject);
  });
}
