import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { BifrostHome } from '../../compose/bifrost.js';
import { METRICS, SPOOL_PREFIX } from '../../contract.js';
import type { BifrostConfig } from '../../core/config/schema.js';
import type { Logger, TrackingMetric } from '../../core/ports/index.js';
import { awsTokenVerifiers } from '../auth/token-verifiers.js';
import { secretsManagerClusterCredentials } from './cluster-credentials.js';
import { eventBridgePublisher } from './event-bridge.js';
import { S3SegmentStore } from './s3-segments.js';

export interface AwsHomeOptions {
  config: BifrostConfig;
  tables: { queries: string; config: string; users: string };
  /** The secret that signs nextUri tokens and admin sessions; only the statement and admin functions read it. */
  keySecretArn?: string;
  /** The stack's load balancer, the signer of alb-oidc tokens. */
  loadBalancerArn?: string;
  /** The bus Bifrost's events go to (the stack's EVENT_BUS_NAME); default: events.busName, else the account's default bus. */
  eventBusName?: string;
  log: Logger;
  /** Powertools' Metrics (or anything with addMetric), for tracking's counts. */
  metrics?: { addMetric(name: string, unit: 'Count', value: number): void };
  /** Where an EMF line goes (the function's log, which CloudWatch reads metrics from). */
  write?: (line: string) => void;
  /** The bucket of spooled result segments (SPOOL_BUCKET); without it clients get inline rows only. */
  spoolBucket?: string;
}

/**
 * The deployed home: DynamoDB, Athena, Glue and S3 with the function's role, the signing key from
 * Secrets Manager, cluster credentials from Secrets Manager, and CloudWatch metrics.
 */
export async function awsHome(options: AwsHomeOptions): Promise<BifrostHome> {
  const secrets = new SecretsManagerClient({});
  let key: string | undefined;
  if (options.keySecretArn) {
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: options.keySecretArn }));
    if (!secret.SecretString || secret.SecretString.length < 32) throw new Error('The page token secret must hold at least 32 characters');
    key = secret.SecretString;
  }
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const metrics = options.metrics;
  const segments = options.spoolBucket ? new S3SegmentStore({ bucket: options.spoolBucket, prefix: SPOOL_PREFIX, s3: new S3Client({ followRegionRedirects: true }) }) : undefined;
  return {
    mode: 'deployed',
    config: options.config,
    dynamo: new DynamoDBClient({}),
    tables: options.tables,
    ...(key !== undefined ? { key } : {}),
    aws: () => ({ athena: new AthenaClient({}), s3: new S3Client({ followRegionRedirects: true }), glue: new GlueClient({ maxAttempts: 8, retryMode: 'adaptive' }) }),
    fetch,
    clusterCredentials: (secretId) => secretsManagerClusterCredentials(secrets, secretId),
    tokenVerifiers: awsTokenVerifiers(),
    ...(options.loadBalancerArn ? { albArn: options.loadBalancerArn } : {}),
    // QueueDepth carries the Target dimension alone, as the queue-full alarms read it (Powertools
    // would add its service dimension to every metric, so the line is written directly).
    queueDepthMetric: (target, depth) => write(queueDepthEmf(target, depth, Date.now())),
    ...(metrics ? { trackingMetrics: { count: (name: TrackingMetric, value = 1) => metrics.addMetric(name, 'Count', value) } } : {}),
    ...(segments ? { segments } : {}),
    ...(options.config.events.enabled ? { events: eventBridgePublisher({ busName: options.eventBusName || options.config.events.busName || 'default', source: options.config.events.source, log: options.log, ...(metrics ? { count: (name: string, value: number) => metrics.addMetric(name, 'Count', value) } : {}) }) } : {}),
    log: options.log,
  };
}

/** One CloudWatch Embedded Metric Format line: QueueDepth of a target. */
export function queueDepthEmf(target: string, depth: number, at: number): string {
  const { namespace, queueDepth } = METRICS;
  return JSON.stringify({
    _aws: { Timestamp: at, CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[queueDepth.dimension]], Metrics: [{ Name: queueDepth.name, Unit: 'Count' }] }] },
    [queueDepth.dimension]: target,
    [queueDepth.name]: depth,
  });
}

/** Powertools' Logger as the core's Logger. */
export function coreLogger(logger: { info(m: string, e: Record<string, unknown>): void; warn(m: string, e: Record<string, unknown>): void; error(m: string, e: Record<string, unknown>): void }): Logger {
  return { info: (m, e) => logger.info(m, e ?? {}), warn: (m, e) => logger.warn(m, e ?? {}), error: (m, e) => logger.error(m, e ?? {}) };
}
