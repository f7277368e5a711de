import { Tags, type App, type Environment } from 'aws-cdk-lib';
import type { BifrostConfig } from '../lambdas/core/config/schema.js';
import { BifrostStack } from './bifrost-stack.js';
import { CapacityStack } from './capacity-stack.js';

/**
 * Feature flags the stack is written for. Pass them as the App's `postCliContext` so that
 * `cdk synth` and the tests build the very same template whatever cdk.json holds.
 */
export const FEATURE_FLAGS: Readonly<Record<string, boolean>> = {
  // Server access logs are granted by bucket policy: the buckets enforce owner, ACLs are off.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-s3:createDefaultLoggingPolicy': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
  '@aws-cdk/core:enablePartitionLiterals': true,
};

export interface BifrostAppProps {
  readonly config: BifrostConfig;
  /** The config file: shipped in the functions' bundles. */
  readonly configFile: string;
  /** The repository root. */
  readonly projectRoot: string;
  /** Where the stack goes: a concrete Region always, a concrete account only with an existing VPC. */
  readonly env: Environment;
  /** @default false */
  readonly admin?: boolean;
}

/** The stack id for a config: `Bifrost`, or `Bifrost-<gateway.environment>`. */
export function stackIdFor(config: BifrostConfig): string {
  const environment = config.gateway.environment.replace(/[^A-Za-z0-9-]/g, '-');
  return environment === 'bifrost' ? 'Bifrost' : `Bifrost-${environment}`;
}

export interface BifrostStacks {
  readonly gateway: BifrostStack;
  /** Only when the config has capacity reservations. */
  readonly capacity?: CapacityStack;
}

/**
 * Adds Bifrost's stacks to the app: the gateway, and `<gateway>-Capacity` with the capacity
 * reservations when there are any (deployed after the gateway, and failing on its own).
 */
export function addBifrostStacks(app: App, props: BifrostAppProps): BifrostStacks {
  const environment = props.config.gateway.environment;
  const gateway = new BifrostStack(app, stackIdFor(props.config), {
    env: props.env,
    description: `Bifrost query gateway (${environment})`,
    config: props.config,
    configFile: props.configFile,
    projectRoot: props.projectRoot,
    admin: props.admin,
  });
  Tags.of(gateway).add('bifrost:environment', environment);
  if (Object.keys(props.config.capacityReservations).length === 0) return { gateway };

  const capacity = new CapacityStack(app, `${gateway.stackName}-Capacity`, {
    env: props.env,
    description: `Bifrost Athena capacity reservations (${environment}); billed per DPU-hour while they exist`,
    config: props.config,
    names: gateway.names,
  });
  capacity.addStackDependency(gateway, 'the reservations name the gateway stack\'s workgroups');
  Tags.of(capacity).add('bifrost:environment', environment);
  return { gateway, capacity };
}
