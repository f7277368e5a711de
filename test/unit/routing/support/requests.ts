import type { Analysis, RoutingRequest, ClientSession } from '../../../../lambdas/core/ports/index.js';

export interface RequestFacts {
  user?: string;
  groups?: string[];
  source?: string;
  tags?: string[];
  /** The `routing` extra credential. */
  hint?: string;
  /** The routing-group header. */
  header?: string;
  kind?: string;
  /** Fully qualified tables touched; undefined: the statement was not analyzed. */
  tables?: string[];
  /** Other extra credentials (secrets). */
  credentials?: Record<string, string>;
}

export function session(facts: RequestFacts = {}): ClientSession {
  const s: ClientSession = {
    dialect: 'trino',
    user: facts.user ?? 'alice',
    clientTags: facts.tags ?? [],
    clientCapabilities: [],
    properties: {},
    resourceEstimates: {},
    roles: {},
    extraCredentials: { ...(facts.credentials ?? {}), ...(facts.hint !== undefined ? { routing: facts.hint } : {}) },
    preparedStatements: {},
  };
  if (facts.source !== undefined) s.source = facts.source;
  if (facts.header !== undefined) s.routingGroup = facts.header;
  return s;
}

export function analysis(kind: string, tables?: string[]): Analysis {
  if (tables === undefined) return { ok: false, kind, tables: [], error: 'not analyzed' };
  return { ok: true, kind, tables: tables.map((name) => ({ name, parts: name.split('.'), access: 'read' as const })) };
}

export function request(facts: RequestFacts = {}): RoutingRequest {
  return {
    principal: { user: facts.user ?? 'alice', groups: facts.groups ?? [], method: 'test' },
    session: session(facts),
    ...(facts.kind !== undefined || facts.tables !== undefined ? { analysis: analysis(facts.kind ?? 'SELECT', facts.tables) } : {}),
  };
}
