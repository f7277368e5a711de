import type { TargetSlots } from '../ports/index.js';
import { compareArrival } from './queueing.js';

/**
 * Where this instance holds the polls of queries waiting at the gateway. A poll that found every
 * target full waits here for up to the waiting hold (gateway.waitingPollWaitMs, longer than a
 * running query's poll: a waiting client then costs fewer round trips and fewer routings), and is
 * woken early in two ways:
 *
 * - `freed`: this instance gave a slot back on one of its targets (a query it served ended). One
 *   poll is woken per slot, the earliest arrival first: a freed slot never sets off the whole line.
 * - the re-check: slots given back elsewhere (deployed, by other Lambda instances, each of which
 *   holds one poll) are found by reading the slot counters every `recheckMs` (gateway.pollWaitMs)
 *   while polls are held: ONE read of the counters of every target waited on, for all the polls
 *   held here, so its cost does not grow with their number. It wakes at most as many polls,
 *   earliest arrival first, as their targets have free slots.
 *
 * A woken poll routes again (a conditional take): a wake is a hint, never a slot.
 */
export type Wake = 'released' | 'free';

interface Held {
  createdAt: number;
  queryId: string;
  targets: readonly string[];
  wake: (why: Wake) => void;
}

/** What the re-check reads: the counters, and each target's limit as routing sees it now. */
export interface SlotCounters {
  slots: Pick<TargetSlots, 'read'>;
  /** Undefined: the target takes no query now (unknown, draining, disabled). */
  queueLimit(target: string): Promise<number | undefined>;
}

export interface WaitingRoomOptions {
  /** How long a waiting query's poll is held (gateway.waitingPollWaitMs). */
  holdMs?: number;
  /** How often the counters are read while polls are held (gateway.pollWaitMs). */
  recheckMs?: number;
  /** Without them, nothing finds slots given back elsewhere: polls are held only `recheckMs`. */
  counters?: SlotCounters;
}

export class WaitingRoom {
  private held: Held[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private checking = false;
  private readonly holdMs: number;
  private readonly recheckMs: number;
  private readonly counters: SlotCounters | undefined;

  constructor(options: WaitingRoomOptions = {}) {
    this.recheckMs = options.recheckMs ?? 0;
    this.holdMs = Math.max(options.holdMs ?? 0, this.recheckMs);
    this.counters = options.counters;
  }

  /**
   * How long to hold this query's poll: the waiting hold when the re-check can find its slots,
   * else the re-check interval (a poll then has to route again to find them, as before). A
   * re-check interval of 0 (polls not held at all) holds nothing.
   */
  holdMsFor(query: { waitingOn?: readonly string[] }): number {
    return this.counters && this.recheckMs > 0 && query.waitingOn?.length ? this.holdMs : this.recheckMs;
  }

  /** Holds a waiting query's poll for up to `ms`; false when the hold ran out, else what woke it. */
  hold(query: { queryId: string; createdAt: number; waitingOn?: readonly string[] }, ms: number): Promise<Wake | false> {
    return new Promise((resolve) => {
      const entry: Held = {
        createdAt: query.createdAt,
        queryId: query.queryId,
        targets: query.waitingOn ?? [],
        wake: (why) => {
          clearTimeout(timer);
          resolve(why);
        },
      };
      const timer = setTimeout(() => {
        this.remove(entry);
        resolve(false);
      }, ms);
      this.held.push(entry);
      this.schedule();
    });
  }

  /** A slot of `target` was given back here: wake the earliest held poll waiting for it. */
  freed(target: string): void {
    let first: Held | undefined;
    for (const h of this.held) {
      if (h.targets.length && !h.targets.includes(target)) continue;
      if (!first || compareArrival(h, first) < 0) first = h;
    }
    if (!first) return;
    this.remove(first);
    first.wake('released');
  }

  /**
   * One read of the counters of every target the held polls wait for; wakes, earliest arrival
   * first, at most as many polls as those targets have free slots. Returns how many it woke.
   */
  async recheck(): Promise<number> {
    const counters = this.counters;
    const targets = [...new Set(this.held.flatMap((h) => h.targets))];
    if (!counters || !targets.length) return 0;
    this.checking = true;
    let woken = 0;
    try {
      const [counts, limits] = await Promise.all([counters.slots.read(targets), Promise.all(targets.map((t) => counters.queueLimit(t)))]);
      const free = new Map<string, number>();
      targets.forEach((t, i) => {
        const limit = limits[i];
        const count = counts.get(t);
        free.set(t, limit !== undefined && count ? Math.max(0, limit - count.active) : 0);
      });
      for (const h of [...this.held].sort(compareArrival)) {
        const target = h.targets.find((t) => free.get(t)! > 0);
        if (target === undefined) continue;
        free.set(target, free.get(target)! - 1);
        this.remove(h);
        h.wake('free');
        woken++;
      }
    } catch {
      // Nobody is woken: the holds run out and their polls route again, as without a re-check.
    } finally {
      this.checking = false;
      this.schedule();
    }
    return woken;
  }

  get size(): number {
    return this.held.length;
  }

  /** One timer for the whole room, running only while a poll it can re-check is held. */
  private schedule(): void {
    if (this.timer || this.checking || !this.counters || this.recheckMs <= 0 || !this.held.some((h) => h.targets.length)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.recheck();
    }, this.recheckMs);
  }

  private remove(entry: Held): void {
    this.held = this.held.filter((h) => h !== entry);
    if (this.timer && !this.held.some((h) => h.targets.length)) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
