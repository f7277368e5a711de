/**
 * Bifrost's own events (docs/events.md): what the core hands to the door that publishes them
 * (EventBridge when deployed, a JSON-lines sink or an EventBridge-compatible endpoint locally).
 */

/** The detail types Bifrost publishes, as EventBridge's `detail-type`. */
export type EventDetailType =
  | 'Query Submitted'
  | 'Query Routed'
  | 'Query Denied'
  | 'Query Finished'
  | 'Query Failed'
  | 'Query Canceled'
  | 'Budget Warning'
  | 'Budget Exceeded'
  | 'Target State Changed';

/** One event, ready to publish. `detail.eventId` is stable: consumers deduplicate on it. */
export interface BifrostEvent {
  detailType: EventDetailType;
  /** When what the event tells happened (epoch ms). */
  time: number;
  /** The detail object; holds `eventId`, never SQL text (unless configured) nor credentials. */
  detail: { eventId: string } & Record<string, unknown>;
}

/** What a flush left behind. */
export interface EventFlushReport {
  /** Events handed over and not yet accepted by the sink when the wait ended. */
  pending: number;
}

/** Counts of what publishing did, for metrics. */
export type EventMetric = 'EventsPublished' | 'EventsRetried' | 'EventsFailed' | 'EventsDropped';

/**
 * Where events go. `publish` never throws and never waits: delivery starts in the background at
 * once. `flush` waits, at most `timeoutMs`, for what is still pending (the end of a Lambda
 * invocation, a server's shutdown).
 */
export interface EventPublisher {
  publish(events: readonly BifrostEvent[]): void;
  flush(timeoutMs: number): Promise<EventFlushReport>;
}

/** One delivery attempt of a batch: which entries the sink refused, and whether to try them again. */
export interface EventDeliveryResult {
  /** Indexes (in the batch) of the entries that failed, with the sink's error code. */
  failed: { index: number; code: string; retryable: boolean }[];
}

/**
 * Sends one batch (at most the sink's entry and byte limits). Throws when the whole call failed;
 * an error with `retryable: true` (throttling, a 5xx, a network error) is tried again.
 */
export type EventDelivery = (batch: readonly BifrostEvent[]) => Promise<EventDeliveryResult>;
