import { CreateTableCommand, DynamoDBClient, ResourceInUseException, waitUntilTableExists, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { queriesTableDefinition } from '../adapters/aws/tables.js';

export interface LocalDynamo {
  client: DynamoDBClient;
  endpoint: string;
  tables: { queries: string };
  /** The folder the tables are kept in (the data folder, or the temporary one); none in memory. */
  path?: string;
  close(): Promise<void>;
}

export interface LocalDynamoOptions {
  /** A folder that keeps the tables across restarts (dynalite's LevelDB store). */
  dataDir?: string;
  /**
   * Without a data folder: keep the tables in LevelDB in a temporary folder, removed at close (at
   * exit, or by a later start when the process was killed), instead of in dynalite's in-memory
   * store, whose items, index entries and their buffers all live in the JS heap, every query's
   * history item adding to it for good: the store of a long-running local server. Default false:
   * in memory, for short-lived uses (tests).
   */
  temporary?: boolean;
}

/** Temporary folders still in use, removed at exit should their store not be closed first. */
const temporaryFolders = new Set<string>();
const TEMPORARY_PREFIX = 'bifrost-local-';
let firstTemporary = true;

function temporaryFolder(): string {
  if (firstTemporary) {
    firstTemporary = false;
    removeAbandonedFolders();
    process.once('exit', () => {
      for (const f of temporaryFolders) {
        try {
          rmSync(f, { recursive: true, force: true });
        } catch {
          // Still open where open files cannot be removed (Windows): the next start removes it.
        }
      }
    });
  }
  // Named after this process, so that a later start can tell a folder left behind by a process
  // that ended without exiting (a signal, a killed test worker) and remove it.
  const folder = mkdtempSync(join(tmpdir(), `${TEMPORARY_PREFIX}${process.pid}-`));
  temporaryFolders.add(folder);
  return folder;
}

function removeAbandonedFolders(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(new RegExp(`^${TEMPORARY_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    try {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    } catch {
      // Another user's, or being removed by another start: left alone.
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * dynalite reads a Query's or Scan's items through a stream over a LevelDB iterator and, when the
 * stream ends or is destroyed, closes that iterator with `iterator.return()`, a method the
 * iterators of abstract-level 3 (under memory-level and classic-level) do not have: every Query
 * left its iterator open, held in the database's set of open resources with the store's snapshot
 * of that moment (in memory, about 7 KB of heap per query of the local server; with a data folder,
 * a LevelDB iterator and its snapshot in native memory). Giving those iterators the `return()`
 * dynalite calls closes them.
 */
function closeDynaliteIterators(): void {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  for (const store of ['memory-level', 'classic-level']) {
    const fromStore = createRequire(fromDynalite.resolve(store));
    const { AbstractIterator } = fromStore('abstract-level') as { AbstractIterator: { prototype: object } };
    // The common base of entry, key and value iterators (and of the default key and value ones).
    const common = Object.getPrototypeOf(AbstractIterator.prototype) as { return?: unknown; close(): Promise<void> };
    if (typeof common.return === 'function') continue;
    Object.defineProperty(common, 'return', {
      configurable: true,
      writable: true,
      value: async function (this: { close(): Promise<void> }) {
        await this.close();
        return { done: true, value: undefined };
      },
    });
  }
}

/**
 * DynamoDB's API served in-process by dynalite on a free loopback port, with Bifrost's tables
 * created (kept as they are when a data folder already holds them). The same DynamoDB code as in
 * AWS runs against it.
 */
export async function startLocalDynamo(extraTables: CreateTableCommandInput[] = [], options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  closeDynaliteIterators();
  const scratch = !options.dataDir && options.temporary ? temporaryFolder() : undefined;
  const path = options.dataDir ?? scratch;
  const removeScratch = () => {
    if (!scratch) return;
    rmSync(scratch, { recursive: true, force: true });
    temporaryFolders.delete(scratch);
  };
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    removeScratch();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  // One process serves every client here: the SDK's default of 50 sockets would queue polls behind each other.
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 512 }) },
  });
  const tables = { queries: 'bifrost-queries' };
  const close = async () => {
    client.destroy();
    // Closing dynalite's server closes its store too, before its temporary folder goes.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    removeScratch();
  };
  try {
    for (const definition of [queriesTableDefinition(tables.queries), ...extraTables]) {
      try {
        await client.send(new CreateTableCommand(definition));
      } catch (error) {
        // A data folder from an earlier run already holds the table.
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: definition.TableName! });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { client, endpoint, tables, ...(path ? { path } : {}), close };
}
