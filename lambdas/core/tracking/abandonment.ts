/**
 * When a query may be called abandoned. A poll records the client's presence (lastPollAt) at
 * most once per touch interval, and only when the client polls: so the recorded last poll of a
 * client that is still polling can be as old as
 *
 *     touch interval + longest poll hold + the client's own pause between polls
 *
 * (the poll that would record again comes one poll later than the interval, and each poll is held
 * up to the poll wait, or, while its query waits at the gateway, the longer waiting poll wait).
 * The client timeout must exceed that with a margin of one more touch
 * interval (a touch is best effort: one may be lost), or the sweeper ends queries whose clients
 * are still polling. The config refuses a shorter timeout, and the sweeper never uses one.
 */

/** The gateway's touch interval (GatewayConfig.pollTouchIntervalMs by default): one write per interval. */
export const POLL_TOUCH_INTERVAL_MS = 30_000;

/** How long a client may itself wait between receiving a page and asking for the next one. */
export const CLIENT_POLL_PAUSE_MS = 15_000;

export interface PollTiming {
  /** How often a poll records the client's presence. */
  pollTouchIntervalMs: number;
  /** How long a poll may be held (gateway.pollWaitMs). */
  pollWaitMs: number;
  /** How long a poll of a query waiting at the gateway may be held (gateway.waitingPollWaitMs). */
  waitingPollWaitMs: number;
}

/** The longest a poll may be held, waiting or running. */
export function longestPollHoldMs(timing: PollTiming): number {
  return Math.max(timing.pollWaitMs, timing.waitingPollWaitMs);
}

/** The oldest the recorded last poll of a client that still polls can be. */
export function livePollAgeMs(timing: PollTiming): number {
  return timing.pollTouchIntervalMs + longestPollHoldMs(timing) + CLIENT_POLL_PAUSE_MS;
}

/** The shortest client timeout that never sees a polling client as gone (rounded up to the second). */
export function minimumClientTimeoutMs(timing: PollTiming): number {
  return Math.ceil((livePollAgeMs(timing) + timing.pollTouchIntervalMs) / 1000) * 1000;
}
