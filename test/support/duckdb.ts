import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';

/** An in-memory DuckDB (one thread) and a connection to it, opened for a test file and closed after it. */
export function useInMemoryDuckDb(): { readonly instance: DuckDBInstance; readonly connection: DuckDBConnection } {
  const db = {} as { instance: DuckDBInstance; connection: DuckDBConnection };
  beforeAll(async () => {
    db.instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    db.connection = await db.instance.connect();
  });
  afterAll(() => {
    db.connection?.closeSync();
    db.instance?.closeSync();
  });
  return db;
}
