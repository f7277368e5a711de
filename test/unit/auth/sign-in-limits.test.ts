import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressAttemptKey, nextWindow, recentFailures, userAttemptKey, waitMs } from '../../../lambdas/core/auth/sign-in-limits.js';
import type { FailureWindow } from '../../../lambdas/core/ports/index.js';
import { validUserName } from '../../../lambdas/core/auth/user-store.js';

const W = 60_000;

describe('the sliding window of failed sign-ins', () => {
  it('counts the current window fully and the previous one by its overlap', () => {
    const w: FailureWindow = { windowStart: 10 * W, failures: 4, previousFailures: 10 };
    expect(recentFailures(w, 10 * W, W)).toBe(14);
    expect(recentFailures(w, 10 * W + W / 2, W)).toBe(9);
    // Next window: this one becomes the previous.
    expect(recentFailures(w, 11 * W + W / 4, W)).toBe(3);
    expect(recentFailures(w, 12 * W, W)).toBe(0);
    expect(recentFailures(undefined, 0, W)).toBe(0);
  });

  it('rolls windows over as the stores do', () => {
    let w = nextWindow(undefined, 10 * W + 5, W);
    expect(w).toEqual({ windowStart: 10 * W, failures: 1, previousFailures: 0 });
    w = nextWindow(w, 10 * W + 9, W);
    expect(w).toEqual({ windowStart: 10 * W, failures: 2, previousFailures: 0 });
    w = nextWindow(w, 11 * W + 1, W);
    expect(w).toEqual({ windowStart: 11 * W, failures: 1, previousFailures: 2 });
    expect(nextWindow(w, 20 * W, W)).toEqual({ windowStart: 20 * W, failures: 1, previousFailures: 0 });
  });

  it('waits exactly until the estimate falls below the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 2 * W - 1 }), fc.integer({ min: 1, max: 20 }), (failures, previousFailures, elapsed, limit) => {
        const w = { windowStart: 100 * W, failures, previousFailures };
        const now = w.windowStart + elapsed;
        const wait = waitMs(w, now, W, limit);
        if (recentFailures(w, now, W) < limit) return wait === 0;
        return wait > 0 && recentFailures(w, now + wait, W) < limit && recentFailures(w, now + wait - 3, W) >= limit - 1e-9;
      }),
    );
    expect(waitMs({ windowStart: 0, failures: 100, previousFailures: 100 }, 0, W, 0)).toBe(0);
  });
});

describe('the keys failures are counted under', () => {
  it('are never user names, and hold no user name', () => {
    const key = userAttemptKey('alice:my-password-typed-in-the-wrong-field');
    expect(validUserName(key)).toBe(false);
    expect(key).not.toContain('alice');
    expect(userAttemptKey('alice')).not.toBe(userAttemptKey('Alice'));
    expect(validUserName(addressAttemptKey('192.0.2.1')!)).toBe(false);
  });

  it('take IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64, and nothing else', () => {
    expect(addressAttemptKey('192.0.2.1')).toBe('signin:addr:192.0.2.1');
    expect(addressAttemptKey('::ffff:192.0.2.1')).toBe('signin:addr:192.0.2.1');
    expect(addressAttemptKey('2001:db8:0:1::1')).toBe('signin:addr:2001:db8:0:1::/64');
    expect(addressAttemptKey('2001:DB8:0:1:ffff:ffff:ffff:ffff')).toBe('signin:addr:2001:db8:0:1::/64');
    expect(addressAttemptKey('2001:db8::1')).toBe('signin:addr:2001:db8:0:0::/64');
    expect(addressAttemptKey('fe80::1%eth0')).toBe('signin:addr:fe80:0:0:0::/64');
    expect(addressAttemptKey('::1')).toBe('signin:addr:0:0:0:0::/64');
    expect(addressAttemptKey(undefined)).toBeUndefined();
    expect(addressAttemptKey('not-an-address')).toBeUndefined();
    expect(addressAttemptKey('192.0.2.1, 198.51.100.2')).toBeUndefined();
  });
});
