import type { QueryError } from '../errors.js';
import type { GatewayRequest, GatewayResponse, QueryRecord } from '../ports/index.js';
import { cancelQuery } from './cancel.js';
import { createContext, type GatewayDeps } from './context.js';
import { handleRequest } from './routes.js';

/**
 * The Presto/Trino protocol gateway, in parts: routes.ts (which request goes where), submit.ts
 * and admit.ts (POST), poll.ts and pager.ts (GET of a nextUri), cancel.ts (DELETE, kill_query),
 * plan.ts (what the item keeps for its engine), responses.ts and identity.ts. Each part takes
 * the GatewayContext built here.
 */
export interface Gateway {
  handle(request: GatewayRequest): Promise<GatewayResponse>;
  /**
   * Admin API: cancels a query wherever it runs, as a client's DELETE does. Answers the item as it
   * was (unchanged when already final), undefined for an unknown id; a GatewayError (503) when the engine could not stop it.
   */
  cancel(queryId: string, reason: string, error: QueryError): Promise<QueryRecord | undefined>;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const ctx = createContext(deps);
  return {
    handle: (request) => handleRequest(ctx, request),
    cancel: (queryId, reason, error) => cancelQuery(ctx, queryId, reason, error),
  };
}

export { DEFAULT_GATEWAY_CONFIG, enginePageBytes, type GatewayConfig, type GatewayDeps } from './context.js';
export { sweepSegments } from './spool.js';
export type { SpoolingConfig } from './context.js';
export type { Logger } from '../ports/index.js';
