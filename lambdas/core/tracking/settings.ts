import type { BifrostConfig } from '../config/schema.js';
import { minimumClientTimeoutMs, POLL_TOUCH_INTERVAL_MS } from './abandonment.js';

/** Tracking's settings, derived once from the config (see `trackingSettings`). */
export interface TrackingSettings {
  /**
   * A query whose client has not polled for this long is abandoned (gateway.clientTimeoutSeconds);
   * never less than `minimumClientTimeoutMs` of the settings below (see abandonAfterMs).
   */
  clientTimeoutMs: number;
  /** How often the gateway's polls record the client's presence (GatewayConfig.pollTouchIntervalMs). */
  pollTouchIntervalMs: number;
  /** How long the gateway holds a poll (gateway.pollWaitMs). */
  pollWaitMs: number;
  /** How long the gateway holds a poll of a query waiting at the gateway (gateway.waitingPollWaitMs). */
  waitingPollWaitMs: number;
  /** A non-final query whose state has not changed for this long is checked with the engine. */
  reconcileAfterMs: number;
  /**
   * Price per TB scanned for queries on a target; undefined when the target is not billed per
   * scan (provisioned capacity is billed per DPU hour; clusters and the local engine are not
   * billed by Bifrost's reckoning), and then no cost is estimated.
   */
  pricePerTerabyteUsd(target: string | undefined): number | undefined;
  /** Whether a workgroup is one of Bifrost's: events from other workgroups are ignored at once. */
  ownsWorkgroup(workgroup: string): boolean;
  /** Parallel store writes per sweep. */
  sweepConcurrency: number;
  /** Upper bound on the queries one sweep handles (the next sweep continues). */
  maxQueriesPerSweep: number;
}

export const DEFAULT_RECONCILE_AFTER_MS = 120_000;

export function trackingSettings(config: BifrostConfig, overrides: Partial<TrackingSettings> = {}): TrackingSettings {
  const workgroups = new Set<string>();
  const perScan = new Set<string>();
  for (const [name, target] of Object.entries(config.targets)) {
    if (target.type !== 'athena') continue;
    workgroups.add(target.workgroup);
    if (target.capacity === 'on-demand') perScan.add(name);
  }
  const price = config.gateway.pricePerTerabyteUsd;
  return Object.freeze({
    clientTimeoutMs: config.gateway.clientTimeoutSeconds * 1000,
    pollTouchIntervalMs: POLL_TOUCH_INTERVAL_MS,
    pollWaitMs: config.gateway.pollWaitMs,
    waitingPollWaitMs: config.gateway.waitingPollWaitMs,
    reconcileAfterMs: DEFAULT_RECONCILE_AFTER_MS,
    pricePerTerabyteUsd: (target: string | undefined) => (target !== undefined && perScan.has(target) ? price : undefined),
    ownsWorkgroup: (workgroup: string) => workgroups.has(workgroup),
    sweepConcurrency: 8,
    maxQueriesPerSweep: 5000,
    ...overrides,
  });
}

/**
 * How long without a recorded poll before a query is abandoned: the client timeout, but never
 * less than the bound under which a client that still polls could look gone (abandonment.ts).
 */
export function abandonAfterMs(settings: Pick<TrackingSettings, 'clientTimeoutMs' | 'pollTouchIntervalMs' | 'pollWaitMs' | 'waitingPollWaitMs'>): number {
  return Math.max(settings.clientTimeoutMs, minimumClientTimeoutMs(settings));
}
