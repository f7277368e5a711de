import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countStoreCalls, traceQuery, type StoreCallCounter } from '../../bench/store-calls.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/**
 * What a query costs in store calls, counted on the DynamoDB client of the local server (dynalite
 * stands in for DynamoDB; deployed, each call is a network round trip, paid for per request).
 */
let server: LocalServer;
let counter: StoreCallCounter;
const headers = { 'X-Trino-User': 'ann', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };

beforeAll(async () => {
  server = await startLocalServer({ gateway: { pollWaitMs: 0 }, sweepIntervalMs: 3_600_000 });
  counter = countStoreCalls(server.dynamo.client, server.dynamo.tables.queries);
  // The first query reads the run-time config once; the figures below are those of a warm gateway.
  await traceQuery(server.url, counter, 'SELECT 1', headers);
});
afterAll(async () => {
  await server?.close();
});

describe('store round trips of a query', () => {
  it('a short query: two sequential round trips on the POST, one per poll, and the end recorded once', async () => {
    const trace = await traceQuery(server.url, counter, 'SELECT 1', headers);
    expect(trace.state).toBe('FINISHED');
    expect(trace.post.roundTrips).toBeLessThanOrEqual(2);
    // The queue slot is taken and the item written with the engine's handle: no read, no count.
    expect(trace.post.commands).toEqual({ UpdateItem: 1, PutItem: 1 });
    // Every poll takes one round trip at most, the one that records the end included: it gives
    // the query's marked slot back alongside that write.
    for (const poll of trace.polls) expect(poll.roundTrips).toBeLessThanOrEqual(1);
    const ending = trace.polls.filter((p) => (p.commands.UpdateItem ?? 0) >= 2);
    expect(ending).toHaveLength(1);
    // Tracking gets the end only (no QUEUED or RUNNING events): a lookup, a read, a conditional
    // write; one call more when the poll's own write of the end lands between that read and that
    // write, which then fails and the statistics are added alone (a race a loaded machine shows).
    expect(trace.events.calls).toBeLessThanOrEqual(4);
    expect(trace.events.commands.Query ?? 0).toBeLessThanOrEqual(1);
    expect(trace.totalCalls).toBeLessThanOrEqual(10);
  });

  it('a paged result: no store write per page, and no COUNT query at all', async () => {
    const trace = await traceQuery(server.url, counter, 'SELECT * FROM orders', headers);
    expect(trace.rows).toBe(15_000);
    const writes = trace.polls.reduce((sum, p) => sum + (p.commands.UpdateItem ?? 0), 0);
    // RUNNING, FINISHED and the slot back: the pages themselves write nothing.
    expect(writes).toBeLessThanOrEqual(3);
    const queries = [trace.post, ...trace.polls].reduce((sum, p) => sum + (p.commands.Query ?? 0), 0);
    expect(queries).toBe(0);
  });
});
