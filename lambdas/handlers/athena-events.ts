import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { awsTrackingDeps } from '../adapters/aws/tracking.js';
import { applyStateChange, type AthenaStateChangeEvent } from '../core/tracking/index.js';
import { METRICS } from '../contract.js';
import { ENV, loadConfig, requireEnv } from './env.js';

/** EventBridge "Athena Query State Change" -> the query item (conditional, idempotent update). */
const logger = new Logger({ serviceName: 'bifrost-athena-events' });
const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: 'bifrost-athena-events' });
const deps = awsTrackingDeps({ tableName: requireEnv(ENV.QUERIES_TABLE), config: loadConfig(), log: logger, metrics });

export const handler = middy(async (event: AthenaStateChangeEvent) => applyStateChange(deps, event))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
