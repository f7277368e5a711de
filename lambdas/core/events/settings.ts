import type { BifrostConfig } from '../config/schema.js';
import type { EventSettings, TargetKind } from './build.js';

/** What the builders need of the config: the environment's name, includeSql, target types and prices. */
export function eventSettings(config: BifrostConfig, pricePerTerabyteUsd: (target: string | undefined) => number | undefined): EventSettings {
  const types = new Map<string, TargetKind>(Object.entries(config.targets).map(([name, t]) => [name, t.type]));
  return { environment: config.gateway.environment, includeSql: config.events.includeSql, targetType: (target) => types.get(target), pricePerTerabyteUsd };
}
