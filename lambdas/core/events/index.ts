/**
 * Bifrost's own events (docs/events.md): the detail schemas, the builders, the emitter the rest
 * of the core calls where changes are applied, the stores that publish target changes, and the
 * outbox that batches and retries for the sinks.
 */
export { eventsConfigSchema, type EventsConfig, type EventTypeSwitch } from './config.js';
export { DETAIL_SCHEMAS, SCHEMA_VERSION, detailJsonSchemas, detailSlug, type DetailOf } from './details.js';
export { eventId, isDenial, MAX_EVENT_SQL_CHARS, type BudgetFacts, type EventSettings, type QueryFacts, type TargetKind, type TargetStateChange } from './build.js';
export * as buildEvent from './build.js';
export { createEvents, noEvents, type BifrostEvents, type EventsDeps } from './emitter.js';
export { configStoreWithEvents, healthStoreWithEvents } from './observe.js';
export { createOutbox, type Outbox, type OutboxOptions } from './outbox.js';
export { eventSettings } from './settings.js';
