import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Athena's engine version 3 (Trino-based), which the gateway's type mapping assumes. */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

export interface WorkgroupSpec {
  /** The workgroup's name (from the target's `workgroup`). */
  readonly name: string;
  /** Create the workgroup here (true) or only use an existing one (false). */
  readonly managed: boolean;
  /** Queries scanning more than this many bytes are cancelled. @default no limit */
  readonly bytesScannedCutoffPerQuery?: number;
  /** The target it serves, for the description. */
  readonly target: string;
}

export interface CapacityReservationSpec {
  readonly name: string;
  /** DPUs (a multiple of 4, at least the minimum; the config schema checks). */
  readonly targetDpus: number;
  /** Workgroups assigned to the reservation. */
  readonly workgroupNames: readonly string[];
}

export interface AthenaResourcesProps {
  readonly workgroups: readonly WorkgroupSpec[];
  /** Days query results are kept in the result bucket. @default 7 */
  readonly resultRetentionDays?: number;
  /** Where the result bucket's server access logs go. @default no server access logs */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/**
 * The Athena side: a result bucket (SSE-S3, TLS only, no public access, results expire) and the
 * managed workgroups with enforced settings (result location and encryption, bytes-scanned cutoff,
 * engine version 3, CloudWatch metrics). Capacity reservations are CapacityReservations, in a
 * stack of their own.
 */
export class AthenaResources extends Construct {
  readonly resultBucket: s3.Bucket;
  /** ARNs of every workgroup the gateway uses, managed or not. */
  readonly workgroupArns: string[];
  readonly workgroupNames: string[];
  readonly workgroups: Record<string, athena.CfnWorkGroup> = {};

  constructor(scope: Construct, id: string, props: AthenaResourcesProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.resultBucket = new s3.Bucket(this, 'Results', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.resultRetentionDays ?? 7), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket ? 's3/results/' : undefined,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    for (const spec of props.workgroups.filter((w) => w.managed)) {
      this.workgroups[spec.name] = new athena.CfnWorkGroup(this, `Workgroup-${spec.name}`, {
        name: spec.name,
        description: `Bifrost target ${spec.target}`,
        state: 'ENABLED',
        recursiveDeleteOption: false,
        workGroupConfiguration: {
          enforceWorkGroupConfiguration: true,
          publishCloudWatchMetricsEnabled: true,
          requesterPaysEnabled: false,
          bytesScannedCutoffPerQuery: spec.bytesScannedCutoffPerQuery,
          engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
          resultConfiguration: {
            outputLocation: this.resultBucket.s3UrlForObject(`${spec.name}/`),
            encryptionConfiguration: { encryptionOption: 'SSE_S3' },
            expectedBucketOwner: Aws.ACCOUNT_ID,
          },
        },
      });
    }

    this.workgroupNames = props.workgroups.map((w) => w.name);
    this.workgroupArns = this.workgroupNames.map((name) => stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: name }));
  }
}

export interface CapacityReservationsProps {
  readonly reservations: readonly CapacityReservationSpec[];
}

/**
 * Athena capacity reservations with their workgroup assignments. The workgroups are named, not
 * referenced: they live in the gateway's stack, which this one's stack depends on.
 */
export class CapacityReservations extends Construct {
  readonly reservations: Record<string, athena.CfnCapacityReservation> = {};

  constructor(scope: Construct, id: string, props: CapacityReservationsProps) {
    super(scope, id);
    for (const spec of props.reservations) {
      this.reservations[spec.name] = new athena.CfnCapacityReservation(this, `CapacityReservation-${spec.name}`, {
        name: spec.name,
        targetDpus: spec.targetDpus,
        capacityAssignmentConfiguration: { capacityAssignments: [{ workgroupNames: [...spec.workgroupNames] }] },
      });
    }
  }
}
