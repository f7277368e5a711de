import type { BifrostEvent, ClusterHealthState, EventDetailType, EventFlushReport, EventPublisher, Logger, TrackedRecord } from '../ports/index.js';
import type { EventsConfig, EventTypeSwitch } from './config.js';
import { budgetExceeded, budgetWarning, queryEnded, queryRouted, querySubmitted, targetHealthChanged, targetStateChanged, type BudgetFacts, type EventSettings, type QueryFacts, type TargetStateChange } from './build.js';

/**
 * What the rest of the core calls where a change is applied (a conditional store write returned
 * true): each call builds the event and hands it to the publisher, and returns at once. It never
 * throws and never waits for the bus; types switched off in the config cost nothing.
 */
export interface BifrostEvents {
  readonly enabled: boolean;
  /** The gateway recorded a query (any state). */
  querySubmitted(record: QueryFacts): void;
  /** The gateway recorded a query: Submitted, and its end when it was recorded final (answered, refused). */
  queryRecorded(record: QueryFacts): void;
  /** The query's engine handle was recorded: the target runs it. */
  queryRouted(record: QueryFacts, at: number): void;
  /** The item as its final state was just recorded (finished, failed, canceled or denied). */
  queryEnded(record: QueryFacts, at: number): void;
  /**
   * Like queryEnded, for callers that hold only part of the item (the sweeper): the item is read
   * in the background, after its final state was recorded, then published.
   */
  queryEndedById(queryId: string, at: number): void;
  targetHealthChanged(state: ClusterHealthState, previousHealthy: boolean): void;
  targetStateChanged(change: TargetStateChange): void;
  budgetWarning(facts: BudgetFacts & { thresholdPercent: number }): void;
  budgetExceeded(facts: BudgetFacts): void;
  /** Waits at most `timeoutMs` for what is being published. */
  flush(timeoutMs: number): Promise<EventFlushReport>;
}

export interface EventsDeps {
  config: EventsConfig;
  settings: EventSettings;
  publisher: EventPublisher;
  log: Logger;
  /** Reads a query item (queryEndedById). */
  lookup?: (queryId: string) => Promise<TrackedRecord | undefined>;
}

const SWITCHES: Record<EventDetailType, EventTypeSwitch> = {
  'Query Submitted': 'querySubmitted',
  'Query Routed': 'queryRouted',
  'Query Denied': 'queryDenied',
  'Query Finished': 'queryFinished',
  'Query Failed': 'queryFailed',
  'Query Canceled': 'queryCanceled',
  'Budget Warning': 'budgetWarning',
  'Budget Exceeded': 'budgetExceeded',
  'Target State Changed': 'targetStateChanged',
};
const ENDED: EventDetailType[] = ['Query Denied', 'Query Finished', 'Query Failed', 'Query Canceled'];

/** Events switched off: every call does nothing. */
export const noEvents: BifrostEvents = {
  enabled: false,
  querySubmitted() {},
  queryRecorded() {},
  queryRouted() {},
  queryEnded() {},
  queryEndedById() {},
  targetHealthChanged() {},
  targetStateChanged() {},
  budgetWarning() {},
  budgetExceeded() {},
  flush: async () => ({ pending: 0 }),
};

export function createEvents(deps: EventsDeps): BifrostEvents {
  const { config, settings, publisher, log } = deps;
  if (!config.enabled) return noEvents;
  const on = (type: EventDetailType) => config.types[SWITCHES[type]];
  const anyEnded = ENDED.some(on);
  const lookups = new Set<Promise<void>>();
  let warned = false;

  /** Builds and publishes; a failure to build is logged once and never reaches the caller. */
  const emit = (type: EventDetailType | undefined, build: () => BifrostEvent | undefined) => {
    if (type !== undefined && !on(type)) return;
    try {
      const event = build();
      if (event && on(event.detailType)) publisher.publish([event]);
    } catch (error) {
      if (!warned) log.warn('could not build an event', { detailType: type, error: String((error as Error)?.message ?? error) });
      warned = true;
    }
  };

  return {
    enabled: true,
    querySubmitted: (record) => emit('Query Submitted', () => querySubmitted(settings, record)),
    queryRecorded(record) {
      emit('Query Submitted', () => querySubmitted(settings, record));
      if (anyEnded && (record.state === 'FINISHED' || record.state === 'FAILED' || record.state === 'CANCELED')) emit(undefined, () => queryEnded(settings, record, record.endedAt ?? record.createdAt));
    },
    queryRouted: (record, at) => emit('Query Routed', () => queryRouted(settings, record, at)),
    queryEnded: (record, at) => anyEnded && emit(undefined, () => queryEnded(settings, record, at)),
    queryEndedById(queryId, at) {
      if (!anyEnded || !deps.lookup) return;
      const read = deps
        .lookup(queryId)
        .then((record) => record && emit(undefined, () => queryEnded(settings, record, at)))
        .catch((error: unknown) => log.warn('could not read a query for its event', { queryId, error: String(error) }))
        .finally(() => lookups.delete(read));
      lookups.add(read);
    },
    targetHealthChanged: (state, previousHealthy) => emit('Target State Changed', () => targetHealthChanged(settings, state, previousHealthy)),
    targetStateChanged: (change) => emit('Target State Changed', () => targetStateChanged(settings, change)),
    budgetWarning: (facts) => emit('Budget Warning', () => budgetWarning(settings, facts)),
    budgetExceeded: (facts) => emit('Budget Exceeded', () => budgetExceeded(settings, facts)),
    async flush(timeoutMs) {
      const started = Date.now();
      if (lookups.size) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([Promise.allSettled([...lookups]), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
        clearTimeout(timer);
      }
      const report = await publisher.flush(Math.max(0, timeoutMs - (Date.now() - started)));
      return { pending: report.pending + lookups.size };
    },
  };
}
