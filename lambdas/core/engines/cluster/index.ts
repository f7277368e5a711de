import type { BifrostConfig } from '../../config/schema.js';
import { ClusterEngine, type KnownQuery } from './cluster-engine.js';
import type { ClusterCredentialsProvider, HttpFetch } from '../../ports/index.js';

export { ClusterEngine, probeClusterInfo, usedPreparedStatements, type ClusterEngineOptions, type InfoProbe, type KnownQuery } from './cluster-engine.js';
export type { ClusterCredentials, ClusterCredentialsProvider } from '../../ports/index.js';
export { ClusterUnreachableError } from './http.js';
export type { HttpFetch, HttpRequestInit, HttpResponseLike } from '../../ports/index.js';
export { checkClusterHealth, clusterHealthTargets, engineProbe, markUnreachable, nextHealthState, storedTargetHealth, type ClusterHealthDeps, type ClusterHealthReport, type ClusterHealthTarget, type ProbeResult, type StoredTargetHealthOptions } from './health.js';
export type { ClusterHealthState, HealthStore } from '../../ports/index.js';
export { parseKillQuery, rewriteKillQuery, type KillQuery } from './kill-query.js';
export { parseExactJson } from './json.js';
export { ClusterOrigin, UpstreamUrlError } from './upstream-url.js';

export interface ClusterEnginesDeps {
  /** The HTTP function (global fetch). */
  fetch: HttpFetch;
  /** A credentials provider for a secret id (the door reads Secrets Manager and caches). */
  credentialsFor?: (secretId: string) => ClusterCredentialsProvider;
  /** Resolves gateway query ids in kill_query: wire it to the query store's get. */
  lookupQuery?: (queryId: string) => Promise<KnownQuery | undefined>;
  /** The gateway's page cap: clusters are asked for pages about this size. */
  maxPageBytes?: number;
  pollBudgetMs?: number;
  submitBudgetMs?: number;
  requestTimeoutMs?: number;
  healthTimeoutMs?: number;
  userAgent?: string;
  pageCacheBytes?: number;
}

/** One ClusterEngine per `trino` / `presto` target of the config, by target name. */
export function createClusterEngines(config: Pick<BifrostConfig, 'targets'>, deps: ClusterEnginesDeps): Record<string, ClusterEngine> {
  const engines: Record<string, ClusterEngine> = {};
  for (const [name, target] of Object.entries(config.targets)) {
    if (target.type !== 'trino' && target.type !== 'presto') continue;
    if (target.credentialsSecret && !deps.credentialsFor) throw new Error(`Target ${name} names credentialsSecret, but no credentials reader is configured`);
    engines[name] = new ClusterEngine({
      name,
      dialect: target.type,
      url: target.url,
      fetch: deps.fetch,
      ...(target.credentialsSecret && deps.credentialsFor ? { credentials: deps.credentialsFor(target.credentialsSecret) } : {}),
      ...(deps.lookupQuery ? { lookupQuery: deps.lookupQuery } : {}),
      // JSON is larger than the cluster's own page measure: ask for half the cap.
      ...(deps.maxPageBytes ? { targetResultBytes: Math.floor(deps.maxPageBytes / 2) } : {}),
      ...(deps.pollBudgetMs !== undefined ? { pollBudgetMs: deps.pollBudgetMs } : {}),
      ...(deps.submitBudgetMs !== undefined ? { submitBudgetMs: deps.submitBudgetMs } : {}),
      ...(deps.requestTimeoutMs !== undefined ? { requestTimeoutMs: deps.requestTimeoutMs } : {}),
      ...(deps.healthTimeoutMs !== undefined ? { healthTimeoutMs: deps.healthTimeoutMs } : {}),
      ...(deps.userAgent ? { userAgent: deps.userAgent } : {}),
      ...(deps.pageCacheBytes !== undefined ? { pageCacheBytes: deps.pageCacheBytes } : {}),
    });
  }
  return engines;
}
