import type { CreateTableCommandInput, GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { CONFIG_TABLE_SPEC, OPEN_QUERY_ATTRIBUTES, QUERIES_TABLE_SPEC, QUERY_SUMMARY_ATTRIBUTES, USERS_TABLE_SPEC, type IndexSpec, type TableSpec } from '../../contract.js';

/**
 * Bifrost's DynamoDB tables as the runtime uses them: names of keys and indexes for the stores,
 * and CreateTable inputs for the local mode and tests. Everything is derived from the table specs
 * of lambdas/contract.ts, which the CDK stack deploys: one declaration, two homes.
 */
export { OPEN_QUERY_ATTRIBUTES, QUERY_SUMMARY_ATTRIBUTES };

function index(spec: TableSpec, name: string): IndexSpec {
  const found = spec.indexes?.find((i) => i.name === name);
  if (!found) throw new Error(`the table spec has no index ${name}`);
  return found;
}

function keys(i: IndexSpec): { name: string; partitionKey: string } {
  return { name: i.name, partitionKey: i.partitionKey.name };
}

function sortedKeys(i: IndexSpec): { name: string; partitionKey: string; sortKey: string } {
  if (!i.sortKey) throw new Error(`index ${i.name} has no sort key`);
  return { ...keys(i), sortKey: i.sortKey.name };
}

const active = index(QUERIES_TABLE_SPEC, 'active-by-target');
const open = index(QUERIES_TABLE_SPEC, 'open-queries');
const waiting = index(QUERIES_TABLE_SPEC, 'waiting-by-group');

export const QUERIES_TABLE = {
  partitionKey: QUERIES_TABLE_SPEC.partitionKey.name,
  /** Sparse index of active queries: both keys exist only while a query is queued or running on a target. */
  activeIndex: sortedKeys(active),
  /** Sparse index of non-final queries, spread over `openShards` partitions, for the sweeper. */
  openIndex: sortedKeys(open),
  /** Sparse index from the engine's own query id (Athena QueryExecutionId) to the query id. */
  engineIdIndex: keys(index(QUERIES_TABLE_SPEC, 'by-engine-id')),
  /** History by user and time. */
  userIndex: sortedKeys(index(QUERIES_TABLE_SPEC, 'by-user')),
  /** History by target and time (state is filtered). */
  targetIndex: sortedKeys(index(QUERIES_TABLE_SPEC, 'by-target')),
  ttlAttribute: QUERIES_TABLE_SPEC.ttlAttribute!,
  /** Number of `openShard` values (0 .. openShards-1): spreads the sweeper index's writes. */
  openShards: 4,
} as const;

/** The gateway queue's index: queries waiting at the gateway per routing group, in arrival order. */
export const WAITING_INDEX = { ...sortedKeys(waiting), attributes: waiting.projection as readonly string[] } as const;

/** The run-time config table: one item per config document; `routing` holds the run-time overrides. */
export const CONFIG_TABLE = {
  partitionKey: CONFIG_TABLE_SPEC.partitionKey.name,
  routingItem: 'routing',
} as const;

/** Users who log in with a password (`bifrost users ...`): one item per user name. */
export const USERS_TABLE = {
  partitionKey: USERS_TABLE_SPEC.partitionKey.name,
} as const;

/** A CreateTable input for a table spec: on-demand, like the deployed tables. */
export function tableDefinition(spec: TableSpec, tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>();
  const key = (partition: { name: string; type: 'S' | 'N' }, sort?: { name: string; type: 'S' | 'N' }) => {
    for (const k of [partition, sort]) if (k) attributes.set(k.name, k.type);
    return [{ AttributeName: partition.name, KeyType: 'HASH' as const }, ...(sort ? [{ AttributeName: sort.name, KeyType: 'RANGE' as const }] : [])];
  };
  const KeySchema = key(spec.partitionKey, spec.sortKey);
  const indexes: GlobalSecondaryIndex[] = (spec.indexes ?? []).map((i) => ({
    IndexName: i.name,
    KeySchema: key(i.partitionKey, i.sortKey),
    Projection: typeof i.projection === 'string' ? { ProjectionType: i.projection } : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...i.projection] },
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema,
    ...(indexes.length ? { GlobalSecondaryIndexes: indexes } : {}),
  };
}

export const queriesTableDefinition = (tableName: string) => tableDefinition(QUERIES_TABLE_SPEC, tableName);
export const configTableDefinition = (tableName: string) => tableDefinition(CONFIG_TABLE_SPEC, tableName);
export const usersTableDefinition = (tableName: string) => tableDefinition(USERS_TABLE_SPEC, tableName);
