import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { KeyAttribute, TableSpec } from '../../lambdas/contract.js';

export { CONFIG_TABLE_SPEC, QUERIES_TABLE_SPEC, USERS_TABLE_SPEC, type IndexSpec, type KeyAttribute, type TableSpec } from '../../lambdas/contract.js';

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
