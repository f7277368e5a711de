import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { BasicAuth, Trino } from 'trino-client';
import { parseConfigText } from '../../lambdas/core/config/schema.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/**
 * The admin page in Debian's Chromium against the local server: log in, the dashboard, drain a
 * target and watch new queries go to the other one, find a query in history and open it, and an
 * invalid routing change refused with its problems. Screenshots go to test-results/.
 */
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`admin.test.ts: skipped, ${CHROMIUM} is missing (apt-get install -y chromium)`);

const root = fileURLToPath(new URL('../..', import.meta.url));
const shots = `${root}test-results/admin`;
const CONFIG = `
version: 1
targets:
  primary: { type: duckdb }
  standby: { type: duckdb }
routingGroups:
  local: { targets: [primary, standby] }
defaultRoutingGroup: local
`;

describe.skipIf(!haveChromium)('admin page', () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const outDir = `${root}test-results/admin-page`;
    await build({ configFile: `${root}lambdas/admin-ui/vite.config.ts`, build: { outDir, emptyOutDir: true }, logLevel: 'error' });
    mkdirSync(shots, { recursive: true });
    server = await startLocalServer({ config: parseConfigText(CONFIG), gateway: { pollWaitMs: 100 }, adminPageDir: outDir });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function run(sql: string): Promise<string> {
    let id = '';
    for await (const result of await Trino.create({ server: server.url, auth: new BasicAuth('alice'), catalog: 'tpch', schema: 'tiny' }).query(sql)) id = result.id;
    return id;
  }

  async function targetOf(id: string): Promise<string | undefined> {
    return (await server.store.get(id))?.target;
  }

  it('logs in and shows the dashboard', async () => {
    await run('SELECT 1');
    await page.goto(`${server.url}/admin/`);
    await page.getByTestId('login-user').fill('alice');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('dashboard').waitFor();
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('alice (admin)');
    await page.getByTestId('depth-primary').waitFor();
    expect(await page.getByText('By user').count()).toBe(1);
    await page.screenshot({ path: `${shots}/dashboard.png`, fullPage: true });
  });

  it('drains a target: the page shows it and new queries go elsewhere', async () => {
    expect(await targetOf(await run('SELECT 2'))).toBe('primary');
    await page.getByTestId('nav-targets').click();
    await page.getByTestId('drain-primary').click();
    await expect.poll(() => page.getByTestId('target-state-primary').textContent()).toBe('draining');
    expect(await targetOf(await run('SELECT 3'))).toBe('standby');
    await page.screenshot({ path: `${shots}/targets-drained.png`, fullPage: true });
    await page.getByTestId('enable-primary').click();
    await expect.poll(() => page.getByTestId('target-state-primary').textContent()).toBe('active');
  });

  it('finds a query in history and opens its detail', async () => {
    const id = await run('SELECT n_name FROM nation WHERE n_nationkey = 7');
    await page.getByTestId('nav-history').click();
    await page.getByTestId('history-filter-user').fill('alice');
    await page.getByTestId('history-search').click();
    await page.getByTestId(`history-row-${id}`).click();
    const detail = page.getByTestId('query-detail');
    await expect.poll(() => detail.textContent()).toContain('n_nationkey = 7');
    expect(await detail.textContent()).toContain('tpch.tiny.nation');
    await page.screenshot({ path: `${shots}/history-detail.png`, fullPage: true });
  });

  it('refuses a routing change that fails validation, with its problems', async () => {
    await page.getByTestId('nav-routing').click();
    const editor = page.getByTestId('routing-editor');
    await expect.poll(() => editor.inputValue()).toContain('defaultRoutingGroup');
    await editor.fill(JSON.stringify({ routingGroups: { local: { targets: ['ghost'] } }, rules: [], defaultRoutingGroup: 'nowhere' }, null, 2));
    await page.getByTestId('routing-validate').click();
    const problems = page.getByTestId('routing-problems');
    await expect.poll(() => problems.textContent()).toContain("unknown target 'ghost'");
    await page.getByTestId('routing-save').click();
    await expect.poll(() => problems.textContent()).toContain("unknown routing group 'nowhere'");
    const routing = (await (await fetch(`${server.url}/api/admin/routing`, { headers: { 'X-Trino-User': 'alice' } })).json()) as { overridden: boolean };
    expect(routing.overridden).toBe(false);
    await page.screenshot({ path: `${shots}/routing-invalid.png`, fullPage: true });
  });
});
