import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { fileURLToPath } from 'node:url';
import { flushEventsAtEnd } from '../adapters/aws/event-bridge.js';
import { awsHome, coreLogger } from '../adapters/aws/home.js';
import { fromAlbEvent, toAlbResult } from '../adapters/http/alb.js';
import { staticAssets } from '../adapters/http/static-assets.js';
import { composeBifrost } from '../compose/bifrost.js';
import { textResponse } from '../core/http.js';
import { ENV, loadConfig, requireEnv, tablesFromEnv } from './env.js';

/** The admin door behind the ALB: /api/admin/* (JSON) and /admin/* (the page, bundled beside this file). */
const logger = new Logger({ serviceName: 'bifrost-admin' });
const bifrost = composeBifrost(
  await awsHome({
    config: loadConfig(),
    tables: tablesFromEnv(),
    keySecretArn: requireEnv(ENV.PAGE_TOKEN_SECRET_ARN),
    eventBusName: process.env[ENV.EVENT_BUS_NAME],
    ...(process.env[ENV.LOAD_BALANCER_ARN] ? { loadBalancerArn: process.env[ENV.LOAD_BALANCER_ARN] } : {}),
    log: coreLogger(logger),
  }),
);
const admin = bifrost.admin();
const page = staticAssets(fileURLToPath(new URL('./admin-ui', import.meta.url)));

export const handler = middy(async (event: ALBEvent): Promise<ALBResult> => {
  const request = fromAlbEvent(event);
  try {
    const response = (await admin.handle(request)) ?? (await page(request)) ?? textResponse(404, 'Not found');
    return toAlbResult(response, event);
  } catch (error) {
    logger.error('admin request failed', { error: String(error), path: request.path });
    return toAlbResult(textResponse(500, 'Internal error in the admin API'), event);
  }
})
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(flushEventsAtEnd(bifrost.events, bifrost.config.events.flushWaitMs));
