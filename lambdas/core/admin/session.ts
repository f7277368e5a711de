import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AdminRole } from './roles.js';

/**
 * The admin page's login session: a cookie holding the principal and its expiry, signed with
 * HMAC-SHA256, so any instance can check any session. To be revocable it also carries the
 * principal's session epoch at login (kept in the users table: logout, a password change and
 * disabling the user move it on) and, for password users, a MAC of the password hash it was
 * opened with; the admin API compares both with the store on every request (one or two reads).
 * The CSRF token is derived from the same key and the user: a page on another origin can neither
 * read it nor send the header it goes in without a CORS preflight, which the API never grants.
 */
export interface AdminSession {
  user: string;
  groups: string[];
  role: AdminRole;
  method: string;
  /** Epoch ms. */
  expiresAt: number;
  /** The principal's session epoch when the session was opened. */
  epoch: number;
  /** Password sessions: credentialTag() of the password hash at login. */
  credential?: string;
}

export const SESSION_COOKIE = 'bifrost_admin';
export const SESSION_TTL_MS = 8 * 3_600_000;

export class SessionSigner {
  constructor(private readonly key: string | Buffer) {
    if (Buffer.byteLength(key) < 32) throw new Error('The admin session key must be at least 32 bytes');
  }

  sign(session: AdminSession): string {
    const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
    return `${payload}.${this.mac('session', payload)}`;
  }

  /** The session in a cookie value, or undefined when it is forged, altered or expired. */
  verify(value: string | undefined, now: number): AdminSession | undefined {
    if (!value) return undefined;
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = value.slice(0, dot);
    if (!equal(value.slice(dot + 1), this.mac('session', payload))) return undefined;
    try {
      const session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as AdminSession;
      // Without an epoch (a cookie from before sessions could be ended) a session is not accepted.
      if (typeof session.user !== 'string' || typeof session.method !== 'string' || typeof session.expiresAt !== 'number' || session.expiresAt <= now || typeof session.epoch !== 'number') return undefined;
      return session;
    } catch {
      return undefined;
    }
  }

  /** Names a password hash without revealing anything a guess could be tested against. */
  credentialTag(passwordHash: string): string {
    return this.mac('credential', passwordHash);
  }

  sameCredential(tag: string | undefined, passwordHash: string): boolean {
    return tag !== undefined && equal(tag, this.credentialTag(passwordHash));
  }

  csrfToken(user: string): string {
    return this.mac('csrf', user);
  }

  checkCsrf(user: string, token: string | undefined): boolean {
    return token !== undefined && equal(token, this.csrfToken(user));
  }

  private mac(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${value}`).digest('base64url');
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The value of one cookie in a request's Cookie headers. */
export function readCookie(headers: string[] | undefined, name: string): string | undefined {
  for (const header of headers ?? []) {
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}
