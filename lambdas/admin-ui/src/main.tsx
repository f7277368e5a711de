import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from './api.js';
import { api, type Me } from './api.js';
import { RulesEditor } from './rules.js';
import { SpendView } from './spend.js';
import { Audit, Dashboard, Explain, History, Problem, Targets, Users } from './views.js';
import './style.css';

const PAGES = ['dashboard', 'targets', 'routing', 'access', 'users', 'history', 'spend', 'audit', 'explain'] as const;
type Page = (typeof PAGES)[number];

interface Route {
  page: Page;
  /** A query opened in the history. */
  query?: string;
}

/**
 * Where the address points. A query has its own address, which the gateway's infoUri can name:
 * /admin/queries/<queryId>; /admin/?query=<queryId> and /admin/#/queries/<queryId> open it too.
 */
function routeFromLocation(): Route {
  const hash = /^#\/queries\/([^/?#]+)/.exec(location.hash);
  const param = new URLSearchParams(location.search).get('query');
  const [first, second] = location.pathname.replace(/^\/admin\/?/, '').split('/');
  const query = hash?.[1] ? decodeURIComponent(hash[1]) : param || (first === 'queries' && second ? decodeURIComponent(second) : undefined);
  if (query) return { page: 'history', query };
  return { page: PAGES.includes(first as Page) ? (first as Page) : 'dashboard' };
}

function addressOf(route: Route): string {
  if (route.query) return `/admin/queries/${encodeURIComponent(route.query)}`;
  return `/admin/${route.page === 'dashboard' ? '' : route.page}`;
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
  const [route, setRoute] = useState<Route>(routeFromLocation());
  useEffect(() => {
    api
      .me()
      .then(setMe)
      .catch(() => setMe(null));
    const back = () => setRoute(routeFromLocation());
    addEventListener('popstate', back);
    return () => removeEventListener('popstate', back);
  }, []);
  if (me === undefined) return <p class="muted">Loading…</p>;
  if (me === null) return <Login onLogin={setMe} />;
  const go = (next: Route) => {
    const address = addressOf(next);
    if (address !== location.pathname + location.search + location.hash) history.pushState(null, '', address);
    setRoute(next);
  };
  const { page } = route;
  return (
    <div class="layout">
      <nav>
        <h1>Bifrost</h1>
        <div class="links">
          {PAGES.map((p) => (
            <a key={p} href={addressOf({ page: p })} data-testid={`nav-${p}`} class={p === page ? 'current' : ''} onClick={(e) => (e.preventDefault(), go({ page: p }))}>
              {p[0]!.toUpperCase() + p.slice(1)}
            </a>
          ))}
        </div>
        <div class="who" data-testid="who">
          <span>
            {me.user} ({me.role})
          </span>
          <button class="link" onClick={() => api.logout().finally(() => setMe(null))}>
            Log out
          </button>
        </div>
      </nav>
      <main>
        {page === 'dashboard' && <Dashboard />}
        {page === 'targets' && <Targets me={me} />}
        {page === 'routing' && (
          <RulesEditor
            name="routing"
            title="Routing groups and rules"
            me={me}
            load={async () => {
              const { version, overridden, routingGroups, rules, defaultRoutingGroup } = await api.routing();
              return { version, overridden, document: { routingGroups, rules, defaultRoutingGroup } };
            }}
            validate={api.validateRouting}
            save={api.saveRouting}
            revert={api.resetRouting}
          />
        )}
        {page === 'access' && (
          <RulesEditor
            name="access"
            title="Access rules"
            me={me}
            load={async () => {
              const { version, overridden, rules } = await api.access();
              return { version, overridden, document: rules };
            }}
            validate={api.validateAccess}
            save={api.saveAccess}
            revert={api.resetAccess}
          />
        )}
        {page === 'users' && <Users me={me} />}
        {page === 'history' && <History me={me} selected={route.query} onSelect={(query) => go({ page: 'history', ...(query ? { query } : {}) })} />}
        {page === 'spend' && <SpendView me={me} />}
        {page === 'audit' && <Audit />}
        {page === 'explain' && <Explain />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
