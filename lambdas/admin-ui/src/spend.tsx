import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Budget, type BudgetGrant, type Budgets, type Me, type PeriodKind, type SpendCounter, type SpendScopeKind } from './api.js';
import { bytes, Problem, RefreshHeading, useLoad, when } from './views.js';

/**
 * Spend and budgets (docs/budgets.md): what queries on targets billed per scan cost, per user,
 * group, tool and target, for the days or months the API keeps; each budget beside the figure it
 * limits (used / limit, the warning threshold marked); and the grants that let one user past one
 * budget until a time, made and ended here (the API audits both).
 */

type Measure = 'cost' | 'bytes';

const SCOPES: [SpendScopeKind, string][] = [
  ['user', 'Users'],
  ['group', 'Groups (the spend of every member together)'],
  ['source', 'Tools (the client’s source)'],
  ['target', 'Targets (workgroups)'],
];

const usd = (n: number) => `$${n > 0 && n < 0.01 ? n.toFixed(4) : n.toFixed(2)}`;
const inputValue = (e: Event) => (e.target as HTMLInputElement).value;

/** A period key as people read it: D2026-12-07 → 2026-12-07 (today), M2026-12 → 2026-12 (this month). */
function periodLabel(key: string, last: boolean): string {
  const text = key.slice(1);
  return last ? `${text} (${key.startsWith('M') ? 'this month' : 'today'})` : text;
}

/** A datetime-local value for a time (the browser's own time zone). */
function localInput(ms: number): string {
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

interface Row {
  name: string;
  counter?: SpendCounter;
}

interface Meter {
  budget: Budget;
  used: number;
  limit: number;
  /** Share of the limit (0..1) at which queries carry a warning. */
  warnAt: number;
  state: 'ok' | 'warn' | 'exceeded' | 'granted';
  grant?: BudgetGrant | undefined;
}

const amount = (unit: 'usd' | 'bytes', n: number) => (unit === 'usd' ? usd(n) : bytes(n));

/** The budgets of this period that limit a row's spend: user budgets (named or '*') on users, group budgets on groups. */
function metersOf(kind: SpendScopeKind, row: Row, limits: Budget[], section: Budgets['budgets'] | undefined, now: number): Meter[] {
  if (kind !== 'user' && kind !== 'group') return [];
  return limits
    .filter((b) => b.scope.kind === kind && (b.scope.name === row.name || (kind === 'user' && b.scope.name === '*')))
    .map((budget) => {
      const unit = budget.limitBytes !== undefined ? 'bytes' : 'usd';
      const used = unit === 'bytes' ? (row.counter?.bytes ?? 0) : (row.counter?.costUsd ?? 0);
      const limit = budget.limitBytes ?? budget.limitUsd ?? 0;
      const warnAt = (budget.warnAtPercent ?? section?.warnAtPercent ?? 80) / 100;
      const grant = kind === 'user' ? section?.grants.find((g) => g.user === row.name && g.budget === budget.name && Date.parse(g.until) > now) : undefined;
      const state = used >= limit ? (grant ? 'granted' : 'exceeded') : used >= limit * warnAt ? 'warn' : 'ok';
      return { budget, used, limit, warnAt, state, grant };
    });
}

/** A bar of `share` (0..1) of its track; the warning threshold, when given, as a tick. Drawn in SVG: the page's policy admits no inline styles. */
function Bar({ share, warnAt, state, label }: { share: number; warnAt?: number; state: string; label: string }) {
  const width = Math.max(0, Math.min(1, share)) * 100;
  return (
    <svg class={`spend-bar ${state}`} viewBox="0 0 100 10" preserveAspectRatio="none" width="100%" height={10} role="img" aria-label={label}>
      <rect class="track" x={0} y={0} width={100} height={10} />
      <rect class="fill" x={0} y={0} width={width} height={10} />
      {warnAt !== undefined && <line class="warn-at" x1={warnAt * 100} x2={warnAt * 100} y1={0} y2={10} vector-effect="non-scaling-stroke" />}
    </svg>
  );
}

function BudgetMeter({ meter, row }: { meter: Meter; row: string }) {
  const unit = meter.budget.limitBytes !== undefined ? 'bytes' : 'usd';
  const percent = meter.limit ? Math.floor((meter.used / meter.limit) * 100) : 0;
  return (
    <div class={`budget-meter ${meter.state}`} data-testid={`budget-meter-${meter.budget.name}-${row}`}>
      <div class="budget-line">
        <strong>{meter.budget.name}</strong>
        <span class="nowrap" data-testid="budget-used">
          {amount(unit, meter.used)} / {amount(unit, meter.limit)}
        </span>
        <span class="muted nowrap">
          {percent}% · warns at {Math.round(meter.warnAt * 100)}%
        </span>
        {meter.state !== 'ok' && <span class={`budget-state ${meter.state}`}>{meter.state === 'granted' ? `granted until ${when(Date.parse(meter.grant!.until))}` : meter.state === 'warn' ? 'warning' : 'exhausted'}</span>}
      </div>
      <Bar share={meter.limit ? meter.used / meter.limit : 0} warnAt={meter.warnAt} state={meter.state} label={`${meter.budget.name}: ${percent}% of the limit, warning at ${Math.round(meter.warnAt * 100)}%`} />
    </div>
  );
}

function ScopeTable({ kind, title, counters, limits, section, measure, now }: { kind: SpendScopeKind; title: string; counters: SpendCounter[]; limits: Budget[]; section: Budgets['budgets'] | undefined; measure: Measure; now: number }) {
  const rows = new Map<string, Row>();
  for (const c of counters) if (c.scope.kind === kind) rows.set(c.scope.name, { name: c.scope.name, counter: c });
  // A named budget shows its scope even before anything is spent.
  for (const b of limits) if (b.scope.kind === kind && b.scope.name !== '*' && !rows.has(b.scope.name)) rows.set(b.scope.name, { name: b.scope.name });
  const value = (r: Row) => (measure === 'cost' ? (r.counter?.costUsd ?? 0) : (r.counter?.bytes ?? 0));
  const sorted = [...rows.values()].sort((a, b) => value(b) - value(a) || a.name.localeCompare(b.name));
  const max = Math.max(0, ...sorted.map(value));
  const budgeted = kind === 'user' || kind === 'group';
  const everyone = kind === 'user' ? limits.filter((b) => b.scope.name === '*' && b.scope.kind === 'user') : [];
  return (
    <div class="spend-scope">
      <h3>{title}</h3>
      <div class="table-wrap">
        <table class="stack-narrow spend" data-testid={`spend-${kind}`}>
          <thead>
            <tr>
              <th>name</th>
              <th class="num">queries</th>
              <th class="num">scanned</th>
              <th class="num">cost</th>
              <th class="share">share</th>
              {budgeted && <th>budgets (used / limit)</th>}
            </tr>
          </thead>
          <tbody>
            {sorted.map((r) => {
              const meters = metersOf(kind, r, limits, section, now);
              return (
                <tr key={r.name} data-testid={`spend-${kind}-${r.name}`}>
                  <td data-label="name">{r.name}</td>
                  <td data-label="queries" class="num" data-testid="spend-queries">
                    {r.counter?.queries ?? 0}
                  </td>
                  <td data-label="scanned" class="num nowrap" data-testid="spend-bytes">
                    {bytes(r.counter?.bytes ?? 0)}
                  </td>
                  <td data-label="cost" class="num" data-testid="spend-cost">
                    {usd(r.counter?.costUsd ?? 0)}
                  </td>
                  <td data-label="share" class="share">
                    <Bar share={max ? value(r) / max : 0} state="share" label={`${r.name}: ${max ? Math.round((value(r) / max) * 100) : 0}% of the largest`} />
                  </td>
                  {budgeted && (
                    <td data-label="budgets" class="budgets">
                      {meters.length ? meters.map((m) => <BudgetMeter key={m.budget.name} meter={m} row={r.name} />) : <span class="muted">none</span>}
                    </td>
                  )}
                </tr>
              );
            })}
            {sorted.length === 0 && (
              <tr>
                <td colSpan={budgeted ? 6 : 5}>Nothing spent in this period</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {everyone.length > 0 && (
        <p class="muted small">
          {everyone.map((b) => `${b.name}: ${amount(b.limitBytes !== undefined ? 'bytes' : 'usd', b.limitBytes ?? b.limitUsd ?? 0)} a ${b.period} for every user, each on their own`).join(' · ')}
        </p>
      )}
    </div>
  );
}

function Grants({ me, budgets, reload, now }: { me: Me; budgets: Budgets; reload: () => void; now: number }) {
  const names = budgets.budgets.limits.map((b) => b.name);
  const [form, setForm] = useState({ user: '', budget: names[0] ?? '', until: localInput(now + 86_400_000), reason: '' });
  const [failure, setFailure] = useState<ApiError>();
  const [message, setMessage] = useState('');
  useEffect(() => {
    if (!names.includes(form.budget)) setForm((f) => ({ ...f, budget: names[0] ?? '' }));
  }, [names.join(',')]);
  const act = (p: Promise<unknown>, done: string, after?: () => void) =>
    p
      .then(() => {
        setFailure(undefined);
        setMessage(done);
        after?.();
        reload();
      })
      .catch((e: unknown) => {
        setMessage('');
        setFailure(e instanceof ApiError ? e : new ApiError(0, String(e)));
      });
  const grants = [...budgets.budgets.grants].sort((a, b) => Date.parse(b.until) - Date.parse(a.until));
  return (
    <div class="grants">
      <h3>Grants</h3>
      <p class="muted">A grant lets one user past one budget until a time: their queries run, with a warning that says so. Granting and revoking are recorded in the audit log.</p>
      <div class="table-wrap">
        <table class="stack-narrow" data-testid="grants">
          <thead>
            <tr>
              <th>user</th>
              <th>budget</th>
              <th>until</th>
              <th>reason</th>
              <th>granted by</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {grants.map((g) => {
              const active = Date.parse(g.until) > now;
              return (
                <tr key={g.id} data-testid={`grant-${g.user}-${g.budget}`}>
                  <td data-label="user">{g.user}</td>
                  <td data-label="budget">{g.budget}</td>
                  <td data-label="until" class="nowrap">
                    {when(Date.parse(g.until))} {!active && <span class="muted">(ended)</span>}
                  </td>
                  <td data-label="reason">{g.reason ?? ''}</td>
                  <td data-label="granted by">
                    {g.by ?? ''}
                    {g.at ? <span class="muted"> · {when(Date.parse(g.at))}</span> : null}
                  </td>
                  <td data-label="">
                    {me.role === 'admin' && (
                      <button class="danger" data-testid={`revoke-${g.id}`} onClick={() => act(api.revokeGrant(g.id, budgets.version), `Grant for ${g.user} revoked`)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
            {grants.length === 0 && (
              <tr>
                <td colSpan={6}>No grants</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {me.role === 'admin' && (
        <form
          class="inline"
          data-testid="grant-form"
          onSubmit={(e) => {
            e.preventDefault();
            const until = new Date(form.until);
            if (Number.isNaN(until.getTime())) {
              setFailure(new ApiError(0, 'Give the time the grant ends'));
              return;
            }
            act(api.grant({ user: form.user.trim(), budget: form.budget, until: until.toISOString(), ...(form.reason.trim() ? { reason: form.reason.trim() } : {}) }, budgets.version), `Granted ${form.user.trim()} past ${form.budget}`, () => setForm({ ...form, user: '', reason: '' }));
          }}
        >
          <input data-testid="grant-user" aria-label="user" placeholder="user" value={form.user} onInput={(e) => setForm({ ...form, user: inputValue(e) })} />
          <select data-testid="grant-budget" aria-label="budget" value={form.budget} onChange={(e) => setForm({ ...form, budget: inputValue(e) })}>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <input type="datetime-local" data-testid="grant-until" aria-label="until" value={form.until} onInput={(e) => setForm({ ...form, until: inputValue(e) })} />
          <input data-testid="grant-reason" aria-label="reason" placeholder="reason" value={form.reason} onInput={(e) => setForm({ ...form, reason: inputValue(e) })} />
          <button class="primary" data-testid="grant-submit" disabled={!names.length || !form.user.trim()}>
            Grant
          </button>
        </form>
      )}
      {message && (
        <p class="ok-message" data-testid="grant-message">
          {message}
        </p>
      )}
      <Problem error={failure} />
    </div>
  );
}

export function SpendView({ me }: { me: Me }) {
  const [kind, setKind] = useState<PeriodKind>('day');
  const [selected, setSelected] = useState<string>();
  const [measure, setMeasure] = useState<Measure>('cost');
  const spend = useLoad(() => api.spend(kind), [kind]);
  const budgets = useLoad(api.budgets);
  const now = Date.now();
  const periods = spend.data?.kind === kind ? spend.data.periods : [];
  const shown = periods.find((p) => p.period === selected) ?? periods[periods.length - 1];
  const limits = spend.data?.kind === kind ? spend.data.budgets : [];
  const section = budgets.data?.budgets;
  // The period's total: every query counts for exactly one target (and one user).
  const total = (counters: SpendCounter[]) => {
    const of = counters.filter((c) => c.scope.kind === 'target');
    const counted = of.length ? of : counters.filter((c) => c.scope.kind === 'user');
    return counted.reduce((t, c) => ({ cost: t.cost + c.costUsd, bytes: t.bytes + c.bytes, queries: t.queries + c.queries }), { cost: 0, bytes: 0, queries: 0 });
  };
  const totals = periods.map((p) => ({ period: p.period, ...total(p.counters) }));
  const maxTotal = Math.max(0, ...totals.map((t) => (measure === 'cost' ? t.cost : t.bytes)));
  return (
    <section data-testid="spend">
      <RefreshHeading
        title="Spend and budgets"
        testId="spend"
        onRefresh={() => {
          spend.reload();
          budgets.reload();
        }}
      />
      <p class="muted">What queries on targets billed per data scanned (Athena on-demand workgroups) cost, per UTC {kind}, with the budgets that limit it. Other targets are not counted.</p>
      <div class="inline">
        <select data-testid="spend-kind" aria-label="period" value={kind} onChange={(e) => {
            setSelected(undefined);
            setKind(inputValue(e) as PeriodKind);
          }}>
          <option value="day">per day</option>
          <option value="month">per month</option>
        </select>
        <select data-testid="spend-measure" aria-label="bars by" value={measure} onChange={(e) => setMeasure(inputValue(e) as Measure)}>
          <option value="cost">bars by cost</option>
          <option value="bytes">bars by data scanned</option>
        </select>
      </div>
      <Problem error={spend.error ?? budgets.error} />
      {totals.length > 0 && (
        <div class="spend-periods" data-testid="spend-periods">
          {[...totals].reverse().map((t, i) => (
            <button key={t.period} data-testid={`spend-period-${t.period}`} class={t.period === shown?.period ? 'current' : ''} aria-pressed={t.period === shown?.period} onClick={() => setSelected(t.period)}>
              <span class="period-name">{periodLabel(t.period, i === 0)}</span>
              <span class="period-figure">
                {usd(t.cost)} · {bytes(t.bytes)}
              </span>
              <Bar share={maxTotal ? (measure === 'cost' ? t.cost : t.bytes) / maxTotal : 0} state="share" label={`${t.period}: ${t.queries} queries`} />
            </button>
          ))}
        </div>
      )}
      {limits.length > 0 && (
        <p class="muted small" data-testid="spend-budgets">
          Budgets per {kind}:{' '}
          {limits
            .map((b) => `${b.name} (${b.scope.kind} ${b.scope.name === '*' ? 'every user' : b.scope.name}: ${amount(b.limitBytes !== undefined ? 'bytes' : 'usd', b.limitBytes ?? b.limitUsd ?? 0)}, warns at ${b.warnAtPercent ?? section?.warnAtPercent ?? 80}%)`)
            .join(' · ')}
        </p>
      )}
      {shown && (
        <div data-testid="spend-tables">
          {SCOPES.slice(0, 2).map(([scope, title]) => (
            <ScopeTable key={scope} kind={scope} title={title} counters={shown.counters} limits={limits} section={section} measure={measure} now={now} />
          ))}
          <div class="columns">
            {SCOPES.slice(2).map(([scope, title]) => (
              <ScopeTable key={scope} kind={scope} title={title} counters={shown.counters} limits={limits} section={section} measure={measure} now={now} />
            ))}
          </div>
        </div>
      )}
      {budgets.data && <Grants me={me} budgets={budgets.data} reload={budgets.reload} now={now} />}
    </section>
  );
}
