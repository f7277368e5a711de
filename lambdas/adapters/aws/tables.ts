import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * Key schemas of Bifrost's DynamoDB tables. The CDK stack declares the same keys; a test keeps
 * the two in step. Names here are logical: deployed names come from the environment.
 */
export const QUERIES_TABLE = {
  partitionKey: 'queryId',
  /** Sparse index of active queries: `activeKey` = `<target>#<QUEUED|RUNNING>` while active. */
  activeIndex: { name: 'active-by-target', partitionKey: 'activeKey', sortKey: 'queryId' },
  /** History by user and time. */
  userIndex: { name: 'by-user', partitionKey: 'user', sortKey: 'createdAt' },
  ttlAttribute: 'expiresAt',
} as const;

export function queriesTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'queryId', AttributeType: 'S' },
      { AttributeName: 'activeKey', AttributeType: 'S' },
      { AttributeName: 'user', AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'N' },
    ],
    KeySchema: [{ AttributeName: 'queryId', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: QUERIES_TABLE.activeIndex.name,
        KeySchema: [
          { AttributeName: 'activeKey', KeyType: 'HASH' },
          { AttributeName: 'queryId', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: QUERIES_TABLE.userIndex.name,
        KeySchema: [
          { AttributeName: 'user', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
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

/** A queries table definition with the waiting-by-group index added. */
export function withWaitingIndex(definition: CreateTableCommandInput): CreateTableCommandInput {
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
