/**
 * The example config, synthesized once (bundles built by the local esbuild, cdk-nag's AwsSolutions
 * checks registered exactly as bin/bifrost.ts does) and shared by every assertion in this file.
 * Its placeholders (certificate, host name, client range) are what bin/bifrost.ts refuses; the
 * stacks are built from it as it is. environments.test.ts covers the variants it does not reach.
 */
import { App, Duration, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tableDefinitions from '../../lambdas/adapters/aws/tables.js';
import { parseConfigText, type BifrostConfig } from '../../lambdas/core/config/schema.js';
import { PARSER_SNAPSHOT_FILE } from '../../lambdas/contract.js';
import { grammarFingerprint } from '../../lambdas/core/sql/parser-snapshot.js';
import { ENV } from '../../lambdas/handlers/env.js';
import { addBifrostStacks, FEATURE_FLAGS, type BifrostStacks } from '../../lib/app.js';
import { BifrostStack, BUNDLED_CONFIG_NAME, ENV_NAMES } from '../../lib/bifrost-stack.js';
import { FUNCTION_NODE_OPTIONS } from '../../lib/constructs/gateway-function.js';
import { QUEUE_DEPTH_METRIC } from '../../lib/constructs/monitoring.js';
import { LAMBDA_NODE_OPTIONS } from '../../lib/lambda-node-options.js';
import { physicalNames, type PhysicalNames } from '../../lib/physical-names.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const configFile = join(projectRoot, 'config/bifrost.example.yaml');

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };

let outdir: string;
let config: BifrostConfig;
let app: App;
let stacks: BifrostStacks;
let stack: BifrostStack;
let names: PhysicalNames;
let assembly: CloudAssembly;
let template: Template;
let resources: Record<string, Resource>;
let synthSeconds: number;

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const asArray = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);
const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;
const policyStatements = (roleLogicalId: string): Statement[] =>
  ofType('AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${roleLogicalId}"`))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
const roleOf = (fn: lambda.IFunction) => logicalId(fn.role as unknown as { node: { defaultChild?: unknown } });

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'bifrost-infra-'));
  config = parseConfigText(readFileSync(configFile, 'utf8'));
  const started = performance.now();
  app = new App({ outdir, postCliContext: { ...FEATURE_FLAGS } });
  stacks = addBifrostStacks(app, { config, configFile, projectRoot, env: { region: 'us-east-1' } });
  stack = stacks.gateway;
  names = physicalNames(config);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  assembly = app.synth();
  synthSeconds = (performance.now() - started) / 1000;
  template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template as Record<string, unknown>);
  resources = template.toJSON().Resources as Record<string, Resource>;
});

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('synth of the example config', () => {
  it('passes cdk-nag AwsSolutions with no unacknowledged finding, errors or warnings', () => {
    // app.synth() above would have thrown on an error; warnings are checked here too.
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    console.info(`full synth with bundling and cdk-nag: ${synthSeconds.toFixed(1)} s`);
  });

  it('gives every cdk-nag acknowledgement a specific finding and a reason of its own', () => {
    const acknowledgements: { path: string; id: string; reason: string }[] = [];
    for (const construct of app.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) if (id.includes('AwsSolutions')) acknowledgements.push({ path: construct.node.path, id, reason });
      }
    }
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const a of acknowledgements) {
      expect(a.id, a.path).toMatch(/AwsSolutions-[A-Z]+\d+/);
      expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(60);
      // A wildcard finding names the resource or the actions it is about.
      if (a.id.includes('IAM5')) expect(a.id, a.path).toMatch(/IAM5\[(Resource|Action)::.+\]/);
    }
  });

  it('writes a template that needs no context lookup (offline synth)', () => {
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });
});

describe('functions', () => {
  it('run on the newest Node.js runtime aws-cdk-lib offers, with tracing, Powertools settings and sane limits', () => {
    const newest = lambda.Runtime.ALL.filter((r) => r.family === lambda.RuntimeFamily.NODEJS && /^nodejs\d+\.x$/.test(r.name))
      .map((r) => r.name)
      .sort((a, b) => Number.parseInt(a.slice(6)) - Number.parseInt(b.slice(6)))
      .pop();
    expect(newest).toBe('nodejs24.x');
    const functions = [stack.functions.statement, stack.functions.athenaEvents, stack.functions.sweeper].map((f) => resources[logicalId(f.function)]!);
    for (const fn of functions) {
      expect(fn.Properties.Role).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
      expect(fn.Properties).toMatchObject({
        Runtime: newest,
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        Architectures: ['arm64'],
        Environment: { Variables: { POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^bifrost-/), POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_NAMESPACE: 'Bifrost' } },
        LoggingConfig: { LogGroup: expect.anything() },
      });
      expect(fn.Properties.Timeout).toBeLessThanOrEqual(55);
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: config.deployment.logRetentionDays });
  });

  it('puts only the functions that reach the Trino cluster in the VPC (statement, and the sweeper for health checks), in the private subnets', () => {
    const privateSubnets = ofType('AWS::EC2::Subnet').filter(([id]) => id.includes('private')).map(([id]) => ({ Ref: id }));
    expect(privateSubnets).toHaveLength(config.deployment.maxAzs);
    for (const fn of [stack.functions.statement, stack.functions.sweeper]) expect((resources[logicalId(fn.function)]!.Properties.VpcConfig as { SubnetIds: unknown[] }).SubnetIds).toEqual(privateSubnets);
    expect(resources[logicalId(stack.functions.athenaEvents.function)]!.Properties.VpcConfig).toBeUndefined();
  });

  it('lets each function write to its own log group only: no AWS managed policy, no account-wide logs permissions', () => {
    for (const fn of [stack.functions.statement, stack.functions.athenaEvents, stack.functions.sweeper]) {
      const role = roleOf(fn.function);
      expect(resources[role]!.Properties.ManagedPolicyArns).toBeUndefined();
      const logs = policyStatements(role).filter((s) => asArray(s.Action).some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logicalId(fn.logGroup), 'Arn'] } }]);
      expect(resources[logicalId(fn.function)]!.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logicalId(fn.logGroup) } });
    }
    // Network interfaces for the functions in the VPC (statement, and the sweeper for cluster health), without the log permissions of AWSLambdaVPCAccessExecutionRole.
    for (const fn of [stack.functions.statement, stack.functions.sweeper]) expect(policyStatements(roleOf(fn.function))).toContainEqual(expect.objectContaining({ Action: expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']), Resource: '*' }));
    expect(policyStatements(roleOf(stack.functions.athenaEvents.function)).flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith('ec2:'))).toEqual([]);
  });

  it('gives the statement function a timeout inside the load balancer idle timeout', () => {
    const statement = resources[logicalId(stack.functions.statement.function)]!;
    const idle = Number(
      (ofType('AWS::ElasticLoadBalancingV2::LoadBalancer')[0]![1].Properties.LoadBalancerAttributes as { Key: string; Value: string }[]).find((a) => a.Key === 'idle_timeout.timeout_seconds')!.Value,
    );
    expect(statement.Properties.Timeout).toBeLessThan(idle);
    expect(statement.Properties.MemorySize).toBe(config.deployment.statementMemoryMb);
    expect(config.deployment.statementMemoryMb).toBe(1769);
  });

  it('refuses a statement timeout that a held waiting poll and its calls would not fit in', () => {
    const held = { ...config, gateway: { ...config.gateway, waitingPollWaitMs: 20_000 } };
    const build = (seconds: number) => () => new BifrostStack(new App(), 'Held', { config: held, configFile, projectRoot, env: { region: 'us-east-1' }, statementTimeout: Duration.seconds(seconds) });
    expect(build(25)).toThrow(/statementTimeout \(25 s\) must be at least 10 s longer than the longest poll hold \(20 s/);
  });

  it('pass the handlers their environment by the names lambdas/handlers/env.ts uses', () => {
    const known = ENV as Record<string, string>;
    const env = (fn: lambda.IFunction) => (resources[logicalId(fn)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    // Every variable the stack sets is one the handlers know, besides Node's and Powertools' own.
    for (const fn of [stack.functions.statement, stack.functions.athenaEvents, stack.functions.sweeper]) {
      expect(Object.keys(env(fn.function)).filter((name) => !Object.values(known).includes(name) && name !== 'NODE_OPTIONS' && !name.startsWith('POWERTOOLS_'))).toEqual([]);
    }
    // Every function runs with the Node options the benchmarks measure with, and with source maps
    // (NODE_OPTIONS replaces what bundling's sourceMap would otherwise rely on).
    expect(FUNCTION_NODE_OPTIONS.split(' ')).toEqual(['--enable-source-maps', ...LAMBDA_NODE_OPTIONS.split(' ')]);
    for (const fn of [stack.functions.statement, stack.functions.athenaEvents, stack.functions.sweeper]) expect(env(fn.function).NODE_OPTIONS).toBe(FUNCTION_NODE_OPTIONS);
    expect(env(stack.functions.sweeper.function)).toMatchObject({ [ENV.CONFIG_TABLE]: { Ref: logicalId(stack.tables.config.table) } });
    for (const fn of [stack.functions.statement, stack.functions.athenaEvents, stack.functions.sweeper]) {
      expect(env(fn.function)).toMatchObject({ [ENV.QUERIES_TABLE]: { Ref: logicalId(stack.tables.queries.table) }, [ENV.CONFIG_FILE]: `/var/task/${BUNDLED_CONFIG_NAME}` });
    }
    expect(env(stack.functions.statement.function)).toMatchObject({
      [ENV_NAMES.PAGE_TOKEN_SECRET_ARN]: { Ref: logicalId(stack.pageTokenKey) },
      [ENV_NAMES.CONFIG_TABLE]: { Ref: logicalId(stack.tables.config.table) },
      [ENV_NAMES.USERS_TABLE]: { Ref: logicalId(stack.tables.users.table) },
    });
  });

  it('bundles the statement handler with esbuild, without local-only dependencies, and ships the config file', () => {
    const statement = resources[logicalId(stack.functions.statement.function)]!;
    const assetHash = /^([0-9a-f]{64})\.zip$/.exec((statement.Properties.Code as { S3Key: string }).S3Key)![1]!;
    const assetDir = join(outdir, `asset.${assetHash}`);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    const sources = (JSON.parse(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')) as { sources: string[] }).sources;
    expect(sources.some((s) => s.endsWith('lambdas/handlers/statement.ts'))).toBe(true);
    expect(sources.filter((s) => /@duckdb|dynalite|lambdas\/local\//.test(s))).toEqual([]);
    expect(bundle).not.toMatch(/@duckdb\/node-api|["']dynalite["']/);
    // Nothing left to the runtime: the only imports left are Node's built-ins.
    const specifier = /^(node:)?(@[a-z0-9._-]+\/)?[a-z0-9._-]+(\/[\w./-]+)?$/;
    const imports = [...bundle.matchAll(/\bfrom\s*["']([^"']+)["']|\b(?:import|require)\(\s*["']([^"']+)["']\s*\)/g)]
      .map((m) => (m[1] ?? m[2])!)
      .filter((i) => specifier.test(i))
      .map((i) => i.replace(/^node:/, ''));
    expect(imports.length).toBeGreaterThan(0);
    // The AWS SDK probes for its optional SigV4a signers inside try/catch; nothing else may be left out.
    const optional = ['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a'];
    expect([...new Set(imports.filter((i) => !builtinModules.includes(i) && !optional.includes(i)))]).toEqual([]);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    // The parser's prediction caches, which the handler restores instead of warming the parser up.
    expect((JSON.parse(readFileSync(join(assetDir, PARSER_SNAPSHOT_FILE), 'utf8')) as { grammar: string }).grammar).toBe(grammarFingerprint());
    // The config file, with the physical names in place: the workgroups the code calls Athena with.
    const bundled = parseConfigText(readFileSync(join(assetDir, BUNDLED_CONFIG_NAME), 'utf8'));
    expect(bundled.deployment.namePrefix).toBe('');
    expect({ ...bundled, targets: {}, glue: {}, deployment: {} }).toEqual({ ...config, targets: {}, glue: {}, deployment: {} });
    for (const [name, target] of Object.entries(config.targets)) {
      if (target.type === 'athena') expect(bundled.targets[name]).toEqual({ ...target, workgroup: `production-${target.workgroup}` });
      else expect(bundled.targets[name]).toEqual(target);
    }
    expect(Object.keys(bundled.glue.databases)).toEqual(['production_sales']);
  });
});

describe('endpoint', () => {
  it('listens on HTTPS with the configured certificate and a TLS 1.2+ policy, and not on plain HTTP', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTPS',
      Port: 443,
      Certificates: [{ CertificateArn: config.deployment.certificateArn }],
      SslPolicy: Match.stringLikeRegexp('^ELBSecurityPolicy-TLS13-1-2'),
      DefaultActions: [Match.objectLike({ Type: 'forward' })],
    });
    expect(Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::Listener', { Properties: { Protocol: 'HTTP' } }))).toEqual([]);
  });

  it('forwards to a Lambda target group with multi-value headers enabled', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'lambda',
      Targets: [{ Id: { 'Fn::GetAtt': [logicalId(stack.functions.statement.function), 'Arn'] } }],
      TargetGroupAttributes: Match.arrayWith([{ Key: 'lambda.multi_value_headers.enabled', Value: 'true' }]),
    });
  });

  it('is internet-facing in the public subnets, logs its accesses to an encrypted bucket, and drops invalid headers', () => {
    const lb = resources[logicalId(stack.endpoint.loadBalancer)]!;
    expect(config.deployment.internetFacing).toBe(true);
    expect(lb.Properties.Scheme).toBe('internet-facing');
    expect(lb.Properties.Subnets).toEqual(ofType('AWS::EC2::Subnet').filter(([id]) => id.includes('public')).map(([id]) => ({ Ref: id })));
    expect(lb.Properties.LoadBalancerAttributes).toEqual(
      expect.arrayContaining([
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.bucket', Value: { Ref: expect.stringMatching(/^AccessLogs/) } },
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'idle_timeout.timeout_seconds', Value: '60' },
      ]),
    );
    const logsBucket = ofType('AWS::S3::Bucket').find(([id]) => id.startsWith('AccessLogs'))![1];
    expect(logsBucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
  });

  it('admits only the allowed CIDR ranges', () => {
    const sg = resources[logicalId(stack.endpoint.securityGroup)]!;
    expect(config.deployment.allowedCidrs).toEqual(['203.0.113.0/24']);
    expect(sg.Properties.SecurityGroupIngress).toEqual(config.deployment.allowedCidrs.map((cidr) => expect.objectContaining({ CidrIp: cidr, FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })));
  });

  it('has a WAF web ACL with a per-IP rate limit', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: [Match.objectLike({ Action: { Block: {} }, Statement: { RateBasedStatement: Match.objectLike({ Limit: config.deployment.waf!.rateLimitPer5Minutes, AggregateKeyType: 'IP' }) } })],
    });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: { Ref: logicalId(stack.endpoint.loadBalancer) } });
  });

  it('outputs the endpoint URL and a JDBC URL on gateway.publicUrl\'s host (the certificate\'s name), and where to point it', () => {
    expect(config.gateway.publicUrl).toBe('https://bifrost.example.com');
    template.hasOutput('JdbcUrl', { Value: 'jdbc:trino://bifrost.example.com:443?SSL=true' });
    template.hasOutput('EndpointUrl', { Value: 'https://bifrost.example.com' });
    template.hasOutput('LoadBalancerDnsName', { Value: { 'Fn::GetAtt': [logicalId(stack.endpoint.loadBalancer), 'DNSName'] } });
  });

  it('lets only its own target groups invoke the functions (SourceArn and SourceAccount on the permission)', () => {
    const groups = ofType('AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(groups).toHaveLength(1);
    const [groupId, group] = groups[0]!;
    const name = group.Properties.Name as string;
    expect(name.length).toBeLessThanOrEqual(32);
    const statementArn = { 'Fn::GetAtt': [logicalId(stack.functions.statement.function), 'Arn'] };
    const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal === 'elasticloadbalancing.amazonaws.com');
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: statementArn,
        Principal: 'elasticloadbalancing.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: { 'Fn::Join': ['', ['arn:aws:elasticloadbalancing:us-east-1:', { Ref: 'AWS::AccountId' }, `:targetgroup/${name}/*`]] },
      },
    ]);
    // Registered only once the permission exists.
    expect((resources[groupId] as unknown as { DependsOn: string[] }).DependsOn).toContain(permissions[0]![0]);
  });
});

describe('tables', () => {
  type KeyElement = { AttributeName: string; KeyType: string };
  type Index = { IndexName: string; KeySchema: KeyElement[]; Projection: { ProjectionType: string; NonKeyAttributes?: string[] } };
  type TableShape = { KeySchema: KeyElement[]; AttributeDefinitions: { AttributeName: string; AttributeType: string }[]; GlobalSecondaryIndexes?: Index[] };
  const normal = (t: TableShape) => ({
    keys: t.KeySchema,
    attributes: [...t.AttributeDefinitions].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName)),
    indexes: [...(t.GlobalSecondaryIndexes ?? [])]
      .map((i) => ({ name: i.IndexName, keys: i.KeySchema, projection: i.Projection.ProjectionType, include: [...(i.Projection.NonKeyAttributes ?? [])].sort() }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  });

  it('declare exactly the keys and indexes of lambdas/adapters/aws/tables.ts', () => {
    const expected = [
      tableDefinitions.queriesTableDefinition('queries'),
      tableDefinitions.configTableDefinition('config'),
      tableDefinitions.usersTableDefinition('users'),
    ].map((d) => normal(d as TableShape));
    // Every definition the runtime knows is deployed.
    const definitionFunctions = Object.keys(tableDefinitions).filter((k) => k.endsWith('TableDefinition'));
    expect(definitionFunctions.sort()).toEqual(['configTableDefinition', 'queriesTableDefinition', 'usersTableDefinition']);
    const deployed = ofType('AWS::DynamoDB::Table').map(([, t]) => normal(t.Properties as unknown as TableShape));
    const byKey = (x: { keys: KeyElement[] }) => x.keys.map((k) => k.AttributeName).join('/');
    expect(deployed.sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual(expected.sort((a, b) => byKey(a).localeCompare(byKey(b))));
  });

  it('are on-demand, encrypted, point-in-time recoverable and retained; queries and sign-in counters expire by TTL', () => {
    for (const [, t] of ofType('AWS::DynamoDB::Table')) {
      expect(t.DeletionPolicy).toBe('Retain');
      expect(t.UpdateReplacePolicy).toBe('Retain');
      expect(t.Properties).toMatchObject({ BillingMode: 'PAY_PER_REQUEST', SSESpecification: { SSEEnabled: true }, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
    }
    expect(resources[logicalId(stack.tables.queries.table)]!.Properties.TimeToLiveSpecification).toEqual({ AttributeName: tableDefinitions.QUERIES_TABLE.ttlAttribute, Enabled: true });
    expect(resources[logicalId(stack.tables.users.table)]!.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });
});

describe('Athena', () => {
  it('creates a workgroup per managed Athena target with enforced settings, engine 3 and CloudWatch metrics', () => {
    for (const target of Object.values(config.targets)) {
      if (target.type !== 'athena') continue;
      template.hasResourceProperties('AWS::Athena::WorkGroup', {
        Name: `production-${target.workgroup}`,
        State: 'ENABLED',
        WorkGroupConfiguration: Match.objectLike({
          EnforceWorkGroupConfiguration: true,
          PublishCloudWatchMetricsEnabled: true,
          EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
          BytesScannedCutoffPerQuery: target.bytesScannedCutoffPerQuery ?? Match.absent(),
          ResultConfiguration: Match.objectLike({
            OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: logicalId(stack.athena.resultBucket) }, `/production-${target.workgroup}/`]] },
            EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          }),
        }),
      });
    }
  });

  it('keeps results in an encrypted, TLS-only, private bucket that expires them', () => {
    const bucket = logicalId(stack.athena.resultBucket);
    expect(resources[bucket]!.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: expect.arrayContaining([expect.objectContaining({ ExpirationInDays: config.deployment.resultRetentionDays, Status: 'Enabled' })]) },
      LoggingConfiguration: expect.objectContaining({ DestinationBucketName: expect.anything() }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('names workgroups after the environment, so that another environment or the account\'s own never collide', () => {
    expect(names.prefix).toBe('production');
    expect(ofType('AWS::Athena::WorkGroup').map(([, w]) => w.Properties.Name).sort()).toEqual(['production-adhoc', 'production-critical-a', 'production-critical-b']);
  });

  it('reserves no capacity unless the config opts in, and never in the gateway\'s stack', () => {
    expect(config.capacityReservations).toEqual({});
    expect(stacks.capacity).toBeUndefined();
    expect(assembly.stacks.map((s) => s.stackName)).toEqual(['Bifrost-production']);
    template.resourceCountIs('AWS::Athena::CapacityReservation', 0);
  });
});

describe('Glue catalog', () => {
  it('creates the configured databases (prefixed) and tables with the format\'s SerDe, the partition keys and their projection', () => {
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'production_sales', Description: 'Sales data' } });
    template.resourceCountIs('AWS::Glue::Database', 1);
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'production_sales',
      TableInput: Match.objectLike({
        Name: 'orders',
        TableType: 'EXTERNAL_TABLE',
        // Athena computes the dt partitions: the table has rows without anyone adding partitions.
        Parameters: {
          EXTERNAL: 'TRUE',
          classification: 'parquet',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.range': '2020-01-01,NOW',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
        },
        PartitionKeys: [{ Name: 'dt', Type: 'string' }],
        StorageDescriptor: Match.objectLike({
          Location: 's3://example-data-lake/sales/orders/',
          InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          Columns: [
            { Name: 'order_id', Type: 'bigint' },
            { Name: 'customer_id', Type: 'bigint' },
            { Name: 'total', Type: 'decimal(12,2)' },
            { Name: 'ordered_at', Type: 'timestamp' },
          ],
        }),
      }),
    });
  });
});

describe('events', () => {
  it('delivers Athena state changes of these workgroups to athena-events, with retries and a dead-letter queue', () => {
    const workgroups = Object.entries(config.targets).flatMap(([name, t]) => (t.type === 'athena' ? [names.workgroup(name)] : []));
    expect(workgroups).toEqual(['production-critical-a', 'production-critical-b', 'production-adhoc']);
    const dlq = { 'Fn::GetAtt': [logicalId(stack.events.deadLetterQueue), 'Arn'] };
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.athena'], 'detail-type': ['Athena Query State Change'], detail: { workgroupName: workgroups } },
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(stack.functions.athenaEvents.function), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: dlq },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(stack.functions.athenaEvents.function) },
      DestinationConfig: { OnFailure: { Destination: dlq } },
    });
  });

  it('keeps dead letters in an encrypted, TLS-only queue that EventBridge may write to', () => {
    expect(resources[logicalId(stack.events.deadLetterQueue)]!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('runs the sweeper every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.functions.sweeper.function), 'Arn'] } })],
    });
  });
});

describe('IAM', () => {
  const workgroupArn = (name: string) => ({ 'Fn::Join': ['', [`arn:aws:athena:us-east-1:`, { Ref: 'AWS::AccountId' }, `:workgroup/${name}`]] });
  const workgroupArns = () => Object.entries(config.targets).flatMap(([name, t]) => (t.type === 'athena' ? [workgroupArn(names.workgroup(name))] : []));

  it('grants no wildcard actions anywhere', () => {
    const actions = [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy')].flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap((s) => asArray(s.Action)));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('scopes every Athena action to the configured workgroups', () => {
    const athena = ofType('AWS::IAM::Policy')
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => asArray(s.Action).some((a) => a.startsWith('athena:')));
    expect(athena.length).toBe(3);
    for (const s of athena) {
      expect(asArray(s.Action).every((a) => a.startsWith('athena:'))).toBe(true);
      expect(asArray(s.Resource)).toEqual(expect.arrayContaining(workgroupArns()));
      expect(asArray(s.Resource)).toHaveLength(workgroupArns().length);
    }
    const statement = policyStatements(roleOf(stack.functions.statement.function)).find((s) => asArray(s.Action).includes('athena:StartQueryExecution'))!;
    expect([...asArray(statement.Action)].sort()).toEqual(
      ['athena:BatchGetQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:GetQueryRuntimeStatistics', 'athena:StartQueryExecution', 'athena:StopQueryExecution'].sort(),
    );
    // Only the statement function starts queries.
    for (const fn of [stack.functions.athenaEvents, stack.functions.sweeper]) {
      expect(policyStatements(roleOf(fn.function)).flatMap((s) => asArray(s.Action))).not.toContain('athena:StartQueryExecution');
    }
  });

  it('lets the statement function read the data locations and Glue, and read and write the result bucket', () => {
    const statements = policyStatements(roleOf(stack.functions.statement.function));
    const partition = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
    expect(statements).toContainEqual(expect.objectContaining({ Action: 's3:GetObject', Resource: partition(':s3:::example-data-lake/sales/*') }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 's3:ListBucket', Resource: partition(':s3:::example-data-lake'), Condition: { StringLike: { 's3:prefix': ['sales/*'] } } }));
    const glue = statements.find((s) => asArray(s.Action).includes('glue:GetTable'))!;
    expect(JSON.stringify(glue.Resource)).toContain(':table/production_sales/*');
    expect(JSON.stringify(glue.Resource)).toContain(':database/production_sales"');
    expect(JSON.stringify(glue.Resource)).not.toMatch(/[:/]sales\b/);
    expect(JSON.stringify(glue.Resource)).not.toMatch(/:table\/\*|:database\/\*/);
    const results = statements.find((s) => asArray(s.Action).includes('s3:PutObject'))!;
    expect(results.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.athena.resultBucket), 'Arn'] }, '/*']] });
  });

  it('names the table and each index in DynamoDB statements, never index/*', () => {
    const queries = logicalId(stack.tables.queries.table);
    const dynamo = ofType('AWS::IAM::Policy')
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(JSON.stringify(dynamo)).not.toContain('index/*');
    const statementQueries = policyStatements(roleOf(stack.functions.statement.function)).find((s) => JSON.stringify(s.Resource).includes(queries))!;
    expect(asArray(statementQueries.Resource)).toHaveLength(1 + (stack.tables.queries.indexArns.length));
  });

  it('grants no Athena catalog actions when every catalog is Glue\'s own (AwsDataCatalog)', () => {
    expect(Object.values(config.catalogs).map((c) => c.athenaCatalog)).toEqual(['AwsDataCatalog']);
    const actions = ofType('AWS::IAM::Policy').flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap((s) => asArray(s.Action)));
    expect(actions.filter((a) => /athena:(GetDataCatalog|ListDatabases|GetTableMetadata)/.test(a))).toEqual([]);
  });

  it('lets only the statement function read the page-token key, and says so to cdk-nag', () => {
    const smg4 = stack.pageTokenKey.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).filter(([id]) => id.endsWith('AwsSolutions-SMG4')))
      .map(([, reason]) => reason);
    expect(smg4).toEqual([expect.stringMatching(/the statement function, which alone may read it/)]);
    const secret = logicalId(stack.pageTokenKey);
    const readers = ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes(`"Ref":"${secret}"`))
      .map(([, p]) => p.Properties.Roles);
    expect(readers).toEqual([[{ Ref: roleOf(stack.functions.statement.function) }]]);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }) });
  });
});

describe('monitoring', () => {
  it('alarms on function errors and throttles, load balancer 5xx and dead letters', () => {
    for (const fn of [stack.functions.statement, stack.functions.athenaEvents, stack.functions.sweeper]) {
      for (const metric of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn.function) } }],
          AlarmActions: [{ Ref: logicalId(stack.monitoring.topic) }],
        });
      }
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_ELB_5XX_Count' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
  });

  it('alarms when a target\'s queue depth (the sweeper\'s custom metric) stays at its limit', () => {
    expect(QUEUE_DEPTH_METRIC).toEqual({ namespace: 'Bifrost', metricName: 'QueueDepth', dimension: 'Target' });
    for (const [name, target] of Object.entries(config.targets)) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Bifrost',
        MetricName: 'QueueDepth',
        Dimensions: [{ Name: 'Target', Value: name }],
        Threshold: target.queueLimit,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('notifies an encrypted topic with the e-mail subscription, and has a dashboard', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: config.deployment.alarmEmail });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    // CloudWatch may use the key only for this account's alarms.
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:aws:cloudwatch:us-east-1:', { Ref: 'AWS::AccountId' }, ':alarm:*']] } },
            },
          },
        ]),
      },
    });
    const body = JSON.stringify(ofType('AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody);
    expect(body).toContain('QueueDepth');
    expect(body).toContain('HTTPCode_ELB_5XX_Count');
  });
});

describe('network', () => {
  it('creates a VPC in the default range with flow logs, S3/DynamoDB gateway endpoints and a NAT gateway per AZ', () => {
    expect(config.deployment.vpcCidr).toBeUndefined();
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    for (const service of ['.dynamodb', '.s3']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([service])]) }) });
    }
    // vpcEgress: nat, so no interface endpoints; a NAT gateway in each AZ's public subnet.
    expect(ofType('AWS::EC2::VPCEndpoint').filter(([, e]) => e.Properties.VpcEndpointType === 'Interface')).toEqual([]);
    const nats = ofType('AWS::EC2::NatGateway');
    expect(nats).toHaveLength(config.deployment.maxAzs);
    expect(new Set(nats.map(([, n]) => JSON.stringify(n.Properties.SubnetId))).size).toBe(config.deployment.maxAzs);
    expect(existsSync(outdir)).toBe(true);
  });
});
