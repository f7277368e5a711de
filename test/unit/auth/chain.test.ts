import { describe, expect, it } from 'vitest';
import { BASIC_CHALLENGE, BEARER_CHALLENGE, chainAuthenticators, type AuthMethod } from '../../../lambdas/core/auth/chain.js';
import { headerMethod } from '../../../lambdas/core/auth/header.js';
import { passwordMethod } from '../../../lambdas/core/auth/password.js';
import { hashPassword } from '../../../lambdas/core/auth/password-hash.js';
import { jwtMethod, TokenRejected } from '../../../lambdas/core/auth/tokens.js';
import { InMemoryUserStore } from '../../../lambdas/core/auth/user-store.js';
import { GatewayError } from '../../../lambdas/core/errors.js';
import { basic, bearer, ecKey, FAST_SCRYPT, fakeTime, nowSeconds, request, signJwt } from './support.js';

async function passwordChainParts() {
  const store = new InMemoryUserStore();
  await store.put({ name: 'alice', passwordHash: await hashPassword('alice-secret-1', FAST_SCRYPT), groups: ['analysts'], disabled: false, failedAttempts: 0, createdAt: 0, updatedAt: 0 });
  await store.put({ name: 'etl', passwordHash: await hashPassword('etl-secret-12', FAST_SCRYPT), groups: ['service'], disabled: false, failedAttempts: 0, createdAt: 0, updatedAt: 0 });
  await store.put({ name: 'dave', groups: ['finance'], disabled: false, failedAttempts: 0, createdAt: 0, updatedAt: 0 });
  const time = fakeTime();
  const password = passwordMethod({ lockout: { maxFailures: 5, lockSeconds: 60, windowSeconds: 60 }, slowdown: { initialDelayMs: 0, maxDelayMs: 0 }, cacheSeconds: 0 }, { store, clock: time.clock, sleep: time.sleep, decoyParams: FAST_SCRYPT });
  return { store, password };
}

/** A JWT method whose verifier accepts any token that carries the marker claim. */
function fakeJwt(issuer: string): AuthMethod {
  return jwtMethod({
    issuer,
    userClaim: 'sub',
    groupsClaim: 'groups',
    verify: async (token) => {
      const [h, p] = token.split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
      if (payload.valid !== true) throw new TokenRejected('signature');
      return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>, payload };
    },
  });
}

describe('the header method', () => {
  const chain = chainAuthenticators([headerMethod()]);

  it('takes the user header of either dialect', async () => {
    expect(await chain.authenticate(request({ 'x-trino-user': 'alice' }))).toEqual({ ok: true, principal: { user: 'alice', groups: [], method: 'header', authenticatedUser: 'alice' } });
    expect(await chain.authenticate(request({ 'x-presto-user': 'bob' }))).toMatchObject({ ok: true, principal: { user: 'bob' } });
  });

  it('takes a Basic user sent without a password, as Trino insecure authentication does', async () => {
    expect(await chain.authenticate(request({ authorization: basic('carol'), 'x-trino-user': 'carol' }))).toMatchObject({ ok: true, principal: { user: 'carol', method: 'header' } });
  });

  it('refuses a password it cannot check, rather than ignoring it', async () => {
    expect(await chain.authenticate(request({ authorization: basic('carol', 'secret-pw'), 'x-trino-user': 'carol' }))).toEqual({ ok: false, status: 401, message: 'Password not allowed for insecure authentication', challenge: [BASIC_CHALLENGE] });
  });

  it('asks for a user with the Basic challenge when there is none', async () => {
    expect(await chain.authenticate(request({}))).toEqual({ ok: false, status: 401, message: 'Basic authentication or X-Trino-User must be sent', challenge: [BASIC_CHALLENGE] });
  });

  it('leaves a request with both dialects to the protocol error', async () => {
    await expect(chain.authenticate(request({ 'x-trino-user': 'a', 'x-presto-user': 'b' }))).rejects.toBeInstanceOf(GatewayError);
  });
});

describe('a chain of methods', () => {
  it('lets the first method that recognises the credential decide; a wrong password never falls through to the header', async () => {
    const { password } = await passwordChainParts();
    const chain = chainAuthenticators([password, headerMethod()]);
    const wrong = await chain.authenticate(request({ authorization: basic('alice', 'wrong-one'), 'x-trino-user': 'alice' }));
    expect(wrong).toMatchObject({ ok: false, status: 401 });
    const right = await chain.authenticate(request({ authorization: basic('alice', 'alice-secret-1'), 'x-trino-user': 'alice' }));
    expect(right).toMatchObject({ ok: true, principal: { user: 'alice', method: 'password', groups: ['analysts'] } });
    // No Authorization at all: the header method is next in line, because the config enabled it.
    const header = await chain.authenticate(request({ 'x-trino-user': 'someone' }));
    expect(header).toMatchObject({ ok: true, principal: { user: 'someone', method: 'header' } });
    expect(chain.trustsUserHeader).toBe(true);
  });

  it('answers a missing credential with every challenge of the chain', async () => {
    const { password } = await passwordChainParts();
    const chain = chainAuthenticators([password, fakeJwt('https://idp.example.com/')]);
    expect(await chain.authenticate(request({ 'x-trino-user': 'alice' }))).toEqual({ ok: false, status: 401, message: 'Unauthorized', challenge: [BASIC_CHALLENGE, BEARER_CHALLENGE] });
    expect(chain.trustsUserHeader).toBe(false);
    expect(chain.methods).toEqual(['password', 'jwt']);
  });

  it('routes a bearer token to the method of its issuer, and refuses tokens of other issuers', async () => {
    const key = ecKey();
    const chain = chainAuthenticators([fakeJwt('https://a.example.com/'), fakeJwt('https://b.example.com/')]);
    const exp = nowSeconds() + 600;
    const fromB = signJwt(key, { iss: 'https://b.example.com/', sub: 'bea', valid: true, exp, groups: ['g1'] });
    expect(await chain.authenticate(request({ authorization: bearer(fromB) }))).toMatchObject({ ok: true, principal: { user: 'bea', groups: ['g1'], method: 'jwt' } });
    const fromC = signJwt(key, { iss: 'https://c.example.com/', sub: 'cid', valid: true, exp });
    expect(await chain.authenticate(request({ authorization: bearer(fromC) }))).toMatchObject({ ok: false, status: 401, message: expect.stringContaining('Invalid token') });
    const invalid = signJwt(key, { iss: 'https://a.example.com/', sub: 'eve', valid: false, exp });
    expect(await chain.authenticate(request({ authorization: bearer(invalid) }))).toMatchObject({ ok: false, status: 401, message: 'Access Denied: Invalid token: the signature does not verify', challenge: [BEARER_CHALLENGE] });
  });

  it('refuses a bearer token when no method takes tokens, even with the header method', async () => {
    const chain = chainAuthenticators([headerMethod()]);
    expect(await chain.authenticate(request({ authorization: bearer('a.b.c'), 'x-trino-user': 'alice' }))).toMatchObject({ ok: false, status: 401 });
    expect(await chain.authenticate(request({ authorization: 'Negotiate abc', 'x-trino-user': 'alice' }))).toMatchObject({ ok: false, status: 401, message: 'Access Denied: unsupported authentication scheme' });
  });
});

describe('impersonation', () => {
  it('is denied by default with 403 and Trino wording', async () => {
    const { password } = await passwordChainParts();
    const chain = chainAuthenticators([password]);
    const result = await chain.authenticate(request({ authorization: basic('etl', 'etl-secret-12'), 'x-trino-user': 'dave' }));
    expect(result).toEqual({ ok: false, status: 403, message: 'Access Denied: User etl cannot impersonate user dave' });
  });

  it('is allowed by the rule, and the session runs as the requested user with that user’s groups', async () => {
    const { store, password } = await passwordChainParts();
    const asked: [string, string][] = [];
    const chain = chainAuthenticators([password], {
      canImpersonate: (who, as, principal) => {
        expect(principal).toMatchObject({ user: who, groups: ['service'], method: 'password' });
        asked.push([who, as]);
        return who === 'etl' && as !== 'alice';
      },
      groupsOf: async (user) => (await store.get(user))?.groups ?? [],
    });
    const allowed = await chain.authenticate(request({ authorization: basic('etl', 'etl-secret-12'), 'x-trino-user': 'dave' }));
    expect(allowed).toEqual({ ok: true, principal: { user: 'dave', groups: ['finance'], method: 'password', authenticatedUser: 'etl' } });
    const denied = await chain.authenticate(request({ authorization: basic('etl', 'etl-secret-12'), 'x-trino-user': 'alice' }));
    expect(denied).toMatchObject({ ok: false, status: 403, message: 'Access Denied: User etl cannot impersonate user alice' });
    expect(asked).toEqual([
      ['etl', 'dave'],
      ['etl', 'alice'],
    ]);
  });

  it('applies to a token principal and to the presto header too', async () => {
    const chain = chainAuthenticators([fakeJwt('https://idp.example.com/')], { canImpersonate: (who, as) => who === 'svc' && as === 'bob' });
    const token = signJwt(ecKey(), { iss: 'https://idp.example.com/', sub: 'svc', valid: true, exp: nowSeconds() + 60 });
    expect(await chain.authenticate(request({ authorization: bearer(token), 'x-presto-user': 'bob' }))).toMatchObject({ ok: true, principal: { user: 'bob', groups: [], authenticatedUser: 'svc' } });
    expect(await chain.authenticate(request({ authorization: bearer(token), 'x-presto-user': 'carl' }))).toMatchObject({ ok: false, status: 403 });
  });
});
