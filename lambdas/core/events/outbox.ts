import type { BifrostEvent, EventDelivery, EventFlushReport, EventMetric, EventPublisher, Logger } from '../ports/index.js';

/**
 * The part of publishing that no sink owns: events are sent at once, in the background, in
 * batches within the sink's limits; failed calls and failed entries are tried again with
 * exponential backoff and jitter (only the entries that failed, never a whole batch again);
 * `flush` waits a bounded time for what is pending. Nothing here ever throws at the caller or
 * makes it wait: a query never waits for, or fails because of, an event.
 */
export interface OutboxOptions {
  deliver: EventDelivery;
  /** Entries per call (PutEvents: 10). */
  maxEntries: number;
  /** Bytes per call, and so per entry (PutEvents: 256 KB). */
  maxBytes: number;
  /** The size of one entry as the sink counts it. */
  entrySize(event: BifrostEvent): number;
  /** Attempts per event before it is given up (counted and logged). Default 8. */
  maxAttempts?: number;
  /** First backoff (ms), doubled per attempt up to maxDelayMs, with full jitter. Default 50 and 5000. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Events held at most; beyond, new events are dropped (counted and logged). Default 10,000. */
  maxQueued?: number;
  /** Calls in flight at once. Default 1: one instance's events leave in the order they happened (retries aside). */
  concurrency?: number;
  log: Logger;
  count?: (metric: EventMetric, value: number) => void;
  /** For tests. */
  random?: () => number;
}

export interface Outbox extends EventPublisher {
  /** What happened so far (also sent to `count`). */
  readonly counts: Readonly<Record<EventMetric, number>>;
}

interface Pending {
  event: BifrostEvent;
  attempts: number;
}

/** How often the same kind of failure is logged again (the counts say how many were not). */
const LOG_EVERY_MS = 60_000;

export function createOutbox(options: OutboxOptions): Outbox {
  return new BackgroundOutbox(options);
}

class BackgroundOutbox implements Outbox {
  readonly counts: Record<EventMetric, number> = { EventsPublished: 0, EventsRetried: 0, EventsFailed: 0, EventsDropped: 0 };
  private readonly queue: Pending[] = [];
  /** Entries in calls not yet answered, calls in flight, entries waiting to be tried again. */
  private inFlight = 0;
  private calls = 0;
  private waiting = 0;
  private scheduled = false;
  private idle: (() => void)[] = [];
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();
  private readonly maxAttempts: number;
  private readonly concurrency: number;

  constructor(private readonly options: OutboxOptions) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.concurrency = options.concurrency ?? 1;
  }

  publish(events: readonly BifrostEvent[]): void {
    try {
      for (const event of events) {
        if (this.options.entrySize(event) > this.options.maxBytes) {
          this.count('EventsDropped', 1);
          this.logOnce('too-large', 'event too large to publish, dropped', { detailType: event.detailType, eventId: event.detail.eventId });
        } else if (this.pending() >= (this.options.maxQueued ?? 10_000)) {
          this.count('EventsDropped', 1);
          this.logOnce('queue-full', 'too many events pending, dropped', { detailType: event.detailType, pending: this.pending() });
        } else this.queue.push({ event, attempts: 0 });
      }
      // Events emitted together (one request's) leave in one call: the sends start right after.
      if (!this.scheduled && this.queue.length) {
        this.scheduled = true;
        void Promise.resolve().then(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    } catch (error) {
      this.logOnce('publish', 'could not queue events', { error: String(error) });
    }
  }

  async flush(timeoutMs: number): Promise<EventFlushReport> {
    if (this.scheduled) await Promise.resolve();
    this.pump();
    if (this.pending() === 0) return { pending: 0 };
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([new Promise<void>((resolve) => this.idle.push(resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, timeoutMs))))]);
    clearTimeout(timer);
    return { pending: this.pending() };
  }

  private pending(): number {
    return this.queue.length + this.inFlight + this.waiting;
  }

  private settle(): void {
    if (this.pending() > 0) return;
    const waiters = this.idle;
    this.idle = [];
    for (const resolve of waiters) resolve();
  }

  private count(metric: EventMetric, value: number): void {
    if (value <= 0) return;
    this.counts[metric] += value;
    try {
      this.options.count?.(metric, value);
    } catch {
      // Metrics are best effort.
    }
  }

  /** Logs a kind of failure once, then at most once a minute with how many were not logged. */
  private logOnce(kind: string, message: string, extra: Record<string, unknown>): void {
    const now = Date.now();
    const seen = this.lastLogged.get(kind);
    if (seen && now - seen.at < LOG_EVERY_MS) {
      seen.suppressed++;
      return;
    }
    this.lastLogged.set(kind, { at: now, suppressed: 0 });
    this.options.log.warn(message, { ...extra, ...(seen?.suppressed ? { notLoggedSinceLast: seen.suppressed } : {}) });
  }

  /** The next batch: as many queued entries as fit the sink's limits, in order. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let bytes = 0;
    while (this.queue.length && batch.length < this.options.maxEntries) {
      const size = this.options.entrySize(this.queue[0]!.event);
      if (batch.length && bytes + size > this.options.maxBytes) break;
      batch.push(this.queue.shift()!);
      bytes += size;
    }
    return batch;
  }

  private pump(): void {
    while (this.queue.length && this.calls < this.concurrency) {
      const batch = this.takeBatch();
      this.inFlight += batch.length;
      this.calls++;
      void this.send(batch).finally(() => {
        this.inFlight -= batch.length;
        this.calls--;
        this.pump();
        this.settle();
      });
    }
    this.settle();
  }

  private async send(batch: Pending[]): Promise<void> {
    for (const p of batch) p.attempts++;
    try {
      const result = await this.options.deliver(batch.map((p) => p.event));
      const failed = new Set(result.failed.map((f) => f.index));
      this.count('EventsPublished', batch.length - failed.size);
      const retryable = result.failed.filter((f) => f.retryable && batch[f.index]);
      const permanent = result.failed.filter((f) => !f.retryable && batch[f.index]);
      if (permanent.length) {
        this.count('EventsFailed', permanent.length);
        this.logOnce(`refused:${permanent[0]!.code}`, 'the event bus refused events', { count: permanent.length, code: permanent[0]!.code });
      }
      if (retryable.length) this.retryLater(retryable.map((f) => batch[f.index]!), retryable[0]!.code);
    } catch (error) {
      const e = error as { name?: string; retryable?: boolean };
      const code = e?.name ?? 'Error';
      if (e?.retryable) this.retryLater(batch, code);
      else {
        this.count('EventsFailed', batch.length);
        this.logOnce(`call:${code}`, 'could not publish events', { count: batch.length, code, error: String((error as Error)?.message ?? error).slice(0, 300) });
      }
    }
  }

  /** Tries the entries again after a backoff (full jitter), or gives up those out of attempts. */
  private retryLater(items: Pending[], reason: string): void {
    const giveUp = items.filter((p) => p.attempts >= this.maxAttempts);
    const again = items.filter((p) => p.attempts < this.maxAttempts);
    if (giveUp.length) {
      this.count('EventsFailed', giveUp.length);
      this.logOnce(`gave-up:${reason}`, 'events not published after retries', { count: giveUp.length, reason, detailTypes: [...new Set(giveUp.map((p) => p.event.detailType))] });
    }
    if (!again.length) return;
    this.count('EventsRetried', again.length);
    const attempt = Math.max(...again.map((p) => p.attempts));
    const cap = Math.min(this.options.maxDelayMs ?? 5_000, (this.options.baseDelayMs ?? 50) * 2 ** (attempt - 1));
    const delay = Math.floor((this.options.random ?? Math.random)() * cap);
    this.waiting += again.length;
    const timer = setTimeout(() => {
      this.waiting -= again.length;
      this.queue.unshift(...again);
      this.pump();
    }, delay);
    (timer as { unref?: () => void }).unref?.();
  }
}
