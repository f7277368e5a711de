import { CreateTableCommand, DynamoDBClient, waitUntilTableExists, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
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

/**
 * DynamoDB's API served in-process by dynalite on a free loopback port, with Bifrost's tables
 * created. The same DynamoDB code as in AWS runs against it.
 */
export async function startLocalDynamo(extraTables: CreateTableCommandInput[] = []): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
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
    await client.send(new CreateTableCommand(definition));
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
