import { ArnFormat, Aws, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS } from '../../lambdas/contract.js';

/**
 * The queue-depth metric the sweeper publishes: active (queued + running) queries per target.
 * Exactly one dimension, `Target` (the target's name in the config).
 */
export const QUEUE_DEPTH_METRIC = { namespace: METRICS.namespace, metricName: METRICS.queueDepth.name, dimension: METRICS.queueDepth.dimension } as const;

export interface MonitoredFunction {
  /** Short label for alarm and widget names (statement, sweeper, ...). */
  readonly label: string;
  readonly function: lambda.IFunction;
  /** Errors in 5 minutes that raise the alarm. @default 1 */
  readonly errorThreshold?: number;
}

export interface MonitoredTarget {
  readonly name: string;
  /** The target's queue limit: depth at or above it means the target is full. */
  readonly queueLimit: number;
}

export interface MonitoringProps {
  readonly functions: readonly MonitoredFunction[];
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly deadLetterQueue: sqs.IQueue;
  /** Targets whose queue depth is graphed and alarmed on. */
  readonly targets: readonly MonitoredTarget[];
  /** Workgroups whose Athena metrics are graphed. @default none */
  readonly workgroupNames?: readonly string[];
  /** Subscribed to the alarm topic. @default no subscription */
  readonly alarmEmail?: string;
  /** 5-minute periods a target must stay full before its alarm fires. @default 3 */
  readonly fullTargetPeriods?: number;
  /** 5xx answers in 5 minutes (load balancer or targets) that raise the alarm. @default 5 */
  readonly http5xxThreshold?: number;
}

/**
 * Alarms and a dashboard: function errors and throttles, load balancer 5xx, dead letters, and
 * queue depth per target against its limit. Alarms notify an SNS topic (KMS-encrypted, TLS only)
 * with an optional e-mail subscription.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const period = Duration.minutes(5);

    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the Bifrost alarm topic',
      enableKeyRotation: true,
    });
    // CloudWatch publishes alarms to the encrypted topic: only for this account's alarms, so
    // that no other account's alarm can use the key through the service (confused deputy).
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Bifrost alarms', masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);

    const alarm = (alarmId: string, metric: cloudwatch.IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };

    for (const f of props.functions) {
      alarm(`${f.label}-errors`, f.function.metricErrors({ period, statistic: 'Sum' }), f.errorThreshold ?? 1, `Bifrost ${f.label} function: errors`);
      alarm(`${f.label}-throttles`, f.function.metricThrottles({ period, statistic: 'Sum' }), 1, `Bifrost ${f.label} function: throttled invocations`);
    }

    const metrics = props.loadBalancer.metrics;
    const elb5xx = metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period, statistic: 'Sum' });
    const target5xx = metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period, statistic: 'Sum' });
    alarm('alb-5xx', elb5xx, props.http5xxThreshold ?? 5, 'Bifrost load balancer: 5xx answers of its own (502: a function failed or answered over 1 MB; 503/504: none answered in time)');
    alarm('target-5xx', target5xx, props.http5xxThreshold ?? 5, 'Bifrost functions answered 5xx through the load balancer');

    const deadLetters = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' });
    alarm('dead-letters', deadLetters, 1, 'Bifrost: events or invocations that could not be delivered are waiting in the dead-letter queue');

    const depth = (target: MonitoredTarget) =>
      new cloudwatch.Metric({
        namespace: QUEUE_DEPTH_METRIC.namespace,
        metricName: QUEUE_DEPTH_METRIC.metricName,
        dimensionsMap: { [QUEUE_DEPTH_METRIC.dimension]: target.name },
        period,
        statistic: 'Maximum',
      });
    for (const target of props.targets) {
      alarm(`queue-full-${target.name}`, depth(target), target.queueLimit, `Bifrost target ${target.name}: queue at its limit (${target.queueLimit}) for ${(props.fullTargetPeriods ?? 3) * 5} minutes`, props.fullTargetPeriods ?? 3);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Requests', left: [metrics.requestCount({ period: Duration.minutes(1), statistic: 'Sum' })], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Response time (p50, p95, p99)',
        left: ['p50', 'p95', 'p99'].map((statistic) => metrics.targetResponseTime({ period: Duration.minutes(1), statistic, label: statistic })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'Load balancer 5xx', left: [elb5xx.with({ label: 'load balancer' }), target5xx.with({ label: 'functions' })], width: 8 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Function errors', left: props.functions.map((f) => f.function.metricErrors({ period, statistic: 'Sum', label: f.label })), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Function throttles', left: props.functions.map((f) => f.function.metricThrottles({ period, statistic: 'Sum', label: f.label })), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Function duration (p95)', left: props.functions.map((f) => f.function.metricDuration({ period, statistic: 'p95', label: f.label })), width: 8 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth per target (active queries)',
        left: props.targets.map((t) => depth(t).with({ label: t.name })),
        leftAnnotations: props.targets.map((t) => ({ value: t.queueLimit, label: `${t.name} limit` })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({ title: 'Dead letters', left: [deadLetters], width: 6 }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 6 }),
    );
    if (props.workgroupNames?.length) {
      // Athena publishes per (QueryState, QueryType, WorkGroup): add the states and types up.
      const athena = (metricName: string, statistic: string, combine: 'SUM' | 'MAX') =>
        props.workgroupNames!.map(
          (wg) =>
            new cloudwatch.MathExpression({
              expression: `${combine}(SEARCH('{AWS/Athena,QueryState,QueryType,WorkGroup} MetricName="${metricName}" WorkGroup="${wg}"', '${statistic}', ${period.toSeconds()}))`,
              usingMetrics: {},
              label: wg,
              period,
            }),
        );
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({ title: 'Athena data scanned (bytes)', left: athena('ProcessedBytes', 'Sum', 'SUM'), width: 12 }),
        new cloudwatch.GraphWidget({ title: 'Athena queue time (p95, ms)', left: athena('QueryQueueTime', 'p95', 'MAX'), width: 12 }),
      );
    }
  }
}
