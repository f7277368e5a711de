import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { FailureWindow, SignInAttemptStore } from '../ports/index.js';

export interface FailureLimit {
  /** Failures within the window after which attempts are refused unchecked; 0: no limit. */
  maxFailures: number;
  windowSeconds: number;
}

/** Failures in the last `windowMs` as the sliding window estimates them. */
export function recentFailures(window: FailureWindow | undefined, now: number, windowMs: number): number {
  if (!window) return 0;
  const elapsed = now - window.windowStart;
  if (elapsed < windowMs) return window.previousFailures * (1 - Math.max(0, elapsed) / windowMs) + window.failures;
  if (elapsed < 2 * windowMs) return window.failures * (1 - (elapsed - windowMs) / windowMs);
  return 0;
}

/** Milliseconds until the estimate drops below the limit; 0 when it is below already. */
export function waitMs(window: FailureWindow | undefined, now: number, windowMs: number, maxFailures: number): number {
  if (!window || maxFailures <= 0 || recentFailures(window, now, windowMs) < maxFailures) return 0;
  const elapsed = now - window.windowStart;
  // While in the counting window with fewer than the limit of its own, the previous window's
  // share decays first; otherwise this window's failures decay through the next one.
  const below = elapsed < windowMs && window.failures < maxFailures ? windowMs * (1 - (maxFailures - window.failures) / window.previousFailures) : windowMs * (2 - maxFailures / window.failures);
  return Math.max(1, Math.ceil(below - elapsed) + 1);
}

/** The message of a refusal for too many failures: says when to come back, not who is limited. */
export function tooManyFailuresMessage(seconds: number): string {
  return `Access Denied: Too many failed sign-in attempts; wait ${seconds} second${seconds === 1 ? '' : 's'} and try again`;
}

/** Never a user name: a user name cannot contain ':'. */
const ADDRESS_PREFIX = 'signin:addr:';
const USER_PREFIX = 'signin:user:';

export function userAttemptKey(user: string): string {
  return USER_PREFIX + createHash('sha256').update(user, 'utf8').digest('base64url');
}

/**
 * The key of a client address: IPv4 as is, IPv6 by its /64 (one subscriber commonly has a whole
 * /64 to pick addresses from). Undefined for anything that is not an IP address.
 */
export function addressAttemptKey(address: string | undefined): string | undefined {
  if (!address) return undefined;
  let a = address.trim().toLowerCase();
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  if (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4) a = a.slice(7);
  const version = isIP(a);
  if (version === 4) return ADDRESS_PREFIX + a;
  if (version === 6) return `${ADDRESS_PREFIX}${ipv6Prefix64(a)}::/64`;
  return undefined;
}

function ipv6Prefix64(address: string): string {
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return all
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':');
}

export interface SignInLimits {
  perAddress: FailureLimit;
  perUser: FailureLimit;
}

export interface LimitCheck {
  /** Milliseconds to wait before trying again; 0 when the attempt may go ahead. */
  waitMs: number;
  /** Which limit was reached (for the log). */
  limitedBy?: 'address' | 'user';
  /** Whether the user name has failures counted (a success then clears them). */
  userHasFailures: boolean;
}

export interface SignInLimiter {
  check(address: string | undefined, user: string, now: number): Promise<LimitCheck>;
  /** Counts a failure against the address and the user name; returns the larger estimate after it. */
  fail(address: string | undefined, user: string, now: number): Promise<number>;
  /**
   * What this instance already knows (from its own checks and counts, without a read): the wait
   * of an address or name it saw reach its limit. For attempts answered without the store (a
   * remembered password), so that a limited client cannot test guesses against that memory.
   */
  knownWait(address: string | undefined, user: string, now: number): LimitCheck;
}

const MAX_KNOWN = 10_000;

export function signInLimiter(store: SignInAttemptStore, limits: SignInLimits): SignInLimiter {
  const addressMs = limits.perAddress.windowSeconds * 1000;
  const userMs = limits.perUser.windowSeconds * 1000;
  // Addresses without a limit are not counted; names always are, so that a success clears them whatever the limit.
  const countAddresses = limits.perAddress.maxFailures > 0;
  const known = new Map<string, number>();

  function remember(key: string, wait: number, now: number): void {
    if (wait <= 0) return;
    if (known.size >= MAX_KNOWN) known.delete(known.keys().next().value!);
    known.set(key, now + wait);
  }

  function verdict(byAddress: number, byUser: number, userHasFailures: boolean): LimitCheck {
    const wait = Math.max(byAddress, byUser);
    return { waitMs: wait, ...(wait > 0 ? { limitedBy: byAddress >= byUser ? ('address' as const) : ('user' as const) } : {}), userHasFailures };
  }

  return {
    async check(address, user, now) {
      const addressKey = countAddresses ? addressAttemptKey(address) : undefined;
      const userKey = userAttemptKey(user);
      const [userWindow, addressWindow] = await store.failureWindows(addressKey ? [userKey, addressKey] : [userKey]);
      const byAddress = waitMs(addressWindow, now, addressMs, limits.perAddress.maxFailures);
      const byUser = waitMs(userWindow, now, userMs, limits.perUser.maxFailures);
      if (addressKey) remember(addressKey, byAddress, now);
      remember(userKey, byUser, now);
      return verdict(byAddress, byUser, recentFailures(userWindow, now, userMs) > 0);
    },

    async fail(address, user, now) {
      const addressKey = countAddresses ? addressAttemptKey(address) : undefined;
      const userKey = userAttemptKey(user);
      const [userWindow, addressWindow] = await Promise.all([store.countFailure(userKey, now, userMs), addressKey ? store.countFailure(addressKey, now, addressMs) : undefined]);
      if (addressKey) remember(addressKey, waitMs(addressWindow, now, addressMs, limits.perAddress.maxFailures), now);
      remember(userKey, waitMs(userWindow, now, userMs, limits.perUser.maxFailures), now);
      return Math.max(recentFailures(userWindow, now, userMs), recentFailures(addressWindow, now, addressMs));
    },

    knownWait(address, user, now) {
      const left = (key: string | undefined) => {
        const until = key === undefined ? undefined : known.get(key);
        if (until === undefined) return 0;
        if (until <= now) known.delete(key!);
        return Math.max(0, until - now);
      };
      return verdict(countAddresses ? left(addressAttemptKey(address)) : 0, left(userAttemptKey(user)), false);
    },
  };
}

/** The window after one more failure, for stores that update in place (the in-memory one). */
export function nextWindow(window: FailureWindow | undefined, now: number, windowMs: number): FailureWindow {
  const start = Math.floor(now / windowMs) * windowMs;
  if (window && window.windowStart >= start) return { ...window, failures: window.failures + 1 };
  if (window && window.windowStart >= start - windowMs) return { windowStart: start, failures: 1, previousFailures: window.failures };
  return { windowStart: start, failures: 1, previousFailures: 0 };
}
