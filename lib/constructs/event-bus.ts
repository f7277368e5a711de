import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { allow } from './access.js';

export interface BifrostEventBusProps {
  /** The bus to publish to: a name or an ARN; absent: the created bus's default name, or the account's default bus. */
  readonly busName?: string;
  /** Create the bus in this stack. */
  readonly create: boolean;
  /** The name of a created bus when busName is absent. */
  readonly defaultName: string;
}

/**
 * Where Bifrost publishes its own events (docs/events.md): a bus the stack creates, or an existing
 * one (the account's default bus unless named). Functions get events:PutEvents on that bus only.
 */
export class BifrostEventBus extends Construct {
  /** What the functions are told (EVENT_BUS_NAME): a name, or the ARN of a bus given by ARN. */
  readonly busName: string;
  readonly busArn: string;
  readonly bus?: events.EventBus;

  constructor(scope: Construct, id: string, props: BifrostEventBusProps) {
    super(scope, id);
    if (props.create) {
      this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.busName ?? props.defaultName, description: 'Bifrost: its own query, budget and target events' });
      this.busName = this.bus.eventBusName;
      this.busArn = this.bus.eventBusArn;
    } else if (props.busName?.startsWith('arn:')) {
      if (!/^arn:[^:]+:events:[^:]*:\d{12}:event-bus\/.+$/.test(props.busName)) throw new Error(`events.busName ${props.busName} is not an event bus ARN`);
      this.busName = props.busName;
      this.busArn = props.busName;
    } else {
      this.busName = props.busName ?? 'default';
      this.busArn = Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: this.busName });
    }
  }

  /** events:PutEvents on this bus, and nothing else. */
  grantPublish(...functions: lambda.IFunction[]): void {
    for (const fn of functions) allow(fn, { actions: ['events:PutEvents'], resources: [this.busArn] });
  }
}
