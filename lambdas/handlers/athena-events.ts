import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { awsHome, coreLogger } from '../adapters/aws/home.js';
import { composeBifrost } from '../compose/bifrost.js';
import { METRICS } from '../contract.js';
import { applyStateChange, type AthenaStateChangeEvent } from '../core/tracking/index.js';
import { loadConfig, tablesFromEnv } from './env.js';

/** EventBridge "Athena Query State Change" -> the query item (conditional, idempotent update). */
const logger = new Logger({ serviceName: 'bifrost-athena-events' });
const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: 'bifrost-athena-events' });
const { tracking } = composeBifrost(await awsHome({ config: loadConfig(), tables: tablesFromEnv(), log: coreLogger(logger), metrics }));

export const handler = middy(async (event: AthenaStateChangeEvent) => applyStateChange(tracking, event))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
