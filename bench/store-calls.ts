import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Counts the store's DynamoDB calls per phase of a query, from the client's middleware: every
 * command the gateway, the tracking handler or the sweeper sends is seen here, whatever store
 * class sent it. A phase is what the driver is doing (the POST, the n-th poll); calls made by
 * tracking (Athena's events, the local engine's state changes) are told apart by their shape:
 * the lookup by engine id, writes carrying an event sequence, and statistics written afterwards.
 *
 * Sequential round trips: a call that starts while no other call of its phase is in flight
 * begins a new round trip; calls sent together (Promise.all) share one.
 */
export interface PhaseCounts {
  calls: number;
  roundTrips: number;
  commands: Record<string, number>;
}

export interface StoreCallCounter {
  /** Calls from now on count towards `name` (until the next phase). */
  phase(name: string): void;
  /** Counts per phase so far, `events` included. */
  counts(): Record<string, PhaseCounts>;
  reset(): void;
  /** Resolves once no call has been in flight for `ms` (tracking's deliveries arrive a little later), or after `timeoutMs`. */
  quiet(ms: number, timeoutMs?: number): Promise<void>;
}

export const EVENTS_PHASE = 'events';
/** Reads of the run-time config and access rules: once per instance every few seconds, not per query. */
export const CONFIG_PHASE = 'config';

/** `queriesTable`: calls to any other table (the run-time config) count in CONFIG_PHASE. */
export function countStoreCalls(client: DynamoDBClient, queriesTable?: string): StoreCallCounter {
  let current = 'idle';
  let counts: Record<string, PhaseCounts> = {};
  const inFlight = new Map<string, number>();
  let lastActivity = 0;
  // Tracking reads the item it just looked up by engine id: that read is tracking's too.
  const lookedUp = new Set<string>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = (args as { input?: Record<string, unknown> }).input ?? {};
      const key = (input.Key as { queryId?: unknown } | undefined)?.queryId;
      const trackingRead = context.commandName === 'GetItemCommand' && typeof key === 'string' && lookedUp.delete(key);
      const phase = trackingRead || isTrackingCall(input) ? EVENTS_PHASE : queriesTable && typeof input.TableName === 'string' && input.TableName !== queriesTable ? CONFIG_PHASE : current;
      const entry = (counts[phase] ??= { calls: 0, roundTrips: 0, commands: {} });
      entry.calls++;
      const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      entry.commands[name] = (entry.commands[name] ?? 0) + 1;
      if (!inFlight.get(phase)) entry.roundTrips++;
      inFlight.set(phase, (inFlight.get(phase) ?? 0) + 1);
      lastActivity = Date.now();
      try {
        const out = await next(args);
        if (input.IndexName === 'by-engine-id') {
          const items = (out as { output?: { Items?: Record<string, unknown>[] } }).output?.Items ?? [];
          for (const item of items) if (typeof item.queryId === 'string') lookedUp.add(item.queryId);
        }
        return out;
      } finally {
        inFlight.set(phase, inFlight.get(phase)! - 1);
        lastActivity = Date.now();
      }
    },
    { step: 'initialize', name: 'bifrostStoreCallCounter' },
  );
  return {
    phase(name) {
      current = name;
    },
    counts: () => structuredClone(counts),
    reset() {
      counts = {};
    },
    async quiet(ms, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      const busy = () => [...inFlight.values()].some((n) => n > 0) || Date.now() - lastActivity < ms;
      while (busy() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
    },
  };
}

/** Calls only tracking makes: the lookup of a query by its engine id, event-sequenced writes, late statistics. */
function isTrackingCall(input: Record<string, unknown>): boolean {
  if (typeof input.IndexName === 'string' && input.IndexName === 'by-engine-id') return true;
  const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  if (values && ':seq' in values) return true;
  return typeof input.UpdateExpression === 'string' && input.UpdateExpression.startsWith('SET statistics');
}

/** One query's store calls, phase by phase: its POST, each poll (in order), and tracking's. */
export interface QueryTrace {
  state: string;
  rows: number;
  post: PhaseCounts;
  polls: PhaseCounts[];
  events: PhaseCounts;
  /** Every store call of the query, events included (the run-time config's refresh not). */
  totalCalls: number;
  /** Reads of the run-time config made meanwhile (a refresh every few seconds per instance). */
  configCalls: number;
}

const none = (): PhaseCounts => ({ calls: 0, roundTrips: 0, commands: {} });

/**
 * Runs `sql` through the server's protocol with `fetch`, counting store calls per phase, then
 * waits until the store has been quiet for `settleMs` (the engine's state changes arrive a
 * little later, and are this query's).
 */
export async function traceQuery(url: string, counter: StoreCallCounter, sql: string, headers: Record<string, string>, settleMs = 400): Promise<QueryTrace> {
  // Whatever an earlier query still has under way (its end arriving through tracking) lands before this one starts.
  await counter.quiet(settleMs);
  counter.reset();
  counter.phase('post');
  let page = (await (await fetch(`${url}/v1/statement`, { method: 'POST', headers, body: sql })).json()) as { nextUri?: string; data?: unknown[]; stats: { state: string } };
  let rows = 0;
  let n = 0;
  while (page.nextUri) {
    counter.phase(`poll${n++}`);
    page = (await (await fetch(page.nextUri, { headers })).json()) as typeof page;
    rows += page.data?.length ?? 0;
  }
  counter.phase('settling');
  // The local engine's end arrives 50 ms after it happens; wait until tracking is done with it.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await counter.quiet(settleMs);
  const counts = counter.counts();
  const polls = Array.from({ length: n }, (_, i) => counts[`poll${i}`] ?? none());
  const configCalls = counts[CONFIG_PHASE]?.calls ?? 0;
  const total = Object.values(counts).reduce((sum, c) => sum + c.calls, 0) - configCalls;
  const events = counts[EVENTS_PHASE] ?? none();
  // Calls while settling that are not tracking's own shapes (its reads of the item) are tracking's too.
  const settling = counts.settling ?? none();
  return { state: page.stats.state, rows, post: counts.post ?? none(), polls, events: { calls: events.calls + settling.calls, roundTrips: events.roundTrips + settling.roundTrips, commands: { ...events.commands } }, totalCalls: total, configCalls };
}
