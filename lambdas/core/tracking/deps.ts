import type { AthenaStatus, TrackingLog, TrackingMetrics, TrackingStore } from '../ports/index.js';
import type { TrackingSettings } from './settings.js';
import type { BifrostEvents } from '../events/index.js';

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
  /** Bifrost's own events (core/events): final states recorded here are published. */
  events?: BifrostEvents;
}

export const silentLog: TrackingLog = { info() {}, warn() {}, error() {} };
export const noMetrics: TrackingMetrics = { count() {} };
