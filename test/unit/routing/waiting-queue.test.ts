import { DynamoQueryStore } from '../../../lambdas/adapters/aws/dynamo-query-store.js';
import { queriesTableDefinition } from '../../../lambdas/adapters/aws/tables.js';
import { startLocalDynamo } from '../../../lambdas/local/dynamo.js';
import { MemoryQueryStore } from '../../support/memory-store.js';
import { waitingQueueContract } from './support/waiting-queue-contract.js';

waitingQueueContract('in memory', async () => ({ create: async () => new MemoryQueryStore() }));

// DynamoDB (dynalite): the queries table with the waiting-by-group index added, one per test.
waitingQueueContract('DynamoDB (dynalite)', async () => {
  const tables = Array.from({ length: 4 }, (_, i) => `bifrost-queries-waiting-${i}`);
  const dynamo = await startLocalDynamo(tables.map((t) => queriesTableDefinition(t)));
  let n = 0;
  return { create: async () => new DynamoQueryStore(dynamo.client, tables[n++]!), close: () => dynamo.close() };
});
