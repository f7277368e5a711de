/**
 * The constructs on their own, in the variants the example config does not reach: plain HTTP,
 * admin routes, an existing VPC, unmanaged workgroups, the other storage formats. No bundling:
 * the functions here are inline stand-ins.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { FEATURE_FLAGS } from '../../lib/app.js';
import { allow, s3ReadPermissions } from '../../lib/constructs/access.js';
import { AthenaResources, CapacityReservations } from '../../lib/constructs/athena.js';
import { ADMIN_PATH_PATTERNS, Endpoint, type EndpointProps } from '../../lib/constructs/endpoint.js';
import { GlueCatalog, projectionParameters, STORAGE_FORMATS } from '../../lib/constructs/glue-catalog.js';
import { INTERFACE_ENDPOINT_SERVICES, Network } from '../../lib/constructs/network.js';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

function scaffold(env: { account?: string; region: string } = { region: 'eu-west-1' }) {
  const app = new App({ postCliContext: { ...FEATURE_FLAGS } });
  const stack = new Stack(app, 'Test', { env });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1, restrictDefaultSecurityGroup: false });
  const fn = (id: string) => new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
  const logs = new s3.Bucket(stack, 'Logs', { encryption: s3.BucketEncryption.S3_MANAGED });
  return { app, stack, vpc, fn, logs };
}

function endpoint(overrides: Partial<EndpointProps>) {
  const { stack, vpc, fn, logs } = scaffold();
  const construct = new Endpoint(stack, 'Endpoint', { vpc, statementFunction: fn('Statement'), allowedCidrs: ['10.0.0.0/8'], accessLogsBucket: logs, ...overrides });
  return { stack, construct, template: Template.fromStack(stack) };
}

describe('Endpoint', () => {
  it('refuses to build without a certificate unless plain HTTP is explicitly allowed', () => {
    expect(() => endpoint({})).toThrow(/certificateArn \(HTTPS\), or allowInsecureHttp/);
  });

  it('listens on plain HTTP only when allowInsecureHttp is set, and then on port 80 only from the allowed ranges', () => {
    const { template } = endpoint({ allowInsecureHttp: true });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTP', Port: 80 });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('load balancer'),
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.0.0.0/8', FromPort: 80, ToPort: 80 })],
    });
  });

  it('keeps HTTPS and adds plain HTTP when both a certificate and allowInsecureHttp are given', () => {
    const { template } = endpoint({ certificateArn: CERT, allowInsecureHttp: true });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTPS', Port: 443, Certificates: [{ CertificateArn: CERT }] });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTP', Port: 80 });
  });

  it('routes /admin* and /api/admin* to the admin function, also with multi-value headers', () => {
    const { stack, vpc, fn, logs } = scaffold();
    new Endpoint(stack, 'Endpoint', { vpc, statementFunction: fn('Statement'), adminFunction: fn('Admin'), certificateArn: CERT, allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'], accessLogsBucket: logs });
    const template = Template.fromStack(stack);
    expect(ADMIN_PATH_PATTERNS).toEqual(['/admin*', '/api/admin*']);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/admin*', '/api/admin*'] } }],
      Actions: [Match.objectLike({ Type: 'forward' })],
    });
    const groups = template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(Object.keys(groups)).toHaveLength(2);
    for (const group of Object.values(groups)) {
      expect(group.Properties).toMatchObject({ TargetType: 'lambda', TargetGroupAttributes: expect.arrayContaining([{ Key: 'lambda.multi_value_headers.enabled', Value: 'true' }]) });
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.arrayWith([Match.objectLike({ CidrIpv6: '2001:db8::/32', FromPort: 443 })]),
    });
  });

  it('has no web ACL unless a rate limit is configured, and an internet-facing one sits in public subnets', () => {
    const { template } = endpoint({ certificateArn: CERT, internetFacing: true });
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing' });
  });

  it('acknowledges an open-to-all range only when the config asks for one', () => {
    const open = endpoint({ certificateArn: CERT, allowedCidrs: ['0.0.0.0/0'] });
    const closed = endpoint({ certificateArn: CERT });
    const ec23 = (e: ReturnType<typeof endpoint>) => e.construct.securityGroup.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && JSON.stringify(m.data).includes('EC23'));
    expect(ec23(open)).toHaveLength(1);
    expect(ec23(closed)).toHaveLength(0);
  });
});

describe('Network', () => {
  it('gives functions in a new VPC interface endpoints and no NAT gateway with egress: endpoints, in a range of its own', () => {
    const app = new App({ postCliContext: { ...FEATURE_FLAGS } });
    // More than two AZs need a concrete account (bin/bifrost.ts asks for one).
    const stack = new Stack(app, 'Endpoints', { env: { account: '123456789012', region: 'eu-west-1' } });
    new Network(stack, 'Network', { cidr: '10.77.0.0/20', maxAzs: 3, egress: 'endpoints' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.77.0.0/20' });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    const interfaces = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }));
    expect(interfaces.map((e) => JSON.stringify(e.Properties.ServiceName)).sort()).toEqual(
      Object.values(INTERFACE_ENDPOINT_SERVICES)
        .map((s) => JSON.stringify(stack.resolve(s.name)))
        .sort(),
    );
    for (const e of interfaces) expect(e.Properties).toMatchObject({ PrivateDnsEnabled: true, SubnetIds: expect.any(Array) });
    expect(Object.keys(INTERFACE_ENDPOINT_SERVICES).sort()).toEqual(['Athena', 'Glue', 'SecretsManager', 'XRay']);
  });

  it('creates no NAT gateway and no interface endpoint when no function runs in the VPC', () => {
    const app = new App({ postCliContext: { ...FEATURE_FLAGS } });
    const stack = new Stack(app, 'NoEgress', { env: { region: 'eu-west-1' } });
    new Network(stack, 'Network', { egress: 'none' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    expect(Object.keys(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))).toEqual([]);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    // Nor a security group for functions, and the private subnets have no route out.
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    expect(Object.keys(template.findResources('AWS::EC2::Route')).filter((id) => id.includes('private'))).toEqual([]);
  });

  it('looks up an existing VPC by id instead of creating one', () => {
    const app = new App({ postCliContext: { ...FEATURE_FLAGS } });
    const stack = new Stack(app, 'Existing', { env: { account: '123456789012', region: 'eu-west-1' } });
    const network = new Network(stack, 'Network', { vpcId: 'vpc-0abc' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    expect(network.vpc.vpcId).toBeDefined();
    const missing = app.synth().manifest.missing ?? [];
    expect(missing.map((m) => m.provider)).toContain('vpc-provider');
    expect(JSON.stringify(missing)).toContain('vpc-0abc');
  });
});

describe('AthenaResources', () => {
  it('grants and watches unmanaged workgroups without creating them; reservations assign workgroups by name', () => {
    const { stack } = scaffold();
    const athena = new AthenaResources(stack, 'Athena', {
      workgroups: [
        { name: 'mine', managed: true, target: 'a' },
        { name: 'theirs', managed: false, target: 'b' },
      ],
      resultRetentionDays: 3,
    });
    new CapacityReservations(stack, 'Capacity', { reservations: [{ name: 'r', targetDpus: 8, workgroupNames: ['mine', 'theirs'] }] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Athena::WorkGroup', 1);
    template.hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'mine', WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: Match.absent() }) });
    template.hasResourceProperties('AWS::Athena::CapacityReservation', { Name: 'r', TargetDpus: 8, CapacityAssignmentConfiguration: { CapacityAssignments: [{ WorkgroupNames: ['mine', 'theirs'] }] } });
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 3 })]) } });
    expect(athena.workgroupNames).toEqual(['mine', 'theirs']);
    expect(stack.resolve(athena.workgroupArns)).toEqual([
      { 'Fn::Join': ['', ['arn:aws:athena:eu-west-1:', { Ref: 'AWS::AccountId' }, ':workgroup/mine']] },
      { 'Fn::Join': ['', ['arn:aws:athena:eu-west-1:', { Ref: 'AWS::AccountId' }, ':workgroup/theirs']] },
    ]);
  });
});

describe('GlueCatalog', () => {
  it('maps each format to its input, output and SerDe', () => {
    const { stack } = scaffold();
    const column = [{ name: 'x', type: 'string' }];
    new GlueCatalog(stack, 'Glue', {
      databases: [
        {
          name: 'db',
          tables: (['parquet', 'orc', 'csv', 'json'] as const).map((format) => ({ name: `t_${format}`, format, location: `s3://bucket/${format}/`, columns: column })),
        },
      ],
    });
    const template = Template.fromStack(stack);
    for (const format of ['parquet', 'orc', 'csv', 'json'] as const) {
      const f = STORAGE_FORMATS[format];
      template.hasResourceProperties('AWS::Glue::Table', {
        TableInput: Match.objectLike({
          Name: `t_${format}`,
          Parameters: { EXTERNAL: 'TRUE', classification: format },
          PartitionKeys: [],
          StorageDescriptor: Match.objectLike({ InputFormat: f.inputFormat, OutputFormat: f.outputFormat, SerdeInfo: Match.objectLike({ SerializationLibrary: f.serializationLibrary }) }),
        }),
      });
    }
    expect(STORAGE_FORMATS.csv.serializationLibrary).toBe('org.apache.hadoop.hive.serde2.OpenCSVSerde');
    expect(STORAGE_FORMATS.json.serializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
  });
});

describe('partition projection', () => {
  it('writes Athena\'s projection parameters for each kind of rule, and the location template', () => {
    expect(
      projectionParameters({
        columns: {
          region: { type: 'enum', values: ['eu', 'us'] },
          shard: { type: 'integer', range: [0, 15], digits: 2, interval: 1 },
          hour: { type: 'date', range: ['NOW-2YEARS', 'NOW'], format: 'yyyy/MM/dd/HH', interval: 1, unit: 'HOURS' },
          customer: { type: 'injected' },
        },
        locationTemplate: 's3://bucket/events/${region}/${shard}/${hour}/${customer}/',
      }),
    ).toEqual({
      'projection.enabled': 'true',
      'projection.region.type': 'enum',
      'projection.region.values': 'eu,us',
      'projection.shard.type': 'integer',
      'projection.shard.range': '0,15',
      'projection.shard.digits': '2',
      'projection.shard.interval': '1',
      'projection.hour.type': 'date',
      'projection.hour.range': 'NOW-2YEARS,NOW',
      'projection.hour.format': 'yyyy/MM/dd/HH',
      'projection.hour.interval': '1',
      'projection.hour.interval.unit': 'HOURS',
      'projection.customer.type': 'injected',
      'storage.location.template': 's3://bucket/events/${region}/${shard}/${hour}/${customer}/',
    });
  });

  it('puts them on the Glue table next to EXTERNAL and the classification', () => {
    const { stack } = scaffold();
    new GlueCatalog(stack, 'Glue', {
      databases: [{ name: 'db', tables: [{ name: 't', format: 'json', location: 's3://bucket/t/', columns: [{ name: 'x', type: 'string' }], partitionKeys: [{ name: 'dt', type: 'string' }], projection: { columns: { dt: { type: 'date', range: ['2024-01-01', 'NOW'], format: 'yyyy-MM-dd' } } } }] }],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({ Parameters: { EXTERNAL: 'TRUE', classification: 'json', 'projection.enabled': 'true', 'projection.dt.type': 'date', 'projection.dt.range': '2024-01-01,NOW', 'projection.dt.format': 'yyyy-MM-dd' } }),
    });
  });
});

describe('allow', () => {
  it('refuses wildcard actions and unexplained wildcard resources, and acknowledges explained ones by name', () => {
    const { app, stack, fn } = scaffold();
    const f = fn('F');
    expect(() => allow(f, { actions: ['s3:Get*'], resources: ['arn:aws:s3:::b/k'] })).toThrow(/wildcard action s3:Get\* refused/);
    expect(() => allow(f, { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] })).toThrow(/has a wildcard but no reason/);
    allow(f, ...s3ReadPermissions(['s3://bucket/prefix/', 's3://whole-bucket']));
    const template = Template.fromStack(stack);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: string; Resource: unknown; Condition?: unknown }[] }).Statement);
    // Nothing from the refused calls was added.
    expect(JSON.stringify(statements)).not.toMatch(/s3:::b\/|s3:Get\*/);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['prefix/*'] } } }));
    expect(statements.find((s) => s.Action === 's3:ListBucket' && JSON.stringify(s.Resource).includes('whole-bucket'))?.Condition).toBeUndefined();
    expect(JSON.stringify(statements.filter((s) => s.Action === 's3:GetObject').map((s) => s.Resource))).toContain(':s3:::whole-bucket/*');
    const report = new AwsSolutionsChecks().validateScope(app);
    const iam5 = report.violations.filter((v) => v.ruleName.startsWith('AwsSolutions-IAM5')).map((v) => v.ruleName);
    // Only the inline test function's own policies remain; the data locations are acknowledged.
    expect(iam5.filter((r) => r.includes('bucket/'))).toEqual([]);
  });
});
