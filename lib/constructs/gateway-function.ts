import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, LogLevel as EsbuildLogLevel } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAMBDA_NODE_OPTIONS } from '../lambda-node-options.js';
import { METRICS, PARSER_SNAPSHOT_FILE } from '../../lambdas/contract.js';

/**
 * The newest Node.js runtime this aws-cdk-lib offers, named explicitly so that a synth is
 * reproducible (NODEJS_LATEST and determineLatestNodeRuntime move with the library or the Region).
 */
export const GATEWAY_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Where Lambda unpacks the bundle (LAMBDA_TASK_ROOT). */
export const TASK_ROOT = '/var/task';

/** Powertools' metric namespace, shared with the custom metrics the handlers emit. */
export const METRICS_NAMESPACE = METRICS.namespace;

/**
 * ESM bundles load CommonJS dependencies through esbuild's `require` shim, which needs a real
 * `require` in module scope.
 */
const ESM_REQUIRE_BANNER = "import { createRequire as bifrostCreateRequire } from 'node:module'; const require = bifrostCreateRequire(import.meta.url);";

export interface GatewayFunctionProps {
  /** The handler module (a TypeScript file exporting `handler`). */
  readonly entry: string;
  /** The repository root: esbuild resolves modules from here. */
  readonly projectRoot: string;
  /** The lock file the bundle is built from. */
  readonly depsLockFilePath: string;
  readonly description: string;
  /** Powertools' service name (POWERTOOLS_SERVICE_NAME). */
  readonly serviceName: string;
  /** Environment variables the handler reads, besides the Powertools settings. */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** Log retention in days (one of CloudWatch Logs' periods). @default 30 */
  readonly logRetentionDays?: number;
  /** Powertools log level (POWERTOOLS_LOG_LEVEL). @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Run inside this VPC (to reach clusters in private networks). @default not in a VPC */
  readonly vpc?: ec2.IVpc;
  /** @default the VPC's private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default a security group with all outbound traffic allowed (when in a VPC) */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Files copied into the bundle next to the handler: name in the bundle -> source path. The
   * function finds them under LAMBDA_TASK_ROOT (/var/task). @default none
   */
  readonly bundledFiles?: Readonly<Record<string, string>>;
  /**
   * Static sites built into the bundle: folder name in the bundle -> the vite config that builds
   * it (run from the project root with the lock file's vite). @default none
   */
  readonly bundledSites?: Readonly<Record<string, string>>;
  /**
   * Write the SQL parser's and lexer's prediction caches, as the warm-up builds them, next to the
   * handler (PARSER_SNAPSHOT_FILE): a handler that restores them at init skips the warm-up, most of
   * its cold start. They are taken from the lock file's parser, which the bundle holds. @default false
   */
  readonly parserSnapshot?: boolean;
  /** Reserved concurrency. @default unreserved (the account's pool) */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The network-interface actions Lambda needs to run a function in a VPC (those of the
 * AWSLambdaVPCAccessExecutionRole managed policy, without its account-wide log permissions).
 */
export const VPC_ACCESS_ACTIONS = ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'] as const;

/** NODE_OPTIONS of the functions: the bundles' source maps for stack traces, and the tuned GC. */
export const FUNCTION_NODE_OPTIONS = `--enable-source-maps ${LAMBDA_NODE_OPTIONS}`;

/**
 * One of the gateway's Lambda functions, built the same way for all of them: an ESM bundle made by
 * the local esbuild from the lock file (never Docker), the newest Node.js runtime, X-Ray tracing,
 * Powertools settings, a log group with a retention period, and a role of its own that may write
 * to that log group only.
 */
export class GatewayFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: (props.logRetentionDays ?? 30) as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Not AWSLambdaBasicExecutionRole (logs in every group of the account): this log group only.
    // The group exists before the function, so it never needs logs:CreateLogGroup.
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: `${props.serviceName}: execution role` });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }));
    if (props.vpc) this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...VPC_ACCESS_ACTIONS], resources: ['*'] }));

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: props.depsLockFilePath,
      description: props.description,
      runtime: GATEWAY_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: props.securityGroups,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      awsSdkConnectionReuse: false,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // Setting NODE_OPTIONS replaces it whole: source maps must be asked for here too.
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Everything the handler needs goes into the bundle, the AWS SDK included: the versions
        // are the lock file's, not whatever the runtime happens to ship.
        externalModules: [],
        bundleAwsSDK: true,
        logLevel: EsbuildLogLevel.WARNING,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            ...Object.entries(props.bundledFiles ?? {}).map(([name, source]) => `node -e "require('node:fs').copyFileSync(process.argv[1], process.argv[2])" "${source}" "${outputDir}/${name}"`),
            ...(props.parserSnapshot ? [`cd "${inputDir}" && npx --no-install tsx lambdas/core/sql/write-parser-snapshot.ts "${outputDir}/${PARSER_SNAPSHOT_FILE}"`] : []),
            ...Object.entries(props.bundledSites ?? {}).map(([name, viteConfig]) => `cd "${inputDir}" && npx --no-install vite build --config "${viteConfig}" --outDir "${outputDir}/${name}" --emptyOutDir --logLevel warn`),
          ],
        },
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: props.vpc
        ? 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and the network interfaces Lambda creates in the VPC (ec2:CreateNetworkInterface, DescribeNetworkInterfaces, ...) support no resource-level permissions, so they can only be granted on "*".'
        : 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so they can only be granted on "*".',
    });
  }
}
