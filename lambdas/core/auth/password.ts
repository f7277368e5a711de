import { createHmac, randomBytes } from 'node:crypto';
import type { GatewayRequest, Principal, UserRecord, UserStore, Logger } from '../ports/index.js';
import { BASIC_CHALLENGE, type Attempt, type AuthMethod } from './chain.js';
import { DEFAULT_SCRYPT, verifyPassword, type ScryptParams } from './password-hash.js';
import { signInLimiter, tooManyFailuresMessage, type FailureLimit, type LimitCheck } from './sign-in-limits.js';
import { validUserName } from './user-store.js';

export interface PasswordPolicy {
  lockout: {
    /** Failed attempts after which the account locks; 0 never locks. Also the limit of failures per user name (existing or not) in the window. */
    maxFailures: number;
    lockSeconds: number;
    /** Failures older than this are forgotten. */
    windowSeconds: number;
  };
  /** Failures from one client address (IPv6: one /64) within the window, after which its attempts are refused unchecked; default 30 in 15 minutes. */
  perAddress?: FailureLimit;
  /**
   * A failed attempt is answered no sooner than initialDelayMs * 2^(failures-1) after it arrived,
   * capped at maxDelayMs, `failures` being the recent failures of its address or user name,
   * whichever is larger (counted alike for users that exist and names that do not).
   */
  slowdown: { initialDelayMs: number; maxDelayMs: number };
  /**
   * How long one instance remembers a verified user name and password, so that polls (clients
   * send the password with every request) cost no scrypt; 0 disables. A remembered password is
   * still checked against the user's record (one read): a password change, a disabled user or a
   * lock ends it at once on every instance.
   */
  cacheSeconds: number;
}

export const DEFAULT_PER_ADDRESS: Readonly<FailureLimit> = Object.freeze({ maxFailures: 30, windowSeconds: 900 });

export const DEFAULT_PASSWORD_POLICY: Readonly<PasswordPolicy> = Object.freeze({
  lockout: Object.freeze({ maxFailures: 10, lockSeconds: 900, windowSeconds: 900 }),
  perAddress: DEFAULT_PER_ADDRESS,
  slowdown: Object.freeze({ initialDelayMs: 250, maxDelayMs: 4_000 }),
  cacheSeconds: 60,
});

export interface PasswordMethodDeps {
  store: UserStore;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: Logger;
  /**
   * Parameters of the decoy hash checked for unknown, disabled and locked users, so that they cost
   * one scrypt as a wrong password does. Default: the parameters new hashes are made with.
   */
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
const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

/**
 * A hash no password matches (random salt and key) with the given cost: checking a password
 * against it costs exactly one scrypt, as checking a real hash does, and nothing to make.
 */
export function decoyHash(params: ScryptParams): string {
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${b64(randomBytes(16))}$${b64(randomBytes(32))}`;
}

/** HTTP Basic user name and password, checked against the user store's scrypt hashes. */
export function passwordMethod(policy: PasswordPolicy, deps: PasswordMethodDeps): AuthMethod {
  const clock = deps.clock ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const store = deps.store;
  const cache = new CredentialCache(policy.cacheSeconds * 1000);
  const decoy = decoyHash(deps.decoyParams ?? DEFAULT_SCRYPT);
  const limiter = signInLimiter(store, { perAddress: policy.perAddress ?? DEFAULT_PER_ADDRESS, perUser: { maxFailures: policy.lockout.maxFailures, windowSeconds: policy.lockout.windowSeconds } });

  const usable = (record: UserRecord | undefined, now: number): record is UserRecord & { passwordHash: string } =>
    record !== undefined && !record.disabled && record.passwordHash !== undefined && !(record.lockedUntil !== undefined && record.lockedUntil > now);

  /**
   * Every failure costs the same whether the user exists or not: one scrypt (the user's hash or
   * the decoy), the counting of the address and the name (with the record's counter in parallel),
   * and an answer no sooner than the slowdown after the attempt arrived.
   */
  async function fail(request: GatewayRequest, user: string, record: UserRecord | undefined, started: number, reason: string): Promise<Attempt> {
    const countRecord = reason === 'wrong password' && record !== undefined;
    const [recent, failures] = await Promise.all([limiter.fail(request.remoteAddress, user, started), countRecord ? store.recordFailure(user, started, started - policy.lockout.windowSeconds * 1000) : undefined]);
    let detail = reason;
    if (failures !== undefined) {
      detail += ` (${failures} recent failures)`;
      if (policy.lockout.maxFailures > 0 && failures >= policy.lockout.maxFailures) {
        await store.lock(user, started + policy.lockout.lockSeconds * 1000);
        detail += `; locked for ${policy.lockout.lockSeconds} s`;
      }
    }
    const pause = started + failureDelay(Math.ceil(recent), policy.slowdown) - clock();
    if (pause > 0) await sleep(pause);
    return { kind: 'refused', message: INVALID_CREDENTIALS, reason: detail, user };
  }

  function limited(limit: LimitCheck, user: string): Attempt {
    const seconds = Math.ceil(limit.waitMs / 1000);
    return { kind: 'refused', message: tooManyFailuresMessage(seconds), reason: `too many failed sign-ins (limit per ${limit.limitedBy ?? 'address'})`, user, retryAfterSeconds: seconds };
  }

  return {
    type: 'password',
    challenges: [BASIC_CHALLENGE],
    async attempt(request, presented) {
      if (presented.kind !== 'basic') return { kind: 'absent' };
      const { user, password } = presented;
      if (password === undefined) return { kind: 'refused', message: INVALID_CREDENTIALS, reason: 'no password sent', user };
      if (password.length > MAX_PASSWORD_LENGTH) return { kind: 'refused', message: INVALID_CREDENTIALS, reason: 'password too long', user };
      const started = clock();
      const validName = validUserName(user);

      let record: UserRecord | undefined;
      const cached = cache.get(user, password, started);
      // A remembered password is no way around a limit this instance knows of: it would answer guesses unlimited.
      const knownLimit = cached ? limiter.knownWait(request.remoteAddress, user, started) : undefined;
      if (knownLimit && knownLimit.waitMs > 0) return limited(knownLimit, user);
      if (cached) {
        // Remembered, but only while the record still holds the hash it was verified against.
        record = validName ? await store.get(user) : undefined;
        if (usable(record, started) && cache.sameHash(cached, record.passwordHash)) return { kind: 'accepted', principal: { user: record.name, groups: [...record.groups], method: 'password' } };
        cache.delete(user, password);
      }

      const [limit, fetched] = await Promise.all([limiter.check(request.remoteAddress, user, started), record !== undefined || !validName ? record : store.get(user)]);
      record = fetched;
      // Refused before any hashing, for users that exist and names that do not alike.
      if (limit.waitMs > 0) return limited(limit, user);
      const ok = usable(record, started);
      const matches = await verifyPassword(password, ok ? record!.passwordHash! : decoy);
      if (!record) return fail(request, user, record, started, 'unknown user');
      if (record.disabled) return fail(request, user, record, started, 'user disabled');
      if (record.passwordHash === undefined) return fail(request, user, record, started, 'user has no password');
      if (!ok) return fail(request, user, record, started, 'account locked');
      if (!matches) return fail(request, user, record, started, 'wrong password');

      if (record.failedAttempts > 0 || record.lockedUntil !== undefined || limit.userHasFailures) await store.resetFailures(user);
      const principal: Principal = { user: record.name, groups: [...record.groups], method: 'password' };
      cache.set(user, password, record.passwordHash, started);
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
 * process, with an HMAC of the hash they matched: the cache holds no password and no hash anyone
 * could test guesses against, yet tells when the record's hash is no longer the one verified.
 */
class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, { hashTag: string; expiresAt: number }>();

  constructor(private readonly ttlMs: number) {}

  private mac(...parts: string[]): string {
    return createHmac('sha256', this.key).update(JSON.stringify(parts)).digest('base64');
  }

  /** The tag of the hash the password was verified against, while remembered. */
  get(user: string, password: string, now: number): string | undefined {
    if (this.ttlMs <= 0) return undefined;
    const id = this.mac(user, password);
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.hashTag;
  }

  sameHash(hashTag: string, passwordHash: string): boolean {
    return hashTag === this.mac('hash', passwordHash);
  }

  set(user: string, password: string, passwordHash: string, now: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= MAX_CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(this.mac(user, password), { hashTag: this.mac('hash', passwordHash), expiresAt: now + this.ttlMs });
  }

  delete(user: string, password: string): void {
    this.entries.delete(this.mac(user, password));
  }
}
