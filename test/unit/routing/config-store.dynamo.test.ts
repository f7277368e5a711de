import { DynamoConfigStore } from '../../../lambdas/adapters/aws/dynamo-config-store.js';
import { configTableDefinition } from '../../../lambdas/adapters/aws/tables.js';
import { startLocalDynamo } from '../../../lambdas/local/dynamo.js';
import { configStoreContract } from './support/config-store-contract.js';

// The same contract against DynamoDB's API (dynalite in process): one fresh item key per test.
configStoreContract('DynamoDB (dynalite)', async () => {
  const dynamo = await startLocalDynamo([configTableDefinition('bifrost-config')]);
  let n = 0;
  return {
    create: async (base) => new DynamoConfigStore(dynamo.client, 'bifrost-config', base, Date.now, `routing-test-${++n}`),
    close: () => dynamo.close(),
  };
});
