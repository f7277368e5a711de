import type { Principal, VerifiedToken, VerifyToken } from '../ports/index.js';
import { BEARER_CHALLENGE, type Attempt, type AuthMethod } from './chain.js';

/**
 * Signed tokens: JWT bearer tokens (Cognito or any OIDC issuer) and the ALB's `x-amzn-oidc-data`.
 * Verifying a signature needs keys from the network, so the verifier is injected (the AWS
 * implementation is in the adapters); what a verified token means (which claim is the user,
 * which are the groups, which failures say what) is decided here.
 */
export type TokenRejectionReason = 'malformed' | 'expired' | 'not-yet-valid' | 'issuer' | 'audience' | 'signature' | 'key' | 'signer' | 'claim' | 'unavailable';

/** Thrown by a verifier for a token it refuses; `detail` is for the log and holds no token. */
export class TokenRejected extends Error {
  constructor(
    readonly reason: TokenRejectionReason,
    readonly detail?: string,
  ) {
    super(`token rejected: ${reason}`);
    this.name = 'TokenRejected';
  }
}

export interface ClaimMapping {
  /** The claim holding the user name; with a list, the first one present. */
  userClaim: string | readonly string[];
  /** A regular expression the whole user claim must match; its first group (or all of it) is the user. */
  userPattern?: string;
  /** The claim holding the groups: an array of strings, or one string separated by spaces or commas. */
  groupsClaim?: string;
}

const MESSAGES: Record<TokenRejectionReason, string> = {
  malformed: 'the token cannot be read',
  expired: 'the token has expired',
  'not-yet-valid': 'the token is not valid yet',
  issuer: 'the issuer is not accepted',
  audience: 'the token was not issued for this gateway (audience or client id)',
  signature: 'the signature does not verify',
  key: 'the token is signed with an unknown key',
  signer: 'the token was not signed by the configured load balancer',
  claim: 'a required claim is missing or has the wrong value',
  unavailable: 'the signing keys cannot be fetched right now; try again',
};

export function tokenMessage(reason: TokenRejectionReason): string {
  return `Access Denied: Invalid token: ${MESSAGES[reason]}`;
}

/** Header and payload of a JWT, not verified: only to pick the method that will verify it. */
export function decodeUnverified(token: string): VerifiedToken | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 16_384) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(payload)) return undefined;
    return { header, payload };
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refused(reason: TokenRejectionReason, detail?: string): Attempt {
  return { kind: 'refused', message: tokenMessage(reason), reason: detail ? `${reason}: ${detail}` : reason };
}

/**
 * The keys could not be had (network, IdP down) or the verifier broke: not the client's fault,
 * so the chain answers 503 instead of refusing the token. Its message is safe to log.
 */
export class VerifierUnavailable extends Error {
  constructor(detail: string) {
    super(`token verification unavailable: ${detail}`);
    this.name = 'VerifierUnavailable';
  }
}

async function verified(verify: VerifyToken, token: string): Promise<VerifiedToken | Attempt> {
  try {
    return await verify(token);
  } catch (error) {
    if (error instanceof TokenRejected) {
      if (error.reason === 'unavailable') throw new VerifierUnavailable(error.detail ?? 'keys unavailable');
      return refused(error.reason, error.detail);
    }
    // Never the error's message: a library may quote the token in it.
    throw new VerifierUnavailable(`verifier failed (${error instanceof Error ? error.constructor.name || error.name : typeof error})`);
  }
}

/** Reads the principal out of verified claims. */
export function principalFromClaims(payload: Record<string, unknown>, mapping: ClaimMapping, method: string): Principal | Attempt {
  const claims = typeof mapping.userClaim === 'string' ? [mapping.userClaim] : mapping.userClaim;
  const claim = claims.find((c) => typeof payload[c] === 'string' && payload[c] !== '');
  if (claim === undefined) return { kind: 'refused', message: `Access Denied: Invalid token: no ${claims.join(' or ')} claim`, reason: `missing user claim ${claims.join('|')}` };
  let user = payload[claim] as string;
  if (mapping.userPattern !== undefined) {
    const match = new RegExp(`^(?:${mapping.userPattern})$`, 'u').exec(user);
    if (!match) return { kind: 'refused', message: 'Access Denied: Invalid token: the user does not match the configured pattern', reason: 'user pattern mismatch', user };
    user = match[1] ?? match[0];
    if (user === '') return { kind: 'refused', message: 'Access Denied: Invalid token: the user does not match the configured pattern', reason: 'user pattern gave an empty user' };
  }
  return { user, groups: groupsFromClaim(mapping.groupsClaim ? payload[mapping.groupsClaim] : undefined), method };
}

export function groupsFromClaim(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return [...new Set(list.filter((g): g is string => typeof g === 'string' && g !== ''))];
}

function accept(token: VerifiedToken, mapping: ClaimMapping, method: string): Attempt {
  if (typeof token.payload.exp !== 'number') return refused('claim', 'no exp claim');
  const principal = principalFromClaims(token.payload, mapping, method);
  return 'kind' in principal ? principal : { kind: 'accepted', principal };
}

export interface JwtMethodOptions extends ClaimMapping {
  /** The issuer (`iss`) this method verifies tokens of; tokens of other issuers are left to other methods. */
  issuer: string;
  verify: VerifyToken;
}

/** `Authorization: Bearer <JWT>` (JDBC's `accessToken`), for one issuer. */
export function jwtMethod(options: JwtMethodOptions): AuthMethod {
  return {
    type: 'jwt',
    challenges: [BEARER_CHALLENGE],
    async attempt(_request, presented) {
      if (presented.kind !== 'bearer') return { kind: 'absent' };
      const unverified = decodeUnverified(presented.token);
      if (!unverified || unverified.payload.iss !== options.issuer) return { kind: 'absent' };
      const token = await verified(options.verify, presented.token);
      if ('kind' in token) return token;
      return accept(token, options, 'jwt');
    },
  };
}

/** The ALB signs with a key named by a UUID; nothing else is looked up. */
export const ALB_KID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ALB_OIDC_DATA_HEADER = 'x-amzn-oidc-data';

export interface AlbOidcMethodOptions extends ClaimMapping {
  /** Verifies the ES256 signature with the ALB's regional public key and checks the signer. */
  verify: VerifyToken;
}

/**
 * The ALB's authenticate-oidc / authenticate-cognito action (browsers only: the admin UI). The
 * ALB sends the user's claims in `x-amzn-oidc-data`, signed by itself; a client can send the same
 * header directly, so only the signature and the signer ARN make it worth anything.
 */
export function albOidcMethod(options: AlbOidcMethodOptions): AuthMethod {
  return {
    type: 'alb-oidc',
    challenges: [],
    async attempt(request) {
      const values = request.headers[ALB_OIDC_DATA_HEADER] ?? [];
      if (values.length === 0) return { kind: 'absent' };
      if (values.length > 1) return refused('malformed', 'more than one x-amzn-oidc-data header');
      const raw = values[0]!.trim();
      const unverified = decodeUnverified(raw);
      if (!unverified) return refused('malformed');
      const { kid, alg, signer } = unverified.header;
      if (typeof kid !== 'string' || !ALB_KID.test(kid)) return refused('key', 'kid is not a UUID');
      if (alg !== 'ES256') return refused('signature', 'alg is not ES256');
      if (typeof signer !== 'string') return refused('signer', 'no signer');
      const token = await verified(options.verify, raw);
      if ('kind' in token) return token;
      return accept(token, options, 'alb-oidc');
    },
  };
}
