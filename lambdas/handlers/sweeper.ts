import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { awsTrackingDeps } from '../adapters/aws/tracking.js';
import { sweep } from '../core/tracking/index.js';
import { ENV, loadConfig, requireEnv } from './env.js';

/** Scheduled: reconciles queries that missed their events and ends abandoned ones. */
const logger = new Logger({ serviceName: 'bifrost-sweeper' });
const metrics = new Metrics({ namespace: 'Bifrost', serviceName: 'bifrost-sweeper' });
const deps = awsTrackingDeps({ tableName: requireEnv(ENV.QUERIES_TABLE), config: loadConfig(), log: logger, metrics });

export const handler = middy(async () => sweep(deps))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
