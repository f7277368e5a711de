import { createHmac, randomBytes } from 'node:crypto';
import type { Logger } from '../gateway.js';
import type { Principal } from '../ports.js';
import { BASIC_CHALLENGE, type Attempt, type AuthMethod } from './chain.js';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword, type ScryptParams } from './password-hash.js';
import { validUserName, type UserStore } from './user-store.js';

export interface PasswordPolicy {
  lockout: {
    /** Failed attempts after which the account locks; 0 never locks. */
    maxFailures: number;
    lockSeconds: number;
    /** Failures older than this are forgotten. */
    windowSeconds: number;
  };
  /** A failed attempt is answered after initialDelayMs * 2^(failures-1), capped at maxDelayMs. */
  slowdown: { initialDelayMs: number; maxDelayMs: number };
  /**
   * How long a verified user name and password are remembered by this instance, so that polls
   * (clients send the password with every request) cost no scrypt and no read; 0 disables.
   * A password change or a disabled user takes effect in other instances after at most this long.
   */
  cacheSeconds: number;
}

export const DEFAULT_PASSWORD_POLICY: Readonly<PasswordPolicy> = Object.freeze({
  lockout: Object.freeze({ maxFailures: 10, lockSeconds: 900, windowSeconds: 900 }),
  slowdown: Object.freeze({ initialDelayMs: 250, maxDelayMs: 4_000 }),
  cacheSeconds: 60,
});

export interface PasswordMethodDeps {
  store: UserStore;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: Logger;
  /** Parameters of the decoy hash checked for unknown users, so they take as long as known ones. */
  decoyParams?: ScryptParams;
}

/** The one answer to every refused password: which part was wrong is for the log only. */
export const INVALID_CREDENTIALS = 'Access Denied: Invalid credentials';
const MAX_PASSWORD_LENGTH = 1024;
const MAX_CACHE_ENTRIES = 10_000;

export function failureDelay(failures: number, slowdown: PasswordPolicy['slowdown']): number {
  if (failures <= 0 || slowdown.initialDelayMs <= 0) return 0;
  return Math.min(slowdown.maxDelayMs, slowdown.initialDelayMs * 2 ** Math.min(failures - 1, 30));
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** HTTP Basic user name and password, checked against the user store's scrypt hashes. */
export function passwordMethod(policy: PasswordPolicy, deps: PasswordMethodDeps): AuthMethod {
  const clock = deps.clock ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const cache = new CredentialCache(policy.cacheSeconds * 1000);
  let decoy: Promise<string> | undefined;
  const decoyHash = () => (decoy ??= hashPassword(randomBytes(24).toString('base64'), deps.decoyParams ?? DEFAULT_SCRYPT));

  async function refuse(failures: number, reason: string, user: string): Promise<Attempt> {
    const delay = failureDelay(failures, policy.slowdown);
    if (delay > 0) await sleep(delay);
    return { kind: 'refused', message: INVALID_CREDENTIALS, reason, user };
  }

  return {
    type: 'password',
    challenges: [BASIC_CHALLENGE],
    async attempt(_request, presented) {
      if (presented.kind !== 'basic') return { kind: 'absent' };
      const { user, password } = presented;
      if (password === undefined) return { kind: 'refused', message: INVALID_CREDENTIALS, reason: 'no password sent', user };
      if (password.length > MAX_PASSWORD_LENGTH) return { kind: 'refused', message: INVALID_CREDENTIALS, reason: 'password too long', user };
      const now = clock();
      const cached = cache.get(user, password, now);
      if (cached) return { kind: 'accepted', principal: cached };
      const record = validUserName(user) ? await deps.store.get(user) : undefined;
      // A locked account is refused before any hashing: a locked-out guesser costs no CPU.
      if (record?.lockedUntil !== undefined && record.lockedUntil > now) return { kind: 'refused', message: INVALID_CREDENTIALS, reason: 'account locked', user };
      const usable = record !== undefined && !record.disabled && record.passwordHash !== undefined;
      const matches = await verifyPassword(password, usable ? record.passwordHash! : await decoyHash());
      if (!record) return refuse(1, 'unknown user', user);
      if (record.disabled) return refuse(1, 'user disabled', user);
      if (!usable) return refuse(1, 'user has no password', user);
      if (!matches) {
        const failures = (await deps.store.recordFailure(user, now, now - policy.lockout.windowSeconds * 1000)) ?? 1;
        let reason = `wrong password (${failures} recent failures)`;
        if (policy.lockout.maxFailures > 0 && failures >= policy.lockout.maxFailures) {
          await deps.store.lock(user, now + policy.lockout.lockSeconds * 1000);
          reason += `; locked for ${policy.lockout.lockSeconds} s`;
        }
        return refuse(failures, reason, user);
      }
      if (record.failedAttempts > 0 || record.lockedUntil !== undefined) await deps.store.resetFailures(user);
      const principal: Principal = { user: record.name, groups: [...record.groups], method: 'password' };
      cache.set(user, password, principal, now);
      return { kind: 'accepted', principal };
    },
  };
}

/** Groups of a user from the store, for someone impersonating them; none when disabled or unknown. */
export function storeGroups(store: UserStore): (user: string) => Promise<string[]> {
  return async (user) => {
    if (!validUserName(user)) return [];
    const record = await store.get(user);
    return record && !record.disabled ? [...record.groups] : [];
  };
}

/**
 * Verified credentials, keyed by an HMAC of name and password under a key that lives only in this
 * process: the cache holds no password and no hash anyone could test guesses against.
 */
class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(private readonly ttlMs: number) {}

  private id(user: string, password: string): string {
    return createHmac('sha256', this.key).update(JSON.stringify([user, password])).digest('base64');
  }

  get(user: string, password: string, now: number): Principal | undefined {
    if (this.ttlMs <= 0) return undefined;
    const id = this.id(user, password);
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(id);
      return undefined;
    }
    return { ...entry.principal, groups: [...entry.principal.groups] };
  }

  set(user: string, password: string, principal: Principal, now: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= MAX_CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(this.id(user, password), { principal, expiresAt: now + this.ttlMs });
  }
}
