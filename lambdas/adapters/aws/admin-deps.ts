import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AdminDeps } from '../../core/admin/api.js';
import { runtimeAccessControl } from '../../core/acl/index.js';
import { createAuthenticator } from '../../core/auth/index.js';
import type { BifrostConfig } from '../../core/config/schema.js';
import type { Logger } from '../../core/gateway.js';
import { cachedConfigSource } from '../../core/routing/index.js';
import { trinoAnalyzer } from '../../core/sql/index.js';
import { awsTokenVerifiers } from '../auth/token-verifiers.js';
import { DynamoAuditLog } from './dynamo-audit-log.js';
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
  };
}
