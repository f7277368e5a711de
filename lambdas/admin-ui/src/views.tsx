import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type AuditEntry, type DepthPoint, type Me, type Params, type QueryRecord, type QuerySummary, type Stats, type Target, type TargetState, type User } from './api.js';

/** Loads once (and again on `reload`), keeping the error to show it. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): { data?: T; error?: ApiError; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    load()
      .then((d) => {
        // An answer to an older request (filters changed meanwhile) is dropped.
        if (!current) return;
        setData(d);
        setError(undefined);
      })
      .catch((e: unknown) => current && setError(e instanceof ApiError ? e : new ApiError(0, String(e))));
    return () => {
      current = false;
    };
  }, [tick, ...deps]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}

export function Problem({ error }: { error?: ApiError | undefined }) {
  if (!error) return null;
  return (
    <div class="problem" role="alert" data-testid="problem">
      <strong>{error.message}</strong>
      {error.problems.length > 0 && (
        <ul>
          {error.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export const when = (ms?: number) => (ms ? new Date(ms).toLocaleString() : '');
const clock = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
/** Today's times alone, other days with their date: short enough for a list. */
const started = (ms: number) => {
  const d = new Date(ms);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
};
export const bytes = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : n >= 2 ** 10 ? `${(n / 2 ** 10).toFixed(1)} KiB` : `${n} B`);
const duration = (ms: number) => {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
};
const usd = (n?: number) => (n === undefined ? '' : `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`);
const ACTIVE = ['QUEUED', 'RUNNING'];
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const rowCount = (n: number) => plural(n, 'row', 'rows');
const inputValue = (e: Event) => (e.target as HTMLInputElement).value;

// ---------------------------------------------------------------- shared pieces

const RANGES: [string, string, number][] = [
  ['1h', 'last hour', 3_600_000],
  ['6h', 'last 6 hours', 6 * 3_600_000],
  ['24h', 'last 24 hours', 24 * 3_600_000],
  ['7d', 'last 7 days', 7 * 86_400_000],
  ['30d', 'last 30 days', 30 * 86_400_000],
];

interface TimeRange {
  range: string;
  /** datetime-local values, for range 'custom'. */
  from: string;
  to: string;
}

/** The window a range stands for, at `now` (the time of the search, so that pages hold still). */
function windowOf(r: TimeRange, now: number): { from?: string; to?: string } {
  if (r.range === 'custom') {
    const from = r.from ? new Date(r.from).getTime() : undefined;
    const to = r.to ? new Date(r.to).getTime() : undefined;
    return { ...(from !== undefined && !Number.isNaN(from) ? { from: String(from) } : {}), ...(to !== undefined && !Number.isNaN(to) ? { to: String(to) } : {}) };
  }
  const span = RANGES.find(([key]) => key === r.range)?.[2] ?? 86_400_000;
  return { from: String(now - span), to: String(now) };
}

function RangeFields({ value, onChange, testId }: { value: TimeRange; onChange: (r: TimeRange) => void; testId: string }) {
  return (
    <>
      <select data-testid={`${testId}-range`} aria-label="time range" value={value.range} onChange={(e) => onChange({ ...value, range: inputValue(e) })}>
        {RANGES.map(([key, label]) => (
          <option key={key} value={key}>
            {label}
          </option>
        ))}
        <option value="custom">from … to …</option>
      </select>
      {value.range === 'custom' && (
        <>
          <input type="datetime-local" aria-label="from" data-testid={`${testId}-from`} value={value.from} onInput={(e) => onChange({ ...value, from: inputValue(e) })} />
          <input type="datetime-local" aria-label="to" data-testid={`${testId}-to`} value={value.to} onInput={(e) => onChange({ ...value, to: inputValue(e) })} />
        </>
      )}
    </>
  );
}

/**
 * Cursor paging (the API's `cursor`): the cursors of the pages seen so far are kept, so Previous
 * goes back without the API needing to page backwards.
 */
function usePages(): { cursor: string | undefined; page: number; next: (cursor: string) => void; previous: () => void; reset: () => void } {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: cursors[cursors.length - 1],
    page: cursors.length,
    next: (cursor) => setCursors([...cursors, cursor]),
    previous: () => setCursors(cursors.length > 1 ? cursors.slice(0, -1) : cursors),
    reset: () => setCursors([undefined]),
  };
}

function Pager({ pages, cursor, count, testId }: { pages: ReturnType<typeof usePages>; cursor?: string | undefined; count: number; testId: string }) {
  return (
    <div class="pager">
      <button data-testid={`${testId}-previous`} disabled={pages.page <= 1} onClick={pages.previous}>
        ← Previous
      </button>
      <span class="muted" data-testid={`${testId}-page`}>
        page {pages.page} · {count} shown
      </span>
      <button data-testid={`${testId}-next`} disabled={!cursor} onClick={() => cursor && pages.next(cursor)}>
        Next →
      </button>
    </div>
  );
}

function PageSize({ value, onChange, testId }: { value: string; onChange: (v: string) => void; testId: string }) {
  return (
    <select data-testid={`${testId}-limit`} aria-label="rows per page" value={value} onChange={(e) => onChange(inputValue(e))}>
      {['25', '50', '100', '200'].map((n) => (
        <option key={n} value={n}>
          {n} a page
        </option>
      ))}
    </select>
  );
}

/** The width of an element, followed as it changes (charts are drawn at their real size). */
function useWidth<T extends HTMLElement>(): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry!.contentRect.width)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

// ---------------------------------------------------------------- dashboard

/** Queries per time bucket; drawn to the width of its box (bars stretch, there is no text to distort). */
function Bars({ buckets }: { buckets: Stats['perTarget'][number]['buckets'] }) {
  const max = Math.max(1, ...buckets.map((b) => b.queries));
  const width = 12;
  return (
    <svg class="bars" viewBox={`0 0 ${buckets.length * width} 60`} preserveAspectRatio="none" width="100%" height={60} role="img" aria-label="queries over time">
      {buckets.map((b, i) => (
        <g key={b.at}>
          <rect x={i * width} y={60 - (b.queries / max) * 56} width={width - 2} height={(b.queries / max) * 56} class="ok">
            <title>{`${when(b.at)}: ${b.queries} queries, ${b.failed} failed`}</title>
          </rect>
          <rect x={i * width} y={60 - (b.failed / max) * 56} width={width - 2} height={(b.failed / max) * 56} class="failed" />
        </g>
      ))}
    </svg>
  );
}

/**
 * Queued and running queries of one target over the window, as lines (a gap of more than five
 * minutes without a sample breaks them: the sweeper did not run), with the queue limit dashed.
 */
export function DepthChart({ target, samples, from, to, limit }: { target: string; samples: DepthPoint[]; from: number; to: number; limit?: number | undefined }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const height = 130;
  const pad = { left: 34, right: 10, top: 10, bottom: 20 };
  const max = Math.max(1, limit ?? 0, ...samples.map((s) => Math.max(s.queued, s.running)));
  const x = (at: number) => pad.left + ((at - from) / Math.max(1, to - from)) * Math.max(0, width - pad.left - pad.right);
  const y = (n: number) => pad.top + (1 - n / max) * (height - pad.top - pad.bottom);
  const line = (value: (s: DepthPoint) => number) =>
    samples.map((s, i) => `${i === 0 || s.at - samples[i - 1]!.at > 5 * 60_000 ? 'M' : 'L'}${x(s.at).toFixed(1)},${y(value(s)).toFixed(1)}`).join(' ');
  const last = samples[samples.length - 1];
  const peak = samples.reduce((m, s) => Math.max(m, s.queued + s.running), 0);
  return (
    <div class="chart" ref={ref} data-testid={`depth-chart-${target}`}>
      <div class="chart-title">
        <strong>{target}</strong>
        <span class="muted">
          {last ? `now ${last.queued} queued · ${last.running} running` : 'no samples yet'} · peak {peak}
          {limit ? ` · limit ${limit}` : ''}
        </span>
      </div>
      {width > 0 && (
        <svg width={width} height={height} role="img" aria-label={`queue depth of ${target}: ${samples.length} samples`}>
          <line class="axis" x1={pad.left} x2={width - pad.right} y1={y(0)} y2={y(0)} />
          <line class="grid" x1={pad.left} x2={width - pad.right} y1={y(max)} y2={y(max)} />
          <text class="tick" x={pad.left - 6} y={y(0) + 4} text-anchor="end">
            0
          </text>
          <text class="tick" x={pad.left - 6} y={y(max) + 4} text-anchor="end">
            {max}
          </text>
          {[from, (from + to) / 2, to].map((at, i) => (
            <text key={at} class="tick" x={x(at)} y={height - 5} text-anchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'}>
              {clock(at)}
            </text>
          ))}
          {limit ? <line class="limit" x1={pad.left} x2={width - pad.right} y1={y(limit)} y2={y(limit)} /> : null}
          <path class="running" d={line((s) => s.running)} />
          <path class="queued" d={line((s) => s.queued)} />
          {samples.length <= 2 &&
            samples.map((s) => (
              <g key={s.at}>
                <circle class="running" cx={x(s.at)} cy={y(s.running)} r={3} />
                <circle class="queued" cx={x(s.at)} cy={y(s.queued)} r={3} />
              </g>
            ))}
        </svg>
      )}
    </div>
  );
}

export function Dashboard() {
  const stats = useLoad(api.stats);
  const targets = useLoad(api.targets);
  const limits = new Map(targets.data?.targets.map((t) => [t.name, t.queueLimit]) ?? []);
  return (
    <section data-testid="dashboard">
      <RefreshHeading
        title="Dashboard"
        testId="dashboard"
        onRefresh={() => {
          stats.reload();
          targets.reload();
        }}
      />
      <Problem error={stats.error ?? targets.error} />
      <div class="cards">
        {targets.data?.targets.map((t) => (
          <div class="card" key={t.name} data-testid={`depth-${t.name}`}>
            <div class="card-title">{t.name}</div>
            <div class={`state state-${t.state}`}>{t.state}</div>
            <div>
              {t.depth.queued} queued · {t.depth.running} running{t.queueLimit ? ` / limit ${t.queueLimit}` : ''}
            </div>
          </div>
        ))}
      </div>
      <h3>Queue depth per target (last 6 hours)</h3>
      <p class="legend muted">
        <span>
          <span class="key running" /> running
        </span>
        <span>
          <span class="key queued" /> queued
        </span>
        <span>
          <span class="key limit" /> queue limit
        </span>
        <span>· sampled by the sweeper every minute</span>
      </p>
      <div class="charts" data-testid="depth-charts">
        {stats.data?.depth.map((d) => <DepthChart key={d.target} target={d.target} samples={d.samples} from={stats.data!.from} to={stats.data!.to} limit={limits.get(d.target)} />)}
      </div>
      <h3>Queries per target (last 6 hours; failures in red)</h3>
      <div class="charts">
        {stats.data?.perTarget.map((t) => (
          <div class="chart" key={t.target} data-testid={`queries-chart-${t.target}`}>
            <div class="chart-title">
              <strong>{t.target}</strong>
              <span class="muted">
                {plural(t.buckets.reduce((n, b) => n + b.queries, 0), 'query', 'queries')} · {t.buckets.reduce((n, b) => n + b.failed, 0)} failed
              </span>
            </div>
            <Bars buckets={t.buckets} />
          </div>
        ))}
      </div>
      <div class="columns">
        <Usage title="By user" testId="usage-users" rows={(stats.data?.byUser ?? []).map((u) => ({ ...u, name: u.user }))} />
        <div>
          <Usage title="By group (the groups each query's user had when it ran)" testId="usage-groups" rows={(stats.data?.byGroup ?? []).map((g) => ({ ...g, name: g.group }))} />
          {stats.data?.groupsUnrecorded ? <p class="muted">{stats.data.groupsUnrecorded} queries ran before groups were recorded with each query: they count for no group.</p> : null}
        </div>
      </div>
    </section>
  );
}

function Usage({ title, rows, testId }: { title: string; rows: { name: string; queries: number; failed: number; dataScannedBytes: number; costUsd: number }[]; testId: string }) {
  return (
    <div>
      <h3>{title}</h3>
      <div class="table-wrap">
        <table data-testid={testId}>
          <thead>
            <tr>
              <th>name</th>
              <th>queries</th>
              <th>failed</th>
              <th>data scanned</th>
              <th>cost</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name} data-testid={`${testId}-${r.name}`}>
                <td>{r.name}</td>
                <td class="num">{r.queries}</td>
                <td class="num">{r.failed}</td>
                <td class="num">{bytes(r.dataScannedBytes)}</td>
                <td class="num">{usd(r.costUsd)}</td>
              </tr>
            ))}
            {rows.length === 0 && (
              <tr>
                <td colSpan={5}>No queries yet</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}

// ---------------------------------------------------------------- targets

export function Targets({ me }: { me: Me }) {
  const { data, error, reload } = useLoad(api.targets);
  const [failure, setFailure] = useState<ApiError>();
  const set = (t: Target, state: TargetState) =>
    api
      .setTargetState(t.name, state, data!.version)
      .then(() => {
        setFailure(undefined);
        reload();
      })
      .catch((e: ApiError) => setFailure(e));
  return (
    <section>
      <h2>Targets</h2>
      <Problem error={error ?? failure} />
      <div class="table-wrap">
        <table class="stack-narrow">
          <thead>
            <tr>
              <th>target</th>
              <th>engine</th>
              <th>state</th>
              <th>health</th>
              <th>queued</th>
              <th>running</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data?.targets.map((t) => (
              <tr key={t.name} data-testid={`target-row-${t.name}`}>
                <td data-label="target">{t.name}</td>
                <td data-label="engine">{t.workgroup ? `Athena ${t.workgroup} (${t.capacity})` : t.url ? `${t.type} ${t.url}` : t.type}</td>
                <td data-label="state">
                  <span class={`state state-${t.state}`} data-testid={`target-state-${t.name}`}>
                    {t.state}
                  </span>
                  {t.state !== t.configuredState && <small> (file: {t.configuredState})</small>}
                </td>
                <td data-label="health">{t.health.healthy ? 'healthy' : `unhealthy: ${t.health.detail ?? ''}`}</td>
                <td data-label="queued" class="num">
                  {t.depth.queued}
                </td>
                <td data-label="running" class="num">
                  {t.depth.running}
                </td>
                <td data-label="">
                  {me.role === 'admin' && (
                    <div class="actions">
                      <button data-testid={`drain-${t.name}`} disabled={t.state === 'draining'} onClick={() => set(t, 'draining')}>
                        Drain
                      </button>
                      <button data-testid={`enable-${t.name}`} disabled={t.state === 'active'} onClick={() => set(t, 'active')}>
                        Enable
                      </button>
                      <button data-testid={`disable-${t.name}`} disabled={t.state === 'disabled'} onClick={() => set(t, 'disabled')}>
                        Disable
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

// ---------------------------------------------------------------- users

export function Users({ me }: { me: Me }) {
  const { data, error, reload } = useLoad(api.users);
  const [failure, setFailure] = useState<ApiError>();
  const [form, setForm] = useState({ name: '', password: '', groups: '' });
  const act = (p: Promise<unknown>) =>
    p
      .then(() => {
        setFailure(undefined);
        reload();
      })
      .catch((e: ApiError) => setFailure(e));
  return (
    <section>
      <h2>Users</h2>
      <p class="muted">Users who log in with a password. Users of tokens and the ALB's login are managed by their identity provider.</p>
      <Problem error={error ?? failure} />
      <div class="table-wrap">
        <table class="stack-narrow">
          <thead>
            <tr>
              <th>user</th>
              <th>groups</th>
              <th>status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data?.users.map((u: User) => (
              <tr key={u.name} data-testid={`user-row-${u.name}`}>
                <td data-label="user">{u.name}</td>
                <td data-label="groups">{u.groups.join(', ')}</td>
                <td data-label="status">{u.disabled ? 'disabled' : u.locked ? 'locked' : 'active'}</td>
                <td data-label="">
                  <div class="actions">
                    {me.role === 'admin' && <button onClick={() => act(api.updateUser(u.name, { disabled: !u.disabled }))}>{u.disabled ? 'Enable' : 'Disable'}</button>}
                    {me.role === 'admin' && u.locked && <button onClick={() => act(api.updateUser(u.name, { unlock: true }))}>Unlock</button>}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {me.role === 'admin' && (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            act(api.addUser(form.name, form.password, form.groups.split(',').map((g) => g.trim()).filter(Boolean)).then(() => setForm({ name: '', password: '', groups: '' })));
          }}
        >
          <input placeholder="user" aria-label="user" value={form.name} onInput={(e) => setForm({ ...form, name: inputValue(e) })} />
          <input placeholder="password" aria-label="password" type="password" value={form.password} onInput={(e) => setForm({ ...form, password: inputValue(e) })} />
          <input placeholder="groups, comma-separated" aria-label="groups" value={form.groups} onInput={(e) => setForm({ ...form, groups: inputValue(e) })} />
          <button class="primary">Add user</button>
        </form>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- history

type SortKey = 'started' | 'user' | 'target' | 'state' | 'duration' | 'rows' | 'scanned' | 'cost';

const runTime = (q: QuerySummary, now: number) => (q.endedAt ?? (ACTIVE.includes(q.state) ? now : q.createdAt)) - q.createdAt;

const SORTS: Record<SortKey, (q: QuerySummary, now: number) => number | string> = {
  started: (q) => q.createdAt,
  user: (q) => q.user,
  target: (q) => q.target ?? '',
  state: (q) => q.state,
  duration: runTime,
  rows: (q) => q.rows ?? q.updateCount ?? -1,
  scanned: (q) => q.statistics?.dataScannedBytes ?? -1,
  cost: (q) => q.costUsd ?? -1,
};

interface HistoryFilters extends TimeRange {
  user: string;
  target: string;
  state: string;
  source: string;
  limit: string;
}

const NO_FILTERS: HistoryFilters = { user: '', target: '', state: '', source: '', range: '24h', from: '', to: '', limit: '50' };

export function History({ me, selected, onSelect }: { me: Me; selected?: string | undefined; onSelect: (id: string | undefined) => void }) {
  const [filters, setFilters] = useState(NO_FILTERS);
  // The search as made: its time fixes the window, so that the next page continues the same list.
  const [search, setSearch] = useState({ filters: NO_FILTERS, at: Date.now() });
  const pages = usePages();
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'started', desc: true });
  const { user, target, state, source, limit } = search.filters;
  const params: Params = { user, target, state, source, limit, ...windowOf(search.filters, search.at), cursor: pages.cursor };
  const { data, error, reload } = useLoad(() => api.queries(params), [JSON.stringify(params)]);
  const now = Date.now();
  const items = [...(data?.items ?? [])].sort((a, b) => {
    const [x, y] = [SORTS[sort.key](a, now), SORTS[sort.key](b, now)];
    return (x < y ? -1 : x > y ? 1 : 0) * (sort.desc ? -1 : 1);
  });
  const run = (next: HistoryFilters) => {
    pages.reset();
    setSearch({ filters: next, at: Date.now() });
  };
  const header = (key: SortKey, label: string, cls = '') => (
    <th class={cls} aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : undefined}>
      <button class="sort" data-testid={`history-sort-${key}`} onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : key === 'started' || key === 'duration' || key === 'scanned' || key === 'cost' || key === 'rows' })}>
        {label}
        {sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
  const field = (name: 'user' | 'target' | 'source', placeholder: string) => (
    <input data-testid={`history-filter-${name}`} aria-label={placeholder} placeholder={placeholder} value={filters[name]} onInput={(e) => setFilters({ ...filters, [name]: inputValue(e) })} />
  );
  return (
    <section class="wide">
      <RefreshHeading title="Query history" testId="history" onRefresh={() => run(search.filters)} />
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          run(filters);
        }}
      >
        {field('user', 'user')}
        {field('target', 'target')}
        {field('source', 'source (tool)')}
        <select data-testid="history-filter-state" aria-label="state" value={filters.state} onChange={(e) => setFilters({ ...filters, state: inputValue(e) })}>
          <option value="">any state</option>
          {['QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELED'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <RangeFields testId="history" value={filters} onChange={(r) => setFilters({ ...filters, ...r })} />
        <PageSize testId="history" value={filters.limit} onChange={(v) => setFilters({ ...filters, limit: v })} />
        <button class="primary" data-testid="history-search">
          Search
        </button>
      </form>
      <Problem error={error} />
      <div class={selected ? 'split with-detail' : 'split'}>
        <div class="list">
          <div class="table-wrap">
            <table class="history" data-testid="history-table">
              <thead>
                <tr>
                  {header('started', 'started')}
                  {header('user', 'user')}
                  <th class="col-source">source</th>
                  {header('target', 'target')}
                  {header('state', 'state')}
                  {header('duration', 'duration', 'num')}
                  {header('rows', 'rows', 'num')}
                  {header('scanned', 'scanned', 'num')}
                  {header('cost', 'cost', 'num')}
                  <th class="sql-head">SQL</th>
                </tr>
              </thead>
              <tbody>
                {items.map((q) => (
                  <tr key={q.queryId} data-testid={`history-row-${q.queryId}`} class={q.queryId === selected ? 'selected' : ''} onClick={() => onSelect(q.queryId)}>
                    <td class="nowrap" title={when(q.createdAt)}>
                      <a href={`/admin/queries/${encodeURIComponent(q.queryId)}`} onClick={(e) => e.preventDefault()}>
                        {started(q.createdAt)}
                      </a>
                    </td>
                    <td>{q.user}</td>
                    <td class="col-source">{q.source ?? ''}</td>
                    <td>{q.target ?? ''}</td>
                    <td class={`qstate qstate-${q.state}`}>{q.state}</td>
                    <td class="num nowrap" data-testid="history-duration">
                      {duration(runTime(q, now))}
                    </td>
                    <td class="num">{q.rows ?? q.updateCount ?? ''}</td>
                    <td class="num nowrap">{q.statistics?.dataScannedBytes !== undefined ? bytes(q.statistics.dataScannedBytes) : ''}</td>
                    <td class="num">{usd(q.costUsd)}</td>
                    <td class="sql">{q.sqlPreview ?? ''}</td>
                  </tr>
                ))}
                {data && data.items.length === 0 && (
                  <tr>
                    <td colSpan={10}>No queries match</td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <Pager testId="history" pages={pages} cursor={data?.cursor} count={items.length} />
          <p class="muted small">Sorting orders the page shown; pages follow start time, newest first.</p>
        </div>
        {selected && <QueryDetail id={selected} me={me} onClose={() => onSelect(undefined)} onChanged={reload} />}
      </div>
    </section>
  );
}

function QueryDetail({ id, me, onClose, onChanged }: { id: string; me: Me; onClose: () => void; onChanged: () => void }) {
  const { data, error, reload } = useLoad<QueryRecord>(() => api.query(id), [id]);
  const [confirming, setConfirming] = useState(false);
  const [killError, setKillError] = useState<ApiError>();
  const [message, setMessage] = useState('');
  const active = data && ACTIVE.includes(data.state);
  useEffect(() => {
    setConfirming(false);
    setMessage('');
    setKillError(undefined);
  }, [id]);
  // A query still running is looked at again every few seconds.
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(reload, 3000);
    return () => clearInterval(timer);
  }, [active, id]);
  const kill = () =>
    api
      .cancelQuery(id)
      .then(() => {
        setConfirming(false);
        setKillError(undefined);
        setMessage('Killed');
        reload();
        onChanged();
      })
      .catch((e: ApiError) => {
        setConfirming(false);
        setKillError(e);
        reload();
      });
  const link = `/admin/queries/${encodeURIComponent(id)}`;
  return (
    <aside class="detail" data-testid="query-detail">
      <div class="heading">
        <h3 class="query-id">{id}</h3>
        <button class="link-button" data-testid="query-close" aria-label="close" onClick={onClose}>
          ✕
        </button>
      </div>
      <div class="actions">
        <a href={link} data-testid="query-link">
          Link to this query
        </a>
        <button onClick={reload}>Refresh</button>
        {me.role === 'admin' && active && !confirming && (
          <button class="danger" data-testid="query-cancel" onClick={() => setConfirming(true)}>
            Kill query
          </button>
        )}
        {confirming && (
          <span class="confirm">
            Kill it? The user's client gets an error.
            <button class="danger" data-testid="query-cancel-confirm" onClick={kill}>
              Kill
            </button>
            <button data-testid="query-cancel-keep" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        )}
        {message && (
          <span class="ok-message" data-testid="query-message">
            {message}
          </span>
        )}
      </div>
      <Problem error={error ?? killError} />
      {data && (
        <dl>
          <dt>user</dt>
          <dd>
            {data.user}
            {data.authenticatedUser ? ` (as ${data.authenticatedUser})` : ''}
            {data.groups?.length ? <span class="muted"> · groups {data.groups.join(', ')}</span> : null}
          </dd>
          <dt>source</dt>
          <dd>{data.source ?? ''}</dd>
          <dt>state</dt>
          <dd data-testid="query-state" class={`qstate qstate-${data.state}`}>
            {data.state}
            {data.endReason ? ` (${data.endReason})` : ''}
          </dd>
          <dt>started</dt>
          <dd>{when(data.createdAt)}</dd>
          <dt>duration</dt>
          <dd>
            {duration(runTime(data, Date.now()))}
            {data.endedAt ? '' : ' so far'}
          </dd>
          <dt>target</dt>
          <dd>
            {data.target ?? 'none'} {data.routingGroup ? `in group ${data.routingGroup}` : ''}
          </dd>
          <dt>routing</dt>
          <dd>
            <ul>
              {(data.routing?.reasons ?? []).map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          </dd>
          <dt>access</dt>
          <dd data-testid="query-access">
            {data.access ? `${data.access.allowed === false ? 'denied' : 'allowed'}${data.access.reason ? `: ${data.access.reason}` : ''}${data.access.rule ? ` (rule ${data.access.rule})` : ''}` : 'no access rules applied'}
            {data.access?.tables?.length ? <div class="muted">tables: {data.access.tables.map((t) => `${t.name} (${t.access})`).join(', ')}</div> : null}
          </dd>
          {data.error && (
            <>
              <dt>error</dt>
              <dd class="error">
                {data.error.errorName}: {data.error.message}
              </dd>
            </>
          )}
          <dt>statistics</dt>
          <dd>
            {[
              data.stats?.processedRows !== undefined ? rowCount(data.stats.processedRows) : data.updateCount !== undefined ? `${rowCount(data.updateCount)} (${data.updateType ?? 'update'})` : '',
              data.statistics?.dataScannedBytes !== undefined ? `${bytes(data.statistics.dataScannedBytes)} scanned` : '',
              data.statistics?.totalTimeMillis !== undefined ? `engine ${duration(data.statistics.totalTimeMillis)}` : '',
              data.costUsd !== undefined ? `$${data.costUsd.toFixed(4)}` : '',
            ]
              .filter(Boolean)
              .join(' · ') || 'none recorded'}
          </dd>
          <dt>SQL</dt>
          <dd>
            <pre>{data.sql}</pre>
            {data.sqlTruncated && <div class="muted">Only the start of the statement was recorded.</div>}
          </dd>
        </dl>
      )}
    </aside>
  );
}

// ---------------------------------------------------------------- audit and explain

interface AuditFilters extends TimeRange {
  actor: string;
  action: string;
  limit: string;
}

const NO_AUDIT_FILTERS: AuditFilters = { actor: '', action: '', range: '7d', from: '', to: '', limit: '50' };
const ACTIONS = ['target.', 'routing.', 'access.', 'budgets.', 'user.', 'query.', 'login.'];

export function Audit() {
  const [filters, setFilters] = useState(NO_AUDIT_FILTERS);
  const [search, setSearch] = useState({ filters: NO_AUDIT_FILTERS, at: Date.now() });
  const pages = usePages();
  const { actor, action, limit } = search.filters;
  const params: Params = { actor, action, limit, ...windowOf(search.filters, search.at), cursor: pages.cursor };
  const { data, error } = useLoad(() => api.audit(params), [JSON.stringify(params)]);
  const run = (next: AuditFilters) => {
    pages.reset();
    setSearch({ filters: next, at: Date.now() });
  };
  return (
    <section>
      <RefreshHeading title="Audit log" testId="audit" onRefresh={() => run(search.filters)} />
      <p class="muted">Every change made through the admin API. Each query's access decision is kept with the query in the history.</p>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          run(filters);
        }}
      >
        <input data-testid="audit-filter-actor" aria-label="who" placeholder="who (user)" value={filters.actor} onInput={(e) => setFilters({ ...filters, actor: inputValue(e) })} />
        <select data-testid="audit-filter-action" aria-label="action" value={filters.action} onChange={(e) => setFilters({ ...filters, action: inputValue(e) })}>
          <option value="">any action</option>
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a}*
            </option>
          ))}
        </select>
        <RangeFields testId="audit" value={filters} onChange={(r) => setFilters({ ...filters, ...r })} />
        <PageSize testId="audit" value={filters.limit} onChange={(v) => setFilters({ ...filters, limit: v })} />
        <button class="primary" data-testid="audit-search">
          Search
        </button>
      </form>
      <Problem error={error} />
      <div class="table-wrap">
        <table class="stack-narrow">
          <thead>
            <tr>
              <th>when</th>
              <th>who</th>
              <th>what</th>
              <th>resource</th>
              <th>before</th>
              <th>after</th>
            </tr>
          </thead>
          <tbody>
            {data?.items.map((e: AuditEntry) => (
              <tr key={e.id} data-testid="audit-row">
                <td data-label="when" class="nowrap">
                  {when(e.at)}
                </td>
                <td data-label="who">{e.actor}</td>
                <td data-label="what">{e.action}</td>
                <td data-label="resource" class="resource">
                  {e.resource}
                </td>
                <td data-label="before" class="json">
                  <JsonCell value={e.before} />
                </td>
                <td data-label="after" class="json">
                  {e.after === undefined ? (e.detail ?? '') : <JsonCell value={e.after} />}
                </td>
              </tr>
            ))}
            {data && data.items.length === 0 && (
              <tr>
                <td colSpan={6}>No entries match</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <Pager testId="audit" pages={pages} cursor={data?.cursor} count={data?.items.length ?? 0} />
    </section>
  );
}

/** A value of the audit trail: short ones inline, long ones (whole rule documents) folded. */
function JsonCell({ value }: { value: unknown }) {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text.length <= 80) return <>{text}</>;
  return (
    <details>
      <summary>{text.slice(0, 60)}…</summary>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

export function Explain() {
  const [form, setForm] = useState({ user: '', groups: '', source: '', catalog: '', schema: '', routing: '', sql: '' });
  const [result, setResult] = useState<unknown>();
  const [error, setError] = useState<ApiError>();
  const input = (name: keyof typeof form) => <input placeholder={name} aria-label={name} data-testid={`explain-${name}`} value={form[name]} onInput={(e) => setForm({ ...form, [name]: inputValue(e) })} />;
  return (
    <section>
      <h2>Explain a request</h2>
      <p class="muted">Where a query would run and whether it would be allowed. Nothing runs.</p>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          api
            .explain(Object.fromEntries(Object.entries(form).filter(([, v]) => v !== '')))
            .then((r) => {
              setError(undefined);
              setResult(r);
            })
            .catch((err: ApiError) => setError(err));
        }}
      >
        <div class="inline">
          {input('user')}
          {input('groups')}
          {input('source')}
          {input('catalog')}
          {input('schema')}
          {input('routing')}
        </div>
        <textarea placeholder="SELECT ..." aria-label="SQL" data-testid="explain-sql" rows={5} value={form.sql} onInput={(e) => setForm({ ...form, sql: (e.target as HTMLTextAreaElement).value })} />
        <button class="primary" data-testid="explain-submit">
          Explain
        </button>
      </form>
      <Problem error={error} />
      {result !== undefined && <pre data-testid="explain-result">{JSON.stringify(result, null, 2)}</pre>}
    </section>
  );
}

/** A view's title with its Refresh button (`<testId>-refresh`). */
export function RefreshHeading({ title, testId, onRefresh }: { title: string; testId: string; onRefresh: () => void }) {
  return (
    <div class="heading">
      <h2>{title}</h2>
      <button data-testid={`${testId}-refresh`} onClick={onRefresh}>
        Refresh
      </button>
    </div>
  );
}
