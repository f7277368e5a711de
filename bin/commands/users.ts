/**
 * `bifrost users <add|passwd|disable|enable|unlock|groups|list>`: the password users in the
 * DynamoDB users table. Passwords are read from standard input (a terminal prompt without echo,
 * or `--password-stdin` for scripts), never from the command line, and never printed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoUserStore } from '../../lambdas/adapters/aws/dynamo-user-store.js';
import { DEFAULT_SCRYPT, hashPassword, type ScryptParams } from '../../lambdas/core/auth/password-hash.js';
import { sessionEpochKey, validUserName } from '../../lambdas/core/auth/user-store.js';
import type { UserRecord, UserStore } from '../../lambdas/core/ports/index.js';
import { parseOptions, type CommandIo } from '../cli.js';

const USAGE = `usage:
  bifrost users add NAME [--groups a,b] [--password-stdin]
  bifrost users passwd NAME [--password-stdin]
  bifrost users disable NAME
  bifrost users enable NAME
  bifrost users unlock NAME
  bifrost users groups NAME --groups a,b
  bifrost users list

options:
  --table NAME        the users table (default: $BIFROST_USERS_TABLE)
  --endpoint URL      a local DynamoDB endpoint (e.g. the local server's)
  --region REGION     default: $AWS_REGION
  --password-stdin    read the password from standard input (one line) instead of prompting
`;

export const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 1024;

export interface UsersDeps {
  store?: UserStore;
  clock?: () => number;
  hashParams?: ScryptParams;
}

const OPTIONS = { table: 'string', endpoint: 'string', region: 'string', groups: 'string', 'password-stdin': 'boolean', help: 'boolean' } as const;

export async function run(args: string[], io: CommandIo): Promise<number> {
  return usersCommand(args, io);
}

export async function usersCommand(args: string[], io: CommandIo, deps: UsersDeps = {}): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub ? io.stdout : io.stderr).write(USAGE);
    return sub ? 0 : 2;
  }
  const needsName = sub !== 'list';
  const name = needsName && rest[0] !== undefined && !rest[0].startsWith('--') ? rest.shift() : undefined;
  // A stray word is most likely a password typed on the command line: refuse it without echoing it.
  const stray = rest.findIndex((arg, i) => !arg.startsWith('--') && (i === 0 || !['--table', '--endpoint', '--region', '--groups'].includes(rest[i - 1]!)));
  if (stray >= 0) {
    io.stderr.write(`bifrost users ${sub}: unexpected argument at position ${stray + (name === undefined ? 2 : 3)}; passwords are read from standard input, never from the command line\n`);
    return 2;
  }
  let options: Record<string, string | boolean | undefined>;
  try {
    options = parseOptions(rest, OPTIONS);
  } catch (error) {
    io.stderr.write(`bifrost users: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (!['add', 'passwd', 'disable', 'enable', 'unlock', 'groups', 'list'].includes(sub)) {
    io.stderr.write(`bifrost users: unknown subcommand '${sub}'\n${USAGE}`);
    return 2;
  }
  if (needsName && !name) {
    io.stderr.write(`bifrost users ${sub}: a user name is needed\n${USAGE}`);
    return 2;
  }
  if (name !== undefined && !validUserName(name)) {
    io.stderr.write(`bifrost users: '${name}' is not a valid user name (no spaces, ':' or ',')\n`);
    return 2;
  }
  const store = deps.store ?? openStore(options, io);
  if (!store) return 2;
  const now = deps.clock ?? Date.now;
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const fail = (line: string) => {
    io.stderr.write(`bifrost users ${sub}: ${line}\n`);
    return 1;
  };

  switch (sub) {
    case 'list': {
      const users = await store.list();
      if (users.length === 0) {
        out('no users');
        return 0;
      }
      const rows = users.map((u) => [u.name, u.groups.join(',') || '-', status(u, now())]);
      const width = [0, 1].map((i) => Math.max(i === 0 ? 4 : 6, ...rows.map((r) => r[i]!.length)));
      out(['NAME'.padEnd(width[0]!), 'GROUPS'.padEnd(width[1]!), 'STATUS'].join('  '));
      for (const r of rows) out([r[0]!.padEnd(width[0]!), r[1]!.padEnd(width[1]!), r[2]].join('  '));
      return 0;
    }
    case 'add': {
      if (await store.get(name!)) return fail(`user ${name} exists; use 'bifrost users passwd ${name}' to change the password`);
      const groups = parseGroups(options.groups);
      if (groups instanceof Error) return fail(groups.message);
      const password = await readNewPassword(io, name!, options['password-stdin'] === true);
      if (password instanceof Error) return fail(password.message);
      const t = now();
      await store.put({ name: name!, passwordHash: await hashPassword(password, deps.hashParams ?? DEFAULT_SCRYPT), groups, disabled: false, failedAttempts: 0, createdAt: t, updatedAt: t });
      out(`added user ${name}${groups.length ? ` (groups: ${groups.join(', ')})` : ''}`);
      return 0;
    }
    case 'passwd': {
      const user = await store.get(name!);
      if (!user) return fail(`no user ${name}`);
      const password = await readNewPassword(io, name!, options['password-stdin'] === true);
      if (password instanceof Error) return fail(password.message);
      const { lastFailureAt: _l, lockedUntil: _u, ...kept } = user;
      const passwordHash = await hashPassword(password, deps.hashParams ?? DEFAULT_SCRYPT);
      // The user's admin sessions end with the old password (before the write: a failure leaves them ended).
      await store.endSessions(sessionEpochKey('password', name!));
      await store.put({ ...kept, passwordHash, failedAttempts: 0, updatedAt: now() });
      await store.resetFailures(name!);
      out(`changed the password of ${name}`);
      return 0;
    }
    case 'disable':
    case 'enable': {
      const done = sub === 'disable' ? await store.disable(name!, now()) : await store.enable(name!, now());
      if (!done) return fail(`no user ${name}`);
      out(`${sub}d user ${name}`);
      return 0;
    }
    case 'unlock': {
      if (!(await store.get(name!))) return fail(`no user ${name}`);
      await store.resetFailures(name!);
      out(`unlocked user ${name}`);
      return 0;
    }
    case 'groups': {
      const user = await store.get(name!);
      if (!user) return fail(`no user ${name}`);
      if (options.groups === undefined) {
        out(user.groups.join(',') || '-');
        return 0;
      }
      const groups = parseGroups(options.groups);
      if (groups instanceof Error) return fail(groups.message);
      await store.put({ ...user, groups, updatedAt: now() });
      out(`groups of ${name}: ${groups.join(', ') || '(none)'}`);
      return 0;
    }
  }
  return 2;
}

function status(user: UserRecord, now: number): string {
  if (user.disabled) return 'disabled';
  if (user.lockedUntil !== undefined && user.lockedUntil > now) return `locked until ${new Date(user.lockedUntil).toISOString()}`;
  if (!user.passwordHash) return 'no password';
  return user.failedAttempts > 0 ? `active (${user.failedAttempts} recent failures)` : 'active';
}

function parseGroups(value: string | boolean | undefined): string[] | Error {
  if (typeof value !== 'string') return [];
  const groups = [...new Set(value.split(',').map((g) => g.trim()).filter(Boolean))];
  const bad = groups.find((g) => !/^[A-Za-z0-9._@-]{1,128}$/.test(g));
  return bad === undefined ? groups : new Error(`'${bad}' is not a valid group name (letters, digits, '.', '_', '@', '-')`);
}

function openStore(options: Record<string, string | boolean | undefined>, io: CommandIo): UserStore | undefined {
  const table = (options.table as string | undefined) ?? io.env.BIFROST_USERS_TABLE;
  if (!table) {
    io.stderr.write('bifrost users: name the users table with --table or BIFROST_USERS_TABLE\n');
    return undefined;
  }
  const endpoint = options.endpoint as string | undefined;
  const region = (options.region as string | undefined) ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? (endpoint ? 'local' : undefined);
  if (!region) {
    io.stderr.write('bifrost users: set --region or AWS_REGION\n');
    return undefined;
  }
  // A local endpoint (dynalite) takes any credentials; AWS uses the usual provider chain.
  const localCredentials = endpoint && !io.env.AWS_ACCESS_KEY_ID && !io.env.AWS_PROFILE ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
  const client = new DynamoDBClient({ region, ...(endpoint ? { endpoint } : {}), ...localCredentials });
  return new DynamoUserStore(client, table);
}

async function readNewPassword(io: CommandIo, name: string, fromStdin: boolean): Promise<string | Error> {
  const tty = io.stdin as NodeJS.ReadStream;
  let password: string;
  if (!fromStdin && tty.isTTY && typeof tty.setRawMode === 'function') {
    password = await promptHidden(io, `Password for ${name}: `);
    const again = await promptHidden(io, 'Repeat the password: ');
    if (again !== password) return new Error('the passwords do not match');
  } else {
    password = await readLine(io.stdin);
  }
  if (password.length < MIN_PASSWORD_LENGTH) return new Error(`the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) return new Error(`the password may have at most ${MAX_PASSWORD_LENGTH} characters`);
  if (/[\r\n]/.test(password)) return new Error('the password may not contain a line break');
  return password;
}

/** All of standard input, without one trailing line break (what `echo` or a file adds). */
async function readLine(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads one line from the terminal with echo off. */
function promptHidden(io: CommandIo, prompt: string): Promise<string> {
  const input = io.stdin as NodeJS.ReadStream;
  io.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (data: string) => {
      for (const ch of data) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new Error('interrupted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}
