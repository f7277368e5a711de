import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BasicAuth, Trino } from 'trino-client';
import { DynamoUserStore } from '../../lambdas/adapters/aws/dynamo-user-store.js';
import { hashPassword } from '../../lambdas/core/auth/password-hash.js';
import { parseConfigText } from '../../lambdas/core/config/schema.js';
import { LOCAL_TABLES, startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/**
 * The admin API through the local server (dynalite, DuckDB, the real config store): login and
 * roles, CSRF and origin checks, cluster switching that new queries follow, routing and access
 * rules changed at run time, users, history, the audit trail and explain.
 */
const CONFIG = `
version: 1
targets:
  primary: { type: duckdb }
  standby: { type: duckdb }
routingGroups:
  local: { targets: [primary, standby] }
defaultRoutingGroup: local
admin:
  admins: { users: [alice] }
  viewers: { users: [victor] }
`;

let server: LocalServer;
let pageDir: string;

beforeAll(async () => {
  pageDir = mkdtempSync(join(tmpdir(), 'bifrost-admin-page-'));
  mkdirSync(join(pageDir, 'assets'));
  writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>Bifrost admin</title><meta property="csp-nonce" nonce="BIFROST_CSP_NONCE">');
  writeFileSync(join(pageDir, 'assets', 'app.js'), 'console.log(1)');
  server = await startLocalServer({ config: parseConfigText(CONFIG), gateway: { pollWaitMs: 100 }, adminPageDir: pageDir });
});
afterAll(async () => {
  await server?.close();
  rmSync(pageDir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field in each test
type Json = Record<string, any>;

interface Session {
  cookie: string;
  csrf: string;
}

async function login(user: string): Promise<Session> {
  const response = await fetch(`${server.url}/api/admin/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user }) });
  expect(response.status).toBe(200);
  const cookie = response.headers.get('set-cookie')!;
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  const body = (await response.json()) as { csrfToken: string };
  return { cookie: cookie.split(';')[0]!, csrf: body.csrfToken };
}

async function api(session: Session | undefined, method: string, path: string, body?: unknown, extra: Record<string, string> = {}, base = server.url) {
  const response = await fetch(`${base}/api/admin${path}`, {
    method,
    headers: { ...(session ? { Cookie: session.cookie, 'X-Bifrost-CSRF': session.csrf } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...extra },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Json) : undefined };
}

async function runQuery(user: string, sql: string) {
  const client = Trino.create({ server: server.url, auth: new BasicAuth(user), catalog: 'tpch', schema: 'tiny' });
  let id = '';
  let error: { errorName?: string; message?: string } | undefined;
  for await (const page of await client.query(sql)) {
    id = page.id;
    if (page.error) error = page.error;
  }
  return { id, error };
}

describe('admin API', () => {
  it('asks for a login, and refuses users without a role', async () => {
    const anonymous = await api(undefined, 'GET', '/targets');
    expect(anonymous.status).toBe(401);
    expect(anonymous.json!.error.code).toBe('UNAUTHENTICATED');
    expect(anonymous.headers.get('cache-control')).toBe('no-store');
    const stranger = await fetch(`${server.url}/api/admin/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'mallory' }) });
    expect(stranger.status).toBe(403);
    expect(stranger.headers.get('set-cookie')).toBeNull();
    const forged = await api({ cookie: 'bifrost_admin=eyJ1c2VyIjoiYWxpY2UifQ.forged', csrf: 'x' }, 'GET', '/targets');
    expect(forged.status).toBe(401);
  });

  it('drains a target: new queries go to the next one, the change is audited', async () => {
    const alice = await login('alice');
    const me = await api(alice, 'GET', '/me');
    expect(me.json).toMatchObject({ user: 'alice', role: 'admin' });

    const before = await runQuery('carol', 'SELECT 1');
    expect((await api(alice, 'GET', `/queries/${before.id}`)).json!.target).toBe('primary');

    const noCsrf = await api({ ...alice, csrf: 'wrong' }, 'PUT', '/targets/primary/state', { state: 'draining' });
    expect(noCsrf.status).toBe(403);
    const crossOrigin = await api(alice, 'PUT', '/targets/primary/state', { state: 'draining' }, { Origin: 'https://evil.example.com' });
    expect(crossOrigin.status).toBe(403);
    const bad = await api(alice, 'PUT', '/targets/primary/state', { state: 'sleeping' });
    expect(bad.status).toBe(422);
    expect((await api(alice, 'PUT', '/targets/nowhere/state', { state: 'draining' })).status).toBe(404);

    const drained = await api(alice, 'PUT', '/targets/primary/state', { state: 'draining', reason: 'maintenance' });
    expect(drained.status).toBe(200);
    expect(drained.json).toMatchObject({ name: 'primary', state: 'draining', configuredState: 'active', reason: 'maintenance' });
    const list = await api(alice, 'GET', '/targets');
    expect(list.json!.targets.map((t: { name: string; state: string }) => [t.name, t.state])).toEqual([
      ['primary', 'draining'],
      ['standby', 'active'],
    ]);
    expect(list.json!.targets[0].depth).toEqual({ queued: 0, running: 0 });

    const after = await runQuery('carol', 'SELECT 2');
    expect(after.error).toBeUndefined();
    expect((await api(alice, 'GET', `/queries/${after.id}`)).json!.target).toBe('standby');

    const audit = await api(alice, 'GET', '/audit');
    const entry = audit.json!.items.find((e: { action: string }) => e.action === 'target.state');
    expect(entry).toMatchObject({ actor: 'alice', resource: 'target/primary', before: { state: 'active' }, after: { state: 'draining', reason: 'maintenance' } });

    expect((await api(alice, 'PUT', '/targets/primary/state', { state: 'active' })).status).toBe(200);
  });

  it('validates routing before saving, refuses stale versions, applies a valid change', async () => {
    const alice = await login('alice');
    const current = await api(alice, 'GET', '/routing');
    const broken = { routingGroups: { local: { targets: ['ghost'] } }, rules: [], defaultRoutingGroup: 'local' };
    const validation = await api(alice, 'POST', '/routing/validate', broken);
    expect(validation.json!.ok).toBe(false);
    expect(validation.json!.problems.join('\n')).toMatch(/routingGroups\.local\.targets\.0: unknown target 'ghost'/);
    const refused = await api(alice, 'PUT', '/routing', { routing: broken, version: current.json!.version });
    expect(refused.status).toBe(422);
    const valid = { routingGroups: { local: { targets: ['primary', 'standby'] }, standbyOnly: { targets: ['standby'] } }, rules: [{ name: 'etl', priority: 10, match: { source: 'etl.*' }, routingGroup: 'standbyOnly' }], defaultRoutingGroup: 'local' };
    expect((await api(alice, 'POST', '/routing/validate', valid)).json).toEqual({ ok: true });
    const stale = await api(alice, 'PUT', '/routing', { routing: valid, version: current.json!.version - 1 });
    expect(stale.status).toBe(409);
    const saved = await api(alice, 'PUT', '/routing', { routing: valid, version: current.json!.version });
    expect(saved.status).toBe(200);
    expect(saved.json!.overridden).toBe(true);
    const explained = await api(alice, 'POST', '/explain', { user: 'dora', source: 'etl-nightly', catalog: 'tpch', schema: 'tiny', sql: 'SELECT * FROM nation' });
    expect(explained.json!.routing).toMatchObject({ outcome: 'target', group: 'standbyOnly', target: 'standby' });
    expect(explained.json!.access.tables.map((t: { name: string }) => t.name)).toEqual(['tpch.tiny.nation']);
    const reset = await api(alice, 'DELETE', `/routing?version=${saved.json!.version}`);
    expect(reset.status).toBe(200);
    expect(reset.json!.overridden).toBe(false);
  });

  it('changes access rules at run time: the next query is checked against them', async () => {
    const alice = await login('alice');
    const { json } = await api(alice, 'GET', '/access');
    const rules = { tables: [{ user: 'bob', privileges: [] }, { privileges: ['SELECT'] }], catalogs: [{ allow: 'all' }] };
    expect((await api(alice, 'POST', '/access/validate', { tables: [{ privileges: ['FLY'] }] })).json!.ok).toBe(false);
    const saved = await api(alice, 'PUT', '/access', { rules, version: json!.version });
    expect(saved.status).toBe(200);
    const denied = await runQuery('bob', 'SELECT n_name FROM nation');
    expect(denied.error?.errorName).toBe('PERMISSION_DENIED');
    expect(denied.error?.message).toMatch(/Access Denied: Cannot select from table tpch\.tiny\.nation/);
    const allowed = await runQuery('carol', 'SELECT n_name FROM nation');
    expect(allowed.error).toBeUndefined();
    const record = await api(alice, 'GET', `/queries/${denied.id}`);
    expect(record.json!.access).toMatchObject({ allowed: false });
    expect(record.json).not.toHaveProperty('sessionJson');
    expect(record.json).not.toHaveProperty('engineHandle');
    await api(alice, 'PUT', '/access', { rules: { catalogs: [{ allow: 'all' }], tables: [{ privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP'] }] }, version: saved.json!.version });
  });

  it('ends a session at logout: a copy of the cookie no longer works, nor another session of the same user', async () => {
    const victor = await login('victor');
    const other = await login('victor');
    expect((await api(victor, 'GET', '/targets')).status).toBe(200);
    const out = await api(victor, 'POST', '/logout');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    for (const copy of [victor, other]) {
      const after = await api(copy, 'GET', '/targets');
      expect(after.status).toBe(401);
      expect(after.json!.error.message).toBe('The session has ended: log in again');
    }
    expect((await api(await login('victor'), 'GET', '/targets')).status).toBe(200);
  });

  it('lets viewers read and refuses their changes', async () => {
    const victor = await login('victor');
    expect((await api(victor, 'GET', '/targets')).status).toBe(200);
    const change = await api(victor, 'PUT', '/targets/standby/state', { state: 'disabled' });
    expect(change.status).toBe(403);
    expect(change.json!.error.message).toMatch(/viewer/);
  });

  it('manages password users without ever showing a hash', async () => {
    const alice = await login('alice');
    const created = await api(alice, 'POST', '/users', { name: 'erin', password: 'erin-password-1', groups: ['analysts'] });
    expect(created.status).toBe(201);
    expect((await api(alice, 'POST', '/users', { name: 'erin', password: 'erin-password-1' })).status).toBe(409);
    expect((await api(alice, 'POST', '/users', { name: 'bad name', password: 'erin-password-1' })).status).toBe(422);
    expect((await api(alice, 'POST', '/users', { name: 'frank', password: 'short' })).status).toBe(422);
    const disabled = await api(alice, 'PATCH', '/users/erin', { disabled: true });
    expect(disabled.json).toMatchObject({ name: 'erin', disabled: true, groups: ['analysts'] });
    const list = await api(alice, 'GET', '/users');
    expect(JSON.stringify(list.json)).not.toMatch(/scrypt|passwordHash/);
    const audit = await api(alice, 'GET', '/audit');
    expect(JSON.stringify(audit.json)).not.toContain('erin-password-1');
  });

  it('finds queries in history by user, target and state, and counts them for the dashboard', async () => {
    const alice = await login('alice');
    const ran = await runQuery('gina', 'SELECT count(*) FROM region');
    const byUser = await api(alice, 'GET', '/queries?user=gina');
    expect(byUser.json!.items.map((i: { queryId: string }) => i.queryId)).toContain(ran.id);
    const all = await api(alice, 'GET', '/queries?state=FINISHED&limit=200');
    expect(all.json!.items.some((i: { queryId: string }) => i.queryId === ran.id)).toBe(true);
    expect((await api(alice, 'GET', '/queries?state=SLEEPING')).status).toBe(400);
    const stats = await api(alice, 'GET', '/stats');
    const users = stats.json!.byUser.map((u: { user: string }) => u.user);
    expect(users).toContain('gina');
    expect(stats.json!.perTarget.map((t: { target: string }) => t.target)).toEqual(['primary', 'standby']);
    expect((await api(alice, 'GET', '/queries/20990101_000000_00000_nope0')).status).toBe(404);
  });

  it('kills a running query: admins only, with the CSRF header, audited; the client is told', async () => {
    const alice = await login('alice');
    const victor = await login('victor');
    const headers = { 'X-Trino-User': 'carol', 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };
    const posted = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: 'SELECT count(*) FROM lineitem a CROSS JOIN lineitem b CROSS JOIN nation c' })).json()) as { id: string; nextUri: string };
    const path = `/queries/${posted.id}/cancel`;
    expect((await api(victor, 'POST', path)).status).toBe(403);
    expect((await api({ ...alice, csrf: 'wrong' }, 'POST', path)).status).toBe(403);
    expect((await api(alice, 'POST', path, undefined, { Origin: 'https://evil.example.com' })).status).toBe(403);
    expect((await api(alice, 'GET', `/queries/${posted.id}`)).json!.state).toMatch(/QUEUED|RUNNING/);
    const killed = await api(alice, 'POST', path);
    expect(killed.status).toBe(200);
    expect(killed.json).toEqual({ queryId: posted.id, state: 'CANCELED' });
    const record = await api(alice, 'GET', `/queries/${posted.id}`);
    expect(record.json).toMatchObject({ state: 'CANCELED', endReason: 'killed by alice (admin page)', error: { errorName: 'ADMINISTRATIVELY_KILLED' } });
    const polled = (await (await fetch(posted.nextUri, { headers })).json()) as { error?: { errorName: string; message: string } };
    expect(polled.error).toMatchObject({ errorName: 'ADMINISTRATIVELY_KILLED', message: 'Query killed by alice from the Bifrost admin page' });
    const again = await api(alice, 'POST', path);
    expect(again.status).toBe(409);
    expect(again.json!.error.message).toMatch(/already ended \(CANCELED\)/);
    expect((await api(alice, 'POST', '/queries/20990101_000000_00000_nope0/cancel')).status).toBe(404);
    const audit = await api(alice, 'GET', '/audit?action=query.cancel');
    expect(audit.json!.items).toHaveLength(1);
    expect(audit.json!.items[0]).toMatchObject({ actor: 'alice', resource: `query/${posted.id}`, before: { user: 'carol', target: 'primary' }, after: { state: 'CANCELED' } });
  });

  it('reverts access rules to the file (DELETE /access), as routing: admins only, audited', async () => {
    const alice = await login('alice');
    const victor = await login('victor');
    const { json } = await api(alice, 'GET', '/access');
    const saved = await api(alice, 'PUT', '/access', { rules: { catalogs: [{ allow: 'all' }], tables: [{ user: 'bob', privileges: [] }, { privileges: ['SELECT'] }] }, version: json!.version });
    expect(saved.json!.overridden).toBe(true);
    expect((await api(victor, 'DELETE', `/access?version=${saved.json!.version}`)).status).toBe(403);
    expect((await api(alice, 'DELETE', `/access?version=${saved.json!.version - 1}`)).status).toBe(409);
    const reset = await api(alice, 'DELETE', `/access?version=${saved.json!.version}`);
    expect(reset.status).toBe(200);
    expect(reset.json).toMatchObject({ version: saved.json!.version + 1, rules: {}, overridden: false });
    expect((await api(alice, 'GET', '/access')).json).toMatchObject({ overridden: false, rules: {} });
    expect((await runQuery('bob', 'SELECT n_name FROM nation')).error).toBeUndefined();
    const audit = await api(alice, 'GET', '/audit?actor=alice&action=access.reset');
    expect(audit.json!.items[0]).toMatchObject({ action: 'access.reset', resource: 'access', after: {} });
  });

  it('pages through the history of every target without gaps or repeats; rows and groups come with each item', async () => {
    const alice = await login('alice');
    for (let i = 0; i < 4; i++) await runQuery(i % 2 ? 'hank' : 'ivy', `SELECT ${i}`);
    const byTarget = [...(await api(alice, 'GET', '/queries?target=primary&limit=200')).json!.items, ...(await api(alice, 'GET', '/queries?target=standby&limit=200')).json!.items];
    expect(new Set(byTarget.map((i: { target: string }) => i.target))).toEqual(new Set(['primary', 'standby']));
    const seen: { queryId: string; createdAt: number }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api(alice, 'GET', `/queries?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.json!.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.json!.items);
      cursor = page.json!.cursor;
    } while (cursor && ++pages < 100);
    expect(seen.map((i) => i.queryId).sort()).toEqual(byTarget.map((i: { queryId: string }) => i.queryId).sort());
    expect(seen.map((i) => i.createdAt)).toEqual([...seen.map((i) => i.createdAt)].sort((a, b) => b - a));
    const finished = (await api(alice, 'GET', '/queries?user=ivy')).json!.items[0];
    expect(finished).toMatchObject({ rows: 1, groups: [] });
    expect((await api(alice, 'GET', '/queries?cursor=forged')).status).toBe(400);
  });

  it('filters the audit trail by who and action, a page at a time', async () => {
    const alice = await login('alice');
    const routing = await api(alice, 'GET', '/audit?actor=alice&action=routing');
    expect(routing.json!.items.length).toBeGreaterThanOrEqual(2);
    expect(routing.json!.items.every((e: { actor: string; action: string }) => e.actor === 'alice' && e.action.startsWith('routing.'))).toBe(true);
    const first = await api(alice, 'GET', '/audit?actor=alice&action=routing&limit=1');
    expect(first.json!.items).toHaveLength(1);
    const second = await api(alice, 'GET', `/audit?actor=alice&action=routing&limit=1&cursor=${first.json!.cursor}`);
    expect(second.json!.items[0].id).not.toBe(first.json!.items[0].id);
    expect((await api(alice, 'GET', '/audit?actor=nobody')).json!.items).toEqual([]);
    expect((await api(alice, 'GET', `/audit?to=${Date.now() - 86_400_000}`)).json!.items).toEqual([]);
  });

  it('keeps queue depth over time for the dashboard: a sample per sweep, and now', async () => {
    const alice = await login('alice');
    await server.sweep();
    const stats = await api(alice, 'GET', '/stats');
    expect(stats.json!.depth.map((d: { target: string }) => d.target)).toEqual(['primary', 'standby']);
    const samples = stats.json!.depth[0].samples as { at: number; queued: number; running: number }[];
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(samples[samples.length - 1]).toMatchObject({ queued: 0, running: 0 });
    expect(samples.map((s) => s.at)).toEqual([...samples.map((s) => s.at)].sort((a, b) => a - b));
  });

  it('serves the admin page with security headers and never a file outside its folder', async () => {
    const page = await fetch(`${server.url}/admin/`);
    expect(page.status).toBe(200);
    const policy = page.headers.get('content-security-policy')!;
    expect(policy).toMatch(/frame-ancestors 'none'/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).toContain('Bifrost admin');
    // Scripts from the origin only; one inline <style> (the code editor's), by a nonce made for this answer.
    const nonce = /nonce="([^"]+)"/.exec(html)![1]!;
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(policy).toContain(`style-src 'self' 'nonce-${nonce}';`);
    expect(policy).toContain("script-src 'self';");
    expect(policy).not.toContain('unsafe');
    const again = await (await fetch(`${server.url}/admin/`)).text();
    expect(/nonce="([^"]+)"/.exec(again)![1]).not.toBe(nonce);
    expect((await fetch(`${server.url}/admin/history`)).status).toBe(200);
    expect((await fetch(`${server.url}/admin/assets/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${server.url}/admin/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/admin/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/admin/targets`, { headers: { Origin: 'https://evil.example.com' } })).headers.get('access-control-allow-origin')).toBeNull();
  });
});

/**
 * Password users on the admin door: sessions end at logout, at a password change and when the
 * user is disabled; failed logins are limited per address. The local server keeps users,
 * failure counts and session epochs in its users table (dynalite), as a deployment does.
 */
describe('admin sessions of password users', () => {
  const PASSWORD_CONFIG = `
version: 1
targets:
  primary: { type: duckdb }
routingGroups:
  local: { targets: [primary] }
defaultRoutingGroup: local
auth:
  methods:
    - type: password
      lockout: { maxFailures: 4 }
      perAddress: { maxFailures: 8, windowSeconds: 600 }
      slowdown: { initialDelayMs: 0, maxDelayMs: 0 }
admin:
  admins: { users: [root] }
  viewers: { users: [vera, walt, xena] }
`;
  let pw: LocalServer;
  let users: DynamoUserStore;
  const CHEAP = { logN: 10, r: 8, p: 1 };

  beforeAll(async () => {
    pw = await startLocalServer({ config: parseConfigText(PASSWORD_CONFIG), gateway: { pollWaitMs: 100 } });
    users = new DynamoUserStore(pw.dynamo.client, LOCAL_TABLES.users);
    for (const name of ['root', 'vera', 'walt', 'xena']) {
      await users.put({ name, passwordHash: await hashPassword(`${name}-password-1`, CHEAP), groups: [], disabled: false, failedAttempts: 0, createdAt: 0, updatedAt: 0 });
    }
  });
  afterAll(async () => {
    await pw?.close();
  });

  async function loginWith(user: string, password: string) {
    const response = await fetch(`${pw.url}/api/admin/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, password }) });
    const body = (await response.json()) as Json;
    const cookie = response.headers.get('set-cookie');
    return { status: response.status, body, retryAfter: response.headers.get('retry-after'), session: cookie ? { cookie: cookie.split(';')[0]!, csrf: body.csrfToken as string } : undefined };
  }
  const call = (session: Session | undefined, method: string, path: string, body?: unknown) => api(session, method, path, body, {}, pw.url);
  const ended = async (session: Session) => {
    const answer = await call(session, 'GET', '/targets');
    return answer.status === 401 && answer.json!.error.message === 'The session has ended: log in again';
  };

  it('end at logout, for a kept copy of the cookie too', async () => {
    const vera = (await loginWith('vera', 'vera-password-1')).session!;
    const copy = { ...vera };
    expect((await call(vera, 'GET', '/targets')).status).toBe(200);
    expect((await call(vera, 'POST', '/logout')).status).toBe(204);
    expect(await ended(copy)).toBe(true);
    const again = (await loginWith('vera', 'vera-password-1')).session!;
    expect((await call(again, 'GET', '/me')).json).toMatchObject({ user: 'vera', role: 'viewer' });
  });

  it('end at a password change, made by an admin or straight in the table (the CLI)', async () => {
    const root = (await loginWith('root', 'root-password-1')).session!;
    const vera = (await loginWith('vera', 'vera-password-1')).session!;
    expect((await call(root, 'PATCH', '/users/vera', { password: 'vera-password-2' })).status).toBe(200);
    expect(await ended(vera)).toBe(true);
    expect((await loginWith('vera', 'vera-password-1')).status).toBe(401);
    expect((await loginWith('vera', 'vera-password-2')).status).toBe(200);

    const walt = (await loginWith('walt', 'walt-password-1')).session!;
    const record = (await users.get('walt'))!;
    await users.put({ ...record, passwordHash: await hashPassword('walt-password-2', CHEAP) });
    expect(await ended(walt)).toBe(true);
    // The admin who changed nothing about themselves is still logged in.
    expect((await call(root, 'GET', '/targets')).status).toBe(200);
  });

  it('end when the user is disabled, and stay ended after the user is enabled again', async () => {
    const root = (await loginWith('root', 'root-password-1')).session!;
    const xena = (await loginWith('xena', 'xena-password-1')).session!;
    expect((await call(xena, 'GET', '/users')).status).toBe(200);
    expect((await call(root, 'PATCH', '/users/xena', { disabled: true })).json).toMatchObject({ disabled: true });
    expect(await ended(xena)).toBe(true);
    expect((await call(root, 'PATCH', '/users/xena', { disabled: false })).json).toMatchObject({ disabled: false });
    expect(await ended(xena)).toBe(true);
    const back = (await loginWith('xena', 'xena-password-1')).session!;
    expect((await call(back, 'GET', '/targets')).status).toBe(200);
  });

  it('counts each query for the groups its user had when it ran, not for groups joined later', async () => {
    await users.put({ name: 'gus', passwordHash: await hashPassword('gus-password-1', CHEAP), groups: ['sales'], disabled: false, failedAttempts: 0, createdAt: 0, updatedAt: 0 });
    const run = async () => {
      for await (const page of await Trino.create({ server: pw.url, auth: new BasicAuth('gus', 'gus-password-1'), catalog: 'tpch', schema: 'tiny' }).query('SELECT 1')) if (page.error) throw new Error(page.error.message);
    };
    await run();
    await users.put({ ...(await users.get('gus'))!, groups: ['sales', 'finance'] });
    await run();
    const root = (await loginWith('root', 'root-password-1')).session!;
    const stats = await call(root, 'GET', '/stats');
    const byGroup = Object.fromEntries(stats.json!.byGroup.map((g: { group: string; queries: number }) => [g.group, g.queries]));
    expect(byGroup).toEqual({ sales: 2, finance: 1 });
    expect(stats.json!.groupsUnrecorded).toBe(0);
  });

  it('failed logins are limited per address: a wait is asked of every user alike, and of the Trino endpoint', async () => {
    // Answers before the limit do not say whether the user exists.
    const wrong = await loginWith('vera', 'not-her-password');
    const unknown = await loginWith('nobody', 'not-a-password');
    expect(wrong.status).toBe(401);
    expect(unknown).toEqual(wrong);
    for (let i = 0; i < 6; i++) expect((await loginWith(i % 2 ? 'vera' : `ghost-${i}`, `guess-${i}-pw`)).status).toBe(401);
    // 8 failures from this address: even the right password waits.
    const limited = await loginWith('root', 'root-password-1');
    expect(limited.status).toBe(401);
    expect(limited.session).toBeUndefined();
    expect(limited.body.error.message).toMatch(/^Access Denied: Too many failed sign-in attempts; wait \d+ seconds and try again$/);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    // The same answer for anyone (the seconds left may have ticked down in between).
    const seconds = (body: unknown) => JSON.parse(JSON.stringify(body).replace(/wait \d+ seconds/g, 'wait N seconds')) as unknown;
    expect(seconds((await loginWith('nobody-at-all', 'x-password-1')).body)).toEqual(seconds(limited.body));

    const statement = await fetch(`${pw.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { Authorization: `Basic ${Buffer.from('root:root-password-1').toString('base64')}` } });
    expect(statement.status).toBe(401);
    expect(statement.headers.get('www-authenticate')).toBe('Basic realm="Trino"');
    expect(await statement.text()).toMatch(/Too many failed sign-in attempts; wait \d+ seconds/);
  });
});
