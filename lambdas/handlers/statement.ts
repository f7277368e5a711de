import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { awsGatewayDeps } from '../adapters/aws/gateway-deps.js';
import { fromAlbEvent, toAlbResult } from '../adapters/http/alb.js';
import { createGateway } from '../core/gateway/index.js';
import { warmUpAnalyzer } from '../core/sql/index.js';
import { ENV, loadConfig, requireEnv } from './env.js';

/** The protocol door behind the ALB: POST /v1/statement, GET and DELETE of nextUri, /v1/info. */
const logger = new Logger({ serviceName: 'bifrost-statement' });
// The SQL parser compiles its grammar on first use: pay for it during init, not in a query.
warmUpAnalyzer();
const gateway = createGateway(
  await awsGatewayDeps({
    config: loadConfig(),
    tables: { queries: requireEnv(ENV.QUERIES_TABLE), config: requireEnv(ENV.CONFIG_TABLE), users: requireEnv(ENV.USERS_TABLE) },
    pageTokenSecretArn: requireEnv(ENV.PAGE_TOKEN_SECRET_ARN),
    log: { info: (m, e) => logger.info(m, e ?? {}), warn: (m, e) => logger.warn(m, e ?? {}), error: (m, e) => logger.error(m, e ?? {}) },
  }),
);

export const handler = middy(async (event: ALBEvent): Promise<ALBResult> => toAlbResult(await gateway.handle(fromAlbEvent(event)), event)).use(injectLambdaContext(logger, { clearState: true }));
