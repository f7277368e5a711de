import { describe, expect, it } from 'vitest';
import { WaitingRoom } from '../../../lambdas/core/routing/waiting-room.js';

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
