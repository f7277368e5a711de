import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { TRACKED_ATHENA_STATES } from '../../lambdas/contract.js';

export interface QueryEventsProps {
  /** Workgroups whose "Athena Query State Change" events are delivered. @default none: no Athena rule */
  readonly workgroupNames: readonly string[];
  /** Applies state-change events to the query items. */
  readonly athenaEventsFunction: lambda.IFunction;
  /** Reconciles missed events, cancels abandoned queries, checks cluster health. */
  readonly sweeperFunction: lambda.IFunction;
  /** EventBridge's retries of a failed delivery to the function. @default 8 */
  readonly retryAttempts?: number;
  /** How long EventBridge keeps trying to deliver an event. @default Duration.hours(2) */
  readonly maxEventAge?: Duration;
  /** @default Duration.minutes(1) */
  readonly sweepInterval?: Duration;
}

/**
 * Event plumbing: Athena's "Query State Change" events for the gateway's workgroups go to the
 * athena-events function (with retries; what still fails, in EventBridge or in the function, lands
 * in an encrypted dead-letter queue), and a schedule runs the sweeper.
 */
export class QueryEvents extends Construct {
  readonly deadLetterQueue: sqs.Queue;
  readonly athenaRule?: events.Rule;
  readonly sweepRule: events.Rule;

  constructor(scope: Construct, id: string, props: QueryEventsProps) {
    super(scope, id);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue (of the EventBridge targets and of the functions\' asynchronous invocations); a dead-letter queue has no dead-letter queue of its own.',
    });

    if (props.workgroupNames.length > 0) {
      this.athenaRule = new events.Rule(this, 'AthenaStateChanges', {
        description: 'Athena query state changes in the Bifrost workgroups',
        eventPattern: {
          source: ['aws.athena'],
          detailType: ['Athena Query State Change'],
          detail: { workgroupName: [...props.workgroupNames], currentState: [...TRACKED_ATHENA_STATES] },
        },
        targets: [
          new targets.LambdaFunction(props.athenaEventsFunction, {
            retryAttempts: props.retryAttempts ?? 8,
            maxEventAge: props.maxEventAge ?? Duration.hours(2),
            deadLetterQueue: this.deadLetterQueue,
          }),
        ],
      });
      // EventBridge invokes asynchronously: a handler that throws is retried by Lambda, then the
      // event is kept in the same dead-letter queue.
      props.athenaEventsFunction.configureAsyncInvoke({
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
        onFailure: new SqsDestination(this.deadLetterQueue),
      });
    }

    this.sweepRule = new events.Rule(this, 'SweepSchedule', {
      description: 'Runs the Bifrost sweeper',
      schedule: events.Schedule.rate(props.sweepInterval ?? Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(props.sweeperFunction, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(2),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
    // The next sweep starts a minute later anyway: no retries of a failed one.
    props.sweeperFunction.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });
  }
}
