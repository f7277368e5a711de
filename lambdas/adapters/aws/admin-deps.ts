import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AdminDeps } from '../../core/admin/api.js';
import { recordedCancel } from '../../core/admin/cancel.js';
import { runtimeAccessControl } from '../../core/acl/index.js';
import { createAuthenticator } from '../../core/auth/index.js';
import type { BifrostConfig } from '../../core/config/schema.js';
import type { Logger } from '../../core/gateway/index.js';
import { cachedConfigSource } from '../../core/routing/index.js';
import { trinoAnalyzer } from '../../core/sql/index.js';
import { awsTokenVerifiers } from '../auth/token-verifiers.js';
import { AthenaStatusApi } from './athena-status.js';
import { DynamoAuditLog } from './dynamo-audit-log.js';
import { DynamoDepthSamples } from './dynamo-depth-samples.js';
import { DynamoConfigStore } from './dynamo-config-store.js';
import { DynamoHealthStore } from './dynamo-health-store.js';
import { DynamoQueryStore } from './dynamo-query-store.js';
import { DynamoUserStore } from './dynamo-user-store.js';

export interface AwsAdminOptions {
  config: BifrostConfig;
  tables: { queries: string; config: string; users: string };
  /** The secret that also signs nextUri tokens; admin sessions use it under their own purpose. */
  keySecretArn: string;
  /** The stack's load balancer, the signer of alb-oidc tokens. */
  loadBalancerArn?: string;
  log: Logger;
}

/** Everything the admin function needs, built once per cold start on the deployed tables. */
export async function awsAdminDeps(options: AwsAdminOptions): Promise<AdminDeps> {
  const { config, tables, log } = options;
  const dynamo = new DynamoDBClient({});
  const key = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: options.keySecretArn }));
  if (!key.SecretString || key.SecretString.length < 32) throw new Error('The key secret must hold at least 32 characters');
  const configStore = new DynamoConfigStore(dynamo, tables.config, config);
  const access = runtimeAccessControl(config, cachedConfigSource({ base: config, store: configStore, onProblem: (message, detail) => log.warn(message, detail) }));
  const store = new DynamoQueryStore(dynamo, tables.queries);
  const users = new DynamoUserStore(dynamo, tables.users);
  const athena = new AthenaStatusApi(new AthenaClient({}));
  const athenaTargets = new Set(Object.entries(config.targets).flatMap(([name, t]) => (t.type === 'athena' ? [name] : [])));
  return {
    config,
    mode: 'deployed',
    configStore,
    history: store,
    depths: store,
    health: new DynamoHealthStore(dynamo, tables.config),
    users,
    audit: new DynamoAuditLog(dynamo, tables.config),
    authenticator: createAuthenticator(
      config,
      { userStore: users, tokenVerifiers: awsTokenVerifiers(), ...(options.loadBalancerArn ? { albArn: options.loadBalancerArn } : {}), canImpersonate: (who, as) => access.control.canImpersonate(who, as).allowed, log },
      { mode: 'deployed', endpoint: 'admin' },
    ),
    analyzer: trinoAnalyzer,
    sessionKey: key.SecretString,
    // A kill stops an Athena query here (StopQueryExecution, as the sweeper does), then records
    // CANCELED. This function is outside the VPC and holds no cluster credentials, so a query on a
    // Presto/Trino cluster is only recorded: its client's next poll ends it, and the cluster
    // abandons a query nobody polls. A query waiting at the gateway has nothing to stop.
    cancelQuery: recordedCancel({
      store,
      stop: async (record) => {
        if (record.target && athenaTargets.has(record.target) && record.engineQueryId) await athena.stop(record.engineQueryId);
      },
    }),
    depthSamples: new DynamoDepthSamples(dynamo, tables.config),
  };
}
