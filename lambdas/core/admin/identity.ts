import { sessionEpochKey } from '../auth/user-store.js';
import type { GatewayRequest, GatewayResponse, Principal } from '../ports/index.js';
import { audit, type AdminContext, type Caller } from './context.js';
import { ApiError, json, NO_STORE, readJson } from './responses.js';
import { adminRole } from './roles.js';
import { readCookie, SESSION_COOKIE, SESSION_TTL_MS, type AdminSession } from './session.js';

/** POST /login: checks the credentials with the admin door's authenticator and sets the session cookie. */
export async function login(ctx: AdminContext, request: GatewayRequest): Promise<GatewayResponse> {
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
  const result = await ctx.deps.authenticator.authenticate(probe);
  if (!result.ok) {
    await audit(ctx, 'anonymous', 'login.failed', `user/${body.user}`, { detail: result.message });
    // Too many failures: say how long to wait (the limit applies to names that exist and names that do not alike).
    if (result.retryAfterSeconds !== undefined) throw new ApiError(401, 'UNAUTHENTICATED', result.message, undefined, { 'Retry-After': [String(result.retryAfterSeconds)] });
    throw new ApiError(result.status === 403 ? 403 : 401, 'UNAUTHENTICATED', result.status === 403 ? result.message : 'Wrong user name or password');
  }
  const caller = callerOf(ctx, result.principal);
  const session: AdminSession = { user: caller.user, groups: caller.groups, role: caller.role, method: caller.method, expiresAt: ctx.now() + SESSION_TTL_MS, ...(await sessionState(ctx, caller)) };
  const secure = request.baseUrl.startsWith('https:');
  return json(200, me(ctx, caller), { 'Set-Cookie': [`${SESSION_COOKIE}=${ctx.signer.sign(session)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}${secure ? '; Secure' : ''}`] });
}

/** POST /logout: ends the session on the server too (every session of the principal: a copied cookie stops working). */
export async function logout(ctx: AdminContext, request: GatewayRequest): Promise<GatewayResponse> {
  const session = ctx.signer.verify(readCookie(request.headers.cookie, SESSION_COOKIE), ctx.now());
  if (session) await unavailableAs503(() => ctx.epochs.endSessions(sessionEpochKey(session.method, session.user)));
  return { status: 204, headers: { ...NO_STORE, 'Set-Cookie': [`${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`] }, body: '' };
}

/** The caller from the session cookie, else from credentials on the request itself. */
export async function identify(ctx: AdminContext, request: GatewayRequest): Promise<Caller> {
  const signed = ctx.signer.verify(readCookie(request.headers.cookie, SESSION_COOKIE), ctx.now());
  const session = signed && (await liveSession(ctx, signed));
  if (session) {
    // The role is looked up again: a config change takes effect without waiting for the cookie to expire.
    return callerOf(ctx, { user: session.user, groups: session.groups, method: session.method });
  }
  const hasCredentials = request.headers.authorization?.length || request.headers['x-amzn-oidc-data']?.length || (ctx.deps.authenticator.trustsUserHeader && request.headers['x-trino-user']?.length);
  if (!hasCredentials) throw new ApiError(401, 'UNAUTHENTICATED', signed ? 'The session has ended: log in again' : 'Log in first');
  const result = await ctx.deps.authenticator.authenticate(request);
  if (!result.ok) throw new ApiError(result.status === 400 ? 401 : result.status, 'UNAUTHENTICATED', result.message);
  return callerOf(ctx, result.principal);
}

/** GET /me, and the answer of a login. */
export function me(ctx: AdminContext, caller: Caller) {
  return { user: caller.user, groups: caller.groups, role: caller.role, csrfToken: ctx.signer.csrfToken(caller.user) };
}

function callerOf(ctx: AdminContext, principal: Principal): Caller {
  const role = adminRole(ctx.deps.config, principal, ctx.deps.mode);
  if (!role) throw new ApiError(403, 'FORBIDDEN', `${principal.user} may not use the admin API (config: admin.admins / admin.viewers)`);
  return { user: principal.user, groups: principal.groups, role, method: principal.method };
}

/** What a new session is bound to: the principal's current epoch and, for a password user, the hash it logged in with. */
async function sessionState(ctx: AdminContext, caller: Caller): Promise<Pick<AdminSession, 'epoch' | 'credential'>> {
  return unavailableAs503(async () => {
    const [epoch, record] = await Promise.all([ctx.epochs.sessionEpoch(sessionEpochKey(caller.method, caller.user)), caller.method === 'password' ? ctx.deps.users?.get(caller.user) : undefined]);
    return { epoch, ...(record?.passwordHash ? { credential: ctx.signer.credentialTag(record.passwordHash) } : {}) };
  });
}

/**
 * The session if it has not been ended: its epoch is still the principal's, and a password user
 * still exists, is enabled, and has the password the session was opened with. A password
 * user's groups are read afresh from the record.
 */
async function liveSession(ctx: AdminContext, session: AdminSession): Promise<AdminSession | undefined> {
  return unavailableAs503(async () => {
    const password = session.method === 'password';
    const [epoch, record] = await Promise.all([ctx.epochs.sessionEpoch(sessionEpochKey(session.method, session.user)), password ? ctx.deps.users?.get(session.user) : undefined]);
    if (epoch !== session.epoch) return undefined;
    if (!password) return session;
    if (!record || record.disabled || !record.passwordHash || !ctx.signer.sameCredential(session.credential, record.passwordHash)) return undefined;
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

function withoutCredentials(headers: GatewayRequest['headers']): GatewayRequest['headers'] {
  const { authorization: _a, cookie: _c, 'x-trino-user': _t, 'x-presto-user': _p, ...rest } = headers;
  return rest;
}
