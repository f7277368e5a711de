import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type AuditEntry, type Me, type QueryRecord, type QuerySummary, type Stats, type Target, type TargetState, type User, type Validation } from './api.js';

/** Loads once (and again on `reload`), keeping the error to show it. */
function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): { data?: T; error?: ApiError; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    load()
      .then((d) => {
        setData(d);
        setError(undefined);
      })
      .catch((e: unknown) => setError(e instanceof ApiError ? e : new ApiError(0, String(e))));
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

const when = (ms?: number) => (ms ? new Date(ms).toLocaleString() : '');
const bytes = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} B`);

// ---------------------------------------------------------------- dashboard

function Bars({ buckets }: { buckets: Stats['perTarget'][number]['buckets'] }) {
  const max = Math.max(1, ...buckets.map((b) => b.queries));
  const width = 12;
  return (
    <svg class="bars" width={buckets.length * width} height={60} role="img" aria-label="queries over time">
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

export function Dashboard() {
  const stats = useLoad(api.stats);
  const targets = useLoad(api.targets);
  return (
    <section data-testid="dashboard">
      <h2>Dashboard</h2>
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
      <h3>Queries per target (last 6 hours; failures in red)</h3>
      <table>
        <tbody>
          {stats.data?.perTarget.map((t) => (
            <tr key={t.target}>
              <th>{t.target}</th>
              <td>
                <Bars buckets={t.buckets} />
              </td>
              <td>{t.buckets.reduce((n, b) => n + b.queries, 0)} queries</td>
              <td>{t.buckets.reduce((n, b) => n + b.failed, 0)} failed</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="columns">
        <Usage title="By user" rows={(stats.data?.byUser ?? []).map((u) => ({ ...u, name: u.user }))} />
        <Usage title="By group" rows={(stats.data?.byGroup ?? []).map((g) => ({ ...g, name: g.group }))} />
      </div>
    </section>
  );
}

function Usage({ title, rows }: { title: string; rows: { name: string; queries: number; failed: number; dataScannedBytes: number; costUsd: number }[] }) {
  return (
    <div>
      <h3>{title}</h3>
      <table>
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
            <tr key={r.name}>
              <td>{r.name}</td>
              <td>{r.queries}</td>
              <td>{r.failed}</td>
              <td>{bytes(r.dataScannedBytes)}</td>
              <td>${r.costUsd.toFixed(4)}</td>
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
      <table>
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
              <td>{t.name}</td>
              <td>{t.workgroup ? `Athena ${t.workgroup} (${t.capacity})` : t.url ? `${t.type} ${t.url}` : t.type}</td>
              <td>
                <span class={`state state-${t.state}`} data-testid={`target-state-${t.name}`}>
                  {t.state}
                </span>
                {t.state !== t.configuredState && <small> (file: {t.configuredState})</small>}
              </td>
              <td>{t.health.healthy ? 'healthy' : `unhealthy: ${t.health.detail ?? ''}`}</td>
              <td>{t.depth.queued}</td>
              <td>{t.depth.running}</td>
              <td class="actions">
                {me.role === 'admin' && (
                  <>
                    <button data-testid={`drain-${t.name}`} disabled={t.state === 'draining'} onClick={() => set(t, 'draining')}>
                      Drain
                    </button>
                    <button data-testid={`enable-${t.name}`} disabled={t.state === 'active'} onClick={() => set(t, 'active')}>
                      Enable
                    </button>
                    <button data-testid={`disable-${t.name}`} disabled={t.state === 'disabled'} onClick={() => set(t, 'disabled')}>
                      Disable
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

// ---------------------------------------------------------------- routing and access rules

interface EditorProps {
  name: string;
  title: string;
  load: () => Promise<{ version: number; document: unknown; overridden: boolean }>;
  validate: (document: unknown) => Promise<Validation>;
  save: (document: unknown, version: number) => Promise<unknown>;
  me: Me;
}

export function JsonEditor({ name, title, load, validate, save, me }: EditorProps) {
  const loaded = useLoad(load);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<ApiError>();
  const [message, setMessage] = useState('');
  useEffect(() => {
    if (loaded.data) setText(JSON.stringify(loaded.data.document, null, 2));
  }, [loaded.data]);
  const parsed = (): unknown => {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ApiError(0, `Not valid JSON: ${(e as Error).message}`);
    }
  };
  const run = (action: () => Promise<string>) =>
    action()
      .then((m) => {
        setProblem(undefined);
        setMessage(m);
      })
      .catch((e: unknown) => {
        setMessage('');
        setProblem(e instanceof ApiError ? e : new ApiError(0, String(e)));
      });
  const check = () =>
    run(async () => {
      const result = await validate(parsed());
      if (!result.ok) throw new ApiError(422, 'The change is not valid', result.problems);
      return 'Valid';
    });
  const store = () =>
    run(async () => {
      await save(parsed(), loaded.data!.version);
      loaded.reload();
      return 'Saved';
    });
  return (
    <section>
      <h2>{title}</h2>
      <Problem error={loaded.error} />
      <p class="muted">
        Version {loaded.data?.version ?? '…'}; {loaded.data?.overridden ? 'changed at run time' : 'as in the config file'}. Changes are validated as a whole and recorded in the audit log.
      </p>
      <textarea data-testid={`${name}-editor`} spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} rows={24} />
      <div class="actions">
        <button data-testid={`${name}-validate`} onClick={check}>
          Validate
        </button>
        {me.role === 'admin' && (
          <button data-testid={`${name}-save`} class="primary" onClick={store}>
            Save
          </button>
        )}
        {message && (
          <span class="ok-message" data-testid={`${name}-message`}>
            {message}
          </span>
        )}
      </div>
      <div data-testid={`${name}-problems`}>
        <Problem error={problem} />
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
      <table>
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
              <td>{u.name}</td>
              <td>{u.groups.join(', ')}</td>
              <td>{u.disabled ? 'disabled' : u.locked ? 'locked' : 'active'}</td>
              <td class="actions">
                {me.role === 'admin' && <button onClick={() => act(api.updateUser(u.name, { disabled: !u.disabled }))}>{u.disabled ? 'Enable' : 'Disable'}</button>}
                {me.role === 'admin' && u.locked && <button onClick={() => act(api.updateUser(u.name, { unlock: true }))}>Unlock</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {me.role === 'admin' && (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            act(api.addUser(form.name, form.password, form.groups.split(',').map((g) => g.trim()).filter(Boolean)).then(() => setForm({ name: '', password: '', groups: '' })));
          }}
        >
          <input placeholder="user" value={form.name} onInput={(e) => setForm({ ...form, name: (e.target as HTMLInputElement).value })} />
          <input placeholder="password" type="password" value={form.password} onInput={(e) => setForm({ ...form, password: (e.target as HTMLInputElement).value })} />
          <input placeholder="groups, comma-separated" value={form.groups} onInput={(e) => setForm({ ...form, groups: (e.target as HTMLInputElement).value })} />
          <button class="primary">Add user</button>
        </form>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- history

export function History() {
  const [filters, setFilters] = useState({ user: '', target: '', state: '', source: '' });
  const [applied, setApplied] = useState(filters);
  const { data, error } = useLoad(() => api.queries(applied), [applied]);
  const [selected, setSelected] = useState<string>();
  const field = (name: keyof typeof filters, placeholder: string) => (
    <input data-testid={`history-filter-${name}`} placeholder={placeholder} value={filters[name]} onInput={(e) => setFilters({ ...filters, [name]: (e.target as HTMLInputElement).value })} />
  );
  return (
    <section>
      <h2>Query history</h2>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filters);
        }}
      >
        {field('user', 'user')}
        {field('target', 'target')}
        {field('source', 'source (tool)')}
        <select data-testid="history-filter-state" value={filters.state} onChange={(e) => setFilters({ ...filters, state: (e.target as HTMLSelectElement).value })}>
          <option value="">any state</option>
          {['QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELED'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <button class="primary" data-testid="history-search">
          Search
        </button>
      </form>
      <Problem error={error} />
      <table class="history">
        <thead>
          <tr>
            <th>started</th>
            <th>user</th>
            <th>source</th>
            <th>target</th>
            <th>state</th>
            <th>SQL</th>
          </tr>
        </thead>
        <tbody>
          {data?.items.map((q: QuerySummary) => (
            <tr key={q.queryId} data-testid={`history-row-${q.queryId}`} class={q.queryId === selected ? 'selected' : ''} onClick={() => setSelected(q.queryId)}>
              <td>{when(q.createdAt)}</td>
              <td>{q.user}</td>
              <td>{q.source ?? ''}</td>
              <td>{q.target ?? ''}</td>
              <td class={`qstate qstate-${q.state}`}>{q.state}</td>
              <td class="sql">{q.sqlPreview ?? ''}</td>
            </tr>
          ))}
          {data && data.items.length === 0 && (
            <tr>
              <td colSpan={6}>No queries match</td>
            </tr>
          )}
        </tbody>
      </table>
      {selected && <QueryDetail id={selected} />}
    </section>
  );
}

function QueryDetail({ id }: { id: string }) {
  const { data, error } = useLoad<QueryRecord>(() => api.query(id), [id]);
  return (
    <div class="detail" data-testid="query-detail">
      <h3>{id}</h3>
      <Problem error={error} />
      {data && (
        <dl>
          <dt>user</dt>
          <dd>{data.user}</dd>
          <dt>state</dt>
          <dd>
            {data.state}
            {data.endReason ? ` (${data.endReason})` : ''}
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
          <dd>{data.statistics ? `${bytes(data.statistics.dataScannedBytes ?? 0)} scanned, ${data.statistics.totalTimeMillis ?? 0} ms${data.costUsd !== undefined ? `, $${data.costUsd.toFixed(4)}` : ''}` : 'none recorded'}</dd>
          <dt>SQL</dt>
          <dd>
            <pre>{data.sql}</pre>
          </dd>
        </dl>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- audit and explain

export function Audit() {
  const { data, error } = useLoad(api.audit);
  return (
    <section>
      <h2>Audit log</h2>
      <p class="muted">Every change made through the admin API. Each query's access decision is kept with the query in the history.</p>
      <Problem error={error} />
      <table>
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
              <td>{when(e.at)}</td>
              <td>{e.actor}</td>
              <td>{e.action}</td>
              <td>{e.resource}</td>
              <td class="json">{e.before === undefined ? '' : JSON.stringify(e.before)}</td>
              <td class="json">{e.after === undefined ? (e.detail ?? '') : JSON.stringify(e.after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function Explain() {
  const [form, setForm] = useState({ user: '', groups: '', source: '', catalog: '', schema: '', routing: '', sql: '' });
  const [result, setResult] = useState<unknown>();
  const [error, setError] = useState<ApiError>();
  const input = (name: keyof typeof form) => <input placeholder={name} data-testid={`explain-${name}`} value={form[name]} onInput={(e) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value })} />;
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
        <textarea placeholder="SELECT ..." data-testid="explain-sql" rows={5} value={form.sql} onInput={(e) => setForm({ ...form, sql: (e.target as HTMLTextAreaElement).value })} />
        <button class="primary" data-testid="explain-submit">
          Explain
        </button>
      </form>
      <Problem error={error} />
      {result !== undefined && <pre data-testid="explain-result">{JSON.stringify(result, null, 2)}</pre>}
    </section>
  );
}
