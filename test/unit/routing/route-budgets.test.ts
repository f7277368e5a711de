import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { main } from '../../../bin/cli.js';

/**
 * `bifrost route` with the config's budgets: on a target billed per scan it answers the decision
 * the gateway would take at admission (run, warn, refuse, and why), from the spend given with
 * --spent; on other targets it says budgets do not apply.
 */
const example = fileURLToPath(new URL('../../../config/bifrost.example.yaml', import.meta.url));

async function bifrost(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdin = new PassThrough();
  stdin.end('');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(args, { stdin, stdout, stderr, env: {} });
  return { code, out, err };
}

interface Answer {
  outcome: string;
  target?: string;
  budgets?: { outcome: string; why: string[]; checks?: { budget: string; state: string; spent: number; limit: number; unit: string }[]; refusedBy?: { budget: string } };
}

async function route(config: string, ...args: string[]): Promise<Answer> {
  const { code, out, err } = await bifrost('route', '--config', config, ...args);
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out) as Answer;
}

// sam of analysts goes to adhoc, an on-demand Athena workgroup; lee of legacy to a Trino cluster.
const analyst = ['--user', 'sam', '--groups', 'analysts'];

describe('bifrost route: budgets', () => {
  it('runs under every budget, and says which budgets it checked', async () => {
    const e = await route(example, ...analyst);
    expect(e).toMatchObject({ outcome: 'target', target: 'adhoc', budgets: { outcome: 'run' } });
    expect(e.budgets!.checks!.map((c) => [c.budget, c.state, c.spent])).toEqual([
      ['analysts-daily', 'ok', 0],
      ['everyone-monthly', 'ok', 0],
    ]);
    expect(e.budgets!.why).toEqual(["budget 'analysts-daily' (group analysts, per day): $0.00 of $50.00 spent, under its warning threshold of 80%", "budget 'everyone-monthly' (user sam, per month): 0 B of 10.00 TB spent, under its warning threshold of 80%"]);
  });

  it('warns past a threshold and refuses at a limit, with the messages the client would get', async () => {
    const warned = await route(example, ...analyst, '--spent', 'group:analysts=$45');
    expect(warned.budgets).toMatchObject({ outcome: 'warn', why: [expect.stringMatching(/^Budget 'analysts-daily' \(group analysts, per day\) is at 90%: \$45\.00 of \$50\.00 spent this day; it resets at /)] });
    const refused = await route(example, ...analyst, '--spent', 'group:analysts/day=$50.12,user:sam/month=1TB');
    expect(refused.budgets).toMatchObject({ outcome: 'refuse', refusedBy: { budget: 'analysts-daily' } });
    expect(refused.budgets!.why).toEqual([expect.stringMatching(/^Query refused: budget 'analysts-daily' \(group analysts, per day\) is exhausted: \$50\.12 of \$50\.00 spent this day; it resets at \d{4}-\d\d-\d\dT00:00:00\.000Z$/)]);
    // Data scanned is reckoned in dollars at the config's price, and the other way round: 10 TiB at $5 a TiB is $50.
    expect((await route(example, ...analyst, '--spent', 'group:analysts=10TB')).budgets!.outcome).toBe('refuse');
    const monthly = await route(example, ...analyst, '--spent', 'user:sam/month=10.5TiB');
    expect(monthly.budgets).toMatchObject({ outcome: 'refuse', refusedBy: { budget: 'everyone-monthly' } });
    // A group's spend this month does not count for its daily budget.
    expect((await route(example, ...analyst, '--spent', 'group:analysts/month=$60')).budgets!.outcome).toBe('run');
  });

  it("lets a user with a grant in the config's budgets run, with the grant's warning", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bifrost-route-'));
    const file = join(dir, 'bifrost.yaml');
    const config = parse(readFileSync(example, 'utf8')) as { budgets: Record<string, unknown> };
    config.budgets.grants = [{ id: 'g1', user: 'sam', budget: 'analysts-daily', until: new Date(Date.now() + 3_600_000).toISOString(), reason: 'quarter close' }];
    writeFileSync(file, stringify(config));
    const e = await route(file, ...analyst, '--spent', 'group:analysts=$80');
    expect(e.budgets).toMatchObject({ outcome: 'warn', why: [expect.stringMatching(/^Budget 'analysts-daily' .* the query runs under a grant until /)] });
    expect(e.budgets!.checks![0]!.state).toBe('granted');
  });

  it('says budgets do not apply on a target not billed per scan, and nothing when routing picks no target', async () => {
    const cluster = await route(example, '--user', 'lee', '--groups', 'legacy', '--spent', 'user:lee=$1000');
    expect(cluster).toMatchObject({ target: 'legacy-trino', budgets: { outcome: 'run', why: ['target legacy-trino is not billed per data scanned: budgets do not apply'] } });
    const waiting = await route(example, '--user', 'sam', '--depths', 'adhoc=25');
    expect(waiting.outcome).toBe('wait');
    expect(waiting.budgets).toBeUndefined();
  });

  it('refuses a --spent it cannot read, and documents it in --help', async () => {
    const scope = await bifrost('route', '--config', example, '--user', 'sam', '--spent', 'source:dbt=1GB');
    expect(scope.code).toBe(1);
    expect(scope.err).toContain("--spent: 'source:dbt' is not user:NAME or group:NAME");
    const amount = await bifrost('route', '--config', example, '--user', 'sam', '--spent', 'user:sam=lots');
    expect(amount.code).toBe(1);
    expect(amount.err).toContain("--spent: 'lots' is not an amount of data (900MB, 1.5TB) or dollars ($40)");
    const help = await bifrost('route', '--help');
    expect(help.out).toMatch(/--spent SCOPE=AMOUNT/);
    expect(help.out).toMatch(/run, warn .* or refuse \(EXCEEDED_BUDGET\)/s);
  });
});
