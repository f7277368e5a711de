import { Aws, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/** One permission: exact actions (never wildcards) on resources. */
export interface Permission {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
  /**
   * Why resources that end in a wildcard (object keys under a prefix, tables of a database) are
   * needed; required when any does. Each such resource is acknowledged to cdk-nag with it.
   */
  readonly wildcardReason?: string;
}

/** Renders a resource the way cdk-nag names it in an IAM5 finding (`<Logical.Attr>`, `<AWS::Partition>`). */
function nagResourceName(scope: IConstruct, resource: string): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    const n = node as Record<string, unknown>;
    if (n['Fn::Join']) {
      const [delimiter, items] = n['Fn::Join'] as [string, unknown[]];
      return items.map(visit).join(delimiter);
    }
    if (n['Fn::GetAtt']) {
      const [resourceId, attribute] = n['Fn::GetAtt'] as [unknown, unknown];
      return `<${visit(resourceId)}.${visit(attribute)}>`;
    }
    if (n['Ref']) return `<${visit(n['Ref'])}>`;
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(resource));
}

/**
 * Adds least-privilege statements to a function's role. Wildcard actions are refused; wildcard
 * resources need a reason, which is recorded as a cdk-nag acknowledgement of that very resource.
 */
export function allow(fn: lambda.IFunction, ...permissions: Permission[]): void {
  const role = fn.role;
  if (!role) throw new Error(`${fn.node.path} has no role to grant to`);
  const acknowledgements: { id: string; reason: string }[] = [];
  for (const p of permissions) {
    const wildcardAction = p.actions.find((a) => a.includes('*'));
    if (wildcardAction) throw new Error(`${fn.node.path}: wildcard action ${wildcardAction} refused; list the actions`);
    for (const resource of p.resources) {
      const name = nagResourceName(role, resource);
      if (!name.includes('*')) continue;
      if (!p.wildcardReason) throw new Error(`${fn.node.path}: resource ${name} has a wildcard but no reason was given`);
      acknowledgements.push({ id: `AwsSolutions-IAM5[Resource::${name}]`, reason: p.wildcardReason });
    }
  }
  for (const p of permissions) {
    if (p.resources.length === 0) continue;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...p.actions], resources: [...p.resources], conditions: p.conditions }));
  }
  if (acknowledgements.length) Validations.of(role).acknowledge(...acknowledgements);
}

/** An S3 location (s3://bucket/prefix) as the ARNs and condition IAM needs to read it. */
export function s3Location(location: string): { bucketArn: string; objectsArn: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!match) throw new Error(`not an s3:// location: ${location}`);
  const [, bucket, prefix] = match as unknown as [string, string, string];
  return { bucketArn: `arn:${Aws.PARTITION}:s3:::${bucket}`, objectsArn: `arn:${Aws.PARTITION}:s3:::${bucket}/${prefix}*`, prefix };
}

/** Read access to S3 locations: objects under each prefix, listing only under it. */
export function s3ReadPermissions(locations: readonly string[]): Permission[] {
  return locations.flatMap((location) => {
    const { bucketArn, objectsArn, prefix } = s3Location(location);
    return [
      { actions: ['s3:GetObject'], resources: [objectsArn], wildcardReason: `Athena reads the data objects under ${location} (deployment.dataLocations) with the caller's credentials; object keys are not known in advance.` },
      { actions: ['s3:GetBucketLocation'], resources: [bucketArn] },
      { actions: ['s3:ListBucket'], resources: [bucketArn], conditions: prefix ? { StringLike: { 's3:prefix': [`${prefix}*`] } } : undefined },
    ];
  });
}

export const ATHENA_QUERY_ACTIONS = ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:BatchGetQueryExecution', 'athena:GetQueryRuntimeStatistics'] as const;

/**
 * Catalog browsing through Athena, for data catalogs other than AwsDataCatalog (Lambda connectors,
 * Glue catalogs of other accounts, Hive metastores): those are read with Athena's metadata API.
 */
export const ATHENA_CATALOG_ACTIONS = ['athena:GetDataCatalog', 'athena:GetDatabase', 'athena:ListDatabases', 'athena:GetTableMetadata', 'athena:ListTableMetadata'] as const;

/** The Athena data catalog Glue's own catalog is known by; it needs Glue, not Athena, permissions. */
export const GLUE_DATA_CATALOG = 'AwsDataCatalog';

export const GLUE_READ_ACTIONS = ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'] as const;

/** Glue read access: the catalog, the named databases (and `default`, which Athena always opens) and their tables. */
export function glueReadPermission(scope: IConstruct, databases: readonly string[]): Permission {
  const stack = Stack.of(scope);
  const names = [...new Set(['default', ...databases])];
  const arn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, resourceName });
  return {
    actions: GLUE_READ_ACTIONS,
    resources: [arn('catalog'), ...names.map((db) => arn('database', db)), ...names.map((db) => arn('table', `${db}/*`))],
    wildcardReason: 'Glue read on the tables of the configured databases (glue.databases and deployment.readDatabases); tables come and go without a redeploy.',
  };
}

export const DYNAMO_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem'] as const;
export const DYNAMO_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'] as const;
