import type { BifrostConfig } from '../config/schema.js';
import type { ConfigStore, TargetDepths, TargetHealth, TargetPermission } from '../ports/index.js';
import { cachedConfigSource } from './config-source.js';
import { createRouter, type BifrostRouter } from './router.js';

export { cachedConfigSource, staticConfig } from './config-source.js';
export { createRouter, explainRoute, singleTargetRouter, zeroDepths, type BifrostRouter } from './router.js';
export { routingFacts } from './rules.js';
export * from './types.js';
export type { ConfigSource, EffectiveConfig, TargetHealth, TargetPermission } from '../ports/index.js';

export interface GatewayRouterOptions {
  /** The config file, validated. */
  config: BifrostConfig;
  /** Run-time overrides (target states, routing section); without it the file is used as is. */
  configStore?: ConfigStore;
  /** How long the overrides are cached in the process (default 5 s). */
  configTtlMs?: number;
  /** Queue depth per target (DynamoQueryStore in AWS and locally). */
  depths: TargetDepths;
  health?: TargetHealth;
  allowed?: TargetPermission;
  onConfigProblem?: (message: string, detail: Record<string, unknown>) => void;
}

/** The router the gateway runs with: file config plus cached run-time overrides. */
export function createGatewayRouter(options: GatewayRouterOptions): BifrostRouter {
  const config = options.configStore
    ? cachedConfigSource({
        base: options.config,
        store: options.configStore,
        ...(options.configTtlMs !== undefined ? { ttlMs: options.configTtlMs } : {}),
        ...(options.onConfigProblem ? { onProblem: options.onConfigProblem } : {}),
      })
    : options.config;
  return createRouter({ config, depths: options.depths, ...(options.health ? { health: options.health } : {}), ...(options.allowed ? { allowed: options.allowed } : {}) });
}
