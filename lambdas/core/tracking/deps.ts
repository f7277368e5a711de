import type { AthenaStatus, TrackingLog, TrackingMetrics, TrackingStore } from '../ports/index.js';
import type { TrackingSettings } from './settings.js';

export interface TrackingDeps {
  store: TrackingStore;
  /**
   * The status API for a target's queries (Athena for Athena targets, the local engine in local
   * mode); undefined for targets whose engine has none (Presto/Trino clusters), whose queries are
   * then never reconciled or stopped by tracking.
   */
  statusFor(target: string | undefined): AthenaStatus | undefined;
  settings: TrackingSettings;
  clock?: () => number;
  log?: TrackingLog;
  metrics?: TrackingMetrics;
  /** For tests: how to wait between lookups of an unknown execution id. */
  sleep?: (ms: number) => Promise<void>;
}

export const silentLog: TrackingLog = { info() {}, warn() {}, error() {} };
export const noMetrics: TrackingMetrics = { count() {} };
export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
