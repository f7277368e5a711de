import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { RawValue } from '../../../lambdas/core/engines/athena/decode.js';
import { createFileAccessControl } from '../../../lambdas/core/acl/index.js';
import { parseConfigText } from '../../../lambdas/core/config/schema.js';
import { startLocalServer, type LocalServer } from '../../../lambdas/local/server.js';
import { AthenaResult, columnInfo } from '../../unit/engines/athena/support.js';
import { mockGlue, type GlueCatalogSpec } from '../../unit/metadata/glue-mock.js';
import { FakeAthena, scenarios, type Scenario } from '../athena-support.js';
import { DENIED_USER } from './support.js';

/**
 * What the client tests against Athena share: the local server composed from a config with two
 * Athena targets (`lake` reads results from the result CSV in S3, `lake-api`
 * through GetQueryResults pages; API_USER's queries are routed to the second), the catalog
 * `hive` mapped to the Glue Data Catalog, the client tests' access rules (DENIED_USER may read
 * no table; they make the gateway analyze every statement), and Athena, S3 and Glue scripted with
 * aws-sdk-client-mock in the shapes of their API references. Catalog queries (SHOW, DESCRIBE,
 * information_schema) are answered by the gateway from Glue; every other statement reaches the
 * scripted Athena (test/e2e/athena-support.ts), which picks its answer by a word of the SQL.
 */
/** The user whose queries go to the target that reads GetQueryResults pages. */
export const API_USER = 'api-reader';

const CONFIG = `
version: 1
targets:
  lake: { type: athena, workgroup: primary }
  lake-api: { type: athena, workgroup: primary-api, csvFastPath: false }
routingGroups:
  main: { targets: [lake] }
  api: { targets: [lake-api] }
rules:
  - name: api-path
    priority: 10
    match: { user: ${API_USER} }
    routingGroup: api
defaultRoutingGroup: main
catalogs:
  hive: { athenaCatalog: AwsDataCatalog }
`;

/** The Glue Data Catalog the clients browse: database `mydatabase` with the tables the scenarios read. */
export const GLUE_CATALOG: GlueCatalogSpec = {
  mydatabase: {
    tables: {
      many_types: {
        columns: [
          ['b', 'boolean'], ['ti', 'tinyint'], ['si', 'smallint'], ['i', 'int'], ['bi', 'bigint'], ['r', 'float'], ['d', 'double'], ['dc', 'decimal(10,2)'],
          ['v', 'string'], ['dt', 'date'], ['ts', 'timestamp'], ['arr', 'array<int>'], ['m', 'map<string,int>'], ['rw', 'struct<x:int,y:string>'], ['j', 'string'], ['n', 'string'],
        ],
      },
      big: { columns: [['id', 'string'], ['name', 'string'], ['score', 'string']], partitionKeys: [['dt', 'string']] },
      running: { columns: [['x', 'bigint']] },
    },
  },
  sales: { tables: { orders: { columns: [['order_id', 'bigint']] } } },
};

/**
 * A row of many types as Athena returns it: ResultSetMetadata's type names (real is `float`,
 * complex types come without their element types) and the result's text (`[1, 2, 3]`,
 * `{a=1, b=2}`, `{x=1, y=x}`).
 */
export const MANY_TYPES = new AthenaResult(
  [
    columnInfo('b', 'boolean'), columnInfo('ti', 'tinyint', 3), columnInfo('si', 'smallint', 5), columnInfo('i', 'integer', 10), columnInfo('bi', 'bigint', 19),
    columnInfo('r', 'float', 17), columnInfo('d', 'double', 17), columnInfo('dc', 'decimal', 10, 2), columnInfo('v', 'varchar', 2147483647), columnInfo('dt', 'date'),
    columnInfo('ts', 'timestamp', 3), columnInfo('arr', 'array'), columnInfo('m', 'map'), columnInfo('rw', 'row'), columnInfo('j', 'json'), columnInfo('n', 'varchar', 2147483647),
  ],
  [['true', '7', '300', '70000', '9007199254740993', '1.5', '2.25', '12.30', 'héllo', '2024-05-01', '2024-05-01 10:10:10.123', '[1, 2, 3]', '{a=1, b=2}', '{x=1, y=x}', '{"k":[1,2]}', null] satisfies RawValue[]],
);

/**
 * The names and types the client is told for MANY_TYPES (no PARAMETRIC_DATETIME): the array's
 * element type comes from Glue; a map with varchar keys and a row with a varchar field cannot be
 * read back from Athena's text exactly, so they stay Athena's text.
 */
export const MANY_TYPES_COLUMNS: [string, string][] = [
  ['b', 'boolean'], ['ti', 'tinyint'], ['si', 'smallint'], ['i', 'integer'], ['bi', 'bigint'], ['r', 'real'], ['d', 'double'], ['dc', 'decimal(10,2)'],
  ['v', 'varchar'], ['dt', 'date'], ['ts', 'timestamp'], ['arr', 'array(integer)'], ['m', 'varchar'], ['rw', 'varchar'], ['j', 'json'], ['n', 'varchar'],
];

/** The values as JavaScript clients read them (JSON.parse: the bigint 2^53 + 1 reads as 2^53). */
export const MANY_TYPES_VALUES: unknown[] = [true, 7, 300, 70000, 2 ** 53, 1.5, 2.25, '12.30', 'héllo', '2024-05-01', '2024-05-01 10:10:10.123', [1, 2, 3], '{a=1, b=2}', '{x=1, y=x}', '{"k":[1,2]}', null];

export function athenaScenarios(): Record<string, Scenario> {
  return {
    ...scenarios(),
    many_types: { execution: 'get-query-execution-select-succeeded.json', result: MANY_TYPES },
    exhausted: { execution: 'get-query-execution-failed-exhausted.json' },
  };
}

export interface AthenaClientServer {
  server: LocalServer;
  /** The scripted Athena of the current test (made anew by `reset`). */
  fake(): FakeAthena;
  glue: ReturnType<typeof mockGlue>;
  /** A fresh scripted Athena and S3 (call before each test). */
  reset(): void;
  close(): Promise<void>;
}

export async function startAthenaClientServer(): Promise<AthenaClientServer> {
  const athena = mockClient(AthenaClient);
  const s3 = mockClient(S3Client);
  const glue = mockGlue(GLUE_CATALOG);
  let fake = new FakeAthena(athena, s3, athenaScenarios());
  const server = await startLocalServer({
    config: parseConfigText(CONFIG),
    gateway: { maxPageBytes: 64_000, pollWaitMs: 100 },
    sweepIntervalMs: 3_600_000,
    accessControl: createFileAccessControl({ catalogs: [{ allow: 'all' }], tables: [{ user: DENIED_USER, privileges: [] }, { privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP'] }] }),
    aws: () => ({ athena: new AthenaClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }), glue: glue.client }),
  });
  return {
    server,
    fake: () => fake,
    glue,
    reset() {
      athena.reset();
      s3.reset();
      fake = new FakeAthena(athena, s3, athenaScenarios());
    },
    async close() {
      await server.close();
      athena.restore();
      s3.restore();
      glue.mock.restore();
    },
  };
}
