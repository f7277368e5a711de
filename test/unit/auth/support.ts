import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { Logger } from '../../../lambdas/core/gateway/index.js';
import type { GatewayRequest } from '../../../lambdas/core/ports/index.js';
import type { ScryptParams } from '../../../lambdas/core/auth/password-hash.js';

/** Cheap scrypt for tests: the parameters are stored with each hash, so verification follows. */
export const FAST_SCRYPT: ScryptParams = { logN: 4, r: 1, p: 1 };

export function request(headers: Record<string, string | string[]> = {}, init: Partial<GatewayRequest> = {}): GatewayRequest {
  const lower: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = Array.isArray(v) ? v : [v];
  return { method: 'POST', path: '/v1/statement', query: {}, headers: lower, body: Buffer.from('SELECT 1'), baseUrl: 'https://gw.example.com', remoteAddress: '192.0.2.10', ...init };
}

export function basic(user: string, password?: string): string {
  return 'Basic ' + Buffer.from(password === undefined ? user : `${user}:${password}`, 'utf8').toString('base64');
}

export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** A logger that keeps every call, to look for secrets in. */
export function capturingLogger(): Logger & { lines: { level: string; message: string; extra?: Record<string, unknown> }[]; text(): string } {
  const lines: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
  const put = (level: string) => (message: string, extra?: Record<string, unknown>) => void lines.push({ level, message, ...(extra ? { extra } : {}) });
  return { lines, info: put('info'), warn: put('warn'), error: put('error'), text: () => JSON.stringify(lines) };
}

/** A clock the test moves, and a sleep that only records and advances it. */
export function fakeTime(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    advance: (ms: number) => void (now += ms),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

// ---------------------------------------------------------------- JWTs

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as a JWK with kid, alg and use. */
  jwk: Record<string, unknown>;
  pem: string;
}

export function rsaKey(kid = `rsa-${randomUUID().slice(0, 8)}`): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg: 'RS256', privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }, pem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

export function ecKey(kid: string = randomUUID()): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg: 'ES256', privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }, pem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

export function signJwt(key: SigningKey, payload: Record<string, unknown>, header: Record<string, unknown> = {}, options: { padded?: boolean } = {}): string {
  const encode = (value: unknown) => {
    const text = b64url(value);
    // The ALB pads its segments with '=' (standard base64 padding on a base64url alphabet).
    return options.padded ? text + '='.repeat((4 - (text.length % 4)) % 4) : text;
  };
  const input = `${encode({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })}.${encode(payload)}`;
  const signature = key.alg === 'RS256' ? sign('sha256', Buffer.from(input), key.privateKey) : sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A different key of the same kind, to forge signatures with. */
export function otherKeyLike(key: SigningKey): KeyObject {
  return key.alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}
