import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { flushEventsAtEnd } from '../adapters/aws/event-bridge.js';
import { awsHome, coreLogger } from '../adapters/aws/home.js';
import { fromAlbEvent, toAlbResult } from '../adapters/http/alb.js';
import { composeBifrost } from '../compose/bifrost.js';
import { warmUpAnalyzer } from '../core/sql/index.js';
import { ENV, loadConfig, requireEnv, spoolBucketFromEnv, tablesFromEnv } from './env.js';

/** The protocol door behind the ALB: POST /v1/statement, GET and DELETE of nextUri, /v1/info. */
const logger = new Logger({ serviceName: 'bifrost-statement' });
// The SQL parser compiles its grammar on first use: pay for it during init, not in a query.
warmUpAnalyzer();
const bifrost = composeBifrost(await awsHome({ config: loadConfig(), tables: tablesFromEnv(), keySecretArn: requireEnv(ENV.PAGE_TOKEN_SECRET_ARN), eventBusName: process.env[ENV.EVENT_BUS_NAME], spoolBucket: spoolBucketFromEnv(), log: coreLogger(logger) }));
const gateway = bifrost.gateway();

export const handler = middy(async (event: ALBEvent): Promise<ALBResult> => toAlbResult(await gateway.handle(fromAlbEvent(event)), event)).use(injectLambdaContext(logger, { clearState: true }))
  // Events still being sent get a short, bounded wait before Lambda freezes the environment.
  .use(flushEventsAtEnd(bifrost.events, bifrost.config.events.flushWaitMs));
