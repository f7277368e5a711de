import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { fileURLToPath } from 'node:url';
import { awsAdminDeps } from '../adapters/aws/admin-deps.js';
import { fromAlbEvent, toAlbResult } from '../adapters/http/alb.js';
import { staticAssets } from '../adapters/http/static-assets.js';
import { createAdminApi } from '../core/admin/api.js';
import { textResponse } from '../core/http.js';
import { ENV, loadConfig, requireEnv } from './env.js';

/** The admin door behind the ALB: /api/admin/* (JSON) and /admin/* (the page, bundled beside this file). */
const logger = new Logger({ serviceName: 'bifrost-admin' });
const admin = createAdminApi(
  await awsAdminDeps({
    config: loadConfig(),
    tables: { queries: requireEnv(ENV.QUERIES_TABLE), config: requireEnv(ENV.CONFIG_TABLE), users: requireEnv(ENV.USERS_TABLE) },
    keySecretArn: requireEnv(ENV.PAGE_TOKEN_SECRET_ARN),
    ...(process.env[ENV.LOAD_BALANCER_ARN] ? { loadBalancerArn: process.env[ENV.LOAD_BALANCER_ARN] } : {}),
    log: { info: (m, e) => logger.info(m, e ?? {}), warn: (m, e) => logger.warn(m, e ?? {}), error: (m, e) => logger.error(m, e ?? {}) },
  }),
);
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
}).use(injectLambdaContext(logger, { clearState: true }));
