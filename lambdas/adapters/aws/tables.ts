import type { CreateTableCommandInput, GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';

/**
 * Key schemas of Bifrost's DynamoDB tables. The CDK stack declares the same keys; a test keeps
 * the two in step. Names here are logical: deployed names come from the environment.
 *
 * The queries table holds one item per query (history and tracking in one record). Its indexes:
 * - `active-by-target` (sparse): `activeKey` = `<QUEUED|RUNNING>#<queryId>` exists only while a
 *   query is active, so the index holds exactly the active queries that have a target; depth per
 *   target and state is a COUNT query on a key prefix. Nothing to drift: no counter, no read
 *   before a write.
 * - `open-queries` (sparse): `openShard` exists while a query is not final (also while it waits
 *   at the gateway without a target); the sweeper reads it, shard by shard.
 * - `by-engine-id` (sparse): the engine's own id (Athena QueryExecutionId) to the query id.
 * - `by-user`, `by-target`: history by user or target and time, for the admin UI.
 */
export const QUERIES_TABLE = {
  partitionKey: 'queryId',
  /** Sparse index of active queries: both keys exist only while a query is queued or running on a target. */
  activeIndex: { name: 'active-by-target', partitionKey: 'target', sortKey: 'activeKey' },
  /** Sparse index of non-final queries, spread over `openShards` partitions, for the sweeper. */
  openIndex: { name: 'open-queries', partitionKey: 'openShard', sortKey: 'queryId' },
  /** Sparse index from the engine's own query id (Athena QueryExecutionId) to the query id. */
  engineIdIndex: { name: 'by-engine-id', partitionKey: 'engineQueryId' },
  /** History by user and time. */
  userIndex: { name: 'by-user', partitionKey: 'user', sortKey: 'createdAt' },
  /** History by target and time (state is filtered). */
  targetIndex: { name: 'by-target', partitionKey: 'target', sortKey: 'createdAt' },
  ttlAttribute: 'expiresAt',
  /** Number of `openShard` values (0 .. openShards-1): spreads the sweeper index's writes. */
  openShards: 4,
} as const;

/** What the history indexes carry: enough for a list view; the full item is one GetItem away. */
export const QUERY_SUMMARY_ATTRIBUTES = [
  'queryId',
  'user',
  'source',
  'state',
  'kind',
  'target',
  'engineQueryId',
  'createdAt',
  'updatedAt',
  'endedAt',
  'error',
  'endReason',
  'statistics',
  'costUsd',
  'sqlDigest',
  'sqlPreview',
  'updateType',
  'updateCount',
  'expiresAt',
] as const;

/** What the sweeper needs from a non-final query. */
export const OPEN_QUERY_ATTRIBUTES = ['queryId', 'user', 'state', 'target', 'engineQueryId', 'createdAt', 'updatedAt', 'lastPollAt', 'eventSequence', 'expiresAt'] as const;

function include(attributes: readonly string[], keys: readonly string[]): GlobalSecondaryIndex['Projection'] {
  // Key attributes are always projected and may not be listed again.
  return { ProjectionType: 'INCLUDE', NonKeyAttributes: attributes.filter((a) => !keys.includes(a) && a !== QUERIES_TABLE.partitionKey) };
}

export function queriesTableDefinition(tableName: string): CreateTableCommandInput {
  const { activeIndex, openIndex, engineIdIndex, userIndex, targetIndex } = QUERIES_TABLE;
  return withWaitingIndex({
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'queryId', AttributeType: 'S' },
      { AttributeName: 'target', AttributeType: 'S' },
      { AttributeName: 'activeKey', AttributeType: 'S' },
      { AttributeName: 'openShard', AttributeType: 'N' },
      { AttributeName: 'engineQueryId', AttributeType: 'S' },
      { AttributeName: 'user', AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'N' },
    ],
    KeySchema: [{ AttributeName: 'queryId', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: activeIndex.name,
        KeySchema: [
          { AttributeName: activeIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: activeIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: openIndex.name,
        KeySchema: [
          { AttributeName: openIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: openIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: include(OPEN_QUERY_ATTRIBUTES, [openIndex.partitionKey, openIndex.sortKey]),
      },
      {
        IndexName: engineIdIndex.name,
        KeySchema: [{ AttributeName: engineIdIndex.partitionKey, KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: userIndex.name,
        KeySchema: [
          { AttributeName: userIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: userIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: include(QUERY_SUMMARY_ATTRIBUTES, [userIndex.partitionKey, userIndex.sortKey]),
      },
      {
        IndexName: targetIndex.name,
        KeySchema: [
          { AttributeName: targetIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: targetIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: include(QUERY_SUMMARY_ATTRIBUTES, [targetIndex.partitionKey, targetIndex.sortKey]),
      },
    ],
  });
}

// ---------------------------------------------------------------- routing (issue 5)

/**
 * The run-time config table: one item per config document, keyed by `configKey`. The routing
 * overrides (target states, a replacement routing section) are the item `routing`, with a
 * `version` attribute that every write is conditioned on (optimistic concurrency).
 */
export const CONFIG_TABLE = {
  partitionKey: 'configKey',
  routingItem: 'routing',
} as const;

export function configTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: CONFIG_TABLE.partitionKey, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: CONFIG_TABLE.partitionKey, KeyType: 'HASH' }],
  };
}

/**
 * The gateway queue's index on the queries table: queries waiting at the gateway per routing
 * group, in arrival order. Sparse: `waitingGroup` exists only on items of queries that routing
 * told to wait, until they get a target. It projects what the arrival-order count filters on.
 */
export const WAITING_INDEX = {
  name: 'waiting-by-group',
  partitionKey: 'waitingGroup',
  sortKey: 'createdAt',
  attributes: ['state', 'engineHandle', 'lastPollAt'],
} as const;

/** A queries table definition with the waiting-by-group index added (once). */
export function withWaitingIndex(definition: CreateTableCommandInput): CreateTableCommandInput {
  if (definition.GlobalSecondaryIndexes?.some((index) => index.IndexName === WAITING_INDEX.name)) return definition;
  const attributes = [...(definition.AttributeDefinitions ?? [])];
  for (const [name, type] of [
    [WAITING_INDEX.partitionKey, 'S'],
    [WAITING_INDEX.sortKey, 'N'],
  ] as const) {
    if (!attributes.some((a) => a.AttributeName === name)) attributes.push({ AttributeName: name, AttributeType: type });
  }
  return {
    ...definition,
    AttributeDefinitions: attributes,
    GlobalSecondaryIndexes: [
      ...(definition.GlobalSecondaryIndexes ?? []),
      {
        IndexName: WAITING_INDEX.name,
        KeySchema: [
          { AttributeName: WAITING_INDEX.partitionKey, KeyType: 'HASH' },
          { AttributeName: WAITING_INDEX.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...WAITING_INDEX.attributes] },
      },
    ],
  };
}

/** Users who log in with a password (`bifrost users ...`): one item per user name. */
export const USERS_TABLE = {
  /** `name` and `user` are reserved words in DynamoDB expressions. */
  partitionKey: 'userName',
} as const;

export function usersTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: USERS_TABLE.partitionKey, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: USERS_TABLE.partitionKey, KeyType: 'HASH' }],
  };
}
