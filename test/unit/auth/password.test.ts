import { beforeEach, describe, expect, it } from 'vitest';
import { chainAuthenticators, BASIC_CHALLENGE } from '../../../lambdas/core/auth/chain.js';
import { failureDelay, INVALID_CREDENTIALS, passwordMethod, type PasswordPolicy } from '../../../lambdas/core/auth/password.js';
import { hashPassword, needsRehash, parseHash, verifyPassword } from '../../../lambdas/core/auth/password-hash.js';
import { InMemoryUserStore } from '../../../lambdas/core/auth/user-store.js';
import { GatewayError } from '../../../lambdas/core/errors.js';
import { basic, capturingLogger, FAST_SCRYPT, fakeTime, request } from './support.js';

const POLICY: PasswordPolicy = {
  lockout: { maxFailures: 5, lockSeconds: 600, windowSeconds: 600 },
  slowdown: { initialDelayMs: 100, maxDelayMs: 1_000 },
  cacheSeconds: 0,
};

describe('password hashes', () => {
  it('are scrypt in PHC format with a per-user salt and their parameters', async () => {
    const a = await hashPassword('correct horse', FAST_SCRYPT);
    const b = await hashPassword('correct horse', FAST_SCRYPT);
    expect(a).toMatch(/^\$scrypt\$ln=4,r=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('verify with the parameters stored in the hash, and report weak ones', async () => {
    const strong = await hashPassword('pw-12345', { logN: 6, r: 2, p: 1 });
    expect(parseHash(strong)?.params).toEqual({ logN: 6, r: 2, p: 1 });
    expect(await verifyPassword('pw-12345', strong)).toBe(true);
    expect(needsRehash(strong)).toBe(true);
    expect(needsRehash(strong, { logN: 6, r: 2, p: 1 })).toBe(false);
  });

  it('refuse stored parameters that would exhaust memory, and malformed hashes', async () => {
    const good = await hashPassword('pw-12345', FAST_SCRYPT);
    const greedy = good.replace('ln=4', 'ln=30');
    expect(parseHash(greedy)).toBeUndefined();
    expect(await verifyPassword('pw-12345', greedy)).toBe(false);
    expect(await verifyPassword('pw-12345', 'plain')).toBe(false);
    expect(await verifyPassword('pw-12345', good.slice(0, -4))).toBe(false);
  });

  it('treat composed and decomposed accents alike', async () => {
    const hash = await hashPassword('caf\u00e9-latte', FAST_SCRYPT);
    expect(await verifyPassword('cafe\u0301-latte', hash)).toBe(true);
  });
});

describe('the password method', () => {
  let store: InMemoryUserStore;
  let time: ReturnType<typeof fakeTime>;

  beforeEach(async () => {
    store = new InMemoryUserStore();
    time = fakeTime();
    const t = time.clock();
    await store.put({ name: 'alice', passwordHash: await hashPassword('alice-secret-1', FAST_SCRYPT), groups: ['analysts', 'critical'], disabled: false, failedAttempts: 0, createdAt: t, updatedAt: t });
    await store.put({ name: 'bob', passwordHash: await hashPassword('bob-secret-1', FAST_SCRYPT), groups: [], disabled: true, failedAttempts: 0, createdAt: t, updatedAt: t });
    await store.put({ name: 'carol', groups: ['jwt-only'], disabled: false, failedAttempts: 0, createdAt: t, updatedAt: t });
  });

  function chain(policy: PasswordPolicy = POLICY) {
    return chainAuthenticators([passwordMethod(policy, { store, clock: time.clock, sleep: time.sleep, decoyParams: FAST_SCRYPT })]);
  }

  it('accepts the right password, with the groups of the user record', async () => {
    const result = await chain().authenticate(request({ authorization: basic('alice', 'alice-secret-1'), 'x-trino-user': 'alice' }));
    expect(result).toEqual({ ok: true, principal: { user: 'alice', groups: ['analysts', 'critical'], method: 'password', authenticatedUser: 'alice' } });
    expect(time.sleeps).toEqual([]);
  });

  it('accepts the scheme in any case and a Basic header without a user header', async () => {
    const header = basic('alice', 'alice-secret-1').replace('Basic', 'bAsIc');
    const result = await chain().authenticate(request({ authorization: header }));
    expect(result.ok && result.principal.user).toBe('alice');
  });

  it('refuses a wrong password with 401 and the Basic challenge, and counts the failure', async () => {
    const result = await chain().authenticate(request({ authorization: basic('alice', 'wrong-password') }));
    expect(result).toEqual({ ok: false, status: 401, message: INVALID_CREDENTIALS, challenge: [BASIC_CHALLENGE] });
    expect((await store.get('alice'))?.failedAttempts).toBe(1);
  });

  it('refuses a disabled user even with the right password', async () => {
    const result = await chain().authenticate(request({ authorization: basic('bob', 'bob-secret-1') }));
    expect(result).toMatchObject({ ok: false, status: 401, message: INVALID_CREDENTIALS });
  });

  it('refuses unknown users and users without a password with the same answer', async () => {
    const unknown = await chain().authenticate(request({ authorization: basic('mallory', 'whatever-1') }));
    const noPassword = await chain().authenticate(request({ authorization: basic('carol', 'whatever-1') }));
    const wrong = await chain().authenticate(request({ authorization: basic('alice', 'whatever-1') }));
    expect(unknown).toEqual(wrong);
    expect(noPassword).toEqual(wrong);
    expect(await store.get('mallory')).toBeUndefined();
  });

  it('refuses a Basic header without a password', async () => {
    const result = await chain().authenticate(request({ authorization: basic('alice') }));
    expect(result).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses malformed Basic credentials as Trino does', async () => {
    expect(await chain().authenticate(request({ authorization: 'Basic !!!notbase64' }))).toMatchObject({ ok: false, status: 401, message: 'Invalid base64 encoded credentials' });
    expect(await chain().authenticate(request({ authorization: 'Basic ' + Buffer.from(':pw').toString('base64') }))).toMatchObject({ ok: false, status: 401, message: 'Malformed credentials: user is empty' });
  });

  it('reads ISO-8859-1 credentials (JDBC, the CLI) and UTF-8 ones (Python, browsers) alike', async () => {
    await store.put({ name: 'dora', passwordHash: await hashPassword('s\u00e9same-ouvre', FAST_SCRYPT), groups: [], disabled: false, failedAttempts: 0, createdAt: 0, updatedAt: 0 });
    const latin1 = 'Basic ' + Buffer.from('dora:s\u00e9same-ouvre', 'latin1').toString('base64');
    const utf8 = 'Basic ' + Buffer.from('dora:s\u00e9same-ouvre', 'utf8').toString('base64');
    expect((await chain().authenticate(request({ authorization: latin1 }))).ok).toBe(true);
    expect((await chain().authenticate(request({ authorization: utf8 }))).ok).toBe(true);
  });

  it('slows each further failure down, doubling up to the cap', async () => {
    const auth = chain({ ...POLICY, lockout: { ...POLICY.lockout, maxFailures: 0 } });
    for (let i = 0; i < 6; i++) await auth.authenticate(request({ authorization: basic('alice', `guess-${i}`) }));
    expect(time.sleeps).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(failureDelay(0, POLICY.slowdown)).toBe(0);
    expect(failureDelay(40, POLICY.slowdown)).toBe(1_000);
  });

  it('locks the account after repeated failures, refuses even the right password while locked, and unlocks after the lock time', async () => {
    const auth = chain();
    for (let i = 0; i < 5; i++) await auth.authenticate(request({ authorization: basic('alice', `guess-${i}`) }));
    const locked = await store.get('alice');
    expect(locked?.failedAttempts).toBe(5);
    expect(locked?.lockedUntil).toBe(locked!.lastFailureAt! + 600_000);

    const sleepsBefore = time.sleeps.length;
    const whileLocked = await auth.authenticate(request({ authorization: basic('alice', 'alice-secret-1') }));
    expect(whileLocked).toMatchObject({ ok: false, status: 401, message: INVALID_CREDENTIALS });
    // A locked account is answered at once: no hashing, no sleeping, no further counting.
    expect(time.sleeps.length).toBe(sleepsBefore);
    expect((await store.get('alice'))?.failedAttempts).toBe(5);

    time.advance(600_000);
    const after = await auth.authenticate(request({ authorization: basic('alice', 'alice-secret-1') }));
    expect(after.ok).toBe(true);
    const reset = await store.get('alice');
    expect(reset?.failedAttempts).toBe(0);
    expect(reset?.lockedUntil).toBeUndefined();
  });

  it('forgets failures older than the window', async () => {
    const auth = chain();
    for (let i = 0; i < 4; i++) await auth.authenticate(request({ authorization: basic('alice', `guess-${i}`) }));
    time.advance(601_000);
    await auth.authenticate(request({ authorization: basic('alice', 'guess-again') }));
    const record = await store.get('alice');
    expect(record?.failedAttempts).toBe(1);
    expect(record?.lockedUntil).toBeUndefined();
  });

  it('a success resets the counter', async () => {
    const auth = chain();
    await auth.authenticate(request({ authorization: basic('alice', 'guess') }));
    await auth.authenticate(request({ authorization: basic('alice', 'alice-secret-1') }));
    expect((await store.get('alice'))?.failedAttempts).toBe(0);
  });

  it('remembers a verified password for cacheSeconds, then asks the store again', async () => {
    const auth = chain({ ...POLICY, cacheSeconds: 60 });
    const ok = request({ authorization: basic('alice', 'alice-secret-1') });
    expect((await auth.authenticate(ok)).ok).toBe(true);
    await store.disable('alice', time.clock());
    expect((await auth.authenticate(ok)).ok).toBe(true);
    // A different password is never served from the cache.
    expect((await auth.authenticate(request({ authorization: basic('alice', 'alice-secret-2') }))).ok).toBe(false);
    time.advance(61_000);
    expect((await auth.authenticate(ok)).ok).toBe(false);
  });

  it('answers 503 (clients retry polls) when the user store fails, and logs no password', async () => {
    const log = capturingLogger();
    const broken = Object.assign(new InMemoryUserStore(), { get: async () => Promise.reject(new Error('ProvisionedThroughputExceededException')) });
    const auth = chainAuthenticators([passwordMethod(POLICY, { store: broken, clock: time.clock, sleep: time.sleep, decoyParams: FAST_SCRYPT })], { log });
    const failure = await auth.authenticate(request({ authorization: basic('alice', 'alice-secret-1') })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({ httpStatus: 503 });
    expect(log.text()).toContain('ProvisionedThroughputExceededException');
    expect(log.text()).not.toContain('alice-secret-1');
  });

  it('counts parallel failures exactly', async () => {
    const auth = chain({ ...POLICY, lockout: { ...POLICY.lockout, maxFailures: 100 } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => auth.authenticate(request({ authorization: basic('alice', `parallel-${i}`) }))));
    expect((await store.get('alice'))?.failedAttempts).toBe(20);
  });
});
