/**
 * Store calls of a query, counted on the DynamoDB client of the local server (dynalite stands in
 * for DynamoDB; deployed, each call is a network round trip, paid for per request): per phase
 * (the POST, each poll, tracking), with the sequential round trips of each. Counts, not times:
 * they do not depend on the machine's load, so one pass over many queries gives exact figures.
 */
import type { BenchResult } from './run.js';
import { countStoreCalls, traceQuery, type QueryTrace } from './store-calls.js';
import { startLocalServer } from '../lambdas/local/server.js';

const SHORT_QUERIES = 30;
const headers = { 'X-Trino-User': 'bench', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const max = (values: number[]) => Math.max(...values);

/** The poll that records the end writes it and gives the queue slot back alongside: told apart from the others. */
function ending(trace: QueryTrace): number {
  return trace.polls.findIndex((p) => (p.commands.UpdateItem ?? 0) > 0 && p === trace.polls.filter((q) => (q.commands.UpdateItem ?? 0) > 0).at(-1));
}

export default async function bench(): Promise<BenchResult> {
  const server = await startLocalServer({ gateway: { pollWaitMs: 0 }, sweepIntervalMs: 3_600_000 });
  try {
    const counter = countStoreCalls(server.dynamo.client, server.dynamo.tables.queries);
    // Warm: the run-time config is read once per instance.
    await traceQuery(server.url, counter, 'SELECT 1', headers);
    const traces: QueryTrace[] = [];
    for (let i = 0; i < SHORT_QUERIES; i++) traces.push(await traceQuery(server.url, counter, `SELECT ${i} AS n`, headers));
    const otherPolls = traces.flatMap((t) => t.polls.filter((_, i) => i !== ending(t)));
    const endingPolls = traces.map((t) => t.polls[ending(t)]).filter((p) => p !== undefined);
    const paged = await traceQuery(server.url, counter, 'SELECT * FROM orders', headers);
    const figures = {
      shortQueries: SHORT_QUERIES,
      postCallsMax: max(traces.map((t) => t.post.calls)),
      postRoundTripsMax: max(traces.map((t) => t.post.roundTrips)),
      pollRoundTripsMax: max(otherPolls.map((p) => p.roundTrips)),
      pollCallsMedian: median(otherPolls.map((p) => p.calls)),
      endingPollRoundTripsMax: endingPolls.length ? max(endingPolls.map((p) => p.roundTrips)) : 0,
      trackingCallsMax: max(traces.map((t) => t.events.calls)),
      totalCallsMedian: median(traces.map((t) => t.totalCalls)),
      totalCallsMax: max(traces.map((t) => t.totalCalls)),
      pagedRows: paged.rows,
      pagedPolls: paged.polls.length,
      pagedTotalCalls: paged.totalCalls,
      postCommands: JSON.stringify(traces.at(-1)!.post.commands),
      configRefreshCalls: traces.reduce((sum, t) => sum + t.configCalls, 0),
    };
    return {
      title: `Store calls per query on the local server: ${SHORT_QUERIES} short queries (SELECT n) and one 15,000-row paged result, counted on the DynamoDB client per phase, tracking's calls included`,
      figures,
      targets: [
        { name: 'at most 2 sequential store round trips on the POST', met: figures.postRoundTripsMax <= 2, detail: `${figures.postRoundTripsMax} at most (${figures.postCommands}); besides, a POST that finds the instance's copy of the run-time config and access rules older than 5 s reads it first (${figures.configRefreshCalls} such reads over the run, counted apart)` },
        { name: 'at most 1 store round trip per poll', met: figures.pollRoundTripsMax <= 1 && figures.endingPollRoundTripsMax <= 1, detail: `${figures.pollRoundTripsMax} at most on the polls, ${figures.endingPollRoundTripsMax} on the one that records the end: the query's marked queue slot goes back alongside that write (the mark makes the release happen once)` },
        { name: 'at most 8 store calls from submit to the final answer, tracking included', met: figures.totalCallsMax <= 8, detail: `median ${figures.totalCallsMedian}, max ${figures.totalCallsMax}` },
      ],
    };
  } finally {
    await server.close();
  }
}
