import { randomUUID } from 'node:crypto';
import { InMemoryUserStore } from '../auth/user-store.js';
import type { ScryptParams } from '../auth/password-hash.js';
import type { BifrostConfig } from '../config/schema.js';
import type { Analyzer, AuditEntry, AuditLog, Authenticator, CancelQuery, ConfigChange, ConfigOverrides, ConfigStore, DepthSamples, GatewayRequest, GatewayResponse, HealthStore, QueryHistory, SessionEpochStore, SpendReader, TargetDepths, UserStore } from '../ports/index.js';
import { effectiveConfig } from '../stores/config-store.js';
import type { BudgetGate } from '../budgets/gate.js';
import { ApiError } from './responses.js';
import type { AdminRole } from './roles.js';
import { SessionSigner } from './session.js';

/**
 * What the admin API is handed (docs/admin-api.md): the config file, the stores, the admin door's
 * authenticator and the signing key. Every change is validated by the same schema as the config
 * file, applied whole or not at all, and recorded in the audit trail.
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
  /** Spend counters (docs/budgets.md), for the spend view. */
  spend?: SpendReader;
  /** The gateway's budget decision, for explain. */
  budgets?: BudgetGate;
  hashParams?: ScryptParams;
  clock?: () => number;
}

/** What every part of the admin API works with: built once per API and passed to each part. */
export interface AdminContext {
  readonly deps: AdminDeps;
  readonly now: () => number;
  /** Signs login sessions and CSRF tokens. */
  readonly signer: SessionSigner;
  /** Where sessions are ended (logout, a password change, a disabled user). */
  readonly epochs: SessionEpochStore;
}

/** Who is asking, with their admin role. */
export interface Caller {
  user: string;
  groups: string[];
  role: AdminRole;
  method: string;
}

/** Answers one route; `params` are the groups of the route's pattern, decoded. */
export type Handler = (ctx: AdminContext, request: GatewayRequest, caller: Caller, params: string[]) => Promise<GatewayResponse>;

export function createAdminContext(deps: AdminDeps): AdminContext {
  return {
    deps,
    now: deps.clock ?? Date.now,
    signer: new SessionSigner(deps.sessionKey),
    // Session epochs live with the users, where every instance sees them; a bare API (tests) keeps its own.
    epochs: deps.users ?? new InMemoryUserStore(),
  };
}

/** The run-time overrides and the config they make with the file. */
export async function current(ctx: AdminContext): Promise<{ overrides: ConfigOverrides; effective: BifrostConfig }> {
  const overrides = await ctx.deps.configStore.read();
  try {
    return { overrides, effective: effectiveConfig(ctx.deps.config, overrides) };
  } catch {
    // Overrides that no longer fit the file are not used by routing either (see config-source.ts).
    return { overrides, effective: ctx.deps.config };
  }
}

/** Applies a change at `expectedVersion` (409 on a conflict, 422 when invalid), then tells and audits it. */
export async function change(ctx: AdminContext, caller: Caller, changeBody: ConfigChange, expectedVersion: number, action: string, resource: string, before: unknown, after: (o: ConfigOverrides) => unknown): Promise<ConfigOverrides> {
  const result = await ctx.deps.configStore.apply({ ...changeBody, by: caller.user }, expectedVersion);
  if (!result.ok) throw new ApiError(result.reason === 'conflict' ? 409 : 422, result.reason === 'conflict' ? 'CONFLICT' : 'INVALID', result.problems[0] ?? 'The change was refused', result.problems);
  ctx.deps.onChange?.();
  await audit(ctx, caller.user, action, resource, { before, after: after(result.overrides) });
  return result.overrides;
}

export async function audit(ctx: AdminContext, actor: string, action: string, resource: string, extra: Pick<AuditEntry, 'before' | 'after' | 'detail'> = {}): Promise<void> {
  await ctx.deps.audit.record({ id: randomUUID(), at: ctx.now(), actor, action, resource, ...extra });
}

/** The version a change expects: the one given, else the current one. */
export async function versionOf(ctx: AdminContext, value: unknown): Promise<number> {
  if (value === undefined) return (await ctx.deps.configStore.read()).version;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new ApiError(400, 'BAD_REQUEST', 'version must be a whole number');
  return value;
}
