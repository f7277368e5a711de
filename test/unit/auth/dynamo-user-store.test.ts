import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoUserStore } from '../../../lambdas/adapters/aws/dynamo-user-store.js';
import { usersTableDefinition } from '../../../lambdas/adapters/aws/tables.js';
import { chainAuthenticators } from '../../../lambdas/core/auth/chain.js';
import { passwordMethod } from '../../../lambdas/core/auth/password.js';
import { hashPassword } from '../../../lambdas/core/auth/password-hash.js';
import { addressAttemptKey, userAttemptKey } from '../../../lambdas/core/auth/sign-in-limits.js';
import { InMemoryUserStore, sessionEpochKey } from '../../../lambdas/core/auth/user-store.js';
import type { UserRecord, UserStore } from '../../../lambdas/core/ports/index.js';
import { startLocalDynamo, type LocalDynamo } from '../../../lambdas/local/dynamo.js';
import { basic, FAST_SCRYPT, fakeTime, request } from './support.js';

const TABLE = 'bifrost-users-test';
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo([usersTableDefinition(TABLE)]);
});

afterAll(async () => {
  await dynamo?.close();
});

const user = (name: string, extra: Partial<UserRecord> = {}): UserRecord => ({ name, groups: ['g1', 'g2'], disabled: false, failedAttempts: 0, createdAt: 1_000, updatedAt: 1_000, passwordHash: '$scrypt$ln=4,r=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43), ...extra });

/** The same contract, for both implementations. */
function contract(name: string, makeStore: () => UserStore) {
  describe(`${name} user store`, () => {
    it('puts, gets and lists users sorted by name, with groups and flags', async () => {
      const store = makeStore();
      await store.put(user('zoe'));
      await store.put(user('adam', { groups: [], disabled: true }));
      expect(await store.get('zoe')).toEqual(user('zoe'));
      expect(await store.get('adam')).toEqual(user('adam', { groups: [], disabled: true }));
      expect(await store.get('nobody')).toBeUndefined();
      const names = (await store.list()).map((u) => u.name);
      expect(names.filter((n) => n === 'adam' || n === 'zoe')).toEqual(['adam', 'zoe']);
      expect(names).toEqual([...names].sort());
    });

    it('disables and enables existing users only', async () => {
      const store = makeStore();
      await store.put(user('dan'));
      expect(await store.disable('dan', 2_000)).toBe(true);
      expect(await store.get('dan')).toMatchObject({ disabled: true, updatedAt: 2_000 });
      expect(await store.enable('dan', 3_000)).toBe(true);
      expect(await store.get('dan')).toMatchObject({ disabled: false, updatedAt: 3_000 });
      expect(await store.disable('ghost', 2_000)).toBe(false);
      expect(await store.get('ghost')).toBeUndefined();
    });

    it('counts failures within the window, starts again after it, locks and resets', async () => {
      const store = makeStore();
      await store.put(user('fay'));
      expect(await store.recordFailure('fay', 10_000, 0)).toBe(1);
      expect(await store.recordFailure('fay', 11_000, 0)).toBe(2);
      expect(await store.recordFailure('fay', 12_000, 5_000)).toBe(3);
      expect(await store.recordFailure('fay', 100_000, 50_000)).toBe(1);
      await store.lock('fay', 200_000);
      expect(await store.get('fay')).toMatchObject({ failedAttempts: 1, lastFailureAt: 100_000, lockedUntil: 200_000 });
      await store.resetFailures('fay');
      const reset = await store.get('fay');
      expect(reset?.failedAttempts).toBe(0);
      expect(reset?.lastFailureAt).toBeUndefined();
      expect(reset?.lockedUntil).toBeUndefined();
    });

    it('creates nothing for failures of unknown users', async () => {
      const store = makeStore();
      expect(await store.recordFailure('ghost', 1, 0)).toBeUndefined();
      await store.lock('ghost', 5);
      await store.resetFailures('ghost');
      expect(await store.get('ghost')).toBeUndefined();
    });

    it('counts parallel failures exactly', async () => {
      const store = makeStore();
      await store.put(user('gus'));
      await Promise.all(Array.from({ length: 12 }, (_, i) => store.recordFailure('gus', 1_000 + i, 0)));
      expect((await store.get('gus'))?.failedAttempts).toBe(12);
    });

    it('counts failed sign-ins per key in windows that roll over, in parallel exactly, and clears them', async () => {
      const store = makeStore();
      const key = addressAttemptKey(`203.0.113.${Math.floor(Math.random() * 250)}`)!;
      const W = 60_000;
      expect(await store.failureWindows([key])).toEqual([undefined]);
      await Promise.all(Array.from({ length: 8 }, (_, i) => store.countFailure(key, 10 * W + i, W)));
      expect(await store.failureWindows([key, userAttemptKey('nobody')])).toEqual([{ windowStart: 10 * W, failures: 8, previousFailures: 0 }, undefined]);
      expect(await store.countFailure(key, 11 * W + 5, W)).toEqual({ windowStart: 11 * W, failures: 1, previousFailures: 8 });
      expect(await store.countFailure(key, 11 * W + 6, W)).toEqual({ windowStart: 11 * W, failures: 2, previousFailures: 8 });
      expect(await store.countFailure(key, 30 * W, W)).toEqual({ windowStart: 30 * W, failures: 1, previousFailures: 0 });
      await store.clearFailures(key);
      expect((await store.failureWindows([key]))[0]?.failures ?? 0).toBe(0);
    });

    it('keeps session epochs that only move on; disabling a user ends their password sessions', async () => {
      const store = makeStore();
      await store.put(user('ivy'));
      const key = sessionEpochKey('password', 'ivy');
      const before = await store.sessionEpoch(key);
      await store.endSessions(key);
      expect(await store.sessionEpoch(key)).toBe(before + 1);
      await store.disable('ivy', 5_000);
      expect(await store.sessionEpoch(key)).toBe(before + 2);
      await store.enable('ivy', 6_000);
      expect(await store.sessionEpoch(key)).toBe(before + 2);
      expect(await store.sessionEpoch(sessionEpochKey('header', 'ivy'))).toBe(0);
    });

    it('never lists or returns those items as users; a reset also clears the failures of the name', async () => {
      const store = makeStore();
      await store.put(user('jo'));
      await store.countFailure(userAttemptKey('jo'), 1_000, 60_000);
      await store.countFailure(addressAttemptKey('198.51.100.99')!, 1_000, 60_000);
      await store.endSessions(sessionEpochKey('alb-oidc', 'jo@example.com'));
      const names = (await store.list()).map((u) => u.name);
      expect(names).toContain('jo');
      expect(names.some((n) => n.includes(':'))).toBe(false);
      expect(await store.get(userAttemptKey('jo'))).toBeUndefined();
      expect(await store.get(sessionEpochKey('alb-oidc', 'jo@example.com'))).toBeUndefined();
      await store.resetFailures('jo');
      expect((await store.failureWindows([userAttemptKey('jo')]))[0]?.failures ?? 0).toBe(0);
    });
  });
}

contract('the in-memory', () => new InMemoryUserStore());
contract('the DynamoDB', () => new DynamoUserStore(dynamo.client, TABLE));

describe('passwords against the DynamoDB store', () => {
  it('log in, count failures and lock the account', async () => {
    const store = new DynamoUserStore(dynamo.client, TABLE);
    await store.put(user('hana', { passwordHash: await hashPassword('hana-secret-9', FAST_SCRYPT), groups: ['analysts'] }));
    const time = fakeTime();
    const chain = chainAuthenticators([passwordMethod({ lockout: { maxFailures: 3, lockSeconds: 60, windowSeconds: 60 }, slowdown: { initialDelayMs: 10, maxDelayMs: 40 }, cacheSeconds: 0 }, { store, clock: time.clock, sleep: time.sleep, decoyParams: FAST_SCRYPT })]);
    expect(await chain.authenticate(request({ authorization: basic('hana', 'hana-secret-9') }))).toMatchObject({ ok: true, principal: { user: 'hana', groups: ['analysts'] } });
    for (let i = 0; i < 3; i++) expect((await chain.authenticate(request({ authorization: basic('hana', 'nope-' + i) }))).ok).toBe(false);
    expect(time.sleeps).toEqual([10, 20, 40]);
    expect((await store.get('hana'))?.lockedUntil).toBeGreaterThan(time.clock());
    expect((await chain.authenticate(request({ authorization: basic('hana', 'hana-secret-9') }))).ok).toBe(false);
    time.advance(61_000);
    expect((await chain.authenticate(request({ authorization: basic('hana', 'hana-secret-9') }))).ok).toBe(true);
    expect((await store.get('hana'))?.failedAttempts).toBe(0);
  });
});
