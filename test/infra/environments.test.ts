/**
 * Two environments from one config in one account, synthesized into one app (bundles built, the
 * admin function and its page included, cdk-nag on): staging next to production, both with the
 * capacity reservation switched on and a second Athena catalog. What the example does not reach is
 * here too: an internal load balancer in a new VPC of a chosen range, with interface endpoints
 * instead of NAT gateways.
 */
import { App, Validations } from 'aws-cdk-lib';
import type { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentProblems, parseConfigText, type BifrostConfig } from '../../lambdas/core/config/schema.js';
import { addBifrostStacks, FEATURE_FLAGS, type BifrostStacks } from '../../lib/app.js';
import { BUNDLED_CONFIG_NAME } from '../../lib/bifrost-stack.js';
import { ATHENA_CATALOG_ACTIONS } from '../../lib/constructs/access.js';
import { physicalNameProblems } from '../../lib/physical-names.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const example = readFileSync(join(projectRoot, 'config/bifrost.example.yaml'), 'utf8');

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };
const asArray = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** The example with its placeholders filled in, the capacity reservation on, and a second catalog. */
function baseConfig(): string {
  const text = example
    .replace('https://bifrost.example.com', 'https://bifrost.acme.io')
    .replace('123456789012:certificate/00000000-0000-0000-0000-000000000000', '444455556666:certificate/8c1f2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5')
    .replace('allowedCidrs: [203.0.113.0/24]', 'allowedCidrs: [198.18.0.0/15]')
    .replace(/(workgroup: critical-[ab]\n(?: +#.*\n)?) +capacity: on-demand/g, '$1    capacity: provisioned')
    .replace('# capacityReservations:\n#   critical:\n#     targetDpus: 24\n#     targets: [critical-a, critical-b]', 'capacityReservations:\n  critical:\n    targetDpus: 8\n    targets: [critical-a, critical-b]')
    .replace('    athenaCatalog: AwsDataCatalog\n', '    athenaCatalog: AwsDataCatalog\n  dynamo:\n    athenaCatalog: dynamo_catalog\n');
  expect(text).toContain('capacity: provisioned');
  return text;
}

/** Staging: the same config under another environment name, behind an internal load balancer. */
function stagingConfig(base: string): string {
  return base
    .replace('environment: production', 'environment: staging')
    .replace('https://bifrost.acme.io', 'https://bifrost-staging.acme.io')
    .replace('internetFacing: true\n', 'internetFacing: false\n  vpcCidr: 10.41.0.0/20\n')
    .replace('allowedCidrs: [198.18.0.0/15]', 'allowedCidrs: [10.0.0.0/8]')
    .replace('vpcEgress: nat', 'vpcEgress: endpoints')
    .replace('    url: https://trino.internal.example.com:8443\n', `    url: https://trino.internal.example.com:8443\n    credentialsSecret: ${STAGING_CLUSTER_SECRET}\n`);
}

/** Staging's cluster needs credentials: the functions that reach it may read them. */
const STAGING_CLUSTER_SECRET = 'arn:aws:secretsmanager:us-east-1:444455556666:secret:bifrost-staging-legacy-trino-Q1w2E3';

let dir: string;
let app: App;
let assembly: CloudAssembly;
const envs: Record<'staging' | 'production', { config: BifrostConfig; stacks: BifrostStacks; template: CloudFormationStackArtifact; resources: Record<string, Resource> }> = {} as never;
const all = () => Object.values(envs);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bifrost-envs-'));
  app = new App({ outdir: join(dir, 'out'), postCliContext: { ...FEATURE_FLAGS } });
  const base = baseConfig();
  const texts = { staging: stagingConfig(base), production: base };
  const added: Record<string, { config: BifrostConfig; stacks: BifrostStacks }> = {};
  for (const [name, text] of Object.entries(texts)) {
    const configFile = join(dir, `${name}.yaml`);
    writeFileSync(configFile, text);
    const config = parseConfigText(text);
    // What bin/bifrost.ts would refuse: nothing.
    expect([...deploymentProblems(config), ...physicalNameProblems(config)]).toEqual([]);
    added[name] = { config, stacks: addBifrostStacks(app, { config, configFile, projectRoot, env: { region: 'us-east-1' }, admin: true }) };
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  assembly = app.synth();
  for (const [name, { config, stacks }] of Object.entries(added)) {
    const template = assembly.getStackArtifact(stacks.gateway.artifactId);
    envs[name as 'staging' | 'production'] = { config, stacks, template, resources: (template.template as { Resources: Record<string, Resource> }).Resources };
  }
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The property that holds a resource's own name, for the types that take one (CloudFormation generates the rest). */
const NAME_PROPERTIES: Record<string, string> = {
  'AWS::Athena::WorkGroup': 'Name',
  'AWS::Athena::CapacityReservation': 'Name',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'Name',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Name',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::WAFv2::WebACL': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::EC2::SecurityGroup': 'GroupName',
};

function physicalName(r: Resource): string | undefined {
  if (r.Type === 'AWS::Glue::Database') return (r.Properties.DatabaseInput as { Name: string }).Name;
  if (r.Type === 'AWS::Glue::Table') return `${r.Properties.DatabaseName as string}.${(r.Properties.TableInput as { Name: string }).Name}`;
  const property = NAME_PROPERTIES[r.Type];
  const name = property ? r.Properties?.[property] : undefined;
  return name === undefined ? undefined : JSON.stringify(name).replace(/^"|"$/g, '');
}

const ofType = (resources: Record<string, Resource>, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const logicalId = (stack: { resolve(x: unknown): unknown }, construct: { node: { defaultChild?: unknown } }) => stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;
const statementsOf = (resources: Record<string, Resource>, role: string): Statement[] =>
  ofType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

describe('two environments from one config in one account', () => {
  it('synthesize side by side with cdk-nag clean', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['Bifrost-production', 'Bifrost-production-Capacity', 'Bifrost-staging', 'Bifrost-staging-Capacity']);
  });

  it('share no physical name: workgroups, reservations, Glue databases, target groups, anything named', () => {
    const named = new Map<string, string>();
    const duplicates: string[] = [];
    for (const artifact of assembly.stacks) {
      for (const [id, r] of Object.entries((artifact.template as { Resources: Record<string, Resource> }).Resources)) {
        const name = physicalName(r);
        if (name === undefined) continue;
        const key = `${r.Type} ${name}`;
        if (named.has(key)) duplicates.push(`${key} in ${named.get(key)} and ${artifact.stackName}/${id}`);
        named.set(key, `${artifact.stackName}/${id}`);
      }
    }
    expect(duplicates).toEqual([]);
    const physical = [...named.keys()].filter((k) => /WorkGroup|CapacityReservation|Glue::Database/.test(k)).sort();
    expect(physical).toEqual(
      [
        'AWS::Athena::CapacityReservation production-critical',
        'AWS::Athena::CapacityReservation staging-critical',
        ...['production', 'staging'].flatMap((env) => ['adhoc', 'critical-a', 'critical-b'].map((w) => `AWS::Athena::WorkGroup ${env}-${w}`)),
        'AWS::Glue::Database production_sales',
        'AWS::Glue::Database staging_sales',
      ].sort(),
    );
    expect([...named.keys()].filter((k) => k.startsWith('AWS::ElasticLoadBalancingV2::TargetGroup'))).toHaveLength(4);
    expect([...named.keys()].filter((k) => k.startsWith('AWS::Glue::Table')).sort()).toEqual(['AWS::Glue::Table production_sales.orders', 'AWS::Glue::Table staging_sales.orders']);
  });

  it('call Athena with the workgroups IAM grants and EventBridge watches (the bundled config names them)', () => {
    for (const { stacks, resources, config } of all()) {
      const stack = stacks.gateway;
      const workgroups = ofType(resources, 'AWS::Athena::WorkGroup').map(([, w]) => w.Properties.Name as string);
      expect(workgroups).toHaveLength(3);
      for (const fn of [stack.functions.statement, stack.functions.athenaEvents, stack.functions.sweeper, stack.functions.admin!]) {
        const code = resources[logicalId(stack, fn.function)]!.Properties.Code as { S3Key: string };
        const bundled = parseConfigText(readFileSync(join(assembly.directory, `asset.${code.S3Key.replace(/\.zip$/, '')}`, BUNDLED_CONFIG_NAME), 'utf8'));
        expect(Object.values(bundled.targets).flatMap((t) => (t.type === 'athena' ? [t.workgroup] : []))).toEqual(workgroups);
        expect(Object.keys(bundled.glue.databases)).toEqual([`${config.gateway.environment}_sales`]);
      }
      const statement = statementsOf(resources, logicalId(stack, stack.functions.statement.role)).find((s) => asArray(s.Action).includes('athena:StartQueryExecution'))!;
      expect(asArray(statement.Resource).map((r) => JSON.stringify(r).replace(/.*:workgroup\/([^"]+)".*/, '$1')).sort()).toEqual([...workgroups].sort());
      const rule = ofType(resources, 'AWS::Events::Rule').find(([, r]) => r.Properties.EventPattern)![1];
      expect((rule.Properties.EventPattern as { detail: { workgroupName: string[] } }).detail.workgroupName).toEqual(workgroups);
    }
  });
});

describe('each environment, like the example', () => {
  it('gets the first-deploy fixes: source maps, scoped logs, scoped invoke permissions, the KMS source account, projection, the JDBC URL on publicUrl', () => {
    for (const { stacks, resources, config, template } of all()) {
      const stack = stacks.gateway;
      const functions = [stack.functions.statement, stack.functions.athenaEvents, stack.functions.sweeper, stack.functions.admin!];
      for (const fn of functions) {
        const resource = resources[logicalId(stack, fn.function)]!;
        expect((resource.Properties.Environment as { Variables: Record<string, string> }).Variables.NODE_OPTIONS).toMatch(/^--enable-source-maps /);
        const role = logicalId(stack, fn.role);
        expect(resources[role]!.Properties.ManagedPolicyArns).toBeUndefined();
        expect(statementsOf(resources, role).filter((st) => asArray(st.Action).some((a) => a.startsWith('logs:')))).toEqual([
          { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logicalId(stack, fn.logGroup), 'Arn'] } },
        ]);
      }
      for (const [, p] of ofType(resources, 'AWS::Lambda::Permission')) {
        // Every invoke permission names its source: a target group of this stack's, or an EventBridge rule.
        expect(p.Properties.SourceArn).toBeDefined();
        if (p.Properties.Principal === 'elasticloadbalancing.amazonaws.com') expect(p.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
      }
      const key = ofType(resources, 'AWS::KMS::Key')[0]![1];
      const cloudwatch = (key.Properties.KeyPolicy as { Statement: { Principal?: { Service?: string }; Condition?: Record<string, Record<string, unknown>> }[] }).Statement.find((st) => st.Principal?.Service === 'cloudwatch.amazonaws.com')!;
      expect(cloudwatch.Condition?.StringEquals?.['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
      const table = ofType(resources, 'AWS::Glue::Table')[0]![1];
      expect((table.Properties.TableInput as { Parameters: Record<string, string> }).Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.dt.type': 'date' });
      const host = new URL(config.gateway.publicUrl!).hostname;
      expect((template.template as { Outputs: Record<string, { Value: unknown }> }).Outputs.JdbcUrl!.Value).toBe(`jdbc:trino://${host}:443?SSL=true`);
    }
  });
});

describe('capacity reservations', () => {
  it('live in a stack of their own, deployed after the gateway, so a failed reservation rolls back only that stack', () => {
    for (const { stacks, resources } of all()) {
      expect(ofType(resources, 'AWS::Athena::CapacityReservation')).toEqual([]);
      const capacity = assembly.getStackArtifact(stacks.capacity!.artifactId);
      const stackIds = assembly.stacks.map((s) => s.id);
      expect(capacity.dependencies.map((d) => d.id).filter((id) => stackIds.includes(id))).toEqual([stacks.gateway.artifactId]);
      expect(assembly.getStackArtifact(stacks.gateway.artifactId).dependencies.map((d) => d.id).filter((id) => stackIds.includes(id))).toEqual([]);
      const reservations = Object.values((capacity.template as { Resources: Record<string, Resource> }).Resources);
      expect(reservations.map((r) => r.Type)).toEqual(['AWS::Athena::CapacityReservation']);
      const env = stacks.gateway.names.prefix;
      expect(reservations[0]!.Properties).toEqual({
        Name: `${env}-critical`,
        TargetDpus: 8,
        CapacityAssignmentConfiguration: { CapacityAssignments: [{ WorkgroupNames: [`${env}-critical-a`, `${env}-critical-b`] }] },
        Tags: [{ Key: 'bifrost:environment', Value: env }],
      });
      // The workgroups it names are the gateway stack's.
      const workgroups = ofType(resources, 'AWS::Athena::WorkGroup').map(([, w]) => w.Properties.Name);
      expect(workgroups).toEqual(expect.arrayContaining([`${env}-critical-a`, `${env}-critical-b`]));
    }
  });
});

describe('the admin function', () => {
  it('reads the page-token key with the statement function, which cdk-nag is told, and no other function does', () => {
    for (const { stacks, resources } of all()) {
      const stack = stacks.gateway;
      const secret = logicalId(stack, stack.pageTokenKey);
      const readers = ofType(resources, 'AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes(`"Ref":"${secret}"`))
        .flatMap(([, p]) => p.Properties.Roles as { Ref: string }[])
        .map((r) => r.Ref)
        .sort();
      expect(readers).toEqual([logicalId(stack, stack.functions.statement.role), logicalId(stack, stack.functions.admin!.role)].sort());
      const smg4 = stack.pageTokenKey.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>).filter(([id]) => id.endsWith('AwsSolutions-SMG4')))
        .map(([, reason]) => reason);
      expect(smg4).toEqual([expect.stringMatching(/only the statement function \(page tokens\) and the admin function \(sessions and CSRF tokens/)]);
    }
  });

  it('may stop Athena queries in its own workgroups only, and record the kill on the query item', () => {
    for (const { stacks, resources } of all()) {
      const stack = stacks.gateway;
      const role = logicalId(stack, stack.functions.admin!.role);
      const statements = ofType(resources, 'AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
      const granting = (action: string) => statements.filter((st) => ([] as string[]).concat(st.Action).includes(action));
      const stop = granting('athena:StopQueryExecution');
      expect(stop).toHaveLength(1);
      expect(JSON.stringify(stop[0]!.Resource)).toContain(':workgroup/');
      expect(JSON.stringify(stop[0]!.Resource)).not.toMatch(/workgroup\/\*/);
      expect(JSON.stringify(granting('dynamodb:UpdateItem').map((st) => st.Resource))).toContain(logicalId(stack, stack.tables.queries.table));
    }
  });

  it('runs where the statement function reaches the clusters (a kill stops a query there), with their secrets, as the sweeper does', () => {
    for (const { config, stacks, resources } of all()) {
      const stack = stacks.gateway;
      const vpcConfig = (fn: { function: unknown }) => resources[logicalId(stack, fn.function as { node: { defaultChild?: unknown } })]!.Properties.VpcConfig;
      const privateSubnets = ofType(resources, 'AWS::EC2::Subnet')
        .filter(([id]) => id.includes('private'))
        .map(([id]) => ({ Ref: id }));
      const functionGroup = { 'Fn::GetAtt': [logicalId(stack, stack.network.functionSecurityGroup), 'GroupId'] };
      expect(vpcConfig(stack.functions.admin!)).toEqual({ SubnetIds: privateSubnets, SecurityGroupIds: [functionGroup] });
      expect(vpcConfig(stack.functions.admin!)).toEqual(vpcConfig(stack.functions.sweeper));
      const actions = statementsOf(resources, logicalId(stack, stack.functions.admin!.role)).flatMap((st) => asArray(st.Action));
      expect(actions).toEqual(expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']));
      const secretReads = (role: string) => statementsOf(resources, role).filter((st) => asArray(st.Action).includes('secretsmanager:GetSecretValue')).map((st) => st.Resource);
      expect(secretReads(logicalId(stack, stack.functions.admin!.role))).toEqual(secretReads(logicalId(stack, stack.functions.statement.role)));
      const clusterSecrets = Object.values(config.targets).flatMap((t) => (t.type === 'trino' && t.credentialsSecret ? [t.credentialsSecret] : []));
      expect(clusterSecrets).toEqual(config.gateway.environment === 'staging' ? [STAGING_CLUSTER_SECRET] : []);
      for (const secret of clusterSecrets) expect(secretReads(logicalId(stack, stack.functions.admin!.role))).toContainEqual(secret);
    }
  });

  it('has its page bundled, behind a target group that alone may invoke it', () => {
    for (const { stacks, resources } of all()) {
      const stack = stacks.gateway;
      const admin = resources[logicalId(stack, stack.functions.admin!.function)]!;
      const asset = join(assembly.directory, `asset.${(admin.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '')}`);
      expect(readFileSync(join(asset, 'admin-ui', 'index.html'), 'utf8')).toMatch(/<html/i);
      const group = resources[logicalId(stack, stack.endpoint.adminTargetGroup!)]!;
      const permission = ofType(resources, 'AWS::Lambda::Permission').find(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(logicalId(stack, stack.functions.admin!.function)) && p.Properties.Principal === 'elasticloadbalancing.amazonaws.com')!;
      expect(JSON.stringify(permission[1].Properties.SourceArn)).toContain(`:targetgroup/${group.Properties.Name as string}/*`);
      expect(permission[1].Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
      expect(group.DependsOn).toContain(permission[0]);
    }
  });
});

describe('an internal load balancer in a new VPC with interface endpoints (staging)', () => {
  it('uses the configured range, and puts the load balancer and the statement function in its private subnets', () => {
    const { resources, stacks, config } = envs.staging;
    expect(config.deployment).toMatchObject({ internetFacing: false, vpcCidr: '10.41.0.0/20', vpcEgress: 'endpoints' });
    expect(ofType(resources, 'AWS::EC2::VPC').map(([, v]) => v.Properties.CidrBlock)).toEqual(['10.41.0.0/20']);
    const privateSubnets = ofType(resources, 'AWS::EC2::Subnet')
      .filter(([id]) => id.includes('private'))
      .map(([id]) => ({ Ref: id }));
    expect(privateSubnets).toHaveLength(2);
    const lb = resources[logicalId(stacks.gateway, stacks.gateway.endpoint.loadBalancer)]!;
    expect(lb.Properties).toMatchObject({ Scheme: 'internal', Subnets: privateSubnets });
    const statement = resources[logicalId(stacks.gateway, stacks.gateway.functions.statement.function)]!;
    expect((statement.Properties.VpcConfig as { SubnetIds: unknown[] }).SubnetIds).toEqual(privateSubnets);
  });

  it('reaches AWS through gateway and interface endpoints, with no NAT gateway and no route to the internet from the private subnets', () => {
    const { resources } = envs.staging;
    expect(ofType(resources, 'AWS::EC2::NatGateway')).toEqual([]);
    const service = (name: unknown) => [...JSON.stringify(name).matchAll(/\.([a-z0-9-]+)"/g)].pop()?.[1];
    const services = ofType(resources, 'AWS::EC2::VPCEndpoint').map(([, e]) => `${e.Properties.VpcEndpointType as string} ${service(e.Properties.ServiceName)}`);
    expect(services.sort()).toEqual(['Gateway dynamodb', 'Gateway s3', 'Interface athena', 'Interface glue', 'Interface secretsmanager', 'Interface xray']);
    const privateRoutes = ofType(resources, 'AWS::EC2::Route').filter(([id]) => id.includes('private'));
    expect(privateRoutes).toEqual([]);
    // The interface endpoints admit HTTPS from the functions' security group, nothing else.
    const { stacks } = envs.staging;
    const functionGroup = { 'Fn::GetAtt': [logicalId(stacks.gateway, stacks.gateway.network.functionSecurityGroup), 'GroupId'] };
    for (const endpoint of Object.values(stacks.gateway.network.interfaceEndpoints)) {
      const group = endpoint.connections.securityGroups[0]!;
      const rules = ofType(resources, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => JSON.stringify(r.Properties.GroupId).includes(logicalId(stacks.gateway, group)));
      expect(rules.map(([, r]) => r.Properties)).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: functionGroup })]);
      expect(resources[logicalId(stacks.gateway, group)]!.Properties.SecurityGroupIngress).toBeUndefined();
    }
    const statement = resources[logicalId(stacks.gateway, stacks.gateway.functions.statement.function)]!;
    expect((statement.Properties.VpcConfig as { SecurityGroupIds: unknown[] }).SecurityGroupIds).toEqual([functionGroup]);
  });

  it('and production, internet-facing, gets a NAT gateway per AZ instead', () => {
    const { resources, config } = envs.production;
    expect(ofType(resources, 'AWS::EC2::NatGateway')).toHaveLength(config.deployment.maxAzs);
    expect(ofType(resources, 'AWS::EC2::VPCEndpoint').filter(([, e]) => e.Properties.VpcEndpointType === 'Interface')).toEqual([]);
  });
});

describe('catalogs other than AwsDataCatalog', () => {
  it('let the statement function browse them through Athena\'s metadata API, on those catalogs only', () => {
    for (const { stacks, resources } of all()) {
      const stack = stacks.gateway;
      const catalog = statementsOf(resources, logicalId(stack, stack.functions.statement.role)).find((s) => asArray(s.Action).includes('athena:GetDataCatalog'))!;
      expect([...asArray(catalog.Action)].sort()).toEqual([...ATHENA_CATALOG_ACTIONS].sort());
      expect(catalog.Resource).toEqual({ 'Fn::Join': ['', ['arn:aws:athena:us-east-1:', { Ref: 'AWS::AccountId' }, ':datacatalog/dynamo_catalog']] });
      for (const fn of [stack.functions.athenaEvents, stack.functions.sweeper, stack.functions.admin!]) {
        expect(statementsOf(resources, logicalId(stack, fn.role)).flatMap((s) => asArray(s.Action))).not.toContain('athena:GetDataCatalog');
      }
    }
  });
});
