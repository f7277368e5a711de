import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { runtimeAccessControl } from '../../core/acl/index.js';
import { createAuthenticator } from '../../core/auth/index.js';
import type { BifrostConfig } from '../../core/config/schema.js';
import type { Engine } from '../../core/ports/index.js';
import { clusterHealthTargets, createClusterEngines, storedTargetHealth } from '../../core/engines/cluster/index.js';
import { DEFAULT_GATEWAY_CONFIG, type GatewayDeps, type Logger } from '../../core/gateway/index.js';
import { createMetadataService, tableVisibility } from '../../core/metadata/index.js';
import { cachedConfigSource, createRouter } from '../../core/routing/index.js';
import { trinoAnalyzer } from '../../core/sql/index.js';
import { awsTokenVerifiers } from '../auth/token-verifiers.js';
import { createAthenaEngine } from './athena/athena-engine.js';
import { secretsManagerClusterCredentials } from './cluster-credentials.js';
import { DynamoConfigStore } from './dynamo-config-store.js';
import { DynamoHealthStore } from './dynamo-health-store.js';
import { DynamoQueryStore } from './dynamo-query-store.js';
import { DynamoUserStore } from './dynamo-user-store.js';
import { awsMetadataSource } from './metadata/index.js';

export interface AwsGatewayOptions {
  config: BifrostConfig;
  tables: { queries: string; config: string; users: string };
  pageTokenSecretArn: string;
  log: Logger;
}

/**
 * Everything the statement function needs, built once per cold start from the config and the
 * deployed resources: DynamoDB stores, one engine per target, routing with run-time overrides
 * and cluster health, authentication, SQL analysis and access rules, catalog browsing.
 */
export async function awsGatewayDeps(options: AwsGatewayOptions): Promise<GatewayDeps> {
  const { config, tables, log } = options;
  const dynamo = new DynamoDBClient({});
  const secrets = new SecretsManagerClient({});
  const athena = new AthenaClient({});
  const s3 = new S3Client({ followRegionRedirects: true });
  const glue = new GlueClient({ maxAttempts: 8, retryMode: 'adaptive' });
  const store = new DynamoQueryStore(dynamo, tables.queries);

  const key = await secrets.send(new GetSecretValueCommand({ SecretId: options.pageTokenSecretArn }));
  if (!key.SecretString || key.SecretString.length < 32) throw new Error('The page token secret must hold at least 32 characters');

  const catalogs = Object.fromEntries(Object.entries(config.catalogs).map(([name, c]) => [name, c.athenaCatalog]));
  const engines: Record<string, Engine> = {};
  for (const [name, target] of Object.entries(config.targets)) {
    if (target.type !== 'athena') continue;
    engines[name] = createAthenaEngine({
      athena,
      s3,
      glue,
      workgroup: target.workgroup,
      catalogs,
      csvFastPath: target.csvFastPath,
      ...(target.resultReuseMinutes !== undefined ? { resultReuse: { enabled: true, maxAgeMinutes: target.resultReuseMinutes } } : {}),
      pageBytes: Math.floor(config.gateway.maxPageBytes * 0.8),
      log,
    });
  }
  Object.assign(
    engines,
    createClusterEngines(config, {
      fetch,
      credentialsFor: (secretId) => secretsManagerClusterCredentials(secrets, secretId),
      lookupQuery: (id) => store.get(id),
      maxPageBytes: config.gateway.maxPageBytes,
    }),
  );

  // Routing and access rules follow run-time changes (the admin API) through one cached read of the config table.
  const configSource = cachedConfigSource({ base: config, store: new DynamoConfigStore(dynamo, tables.config, config), onProblem: (message, detail) => log.warn(message, detail) });
  const runtimeAccess = runtimeAccessControl(config, configSource);
  const access = runtimeAccess.control;
  const accessControl = access;
  const health = storedTargetHealth(new DynamoHealthStore(dynamo, tables.config), { clusters: Object.keys(clusterHealthTargets(config)) });
  const router = createRouter({ config: configSource, depths: store, health, allowed: (principal, target, group) => access.canUseTarget(principal, target, group).allowed });
  const authenticator = createAuthenticator(
    config,
    {
      userStore: new DynamoUserStore(dynamo, tables.users),
      tokenVerifiers: awsTokenVerifiers(),
      canImpersonate: (who: string, as: string) => access.canImpersonate(who, as).allowed,
      log,
    },
    { mode: 'deployed' },
  );
  const metadata = createMetadataService({ source: awsMetadataSource({ catalogs: config.catalogs, glue, athena }), canSee: tableVisibility(accessControl), version: DEFAULT_GATEWAY_CONFIG.version });

  return {
    config: {
      ...DEFAULT_GATEWAY_CONFIG,
      environment: config.gateway.environment,
      maxPageBytes: config.gateway.maxPageBytes,
      pollWaitMs: config.gateway.pollWaitMs,
      historyRetentionDays: config.gateway.historyRetentionDays,
      pageTokenKey: key.SecretString,
      ...(config.gateway.publicUrl ? { publicBaseUrl: config.gateway.publicUrl } : {}),
    },
    store,
    engineFor: (target) => engines[target],
    router,
    authenticator,
    accessControl,
    analyzer: trinoAnalyzer,
    refreshAccess: runtimeAccess.refresh,
    metadataFor: (target) => (config.targets[target]?.type === 'athena' ? metadata : undefined),
    log,
  };
}
