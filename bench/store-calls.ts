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
}

export const EVENTS_PHASE = 'events';

export function countStoreCalls(client: DynamoDBClient): StoreCallCounter {
  let current = 'idle';
  let counts: Record<string, PhaseCounts> = {};
  const inFlight = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = (args as { input?: Record<string, unknown> }).input ?? {};
      const phase = isTrackingCall(input) ? EVENTS_PHASE : current;
      const entry = (counts[phase] ??= { calls: 0, roundTrips: 0, commands: {} });
      entry.calls++;
      const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      entry.commands[name] = (entry.commands[name] ?? 0) + 1;
      if (!inFlight.get(phase)) entry.roundTrips++;
      inFlight.set(phase, (inFlight.get(phase) ?? 0) + 1);
      try {
        return await next(args);
      } finally {
        inFlight.set(phase, inFlight.get(phase)! - 1);
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
  /** Every store call of the query, events included. */
  totalCalls: number;
}

const none = (): PhaseCounts => ({ calls: 0, roundTrips: 0, commands: {} });

/**
 * Runs `sql` through the server's protocol with `fetch`, counting store calls per phase, then
 * waits `settleMs` for tracking (the engine's state changes arrive a little later).
 */
export async function traceQuery(url: string, counter: StoreCallCounter, sql: string, headers: Record<string, string>, settleMs = 400): Promise<QueryTrace> {
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
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const counts = counter.counts();
  const polls = Array.from({ length: n }, (_, i) => counts[`poll${i}`] ?? none());
  const total = Object.values(counts).reduce((sum, c) => sum + c.calls, 0);
  const events = counts[EVENTS_PHASE] ?? none();
  // Calls while settling that are not tracking's own shapes (its reads of the item) are tracking's too.
  const settling = counts.settling ?? none();
  return { state: page.stats.state, rows, post: counts.post ?? none(), polls, events: { calls: events.calls + settling.calls, roundTrips: events.roundTrips + settling.roundTrips, commands: { ...events.commands } }, totalCalls: total };
}
