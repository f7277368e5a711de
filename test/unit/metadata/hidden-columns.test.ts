/**
 * Columns hidden from a user are hidden everywhere the gateway lists columns, as
 * Trino's file-based access control filters them: DESCRIBE, SHOW COLUMNS, information_schema.columns
 * and system.jdbc.columns, for the local engine's catalog and for Athena's (Glue). Also SET PATH
 * and SET ROLE, which the gateway answers for these targets as Trino does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { awsMetadataSource } from '../../../lambdas/adapters/aws/metadata/index.js';
import { createFileAccessControl } from '../../../lambdas/core/acl/index.js';
import { QueryFailure } from '../../../lambdas/core/errors.js';
import { answerMetadata, createMetadataDeps, type MetadataDeps } from '../../../lambdas/core/metadata/answer.js';
import { tableVisibility } from '../../../lambdas/core/metadata/visibility.js';
import { allowAll } from '../../../lambdas/core/acl/allow-all.js';
import type { Principal } from '../../../lambdas/core/ports/index.js';
import { ALICE_RULES } from '../../support/alice-rules.js';
import { mockGlue } from './glue-mock.js';
import { trino } from './queries.js';
import { MemorySource, records, rows } from './support.js';

const alice: Principal = { user: 'alice', groups: [], method: 'header' };
const CUSTOMER: [string, string][] = [
  ['c_custkey', 'bigint'],
  ['c_name', 'varchar'],
  ['c_address', 'varchar'],
  ['c_nationkey', 'bigint'],
  ['c_phone', 'varchar'],
  ['c_acctbal', 'double'],
  ['c_mktsegment', 'varchar'],
  ['c_comment', 'varchar'],
];
const NATION: [string, string][] = [
  ['n_nationkey', 'bigint'],
  ['n_name', 'varchar'],
  ['n_regionkey', 'bigint'],
  ['n_comment', 'varchar'],
];
const ORDERS: [string, string][] = [
  ['o_orderkey', 'bigint'],
  ['o_comment', 'varchar'],
];

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

/** The local engine's catalog (as DuckDbMetadataSource lists it) and Athena's, through Glue. */
const sources: [string, () => MetadataDeps][] = [
  [
    'local',
    () =>
      createMetadataDeps({
        source: new MemorySource({ tpch: { tiny: { customer: { columns: CUSTOMER }, nation: { columns: NATION }, orders: { columns: ORDERS } } }, memory: { default: {} } }),
        canSee: tableVisibility(createFileAccessControl(ALICE_RULES)),
        version: '476-bifrost',
      }),
  ],
  [
    'athena',
    () => {
      const glue = mockGlue({ tiny: { tables: { customer: { columns: CUSTOMER }, nation: { columns: NATION }, orders: { columns: ORDERS } } } });
      restore = () => glue.mock.restore();
      return createMetadataDeps({
        source: awsMetadataSource({ catalogs: { tpch: { athenaCatalog: 'AwsDataCatalog' } }, glue: glue.client }),
        canSee: tableVisibility(createFileAccessControl(ALICE_RULES)),
        version: '476-bifrost',
      });
    },
  ],
];

const session = { catalog: 'tpch', schema: 'tiny' };

async function failure(promise: Promise<unknown>): Promise<QueryFailure['error']> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof QueryFailure) return error.error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe.each(sources)('hidden columns in the %s catalog', (_name, make) => {
  it('DESCRIBE and SHOW COLUMNS leave them out', async () => {
    const deps = make();
    for (const sql of ['DESCRIBE customer', 'DESC tpch.tiny.customer', 'SHOW COLUMNS FROM customer', "SHOW COLUMNS FROM tiny.customer LIKE 'c_%'"]) {
      expect(rows(await answerMetadata(sql, session, alice, deps)).map((r) => r[0]), sql).toEqual(['c_custkey', 'c_name']);
    }
    expect(rows(await answerMetadata('DESCRIBE nation', session, alice, deps)).map((r) => r[0])).toEqual(['n_nationkey', 'n_name', 'n_regionkey', 'n_comment']);
    expect(await failure(answerMetadata('DESCRIBE orders', session, alice, deps))).toMatchObject({ errorName: 'PERMISSION_DENIED' });
  });

  it('information_schema.columns leaves them out and numbers the rest', async () => {
    const deps = make();
    const answer = await answerMetadata("SELECT table_name, column_name, ordinal_position FROM information_schema.columns WHERE table_schema = 'tiny' ORDER BY table_name, ordinal_position", session, alice, deps);
    expect(rows(answer)).toEqual([
      ['customer', 'c_custkey', 1],
      ['customer', 'c_name', 2],
      ...NATION.map(([n], i) => ['nation', n, i + 1]),
    ]);
  });

  it('system.jdbc.columns (JDBC getColumns) leaves them out', async () => {
    const deps = make();
    const answer = await answerMetadata(trino.getColumns('tpch', 'tiny', 'customer', null), session, alice, deps);
    expect(records(answer).map((r) => [r.COLUMN_NAME, r.ORDINAL_POSITION])).toEqual([
      ['c_custkey', 1],
      ['c_name', 2],
    ]);
    const hidden = await answerMetadata(trino.getColumns('tpch', 'tiny', 'customer', 'c_acctbal'), session, alice, deps);
    expect(rows(hidden)).toEqual([]);
  });

  it('refuses information_schema and column listings it cannot answer, rather than leave them to the engine', async () => {
    const deps = make();
    expect(await failure(answerMetadata("SELECT count(*) FROM information_schema.columns WHERE table_name = 'customer'", session, alice, deps))).toMatchObject({ errorName: 'NOT_SUPPORTED' });
    expect(await failure(answerMetadata('SELECT * FROM information_schema.views', session, alice, deps))).toMatchObject({ errorName: 'NOT_SUPPORTED' });
    expect(await failure(answerMetadata("SHOW COLUMNS FROM customer LIKE 'c%' ESCAPE", session, alice, deps))).toMatchObject({ errorName: 'NOT_SUPPORTED' });
  });
});

describe('without access rules', () => {
  it('lists every column and leaves what it cannot answer to the engine', async () => {
    const deps = createMetadataDeps({ source: new MemorySource({ tpch: { tiny: { customer: { columns: CUSTOMER } } } }), canSee: tableVisibility(allowAll), version: '476-bifrost' });
    expect(rows(await answerMetadata('DESCRIBE customer', session, alice, deps))).toHaveLength(8);
    expect(await answerMetadata("SELECT count(*) FROM information_schema.columns WHERE table_name = 'customer'", session, alice, deps)).toBeUndefined();
  });

  it('takes a plain canSee function as before', async () => {
    const deps = createMetadataDeps({ source: new MemorySource({ tpch: { tiny: { customer: { columns: CUSTOMER } } } }), canSee: () => true, version: '476-bifrost' });
    expect(rows(await answerMetadata('DESCRIBE customer', session, alice, deps))).toHaveLength(8);
  });
});

describe('SET PATH and SET ROLE, answered by the gateway as Trino answers them', () => {
  const deps = () => createMetadataDeps({ source: new MemorySource({ tpch: { tiny: {} }, memory: { default: {} } }), canSee: () => true, version: '476-bifrost' });

  it('SET PATH: for clients with the PATH capability, catalogs checked, the path sent back as written', async () => {
    const d = deps();
    expect(await failure(answerMetadata('SET PATH tpch.tiny', session, alice, d))).toMatchObject({ errorName: 'NOT_SUPPORTED', message: 'SET PATH not supported by client' });
    const withPath = { ...session, clientCapabilities: ['PATH', 'PARAMETRIC_DATETIME'] };
    expect(await answerMetadata('SET PATH tpch.tiny, "Memory"."My Schema", other', withPath, alice, d)).toMatchObject({ updateType: 'SET PATH', sessionUpdate: { setPath: 'tpch.tiny, "Memory"."My Schema", other' } });
    expect(await failure(answerMetadata('SET PATH nope.x', withPath, alice, d))).toMatchObject({ errorName: 'CATALOG_NOT_FOUND', message: "line 1:1: Catalog 'nope' not found" });
    expect(await failure(answerMetadata('SET PATH tiny', { clientCapabilities: ['PATH'] }, alice, d))).toMatchObject({ errorName: 'MISSING_CATALOG_NAME' });
    expect(await failure(answerMetadata('SET PATH tpch.', withPath, alice, d))).toMatchObject({ errorName: 'SYNTAX_ERROR' });
  });

  it('SET ROLE: ALL and NONE for the system, no named roles, no catalog role management', async () => {
    const d = deps();
    expect(await answerMetadata('SET ROLE ALL', session, alice, d)).toMatchObject({ updateType: 'SET ROLE', sessionUpdate: { setRole: { system: 'ALL' } } });
    expect(await answerMetadata('set role none', session, alice, d)).toMatchObject({ sessionUpdate: { setRole: { system: 'NONE' } } });
    expect(await failure(answerMetadata('SET ROLE Admin', session, alice, d))).toMatchObject({ errorName: 'ROLE_NOT_FOUND', message: "line 1:1: Role 'admin' does not exist" });
    expect(await failure(answerMetadata('SET ROLE admin IN tpch', session, alice, d))).toMatchObject({ errorName: 'NOT_SUPPORTED', message: "line 1:1: Catalog 'tpch' does not support role management" });
    expect(await failure(answerMetadata('SET ROLE admin IN nope', session, alice, d))).toMatchObject({ errorName: 'CATALOG_NOT_FOUND' });
  });
});

describe('deep input', () => {
  it('is not a metadata statement, and never a crash', async () => {
    const d = createMetadataDeps({ source: new MemorySource({}), canSee: () => true, version: '476-bifrost' });
    expect(await answerMetadata(`SELECT ${'('.repeat(20_000)}1${')'.repeat(20_000)}`, {}, alice, d)).toBeUndefined();
    expect(await answerMetadata(`SELECT ${'NOT '.repeat(20_000)}true`, {}, alice, d)).toBeUndefined();
    expect(await answerMetadata(`SELECT 1 WHERE ${Array.from({ length: 20_000 }, () => '1 = 1').join(' OR ')}`, {}, alice, d)).toBeUndefined();
  });
});
