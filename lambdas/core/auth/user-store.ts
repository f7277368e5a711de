import { createHash } from 'node:crypto';
import { nextWindow, userAttemptKey, type FailureWindow, type SignInAttemptStore } from './sign-in-limits.js';

/**
 * The users that log in with a password: their scrypt hash, groups, whether they are disabled,
 * and the failed-attempt counter with its lock. DynamoDB holds them when deployed; the memory
 * implementation below serves tests and the local mode.
 */
export interface UserRecord {
  /** The user name, exactly as clients send it (case-sensitive, as in Trino). */
  name: string;
  /** PHC-format scrypt hash (see password-hash.ts); absent: the user cannot log in with a password. */
  passwordHash?: string;
  groups: string[];
  disabled: boolean;
  /** Failed password attempts since the last success, within the failure window. */
  failedAttempts: number;
  /** Epoch milliseconds of the last failed attempt. */
  lastFailureAt?: number;
  /** Epoch milliseconds until which the account is locked. */
  lockedUntil?: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * The epoch of a principal's admin sessions: a session cookie carries the epoch it was signed in,
 * and a session whose epoch is no longer the current one is over. Logout, a password change and
 * disabling the user move it on. One small item per principal, next to the users.
 */
export interface SessionEpochStore {
  /** The current epoch (0 when none was ever recorded). */
  sessionEpoch(key: string): Promise<number>;
  /** Moves the epoch on atomically: every session signed before ends. */
  endSessions(key: string): Promise<void>;
}

/** The epoch item of a principal; never a user name (those cannot contain ':'). */
export function sessionEpochKey(method: string, user: string): string {
  return `session:${createHash('sha256').update(`${method}\n${user}`, 'utf8').digest('base64url')}`;
}

/** The users table also keeps the sign-in failure windows and the session epochs (items keyed so that they are never user names). */
export interface UserStore extends SignInAttemptStore, SessionEpochStore {
  get(name: string): Promise<UserRecord | undefined>;
  /** Creates or replaces the whole record. */
  put(record: UserRecord): Promise<void>;
  /** Every user, sorted by name. */
  list(): Promise<UserRecord[]>;
  /** False when there is no such user. Ends the user's password sessions. */
  disable(name: string, now: number): Promise<boolean>;
  /** False when there is no such user. */
  enable(name: string, now: number): Promise<boolean>;
  /**
   * Counts a failed attempt atomically and returns the new count: failures older than
   * `forgetBefore` are forgotten first. Undefined when there is no such user (no item is created).
   */
  recordFailure(name: string, at: number, forgetBefore: number): Promise<number | undefined>;
  lock(name: string, until: number): Promise<void>;
  /** Clears the counter and the lock, and the failures counted against the name (after a success, a password change or an admin unlock). */
  resetFailures(name: string): Promise<void>;
}

/** Refuses names that cannot be typed into a JDBC URL or a log line safely. */
export function validUserName(name: string): boolean {
  return name.length > 0 && name.length <= 256 && !/[\s:,\p{Cc}]/u.test(name);
}

const MAX_WINDOWS = 100_000;

export class InMemoryUserStore implements UserStore {
  private readonly users = new Map<string, UserRecord>();
  private readonly windows = new Map<string, FailureWindow>();
  private readonly epochs = new Map<string, number>();

  async get(name: string): Promise<UserRecord | undefined> {
    const user = this.users.get(name);
    return user ? structuredClone(user) : undefined;
  }

  async put(record: UserRecord): Promise<void> {
    this.users.set(record.name, structuredClone(record));
  }

  async list(): Promise<UserRecord[]> {
    return [...this.users.values()].map((u) => structuredClone(u)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async disable(name: string, now: number): Promise<boolean> {
    const done = this.update(name, (u) => Object.assign(u, { disabled: true, updatedAt: now }));
    if (done) await this.endSessions(sessionEpochKey('password', name));
    return done;
  }

  async enable(name: string, now: number): Promise<boolean> {
    return this.update(name, (u) => Object.assign(u, { disabled: false, updatedAt: now }));
  }

  async recordFailure(name: string, at: number, forgetBefore: number): Promise<number | undefined> {
    const user = this.users.get(name);
    if (!user) return undefined;
    const recent = user.lastFailureAt !== undefined && user.lastFailureAt >= forgetBefore;
    user.failedAttempts = recent ? user.failedAttempts + 1 : 1;
    user.lastFailureAt = at;
    return user.failedAttempts;
  }

  async lock(name: string, until: number): Promise<void> {
    this.update(name, (u) => {
      u.lockedUntil = until;
    });
  }

  async resetFailures(name: string): Promise<void> {
    this.update(name, (u) => {
      u.failedAttempts = 0;
      delete u.lastFailureAt;
      delete u.lockedUntil;
    });
    await this.clearFailures(userAttemptKey(name));
  }

  async failureWindows(keys: readonly string[]): Promise<(FailureWindow | undefined)[]> {
    return keys.map((key) => {
      const window = this.windows.get(key);
      return window ? { ...window } : undefined;
    });
  }

  async countFailure(key: string, now: number, windowMs: number): Promise<FailureWindow> {
    const next = nextWindow(this.windows.get(key), now, windowMs);
    this.windows.delete(key);
    // Bounded: the oldest keys go first (Map keeps insertion order, and a count re-inserts its key).
    if (this.windows.size >= MAX_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(key, next);
    return { ...next };
  }

  async clearFailures(key: string): Promise<void> {
    this.windows.delete(key);
  }

  async sessionEpoch(key: string): Promise<number> {
    return this.epochs.get(key) ?? 0;
  }

  async endSessions(key: string): Promise<void> {
    this.epochs.set(key, (this.epochs.get(key) ?? 0) + 1);
  }

  private update(name: string, change: (user: UserRecord) => void): boolean {
    const user = this.users.get(name);
    if (!user) return false;
    change(user);
    return true;
  }
}
