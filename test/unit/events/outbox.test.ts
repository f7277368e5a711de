import { describe, expect, it } from 'vitest';
import { createOutbox, type OutboxOptions } from '../../../lambdas/core/events/index.js';
import type { BifrostEvent, EventDeliveryResult } from '../../../lambdas/core/ports/index.js';

/** The outbox: batches within the sink's limits, retries only what failed, never blocks the caller. */
function event(n: number, bytes = 10): BifrostEvent {
  return { detailType: 'Query Finished', time: 0, detail: { eventId: `e${n}`, pad: 'x'.repeat(bytes) } };
}

function recordingLog() {
  const lines: { message: string; extra?: Record<string, unknown> }[] = [];
  const push = (message: string, extra?: Record<string, unknown>) => lines.push({ message, ...(extra ? { extra } : {}) });
  return { lines, log: { info: push, warn: push, error: push } };
}

function outbox(deliver: OutboxOptions['deliver'], extra: Partial<OutboxOptions> = {}) {
  const { lines, log } = recordingLog();
  const box = createOutbox({ deliver, maxEntries: 10, maxBytes: 1_000, entrySize: (e) => JSON.stringify(e.detail).length, baseDelayMs: 1, maxDelayMs: 5, log, random: () => 1, ...extra });
  return { box, lines };
}

const ids = (batch: readonly BifrostEvent[]) => batch.map((e) => e.detail.eventId);

describe('the outbox', () => {
  it('sends events of one tick in batches of at most 10 entries and the byte limit, in order', async () => {
    const calls: string[][] = [];
    const { box } = outbox(async (batch) => {
      calls.push(ids(batch));
      return { failed: [] };
    });
    box.publish(Array.from({ length: 23 }, (_, i) => event(i)));
    box.publish([event(100, 600), event(101, 600)]);
    expect(await box.flush(1_000)).toEqual({ pending: 0 });
    expect(calls.map((c) => c.length)).toEqual([10, 10, 4, 1]);
    expect(calls.flat()).toEqual([...Array.from({ length: 23 }, (_, i) => `e${i}`), 'e100', 'e101']);
    expect(box.counts.EventsPublished).toBe(25);
  });

  it('tries again only the entries that failed with a retryable code, and gives up the others', async () => {
    const calls: string[][] = [];
    const { box, lines } = outbox(async (batch): Promise<EventDeliveryResult> => {
      calls.push(ids(batch));
      if (calls.length === 1) return { failed: [{ index: 1, code: 'ThrottlingException', retryable: true }, { index: 2, code: 'MalformedDetail', retryable: false }] };
      return { failed: [] };
    });
    box.publish([event(0), event(1), event(2), event(3)]);
    expect(await box.flush(1_000)).toEqual({ pending: 0 });
    expect(calls).toEqual([['e0', 'e1', 'e2', 'e3'], ['e1']]);
    expect(box.counts).toMatchObject({ EventsPublished: 3, EventsRetried: 1, EventsFailed: 1 });
    expect(lines.map((l) => l.message)).toEqual(['the event bus refused events']);
  });

  it('retries a throttled call with backoff, and gives up after the last attempt, logging once', async () => {
    let calls = 0;
    const { box, lines } = outbox(
      async () => {
        calls++;
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', retryable: true });
      },
      { maxAttempts: 3 },
    );
    box.publish([event(0), event(1)]);
    expect(await box.flush(1_000)).toEqual({ pending: 0 });
    expect(calls).toBe(3);
    expect(box.counts).toMatchObject({ EventsPublished: 0, EventsRetried: 4, EventsFailed: 2 });
    box.publish([event(2)]);
    await box.flush(1_000);
    expect(lines.filter((l) => l.message === 'events not published after retries')).toHaveLength(1);
  });

  it('does not retry a call refused for good (access, validation)', async () => {
    let calls = 0;
    const { box } = outbox(async () => {
      calls++;
      throw Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', retryable: false });
    });
    box.publish([event(0)]);
    await box.flush(1_000);
    expect(calls).toBe(1);
    expect(box.counts.EventsFailed).toBe(1);
  });

  it('never makes the caller wait: publish returns at once and flush waits no longer than asked', async () => {
    const { box } = outbox(() => new Promise(() => undefined));
    const started = performance.now();
    box.publish([event(0)]);
    expect(performance.now() - started).toBeLessThan(20);
    const report = await box.flush(50);
    expect(report.pending).toBe(1);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('drops, counts and logs an entry larger than the sink takes, and what exceeds the queue', async () => {
    const { box, lines } = outbox(() => new Promise(() => undefined), { maxQueued: 2 });
    box.publish([event(0, 2_000), event(1), event(2), event(3)]);
    expect(box.counts.EventsDropped).toBe(2);
    expect(lines.map((l) => l.message).sort()).toEqual(['event too large to publish, dropped', 'too many events pending, dropped']);
  });
});
