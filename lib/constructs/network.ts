import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * How functions in a new VPC reach AWS APIs: `nat`, a NAT gateway per AZ (and the internet);
 * `endpoints`, interface endpoints for the services they call (no internet); `none`, no function
 * runs in the VPC, so neither.
 */
export type VpcEgress = 'nat' | 'endpoints' | 'none';

/** The services the statement function calls that have no gateway endpoint. */
export const INTERFACE_ENDPOINT_SERVICES = {
  Athena: ec2.InterfaceVpcEndpointAwsService.ATHENA,
  Glue: ec2.InterfaceVpcEndpointAwsService.GLUE,
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  XRay: ec2.InterfaceVpcEndpointAwsService.XRAY,
} as const;

export interface NetworkProps {
  /**
   * An existing VPC, found by a context lookup at synth time (the stack then needs a concrete
   * account and Region). Functions in it need private subnets with egress.
   * @default a new VPC
   */
  readonly vpcId?: string;
  /** Address range of a new VPC. @default 10.0.0.0/16 */
  readonly cidr?: string;
  /** Availability zones of a new VPC. @default 2 */
  readonly maxAzs?: number;
  /** @default 'nat' */
  readonly egress?: VpcEgress;
  /** Retention of a new VPC's flow logs, in days. @default 30 */
  readonly flowLogRetentionDays?: number;
}

/**
 * Where the load balancer (and the statement function, when it must reach private clusters)
 * lives: a new VPC, split evenly into a public and a private subnet per AZ, with free gateway
 * endpoints for S3 and DynamoDB, flow logs, and the egress asked for; or an existing one by id.
 */
export class Network extends Construct {
  readonly vpc: ec2.IVpc;
  /** Subnets for functions in the VPC. */
  readonly functionSubnets: ec2.SubnetSelection;
  /** Subnets of an internal load balancer. */
  readonly privateSubnets: ec2.SubnetSelection;
  readonly natGateways: number;
  private functionGroup?: ec2.SecurityGroup;
  readonly interfaceEndpoints: Record<string, ec2.InterfaceVpcEndpoint> = {};

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);

    if (props.vpcId) {
      this.vpc = ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId });
      this.functionSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
      this.privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
      this.natGateways = 0;
      return;
    }

    const egress = props.egress ?? 'nat';
    const maxAzs = props.maxAzs ?? 2;
    // A NAT gateway in each AZ: one AZ's outage does not cut the others off.
    this.natGateways = egress === 'nat' ? maxAzs : 0;
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? '10.0.0.0/16'),
      maxAzs,
      natGateways: this.natGateways,
      // No cidrMask: the range, whatever its size, is split evenly.
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'private', subnetType: egress === 'nat' ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED },
      ],
      // Free gateway endpoints keep result and table traffic off NAT gateways and interface endpoints.
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      // Nothing uses the default security group: strip its rules (a custom resource does it).
      restrictDefaultSecurityGroup: true,
    });
    this.privateSubnets = { subnetGroupName: 'private' };
    this.functionSubnets = { subnetGroupName: 'private' };
    this.vpc = vpc;
    if (egress === 'endpoints') {
      for (const [name, service] of Object.entries(INTERFACE_ENDPOINT_SERVICES)) {
        // Private DNS: the SDK's default endpoints resolve to them.
        const endpoint = vpc.addInterfaceEndpoint(name, { service, subnets: this.privateSubnets, privateDnsEnabled: true, open: false });
        endpoint.connections.allowDefaultPortFrom(this.functionSecurityGroup, 'HTTPS from the Bifrost functions');
        this.interfaceEndpoints[name] = endpoint;
      }
    }
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: (props.flowLogRetentionDays ?? 30) as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.ALL });
  }

  /**
   * The security group of functions in the VPC (created on first use): any outbound, since
   * clusters listen on ports of their own; the interface endpoints admit HTTPS from it alone.
   */
  get functionSecurityGroup(): ec2.SecurityGroup {
    this.functionGroup ??= new ec2.SecurityGroup(this, 'FunctionSecurityGroup', { vpc: this.vpc, description: 'Bifrost functions in the VPC: outbound to clusters and AWS APIs', allowAllOutbound: true });
    return this.functionGroup;
  }
}
