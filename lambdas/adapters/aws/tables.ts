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
