import type { ClientSession } from './protocol/headers.js';
import type { GatewayRequest } from './http.js';

/** Who is asking: established by an Authenticator, used by routing and access control. */
export interface Principal {
  user: string;
  groups: string[];
  /** How the principal was established (header, password, jwt, alb-oidc). */
  method: string;
}

export type AuthResult =
  | { ok: true; principal: Principal }
  /** 401 with the challenge Trino sends; `message` is shown to the user. */
  | { ok: false; status: 400 | 401 | 403; message: string; challenge?: string[] };

export interface Authenticator {
  authenticate(request: GatewayRequest): Promise<AuthResult>;
}

/** A table a statement touches, fully qualified and lower-cased. */
export interface TableAccess {
  name: string;
  parts: string[];
  access: 'read' | 'write';
  columns?: string[];
}

export interface Analysis {
  ok: boolean;
  kind: string;
  tables: TableAccess[];
  error?: string;
}

export interface Analyzer {
  analyze(sql: string, session: Pick<ClientSession, 'catalog' | 'schema' | 'preparedStatements'>): Analysis;
}

export type AccessDecision = { allowed: true; rule?: string } | { allowed: false; reason: string; rule?: string };

export interface AccessControl {
  /** Whether any rule applies: when none do, unparsed SQL is not a reason to deny. */
  readonly enforcing: boolean;
  check(principal: Principal, analysis: Analysis): AccessDecision;
}

export interface RoutingRequest {
  principal: Principal;
  session: ClientSession;
  analysis?: Analysis;
}

export type RoutingDecision =
  | { outcome: 'target'; target: string; group: string; reasons: string[] }
  /** Every target of the group is full and the group waits at the gateway. */
  | { outcome: 'wait'; group: string; reasons: string[] }
  | { outcome: 'deny'; reasons: string[] };

export interface Router {
  route(request: RoutingRequest): Promise<RoutingDecision>;
}

/** Trusts the user header: only for local mode or when explicitly enabled. */
export const headerAuthenticator: Authenticator = {
  async authenticate(request) {
    const user = request.headers['x-trino-user']?.[0] ?? request.headers['x-presto-user']?.[0];
    if (!user) return { ok: false, status: 400, message: 'User must be set' };
    return { ok: true, principal: { user, groups: [], method: 'header' } };
  },
};

export const allowAll: AccessControl = {
  enforcing: false,
  check: () => ({ allowed: true }),
};

export function singleTargetRouter(target: string): Router {
  return { route: async () => ({ outcome: 'target', target, group: 'default', reasons: [`only target ${target} is configured`] }) };
}
