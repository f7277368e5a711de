import type { HistoryQuery } from '../ports/index.js';

export const DEFAULT_HISTORY_WINDOW_MS = 24 * 3_600_000;
export const DEFAULT_HISTORY_LIMIT = 50;
export const MAX_HISTORY_LIMIT = 200;

/**
 * A complete history query from what the admin API was given: the last day by default, at most
 * MAX_HISTORY_LIMIT items a page, `from` never after `to`.
 */
export function historyQuery(input: { from?: number | undefined; to?: number | undefined; limit?: number | undefined; cursor?: string | undefined }, now: number): HistoryQuery {
  const to = finite(input.to) ?? now;
  const from = Math.min(finite(input.from) ?? to - DEFAULT_HISTORY_WINDOW_MS, to);
  const limit = Math.min(Math.max(Math.trunc(finite(input.limit) ?? DEFAULT_HISTORY_LIMIT), 1), MAX_HISTORY_LIMIT);
  return { from, to, limit, ...(input.cursor ? { cursor: input.cursor } : {}) };
}

function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** Whether an item's retention has passed (`expiresAt` is epoch seconds, as DynamoDB's TTL wants). */
export function isExpired(expiresAt: number | undefined, now: number): boolean {
  return expiresAt !== undefined && expiresAt * 1000 <= now;
}
