import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { BasicAuth, Trino } from 'trino-client';
import { AuthSetupError, authSchema, createAuthenticator, hashPassword, InMemoryUserStore } from '../../lambdas/core/auth/index.js';
import { parseConfigText } from '../../lambdas/core/config/schema.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';
import { loadTlsOptions } from '../../lambdas/local/tls.js';
import { opensslAvailable, selfSignedCertificate } from '../support/certificates.js';

/**
 * The Trino clients authenticating end to end against the local server over HTTPS, as JDBC
 * requires for passwords. The certificate comes from the openssl binary when there is one.
 */
const haveOpenssl = opensslAvailable();
if (!haveOpenssl) console.warn('auth.test.ts: skipped, the openssl binary is not available to make a test certificate');

describe.skipIf(!haveOpenssl)('password authentication over HTTPS', () => {
  // Every log line of the run, checked at the end for secrets.
  const lines: string[] = [];
  const log = { info: (m: string, e?: object) => lines.push(m + JSON.stringify(e ?? {})), warn: (m: string, e?: object) => lines.push(m + JSON.stringify(e ?? {})), error: (m: string, e?: object) => lines.push(m + JSON.stringify(e ?? {})) };
  let dir: string;
  let server: LocalServer;
  let ca: string;
  let users: InMemoryUserStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bifrost-auth-'));
    const { cert, key } = selfSignedCertificate(dir);
    const tls = loadTlsOptions(cert, key);
    ca = tls.cert.toString();
    users = new InMemoryUserStore();
    const now = Date.now();
    const params = { logN: 10, r: 8, p: 1 };
    await users.put({ name: 'alice', passwordHash: await hashPassword('alice-pw-123', params), groups: ['analysts'], disabled: false, failedAttempts: 0, createdAt: now, updatedAt: now });
    await users.put({ name: 'bob', passwordHash: await hashPassword('bob-pw-4567', params), groups: [], disabled: false, failedAttempts: 0, createdAt: now, updatedAt: now });
    await users.put({ name: 'carl', passwordHash: await hashPassword('carl-pw-890', params), groups: [], disabled: true, failedAttempts: 0, createdAt: now, updatedAt: now });
    const authenticator = createAuthenticator(
      { auth: authSchema.parse({ methods: [{ type: 'password', slowdown: { initialDelayMs: 0, maxDelayMs: 0 }, perAddress: { maxFailures: 8, windowSeconds: 600 } }] }) },
      { userStore: users, sleep: async () => undefined, decoyParams: params, log },
      { mode: 'local' },
    );
    server = await startLocalServer({ authenticator, tls, gateway: { pollWaitMs: 100 }, log });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (user: string, password: string) => Trino.create({ server: server.url, catalog: 'tpch', schema: 'tiny', auth: new BasicAuth(user, password), ssl: { ca } });

  async function run(c: Trino, sql: string): Promise<{ rows: unknown[][]; error?: string }> {
    const rows: unknown[][] = [];
    for await (const page of await c.query(sql)) {
      if (page.error) return { rows, error: page.error.errorName };
      if (page.data) rows.push(...page.data);
    }
    return { rows };
  }

  it('runs queries for a user with the right password', async () => {
    expect(await run(client('alice', 'alice-pw-123'), 'SELECT count(*) FROM nation')).toEqual({ rows: [[25]] });
  });

  it('answers 401 with the Basic challenge to a wrong password, an unknown user and a disabled user', async () => {
    for (const [user, password] of [
      ['alice', 'wrong-password'],
      ['nobody', 'whatever-123'],
      ['carl', 'carl-pw-890'],
    ] as const) {
      await expect(run(client(user, password), 'SELECT 1')).rejects.toThrow(/401/);
    }
  });

  const request = (method: string, url: string, auth: string, body?: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpsRequest(url, { method, ca, headers: { Authorization: `Basic ${Buffer.from(auth).toString('base64')}`, ...headers } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('refuses to run as another user without an impersonation rule', async () => {
    const answer = await request('POST', `${server.url}/v1/statement`, 'bob:bob-pw-4567', 'SELECT 1', { 'X-Trino-User': 'alice' });
    expect(answer).toEqual({ status: 403, text: 'Access Denied: User bob cannot impersonate user alice' });
  });

  it("answers 404 when one user polls another user's query", async () => {
    const posted = await request('POST', `${server.url}/v1/statement`, 'alice:alice-pw-123', 'SELECT 1');
    expect(posted.status).toBe(200);
    const nextUri = (JSON.parse(posted.text) as { nextUri: string }).nextUri;
    expect((await request('GET', nextUri, 'bob:bob-pw-4567')).status).toBe(404);
    expect((await request('DELETE', nextUri, 'bob:bob-pw-4567')).status).toBe(404);
    expect((await request('GET', nextUri, 'alice:alice-pw-123')).status).toBe(200);
  });

  it('refuses a disabled user at once, though the password was remembered a moment ago', async () => {
    expect((await request('POST', `${server.url}/v1/statement`, 'bob:bob-pw-4567', 'SELECT 1')).status).toBe(200);
    await users.disable('bob', Date.now());
    expect(await request('POST', `${server.url}/v1/statement`, 'bob:bob-pw-4567', 'SELECT 1')).toEqual({ status: 401, text: 'Access Denied: Invalid credentials' });
    await users.enable('bob', Date.now());
    expect((await request('POST', `${server.url}/v1/statement`, 'bob:bob-pw-4567', 'SELECT 1')).status).toBe(200);
  });

  it('answers an unknown user as a wrong password, and asks the address to wait after too many failures', async () => {
    // 4 failures so far from this address (3 above, the disabled user); the limit is 8.
    const unknown = await request('POST', `${server.url}/v1/statement`, 'nobody:guess-pw-1', 'SELECT 1');
    const wrong = await request('POST', `${server.url}/v1/statement`, 'alice:guess-pw-2', 'SELECT 1');
    expect(unknown).toEqual({ status: 401, text: 'Access Denied: Invalid credentials' });
    expect(wrong).toEqual(unknown);
    await request('POST', `${server.url}/v1/statement`, 'nobody:guess-pw-3', 'SELECT 1');
    await request('POST', `${server.url}/v1/statement`, 'alice:guess-pw-4', 'SELECT 1');
    // Even the right password, remembered from the queries above, waits: the message says how long.
    const limited = await request('POST', `${server.url}/v1/statement`, 'alice:alice-pw-123', 'SELECT 1');
    expect(limited.status).toBe(401);
    expect(limited.text).toMatch(/^Access Denied: Too many failed sign-in attempts; wait \d+ seconds and try again$/);
    await expect(run(client('alice', 'alice-pw-123'), 'SELECT 1')).rejects.toThrow(/401/);
    expect((await request('POST', `${server.url}/v1/statement`, 'nobody:guess-pw-5', 'SELECT 1')).text).toMatch(/^Access Denied: Too many failed sign-in attempts/);
  });

  it('wrote no password or credential into any log line of the run', () => {
    expect(lines.length).toBeGreaterThan(0);
    const text = lines.join('\n');
    for (const secret of ['alice-pw-123', 'wrong-password', 'whatever-123', 'carl-pw-890', 'bob-pw-4567', 'guess-pw-1', 'guess-pw-2', 'guess-pw-5']) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(Buffer.from(secret).toString('base64').slice(0, 12));
    }
    expect(text).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/);
  });
});

describe('token methods in the local server', () => {
  const ALB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/bifrost/0123456789abcdef';
  const config = (adminMethod: string) => `
version: 1
targets:
  local: { type: duckdb }
routingGroups:
  local: { targets: [local] }
defaultRoutingGroup: local
auth:
  methods:
    - type: jwt
      provider: oidc
      issuer: https://login.example.com/
      audience: bifrost
  adminMethods:
    - ${adminMethod}
`;

  it('start with verifiers built from the config, as deployed: tokens are checked, not a crash', async () => {
    const server = await startLocalServer({ config: parseConfigText(config(`{ type: alb-oidc, albArn: ${ALB_ARN} }`)) });
    try {
      const answer = await fetch(`${server.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { Authorization: 'Bearer not.a.token' } });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="Trino", token_type="JWT"');
      expect((await fetch(`${server.url}/api/admin/me`)).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('refuse alb-oidc without albArn before starting: AuthSetupError in process, one line and exit 2 from npm start', async () => {
    await expect(startLocalServer({ config: parseConfigText(config('{ type: alb-oidc }')) })).rejects.toThrow(AuthSetupError);
    const dir = mkdtempSync(join(tmpdir(), 'bifrost-auth-config-'));
    try {
      const file = join(dir, 'alb.yaml');
      writeFileSync(file, config('{ type: alb-oidc }'));
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'lambdas/local/main.ts', '--config', file, '--port', '0'], { encoding: 'utf8', timeout: 60_000 });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toEqual([`bifrost: ${file}: auth.adminMethods[0] (alb-oidc) needs albArn: the ARN of the load balancer that signs x-amzn-oidc-data (none is in front of this server to take it from)`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
