/**
 * Query tracking: the state of every query and the depth of every target, kept true under what
 * EventBridge does (duplicates, reordering, lost events) by conditional updates and a sweeper.
 */
export { applyStateChange, engineStateChangeEvent, ATHENA_EVENT_SOURCE, STATE_CHANGE_DETAIL_TYPE } from './state-change.js';
export type { AthenaStateChangeDetail, AthenaStateChangeEvent, EngineStateChange, StateChangeOutcome, StateChangeResult } from './state-change.js';
export { engineStatus } from './engine-status.js';
export type { EngineQueryStatus } from './engine-status.js';
export { sweep } from './sweeper.js';
export type { SweepReport } from './sweeper.js';
export type { TrackingDeps } from './deps.js';
export { trackingSettings, DEFAULT_RECONCILE_AFTER_MS } from './settings.js';
export type { TrackingSettings } from './settings.js';
export { estimateCostUsd, finalPatch, protocolStats, queryErrorOf, queryStateOf, statisticsPatch } from './outcome.js';
export { historyQuery, isExpired, DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from './history.js';
export { ATHENA_BATCH_LIMIT } from './engine-status.js';
export type * from '../ports/tracking.js';
