import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A process per file: files that mock AWS SDK clients or set process.env stay on their own.
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    fileParallelism: true,
    // Vitest's default is one worker fewer than the cores: a single worker on 2 cores, where much
    // of a file's time is spent waiting (child processes, local servers, the engine's threads).
    // Two workers there took about 40% less time than one on the same files.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
