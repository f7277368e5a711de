import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { detailSlug } from '../../../lambdas/core/events/index.js';
import type { EventDetailType } from '../../../lambdas/core/ports/index.js';
import { defaultLocalConfig, startLocalServer } from '../../../lambdas/local/server.js';
import { localEventPublisher, parseEventSink, withLocalEvents } from '../../../lambdas/local/event-sink.js';
import { schemaProblems } from '../../support/json-schema.js';

/** Local mode's sinks: JSON lines (a file, stdout) in the shape EventBridge delivers, and the --events option. */
const dir = mkdtempSync(join(tmpdir(), 'bifrost-event-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const schemaDir = fileURLToPath(new URL('../../../schemas/events/v1/', import.meta.url));
const silent = { info() {}, warn() {}, error() {} };

interface Line {
  version: string;
  id: string;
  'detail-type': EventDetailType;
  source: string;
  time: string;
  detail: Record<string, unknown> & { eventId: string; queryId?: string };
}

async function runQuery(url: string, sql: string, headers: Record<string, string> = {}): Promise<{ id: string; state: string }> {
  let current = (await (await fetch(`${url}/v1/statement`, { method: 'POST', body: sql, headers: { 'X-Trino-User': 'alice', ...headers } })).json()) as { id: string; nextUri?: string; stats: { state: string } };
  while (current.nextUri) current = (await (await fetch(current.nextUri, { headers: { 'X-Trino-User': 'alice' } })).json()) as typeof current;
  return { id: current.id, state: current.stats.state };
}

describe('the --events option', () => {
  it('reads stdout, a file path and an endpoint URL', () => {
    expect(parseEventSink('stdout')).toEqual({ sink: 'stdout' });
    expect(parseEventSink('events.jsonl')).toEqual({ sink: 'file', file: 'events.jsonl' });
    expect(parseEventSink('file:/var/tmp/e.jsonl')).toEqual({ sink: 'file', file: '/var/tmp/e.jsonl' });
    expect(parseEventSink('http://127.0.0.1:4010')).toEqual({ sink: 'eventbridge', endpoint: 'http://127.0.0.1:4010' });
    const config = withLocalEvents(defaultLocalConfig(), { sink: 'stdout' });
    expect(config.events).toMatchObject({ enabled: true, local: { sink: 'stdout' }, types: { queryFinished: true, querySubmitted: false } });
    expect(defaultLocalConfig().events.enabled).toBe(false);
  });
});

describe('the JSON-lines sinks', () => {
  it('the local server writes a query\'s events to the file, one EventBridge-shaped event a line, conforming to the schemas', async () => {
    const file = join(dir, 'events.jsonl');
    const server = await startLocalServer({ events: { sink: 'file', file }, gateway: { pollWaitMs: 50 } });
    let ok: { id: string; state: string };
    let failed: { id: string; state: string };
    try {
      ok = await runQuery(server.url, 'SELECT n_name FROM tpch.tiny.nation LIMIT 2', { 'X-Trino-Client-Tags': 'local,demo' });
      failed = await runQuery(server.url, 'SELECT * FROM tpch.tiny.no_such_table');
    } finally {
      await server.close();
    }
    expect(ok.state).toBe('FINISHED');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
    for (const line of lines) {
      expect(line).toMatchObject({ version: '0', source: 'bifrost' });
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const schema = JSON.parse(readFileSync(join(schemaDir, `${detailSlug(line['detail-type'])}.json`), 'utf8')) as Record<string, unknown>;
      expect(schemaProblems(schema, line.detail), line['detail-type']).toEqual([]);
    }
    const finished = lines.filter((l) => l.detail.queryId === ok.id);
    expect(finished.map((l) => l['detail-type'])).toEqual(['Query Finished']);
    expect(finished[0]!.detail).toMatchObject({ clientTags: ['local', 'demo'], engine: 'duckdb', user: 'alice' });
    expect(lines.filter((l) => l.detail.queryId === failed.id).map((l) => l['detail-type'])).toEqual(['Query Failed']);
    expect(readFileSync(file, 'utf8')).not.toContain('n_name');
  });

  it('stdout gets the same lines', async () => {
    const written: string[] = [];
    const config = withLocalEvents(defaultLocalConfig(), { sink: 'stdout' });
    const publisher = localEventPublisher(config, { log: silent, write: async (text) => void written.push(text) })!;
    publisher.publish([{ detailType: 'Target State Changed', time: Date.UTC(2025, 0, 1), detail: { eventId: 'x', target: 't' } }]);
    expect(await publisher.flush(1_000)).toEqual({ pending: 0 });
    expect(written.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual([
      { version: '0', id: expect.any(String), 'detail-type': 'Target State Changed', source: 'bifrost', time: '2025-01-01T00:00:00Z', resources: [], detail: { eventId: 'x', target: 't' } },
    ]);
    expect(localEventPublisher(defaultLocalConfig(), { log: silent })).toBeUndefined();
  });
});
