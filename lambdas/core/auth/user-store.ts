import { createHash } from 'node:crypto';
import { nextWindow, userAttemptKey } from './sign-in-limits.js';
import type { FailureWindow, UserStore, UserRecord } from '../ports/index.js';

/** The epoch item of a principal; never a user name (those cannot contain ':'). */
export function sessionEpochKey(method: string, user: string): string {
  return `session:${createHash('sha256').update(`${method}\n${user}`, 'utf8').digest('base64url')}`;
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
