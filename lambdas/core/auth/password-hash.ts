import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes: scrypt with a per-user random salt, stored with their parameters in the PHC
 * string format, `$scrypt$ln=15,r=8,p=3$<salt>$<hash>` (standard base64 without padding). A hash
 * keeps verifying after the defaults change; parameters read back from the store are bounded so a
 * tampered item cannot make the gateway burn memory.
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  r: number;
  p: number;
}

/** OWASP's scrypt setting for 32 MiB of memory (N=2^15, r=8, p=3): about 0.2 s per hash. */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ logN: 15, r: 8, p: 3 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const MAX_MEMORY = 256 * 1024 * 1024;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,88})\$([A-Za-z0-9+/]{43,88})$/;

export interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 2 * 128 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCallback(password.normalize('NFC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key))));
}

function checkParams(params: ScryptParams): void {
  const { logN, r, p } = params;
  if (!Number.isInteger(logN) || logN < 1 || logN > 20) throw new Error('scrypt ln must be between 1 and 20');
  if (!Number.isInteger(r) || r < 1 || r > 32) throw new Error('scrypt r must be between 1 and 32');
  if (!Number.isInteger(p) || p < 1 || p > 16) throw new Error('scrypt p must be between 1 and 16');
  if (128 * 2 ** logN * r > MAX_MEMORY) throw new Error('scrypt parameters need more than 256 MiB');
}

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  checkParams(params);
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

export function parseHash(encoded: string): ParsedHash | undefined {
  const match = PHC.exec(encoded);
  if (!match) return undefined;
  const params = { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  try {
    checkParams(params);
  } catch {
    return undefined;
  }
  const salt = Buffer.from(match[4]!, 'base64');
  const hash = Buffer.from(match[5]!, 'base64');
  if (salt.length < 8 || hash.length < KEY_BYTES || hash.length > 64) return undefined;
  return { params, salt, hash };
}

/** Derives the key for the stored salt and parameters and compares in constant time. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded);
  if (!parsed) return false;
  const derived = await derive(password, parsed.salt, parsed.params, parsed.hash.length);
  return derived.length === parsed.hash.length && timingSafeEqual(derived, parsed.hash);
}

/** Whether a stored hash is weaker than the given parameters (worth re-hashing on the next change). */
export function needsRehash(encoded: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parseHash(encoded);
  if (!parsed) return true;
  const cost = (q: ScryptParams) => 2 ** q.logN * q.r * q.p;
  return cost(parsed.params) < cost(params);
}
