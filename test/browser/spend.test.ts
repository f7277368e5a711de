import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, StopQueryExecutionCommand, type QueryExecution } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { BasicAuth, Trino } from 'trino-client';
import { DynamoSpendStore } from '../../lambdas/adapters/aws/dynamo-spend-store.js';
import { DynamoUserStore } from '../../lambdas/adapters/aws/dynamo-user-store.js';
import { CONFIG_TABLE } from '../../lambdas/adapters/aws/tables.js';
import { hashPassword } from '../../lambdas/core/auth/password-hash.js';
import { periodKey } from '../../lambdas/core/budgets/periods.js';
import { parseConfigText } from '../../lambdas/core/config/schema.js';
import { LOCAL_TABLES, startLocalServer, type LocalServer } from '../../lambdas/local/server.js';

/**
 * The admin page's spend view in Debian's Chromium against the local server, with an Athena
 * workgroup billed per scan (Athena scripted with aws-sdk-client-mock: a query scans as many GiB
 * as the number it selects): the figures per user, group, tool and target of queries run through
 * the server with trino-client, each budget beside the figure it limits, earlier days, a grant
 * made and revoked from the page (both audited), at 1280 and 420 pixels wide without being cut
 * off and without a Content-Security-Policy violation. Screenshots as in admin.test.ts
 * (BIFROST_SCREENSHOTS=docs copies them to docs/screenshots).
 */
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`spend.test.ts: skipped, ${CHROMIUM} is missing (apt-get install -y chromium)`);

const root = fileURLToPath(new URL('../..', import.meta.url));
const shots = `${root}test-results/admin`;
const docsShots = process.env.BIFROST_SCREENSHOTS === 'docs' ? `${root}docs/screenshots` : undefined;
const GIB = 2 ** 30;
const CONFIG = `
version: 1
gateway: { pricePerTerabyteUsd: 5 }
targets:
  adhoc: { type: athena, workgroup: bifrost-adhoc, csvFastPath: false }
routingGroups:
  main: { targets: [adhoc] }
defaultRoutingGroup: main
auth:
  methods:
    - type: password
      slowdown: { initialDelayMs: 0, maxDelayMs: 0 }
budgets:
  limits:
    - name: analysts-daily
      scope: { kind: group, name: analysts }
      period: day
      limitUsd: 2
    - name: everyone-daily
      scope: { kind: user, name: '*' }
      period: day
      limitBytes: ${500 * GIB}
      warnAtPercent: 90
    - name: alice-monthly
      scope: { kind: user, name: alice }
      period: month
      limitUsd: 10
`;
const CHEAP = { logN: 10, r: 8, p: 1 };
const DESKTOP = { width: 1280, height: 800 };
const NARROW = { width: 420, height: 800 };

const athena = mockClient(AthenaClient);
const sqlOf = new Map<string, string>();

/** The scripted Athena: SELECT n scans n GiB and answers one row. */
function executionOf(id: string): QueryExecution {
  const gib = Number(/\d+/.exec(sqlOf.get(id) ?? '')?.[0] ?? 0);
  return {
    QueryExecutionId: id,
    StatementType: 'DML',
    WorkGroup: 'bifrost-adhoc',
    Status: { State: 'SUCCEEDED', SubmissionDateTime: new Date(), CompletionDateTime: new Date() },
    Statistics: { DataScannedInBytes: gib * GIB, EngineExecutionTimeInMillis: 1500, TotalExecutionTimeInMillis: 1600, QueryQueueTimeInMillis: 5 },
    ResultConfiguration: { OutputLocation: `s3://results/${id}.csv` },
  };
}

describe.skipIf(!haveChromium)('admin page: spend and budgets', () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    let n = 0;
    athena.on(StartQueryExecutionCommand).callsFake(async (input) => {
      const id = `exec-${++n}`;
      sqlOf.set(id, input.QueryString ?? '');
      return { QueryExecutionId: id };
    });
    athena.on(GetQueryExecutionCommand).callsFake(async (input) => ({ QueryExecution: executionOf(input.QueryExecutionId!) }));
    athena.on(StopQueryExecutionCommand).resolves({});
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: { Rows: [{ Data: [{ VarCharValue: 'x' }] }, { Data: [{ VarCharValue: '1' }] }], ResultSetMetadata: { ColumnInfo: [{ Name: 'x', Type: 'integer', CatalogName: 'hive', Nullable: 'UNKNOWN', Precision: 10, Scale: 0, CaseSensitive: false }] } },
    });

    const outDir = `${root}test-results/admin-page-spend`;
    await build({ configFile: `${root}lambdas/admin-ui/vite.config.ts`, build: { outDir, emptyOutDir: true }, logLevel: 'error' });
    mkdirSync(shots, { recursive: true });
    if (docsShots) mkdirSync(docsShots, { recursive: true });
    server = await startLocalServer({
      config: parseConfigText(CONFIG),
      gateway: { pollWaitMs: 100 },
      adminPageDir: outDir,
      sweepIntervalMs: 3_600_000,
      aws: () => ({ athena: new AthenaClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }), glue: new GlueClient({ region: 'us-east-1' }) }),
    });
    const users = new DynamoUserStore(server.dynamo.client, LOCAL_TABLES.users);
    for (const [name, groups] of [
      ['alice', ['analysts']],
      ['dora', ['analysts']],
      ['bob', ['etl']],
    ] as const) {
      await users.put({ name, passwordHash: await hashPassword(`${name}-password-1`, CHEAP), groups: [...groups], disabled: false, failedAttempts: 0, createdAt: 0, updatedAt: 0 });
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: DESKTOP });
    page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
    page.on('pageerror', (e) => violations.push(String(e)));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    athena.restore();
  });

  async function run(sql: string, user: string, source: string): Promise<void> {
    for await (const result of await Trino.create({ server: server.url, auth: new BasicAuth(user, `${user}-password-1`), catalog: 'hive', schema: 'default', source }).query(sql)) {
      if (result.error) throw new Error(result.error.message);
    }
  }

  /** Earlier days' spend as the counters would hold it: added the way a query's end adds it. */
  async function spentEarlier(daysAgo: number, gib: number): Promise<void> {
    const key = { [CONFIG_TABLE.partitionKey]: `seed#${daysAgo}` };
    await DynamoDBDocumentClient.from(server.dynamo.client).send(new PutCommand({ TableName: LOCAL_TABLES.config, Item: { ...key, spendDue: true } }));
    const at = Date.now() - daysAgo * 86_400_000;
    const costUsd = Math.round((gib / 1024) * 5 * 1e6) / 1e6;
    await new DynamoSpendStore(server.dynamo.client, LOCAL_TABLES.config, { transactions: false }).add(
      { user: 'erin', groups: ['etl'], source: 'Looker', target: 'adhoc', at, figures: { bytes: gib * GIB, costUsd, queries: 3, engineMs: 9000 } },
      { table: LOCAL_TABLES.config, key },
    );
  }

  async function shoot(name: string, size: { width: number }) {
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    expect(overflow, `${name}: the page is wider than the window`).toBeLessThanOrEqual(0);
    const file = `${shots}/${name}-${size.width === NARROW.width ? 'narrow' : 'desktop'}.png`;
    const height = Math.min(1600, Number(await page.evaluate('document.documentElement.scrollHeight')));
    await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width: size.width, height } });
    if (docsShots) copyFileSync(file, `${docsShots}/${name}-${size.width === NARROW.width ? 'narrow' : 'desktop'}.png`);
  }

  const row = (kind: string, name: string) => page.getByTestId(`spend-${kind}-${name}`);
  const cell = async (kind: string, name: string, what: 'queries' | 'bytes' | 'cost') => (await row(kind, name).getByTestId(`spend-${what}`).textContent())?.trim();
  const meter = (budget: string, scope: string) => page.getByTestId(`budget-meter-${budget}-${scope}`);

  it('shows the spend of queries run through the server per user, group, tool and target, with each budget beside it', async () => {
    await run('SELECT 150 AS x', 'alice', 'Tableau');
    await run('SELECT 120 AS x', 'alice', 'Tableau');
    await run('SELECT 100 AS x', 'dora', 'Superset');
    await run('SELECT 520 AS x', 'bob', 'dbt');
    await spentEarlier(1, 300);
    await spentEarlier(2, 180);

    await page.goto(`${server.url}/admin/spend`);
    await page.getByTestId('login-user').fill('alice');
    await page.getByTestId('login-password').fill('alice-password-1');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('spend').waitFor();
    await row('user', 'alice').waitFor();

    // alice: 270 GiB at $5 a TiB; her group's budget counts dora's 100 GiB too.
    expect(await cell('user', 'alice', 'queries')).toBe('2');
    expect(await cell('user', 'alice', 'bytes')).toBe('270.0 GiB');
    expect(await cell('user', 'alice', 'cost')).toBe('$1.32');
    expect(await cell('group', 'analysts', 'bytes')).toBe('370.0 GiB');
    expect(await cell('group', 'etl', 'bytes')).toBe('520.0 GiB');
    expect(await cell('source', 'Tableau', 'queries')).toBe('2');
    expect(await cell('source', 'dbt', 'bytes')).toBe('520.0 GiB');
    expect(await cell('target', 'adhoc', 'queries')).toBe('4');
    expect(await cell('target', 'adhoc', 'bytes')).toBe('890.0 GiB');
    // The largest row first.
    expect(await page.getByTestId('spend-user').locator('tbody tr').first().getAttribute('data-testid')).toBe('spend-user-bob');

    // Each budget beside the figure it limits: used / limit, its threshold, its state.
    expect(await meter('analysts-daily', 'analysts').textContent()).toMatch(/\$1\.81 \/ \$2\.00.*90% · warns at 80%.*warning/);
    expect(await meter('analysts-daily', 'analysts').locator('line.warn-at').count()).toBe(1);
    expect(await meter('everyone-daily', 'alice').textContent()).toMatch(/270\.0 GiB \/ 500\.0 GiB.*54% · warns at 90%/);
    expect(await meter('everyone-daily', 'bob').textContent()).toMatch(/520\.0 GiB \/ 500\.0 GiB.*exhausted/);
    expect(await row('user', 'dora').textContent()).not.toContain('alice-monthly');
    // Tools and targets have no budgets, and no budgets column.
    expect(await page.getByTestId('spend-source').locator('th').allTextContents()).not.toContain('budgets (used / limit)');

    // Earlier days: the last seven, each with its total.
    const periods = page.getByTestId('spend-periods').locator('button');
    expect(await periods.count()).toBe(7);
    const yesterday = periodKey('day', Date.now() - 86_400_000);
    expect(await page.getByTestId(`spend-period-${yesterday}`).textContent()).toContain('300.0 GiB');
    await shoot('spend', DESKTOP);
    await page.getByTestId(`spend-period-${yesterday}`).click();
    await row('user', 'erin').waitFor();
    expect(await cell('user', 'erin', 'bytes')).toBe('300.0 GiB');
    expect(await cell('source', 'Looker', 'queries')).toBe('3');

    // Per month: the month's budgets beside the month's figures.
    await page.getByTestId('spend-kind').selectOption('month');
    await meter('alice-monthly', 'alice').waitFor();
    expect(await meter('alice-monthly', 'alice').textContent()).toMatch(/\$1\.32 \/ \$10\.00.*13% · warns at 80%/);
    expect(await page.getByTestId('spend-periods').locator('button').count()).toBe(3);
    await page.getByTestId('spend-kind').selectOption('day');
    await row('user', 'alice').waitFor();
  });

  it('grants a user past a budget and revokes the grant: the page shows both, the audit log has both', async () => {
    const form = page.getByTestId('grant-form');
    await form.getByTestId('grant-user').fill('bob');
    await form.getByTestId('grant-budget').selectOption('everyone-daily');
    await form.getByTestId('grant-reason').fill('month-end load');
    await form.getByTestId('grant-submit').click();
    const grant = page.getByTestId('grant-bob-everyone-daily');
    await grant.waitFor();
    expect(await grant.textContent()).toContain('month-end load');
    expect(await grant.textContent()).toContain('alice');
    expect(await page.getByTestId('grant-message').textContent()).toBe('Granted bob past everyone-daily');
    // bob's exhausted budget now shows the grant.
    await expect.poll(() => meter('everyone-daily', 'bob').textContent()).toMatch(/granted until/);
    await shoot('spend-grant', DESKTOP);

    // A grant the API refuses shows the API's problem.
    await form.getByTestId('grant-user').fill('dora');
    await form.getByTestId('grant-until').fill('2001-01-01T00:00');
    await form.getByTestId('grant-submit').click();
    await expect.poll(() => page.getByTestId('problem').textContent()).toContain('until must be in the future');

    await grant.getByRole('button', { name: 'Revoke' }).click();
    await grant.waitFor({ state: 'detached' });
    expect(await page.getByTestId('grants').textContent()).toContain('No grants');
    await expect.poll(() => meter('everyone-daily', 'bob').textContent()).toMatch(/exhausted/);

    const audit = (await (await page.request.get(`${server.url}/api/admin/audit?action=budgets.`)).json()) as { items: { action: string; actor: string; resource: string }[] };
    expect(audit.items.map((e) => [e.action, e.actor, e.resource])).toEqual([
      ['budgets.revoke', 'alice', 'budgets/everyone-daily'],
      ['budgets.grant', 'alice', 'budgets/everyone-daily'],
    ]);
  });

  it('works at 420 pixels wide', async () => {
    await page.setViewportSize(NARROW);
    await page.reload();
    await row('user', 'alice').waitFor();
    const box = await meter('analysts-daily', 'analysts').boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(NARROW.width);
    await shoot('spend', NARROW);
    await page.setViewportSize(DESKTOP);
  });

  it("broke no rule of the page's Content-Security-Policy", () => {
    expect(violations).toEqual([]);
  });
});
