import { Aws, Duration, Names, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Paths served by the admin function when there is one; everything else goes to the statement function. */
export const ADMIN_PATH_PATTERNS = ['/admin*', '/api/admin*'] as const;

/**
 * A Lambda function as the target of a target group whose name is known in advance. The invoke
 * permission names that target group (SourceArn) and the account (SourceAccount), so no other
 * load balancer may invoke the function. (LambdaTarget grants every load balancer: the permission
 * cannot reference the target group it must exist before.)
 */
export class ScopedLambdaTarget implements elbv2.IApplicationLoadBalancerTarget {
  constructor(
    private readonly fn: lambda.IFunction,
    private readonly targetGroupName: string,
  ) {}

  attachToApplicationTargetGroup(targetGroup: elbv2.IApplicationTargetGroup): elbv2.LoadBalancerTargetProps {
    const id = `InvokeFromTargetGroup-${this.targetGroupName}`;
    this.fn.addPermission(id, {
      principal: new iam.ServicePrincipal('elasticloadbalancing.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      // Target group ARNs end in a generated id: targetgroup/<name>/<id>.
      sourceArn: Stack.of(targetGroup).formatArn({ service: 'elasticloadbalancing', resource: 'targetgroup', resourceName: `${this.targetGroupName}/*` }),
      sourceAccount: Aws.ACCOUNT_ID,
    });
    // The load balancer checks the permission when the target is registered.
    targetGroup.node.addDependency(this.fn.permissionsNode.findChild(id));
    return { targetType: elbv2.TargetType.LAMBDA, targetJson: { id: this.fn.functionArn } };
  }
}

export interface EndpointProps {
  readonly vpc: ec2.IVpc;
  /** Subnets of an internal load balancer. @default the VPC's private subnets with egress */
  readonly privateSubnets?: ec2.SubnetSelection;
  /** Serves the client protocol (/v1/*) and every path not routed elsewhere. */
  readonly statementFunction: lambda.IFunction;
  /** Serves ADMIN_PATH_PATTERNS. @default no admin routes */
  readonly adminFunction?: lambda.IFunction;
  /** ACM certificate (same Region) for the HTTPS listener on 443. @default no HTTPS listener (then allowInsecureHttp must be true) */
  readonly certificateArn?: string;
  /** Also listen on plain HTTP (port 80). Only for tests: JDBC sends passwords in the clear. @default false */
  readonly allowInsecureHttp?: boolean;
  /** The only CIDR ranges the load balancer accepts connections from. */
  readonly allowedCidrs: readonly string[];
  /** @default false (internal: reachable from the VPC and networks connected to it) */
  readonly internetFacing?: boolean;
  /**
   * How long an idle connection stays open. It must exceed the statement function's timeout: the
   * load balancer sends nothing while a long poll is in progress.
   * @default Duration.seconds(60)
   */
  readonly idleTimeout?: Duration;
  /** Requests per 5 minutes from one IP address above which a WAF web ACL blocks it. @default no web ACL */
  readonly rateLimitPer5Minutes?: number;
  /** Bucket for the access logs (SSE-S3: the load balancer cannot write to SSE-KMS buckets), under the prefix `alb/`. */
  readonly accessLogsBucket: s3.IBucket;
}

/**
 * The one URL clients use: an Application Load Balancer with an HTTPS listener on the given ACM
 * certificate (plain HTTP only when explicitly allowed) forwarding to Lambda target groups with
 * multi-value headers on (repeated X-Trino-Session, X-Trino-Set-Session... survive), access logs,
 * a security group open only to the allowed CIDR ranges, and an optional rate-limiting web ACL.
 */
export class Endpoint extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  readonly statementTargetGroup: elbv2.ApplicationTargetGroup;
  readonly adminTargetGroup?: elbv2.ApplicationTargetGroup;
  readonly httpsListener?: elbv2.ApplicationListener;
  readonly httpListener?: elbv2.ApplicationListener;
  readonly accessLogsBucket: s3.IBucket;
  readonly webAcl?: wafv2.CfnWebACL;
  /** `https://<load balancer DNS name>` (or http:// when only plain HTTP is enabled). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: EndpointProps) {
    super(scope, id);
    const insecure = props.allowInsecureHttp ?? false;
    if (!props.certificateArn && !insecure) {
      throw new Error(`${this.node.path}: the endpoint needs certificateArn (HTTPS), or allowInsecureHttp for a test deployment`);
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Bifrost load balancer: clients from the allowed CIDR ranges only',
      // Lambda targets are invoked through the Lambda API, not over the network.
      allowAllOutbound: false,
    });
    for (const cidr of props.allowedCidrs) {
      const peer = cidr.includes(':') ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr);
      if (props.certificateArn) this.securityGroup.addIngressRule(peer, ec2.Port.tcp(443), `HTTPS from ${cidr}`);
      if (insecure) this.securityGroup.addIngressRule(peer, ec2.Port.tcp(80), `plain HTTP (test deployment) from ${cidr}`);
    }
    if (props.allowedCidrs.some((cidr) => cidr === '0.0.0.0/0' || cidr === '::/0')) {
      Validations.of(this.securityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason: 'The deployment config (deployment.allowedCidrs) opens the endpoint to any address on purpose; clients authenticate, and the optional WAF web ACL limits the request rate.',
      });
    }

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: props.internetFacing ?? false,
      vpcSubnets: props.internetFacing ? { subnetType: ec2.SubnetType.PUBLIC } : (props.privateSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }),
      securityGroup: this.securityGroup,
      idleTimeout: props.idleTimeout ?? Duration.seconds(60),
      http2Enabled: true,
      dropInvalidHeaderFields: true,
    });

    this.accessLogsBucket = props.accessLogsBucket;
    this.loadBalancer.logAccessLogs(this.accessLogsBucket, 'alb');

    this.statementTargetGroup = this.lambdaTargetGroup('StatementTargets', 'statement', props.statementFunction);
    if (props.adminFunction) this.adminTargetGroup = this.lambdaTargetGroup('AdminTargets', 'admin', props.adminFunction);

    if (props.certificateArn) {
      this.httpsListener = this.loadBalancer.addListener('Https', {
        protocol: elbv2.ApplicationProtocol.HTTPS,
        port: 443,
        certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        defaultTargetGroups: [this.statementTargetGroup],
      });
      this.addAdminRoute(this.httpsListener);
    }
    if (insecure) {
      this.httpListener = this.loadBalancer.addListener('Http', {
        protocol: elbv2.ApplicationProtocol.HTTP,
        port: 80,
        open: false,
        defaultTargetGroups: [this.statementTargetGroup],
      });
      this.addAdminRoute(this.httpListener);
    }
    this.url = props.certificateArn ? `https://${this.loadBalancer.loadBalancerDnsName}` : `http://${this.loadBalancer.loadBalancerDnsName}`;

    if (props.rateLimitPer5Minutes !== undefined) {
      this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
        scope: 'REGIONAL',
        defaultAction: { allow: {} },
        visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'bifrost-web-acl', sampledRequestsEnabled: true },
        // Only a rate limit: managed rule groups inspect bodies for SQL injection and oversized
        // bodies, and every request body here is SQL.
        rules: [
          {
            name: 'rate-limit-per-ip',
            priority: 0,
            action: { block: {} },
            statement: { rateBasedStatement: { limit: props.rateLimitPer5Minutes, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
            visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'bifrost-rate-limit', sampledRequestsEnabled: true },
          },
        ],
      });
      new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', { resourceArn: this.loadBalancer.loadBalancerArn, webAclArn: this.webAcl.attrArn });
    }
  }

  /**
   * A target group for a function, named (unique per stack, at most 32 characters) so that the
   * invoke permission can name it before it exists.
   */
  private lambdaTargetGroup(id: string, role: string, fn: lambda.IFunction): elbv2.ApplicationTargetGroup {
    const targetGroupName = `${Names.uniqueResourceName(this, { maxLength: 31 - role.length, separator: '-' })}-${role}`;
    return new elbv2.ApplicationTargetGroup(this, id, {
      targetGroupName,
      targetType: elbv2.TargetType.LAMBDA,
      targets: [new ScopedLambdaTarget(fn, targetGroupName)],
      multiValueHeadersEnabled: true,
    });
  }

  private addAdminRoute(listener: elbv2.ApplicationListener): void {
    if (!this.adminTargetGroup) return;
    listener.addTargetGroups('Admin', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns([...ADMIN_PATH_PATTERNS])],
      targetGroups: [this.adminTargetGroup],
    });
  }
}
