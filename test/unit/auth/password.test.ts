import { beforeEach, describe, expect, it } from 'vitest';
import { chainAuthenticators, BASIC_CHALLENGE } from '../../../lambdas/core/auth/chain.js';
import { decoyHash, failureDelay, INVALID_CREDENTIALS, passwordMethod, type PasswordPolicy } from '../../../lambdas/core/auth/password.js';
import { hashPassword, needsRehash, parseHash, verifyPassword } from '../../../lambdas/core/auth/password-hash.js';
import { InMemoryUserStore } from '../../../lambdas/core/auth/user-store.js';
import { GatewayError } from '../../../lambdas/core/errors.js';
import type { ScryptParams } from '../../../lambdas/core/auth/password-hash.js';
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
    const auth = chain({ ...POLICY, lockout: { maxFailures: 5, lockSeconds: 1_200, windowSeconds: 600 } });
    for (let i = 0; i < 5; i++) await auth.authenticate(request({ authorization: basic('alice', `guess-${i}`) }));
    const locked = await store.get('alice');
    expect(locked?.failedAttempts).toBe(5);
    expect(locked?.lockedUntil).toBe(locked!.lastFailureAt! + 1_200_000);

    // The name has reached its limit of failures: refused unchecked, saying how long to wait.
    const sleepsBefore = time.sleeps.length;
    const whileLimited = await auth.authenticate(request({ authorization: basic('alice', 'alice-secret-1') }));
    expect(whileLimited).toMatchObject({ ok: false, status: 401, message: expect.stringMatching(/^Access Denied: Too many failed sign-in attempts; wait \d+ seconds and try again$/), challenge: [BASIC_CHALLENGE] });
    expect(time.sleeps.length).toBe(sleepsBefore);
    expect((await store.get('alice'))?.failedAttempts).toBe(5);
    const wait = (whileLimited as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(whileLimited.ok === false && whileLimited.message).toContain(`wait ${wait} seconds`);

    // After the wait the attempt is checked again; the lock still refuses the right password, as it would a wrong one.
    time.advance(wait * 1000);
    const whileLocked = await auth.authenticate(request({ authorization: basic('alice', 'alice-secret-1') }));
    expect(whileLocked).toEqual({ ok: false, status: 401, message: INVALID_CREDENTIALS, challenge: [BASIC_CHALLENGE] });
    expect((await store.get('alice'))?.failedAttempts).toBe(5);

    time.advance(1_200_000);
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

  it('remembers a verified password for cacheSeconds (no scrypt, no limit check), then checks it afresh', async () => {
    let checks = 0;
    const counting = Object.assign(store, { failureWindows: (keys: readonly string[]) => (checks++, InMemoryUserStore.prototype.failureWindows.call(store, keys)) });
    const auth = chainAuthenticators([passwordMethod({ ...POLICY, cacheSeconds: 60 }, { store: counting, clock: time.clock, sleep: time.sleep, decoyParams: FAST_SCRYPT })]);
    const ok = request({ authorization: basic('alice', 'alice-secret-1') });
    expect((await auth.authenticate(ok)).ok).toBe(true);
    expect(checks).toBe(1);
    expect((await auth.authenticate(ok)).ok).toBe(true);
    expect(checks).toBe(1);
    // A different password is never served from the cache.
    expect((await auth.authenticate(request({ authorization: basic('alice', 'alice-secret-2') }))).ok).toBe(false);
    time.advance(61_000);
    expect((await auth.authenticate(ok)).ok).toBe(true);
    expect(checks).toBe(3);
  });

  it('ends a remembered password at once when the user is disabled, the password changes or the account locks', async () => {
    const auth = chain({ ...POLICY, cacheSeconds: 3_600 });
    const ok = request({ authorization: basic('alice', 'alice-secret-1') });
    expect((await auth.authenticate(ok)).ok).toBe(true);
    await store.disable('alice', time.clock());
    expect((await auth.authenticate(ok)).ok).toBe(false);
    await store.enable('alice', time.clock());
    expect((await auth.authenticate(ok)).ok).toBe(true);

    const record = (await store.get('alice'))!;
    await store.put({ ...record, passwordHash: await hashPassword('alice-secret-2', FAST_SCRYPT) });
    expect((await auth.authenticate(ok)).ok).toBe(false);
    expect((await auth.authenticate(request({ authorization: basic('alice', 'alice-secret-2') }))).ok).toBe(true);

    await store.lock('alice', time.clock() + 60_000);
    expect((await auth.authenticate(request({ authorization: basic('alice', 'alice-secret-2') }))).ok).toBe(false);
  });

  it('groups come from the record also for a remembered password', async () => {
    const auth = chain({ ...POLICY, cacheSeconds: 3_600 });
    const ok = request({ authorization: basic('alice', 'alice-secret-1') });
    expect((await auth.authenticate(ok)).ok).toBe(true);
    await store.put({ ...(await store.get('alice'))!, groups: ['analysts'] });
    const again = await auth.authenticate(ok);
    expect(again.ok && again.principal.groups).toEqual(['analysts']);
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

  it('limits failures per client address across user names, and lets other addresses in', async () => {
    const auth = chain({ ...POLICY, lockout: { ...POLICY.lockout, maxFailures: 0 }, perAddress: { maxFailures: 4, windowSeconds: 60 } });
    const from = (address: string, user: string, password: string) => auth.authenticate(request({ authorization: basic(user, password) }, { remoteAddress: address }));
    for (const user of ['alice', 'mallory', 'trent', 'alice']) expect((await from('198.51.100.7', user, 'guess-123')).ok).toBe(false);
    const limited = await from('198.51.100.7', 'alice', 'alice-secret-1');
    expect(limited).toMatchObject({ ok: false, status: 401, challenge: [BASIC_CHALLENGE], message: expect.stringMatching(/Too many failed sign-in attempts; wait \d+ seconds/) });
    // The same address written another way, and another IPv6 address of the same /64, count together.
    expect((await from('::ffff:198.51.100.7', 'alice', 'alice-secret-1')).ok).toBe(false);
    expect((await from('198.51.100.8', 'alice', 'alice-secret-1')).ok).toBe(true);
    for (let i = 0; i < 4; i++) await from(`2001:db8:1:2::${i + 1}`, 'mallory', 'guess-123');
    expect((await from('2001:db8:1:2:ffff::9', 'alice', 'alice-secret-1')).ok).toBe(false);
    expect((await from('2001:db8:1:3::1', 'alice', 'alice-secret-1')).ok).toBe(true);

    time.advance((limited as { retryAfterSeconds: number }).retryAfterSeconds * 1000);
    expect((await from('198.51.100.7', 'alice', 'alice-secret-1')).ok).toBe(true);
  });

  it('answers no guess from a limited address out of the remembered passwords', async () => {
    const auth = chain({ ...POLICY, lockout: { ...POLICY.lockout, maxFailures: 0 }, perAddress: { maxFailures: 3, windowSeconds: 60 }, cacheSeconds: 3_600 });
    const from = (address: string, password: string) => auth.authenticate(request({ authorization: basic('alice', password) }, { remoteAddress: address }));
    expect((await from('198.51.100.1', 'alice-secret-1')).ok).toBe(true);
    for (let i = 0; i < 3; i++) await from('203.0.113.5', `guess-${i}-x`);
    expect(await from('203.0.113.5', 'alice-secret-1')).toMatchObject({ ok: false, message: expect.stringMatching(/Too many failed sign-in attempts/) });
    // The client that logged in keeps being answered from memory.
    expect((await from('198.51.100.1', 'alice-secret-1')).ok).toBe(true);
  });

  it('limits user names that do not exist exactly as users that do: the answers tell nothing', async () => {
    const auth = chain({ ...POLICY, lockout: { maxFailures: 3, lockSeconds: 600, windowSeconds: 600 }, perAddress: { maxFailures: 0, windowSeconds: 60 } });
    const answers = async (user: string) => {
      // Each run starts at the same point of the window: waits depend on where in it the failures fell.
      time.advance(600_000 - (time.clock() % 600_000));
      const sleepsBefore = time.sleeps.length;
      const out = [];
      for (let i = 0; i < 5; i++) out.push(await auth.authenticate(request({ authorization: basic(user, `guess-${i}-x`) })));
      return { out, sleeps: time.sleeps.slice(sleepsBefore) };
    };
    const known = await answers('alice');
    const disabled = await answers('bob');
    const unknown = await answers('nobody-here');
    expect(unknown).toEqual(known);
    expect(disabled).toEqual(known);
    expect(known.sleeps).toEqual([100, 200, 400]);
    expect(known.out.map((a) => a.ok === false && a.message)).toEqual([INVALID_CREDENTIALS, INVALID_CREDENTIALS, INVALID_CREDENTIALS, expect.stringMatching(/wait 600 seconds/), expect.stringMatching(/wait 600 seconds/)]);
  });

  it('a success forgets the failures counted against the name', async () => {
    const auth = chain({ ...POLICY, lockout: { maxFailures: 3, lockSeconds: 600, windowSeconds: 600 } });
    for (let i = 0; i < 2; i++) await auth.authenticate(request({ authorization: basic('alice', `guess-${i}`) }));
    expect((await auth.authenticate(request({ authorization: basic('alice', 'alice-secret-1') }))).ok).toBe(true);
    for (let i = 0; i < 2; i++) await auth.authenticate(request({ authorization: basic('alice', `guess-${i}`) }));
    expect((await auth.authenticate(request({ authorization: basic('alice', 'alice-secret-1') }))).ok).toBe(true);
  });

  it('checks unknown users against a decoy of the configured cost that no password matches', async () => {
    const decoy = decoyHash({ logN: 15, r: 8, p: 3 });
    expect(parseHash(decoy)?.params).toEqual({ logN: 15, r: 8, p: 3 });
    expect(decoyHash(FAST_SCRYPT)).not.toBe(decoyHash(FAST_SCRYPT));
    expect(await verifyPassword('', decoyHash(FAST_SCRYPT))).toBe(false);
  });
});

describe('sign-in timing', () => {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

  /**
   * Median time of an unknown user over that of a wrong password, from interleaved samples (the
   * order alternates, so drifts of a noisy machine hit both alike); real clock, no slowdown.
   */
  async function unknownOverKnown(userParams: ScryptParams, decoyParams: ScryptParams): Promise<number> {
    const store = new InMemoryUserStore();
    await store.put({ name: 'alice', passwordHash: await hashPassword('alice-secret-1', userParams), groups: [], disabled: false, failedAttempts: 0, createdAt: 0, updatedAt: 0 });
    const policy: PasswordPolicy = { lockout: { maxFailures: 0, lockSeconds: 60, windowSeconds: 60 }, perAddress: { maxFailures: 0, windowSeconds: 60 }, slowdown: { initialDelayMs: 0, maxDelayMs: 0 }, cacheSeconds: 0 };
    const auth = chainAuthenticators([passwordMethod(policy, { store, decoyParams })]);
    const timed = async (user: string) => {
      const started = process.hrtime.bigint();
      const result = await auth.authenticate(request({ authorization: basic(user, 'not-the-password') }));
      const elapsed = Number(process.hrtime.bigint() - started);
      expect(result).toEqual({ ok: false, status: 401, message: INVALID_CREDENTIALS, challenge: [BASIC_CHALLENGE] });
      return elapsed;
    };
    for (let i = 0; i < 3; i++) await Promise.all([timed('alice'), timed(`warm-${i}`)]);
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 31; i++) {
      if (i % 2 === 0) {
        known.push(await timed('alice'));
        unknown.push(await timed(`nobody-${i}`));
      } else {
        unknown.push(await timed(`nobody-${i}`));
        known.push(await timed('alice'));
      }
    }
    return median(unknown) / median(known);
  }

  it('an unknown user takes as long as a wrong password (one scrypt of the same cost each)', async () => {
    const params = { logN: 12, r: 8, p: 1 };
    const ratio = await unknownOverKnown(params, params);
    // Generous bounds: a shared machine is noisy, but a missing or cheaper decoy is off by orders of magnitude.
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.6);
  });

  it('the check tells when the decoy is cheaper than the real hashes', async () => {
    expect(await unknownOverKnown({ logN: 12, r: 8, p: 1 }, FAST_SCRYPT)).toBeLessThan(0.5);
  });
});
