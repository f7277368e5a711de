import { afterEach, describe, expect, it, vi } from 'vitest';
import { WaitingRoom, type SlotCounters } from '../../../lambdas/core/routing/waiting-room.js';

describe('the waiting room', () => {
  it('wakes one held poll per freed slot, the earliest arrival first, and only for its targets', async () => {
    const room = new WaitingRoom();
    const woken: string[] = [];
    const hold = (queryId: string, createdAt: number, waitingOn: string[]) => room.hold({ queryId, createdAt, waitingOn }, 5_000).then((w) => w && woken.push(queryId));
    const late = hold('q3', 30, ['a']);
    const early = hold('q1', 10, ['a']);
    const other = hold('q2', 20, ['b']);
    room.freed('a');
    await early;
    expect(woken).toEqual(['q1']);
    room.freed('b');
    await other;
    room.freed('a');
    await late;
    expect(woken).toEqual(['q1', 'q2', 'q3']);
    expect(room.size).toBe(0);
  });

  it('lets a hold run out when no slot is freed, and a freed slot with nobody held changes nothing', async () => {
    const room = new WaitingRoom();
    room.freed('a');
    expect(await room.hold({ queryId: 'q1', createdAt: 1, waitingOn: ['a'] }, 20)).toBe(false);
    expect(room.size).toBe(0);
  });
});

/** Counters every target of which takes `limits[t]` queries (none when absent), `active[t]` taken; reads are recorded. */
function fakeCounters(limits: Record<string, number>, active: Record<string, number>) {
  const reads: string[][] = [];
  const counters: SlotCounters = {
    slots: {
      read: async (targets) => {
        reads.push([...targets]);
        return new Map(targets.map((t) => [t, { active: active[t] ?? 0, waiting: {} }]));
      },
    },
    queueLimit: async (t) => limits[t],
  };
  return { reads, counters };
}

/** What a hold resolved with, or 'held' while it is still held (a settled hold wins the race). */
const outcome = <T>(hold: Promise<T>) => Promise.race([hold, Promise.resolve('held' as const)]);

describe('the re-check of the waiting room', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the counters once per interval for all the polls it holds, and stops when none is held', async () => {
    vi.useFakeTimers();
    const { reads, counters } = fakeCounters({ a: 2, b: 2 }, { a: 2, b: 2 });
    const room = new WaitingRoom({ holdMs: 5_000, recheckMs: 1_000, counters });
    expect(room.holdMsFor({ waitingOn: ['a'] })).toBe(5_000);
    const holds = Array.from({ length: 60 }, (_, i) => room.hold({ queryId: `q${i}`, createdAt: i, waitingOn: [i % 2 ? 'a' : 'b'] }, 5_000));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reads).toEqual([['b', 'a']]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(reads).toHaveLength(4);
    // Every target full: the holds run out, and with them the re-check.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await Promise.all(holds)).toEqual(Array(60).fill(false));
    expect(room.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    const after = reads.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads).toHaveLength(after);
  });

  it('wakes no more polls than their targets have free slots, the earliest arrivals first', async () => {
    vi.useFakeTimers();
    const { counters } = fakeCounters({ a: 5, b: 1, c: 3 }, { a: 3, b: 1, c: 0 });
    const room = new WaitingRoom({ holdMs: 5_000, recheckMs: 1_000, counters });
    const hold = (queryId: string, createdAt: number, waitingOn: string[]) => room.hold({ queryId, createdAt, waitingOn }, 5_000);
    const held = { late: hold('q5', 50, ['a']), first: hold('q1', 10, ['a']), onB: hold('q0', 1, ['b']), third: hold('q3', 30, ['a']), second: hold('q2', 20, ['b', 'a']), unknown: hold('q9', 5, ['d']) };
    await vi.advanceTimersByTimeAsync(1_000);
    // Two free on 'a' (5 - 3), none on 'b', 'd' unknown: q1 and q2 (through 'a'), not q3, q5, q0 or q9.
    expect(await outcome(held.first)).toBe('free');
    expect(await outcome(held.second)).toBe('free');
    for (const h of [held.third, held.late, held.onB, held.unknown]) expect(await outcome(h)).toBe('held');
    expect(room.size).toBe(4);
    room.freed('b');
    expect(await outcome(held.onB)).toBe('released');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('wakes nobody when the read fails, and reads again an interval later', async () => {
    vi.useFakeTimers();
    let fail = true;
    const { reads, counters } = fakeCounters({ a: 1 }, { a: 0 });
    const read = counters.slots.read;
    counters.slots.read = async (targets) => {
      if (fail) throw new Error('throttled');
      return read(targets);
    };
    const room = new WaitingRoom({ holdMs: 5_000, recheckMs: 1_000, counters });
    const held = room.hold({ queryId: 'q1', createdAt: 1, waitingOn: ['a'] }, 5_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await outcome(held)).toBe('held');
    fail = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await held).toBe('free');
    expect(reads).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('holds a poll only the re-check interval when it cannot look for its slots, and nothing when polls are not held', () => {
    const { counters } = fakeCounters({}, {});
    expect(new WaitingRoom({ holdMs: 5_000, recheckMs: 1_000 }).holdMsFor({ waitingOn: ['a'] })).toBe(1_000);
    expect(new WaitingRoom({ holdMs: 5_000, recheckMs: 1_000, counters }).holdMsFor({})).toBe(1_000);
    expect(new WaitingRoom({ holdMs: 5_000, recheckMs: 0, counters }).holdMsFor({ waitingOn: ['a'] })).toBe(0);
    // Never shorter than a running query's poll.
    expect(new WaitingRoom({ holdMs: 500, recheckMs: 1_000, counters }).holdMsFor({ waitingOn: ['a'] })).toBe(1_000);
  });
});
