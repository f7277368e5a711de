import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { createOutbox, type Outbox } from '../../core/events/index.js';
import type { BifrostEvent, EventDelivery, EventMetric, Logger } from '../../core/ports/index.js';

/**
 * Bifrost's events on Amazon EventBridge (docs/events.md): PutEvents, at most 10 entries and
 * 256 KB a call, through the core's outbox (batches, backoff, only failed entries tried again,
 * never on a query's path). The SDK's own retries are off: the outbox retries, in the background.
 */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** Per-entry and per-call error codes worth another attempt; anything else (validation, access) is not. */
const RETRYABLE = new Set(['ThrottlingException', 'InternalFailure', 'InternalException', 'ServiceUnavailableException', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError']);

export interface EventBridgePublisherOptions {
  /** The bus name or ARN ("default": the account's default bus). */
  busName: string;
  source: string;
  log: Logger;
  /** An EventBridge-compatible endpoint (local mode, tests); default: the Region's. */
  endpoint?: string;
  /** The client to use (tests); built from the options otherwise. */
  client?: EventBridgeClient;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  count?: (metric: EventMetric, value: number) => void;
  /** Passed to the outbox (tests). */
  baseDelayMs?: number;
  maxAttempts?: number;
}

/** The size of an entry as EventBridge counts it: Time 14 bytes, then Source, DetailType and Detail in UTF-8. */
export function putEventsEntrySize(source: string, event: BifrostEvent): number {
  return 14 + Buffer.byteLength(source, 'utf8') + Buffer.byteLength(event.detailType, 'utf8') + Buffer.byteLength(JSON.stringify(event.detail), 'utf8');
}

export function putEventsEntry(busName: string, source: string, event: BifrostEvent): PutEventsRequestEntry {
  return { EventBusName: busName, Source: source, DetailType: event.detailType, Detail: JSON.stringify(event.detail), Time: new Date(event.time) };
}

/** One PutEvents call: the entries EventBridge refused, by index; a failed call throws, marked retryable or not. */
export function putEventsDelivery(client: EventBridgeClient, busName: string, source: string): EventDelivery {
  return async (batch) => {
    let out;
    try {
      out = await client.send(new PutEventsCommand({ Entries: batch.map((event) => putEventsEntry(busName, source, event)) }));
    } catch (error) {
      throw Object.assign(new Error(String((error as Error)?.message ?? error)), { name: (error as Error)?.name ?? 'Error', retryable: isRetryable(error) });
    }
    const entries = out.Entries ?? [];
    const failed = entries.flatMap((entry, index) => (entry.ErrorCode ? [{ index, code: entry.ErrorCode, retryable: RETRYABLE.has(entry.ErrorCode) }] : []));
    // A response that counts failures it does not show (it should never): try those entries again.
    if ((out.FailedEntryCount ?? 0) > failed.length || entries.length < batch.length) {
      for (let index = 0; index < batch.length; index++) {
        if (!entries[index]?.EventId && !failed.some((f) => f.index === index)) failed.push({ index, code: 'Unconfirmed', retryable: true });
      }
    }
    return { failed };
  };
}

function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; code?: string };
  if (e?.$retryable) return true;
  if (e?.name && RETRYABLE.has(e.name)) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  // No HTTP answer at all: a network error (refused, reset, timed out).
  return true;
}

export function eventBridgePublisher(options: EventBridgePublisherOptions): Outbox {
  const client =
    options.client ??
    new EventBridgeClient({
      maxAttempts: 1,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.region ? { region: options.region } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // A call that hangs must end (and be tried again): the outbox sends one call at a time.
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
    });
  return createOutbox({
    deliver: putEventsDelivery(client, options.busName, options.source),
    maxEntries: PUT_EVENTS_MAX_ENTRIES,
    maxBytes: PUT_EVENTS_MAX_BYTES,
    entrySize: (event) => putEventsEntrySize(options.source, event),
    log: options.log,
    ...(options.count ? { count: options.count } : {}),
    ...(options.baseDelayMs !== undefined ? { baseDelayMs: options.baseDelayMs } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  });
}

/** How long the functions that answer no client (Athena's events, the sweeper) wait at their end for events. */
export const EVENT_HANDLER_FLUSH_MS = 2_000;

/**
 * A middy middleware that waits, at the end of each invocation, at most `waitMs` for the events
 * still being sent: Lambda freezes the environment once the handler returns. What is still
 * pending then goes on when the environment next runs, and is lost if it never does (docs/events.md).
 */
export function flushEventsAtEnd(events: { flush(timeoutMs: number): Promise<unknown> }, waitMs: number) {
  const flush = async () => {
    await events.flush(waitMs).catch(() => undefined);
  };
  return { after: flush, onError: flush };
}
