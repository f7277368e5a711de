import type { QueryExtras, QuerySummary } from '../ports/index.js';
import { current, type AdminContext, type Handler } from './context.js';
import { json, queryNumber } from './responses.js';

interface Bucket {
  at: number;
  queries: number;
  failed: number;
}

/** GET /stats: the dashboard's queries per target over time, usage by user and group, and queue depth. */
export const stats: Handler = async (ctx, request) => {
  const to = queryNumber(request, 'to') ?? ctx.now();
  const from = Math.min(queryNumber(request, 'from') ?? to - 6 * 3_600_000, to);
  const { effective } = await current(ctx);
  const bucketMs = Math.max(60_000, Math.ceil((to - from) / 24 / 60_000) * 60_000);
  const perTarget: { target: string; buckets: Bucket[] }[] = [];
  const all: QuerySummary[] = [];
  for (const target of Object.keys(effective.targets)) {
    const items = await targetQueries(ctx, target, from, to);
    all.push(...items);
    perTarget.push({ target, buckets: bucketsOf(items, from, to, bucketMs) });
  }
  const byUser = aggregate(all, (i) => [i.user]);
  const { byGroup, groupsUnrecorded } = await usageByGroup(ctx, all);
  const depth = await depthSeries(ctx, Object.keys(effective.targets), from, to);
  return json(200, { from, to, bucketMs, perTarget, byUser: byUser.map(({ key, ...rest }) => ({ user: key, ...rest })), byGroup, groupsUnrecorded, depth });
};

/** At most 1,000 queries a target: the dashboard shows a trend, not an invoice. */
async function targetQueries(ctx: AdminContext, target: string, from: number, to: number): Promise<QuerySummary[]> {
  const items: QuerySummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.deps.history.byTarget(target, { from, to, limit: 200, ...(cursor ? { cursor } : {}) }, ctx.now());
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor && items.length < 1_000);
  return items;
}

/** Queries and failures per bucket of the window, empty buckets included. */
function bucketsOf(items: QuerySummary[], from: number, to: number, bucketMs: number): Bucket[] {
  const buckets = new Map<number, Bucket>();
  for (let at = from - (from % bucketMs); at <= to; at += bucketMs) buckets.set(at, { at, queries: 0, failed: 0 });
  for (const item of items) {
    const bucket = buckets.get(item.createdAt - (item.createdAt % bucketMs));
    if (!bucket) continue;
    bucket.queries++;
    if (item.state === 'FAILED') bucket.failed++;
  }
  return [...buckets.values()];
}

/**
 * Each query counts for the groups its user had when it ran, recorded on the item: a group
 * joined later takes none of the earlier queries. Items from before groups were recorded count for none.
 */
async function usageByGroup(ctx: AdminContext, all: QuerySummary[]) {
  const extras = all.length ? await ctx.deps.history.extras(all.map((i) => i.queryId)) : new Map<string, QueryExtras>();
  let groupsUnrecorded = 0;
  const groupsAtSubmit = (i: QuerySummary) => {
    const groups = extras.get(i.queryId)?.groups;
    if (!groups) groupsUnrecorded++;
    return groups ?? [];
  };
  const byGroup = aggregate(all, groupsAtSubmit).map(({ key, ...rest }) => ({ group: key, ...rest }));
  return { byGroup, groupsUnrecorded };
}

/** Queue depth per target over the window: the sweeper's samples, and now when the window reaches it. */
async function depthSeries(ctx: AdminContext, targets: string[], from: number, to: number) {
  const samples = ctx.deps.depthSamples ? await ctx.deps.depthSamples.list(from, to) : [];
  const t = ctx.now();
  if (to >= t - 60_000) samples.push({ at: t, depths: Object.fromEntries(await Promise.all(targets.map(async (name) => [name, await ctx.deps.depths.depth(name)] as const))) });
  return targets.map((target) => ({ target, samples: samples.flatMap((s) => (s.depths[target] ? [{ at: s.at, queued: s.depths[target]!.queued, running: s.depths[target]!.running }] : [])) }));
}

function aggregate(items: QuerySummary[], keys: (i: QuerySummary) => string[]) {
  const out = new Map<string, { key: string; queries: number; failed: number; dataScannedBytes: number; costUsd: number }>();
  for (const item of items) {
    for (const key of keys(item)) {
      const row = out.get(key) ?? { key, queries: 0, failed: 0, dataScannedBytes: 0, costUsd: 0 };
      row.queries++;
      if (item.state === 'FAILED') row.failed++;
      row.dataScannedBytes += item.statistics?.dataScannedBytes ?? 0;
      row.costUsd += item.costUsd ?? 0;
      out.set(key, row);
    }
  }
  return [...out.values()].sort((a, b) => b.queries - a.queries);
}
