import { randomUUID } from 'node:crypto';
import { createFileAccessControl, validateAccessRules } from '../acl/index.js';
import { hashPassword, type ScryptParams } from '../auth/password-hash.js';
import { InMemoryUserStore, sessionEpochKey, validUserName } from '../auth/user-store.js';
import type { SessionEpochStore, UserRecord, UserStore, HealthStore, GatewayRequest, GatewayResponse, Analyzer, Authenticator, Principal, ClientSession, ConfigChange, ConfigOverrides, ConfigStore, TargetState, QueryState, TargetDepths, HistoryPage, QueryExtras, QueryHistory, QuerySummary } from '../ports/index.js';
import type { BifrostConfig } from '../config/schema.js';
import { GatewayError, QueryFailure } from '../errors.js';
import { bindStatement } from '../protocol/parameters.js';
import { planStatement } from '../protocol/statements.js';
import { explainRoute } from '../routing/router.js';
import { routingAnalysis } from '../routing/queueing.js';
import { applyChange, effectiveConfig } from '../stores/config-store.js';
import { historyQuery } from '../tracking/history.js';
import type { AuditEntry, AuditLog } from './audit.js';
import type { CancelQuery } from './cancel.js';
import type { DepthSamples } from './depth-samples.js';
import { adminRole, type AdminRole } from './roles.js';
import { readCookie, SESSION_COOKIE, SESSION_TTL_MS, SessionSigner, type AdminSession } from './session.js';

/**
 * The admin API (docs/admin-api.md): targets and cluster switching, routing and access rules
 * changed at run time, users, query history, the audit trail and "explain". Served by the admin
 * function and by the local server; it knows nothing of either. Every change is validated by the
 * same schema as the config file, applied whole or not at all, and recorded in the audit trail.
 */
export interface AdminDeps {
  /** The config file; run-time overrides apply on top of it. */
  config: BifrostConfig;
  mode: 'local' | 'deployed';
  configStore: ConfigStore;
  history: QueryHistory;
  depths: TargetDepths;
  health?: HealthStore;
  /**
   * The password users; absent when no password method is configured. Also keeps the session
   * epochs that end login sessions (without it they are kept in this instance only).
   */
  users?: UserStore;
  audit: AuditLog;
  /** The admin door's authenticator (auth.adminMethods). */
  authenticator: Authenticator;
  analyzer: Analyzer;
  /** Signs login sessions and CSRF tokens (at least 32 bytes). */
  sessionKey: string | Buffer;
  /** Told after every accepted change, so caches of the config can be dropped. */
  onChange?: () => void;
  /** Kills a query (POST /queries/{id}/cancel); without it the API answers 501. */
  cancelQuery?: CancelQuery;
  /** Queue depth over time for the dashboard (the sweeper records the samples). */
  depthSamples?: DepthSamples;
  hashParams?: ScryptParams;
  clock?: () => number;
}

export interface AdminApi {
  /** Answers requests under /api/admin; undefined for any other path. */
  handle(request: GatewayRequest): Promise<GatewayResponse | undefined>;
}

export const ADMIN_API_PREFIX = '/api/admin';
const MAX_BODY_BYTES = 512 * 1024;
const TARGET_STATES: readonly TargetState[] = ['active', 'draining', 'disabled'];
const QUERY_STATES: readonly QueryState[] = ['QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELED'];
/** Marks the cursors of the history merged across targets (the store's own cursors are opaque). */
const MERGED_CURSOR_PREFIX = 'm.';

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems?: string[],
    readonly headers: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

interface Caller {
  user: string;
  groups: string[];
  role: AdminRole;
  method: string;
}

type Handler = (request: GatewayRequest, caller: Caller, params: string[]) => Promise<GatewayResponse>;
interface Route {
  method: string;
  path: RegExp;
  role: AdminRole;
  handler: Handler;
}

export function createAdminApi(deps: AdminDeps): AdminApi {
  const now = deps.clock ?? Date.now;
  const signer = new SessionSigner(deps.sessionKey);
  // Session epochs live with the users, where every instance sees them; a bare API (tests) keeps its own.
  const epochs: SessionEpochStore = deps.users ?? new InMemoryUserStore();

  // ------------------------------------------------------------ login

  async function login(request: GatewayRequest): Promise<GatewayResponse> {
    const body = readJson(request) as { user?: unknown; password?: unknown };
    if (typeof body.user !== 'string' || body.user === '' || body.user.length > 256) throw new ApiError(400, 'BAD_REQUEST', 'user is required');
    const password = typeof body.password === 'string' ? body.password : '';
    // The same authenticator as every other admin request: a password as Basic credentials, the user header for the local mode.
    const probe: GatewayRequest = {
      ...request,
      headers: {
        ...withoutCredentials(request.headers),
        'x-trino-user': [body.user],
        ...(password ? { authorization: [`Basic ${Buffer.from(`${body.user}:${password}`).toString('base64')}`] } : {}),
      },
    };
    const result = await deps.authenticator.authenticate(probe);
    if (!result.ok) {
      await audit('anonymous', 'login.failed', `user/${body.user}`, { detail: result.message });
      // Too many failures: say how long to wait (the limit applies to names that exist and names that do not alike).
      if (result.retryAfterSeconds !== undefined) throw new ApiError(401, 'UNAUTHENTICATED', result.message, undefined, { 'Retry-After': [String(result.retryAfterSeconds)] });
      throw new ApiError(result.status === 403 ? 403 : 401, 'UNAUTHENTICATED', result.status === 403 ? result.message : 'Wrong user name or password');
    }
    const caller = callerOf(result.principal);
    const session: AdminSession = { user: caller.user, groups: caller.groups, role: caller.role, method: caller.method, expiresAt: now() + SESSION_TTL_MS, ...(await sessionState(caller)) };
    const secure = request.baseUrl.startsWith('https:');
    return json(200, me(caller), { 'Set-Cookie': [`${SESSION_COOKIE}=${signer.sign(session)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}${secure ? '; Secure' : ''}`] });
  }

  /** Ends the session on the server too (every session of the principal: a copied cookie stops working). */
  async function logout(request: GatewayRequest): Promise<GatewayResponse> {
    const session = signer.verify(readCookie(request.headers.cookie, SESSION_COOKIE), now());
    if (session) await unavailableAs503(() => epochs.endSessions(sessionEpochKey(session.method, session.user)));
    return { status: 204, headers: { ...NO_STORE, 'Set-Cookie': [`${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`] }, body: '' };
  }

  function callerOf(principal: Principal): Caller {
    const role = adminRole(deps.config, principal, deps.mode);
    if (!role) throw new ApiError(403, 'FORBIDDEN', `${principal.user} may not use the admin API (config: admin.admins / admin.viewers)`);
    return { user: principal.user, groups: principal.groups, role, method: principal.method };
  }

  /** What a new session is bound to: the principal's current epoch and, for a password user, the hash it logged in with. */
  async function sessionState(caller: Caller): Promise<Pick<AdminSession, 'epoch' | 'credential'>> {
    return unavailableAs503(async () => {
      const [epoch, record] = await Promise.all([epochs.sessionEpoch(sessionEpochKey(caller.method, caller.user)), caller.method === 'password' ? deps.users?.get(caller.user) : undefined]);
      return { epoch, ...(record?.passwordHash ? { credential: signer.credentialTag(record.passwordHash) } : {}) };
    });
  }

  /**
   * The session if it has not been ended: its epoch is still the principal's, and a password user
   * still exists, is enabled, and has the password the session was opened with. A password
   * user's groups are read afresh from the record.
   */
  async function liveSession(session: AdminSession): Promise<AdminSession | undefined> {
    return unavailableAs503(async () => {
      const password = session.method === 'password';
      const [epoch, record] = await Promise.all([epochs.sessionEpoch(sessionEpochKey(session.method, session.user)), password ? deps.users?.get(session.user) : undefined]);
      if (epoch !== session.epoch) return undefined;
      if (!password) return session;
      if (!record || record.disabled || !record.passwordHash || !signer.sameCredential(session.credential, record.passwordHash)) return undefined;
      return { ...session, groups: [...record.groups] };
    });
  }

  /** A store that cannot be read is no reason to accept a session, nor to send the user to log in again. */
  async function unavailableAs503<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(503, 'UNAVAILABLE', 'Sessions cannot be checked right now; retry');
    }
  }

  /** The caller from the session cookie, else from credentials on the request itself. */
  async function identify(request: GatewayRequest): Promise<Caller> {
    const signed = signer.verify(readCookie(request.headers.cookie, SESSION_COOKIE), now());
    const session = signed && (await liveSession(signed));
    if (session) {
      // The role is looked up again: a config change takes effect without waiting for the cookie to expire.
      return callerOf({ user: session.user, groups: session.groups, method: session.method });
    }
    const hasCredentials = request.headers.authorization?.length || request.headers['x-amzn-oidc-data']?.length || (deps.authenticator.trustsUserHeader && request.headers['x-trino-user']?.length);
    if (!hasCredentials) throw new ApiError(401, 'UNAUTHENTICATED', signed ? 'The session has ended: log in again' : 'Log in first');
    const result = await deps.authenticator.authenticate(request);
    if (!result.ok) throw new ApiError(result.status === 400 ? 401 : result.status, 'UNAUTHENTICATED', result.message);
    return callerOf(result.principal);
  }

  function me(caller: Caller) {
    return { user: caller.user, groups: caller.groups, role: caller.role, csrfToken: signer.csrfToken(caller.user) };
  }

  // ------------------------------------------------------------ config

  async function current(): Promise<{ overrides: ConfigOverrides; effective: BifrostConfig }> {
    const overrides = await deps.configStore.read();
    try {
      return { overrides, effective: effectiveConfig(deps.config, overrides) };
    } catch {
      // Overrides that no longer fit the file are not used by routing either (see config-source.ts).
      return { overrides, effective: deps.config };
    }
  }

  async function change(caller: Caller, changeBody: ConfigChange, expectedVersion: number, action: string, resource: string, before: unknown, after: (o: ConfigOverrides) => unknown): Promise<ConfigOverrides> {
    const result = await deps.configStore.apply({ ...changeBody, by: caller.user }, expectedVersion);
    if (!result.ok) throw new ApiError(result.reason === 'conflict' ? 409 : 422, result.reason === 'conflict' ? 'CONFLICT' : 'INVALID', result.problems[0] ?? 'The change was refused', result.problems);
    deps.onChange?.();
    await audit(caller.user, action, resource, { before, after: after(result.overrides) });
    return result.overrides;
  }

  async function audit(actor: string, action: string, resource: string, extra: Pick<AuditEntry, 'before' | 'after' | 'detail'> = {}): Promise<void> {
    await deps.audit.record({ id: randomUUID(), at: now(), actor, action, resource, ...extra });
  }

  async function versionOf(value: unknown): Promise<number> {
    if (value === undefined) return (await deps.configStore.read()).version;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new ApiError(400, 'BAD_REQUEST', 'version must be a whole number');
    return value;
  }

  // ------------------------------------------------------------ targets

  async function targetView(name: string, effective: BifrostConfig, overrides: ConfigOverrides) {
    const target = effective.targets[name]!;
    const file = deps.config.targets[name];
    const [depth, health] = await Promise.all([deps.depths.depth(name), deps.health?.get([name])]);
    const checked = health?.get(name);
    return {
      name,
      type: target.type,
      ...(target.type === 'athena' ? { workgroup: target.workgroup, capacity: target.capacity } : {}),
      ...(target.type === 'trino' || target.type === 'presto' ? { url: target.url } : {}),
      state: target.state,
      configuredState: file?.state ?? target.state,
      ...(overrides.targets[name]?.reason ? { reason: overrides.targets[name]!.reason } : {}),
      queueLimit: 'queueLimit' in target ? target.queueLimit : undefined,
      depth,
      health: checked ? { healthy: checked.healthy, checkedAt: checked.checkedAt, detail: checked.detail } : { healthy: true, detail: target.type === 'athena' || target.type === 'duckdb' ? 'managed service' : 'not checked yet' },
    };
  }

  const listTargets: Handler = async () => {
    const { overrides, effective } = await current();
    const targets = await Promise.all(Object.keys(effective.targets).map((name) => targetView(name, effective, overrides)));
    return json(200, { version: overrides.version, targets });
  };

  const setTargetState: Handler = async (request, caller, [name]) => {
    const body = readJson(request) as { state?: unknown; reason?: unknown; version?: unknown };
    if (!deps.config.targets[name!]) throw new ApiError(404, 'NOT_FOUND', `No target '${name}'`);
    if (typeof body.state !== 'string' || !TARGET_STATES.includes(body.state as TargetState)) throw new ApiError(422, 'INVALID', `state must be one of ${TARGET_STATES.join(', ')}`);
    if (body.reason !== undefined && typeof body.reason !== 'string') throw new ApiError(422, 'INVALID', 'reason must be text');
    const before = (await current()).effective.targets[name!]!.state;
    const overrides = await change(
      caller,
      { targets: { [name!]: { state: body.state as TargetState, ...(body.reason ? { reason: body.reason as string } : {}) } } },
      await versionOf(body.version),
      'target.state',
      `target/${name}`,
      { state: before },
      () => ({ state: body.state, ...(body.reason ? { reason: body.reason } : {}) }),
    );
    return json(200, await targetView(name!, effectiveConfig(deps.config, overrides), overrides));
  };

  // ------------------------------------------------------------ routing and access rules

  function routingOf(config: BifrostConfig) {
    return { routingGroups: config.routingGroups, rules: config.rules, defaultRoutingGroup: config.defaultRoutingGroup };
  }

  const getRouting: Handler = async () => {
    const { overrides, effective } = await current();
    return json(200, { version: overrides.version, ...routingOf(effective), overridden: Boolean(overrides.routing) });
  };

  function routingProblems(routing: unknown, overrides: ConfigOverrides): string[] {
    const result = applyChange(deps.config, overrides, { routing: routing as ConfigChange['routing'] }, now());
    return 'problems' in result ? result.problems : [];
  }

  const validateRouting: Handler = async (request) => {
    const problems = routingProblems(readJson(request), await deps.configStore.read());
    return json(200, problems.length ? { ok: false, problems } : { ok: true });
  };

  const putRouting: Handler = async (request, caller) => {
    const body = readJson(request) as { routing?: unknown; version?: unknown };
    if (!body.routing || typeof body.routing !== 'object') throw new ApiError(422, 'INVALID', 'routing is required', ['routing: required']);
    const before = routingOf((await current()).effective);
    const overrides = await change(caller, { routing: body.routing as ConfigChange['routing'] }, await versionOf(body.version), 'routing.replace', 'routing', before, (o) => o.routing);
    const effective = effectiveConfig(deps.config, overrides);
    return json(200, { version: overrides.version, ...routingOf(effective), overridden: true });
  };

  const resetRouting: Handler = async (request, caller) => {
    const before = routingOf((await current()).effective);
    const overrides = await change(caller, { routing: null }, await versionOf(queryNumber(request, 'version')), 'routing.reset', 'routing', before, () => routingOf(deps.config));
    return json(200, { version: overrides.version, ...routingOf(deps.config), overridden: false });
  };

  const getAccess: Handler = async () => {
    const { overrides, effective } = await current();
    return json(200, { version: overrides.version, rules: effective.access ?? {}, overridden: Boolean(overrides.access) });
  };

  const validateAccess: Handler = async (request) => {
    const result = validateAccessRules(readJson(request));
    return json(200, result.ok ? { ok: true } : { ok: false, problems: result.problems });
  };

  const putAccess: Handler = async (request, caller) => {
    const body = readJson(request) as { rules?: unknown; version?: unknown };
    const valid = validateAccessRules(body.rules);
    if (!valid.ok) throw new ApiError(422, 'INVALID', valid.problems[0] ?? 'invalid rules', valid.problems.map((p) => `rules.${p}`));
    const before = (await current()).effective.access ?? {};
    const overrides = await change(caller, { access: valid.rules }, await versionOf(body.version), 'access.replace', 'access', before, (o) => o.access);
    return json(200, { version: overrides.version, rules: overrides.access ?? {}, overridden: true });
  };

  /** Back to the file's access rules, as DELETE /routing does for routing. */
  const resetAccess: Handler = async (request, caller) => {
    const before = (await current()).effective.access ?? {};
    const overrides = await change(caller, { access: null }, await versionOf(queryNumber(request, 'version')), 'access.reset', 'access', before, () => deps.config.access ?? {});
    return json(200, { version: overrides.version, rules: deps.config.access ?? {}, overridden: false });
  };

  // ------------------------------------------------------------ users

  function requireUsers(): UserStore {
    if (!deps.users) throw new ApiError(404, 'NOT_FOUND', 'Password users are not configured (auth.methods has no password method)');
    return deps.users;
  }

  function userView(user: UserRecord) {
    return { name: user.name, groups: user.groups, disabled: user.disabled, locked: (user.lockedUntil ?? 0) > now(), createdAt: user.createdAt, updatedAt: user.updatedAt };
  }

  const listUsers: Handler = async () => json(200, { users: (await requireUsers().list()).map(userView) });

  const createUser: Handler = async (request, caller) => {
    const users = requireUsers();
    const body = readJson(request) as { name?: unknown; password?: unknown; groups?: unknown };
    if (typeof body.name !== 'string' || !validUserName(body.name)) throw new ApiError(422, 'INVALID', 'name: a user name without spaces, commas or colons (at most 256 characters)');
    const password = checkPassword(body.password);
    const groups = checkGroups(body.groups ?? []);
    if (await users.get(body.name)) throw new ApiError(409, 'CONFLICT', `User ${body.name} exists`);
    const t = now();
    const record: UserRecord = { name: body.name, passwordHash: await hashPassword(password, deps.hashParams), groups, disabled: false, failedAttempts: 0, createdAt: t, updatedAt: t };
    await users.put(record);
    await audit(caller.user, 'user.create', `user/${body.name}`, { after: userView(record) });
    return json(201, userView(record));
  };

  const updateUser: Handler = async (request, caller, [name]) => {
    const users = requireUsers();
    const existing = await users.get(name!);
    if (!existing) throw new ApiError(404, 'NOT_FOUND', `No user ${name}`);
    const body = readJson(request) as { groups?: unknown; disabled?: unknown; password?: unknown; unlock?: unknown };
    if (body.disabled !== undefined && typeof body.disabled !== 'boolean') throw new ApiError(422, 'INVALID', 'disabled must be true or false');
    const next: UserRecord = { ...existing, updatedAt: now() };
    if (body.groups !== undefined) next.groups = checkGroups(body.groups);
    if (body.disabled !== undefined) next.disabled = body.disabled as boolean;
    if (body.password !== undefined) next.passwordHash = await hashPassword(checkPassword(body.password), deps.hashParams);
    if (body.password !== undefined || body.unlock === true) {
      next.failedAttempts = 0;
      delete next.lockedUntil;
      delete next.lastFailureAt;
    }
    // Sessions end first: should the write below fail, they are over rather than kept.
    if (body.password !== undefined || (next.disabled && !existing.disabled)) await users.endSessions(sessionEpochKey('password', existing.name));
    await users.put(next);
    // Also forgets the failures counted against the name, so that an unlock lets the user in at once.
    if (body.password !== undefined || body.unlock === true) await users.resetFailures(existing.name);
    await audit(caller.user, 'user.update', `user/${name}`, { before: userView(existing), after: { ...userView(next), ...(body.password !== undefined ? { password: 'changed' } : {}) } });
    return json(200, userView(next));
  };

  // ------------------------------------------------------------ history

  const searchQueries: Handler = async (request) => {
    const q = (name: string) => request.query[name]?.[0] || undefined;
    const state = q('state');
    if (state && !QUERY_STATES.includes(state as QueryState)) throw new ApiError(400, 'BAD_REQUEST', `state must be one of ${QUERY_STATES.join(', ')}`);
    const range = historyQuery({ from: queryNumber(request, 'from'), to: queryNumber(request, 'to'), limit: queryNumber(request, 'limit'), cursor: q('cursor') }, now());
    const user = q('user');
    const target = q('target');
    const source = q('source');
    let page: HistoryPage;
    if (user) page = await deps.history.byUser(user, range, now());
    else if (target) page = await deps.history.byTarget(target, { ...range, ...(state ? { state: state as QueryState } : {}) }, now());
    else page = await acrossTargets(range, state as QueryState | undefined);
    const items = page.items.filter((i) => (!state || i.state === state) && (!target || i.target === target) && (!source || (i.source ?? '').toLowerCase().includes(source.toLowerCase())));
    return json(200, { items: await withExtras(items), ...(page.cursor ? { cursor: page.cursor } : {}) });
  };

  /** Rows and groups at submit time, which the history indexes do not carry: one batched read a page. */
  async function withExtras(items: QuerySummary[]) {
    const extras = items.length ? await deps.history.extras(items.map((i) => i.queryId)) : new Map<string, QueryExtras>();
    return items.map((item) => {
      const extra = extras.get(item.queryId);
      const rows = extra?.stats?.processedRows;
      return { ...item, ...(rows !== undefined ? { rows } : {}), ...(extra?.groups ? { groups: extra.groups } : {}) };
    });
  }

  /**
   * Without a user or target: every target's newest items, merged. The cursor is the position of
   * the last item returned (time, then query id, newest first), so each next page asks every
   * target again from there: a page never skips an item nor shows one twice.
   */
  async function acrossTargets(range: ReturnType<typeof historyQuery>, state: QueryState | undefined): Promise<HistoryPage> {
    const after = range.cursor ? mergedCursor(range.cursor) : undefined;
    const to = after ? Math.min(range.to, after.at) : range.to;
    const { effective } = await current();
    // A few more than a page from each: items of the cursor's own millisecond are skipped again.
    const limit = range.limit + 10;
    const pages = await Promise.all(Object.keys(effective.targets).map((t) => deps.history.byTarget(t, { from: range.from, to, limit, ...(state ? { state } : {}) }, now())));
    const merged = pages
      .flatMap((p) => p.items)
      .filter((i) => !after || i.createdAt < after.at || (i.createdAt === after.at && i.queryId < after.id))
      .sort((a, b) => b.createdAt - a.createdAt || (a.queryId < b.queryId ? 1 : a.queryId > b.queryId ? -1 : 0));
    const items = merged.slice(0, range.limit);
    const last = items[items.length - 1];
    const more = merged.length > range.limit || pages.some((p) => p.cursor);
    return { items, ...(more && last ? { cursor: MERGED_CURSOR_PREFIX + Buffer.from(JSON.stringify({ at: last.createdAt, id: last.queryId })).toString('base64url') } : {}) };
  }

  function mergedCursor(cursor: string): { at: number; id: string } {
    try {
      if (!cursor.startsWith(MERGED_CURSOR_PREFIX)) throw new Error('not a merged cursor');
      const value = JSON.parse(Buffer.from(cursor.slice(MERGED_CURSOR_PREFIX.length), 'base64url').toString('utf8')) as { at?: unknown; id?: unknown };
      if (typeof value.at !== 'number' || typeof value.id !== 'string') throw new Error('incomplete');
      return { at: value.at, id: value.id };
    } catch {
      throw new ApiError(400, 'BAD_REQUEST', 'cursor: not one this list gave (a cursor belongs to the filters it came with)');
    }
  }

  const cancelQuery: Handler = async (_request, caller, [id]) => {
    if (!deps.cancelQuery) throw new ApiError(501, 'NOT_IMPLEMENTED', 'Queries cannot be canceled from here');
    const result = await deps.cancelQuery(id!, caller.user);
    if (result.outcome === 'not-found') throw new ApiError(404, 'NOT_FOUND', `No query ${id}`);
    if (result.outcome === 'final') throw new ApiError(409, 'CONFLICT', `Query ${id} has already ended (${result.state})`);
    if (result.outcome === 'unavailable') throw new ApiError(503, 'UNAVAILABLE', `${result.message}; it still runs: retry`);
    await audit(caller.user, 'query.cancel', `query/${id}`, { before: result.before, after: { state: 'CANCELED' } });
    return json(200, { queryId: id, state: 'CANCELED' });
  };

  const getQuery: Handler = async (_request, _caller, [id]) => {
    const record = await deps.history.find(id!, now());
    if (!record) throw new ApiError(404, 'NOT_FOUND', `No query ${id}`);
    const { engineHandle: _handle, sessionJson: _session, routingRequest: _routing, result: _result, ...visible } = record;
    return json(200, visible);
  };

  const listAudit: Handler = async (request) => {
    const q = (name: string) => request.query[name]?.[0] || undefined;
    const range = historyQuery({ from: queryNumber(request, 'from'), to: queryNumber(request, 'to'), limit: queryNumber(request, 'limit'), cursor: q('cursor') }, now());
    const actor = q('actor');
    const action = q('action');
    return json(200, await deps.audit.list({ ...range, ...(actor ? { actor } : {}), ...(action ? { action } : {}) }));
  };

  // ------------------------------------------------------------ dashboard

  const stats: Handler = async (request) => {
    const to = queryNumber(request, 'to') ?? now();
    const from = Math.min(queryNumber(request, 'from') ?? to - 6 * 3_600_000, to);
    const { effective } = await current();
    const bucketMs = Math.max(60_000, Math.ceil((to - from) / 24 / 60_000) * 60_000);
    const perTarget: { target: string; buckets: { at: number; queries: number; failed: number }[] }[] = [];
    const all: QuerySummary[] = [];
    for (const target of Object.keys(effective.targets)) {
      const items: QuerySummary[] = [];
      let cursor: string | undefined;
      // At most 1,000 queries a target: the dashboard shows a trend, not an invoice.
      do {
        const page = await deps.history.byTarget(target, { from, to, limit: 200, ...(cursor ? { cursor } : {}) }, now());
        items.push(...page.items);
        cursor = page.cursor;
      } while (cursor && items.length < 1_000);
      all.push(...items);
      const buckets = new Map<number, { at: number; queries: number; failed: number }>();
      for (let at = from - (from % bucketMs); at <= to; at += bucketMs) buckets.set(at, { at, queries: 0, failed: 0 });
      for (const item of items) {
        const bucket = buckets.get(item.createdAt - (item.createdAt % bucketMs));
        if (!bucket) continue;
        bucket.queries++;
        if (item.state === 'FAILED') bucket.failed++;
      }
      perTarget.push({ target, buckets: [...buckets.values()] });
    }
    const byUser = aggregate(all, (i) => [i.user]);
    // Each query counts for the groups its user had when it ran, recorded on the item: a group
    // joined later takes none of the earlier queries. Items from before groups were recorded count for none.
    const extras = all.length ? await deps.history.extras(all.map((i) => i.queryId)) : new Map<string, QueryExtras>();
    let groupsUnrecorded = 0;
    const groupsAtSubmit = (i: QuerySummary) => {
      const groups = extras.get(i.queryId)?.groups;
      if (!groups) groupsUnrecorded++;
      return groups ?? [];
    };
    const byGroup = aggregate(all, groupsAtSubmit).map(({ key, ...rest }) => ({ group: key, ...rest }));
    const depth = await depthSeries(Object.keys(effective.targets), from, to);
    return json(200, { from, to, bucketMs, perTarget, byUser: byUser.map(({ key, ...rest }) => ({ user: key, ...rest })), byGroup, groupsUnrecorded, depth });
  };

  /** Queue depth per target over the window: the sweeper's samples, and now when the window reaches it. */
  async function depthSeries(targets: string[], from: number, to: number) {
    const samples = deps.depthSamples ? await deps.depthSamples.list(from, to) : [];
    const t = now();
    if (to >= t - 60_000) samples.push({ at: t, depths: Object.fromEntries(await Promise.all(targets.map(async (name) => [name, await deps.depths.depth(name)] as const))) });
    return targets.map((target) => ({ target, samples: samples.flatMap((s) => (s.depths[target] ? [{ at: s.at, queued: s.depths[target]!.queued, running: s.depths[target]!.running }] : [])) }));
  }

  // ------------------------------------------------------------ explain

  const explain: Handler = async (request) => {
    const body = readJson(request) as Record<string, unknown>;
    const text = (k: string) => (typeof body[k] === 'string' && body[k] !== '' ? (body[k] as string) : undefined);
    const user = text('user');
    if (!user) throw new ApiError(422, 'INVALID', 'user is required');
    const list = (k: string) => (Array.isArray(body[k]) ? (body[k] as unknown[]).filter((v): v is string => typeof v === 'string') : typeof body[k] === 'string' ? (body[k] as string).split(',').map((s) => s.trim()).filter(Boolean) : []);
    const session: ClientSession = { dialect: 'trino', user, clientTags: list('clientTags'), clientCapabilities: [], properties: {}, resourceEstimates: {}, roles: {}, extraCredentials: text('routing') ? { routing: text('routing')! } : {}, preparedStatements: {} };
    for (const key of ['source', 'catalog', 'schema', 'routingGroup'] as const) if (text(key)) session[key] = text(key)!;
    const principal: Principal = { user, groups: list('groups'), method: 'explain' };
    const { effective, overrides } = await current();
    const access = createFileAccessControl(effective.access ?? {});
    const sql = text('sql');
    let analysis;
    let accessView: Record<string, unknown> = { allowed: true, reason: 'no statement given' };
    if (sql) {
      try {
        const plan = planStatement(sql, session);
        if (plan.kind === 'query') {
          // The text the gateway would analyze and run: parameters bound in, as in gateway submit.
          analysis = deps.analyzer.analyze(plan.describeOutput ? plan.sql : bindStatement(plan.sql, plan.parameters), session);
          const decision = !access.enforcing ? { allowed: true as const, reason: 'no access rules apply' } : !analysis.ok ? { allowed: false as const, reason: `the statement could not be analyzed${analysis.error ? ` (${analysis.error})` : ''}` } : access.check(principal, analysis);
          accessView = { ...decision, tables: analysis.tables, ...(analysis.error ? { analysisError: analysis.error } : {}) };
          analysis = routingAnalysis(analysis, plan.updateType ?? 'SELECT');
        } else accessView = { allowed: true, reason: `${plan.kind === 'session' ? plan.updateType : 'DESCRIBE INPUT'} is answered by the gateway` };
      } catch (error) {
        if (!(error instanceof QueryFailure || error instanceof GatewayError)) throw error;
        accessView = { allowed: false, reason: error.message };
      }
    }
    const routing = await explainRoute({ config: effective, version: overrides.version }, { principal, session, ...(analysis ? { analysis } : {}) }, {
      depths: deps.depths,
      ...(deps.health ? { health: storedHealth(deps.health) } : {}),
      allowed: (p, t, g) => access.canUseTarget(p, t, g).allowed,
    });
    return json(200, { routing, access: accessView });
  };

  // ------------------------------------------------------------ dispatch

  const routes: Route[] = [
    { method: 'GET', path: /^\/targets$/, role: 'viewer', handler: listTargets },
    { method: 'PUT', path: /^\/targets\/([^/]+)\/state$/, role: 'admin', handler: setTargetState },
    { method: 'GET', path: /^\/routing$/, role: 'viewer', handler: getRouting },
    { method: 'POST', path: /^\/routing\/validate$/, role: 'viewer', handler: validateRouting },
    { method: 'PUT', path: /^\/routing$/, role: 'admin', handler: putRouting },
    { method: 'DELETE', path: /^\/routing$/, role: 'admin', handler: resetRouting },
    { method: 'GET', path: /^\/access$/, role: 'viewer', handler: getAccess },
    { method: 'POST', path: /^\/access\/validate$/, role: 'viewer', handler: validateAccess },
    { method: 'PUT', path: /^\/access$/, role: 'admin', handler: putAccess },
    { method: 'DELETE', path: /^\/access$/, role: 'admin', handler: resetAccess },
    { method: 'GET', path: /^\/users$/, role: 'viewer', handler: listUsers },
    { method: 'POST', path: /^\/users$/, role: 'admin', handler: createUser },
    { method: 'PATCH', path: /^\/users\/([^/]+)$/, role: 'admin', handler: updateUser },
    { method: 'GET', path: /^\/queries$/, role: 'viewer', handler: searchQueries },
    { method: 'GET', path: /^\/queries\/([^/]+)$/, role: 'viewer', handler: getQuery },
    { method: 'POST', path: /^\/queries\/([^/]+)\/cancel$/, role: 'admin', handler: cancelQuery },
    { method: 'GET', path: /^\/audit$/, role: 'viewer', handler: listAudit },
    { method: 'GET', path: /^\/stats$/, role: 'viewer', handler: stats },
    { method: 'POST', path: /^\/explain$/, role: 'viewer', handler: explain },
  ];

  async function dispatch(request: GatewayRequest): Promise<GatewayResponse> {
    const path = request.path.slice(ADMIN_API_PREFIX.length) || '/';
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD' && !sameOrigin(request)) throw new ApiError(403, 'FORBIDDEN', 'Cross-origin requests are refused');
    if (path === '/login' && method === 'POST') return login(request);
    if (path === '/logout' && method === 'POST') return logout(request);
    const matching = routes.filter((r) => r.path.test(path));
    const caller = await identify(request);
    if (path === '/me' && method === 'GET') return json(200, me(caller));
    if (!matching.length) throw new ApiError(404, 'NOT_FOUND', `No such resource: ${path}`);
    const route = matching.find((r) => r.method === method);
    if (!route) throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`);
    if (method !== 'GET' && !signer.checkCsrf(caller.user, request.headers['x-bifrost-csrf']?.[0])) throw new ApiError(403, 'CSRF', 'Missing or wrong X-Bifrost-CSRF header: reload the page');
    if (route.role === 'admin' && caller.role !== 'admin') throw new ApiError(403, 'FORBIDDEN', `${caller.user} is a viewer: changes need the admin role`);
    const params = (route.path.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p));
    return route.handler(request, caller, params);
  }

  return {
    async handle(request) {
      if (request.path !== ADMIN_API_PREFIX && !request.path.startsWith(`${ADMIN_API_PREFIX}/`)) return undefined;
      try {
        return await dispatch(request);
      } catch (error) {
        if (error instanceof ApiError) return json(error.status, { error: { code: error.code, message: error.message, ...(error.problems ? { problems: error.problems } : {}) } }, error.headers);
        if (error instanceof URIError) return json(400, { error: { code: 'BAD_REQUEST', message: 'Malformed path' } });
        throw error;
      }
    },
  };
}

/** Admin answers are never cached, never framed, never sniffed. */
const NO_STORE = { 'Cache-Control': ['no-store'], 'X-Content-Type-Options': ['nosniff'], 'X-Frame-Options': ['DENY'] };

function json(status: number, body: unknown, headers: Record<string, string[]> = {}): GatewayResponse {
  return { status, headers: { 'Content-Type': ['application/json'], ...NO_STORE, ...headers }, body: JSON.stringify(body) };
}

function readJson(request: GatewayRequest): unknown {
  if (request.body.length > MAX_BODY_BYTES) throw new ApiError(413, 'TOO_LARGE', 'The request body is too large');
  const type = request.headers['content-type']?.[0] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON (Content-Type: application/json)');
  try {
    const value = JSON.parse(request.body.toString('utf8')) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value;
  } catch {
    throw new ApiError(400, 'BAD_REQUEST', 'The body is not a JSON object');
  }
}

function queryNumber(request: GatewayRequest, name: string): number | undefined {
  const value = request.query[name]?.[0];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ApiError(400, 'BAD_REQUEST', `${name} must be a number`);
  return n;
}

function checkPassword(value: unknown): string {
  if (typeof value !== 'string' || value.length < 8 || value.length > 1024) throw new ApiError(422, 'INVALID', 'password: at least 8 characters');
  return value;
}

function checkGroups(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((g) => typeof g === 'string' && g.length > 0 && g.length <= 256)) throw new ApiError(422, 'INVALID', 'groups: a list of group names');
  return [...new Set(value as string[])];
}

function withoutCredentials(headers: GatewayRequest['headers']): GatewayRequest['headers'] {
  const { authorization: _a, cookie: _c, 'x-trino-user': _t, 'x-presto-user': _p, ...rest } = headers;
  return rest;
}

/** A change must come from the gateway's own origin when the browser says where it comes from. */
function sameOrigin(request: GatewayRequest): boolean {
  const origin = request.headers.origin?.[0];
  if (!origin) return true;
  return origin.replace(/\/+$/, '') === request.baseUrl.replace(/\/+$/, '');
}

function aggregate(items: QuerySummary[], keys: (i: QuerySummary) => string[]) {
  const out = new Map<string, { key: string; queries: number; failed: number; dataScannedBytes: number; costUsd: number }>();
  for (const item of items) {
    for (const key of keys(item)) {
      const row = out.get(key) ?? { key, queries: 0, failed: 0, dataScannedBytes: 0, costUsd: 0 };
      row.queries++;
      if (item.state === 'FAILED') row.failed++;
      row.dataScannedBytes += item.statistics?.dataScannedBytes ?? 0;
      row.costUsd += item.costUsd ?? 0;
      out.set(key, row);
    }
  }
  return [...out.values()].sort((a, b) => b.queries - a.queries);
}

function storedHealth(store: HealthStore) {
  return {
    async healthy(target: string) {
      return (await store.get([target])).get(target)?.healthy ?? true;
    },
  };
}
