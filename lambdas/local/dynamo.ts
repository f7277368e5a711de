import { CreateTableCommand, DynamoDBClient, ResourceInUseException, waitUntilTableExists, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { queriesTableDefinition } from '../adapters/aws/tables.js';

export interface LocalDynamo {
  client: DynamoDBClient;
  endpoint: string;
  tables: { queries: string };
  close(): Promise<void>;
}

export interface LocalDynamoOptions {
  /** A folder that keeps the tables across restarts (dynalite's LevelDB store); in memory without one. */
  dataDir?: string;
}

/**
 * DynamoDB's API served in-process by dynalite on a free loopback port, with Bifrost's tables
 * created (kept as they are when a data folder already holds them). The same DynamoDB code as in
 * AWS runs against it.
 */
export async function startLocalDynamo(extraTables: CreateTableCommandInput[] = [], options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.dataDir ? { path: options.dataDir } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
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
  for (const definition of [queriesTableDefinition(tables.queries), ...extraTables]) {
    try {
      await client.send(new CreateTableCommand(definition));
    } catch (error) {
      // A data folder from an earlier run already holds the table.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: definition.TableName! });
  }
  return {
    client,
    endpoint,
    tables,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
