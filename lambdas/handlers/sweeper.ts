import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { EVENT_HANDLER_FLUSH_MS, flushEventsAtEnd } from '../adapters/aws/event-bridge.js';
import { awsHome, coreLogger } from '../adapters/aws/home.js';
import { composeBifrost } from '../compose/bifrost.js';
import { METRICS } from '../contract.js';
import { ENV, loadConfig, spoolBucketFromEnv, tablesFromEnv } from './env.js';

/**
 * Scheduled, the periodic job both homes run: reconciles queries that missed their events, ends
 * abandoned ones, checks cluster health, samples queue depth for the dashboard and publishes it
 * as the QueueDepth metric the queue-full alarms watch.
 */
const logger = new Logger({ serviceName: 'bifrost-sweeper' });
const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: 'bifrost-sweeper' });
const bifrost = composeBifrost(await awsHome({ config: loadConfig(), tables: tablesFromEnv(), spoolBucket: spoolBucketFromEnv(), eventBusName: process.env[ENV.EVENT_BUS_NAME], log: coreLogger(logger), metrics }));

export const handler = middy(async () => bifrost.periodic())
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(flushEventsAtEnd(bifrost.events, Math.max(bifrost.config.events.flushWaitMs, EVENT_HANDLER_FLUSH_MS)));
