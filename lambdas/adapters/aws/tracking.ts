import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BifrostConfig } from '../../core/config/schema.js';
import type { TrackingDeps } from '../../core/tracking/deps.js';
import type { TrackingLog, TrackingMetric } from '../../core/ports/index.js';
import { trackingSettings } from '../../core/tracking/settings.js';
import { AthenaStatusApi } from './athena-status.js';
import { DynamoQueryStore } from './dynamo-query-store.js';

/** Where tracking metrics go: Powertools' Metrics (addMetric) or anything shaped like it. */
export interface MetricsSink {
  addMetric(name: string, unit: 'Count', value: number): void;
}

/** Powertools' Logger, or anything that logs a message with extra attributes. */
export interface LoggerLike {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface AwsTrackingOptions {
  tableName: string;
  config: BifrostConfig;
  log: LoggerLike;
  metrics?: MetricsSink;
  dynamo?: DynamoDBClient;
  athena?: AthenaClient;
}

/** Tracking's dependencies in AWS: the DynamoDB query store and Athena's status API for Athena targets. */
export function awsTrackingDeps(options: AwsTrackingOptions): TrackingDeps {
  const store = new DynamoQueryStore(options.dynamo ?? new DynamoDBClient({}), options.tableName);
  const athena = new AthenaStatusApi(options.athena ?? new AthenaClient({}));
  const athenaTargets = new Set(Object.entries(options.config.targets).filter(([, t]) => t.type === 'athena').map(([name]) => name));
  const sink = options.metrics;
  return {
    store,
    statusFor: (target) => (target !== undefined && athenaTargets.has(target) ? athena : undefined),
    settings: trackingSettings(options.config),
    log: trackingLog(options.log),
    ...(sink ? { metrics: { count: (name: TrackingMetric, value = 1) => sink.addMetric(name, 'Count', value) } } : {}),
  };
}

function trackingLog(logger: LoggerLike): TrackingLog {
  return {
    info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
    warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
    error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
  };
}
