import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiError} from './api.js';
import { api, type Me } from './api.js';
import { Audit, Dashboard, Explain, History, JsonEditor, Problem, Targets, Users } from './views.js';
import './style.css';

const PAGES = ['dashboard', 'targets', 'routing', 'access', 'users', 'history', 'audit', 'explain'] as const;
type Page = (typeof PAGES)[number];

function pageFromLocation(): Page {
  const name = location.pathname.replace(/^\/admin\/?/, '').split('/')[0] as Page;
  return PAGES.includes(name) ? name : 'dashboard';
}

function Login({ onLogin }: { onLogin: (me: Me) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError>();
  return (
    <form
      class="login"
      onSubmit={(e) => {
        e.preventDefault();
        api
          .login(user, password)
          .then(onLogin)
          .catch((err: ApiError) => setError(err));
      }}
    >
      <h1>Bifrost</h1>
      <label>
        User
        <input data-testid="login-user" autocomplete="username" value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Password
        <input data-testid="login-password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
      </label>
      <button class="primary" data-testid="login-submit">
        Log in
      </button>
      <Problem error={error} />
    </form>
  );
}

function App() {
  const [me, setMe] = useState<Me | null>();
  const [page, setPage] = useState<Page>(pageFromLocation());
  useEffect(() => {
    api
      .me()
      .then(setMe)
      .catch(() => setMe(null));
    const back = () => setPage(pageFromLocation());
    addEventListener('popstate', back);
    return () => removeEventListener('popstate', back);
  }, []);
  if (me === undefined) return <p class="muted">Loading…</p>;
  if (me === null) return <Login onLogin={setMe} />;
  const go = (next: Page) => {
    history.pushState(null, '', `/admin/${next === 'dashboard' ? '' : next}`);
    setPage(next);
  };
  return (
    <div class="layout">
      <nav>
        <h1>Bifrost</h1>
        {PAGES.map((p) => (
          <a key={p} href={`/admin/${p === 'dashboard' ? '' : p}`} data-testid={`nav-${p}`} class={p === page ? 'current' : ''} onClick={(e) => (e.preventDefault(), go(p))}>
            {p[0]!.toUpperCase() + p.slice(1)}
          </a>
        ))}
        <div class="who" data-testid="who">
          {me.user} ({me.role})
          <button class="link" onClick={() => api.logout().finally(() => setMe(null))}>
            Log out
          </button>
        </div>
      </nav>
      <main>
        {page === 'dashboard' && <Dashboard />}
        {page === 'targets' && <Targets me={me} />}
        {page === 'routing' && (
          <JsonEditor
            name="routing"
            title="Routing groups and rules"
            me={me}
            load={async () => {
              const { version, overridden, routingGroups, rules, defaultRoutingGroup } = await api.routing();
              return { version, overridden, document: { routingGroups, rules, defaultRoutingGroup } };
            }}
            validate={api.validateRouting}
            save={api.saveRouting}
          />
        )}
        {page === 'access' && (
          <JsonEditor
            name="access"
            title="Access rules"
            me={me}
            load={async () => {
              const { version, overridden, rules } = await api.access();
              return { version, overridden, document: rules };
            }}
            validate={api.validateAccess}
            save={api.saveAccess}
          />
        )}
        {page === 'users' && <Users me={me} />}
        {page === 'history' && <History />}
        {page === 'audit' && <Audit />}
        {page === 'explain' && <Explain />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
