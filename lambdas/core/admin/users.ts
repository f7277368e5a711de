import { hashPassword } from '../auth/password-hash.js';
import { sessionEpochKey, validUserName } from '../auth/user-store.js';
import type { UserRecord, UserStore } from '../ports/index.js';
import { audit, type AdminContext, type Handler } from './context.js';
import { ApiError, json, readJson } from './responses.js';

/** GET /users: the password users. */
export const listUsers: Handler = async (ctx) => json(200, { users: (await requireUsers(ctx).list()).map((u) => userView(ctx, u)) });

/** POST /users: a new password user. */
export const createUser: Handler = async (ctx, request, caller) => {
  const users = requireUsers(ctx);
  const body = readJson(request) as { name?: unknown; password?: unknown; groups?: unknown };
  if (typeof body.name !== 'string' || !validUserName(body.name)) throw new ApiError(422, 'INVALID', 'name: a user name without spaces, commas or colons (at most 256 characters)');
  const password = checkPassword(body.password);
  const groups = checkGroups(body.groups ?? []);
  if (await users.get(body.name)) throw new ApiError(409, 'CONFLICT', `User ${body.name} exists`);
  const t = ctx.now();
  const record: UserRecord = { name: body.name, passwordHash: await hashPassword(password, ctx.deps.hashParams), groups, disabled: false, failedAttempts: 0, createdAt: t, updatedAt: t };
  await users.put(record);
  await audit(ctx, caller.user, 'user.create', `user/${body.name}`, { after: userView(ctx, record) });
  return json(201, userView(ctx, record));
};

/** PATCH /users/{name}: groups, disabled, a new password, or an unlock. */
export const updateUser: Handler = async (ctx, request, caller, [name]) => {
  const users = requireUsers(ctx);
  const existing = await users.get(name!);
  if (!existing) throw new ApiError(404, 'NOT_FOUND', `No user ${name}`);
  const body = readJson(request) as { groups?: unknown; disabled?: unknown; password?: unknown; unlock?: unknown };
  if (body.disabled !== undefined && typeof body.disabled !== 'boolean') throw new ApiError(422, 'INVALID', 'disabled must be true or false');
  const next: UserRecord = { ...existing, updatedAt: ctx.now() };
  if (body.groups !== undefined) next.groups = checkGroups(body.groups);
  if (body.disabled !== undefined) next.disabled = body.disabled as boolean;
  if (body.password !== undefined) next.passwordHash = await hashPassword(checkPassword(body.password), ctx.deps.hashParams);
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
  await audit(ctx, caller.user, 'user.update', `user/${name}`, { before: userView(ctx, existing), after: { ...userView(ctx, next), ...(body.password !== undefined ? { password: 'changed' } : {}) } });
  return json(200, userView(ctx, next));
};

function requireUsers(ctx: AdminContext): UserStore {
  if (!ctx.deps.users) throw new ApiError(404, 'NOT_FOUND', 'Password users are not configured (auth.methods has no password method)');
  return ctx.deps.users;
}

function userView(ctx: AdminContext, user: UserRecord) {
  return { name: user.name, groups: user.groups, disabled: user.disabled, locked: (user.lockedUntil ?? 0) > ctx.now(), createdAt: user.createdAt, updatedAt: user.updatedAt };
}

function checkPassword(value: unknown): string {
  if (typeof value !== 'string' || value.length < 8 || value.length > 1024) throw new ApiError(422, 'INVALID', 'password: at least 8 characters');
  return value;
}

function checkGroups(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((g) => typeof g === 'string' && g.length > 0 && g.length <= 256)) throw new ApiError(422, 'INVALID', 'groups: a list of group names');
  return [...new Set(value as string[])];
}
