import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  /**
   * An existing VPC, found by a context lookup at synth time (the stack then needs a concrete
   * account and Region). It must have private subnets with egress for the functions.
   * @default a new VPC
   */
  readonly vpcId?: string;
  /** Availability zones of a new VPC. @default 2 */
  readonly maxAzs?: number;
  /** NAT gateways of a new VPC (the functions reach Athena, Glue and clusters through them). @default 1 */
  readonly natGateways?: number;
  /** Retention of a new VPC's flow logs, in days. @default 30 */
  readonly flowLogRetentionDays?: number;
}

/**
 * Where the load balancer and the functions live: a new VPC (public subnets for an internet-facing
 * load balancer and the NAT gateway, private subnets with egress for the functions and an internal
 * load balancer, gateway endpoints for S3 and DynamoDB, flow logs), or an existing one by id.
 */
export class Network extends Construct {
  readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);

    if (props.vpcId) {
      this.vpc = ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId });
      return;
    }

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: props.maxAzs ?? 2,
      natGateways: props.natGateways ?? 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      // Free gateway endpoints keep result and table traffic off the NAT gateway.
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      // Nothing uses the default security group: strip its rules (a custom resource does it).
      restrictDefaultSecurityGroup: true,
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: (props.flowLogRetentionDays ?? 30) as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.ALL });
    this.vpc = vpc;
  }
}
