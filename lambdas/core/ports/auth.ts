import type { BifrostConfig } from '../config/schema.js';
import type { GatewayRequest } from './http.js';

/** Authentication: who is asking, and the stores behind password sign-in and token checks. */

/** Who is asking: established by an Authenticator, used by routing and access control. */
export interface Principal {
  user: string;
  /** Who proved their identity, when they act as another user (impersonation). */
  authenticatedUser?: string;
  groups: string[];
  /** How the principal was established (header, password, jwt, alb-oidc). */
  method: string;
}

export type AuthResult =
  | { ok: true; principal: Principal }
  /**
   * 401 with the challenge Trino sends; `message` is shown to the user. `retryAfterSeconds`: the
   * attempt was not checked, too many sign-ins failed recently (the message says how long to wait).
   */
  | { ok: false; status: 400 | 401 | 403; message: string; challenge?: string[]; retryAfterSeconds?: number };

export interface Authenticator {
  authenticate(request: GatewayRequest): Promise<AuthResult>;
  /**
   * True when the user header is taken on trust (local mode). Then polls are not authenticated,
   * as in Trino, whose nextUri endpoints are public; otherwise every poll proves its user too.
   */
  readonly trustsUserHeader?: boolean;
}

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

/**
 * Failed sign-ins counted per client address and per user name, in a sliding window: the
 * failures of the current fixed window plus those of the previous one, weighted by how much of
 * it still overlaps the last `windowSeconds`. The counts live in the users table (one small item
 * per key), so every instance and both functions see the same numbers.
 *
 * User names are counted whether or not the user exists: a name that is limited says nothing
 * about whether there is such a user. Names are hashed into the key, so a password typed into the
 * user field is not stored.
 */
export interface FailureWindow {
  /** Epoch ms at which the window `failures` counts in began. */
  windowStart: number;
  failures: number;
  /** Failures in the window before it. */
  previousFailures: number;
}

export interface SignInAttemptStore {
  /** The windows of the given keys, in order; undefined where nothing was counted. */
  failureWindows(keys: readonly string[]): Promise<(FailureWindow | undefined)[]>;
  /** Counts one failure atomically (parallel attempts on other instances all count) and returns the window after it. */
  countFailure(key: string, now: number, windowMs: number): Promise<FailureWindow>;
  /** Forgets the failures of a key (a successful sign-in, an admin's unlock). */
  clearFailures(key: string): Promise<void>;
}

export interface VerifiedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** Checks signature, issuer, audience and expiry; throws TokenRejected. */
export type VerifyToken = (token: string) => Promise<VerifiedToken>;

/** An authentication method of the config (auth.methods, auth.adminMethods; see auth/config.ts). */
type AuthMethod = NonNullable<BifrostConfig['auth']>['methods'][number];

/** Builds the signature verifiers of the token methods; the AWS implementation (aws-jwt-verify) is in the adapters. */
export interface TokenVerifierFactory {
  jwt(method: Extract<AuthMethod, { type: 'jwt' }>): VerifyToken;
  albOidc(method: Extract<AuthMethod, { type: 'alb-oidc' }> & { albArn: string }): VerifyToken;
}
