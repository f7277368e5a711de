/** The admin API client (docs/admin-api.md): typed calls, one error type, the CSRF header on changes. */
export type Role = 'admin' | 'viewer';
export type TargetState = 'active' | 'draining' | 'disabled';

export interface Me {
  user: string;
  groups: string[];
  role: Role;
  csrfToken: string;
}

export interface Target {
  name: string;
  type: string;
  workgroup?: string;
  url?: string;
  capacity?: string;
  state: TargetState;
  configuredState: TargetState;
  reason?: string;
  queueLimit?: number;
  depth: { queued: number; running: number };
  health: { healthy: boolean; checkedAt?: number; detail?: string };
}

export interface QuerySummary {
  queryId: string;
  user: string;
  source?: string;
  state: string;
  kind?: string;
  target?: string;
  createdAt: number;
  endedAt?: number;
  sqlPreview?: string;
  error?: { errorName: string; message: string };
  statistics?: { dataScannedBytes?: number; totalTimeMillis?: number };
  costUsd?: number;
  /** Rows the engine reported (processed rows), when it did. */
  rows?: number;
  updateType?: string;
  updateCount?: number;
  /** The user's groups when the query ran. */
  groups?: string[];
}

export interface QueryRecord extends QuerySummary {
  sql: string;
  sqlTruncated?: boolean;
  authenticatedUser?: string;
  stats?: { elapsedTimeMillis?: number; queuedTimeMillis?: number; cpuTimeMillis?: number; processedRows?: number; processedBytes?: number; peakMemoryBytes?: number };
  routing?: { outcome?: string; group?: string; target?: string; reasons?: string[] };
  access?: { allowed?: boolean; reason?: string; rule?: string; tables?: { name: string; access: string }[] };
  routingGroup?: string;
  endReason?: string;
}

// The API's own type, shared with the server so the two cannot drift.
export type { AuditEntry } from '../../core/ports/admin.js';
import type { AuditEntry } from '../../core/ports/admin.js';

export interface User {
  name: string;
  groups: string[];
  disabled: boolean;
  locked: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface Usage {
  queries: number;
  failed: number;
  dataScannedBytes: number;
  costUsd: number;
}

export interface DepthPoint {
  at: number;
  queued: number;
  running: number;
}

export interface Stats {
  from: number;
  to: number;
  bucketMs: number;
  perTarget: { target: string; buckets: { at: number; queries: number; failed: number }[] }[];
  byUser: (Usage & { user: string })[];
  byGroup: (Usage & { group: string })[];
  /** Queries of the window that ran before groups were recorded on each query: counted for no group. */
  groupsUnrecorded: number;
  depth: { target: string; samples: DepthPoint[] }[];
}

export interface Page<T> {
  items: T[];
  cursor?: string;
}

export interface Routing {
  version: number;
  routingGroups: Record<string, unknown>;
  rules: unknown[];
  defaultRoutingGroup: string;
  overridden: boolean;
}

export interface AccessRules {
  version: number;
  rules: Record<string, unknown>;
  overridden: boolean;
}

export type SpendScopeKind = 'user' | 'group' | 'source' | 'target';
export type PeriodKind = 'day' | 'month';

/** One spend counter: a scope's spend in a period (docs/budgets.md). */
export interface SpendCounter {
  scope: { kind: SpendScopeKind; name: string };
  /** `D2026-12-07` (a UTC day) or `M2026-12` (a UTC month). */
  period: string;
  bytes: number;
  costUsd: number;
  queries: number;
  engineMs: number;
}

export interface Budget {
  name: string;
  description?: string;
  scope: { kind: 'user' | 'group'; name: string };
  period: PeriodKind;
  limitBytes?: number;
  limitUsd?: number;
  warnAtPercent?: number;
}

export interface BudgetGrant {
  id: string;
  user: string;
  budget: string;
  until: string;
  reason?: string;
  by?: string;
  at?: string;
}

export interface Budgets {
  version: number;
  overridden: boolean;
  budgets: { trackSpend: boolean; warnAtPercent: number; limits: Budget[]; grants: BudgetGrant[] };
}

export interface Spend {
  kind: PeriodKind;
  /** Oldest first. */
  periods: { period: string; counters: SpendCounter[] }[];
  /** The budgets of this kind of period. */
  budgets: Budget[];
}

export type Validation = { ok: true } | { ok: false; problems: string[] };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

let csrf = '';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-Bifrost-CSRF'] = csrf;
  const response = await fetch(`/api/admin${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (json as { error?: { message?: string; problems?: string[] } } | undefined)?.error;
    throw new ApiError(response.status, error?.message ?? `HTTP ${response.status}`, error?.problems ?? []);
  }
  return json as T;
}

function remember(me: Me): Me {
  csrf = me.csrfToken;
  return me;
}

export type Params = Record<string, string | undefined>;

const query = (params: Params) => {
  const entries = Object.entries(params).filter((e): e is [string, string] => Boolean(e[1]));
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
};

export const api = {
  me: async () => remember(await call<Me>('GET', '/me')),
  login: async (user: string, password: string) => remember(await call<Me>('POST', '/login', { user, password })),
  logout: () => call<void>('POST', '/logout'),
  targets: () => call<{ version: number; targets: Target[] }>('GET', '/targets'),
  setTargetState: (name: string, state: TargetState, version: number) => call<Target>('PUT', `/targets/${encodeURIComponent(name)}/state`, { state, version }),
  routing: () => call<Routing>('GET', '/routing'),
  validateRouting: (routing: unknown) => call<Validation>('POST', '/routing/validate', routing),
  saveRouting: (routing: unknown, version: number) => call<Routing>('PUT', '/routing', { routing, version }),
  access: () => call<AccessRules>('GET', '/access'),
  validateAccess: (rules: unknown) => call<Validation>('POST', '/access/validate', rules),
  saveAccess: (rules: unknown, version: number) => call<AccessRules>('PUT', '/access', { rules, version }),
  resetRouting: (version: number) => call<Routing>('DELETE', `/routing${query({ version: String(version) })}`),
  resetAccess: (version: number) => call<AccessRules>('DELETE', `/access${query({ version: String(version) })}`),
  users: () => call<{ users: User[] }>('GET', '/users'),
  addUser: (name: string, password: string, groups: string[]) => call<User>('POST', '/users', { name, password, groups }),
  updateUser: (name: string, change: { disabled?: boolean; unlock?: boolean }) => call<User>('PATCH', `/users/${encodeURIComponent(name)}`, change),
  queries: (filters: Params) => call<Page<QuerySummary>>('GET', `/queries${query(filters)}`),
  query: (id: string) => call<QueryRecord>('GET', `/queries/${encodeURIComponent(id)}`),
  cancelQuery: (id: string) => call<{ queryId: string; state: string }>('POST', `/queries/${encodeURIComponent(id)}/cancel`),
  audit: (filters: Params = {}) => call<Page<AuditEntry>>('GET', `/audit${query(filters)}`),
  stats: () => call<Stats>('GET', '/stats'),
  budgets: () => call<Budgets>('GET', '/budgets'),
  spend: (period: PeriodKind) => call<Spend>('GET', `/spend${query({ period })}`),
  grant: (grant: { user: string; budget: string; until: string; reason?: string }, version: number) => call<{ version: number; grant: BudgetGrant }>('POST', '/budgets/grants', { ...grant, version }),
  revokeGrant: (id: string, version: number) => call<{ version: number }>('DELETE', `/budgets/grants/${encodeURIComponent(id)}${query({ version: String(version) })}`),
  explain: (request: Record<string, string>) => call<{ routing: unknown; access: unknown }>('POST', '/explain', request),
};
