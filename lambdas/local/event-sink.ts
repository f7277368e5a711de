import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { eventBridgePublisher } from '../adapters/aws/event-bridge.js';
import type { BifrostConfig } from '../core/config/schema.js';
import { createOutbox, type EventsConfig, type Outbox } from '../core/events/index.js';
import type { BifrostEvent, Logger } from '../core/ports/index.js';

/**
 * Where Bifrost's events go in local mode (docs/events.md): JSON lines on standard output or
 * appended to a file, one event a line in the shape EventBridge delivers them, or PutEvents to an
 * EventBridge-compatible endpoint (the deployed adapter, pointed elsewhere).
 */
export type LocalEventSink = EventsConfig['local'];

/** The config with events switched on to `sink` (the --events option), or as it is without one. */
export function withLocalEvents(config: BifrostConfig, sink: LocalEventSink | undefined): BifrostConfig {
  if (!sink) return config;
  return Object.freeze({ ...config, events: Object.freeze({ ...config.events, enabled: true, local: sink }) });
}

/** The --events option: "stdout", an http(s):// endpoint URL, or a file path (optionally "file:PATH"). */
export function parseEventSink(value: string): LocalEventSink {
  if (value === 'stdout' || value === '-') return { sink: 'stdout' };
  if (/^https?:\/\//i.test(value)) return { sink: 'eventbridge', endpoint: value };
  const file = value.replace(/^file:/, '');
  if (!file) throw new Error('--events needs stdout, a file path or an http(s):// endpoint');
  return { sink: 'file', file };
}

/** One event as EventBridge delivers it to a rule's target. */
export function eventEnvelope(source: string, event: BifrostEvent): Record<string, unknown> {
  return { version: '0', id: randomUUID(), 'detail-type': event.detailType, source, time: new Date(event.time).toISOString().replace(/\.\d{3}Z$/, 'Z'), resources: [], detail: event.detail };
}

export interface LocalPublisherOptions {
  log: Logger;
  /** Where stdout lines go (tests). */
  write?: (text: string) => Promise<void>;
}

/** The publisher of the config's local sink; undefined when events are off. */
export function localEventPublisher(config: BifrostConfig, options: LocalPublisherOptions): Outbox | undefined {
  const events = config.events;
  if (!events.enabled) return undefined;
  const { local, source } = events;
  if (local.sink === 'eventbridge') {
    const loopback = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/i.test(local.endpoint!);
    // A stand-in on this machine checks no signature: it gets one anyway, made with placeholder keys when none are set.
    const credentials = loopback && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined;
    return eventBridgePublisher({
      busName: events.busName ?? 'default',
      source,
      endpoint: local.endpoint!,
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(credentials ? { credentials } : {}),
      log: options.log,
    });
  }
  const stdout = options.write ?? ((text: string) => new Promise<void>((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve()))));
  const write = local.sink === 'file' ? (text: string) => appendFile(local.file!, text, 'utf8') : stdout;
  return createOutbox({
    deliver: async (batch) => {
      await write(batch.map((event) => `${JSON.stringify(eventEnvelope(source, event))}\n`).join(''));
      return { failed: [] };
    },
    maxEntries: 100,
    maxBytes: 1024 * 1024,
    entrySize: (event) => Buffer.byteLength(JSON.stringify(event.detail), 'utf8'),
    // A file that cannot be written now is not likely to be a moment later.
    maxAttempts: 1,
    log: options.log,
  });
}
