import { MemoryConfigStore } from '../../../lambdas/core/stores/config-store.js';
import { configStoreContract } from './support/config-store-contract.js';

configStoreContract('in memory', async () => ({ create: async (base) => new MemoryConfigStore(base) }));
