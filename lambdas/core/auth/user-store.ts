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

export interface UserStore {
  get(name: string): Promise<UserRecord | undefined>;
  /** Creates or replaces the whole record. */
  put(record: UserRecord): Promise<void>;
  /** Every user, sorted by name. */
  list(): Promise<UserRecord[]>;
  /** False when there is no such user. */
  disable(name: string, now: number): Promise<boolean>;
  /** False when there is no such user. */
  enable(name: string, now: number): Promise<boolean>;
  /**
   * Counts a failed attempt atomically and returns the new count: failures older than
   * `forgetBefore` are forgotten first. Undefined when there is no such user (no item is created).
   */
  recordFailure(name: string, at: number, forgetBefore: number): Promise<number | undefined>;
  lock(name: string, until: number): Promise<void>;
  /** Clears the counter and the lock (after a success, a password change or an admin unlock). */
  resetFailures(name: string): Promise<void>;
}

/** Refuses names that cannot be typed into a JDBC URL or a log line safely. */
export function validUserName(name: string): boolean {
  return name.length > 0 && name.length <= 256 && !/[\s:,\p{Cc}]/u.test(name);
}

export class InMemoryUserStore implements UserStore {
  private readonly users = new Map<string, UserRecord>();

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
    return this.update(name, (u) => Object.assign(u, { disabled: true, updatedAt: now }));
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
  }

  private update(name: string, change: (user: UserRecord) => void): boolean {
    const user = this.users.get(name);
    if (!user) return false;
    change(user);
    return true;
  }
}
