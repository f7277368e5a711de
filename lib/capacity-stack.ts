import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { BifrostConfig } from '../lambdas/core/config/schema.js';
import { CapacityReservations } from './constructs/athena.js';
import type { PhysicalNames } from './physical-names.js';

export interface CapacityStackProps extends StackProps {
  readonly config: BifrostConfig;
  readonly names: PhysicalNames;
}

/**
 * The config's Athena capacity reservations, apart from the gateway: a reservation AWS cannot fill
 * (no capacity in the Region, a DPU quota) fails and rolls back this stack only, and the gateway's
 * provisioned targets meanwhile run on-demand. It names the gateway stack's workgroups, so it is
 * deployed after that stack (an explicit stack dependency).
 */
export class CapacityStack extends Stack {
  readonly reservations: CapacityReservations;

  constructor(scope: Construct, id: string, props: CapacityStackProps) {
    super(scope, id, props);
    const { config, names } = props;
    this.reservations = new CapacityReservations(this, 'Athena', {
      reservations: Object.entries(config.capacityReservations).map(([name, r]) => ({
        name: names.reservation(name),
        targetDpus: r.targetDpus,
        workgroupNames: r.targets.map((t) => names.workgroup(t)),
      })),
    });
  }
}
