import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { EVENT_HANDLER_FLUSH_MS, flushEventsAtEnd } from '../adapters/aws/event-bridge.js';
import { awsHome, coreLogger } from '../adapters/aws/home.js';
import { composeBifrost } from '../compose/bifrost.js';
import { METRICS } from '../contract.js';
import { applyStateChange, type AthenaStateChangeEvent } from '../core/tracking/index.js';
import { ENV, loadConfig, tablesFromEnv } from './env.js';

/** EventBridge "Athena Query State Change" -> the query item (conditional, idempotent update). */
const logger = new Logger({ serviceName: 'bifrost-athena-events' });
const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: 'bifrost-athena-events' });
const { tracking, events, config } = composeBifrost(await awsHome({ config: loadConfig(), tables: tablesFromEnv(), eventBusName: process.env[ENV.EVENT_BUS_NAME], log: coreLogger(logger), metrics }));

export const handler = middy(async (event: AthenaStateChangeEvent) => applyStateChange(tracking, event))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(flushEventsAtEnd(events, Math.max(config.events.flushWaitMs, EVENT_HANDLER_FLUSH_MS)));
