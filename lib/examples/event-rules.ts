import { Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * An example of what a data platform team builds on Bifrost's events (docs/events.md), in a stack
 * of its own next to Bifrost's:
 * - every access denial goes to an SNS topic (mail, chat, a ticket);
 * - every finished query that carries a given client tag starts a Step Functions state machine
 *   (the next step of an ETL), with the event as its input.
 * Deploy it with the bus from Bifrost's `EventBusName` output, and the config's events.source.
 */
export interface BifrostEventRulesProps extends StackProps {
  /** The bus Bifrost publishes to (the EventBusName output; "default" for the account's). */
  readonly busName: string;
  /** events.source of the Bifrost config. @default 'bifrost' */
  readonly source?: string;
  /** The client tag (X-Trino-Client-Tags, JDBC clientTags) of the queries that start the state machine. */
  readonly clientTag: string;
  /** The state machine to start; a placeholder one is created when absent. */
  readonly stateMachine?: sfn.IStateMachine;
}

export class BifrostEventRulesExample extends Stack {
  readonly denials: sns.Topic;
  readonly denialRule: events.Rule;
  readonly finishedRule: events.Rule;
  readonly stateMachine: sfn.IStateMachine;

  constructor(scope: Construct, id: string, props: BifrostEventRulesProps) {
    super(scope, id, props);
    const source = props.source ?? 'bifrost';
    const bus = events.EventBus.fromEventBusName(this, 'BifrostBus', props.busName);

    this.denials = new sns.Topic(this, 'AccessDenials', { displayName: 'Bifrost access denials', enforceSSL: true });
    this.denialRule = new events.Rule(this, 'OnAccessDenied', {
      eventBus: bus,
      description: 'Bifrost: a query was denied by the access rules or the engine check',
      eventPattern: { source: [source], detailType: ['Query Denied'], detail: { deniedBy: ['access-rules', 'engine-check'] } },
    });
    this.denialRule.addTarget(
      new targets.SnsTopic(this.denials, {
        message: events.RuleTargetInput.fromText(
          `Bifrost denied query ${events.EventField.fromPath('$.detail.queryId')} of ${events.EventField.fromPath('$.detail.user')}: ${events.EventField.fromPath('$.detail.reason')}`,
        ),
      }),
    );

    this.stateMachine =
      props.stateMachine ??
      new sfn.StateMachine(this, 'NextEtlStep', {
        definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(this, 'StartNextStep', { comment: 'Replace with the next step of the pipeline; the input is the Bifrost event.' })),
      });
    this.finishedRule = new events.Rule(this, 'OnTaggedQueryFinished', {
      eventBus: bus,
      description: `Bifrost: a query tagged ${props.clientTag} finished`,
      // A pattern on an array matches when any element does: the query carries the tag among others.
      eventPattern: { source: [source], detailType: ['Query Finished'], detail: { clientTags: [props.clientTag] } },
    });
    this.finishedRule.addTarget(new targets.SfnStateMachine(this.stateMachine));
  }
}
