import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** A key attribute: name and DynamoDB scalar type. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface IndexSpec {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** ALL, KEYS_ONLY, or the non-key attributes to include. */
  readonly projection: 'ALL' | 'KEYS_ONLY' | readonly string[];
}

export interface TableSpec {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly indexes?: readonly IndexSpec[];
  /** Number attribute holding the epoch second after which DynamoDB may delete the item. */
  readonly ttlAttribute?: string;
}

const QUERY_SUMMARY = ['queryId', 'user', 'source', 'state', 'kind', 'target', 'engineQueryId', 'createdAt', 'updatedAt', 'endedAt', 'error', 'endReason', 'statistics', 'costUsd', 'sqlDigest', 'sqlPreview', 'updateType', 'updateCount', 'expiresAt'];
const withoutKeys = (attributes: readonly string[], keys: readonly string[]) => attributes.filter((a) => !keys.includes(a));

/**
 * The queries table: one item per query, history and tracking in one record. These keys and
 * indexes mirror the runtime's table definitions (lambdas/adapters/aws/tables.ts); a test keeps the
 * two equal.
 */
export const QUERIES_TABLE_SPEC: TableSpec = {
  partitionKey: { name: 'queryId', type: 'S' },
  ttlAttribute: 'expiresAt',
  indexes: [
    { name: 'active-by-target', partitionKey: { name: 'target', type: 'S' }, sortKey: { name: 'activeKey', type: 'S' }, projection: 'KEYS_ONLY' },
    {
      name: 'open-queries',
      partitionKey: { name: 'openShard', type: 'N' },
      sortKey: { name: 'queryId', type: 'S' },
      projection: withoutKeys(['queryId', 'user', 'state', 'target', 'engineQueryId', 'createdAt', 'updatedAt', 'lastPollAt', 'eventSequence', 'expiresAt'], ['openShard', 'queryId']),
    },
    { name: 'by-engine-id', partitionKey: { name: 'engineQueryId', type: 'S' }, projection: 'KEYS_ONLY' },
    { name: 'by-user', partitionKey: { name: 'user', type: 'S' }, sortKey: { name: 'createdAt', type: 'N' }, projection: withoutKeys(QUERY_SUMMARY, ['user', 'createdAt', 'queryId']) },
    { name: 'by-target', partitionKey: { name: 'target', type: 'S' }, sortKey: { name: 'createdAt', type: 'N' }, projection: withoutKeys(QUERY_SUMMARY, ['target', 'createdAt', 'queryId']) },
    { name: 'waiting-by-group', partitionKey: { name: 'waitingGroup', type: 'S' }, sortKey: { name: 'createdAt', type: 'N' }, projection: ['state', 'engineHandle', 'lastPollAt'] },
  ],
};

/** The run-time config table (routing overrides, target states), one item per config document. */
export const CONFIG_TABLE_SPEC: TableSpec = {
  partitionKey: { name: 'configKey', type: 'S' },
};

/** Users who log in with a password, one item per user name. */
export const USERS_TABLE_SPEC: TableSpec = {
  partitionKey: { name: 'userName', type: 'S' },
  // Sign-in failure counters and revoked sessions expire; user items never set the attribute.
  ttlAttribute: 'expiresAt',
};

export interface GatewayTableProps {
  readonly spec: TableSpec;
  /** @default RemovalPolicy.RETAIN: query history and config outlive the stack */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A DynamoDB table of the gateway: on-demand, encrypted with the AWS-managed key, point-in-time
 * recovery on, kept when the stack is deleted.
 */
export class GatewayTable extends Construct {
  readonly table: dynamodb.Table;
  /** ARNs of the table's indexes, for IAM statements without wildcards. */
  readonly indexArns: string[];

  constructor(scope: Construct, id: string, props: GatewayTableProps) {
    super(scope, id);
    const attribute = (key: KeyAttribute): dynamodb.Attribute => ({ name: key.name, type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: attribute(props.spec.partitionKey),
      sortKey: props.spec.sortKey ? attribute(props.spec.sortKey) : undefined,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: props.spec.ttlAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const index of props.spec.indexes ?? []) {
      const projection = index.projection;
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        sortKey: index.sortKey ? attribute(index.sortKey) : undefined,
        projectionType: projection === 'ALL' ? dynamodb.ProjectionType.ALL : projection === 'KEYS_ONLY' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: typeof projection === 'string' ? undefined : [...projection],
      });
    }
    this.indexArns = (props.spec.indexes ?? []).map((index) => `${this.table.tableArn}/index/${index.name}`);
  }
}
