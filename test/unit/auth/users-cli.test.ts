import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough, Readable } from 'node:stream';
import { main, type CommandIo } from '../../../bin/cli.js';
import { usersCommand } from '../../../bin/commands/users.js';
import { DynamoUserStore } from '../../../lambdas/adapters/aws/dynamo-user-store.js';
import { usersTableDefinition } from '../../../lambdas/adapters/aws/tables.js';
import { parseHash, verifyPassword } from '../../../lambdas/core/auth/password-hash.js';
import { InMemoryUserStore, sessionEpochKey } from '../../../lambdas/core/auth/user-store.js';
import { startLocalDynamo, type LocalDynamo } from '../../../lambdas/local/dynamo.js';
import { FAST_SCRYPT } from './support.js';

const TABLE = 'bifrost-users-cli';
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo([usersTableDefinition(TABLE)]);
});

afterAll(async () => {
  await dynamo?.close();
});

function io(stdin = '', env: Record<string, string | undefined> = {}) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
  const value: CommandIo = { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr, env };
  return { io: value, out: () => Buffer.concat(out).toString(), err: () => Buffer.concat(err).toString() };
}

describe('bifrost users, against DynamoDB', () => {
  const store = () => new DynamoUserStore(dynamo.client, TABLE);

  it('adds a user with groups, reading the password from stdin and never printing it', async () => {
    const t = io('Str0ng-Passw0rd\n', { BIFROST_USERS_TABLE: TABLE });
    expect(await main(['users', 'add', 'alice', '--groups', 'analysts,critical', '--password-stdin', '--endpoint', dynamo.endpoint], t.io)).toBe(0);
    expect(t.out()).toBe('added user alice (groups: analysts, critical)\n');
    expect(t.out() + t.err()).not.toContain('Str0ng-Passw0rd');
    const alice = await store().get('alice');
    expect(alice).toMatchObject({ name: 'alice', groups: ['analysts', 'critical'], disabled: false, failedAttempts: 0 });
    expect(parseHash(alice!.passwordHash!)?.params).toEqual({ logN: 15, r: 8, p: 3 });
    expect(await verifyPassword('Str0ng-Passw0rd', alice!.passwordHash!)).toBe(true);
  });

  it('refuses to add a user twice, and names the table from --table', async () => {
    const t = io('Another-Passw0rd\n');
    expect(await main(['users', 'add', 'alice', '--password-stdin', '--table', TABLE, '--endpoint', dynamo.endpoint], t.io)).toBe(1);
    expect(t.err()).toContain('user alice exists');
  });

  it('changes a password and clears the lock; disables, enables, unlocks and lists', async () => {
    await store().recordFailure('alice', Date.now(), 0);
    await store().lock('alice', Date.now() + 60_000);
    const env = { BIFROST_USERS_TABLE: TABLE };
    const locked = io('', env);
    expect(await main(['users', 'list', '--endpoint', dynamo.endpoint], locked.io)).toBe(0);
    expect(locked.out()).toMatch(/^NAME\s+GROUPS\s+STATUS\nalice\s+analysts,critical\s+locked until /);

    const sessions = sessionEpochKey('password', 'alice');
    const epoch = await store().sessionEpoch(sessions);
    const passwd = io('N3w-Passw0rd-Here\n', env);
    expect(await main(['users', 'passwd', 'alice', '--password-stdin', '--endpoint', dynamo.endpoint], passwd.io)).toBe(0);
    // The admin sessions opened with the old password are over.
    expect(await store().sessionEpoch(sessions)).toBe(epoch + 1);
    expect(passwd.out() + passwd.err()).not.toContain('N3w-Passw0rd-Here');
    const alice = await store().get('alice');
    expect(await verifyPassword('N3w-Passw0rd-Here', alice!.passwordHash!)).toBe(true);
    expect(alice).toMatchObject({ failedAttempts: 0, groups: ['analysts', 'critical'] });
    expect(alice?.lockedUntil).toBeUndefined();

    expect(await main(['users', 'disable', 'alice', '--endpoint', dynamo.endpoint], io('', env).io)).toBe(0);
    const listed = io('', env);
    await main(['users', 'list', '--endpoint', dynamo.endpoint], listed.io);
    expect(listed.out()).toMatch(/alice\s+analysts,critical\s+disabled/);
    expect(listed.out()).not.toContain('$scrypt$');
    expect(await main(['users', 'enable', 'alice', '--endpoint', dynamo.endpoint], io('', env).io)).toBe(0);
    expect((await store().get('alice'))?.disabled).toBe(false);

    await store().lock('alice', Date.now() + 60_000);
    expect(await main(['users', 'unlock', 'alice', '--endpoint', dynamo.endpoint], io('', env).io)).toBe(0);
    expect((await store().get('alice'))?.lockedUntil).toBeUndefined();
  });

  it('answers unknown users and a missing table clearly', async () => {
    const env = { BIFROST_USERS_TABLE: TABLE };
    const ghost = io('', env);
    expect(await main(['users', 'disable', 'ghost', '--endpoint', dynamo.endpoint], ghost.io)).toBe(1);
    expect(ghost.err()).toContain('no user ghost');
    const noTable = io('');
    expect(await main(['users', 'list', '--endpoint', dynamo.endpoint], noTable.io)).toBe(2);
    expect(noTable.err()).toContain('BIFROST_USERS_TABLE');
  });
});

describe('bifrost users, argument checks', () => {
  const run = async (args: string[], stdin = '') => {
    const t = io(stdin);
    const code = await usersCommand(args, t.io, { store: new InMemoryUserStore(), hashParams: FAST_SCRYPT });
    return { code, out: t.out(), err: t.err() };
  };

  it('never takes a password from the command line, and does not echo one given there', async () => {
    const r = await run(['add', 'bob', 'Typed-On-The-Line-1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('passwords are read from standard input');
    expect(r.err).not.toContain('Typed-On-The-Line-1');
    expect((await run(['add', 'bob', '--password', 'x'])).code).toBe(2);
  });

  it('refuses short passwords, bad names and bad groups', async () => {
    expect(await run(['add', 'bob', '--password-stdin'], 'short\n')).toMatchObject({ code: 1, err: expect.stringContaining('at least 8') });
    expect((await run(['add', 'bo b', '--password-stdin'], 'long-enough-1\n')).code).toBe(2);
    expect((await run(['add', 'bob:x', '--password-stdin'], 'long-enough-1\n')).code).toBe(2);
    expect(await run(['add', 'bob', '--groups', 'ok,not ok', '--password-stdin'], 'long-enough-1\n')).toMatchObject({ code: 1, err: expect.stringContaining('not a valid group name') });
    expect((await run(['frobnicate', 'bob'])).code).toBe(2);
    expect((await run(['passwd'])).code).toBe(2);
  });

  it('reads the password from a pipe without --password-stdin, and sets groups later', async () => {
    const store = new InMemoryUserStore();
    const t = io('piped-password-1\n');
    expect(await usersCommand(['add', 'carol'], t.io, { store, hashParams: FAST_SCRYPT })).toBe(0);
    expect(await verifyPassword('piped-password-1', (await store.get('carol'))!.passwordHash!)).toBe(true);
    const g = io('');
    expect(await usersCommand(['groups', 'carol', '--groups', 'a,b,a'], g.io, { store })).toBe(0);
    expect((await store.get('carol'))?.groups).toEqual(['a', 'b']);
  });

  it('is listed by the dispatcher', async () => {
    const t = io('');
    await main(['help'], t.io);
    expect(t.out()).toMatch(/users\s+manage password users/);
  });
});
