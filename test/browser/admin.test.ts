import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { BasicAuth, Trino } from 'trino-client';
import { DynamoDepthSamples } from '../../lambdas/adapters/aws/dynamo-depth-samples.js';
import { DynamoUserStore } from '../../lambdas/adapters/aws/dynamo-user-store.js';
import { hashPassword } from '../../lambdas/core/auth/password-hash.js';
import { parseConfigText } from '../../lambdas/core/config/schema.js';
import { LOCAL_TABLES, startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/**
 * The admin page in Debian's Chromium against the local server (password users, two DuckDB
 * targets): the dashboard's queue-depth charts and per-group usage, draining a target, history
 * with filters, sorting, paging, the detail beside the list and deep links, killing a running
 * query, the routing and access editors (inline problems, diff before saving, revert to the
 * file), audit filters and paging, and every view at 1280 and 420 pixels wide without being cut
 * off and without a Content-Security-Policy violation. Screenshots go to test-results/admin;
 * BIFROST_SCREENSHOTS=docs also copies them to docs/screenshots for the README.
 */
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`admin.test.ts: skipped, ${CHROMIUM} is missing (apt-get install -y chromium)`);

const root = fileURLToPath(new URL('../..', import.meta.url));
const shots = `${root}test-results/admin`;
const docsShots = process.env.BIFROST_SCREENSHOTS === 'docs' ? `${root}docs/screenshots` : undefined;
const CONFIG = `
version: 1
targets:
  primary: { type: duckdb, queueLimit: 6 }
  standby: { type: duckdb, queueLimit: 6 }
routingGroups:
  local: { targets: [primary, standby] }
defaultRoutingGroup: local
auth:
  methods:
    - type: password
      slowdown: { initialDelayMs: 0, maxDelayMs: 0 }
access:
  catalogs: [{ allow: all }]
  tables: [{ privileges: [SELECT, INSERT, DELETE, UPDATE, OWNERSHIP] }]
`;
const CHEAP = { logN: 10, r: 8, p: 1 };
const DESKTOP = { width: 1280, height: 800 };
const NARROW = { width: 420, height: 800 };

describe.skipIf(!haveChromium)('admin page', () => {
  let server: LocalServer;
  let users: DynamoUserStore;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    const outDir = `${root}test-results/admin-page`;
    await build({ configFile: `${root}lambdas/admin-ui/vite.config.ts`, build: { outDir, emptyOutDir: true }, logLevel: 'error' });
    mkdirSync(shots, { recursive: true });
    if (docsShots) mkdirSync(docsShots, { recursive: true });
    server = await startLocalServer({ config: parseConfigText(CONFIG), gateway: { pollWaitMs: 100 }, adminPageDir: outDir, sweepIntervalMs: 3_600_000 });
    users = new DynamoUserStore(server.dynamo.client, LOCAL_TABLES.users);
    for (const [name, groups] of [
      ['alice', ['analysts']],
      ['bob', ['etl']],
    ] as const) {
      await users.put({ name, passwordHash: await hashPassword(`${name}-password-1`, CHEAP), groups: [...groups], disabled: false, failedAttempts: 0, createdAt: 0, updatedAt: 0 });
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: DESKTOP });
    // Anything the page's policy refuses (a style CodeMirror could not add, an inline script) fails the run.
    page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
    page.on('pageerror', (e) => violations.push(String(e)));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function run(sql: string, user = 'alice'): Promise<string> {
    let id = '';
    for await (const result of await Trino.create({ server: server.url, auth: new BasicAuth(user, `${user}-password-1`), catalog: 'tpch', schema: 'tiny' }).query(sql)) id = result.id;
    return id;
  }

  async function targetOf(id: string): Promise<string | undefined> {
    return (await server.store.get(id))?.target;
  }

  /** A screenshot of the view, and the page must fit the width: nothing cut off on the right. */
  async function shoot(name: string, size: { width: number }) {
    // (Expressions as text: the tests are compiled without the DOM's types.)
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    expect(overflow, `${name}: the page is wider than the window`).toBeLessThanOrEqual(0);
    const file = `${shots}/${name}-${size.width === NARROW.width ? 'narrow' : 'desktop'}.png`;
    // Long lists are cut at 1,600 pixels: the picture shows the view, not every row.
    const height = Math.min(1600, Number(await page.evaluate('document.documentElement.scrollHeight')));
    await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width: size.width, height } });
    if (docsShots) copyFileSync(file, `${docsShots}/${name}-${size.width === NARROW.width ? 'narrow' : 'desktop'}.png`);
  }

  const editorText = (name: string) => page.locator(`[data-testid=${name}-editor] .cm-content`).innerText();

  it('logs in and shows the dashboard: queue depth over time, usage by the groups users had when their queries ran', async () => {
    await run('SELECT 1', 'alice');
    await run('SELECT 2', 'bob');
    await server.sweep();
    // bob joins finance: his earlier query stays with etl alone.
    await users.put({ ...(await users.get('bob'))!, groups: ['etl', 'finance'] });
    await run('SELECT 3', 'bob');
    await server.sweep();
    // Three hours of samples as the sweeper would have left them (a busy hour on primary), drawn from the store.
    const samples = new DynamoDepthSamples(server.dynamo.client, LOCAL_TABLES.config);
    const start = Date.now() - 3 * 3_600_000;
    for (let minute = 0; minute < 180; minute += 2) {
      const busy = Math.max(0, Math.round(6 * Math.sin((minute - 40) / 30)));
      await samples.record({ at: start + minute * 60_000, depths: { primary: { running: Math.min(busy, 4), queued: Math.max(0, busy - 4) }, standby: { running: minute % 20 < 6 ? 1 : 0, queued: 0 } } });
    }

    await page.goto(`${server.url}/admin/`);
    await page.getByTestId('login-user').fill('alice');
    await page.getByTestId('login-password').fill('alice-password-1');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('dashboard').waitFor();
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('alice (admin)');
    await page.getByTestId('depth-primary').waitFor();
    await page.getByTestId('depth-chart-primary').locator('svg path.running').waitFor({ state: 'attached' });
    expect(await page.getByTestId('depth-chart-primary').textContent()).toContain('limit 6');
    await expect.poll(() => page.getByTestId('usage-groups-etl').textContent()).toMatch(/^etl2/);
    expect(await page.getByTestId('usage-groups-finance').textContent()).toMatch(/^finance1/);
    expect(await page.getByTestId('usage-groups-analysts').textContent()).toMatch(/^analysts1/);
    await shoot('dashboard', DESKTOP);
  });

  it('drains a target: the page shows it and new queries go elsewhere', async () => {
    expect(await targetOf(await run('SELECT 4'))).toBe('primary');
    await page.getByTestId('nav-targets').click();
    await page.getByTestId('drain-primary').click();
    await expect.poll(() => page.getByTestId('target-state-primary').textContent()).toBe('draining');
    expect(await targetOf(await run('SELECT 5'))).toBe('standby');
    await shoot('targets', DESKTOP);
    await page.getByTestId('enable-primary').click();
    await expect.poll(() => page.getByTestId('target-state-primary').textContent()).toBe('active');
  });

  it('finds a query in history with filters, shows its columns and its detail beside the list', async () => {
    const id = await run('SELECT n_name FROM nation WHERE n_nationkey = 7');
    await page.getByTestId('nav-history').click();
    await page.getByTestId('history-filter-user').fill('alice');
    await page.getByTestId('history-filter-state').selectOption('FINISHED');
    await page.getByTestId('history-range').selectOption('1h');
    await page.getByTestId('history-search').click();
    const row = page.getByTestId(`history-row-${id}`);
    await row.waitFor();
    expect(await row.getByTestId('history-duration').textContent()).toMatch(/\d+(\.\d)? m?s/);
    await expect.poll(() => page.locator('[data-testid=history-table] tbody tr').count()).toBe(4);
    expect(await page.locator('[data-testid^=history-row-] td.qstate').allTextContents()).toEqual(['FINISHED', 'FINISHED', 'FINISHED', 'FINISHED']);
    await row.click();
    const detail = page.getByTestId('query-detail');
    await expect.poll(() => detail.textContent()).toContain('n_nationkey = 7');
    expect(await detail.textContent()).toContain('tpch.tiny.nation');
    expect(await detail.textContent()).toContain('groups analysts');
    expect(new URL(page.url()).pathname).toBe(`/admin/queries/${id}`);
    await shoot('history', DESKTOP);
    // Beside the list, not under it.
    const [list, aside] = [await page.locator('.split .list').boundingBox(), await detail.boundingBox()];
    expect(aside!.x).toBeGreaterThan(list!.x + list!.width - 1);
    expect(aside!.y).toBeLessThan(list!.y + 40);
    await page.getByTestId('query-close').click();
    expect(new URL(page.url()).pathname).toBe('/admin/history');
  });

  it('opens a query from a deep link, the address a query infoUri can name', async () => {
    const id = await run('SELECT 42 AS answer');
    for (const address of [`/admin/queries/${id}`, `/admin/?query=${id}`, `/admin/#/queries/${id}`]) {
      await page.goto(`${server.url}${address}`);
      await expect.poll(() => page.getByTestId('query-detail').textContent(), { message: address }).toContain('SELECT 42 AS answer');
      expect(await page.getByTestId('nav-history').getAttribute('class')).toBe('current');
    }
  });

  it('sorts the page and pages through the history with next and previous', async () => {
    for (let i = 0; i < 20; i++) await run(`SELECT ${i} AS n`, i % 2 ? 'alice' : 'bob');
    await page.getByTestId('nav-history').click();
    await page.getByTestId('history-limit').selectOption('25');
    await page.getByTestId('history-search').click();
    const rows = page.locator('[data-testid^=history-row-]');
    await expect.poll(() => rows.count()).toBe(25);
    const firstPage = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')));
    await page.getByTestId('history-next').click();
    await expect.poll(() => page.getByTestId('history-page').textContent()).toContain('page 2');
    await expect.poll(() => rows.first().getAttribute('data-testid')).not.toBe(firstPage[0]);
    const secondPage = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')));
    expect(secondPage.length).toBeGreaterThan(0);
    expect(secondPage.filter((id) => firstPage.includes(id))).toEqual([]);
    expect(await page.getByTestId('history-next').isDisabled()).toBe(true);
    await page.getByTestId('history-previous').click();
    await expect.poll(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')))).toEqual(firstPage);

    await page.getByTestId('history-sort-user').click();
    const usersShown = await page.locator('[data-testid^=history-row-] td:nth-child(2)').allTextContents();
    expect(usersShown).toEqual([...usersShown].sort());
    expect(usersShown[0]).toBe('alice');
    await page.getByTestId('history-sort-user').click();
    expect((await page.locator('[data-testid^=history-row-] td:nth-child(2)').allTextContents())[0]).toBe('bob');
    await page.getByTestId('history-sort-duration').click();
    expect(await page.locator('th[aria-sort]').textContent()).toContain('duration');
  });

  it('kills a running query from its detail: the client is told, the kill is audited', async () => {
    const headers = { Authorization: `Basic ${Buffer.from('bob:bob-password-1').toString('base64')}`, 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };
    const posted = (await (await fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: 'SELECT count(*) FROM lineitem a CROSS JOIN lineitem b CROSS JOIN nation c' })).json()) as { id: string; nextUri: string };
    await page.goto(`${server.url}/admin/queries/${posted.id}`);
    await expect.poll(() => page.getByTestId('query-state').textContent()).toMatch(/QUEUED|RUNNING/);
    await page.getByTestId('query-cancel').click();
    await page.getByTestId('query-cancel-confirm').waitFor();
    await shoot('history-kill', DESKTOP);
    await page.getByTestId('query-cancel-confirm').click();
    await expect.poll(() => page.getByTestId('query-state').textContent()).toContain('CANCELED');
    expect(await page.getByTestId('query-state').textContent()).toContain('killed by alice');
    expect(await page.getByTestId('query-cancel').count()).toBe(0);
    const polled = (await (await fetch(posted.nextUri, { headers })).json()) as { error?: { errorName: string } };
    expect(polled.error?.errorName).toBe('ADMINISTRATIVELY_KILLED');
    const entries = await server.audit.list({ from: 0, to: Date.now(), limit: 10, action: 'query.cancel' });
    expect(entries.items[0]).toMatchObject({ actor: 'alice', resource: `query/${posted.id}` });
  });

  it('edits routing in a code editor: problems inline as one types, refused when invalid', async () => {
    await page.getByTestId('nav-routing').click();
    await expect.poll(() => editorText('routing')).toContain('defaultRoutingGroup');
    // CodeMirror's own styles are in force: the page's policy let them in by their nonce.
    expect(await page.evaluate("getComputedStyle(document.querySelector('.cm-editor')).display")).toBe('flex');
    expect(await page.locator('.cm-content .tok-propertyName, .cm-content [class*=ͼ]').count()).toBeGreaterThan(0);
    await page.locator('[data-testid=routing-editor] .cm-content').fill(JSON.stringify({ routingGroups: { local: { targets: ['ghost'] } }, rules: [], defaultRoutingGroup: 'nowhere' }, null, 2));
    // The server's problems appear on the lines they are about.
    const marked = page.locator('[data-testid=routing-editor] .cm-lintRange-error');
    await expect.poll(() => marked.count()).toBeGreaterThanOrEqual(2);
    expect(await marked.allTextContents()).toEqual(expect.arrayContaining(['"ghost"', '"nowhere"']));
    await page.locator('[data-testid=routing-editor] .cm-lintRange-error').first().hover();
    await page.locator('.cm-tooltip-lint').waitFor();
    expect(await page.locator('.cm-tooltip-lint').textContent()).toMatch(/unknown target 'ghost'|unknown routing group 'nowhere'/);
    await shoot('routing', DESKTOP);
    await page.getByTestId('routing-validate').click();
    const problems = page.getByTestId('routing-problems');
    await expect.poll(() => problems.textContent()).toContain("unknown target 'ghost'");
    await page.getByTestId('routing-save').click();
    await expect.poll(() => problems.textContent()).toContain("unknown routing group 'nowhere'");
    expect(await page.getByTestId('routing-review').count()).toBe(0);
    // JSON syntax errors are marked at once.
    await page.locator('[data-testid=routing-editor] .cm-content').fill('{ "routingGroups": ');
    await expect.poll(() => page.locator('[data-testid=routing-editor] .cm-lint-marker-error').count()).toBeGreaterThan(0);
    const routing = (await (await fetch(`${server.url}/api/admin/routing`, { headers: { Authorization: `Basic ${Buffer.from('alice:alice-password-1').toString('base64')}` } })).json()) as { overridden: boolean };
    expect(routing.overridden).toBe(false);
    await page.getByTestId('routing-discard').click();
    await expect.poll(() => editorText('routing')).toContain('defaultRoutingGroup');
  });

  it('shows a diff against the saved routing before saving, then reverts to the file', async () => {
    const valid = { routingGroups: { local: { targets: ['primary', 'standby'] }, standbyOnly: { targets: ['standby'] } }, rules: [{ name: 'etl', priority: 10, match: { source: 'etl.*' }, routingGroup: 'standbyOnly' }], defaultRoutingGroup: 'local' };
    await page.locator('[data-testid=routing-editor] .cm-content').fill(JSON.stringify(valid, null, 2));
    await page.getByTestId('routing-save').click();
    const diff = page.getByTestId('routing-diff');
    await diff.waitFor();
    await expect.poll(() => diff.locator('.cm-changedLine').count()).toBeGreaterThan(0);
    expect(await diff.textContent()).toContain('standbyOnly');
    await shoot('routing-diff', DESKTOP);
    await page.getByTestId('routing-confirm').click();
    await expect.poll(() => page.getByTestId('routing-message').textContent()).toBe('Saved');
    await expect.poll(() => page.getByTestId('routing-status').textContent()).toContain('changed at run time');
    await page.getByTestId('routing-revert').click();
    await page.getByTestId('routing-revert-confirm').click();
    await expect.poll(() => page.getByTestId('routing-status').textContent()).toContain('as in the config file');
    await expect.poll(() => editorText('routing')).not.toContain('standbyOnly');
  });

  it('edits access rules the same way, and reverts them to the file: both audited', async () => {
    await page.getByTestId('nav-access').click();
    await expect.poll(() => editorText('access')).toContain('OWNERSHIP');
    const rules = { catalogs: [{ allow: 'all' }], tables: [{ user: 'bob', privileges: [] }, { privileges: ['SELECT'] }] };
    await page.locator('[data-testid=access-editor] .cm-content').fill(JSON.stringify(rules, null, 2));
    await page.getByTestId('access-save').click();
    await page.getByTestId('access-diff').waitFor();
    await page.getByTestId('access-confirm').click();
    await expect.poll(() => page.getByTestId('access-status').textContent()).toContain('changed at run time');
    await page.getByTestId('access-revert').click();
    await page.getByTestId('access-revert-confirm').click();
    await expect.poll(() => page.getByTestId('access-status').textContent()).toContain('as in the config file');
    await expect.poll(() => editorText('access')).toContain('OWNERSHIP');
    const actions = (await server.audit.list({ from: 0, to: Date.now(), limit: 50, action: 'access.' })).items.map((e) => e.action);
    expect(actions).toEqual(['access.reset', 'access.replace']);
    await shoot('access', DESKTOP);
  });

  it('filters the audit log by who, action and time, and pages through it', async () => {
    for (let i = 0; i < 30; i++) await server.audit.record({ id: `synthetic-${i}`, at: Date.now() - 60_000 + i, actor: 'carol', action: 'target.state', resource: 'target/standby', before: { state: 'active' }, after: { state: 'active' } });
    await page.getByTestId('nav-audit').click();
    const rows = page.getByTestId('audit-row');
    await page.getByTestId('audit-filter-actor').fill('alice');
    await page.getByTestId('audit-filter-action').selectOption('access.');
    await page.getByTestId('audit-search').click();
    await expect.poll(async () => (await rows.allTextContents()).length).toBe(2);
    expect((await rows.allTextContents()).every((t) => t.includes('alice') && t.includes('access.'))).toBe(true);
    await page.getByTestId('audit-filter-actor').fill('carol');
    await page.getByTestId('audit-filter-action').selectOption('');
    await page.getByTestId('audit-range').selectOption('1h');
    await page.getByTestId('audit-limit').selectOption('25');
    await page.getByTestId('audit-search').click();
    await expect.poll(() => rows.count()).toBe(25);
    await page.getByTestId('audit-next').click();
    await expect.poll(() => rows.count()).toBe(5);
    await page.getByTestId('audit-previous').click();
    await expect.poll(() => rows.count()).toBe(25);
    await page.getByTestId('audit-range').selectOption('custom');
    await page.getByTestId('audit-from').fill('2000-01-01T00:00');
    await page.getByTestId('audit-to').fill('2000-01-02T00:00');
    await page.getByTestId('audit-search').click();
    await expect.poll(() => page.getByTestId('audit-page').textContent()).toContain('0 shown');
    await page.getByTestId('audit-range').selectOption('7d');
    await page.getByTestId('audit-filter-actor').fill('');
    await page.getByTestId('audit-search').click();
    await expect.poll(() => rows.count()).toBe(25);
    await shoot('audit', DESKTOP);
  });

  it('adds a password user and explains a request', async () => {
    await page.getByTestId('nav-users').click();
    await page.getByLabel('user', { exact: true }).fill('dora');
    await page.getByLabel('password', { exact: true }).fill('dora-password-1');
    await page.getByLabel('groups', { exact: true }).fill('analysts, finance');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByTestId('user-row-dora').waitFor();
    await shoot('users', DESKTOP);
    await page.getByTestId('nav-explain').click();
    await page.getByTestId('explain-user').fill('dora');
    await page.getByTestId('explain-sql').fill('SELECT * FROM nation');
    await page.getByTestId('explain-catalog').fill('tpch');
    await page.getByTestId('explain-schema').fill('tiny');
    await page.getByTestId('explain-submit').click();
    await expect.poll(() => page.getByTestId('explain-result').textContent()).toContain('tpch.tiny.nation');
    await shoot('explain', DESKTOP);
  });

  it('works at 420 pixels wide: every view fits, the history detail above its list', async () => {
    await page.setViewportSize(NARROW);
    const id = await run('SELECT r_name FROM region');
    for (const view of ['dashboard', 'targets', 'routing', 'access', 'users', 'audit', 'explain'] as const) {
      await page.getByTestId(`nav-${view}`).click();
      if (view === 'dashboard') await page.getByTestId('depth-chart-primary').locator('svg').waitFor();
      if (view === 'routing' || view === 'access') await expect.poll(() => editorText(view)).toContain('{');
      if (view === 'audit') await page.getByTestId('audit-row').first().waitFor();
      if (view === 'users') await page.getByTestId('user-row-alice').waitFor();
      if (view === 'targets') await page.getByTestId('target-row-primary').waitFor();
      await shoot(view, NARROW);
    }
    await page.getByTestId('nav-history').click();
    await page.getByTestId(`history-row-${id}`).click();
    const detail = page.getByTestId('query-detail');
    await expect.poll(() => detail.textContent()).toContain('r_name');
    const [list, aside] = [await page.locator('.split .list').boundingBox(), await detail.boundingBox()];
    expect(aside!.y + aside!.height).toBeLessThanOrEqual(list!.y);
    expect(aside!.width).toBeLessThanOrEqual(NARROW.width);
    await shoot('history', NARROW);
    await page.setViewportSize(DESKTOP);
  });

  it('broke no rule of the page\'s Content-Security-Policy', () => {
    expect(violations).toEqual([]);
  });
});
