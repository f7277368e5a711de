import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { flushEventsAtEnd } from '../adapters/aws/event-bridge.js';
import { awsHome, coreLogger } from '../adapters/aws/home.js';
import { fromAlbEvent, toAlbResult } from '../adapters/http/alb.js';
import { composeBifrost } from '../compose/bifrost.js';
import { restoreAnalyzerSnapshot, warmUpAnalyzer } from '../core/sql/index.js';
import { PARSER_SNAPSHOT_FILE } from '../contract.js';
import { ENV, loadConfig, requireEnv, spoolBucketFromEnv, tablesFromEnv } from './env.js';

/** A file bundled next to the handler, if there is one (none when the handler runs from source). */
function bundledText(name: string): string | undefined {
  try {
    return readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
}

/** The protocol door behind the ALB: POST /v1/statement, GET and DELETE of nextUri, /v1/info. */
const logger = new Logger({ serviceName: 'bifrost-statement' });
// The SQL parser learns its grammar's predictions on first use. The bundle carries what the
// warm-up learns (written when it was built): restoring it takes a fraction of the warm-up's time.
// Without it, the warm-up runs during init, not in a client's query.
const parserSnapshot = restoreAnalyzerSnapshot(bundledText(PARSER_SNAPSHOT_FILE));
if (parserSnapshot !== 'restored') {
  if (parserSnapshot === 'refused') logger.warn('The bundled parser snapshot does not fit this parser: warming up instead');
  warmUpAnalyzer();
}
const bifrost = composeBifrost(await awsHome({ config: loadConfig(), tables: tablesFromEnv(), keySecretArn: requireEnv(ENV.PAGE_TOKEN_SECRET_ARN), eventBusName: process.env[ENV.EVENT_BUS_NAME], spoolBucket: spoolBucketFromEnv(), log: coreLogger(logger) }));
const gateway = bifrost.gateway();

export const handler = middy(async (event: ALBEvent): Promise<ALBResult> => toAlbResult(await gateway.handle(fromAlbEvent(event)), event)).use(injectLambdaContext(logger, { clearState: true }))
  // Events still being sent get a short, bounded wait before Lambda freezes the environment.
  .use(flushEventsAtEnd(bifrost.events, bifrost.config.events.flushWaitMs));
