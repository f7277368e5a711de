import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { awsHome } from '../../../lambdas/adapters/aws/home.js';
import { composeBifrost } from '../../../lambdas/compose/bifrost.js';
import { parseConfigText } from '../../../lambdas/core/config/schema.js';
import { startLocalServer, type LocalServer } from '../../../lambdas/local/server.js';

/**
 * One gateway, two homes: the local server and the Lambda functions are the same composition with
 * other adapters. For the same config they must offer the same things per target: an engine,
 * catalog answers (DESCRIBE, information_schema, system.jdbc), tracking, cluster health checks, and
 * the same page size. A feature that one home forgets shows up here as a difference.
 */
const config = parseConfigText(
  JSON.stringify({
    version: 1,
    gateway: { maxPageBytes: 300_000 },
    catalogs: { hive: { athenaCatalog: 'AwsDataCatalog' } },
    targets: {
      adhoc: { type: 'athena', workgroup: 'bifrost-adhoc' },
      warehouse: { type: 'trino', url: 'http://127.0.0.1:9' },
    },
    routingGroups: { main: { targets: ['adhoc', 'warehouse'] } },
    defaultRoutingGroup: 'main',
  }),
);

const servers: LocalServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe('the two homes', () => {
  it('offer the same capabilities for the same config', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(40) });
    const log = { info() {}, warn() {}, error() {} };
    const deployed = composeBifrost(await awsHome({ config, tables: { queries: 'q', config: 'c', users: 'u' }, keySecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:key', log }));
    // The local home would take the user's credentials from the environment; any clients do here.
    const local = await startLocalServer({ config, aws: () => ({ athena: new AthenaClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }), glue: new GlueClient({ region: 'us-east-1' }) }) });
    servers.push(local);
    secrets.restore();

    const expected = {
      maxPageBytes: 300_000,
      targets: {
        adhoc: { engine: true, catalogAnswers: true, tracked: true, healthChecked: false },
        warehouse: { engine: true, catalogAnswers: false, tracked: true, healthChecked: true },
      },
    };
    expect(deployed.capabilities()).toEqual(expected);
    expect(local.capabilities()).toEqual(expected);
    // Both can serve the protocol and the admin API.
    expect(typeof deployed.gateway().handle).toBe('function');
    expect(typeof deployed.admin().handle).toBe('function');
  });
});
