import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDepthSamples } from '../adapters/aws/dynamo-depth-samples.js';
import { DynamoQueryStore } from '../adapters/aws/dynamo-query-store.js';
import { awsTrackingDeps } from '../adapters/aws/tracking.js';
import { sampleDepths } from '../core/admin/depth-samples.js';
import { sweep } from '../core/tracking/index.js';
import { METRICS } from '../contract.js';
import { ENV, loadConfig, requireEnv } from './env.js';

/** Scheduled: reconciles queries that missed their events, ends abandoned ones, samples queue depth for the admin dashboard. */
const logger = new Logger({ serviceName: 'bifrost-sweeper' });
const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: 'bifrost-sweeper' });
const config = loadConfig();
const dynamo = new DynamoDBClient({});
const deps = awsTrackingDeps({ tableName: requireEnv(ENV.QUERIES_TABLE), config, log: logger, metrics, dynamo });
const depths = new DynamoQueryStore(dynamo, requireEnv(ENV.QUERIES_TABLE));
// The config table is where the admin function reads the samples; without it (older stacks) none are taken.
const configTable = process.env[ENV.CONFIG_TABLE];
const samples = configTable ? new DynamoDepthSamples(dynamo, configTable) : undefined;

export const handler = middy(async () => {
  const report = await sweep(deps);
  if (samples) await sampleDepths(Object.keys(config.targets), depths, samples, Date.now()).catch((error: unknown) => logger.warn('depth sample failed', { error: String(error) }));
  return report;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
