import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config/schema.js';
import { buildEvent, detailJsonSchemas, detailSlug, DETAIL_SCHEMAS, eventSettings, type EventSettings, type QueryFacts } from '../../../lambdas/core/events/index.js';
import { queryError } from '../../../lambdas/core/errors.js';
import type { BifrostEvent, EventDetailType } from '../../../lambdas/core/ports/index.js';
import { schemaProblems } from '../../support/json-schema.js';

/**
 * The event schemas: the committed JSON Schema files are the ones the code generates (set
 * BIFROST_WRITE_SCHEMAS=1 to write them again after changing lambdas/core/events/details.ts), and
 * every builder's event conforms to its file. No detail holds the statement unless asked to.
 */
const dir = fileURLToPath(new URL('../../../schemas/events/v1/', import.meta.url));
const committed = (slug: string) => JSON.parse(readFileSync(join(dir, `${slug}.json`), 'utf8')) as Record<string, unknown>;

const config = parseConfig({
  version: 1,
  gateway: { environment: 'prod' },
  targets: { adhoc: { type: 'athena', workgroup: 'wg' }, etl: { type: 'trino', url: 'https://trino.internal' } },
  routingGroups: { main: { targets: ['adhoc', 'etl'] } },
  defaultRoutingGroup: 'main',
});
const settings: EventSettings = eventSettings(config, (t) => (t === 'adhoc' ? 5 : undefined));
const SECRET_SQL = "SELECT * FROM orders WHERE card = '4111-1111-1111-1111'";
const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);

function record(overrides: Partial<QueryFacts> = {}): QueryFacts {
  return {
    queryId: '20250301_120000_00001_abcde',
    user: 'alice',
    groups: ['analysts'],
    source: 'trino-jdbc',
    dialect: 'trino',
    sql: SECRET_SQL,
    sqlDigest: 'd'.repeat(64),
    kind: 'SELECT',
    state: 'QUEUED',
    target: 'adhoc',
    routingGroup: 'main',
    sessionJson: JSON.stringify({ clientTags: ['nightly', 'etl'], extraCredentials: {}, plan: { v: 2, sqlLength: 10 } }),
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/** One event of every detail type, as the builders make them. */
function everyEvent(s: EventSettings = settings): BifrostEvent[] {
  const end = T0 + 4_321;
  const budget = { budget: 'analysts-monthly', scope: { kind: 'group' as const, name: 'analysts' }, period: 'month' as const, periodStart: Date.UTC(2025, 2, 1), limitUsd: 100, spentUsd: 81.5, at: end, queryId: '20250301_120000_00001_abcde', user: 'alice' };
  return [
    buildEvent.querySubmitted(s, record()),
    buildEvent.queryRouted(s, record({ engineHandle: 'h', engineQueryId: 'exec-1', routing: { reasons: ["target 'etl' unreachable, the query never reached it: refused", "failed over to target 'adhoc'"] } }), T0 + 5),
    buildEvent.queryEnded(s, record({ state: 'FAILED', error: queryError('PERMISSION_DENIED', 'Access Denied: User alice may not read orders'), access: { allowed: false, rule: 'no-orders', reason: 'User alice may not read tpch.tiny.orders' }, endedAt: T0 + 2 }), T0 + 2)!,
    buildEvent.queryEnded(s, record({ state: 'FINISHED', engineHandle: 'h', engineQueryId: 'exec-1', statistics: { dataScannedBytes: 2 ** 40, queueTimeMillis: 12 }, stats: { processedRows: 1234 }, endedAt: end }), end)!,
    buildEvent.queryEnded(s, record({ state: 'FAILED', engineHandle: 'h', error: queryError('TABLE_NOT_FOUND', `line 1:15: Table 'x' does not exist in ${SECRET_SQL}`), endedAt: end }), end)!,
    buildEvent.queryEnded(s, record({ state: 'CANCELED', engineHandle: 'h', error: queryError('USER_CANCELED', 'Query was canceled'), endReason: 'canceled by the client (DELETE)', endedAt: end }), end)!,
    buildEvent.budgetWarning(s, { ...budget, thresholdPercent: 80 }),
    buildEvent.budgetExceeded(s, { ...budget, spentUsd: 101 }),
    buildEvent.targetHealthChanged(s, { target: 'etl', healthy: false, consecutiveFailures: 3, consecutiveSuccesses: 0, checkedAt: end, changedAt: end, detail: 'connection refused' }, true)!,
    buildEvent.targetStateChanged(s, { target: 'etl', state: 'draining', previousState: 'active', version: 7, at: end, by: 'root', reason: 'upgrade' })!,
  ];
}

describe('the committed JSON Schemas', () => {
  it('are exactly the ones generated from the detail schemas, one per detail type', () => {
    const generated = detailJsonSchemas();
    if (process.env.BIFROST_WRITE_SCHEMAS) {
      mkdirSync(dir, { recursive: true });
      for (const [slug, schema] of Object.entries(generated)) writeFileSync(join(dir, `${slug}.json`), `${JSON.stringify(schema, null, 2)}\n`);
    }
    expect(readdirSync(dir).sort()).toEqual(Object.keys(generated).map((slug) => `${slug}.json`).sort());
    for (const [slug, schema] of Object.entries(generated)) expect(committed(slug), slug).toEqual(schema);
    expect(Object.keys(generated)).toHaveLength(9);
  });
});

describe('event building', () => {
  it('makes events that conform to their committed schema, one of each detail type', () => {
    const events = everyEvent();
    expect([...new Set(events.map((e) => e.detailType))].sort()).toEqual((Object.keys(DETAIL_SCHEMAS) as EventDetailType[]).sort());
    for (const event of events) {
      expect(schemaProblems(committed(detailSlug(event.detailType)), event.detail), event.detailType).toEqual([]);
      expect(() => DETAIL_SCHEMAS[event.detailType].parse(event.detail)).not.toThrow();
    }
  });

  it('the schema check can fail: a detail missing a field or with a wrong type is caught', () => {
    const finished = everyEvent()[3]!;
    const { durationMs: _gone, ...missing } = finished.detail;
    expect(schemaProblems(committed('query-finished'), missing)).toContain('$.durationMs: required');
    expect(schemaProblems(committed('query-finished'), { ...finished.detail, state: 'FAILED' })).not.toEqual([]);
    expect(schemaProblems(committed('query-finished'), { ...finished.detail, password: 'x' })).toContain('$.password: not allowed');
  });

  it('carries ids, names and figures, never the statement or its literals, nor messages that quote it', () => {
    for (const event of everyEvent()) {
      const text = JSON.stringify(event.detail);
      expect(text).not.toContain('4111');
      expect(text).not.toContain('SELECT *');
      expect(event.detail).not.toHaveProperty('sql');
    }
    const [, routed, denied, finished, failed, canceled] = everyEvent();
    expect(routed!.detail).toMatchObject({ target: 'adhoc', engine: 'athena', failedOver: ['etl'], clientTags: ['nightly', 'etl'], engineQueryId: 'exec-1' });
    expect(denied!.detail).toMatchObject({ deniedBy: 'access-rules', rule: 'no-orders', reason: 'User alice may not read tpch.tiny.orders', errorName: 'PERMISSION_DENIED' });
    expect(finished!.detail).toMatchObject({ durationMs: 4321, dataScannedBytes: 2 ** 40, costUsd: 5, rows: 1234, queuedMs: 12, clientSource: 'trino-jdbc' });
    expect(failed!.detail).toMatchObject({ errorName: 'TABLE_NOT_FOUND', errorType: 'USER_ERROR' });
    expect(failed!.detail).not.toHaveProperty('errorMessage');
    expect(canceled!.detail).toMatchObject({ reason: 'canceled by the client (DELETE)', errorName: 'USER_CANCELED' });
  });

  it('adds the statement (and error messages) only with includeSql, shortened when very long', () => {
    const withSql = { ...settings, includeSql: true };
    const [submitted, , , , failed] = everyEvent(withSql);
    expect(submitted!.detail).toMatchObject({ sql: SECRET_SQL });
    expect(failed!.detail.errorMessage).toContain('4111');
    const long = buildEvent.querySubmitted(withSql, record({ sql: 'SELECT 1 ' + '-'.repeat(100_000) }));
    expect((long.detail.sql as string).length).toBe(buildEvent.MAX_EVENT_SQL_CHARS);
    expect(long.detail.sqlTruncated).toBe(true);
    for (const event of everyEvent(withSql)) expect(schemaProblems(committed(detailSlug(event.detailType)), event.detail)).toEqual([]);
  });

  it('gives each happening one stable id: the same query and detail type always make the same eventId', () => {
    const a = buildEvent.queryEnded(settings, record({ state: 'FINISHED', endedAt: T0 + 10 }), T0 + 10)!;
    const b = buildEvent.queryEnded(settings, record({ state: 'FINISHED', endedAt: T0 + 10, statistics: { dataScannedBytes: 5 } }), T0 + 99)!;
    expect(a.detail.eventId).toBe(b.detail.eventId);
    expect(a.detail.eventId).toBe('prod:20250301_120000_00001_abcde:query-finished');
    const ids = everyEvent().map((e) => e.detail.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('tells refusals by routing and by the engine check from access-rule denials', () => {
    const routing = buildEvent.queryEnded(settings, record({ state: 'FAILED', error: queryError('QUERY_REJECTED', 'Query rejected by routing: no target admits alice') }), T0)!;
    expect(routing.detail).toMatchObject({ deniedBy: 'routing', reason: 'no target admits alice' });
    const engine = buildEvent.queryEnded(settings, record({ state: 'FAILED', error: queryError('PERMISSION_DENIED', 'Access Denied: x'), access: { crossCheck: { allowed: false, reason: 'the engine reads a.b.c, which the access check did not see' } } }), T0)!;
    expect(engine.detail).toMatchObject({ deniedBy: 'engine-check', reason: 'the engine reads a.b.c, which the access check did not see' });
  });
});
