import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fetcher } from 'aws-jwt-verify/https';
import { awsTokenVerifiers } from '../../../lambdas/adapters/auth/token-verifiers.js';
import { BEARER_CHALLENGE, chainAuthenticators } from '../../../lambdas/core/auth/chain.js';
import { cognitoIssuer, type CognitoMethodConfig, type OidcMethodConfig } from '../../../lambdas/core/auth/config.js';
import { jwtMethod, TokenRejected } from '../../../lambdas/core/auth/tokens.js';
import type { VerifyToken } from '../../../lambdas/core/ports/index.js';
import { bearer, ecKey, nowSeconds, otherKeyLike, request, rsaKey, signJwt, type SigningKey } from './support.js';
import { sign } from 'node:crypto';
import { GatewayError } from '../../../lambdas/core/errors.js';

const ISSUER = 'https://login.example.com/tenant';
const AUDIENCE = 'bifrost-gateway';

/** A JWKS served on 127.0.0.1, read through an injected fetcher (the default one speaks HTTPS only). */
let server: Server;
let jwksUri: string;
let servedKeys: SigningKey[] = [];
const fetched: string[] = [];
const httpFetcher: Fetcher = {
  fetch: async (uri) => {
    fetched.push(uri);
    const response = await fetch(uri);
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    return response.arrayBuffer();
  },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/keys') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: servedKeys.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function oidcConfig(overrides: Partial<OidcMethodConfig> = {}): OidcMethodConfig {
  return { type: 'jwt', provider: 'oidc', issuer: ISSUER, audience: AUDIENCE, jwksUri, userClaim: 'sub', groupsClaim: 'groups', graceSeconds: 0, ...overrides };
}

function oidcChain(config: OidcMethodConfig, verify: VerifyToken) {
  return chainAuthenticators([jwtMethod({ issuer: config.issuer, verify, userClaim: config.userClaim, groupsClaim: config.groupsClaim, ...(config.userPattern ? { userPattern: config.userPattern } : {}) })]);
}

async function rejectionOf(verify: VerifyToken, token: string): Promise<string> {
  try {
    await verify(token);
  } catch (error) {
    if (error instanceof TokenRejected) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('JWT bearer tokens of an OIDC issuer (JWKS over the network)', () => {
  const rsa = rsaKey();
  const ec = ecKey('ec-1');
  const claims = () => ({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', groups: ['analysts', 'critical'], iat: nowSeconds(), exp: nowSeconds() + 300 });

  beforeAll(() => {
    servedKeys = [rsa, ec];
  });

  it('accepts a valid RS256 or ES256 token, with the groups of the claim, fetching only the configured JWKS', async () => {
    fetched.length = 0;
    const verify = awsTokenVerifiers({ fetcher: httpFetcher }).jwt(oidcConfig());
    const chain = oidcChain(oidcConfig(), verify);
    for (const key of [rsa, ec]) {
      const result = await chain.authenticate(request({ authorization: bearer(signJwt(key, claims())), 'x-trino-user': 'alice' }));
      expect(result).toEqual({ ok: true, principal: { user: 'alice', groups: ['analysts', 'critical'], method: 'jwt', authenticatedUser: 'alice' } });
    }
    expect(fetched).toEqual([jwksUri]);
  });

  it('refuses an expired token', async () => {
    const verify = awsTokenVerifiers({ fetcher: httpFetcher }).jwt(oidcConfig());
    const token = signJwt(rsa, { ...claims(), iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 });
    expect(await oidcChain(oidcConfig(), verify).authenticate(request({ authorization: bearer(token) }))).toEqual({ ok: false, status: 401, message: 'Access Denied: Invalid token: the token has expired', challenge: [BEARER_CHALLENGE] });
  });

  it('refuses a token for another audience', async () => {
    const verify = awsTokenVerifiers({ fetcher: httpFetcher }).jwt(oidcConfig());
    const token = signJwt(rsa, { ...claims(), aud: 'some-other-app' });
    expect(await oidcChain(oidcConfig(), verify).authenticate(request({ authorization: bearer(token) }))).toMatchObject({ ok: false, status: 401, message: expect.stringContaining('not issued for this gateway') });
  });

  it('refuses a token of another issuer (the chain does not even try; the verifier would refuse too)', async () => {
    const verify = awsTokenVerifiers({ fetcher: httpFetcher }).jwt(oidcConfig());
    const token = signJwt(rsa, { ...claims(), iss: 'https://evil.example.com/' });
    expect(await oidcChain(oidcConfig(), verify).authenticate(request({ authorization: bearer(token) }))).toMatchObject({ ok: false, status: 401 });
    expect(await rejectionOf(verify, token)).toBe('issuer');
  });

  it('refuses a bad signature: a forged key with the same kid, or a changed payload', async () => {
    const verify = awsTokenVerifiers({ fetcher: httpFetcher }).jwt(oidcConfig());
    const forged = signJwt({ ...rsa, privateKey: otherKeyLike(rsa) }, claims());
    expect(await oidcChain(oidcConfig(), verify).authenticate(request({ authorization: bearer(forged) }))).toMatchObject({ ok: false, status: 401, message: 'Access Denied: Invalid token: the signature does not verify' });
    const [h, , s] = signJwt(rsa, claims()).split('.');
    const changed = `${h}.${Buffer.from(JSON.stringify({ ...claims(), sub: 'root' })).toString('base64url')}.${s}`;
    expect(await rejectionOf(verify, changed)).toBe('signature');
  });

  it('refuses unsigned tokens and HMAC tokens keyed with the public key', async () => {
    const verify = awsTokenVerifiers({ fetcher: httpFetcher }).jwt(oidcConfig());
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const none = `${enc({ alg: 'none', kid: rsa.kid })}.${enc(claims())}.`;
    expect(await rejectionOf(verify, none)).not.toBe('accepted');
    const input = `${enc({ alg: 'HS256', kid: rsa.kid })}.${enc(claims())}`;
    const { createHmac } = await import('node:crypto');
    const hs = `${input}.${createHmac('sha256', rsa.pem).update(input).digest('base64url')}`;
    expect(await rejectionOf(verify, hs)).not.toBe('accepted');
  });

  it('refuses a token without an expiry', async () => {
    const verify = awsTokenVerifiers({ fetcher: httpFetcher }).jwt(oidcConfig());
    const { exp: _exp, ...noExp } = claims();
    expect(await oidcChain(oidcConfig(), verify).authenticate(request({ authorization: bearer(signJwt(rsa, noExp)) }))).toMatchObject({ ok: false, status: 401, message: expect.stringContaining('required claim') });
  });

  it('picks up a rotated key by refetching the configured JWKS, and refuses an unknown kid', async () => {
    fetched.length = 0;
    const verify = awsTokenVerifiers({ fetcher: httpFetcher }).jwt(oidcConfig());
    expect(await rejectionOf(verify, signJwt(rsa, claims()))).toBe('accepted');
    const rotated = rsaKey('rotated');
    servedKeys = [rsa, ec, rotated];
    expect(await rejectionOf(verify, signJwt(rotated, claims()))).toBe('accepted');
    expect(await rejectionOf(verify, signJwt(rsaKey('never-published'), claims()))).toBe('key');
    expect(new Set(fetched)).toEqual(new Set([jwksUri]));
  });

  it('maps the user with the claim and pattern of the config', async () => {
    const config = oidcConfig({ userClaim: 'email', userPattern: '(.+)@example\\.com', groupsClaim: 'roles' });
    const verify = awsTokenVerifiers({ fetcher: httpFetcher }).jwt(config);
    const chain = oidcChain(config, verify);
    const ok = signJwt(rsa, { ...claims(), email: 'alice@example.com', roles: 'admin reader' });
    expect(await chain.authenticate(request({ authorization: bearer(ok) }))).toMatchObject({ ok: true, principal: { user: 'alice', groups: ['admin', 'reader'] } });
    const other = signJwt(rsa, { ...claims(), email: 'alice@elsewhere.org' });
    expect(await chain.authenticate(request({ authorization: bearer(other) }))).toMatchObject({ ok: false, status: 401, message: expect.stringContaining('pattern') });
  });

  it('never fetches anything but the configured JWKS URI', async () => {
    const asked: string[] = [];
    const verify = awsTokenVerifiers({ fetcher: { fetch: async (uri) => (asked.push(uri), Promise.reject(new Error('offline'))) } }).jwt(oidcConfig());
    const token = signJwt(rsa, claims(), { jku: 'https://attacker.example.com/keys', x5u: 'https://attacker.example.com/cert' });
    expect(await rejectionOf(verify, token)).toBe('unavailable');
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((u) => u === jwksUri)).toBe(true);
  });

  it('answers 503 when the keys cannot be fetched: the client may retry, its token is not called invalid', async () => {
    const verify = awsTokenVerifiers({ fetcher: { fetch: async () => Promise.reject(new Error('connect ETIMEDOUT')) } }).jwt(oidcConfig());
    const failure = await oidcChain(oidcConfig(), verify)
      .authenticate(request({ authorization: bearer(signJwt(rsa, claims())) }))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({ httpStatus: 503 });
  });
});

describe('Cognito user pool tokens', () => {
  const poolId = 'eu-west-1_AbCdEf123';
  const issuer = cognitoIssuer(poolId);
  const key = rsaKey('cognito-key');
  const config: CognitoMethodConfig = { type: 'jwt', provider: 'cognito', userPoolId: poolId, clientId: ['client-1'], tokenUse: 'access', groupsClaim: 'cognito:groups', graceSeconds: 0 };
  const offline: Fetcher = { fetch: async () => Promise.reject(new Error('no network in this test')) };
  const verify = awsTokenVerifiers({ fetcher: offline, jwks: { [`${issuer}/.well-known/jwks.json`]: { keys: [key.jwk as never] } } }).jwt(config);
  const chain = chainAuthenticators([jwtMethod({ issuer, verify, userClaim: ['cognito:username', 'username'], groupsClaim: 'cognito:groups' })]);
  const access = (extra: Record<string, unknown> = {}) => signJwt(key, { iss: issuer, token_use: 'access', client_id: 'client-1', username: 'alice', 'cognito:groups': ['critical'], exp: nowSeconds() + 300, iat: nowSeconds(), ...extra });

  it('accepts an access token of the configured client, with cognito:groups', async () => {
    expect(await chain.authenticate(request({ authorization: bearer(access()) }))).toMatchObject({ ok: true, principal: { user: 'alice', groups: ['critical'], method: 'jwt' } });
  });

  it('refuses another client, an id token, and an expired token', async () => {
    expect(await chain.authenticate(request({ authorization: bearer(access({ client_id: 'client-2' })) }))).toMatchObject({ ok: false, message: expect.stringContaining('not issued for this gateway') });
    expect(await chain.authenticate(request({ authorization: bearer(access({ token_use: 'id', aud: 'client-1' })) }))).toMatchObject({ ok: false, status: 401 });
    expect(await chain.authenticate(request({ authorization: bearer(access({ exp: nowSeconds() - 10 })) }))).toMatchObject({ ok: false, message: expect.stringContaining('expired') });
  });

  it('refuses a token signed by someone else', async () => {
    const input = access().split('.').slice(0, 2).join('.');
    const forged = `${input}.${sign('sha256', Buffer.from(input), otherKeyLike(key)).toString('base64url')}`;
    expect(await chain.authenticate(request({ authorization: bearer(forged) }))).toMatchObject({ ok: false, message: expect.stringContaining('signature') });
  });
});
