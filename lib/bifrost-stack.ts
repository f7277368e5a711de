import { CfnOutput, Duration, Stack, Stage, Validations, type StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { LoadBalancerTarget } from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BifrostConfig } from '../lambdas/core/config/schema.js';
import { ENV, HANDLERS, SPOOL_PREFIX, SPOOL_RETENTION_DAYS } from '../lambdas/contract.js';
import { allow, ATHENA_CATALOG_ACTIONS, ATHENA_QUERY_ACTIONS, DYNAMO_READ_ACTIONS, DYNAMO_WRITE_ACTIONS, GLUE_DATA_CATALOG, glueReadPermission, s3ReadPermissions, type Permission } from './constructs/access.js';
import { AccessLogsBucket } from './constructs/access-logs.js';
import { AthenaResources } from './constructs/athena.js';
import { Endpoint } from './constructs/endpoint.js';
import { GatewayFunction, TASK_ROOT } from './constructs/gateway-function.js';
import { GlueCatalog } from './constructs/glue-catalog.js';
import { Monitoring } from './constructs/monitoring.js';
import { Network } from './constructs/network.js';
import { BifrostEventBus } from './constructs/event-bus.js';
import { QueryEvents } from './constructs/query-events.js';
import { CONFIG_TABLE_SPEC, GatewayTable, QUERIES_TABLE_SPEC, USERS_TABLE_SPEC } from './constructs/tables.js';
import { physicalNames, resolvedConfigText, type PhysicalNames } from './physical-names.js';

/** Names of the environment variables the handlers read, from the contract both sides share. */
export const ENV_NAMES = ENV;

/**
 * The config's name inside each function's bundle: the config file with the physical names in
 * place (see physical-names.ts), as JSON.
 */
export const BUNDLED_CONFIG_NAME = 'bifrost-config.json';

/** Handler modules, relative to the project root. */
export { HANDLERS };

export interface BifrostStackProps extends StackProps {
  /** The validated config (parseConfigText), whose deploymentProblems are already ruled out. */
  readonly config: BifrostConfig;
  /** The config file it was read from: shipped, with the physical names in place, in every function's bundle. */
  readonly configFile: string;
  /** The repository root: handlers, package-lock.json and tsconfig.json are found from here. */
  readonly projectRoot: string;
  /** Deploy the admin function (lambdas/handlers/admin.ts) behind /admin* and /api/admin*. @default false */
  readonly admin?: boolean;
  /**
   * Statement function timeout: a held poll (gateway.pollWaitMs, or gateway.waitingPollWaitMs for a
   * query waiting at the gateway, at most 20 s) plus engine and store calls; at least 10 s more than
   * the longer hold. @default Duration.seconds(30)
   */
  readonly statementTimeout?: Duration;
}

/**
 * The gateway's stack, from one config file: the endpoint (ALB with Lambda targets), the
 * functions, the tables, the Athena workgroups, the Glue catalog, the event plumbing,
 * least-privilege IAM, and the alarms. Capacity reservations have a stack of their own
 * (CapacityStack), so that one AWS cannot fill never rolls the gateway back. Constructs are
 * declarative; this class only maps config to their props and resource names to environment
 * variables.
 */
export class BifrostStack extends Stack {
  readonly endpoint: Endpoint;
  readonly functions: { readonly statement: GatewayFunction; readonly athenaEvents: GatewayFunction; readonly sweeper: GatewayFunction; readonly admin?: GatewayFunction };
  readonly tables: { readonly queries: GatewayTable; readonly config: GatewayTable; readonly users: GatewayTable };
  readonly athena: AthenaResources;
  readonly events: QueryEvents;
  /** Where Bifrost publishes its own events (config events.enabled); absent when they are off. */
  readonly eventBus?: BifrostEventBus;
  readonly monitoring: Monitoring;
  readonly pageTokenKey: secretsmanager.Secret;
  readonly network: Network;
  /** The physical names of workgroups, reservations and Glue databases. */
  readonly names: PhysicalNames;
  /** Where the config the functions get (BUNDLED_CONFIG_NAME) was written. */
  readonly bundledConfigFile: string;

  constructor(scope: Construct, id: string, props: BifrostStackProps) {
    super(scope, id, props);
    const { config } = props;
    const d = config.deployment;
    const timeout = props.statementTimeout ?? Duration.seconds(30);
    // A poll is held, then routes, submits or reads a page: it must end before the function times out.
    const longestHoldMs = Math.max(config.gateway.pollWaitMs, config.gateway.waitingPollWaitMs);
    if (timeout.toMilliseconds() < longestHoldMs + 10_000) {
      throw new Error(`statementTimeout (${timeout.toSeconds()} s) must be at least 10 s longer than the longest poll hold (${longestHoldMs / 1000} s, gateway.waitingPollWaitMs or gateway.pollWaitMs)`);
    }

    this.names = physicalNames(config);
    const names = this.names;
    // The functions that talk to clusters, which may be on private addresses, run in the VPC: the
    // statement function, the sweeper (health checks) and the admin function (it kills their
    // queries). Nothing else needs the VPC, and without clusters none of them does.
    const clusterTargets = Object.values(config.targets).filter((t) => t.type === 'trino' || t.type === 'presto');
    const statementInVpc = clusterTargets.length > 0;
    const network = new Network(this, 'Network', {
      vpcId: d.vpcId,
      cidr: d.vpcCidr,
      maxAzs: d.maxAzs,
      egress: statementInVpc ? d.vpcEgress : 'none',
      flowLogRetentionDays: d.logRetentionDays,
    });
    this.network = network;

    // The functions read the config with the physical names in place: what they call Athena with
    // is what IAM grants and EventBridge matches.
    // Next to the templates, in the cloud assembly: a file of the synth, not of the repository.
    const outdir = Stage.of(this)!.outdir;
    mkdirSync(outdir, { recursive: true });
    this.bundledConfigFile = join(outdir, `${this.artifactId}.${BUNDLED_CONFIG_NAME}`);
    writeFileSync(this.bundledConfigFile, resolvedConfigText(readFileSync(props.configFile, 'utf8'), config));

    this.tables = {
      queries: new GatewayTable(this, 'QueriesTable', { spec: QUERIES_TABLE_SPEC }),
      config: new GatewayTable(this, 'ConfigTable', { spec: CONFIG_TABLE_SPEC }),
      users: new GatewayTable(this, 'UsersTable', { spec: USERS_TABLE_SPEC }),
    };

    this.pageTokenKey = new secretsmanager.Secret(this, 'PageTokenKey', {
      description: 'Bifrost: HMAC key that signs the page tokens in nextUri',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(this.pageTokenKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: props.admin
        ? 'Rotating the key would invalidate the nextUri of every running query (clients get 404 mid-query) and sign every admin out; only the statement function (page tokens) and the admin function (sessions and CSRF tokens, under their own purpose) may read it.'
        : 'Rotating the page-token key would invalidate the nextUri of every running query (clients get 404 mid-query); the key never leaves the statement function, which alone may read it.',
    });

    const athenaTargets = Object.entries(config.targets).flatMap(([name, t]) => (t.type === 'athena' ? [{ name, ...t, workgroup: names.workgroup(name) }] : []));
    const clusterSecrets = Object.values(config.targets).flatMap((t) => (t.type !== 'athena' && t.type !== 'duckdb' && t.credentialsSecret ? [t.credentialsSecret] : []));

    const accessLogsBucket = d.accessLogsBucket ? s3.Bucket.fromBucketName(this, 'ExistingAccessLogs', d.accessLogsBucket) : new AccessLogsBucket(this, 'AccessLogs').bucket;

    // ---- functions
    const common = {
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      logRetentionDays: d.logRetentionDays,
      bundledFiles: { [BUNDLED_CONFIG_NAME]: this.bundledConfigFile },
    };
    const baseEnvironment = {
      [ENV_NAMES.QUERIES_TABLE]: this.tables.queries.table.tableName,
      [ENV_NAMES.CONFIG_FILE]: `${TASK_ROOT}/${BUNDLED_CONFIG_NAME}`,
    };
    const statement = new GatewayFunction(this, 'Statement', {
      ...common,
      entry: join(props.projectRoot, HANDLERS.statement),
      description: 'Bifrost: the Presto/Trino client protocol (POST/GET/DELETE /v1/*)',
      serviceName: 'bifrost-statement',
      parserSnapshot: true,
      ...(statementInVpc ? { vpc: network.vpc, vpcSubnets: network.functionSubnets, securityGroups: [network.functionSecurityGroup] } : {}),
      timeout,
      memorySize: d.statementMemoryMb,
      environment: {
        ...baseEnvironment,
        [ENV_NAMES.CONFIG_TABLE]: this.tables.config.table.tableName,
        [ENV_NAMES.USERS_TABLE]: this.tables.users.table.tableName,
        [ENV_NAMES.PAGE_TOKEN_SECRET_ARN]: this.pageTokenKey.secretArn,
      },
    });
    const athenaEvents = new GatewayFunction(this, 'AthenaEvents', {
      ...common,
      entry: join(props.projectRoot, HANDLERS.athenaEvents),
      description: 'Bifrost: applies Athena query state changes to the query items',
      serviceName: 'bifrost-athena-events',
      timeout: Duration.seconds(30),
      memorySize: 256,
      environment: baseEnvironment,
    });
    const sweeper = new GatewayFunction(this, 'Sweeper', {
      ...common,
      entry: join(props.projectRoot, HANDLERS.sweeper),
      description: 'Bifrost: reconciles missed events, cancels abandoned queries, checks cluster health, publishes queue depth',
      serviceName: 'bifrost-sweeper',
      // It checks the health of the clusters, so it sits where the statement function reaches them.
      ...(statementInVpc ? { vpc: network.vpc, vpcSubnets: network.functionSubnets, securityGroups: [network.functionSecurityGroup] } : {}),
      // Finishes before the next scheduled run starts.
      timeout: Duration.seconds(55),
      memorySize: 512,
      environment: { ...baseEnvironment, [ENV_NAMES.CONFIG_TABLE]: this.tables.config.table.tableName },
    });
    const admin = props.admin
      ? new GatewayFunction(this, 'Admin', {
          ...common,
          entry: join(props.projectRoot, HANDLERS.admin),
          description: 'Bifrost: admin UI and API',
          // The admin page, served by the handler from ./admin-ui.
          bundledSites: { 'admin-ui': join(props.projectRoot, 'lambdas/admin-ui/vite.config.ts') },
          serviceName: 'bifrost-admin',
          // A kill from the admin page stops the query where it runs: on a cluster, as the statement function reaches it.
          ...(statementInVpc ? { vpc: network.vpc, vpcSubnets: network.functionSubnets, securityGroups: [network.functionSecurityGroup] } : {}),
          timeout: Duration.seconds(30),
          memorySize: 512,
          environment: {
            ...baseEnvironment,
            [ENV_NAMES.CONFIG_TABLE]: this.tables.config.table.tableName,
            [ENV_NAMES.USERS_TABLE]: this.tables.users.table.tableName,
            // Admin sessions and CSRF tokens are signed with the same key, under their own purpose.
            [ENV_NAMES.PAGE_TOKEN_SECRET_ARN]: this.pageTokenKey.secretArn,
          },
        })
      : undefined;
    this.functions = { statement, athenaEvents, sweeper, admin };

    // ---- Bifrost's own events (docs/events.md): PutEvents on that one bus, its name in every function's environment
    if (config.events.enabled) {
      const eventBus = new BifrostEventBus(this, 'EventBus', { busName: config.events.busName, create: config.events.createBus, defaultName: names.prefix ? `${names.prefix}-events` : 'bifrost-events' });
      const publishers = [statement, athenaEvents, sweeper, ...(admin ? [admin] : [])].map((f) => f.function);
      eventBus.grantPublish(...publishers);
      for (const fn of publishers) fn.addEnvironment(ENV_NAMES.EVENT_BUS_NAME, eventBus.busName);
      new CfnOutput(this, 'EventBusName', { description: "The bus Bifrost's own events go to (docs/events.md)", value: eventBus.busName });
      this.eventBus = eventBus;
    }

    // ---- Athena and Glue (capacity reservations: CapacityStack)
    this.athena = new AthenaResources(this, 'Athena', {
      workgroups: athenaTargets.map((t) => ({ name: t.workgroup, managed: t.managed, bytesScannedCutoffPerQuery: t.bytesScannedCutoffPerQuery, target: t.name })),
      resultRetentionDays: d.resultRetentionDays,
      serverAccessLogsBucket: accessLogsBucket,
    });
    new GlueCatalog(this, 'Glue', {
      databases: Object.entries(config.glue.databases).map(([name, db]) => ({
        name: names.glueDatabase(name),
        description: db.description,
        tables: Object.entries(db.tables).map(([tableName, t]) => ({ name: tableName, ...t })),
      })),
    });

    // ---- endpoint
    const host = config.gateway.publicUrl ? new URL(config.gateway.publicUrl).hostname : undefined;
    this.endpoint = new Endpoint(this, 'Endpoint', {
      vpc: network.vpc,
      privateSubnets: network.privateSubnets,
      statementFunction: statement.function,
      adminFunction: admin?.function,
      certificateArn: d.certificateArn,
      allowInsecureHttp: d.allowInsecureHttp,
      allowedCidrs: d.allowedCidrs,
      internetFacing: d.internetFacing,
      // Longer than the statement function may take, so the load balancer never cuts a long poll.
      idleTimeout: Duration.seconds(Math.max(60, timeout.toSeconds() + 30)),
      rateLimitPer5Minutes: d.waf?.rateLimitPer5Minutes,
      accessLogsBucket,
    });
    admin?.function.addEnvironment(ENV_NAMES.LOAD_BALANCER_ARN, this.endpoint.loadBalancer.loadBalancerArn);
    if (d.hostedZone && host) {
      new route53.ARecord(this, 'Alias', {
        zone: route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: d.hostedZone.id, zoneName: d.hostedZone.name }),
        recordName: host,
        target: route53.RecordTarget.fromAlias(new LoadBalancerTarget(this.endpoint.loadBalancer)),
      });
    }
    // ---- events
    this.events = new QueryEvents(this, 'Events', {
      workgroupNames: this.athena.workgroupNames,
      athenaEventsFunction: athenaEvents.function,
      sweeperFunction: sweeper.function,
    });

    // ---- IAM: exact actions on exact resources
    const table = (t: GatewayTable, actions: readonly string[]): Permission => ({ actions, resources: [t.table.tableArn, ...t.indexArns] });
    const workgroups = (actions: readonly string[]): Permission => ({ actions, resources: this.athena.workgroupArns });
    const results = this.athena.resultBucket;
    const resultBucketAccess: Permission[] = [
      {
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [results.arnForObjects('*')],
        wildcardReason: 'Athena writes, and the gateway reads, result objects named by query execution id under the workgroups\' prefixes of the Bifrost result bucket.',
      },
      { actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], resources: [results.bucketArn] },
    ];
    // Spooled result segments (docs/spooling.md): written, read and deleted under the spool prefix only;
    // clients read them with pre-signed URLs, and what nobody acknowledged expires with the prefix's own rule.
    const spooledSegments = results.arnForObjects(`${SPOOL_PREFIX}*`);
    const spoolReason = 'Spooled result segments are objects with random names under the spool prefix of the result bucket.';
    results.addLifecycleRule({ id: 'SpooledSegments', prefix: SPOOL_PREFIX, expiration: Duration.days(SPOOL_RETENTION_DAYS) });
    statement.function.addEnvironment(ENV_NAMES.SPOOL_BUCKET, results.bucketName);
    sweeper.function.addEnvironment(ENV_NAMES.SPOOL_BUCKET, results.bucketName);
    const databases = [...Object.keys(config.glue.databases).map((db) => names.glueDatabase(db)), ...d.readDatabases];
    // Catalogs other than Glue's own are browsed (and queried) through Athena's metadata API.
    const athenaCatalogs = [...new Set(Object.values(config.catalogs).map((c) => c.athenaCatalog))].filter((c) => c.toLowerCase() !== GLUE_DATA_CATALOG.toLowerCase());
    const athenaCatalogAccess: Permission[] = athenaCatalogs.length
      ? [{ actions: ATHENA_CATALOG_ACTIONS, resources: athenaCatalogs.map((name) => this.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: name })) }]
      : [];
    const secrets: Permission[] = [...new Set(clusterSecrets)].map((name, i) => {
      const secret = name.startsWith('arn:') ? secretsmanager.Secret.fromSecretCompleteArn(this, `ClusterSecret${i}`, name) : secretsmanager.Secret.fromSecretNameV2(this, `ClusterSecret${i}`, name);
      return { actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] };
    });

    allow(
      statement.function,
      table(this.tables.queries, ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
      // Run-time routing document and cluster health (read; the sweeper writes health).
      table(this.tables.config, ['dynamodb:GetItem', 'dynamodb:BatchGetItem']),
      // Password checks; failed-attempt counters are updated in place.
      table(this.tables.users, ['dynamodb:GetItem', 'dynamodb:UpdateItem']),
      workgroups(ATHENA_QUERY_ACTIONS),
      ...athenaCatalogAccess,
      glueReadPermission(this, databases),
      ...s3ReadPermissions(d.dataLocations),
      ...resultBucketAccess,
      { actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], resources: [spooledSegments], wildcardReason: spoolReason },
      { actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [this.pageTokenKey.secretArn] },
      ...secrets,
    );
    allow(
      athenaEvents.function,
      table(this.tables.queries, ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']),
      workgroups(['athena:GetQueryExecution', 'athena:BatchGetQueryExecution', 'athena:GetQueryRuntimeStatistics']),
    );
    allow(
      sweeper.function,
      table(this.tables.queries, ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']),
      workgroups(['athena:GetQueryExecution', 'athena:BatchGetQueryExecution', 'athena:GetQueryRuntimeStatistics', 'athena:StopQueryExecution']),
      // Cluster health: one item per cluster, written conditionally.
      table(this.tables.config, ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem']),
      // Spooled segments whose URLs expired unread: listed under the spool prefix only, then deleted.
      { actions: ['s3:DeleteObject'], resources: [spooledSegments], wildcardReason: spoolReason },
      { actions: ['s3:ListBucket'], resources: [results.bucketArn], conditions: { StringLike: { 's3:prefix': [`${SPOOL_PREFIX}*`] } } },
      ...secrets,
    );
    if (admin) {
      allow(
        admin.function,
        // History reads; an admin's kill records the query CANCELED after stopping it in Athena.
        table(this.tables.queries, ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']),
        workgroups(['athena:GetQueryExecution', 'athena:StopQueryExecution']),
        table(this.tables.config, [...DYNAMO_READ_ACTIONS, ...DYNAMO_WRITE_ACTIONS]),
        table(this.tables.users, [...DYNAMO_READ_ACTIONS, ...DYNAMO_WRITE_ACTIONS]),
        { actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [this.pageTokenKey.secretArn] },
        // A kill on a cluster that needs credentials.
        ...secrets,
      );
    }

    // ---- alarms and dashboard
    this.monitoring = new Monitoring(this, 'Monitoring', {
      functions: [
        { label: 'statement', function: statement.function, errorThreshold: 5 },
        { label: 'athena-events', function: athenaEvents.function },
        { label: 'sweeper', function: sweeper.function },
        ...(admin ? [{ label: 'admin', function: admin.function, errorThreshold: 5 }] : []),
      ],
      loadBalancer: this.endpoint.loadBalancer,
      deadLetterQueue: this.events.deadLetterQueue,
      targets: Object.entries(config.targets).map(([name, t]) => ({ name, queueLimit: t.queueLimit })),
      workgroupNames: this.athena.workgroupNames,
      alarmEmail: d.alarmEmail,
    });

    // ---- outputs
    const secure = Boolean(d.certificateArn);
    const clientHost = host ?? this.endpoint.loadBalancer.loadBalancerDnsName;
    new CfnOutput(this, 'EndpointUrl', { description: 'The URL Presto/Trino clients connect to', value: config.gateway.publicUrl ?? this.endpoint.url });
    new CfnOutput(this, 'JdbcUrl', {
      description: 'JDBC URL for the Trino driver (add user and password in the connection properties)',
      value: secure ? `jdbc:trino://${clientHost}:443?SSL=true` : `jdbc:trino://${clientHost}:80`,
    });
    new CfnOutput(this, 'LoadBalancerDnsName', { description: 'Point a DNS alias for the certificate\'s name here', value: this.endpoint.loadBalancer.loadBalancerDnsName });
    new CfnOutput(this, 'QueriesTableName', { value: this.tables.queries.table.tableName });
    new CfnOutput(this, 'ConfigTableName', { value: this.tables.config.table.tableName });
    new CfnOutput(this, 'UsersTableName', { description: 'For `bifrost users add --table ...`', value: this.tables.users.table.tableName });
    new CfnOutput(this, 'ResultBucketName', { value: this.athena.resultBucket.bucketName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
  }
}
