import type { BifrostConfig } from '../../config/schema.js';
import type { TargetHealth, HealthStore, ClusterHealthState } from '../../ports/index.js';

/**
 * Cluster health with hysteresis. The sweeper's schedule probes each cluster's /v1/info
 * (`starting: false` within a short timeout); `unhealthyAfter` consecutive failures mark a cluster
 * unhealthy, `healthyAfter` consecutive successes healthy again, so one slow answer does not flap
 * routing. The state lives in a HealthStore (DynamoDB in AWS) so every gateway instance routes on
 * the same view; routing reads it through the TargetHealth port.
 *
 * A cluster never checked counts as healthy: routing must work before the first sweep, and a
 * dead cluster still fails its queries clearly (REMOTE_HOST_GONE) until the checks catch up.
 */

export interface ClusterHealthTarget {
  unhealthyAfter: number;
  healthyAfter: number;
}

export interface ProbeResult {
  ok: boolean;
  detail: string;
  version?: string;
}

export interface ClusterHealthDeps {
  /** The clusters to check, by target name. */
  targets: Record<string, ClusterHealthTarget>;
  /** Probes one cluster (ClusterEngine.health or probeClusterInfo): never throws. */
  probe(target: string): Promise<ProbeResult>;
  store: HealthStore;
  clock?: () => number;
  log?: { info(message: string, extra?: Record<string, unknown>): void; warn(message: string, extra?: Record<string, unknown>): void };
}

export interface ClusterHealthReport {
  target: string;
  healthy: boolean;
  /** True when this check flipped the cluster's health. */
  changed: boolean;
  probe: ProbeResult;
  /** False when another check stored its result first. */
  recorded: boolean;
}

/** The next state after one probe: counts consecutive results, flips only past the thresholds. */
export function nextHealthState(previous: ClusterHealthState | undefined, target: string, spec: ClusterHealthTarget, probe: ProbeResult, now: number): ClusterHealthState {
  const wasHealthy = previous?.healthy ?? true;
  const successes = probe.ok ? (previous?.consecutiveSuccesses ?? 0) + 1 : 0;
  const failures = probe.ok ? 0 : (previous?.consecutiveFailures ?? 0) + 1;
  const healthy = probe.ok ? wasHealthy || successes >= spec.healthyAfter : wasHealthy && failures < spec.unhealthyAfter;
  return {
    target,
    healthy,
    consecutiveFailures: failures,
    consecutiveSuccesses: successes,
    checkedAt: now,
    changedAt: healthy !== wasHealthy || !previous ? now : previous.changedAt,
    detail: probe.detail,
    ...(probe.version ? { version: probe.version } : {}),
  };
}

/**
 * A submit found the cluster unreachable (it never reached it): the cluster is unhealthy now,
 * without waiting for `unhealthyAfter` failed checks, since a refused connection is no slow
 * answer. The failures are counted as if the checks had seen them, so the checks flip it back
 * after `healthyAfter` successes as usual. Written conditionally on the state read (another
 * writer wins, one retry); false when it could not be written.
 */
export async function markUnreachable(store: HealthStore, target: string, spec: ClusterHealthTarget, detail: string, now: number): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const previous = (await store.get([target])).get(target);
    const state: ClusterHealthState = {
      target,
      healthy: false,
      consecutiveFailures: Math.max(spec.unhealthyAfter, previous?.consecutiveFailures ?? 0),
      consecutiveSuccesses: 0,
      // Not before the stored check: the store's condition compares it, and staleness reads it.
      checkedAt: Math.max(now, previous?.checkedAt ?? 0),
      changedAt: previous && !previous.healthy ? previous.changedAt : now,
      detail: `a submit could not reach it: ${detail}`,
      ...(previous?.version ? { version: previous.version } : {}),
    };
    if (await store.put(state, previous?.checkedAt)) return true;
  }
  return false;
}

/** One round of health checks over every configured cluster, in parallel. */
export async function checkClusterHealth(deps: ClusterHealthDeps): Promise<ClusterHealthReport[]> {
  const now = (deps.clock ?? Date.now)();
  const names = Object.keys(deps.targets);
  if (!names.length) return [];
  const stored = await deps.store.get(names);
  return Promise.all(
    names.map(async (target) => {
      let probe: ProbeResult;
      try {
        probe = await deps.probe(target);
      } catch (error) {
        probe = { ok: false, detail: String((error as Error)?.message ?? error) };
      }
      const previous = stored.get(target);
      const next = nextHealthState(previous, target, deps.targets[target]!, probe, now);
      const changed = next.healthy !== (previous?.healthy ?? true);
      let recorded = false;
      try {
        recorded = await deps.store.put(next, previous?.checkedAt);
      } catch (error) {
        deps.log?.warn('could not record cluster health', { target, error: String(error) });
      }
      if (changed && recorded) deps.log?.[next.healthy ? 'info' : 'warn'](`cluster ${next.healthy ? 'healthy again' : 'unhealthy'}`, { target, detail: probe.detail, consecutiveFailures: next.consecutiveFailures });
      return { target, healthy: recorded ? next.healthy : (previous?.healthy ?? true), changed: changed && recorded, probe, recorded };
    }),
  );
}

/** A probe over engines' health() (ClusterEngine probes /v1/info): for checkClusterHealth. */
export function engineProbe(engines: Record<string, { health(): Promise<{ healthy: boolean; detail?: string }> } | undefined>): (target: string) => Promise<ProbeResult> {
  return async (target) => {
    const engine = engines[target];
    if (!engine) return { ok: false, detail: `no engine for target ${target}` };
    const health = await engine.health();
    const version = /^version (.+)$/.exec(health.detail ?? '')?.[1];
    return { ok: health.healthy, detail: health.detail ?? (health.healthy ? 'up' : 'down'), ...(version ? { version } : {}) };
  };
}

/** The cluster targets of a config with their thresholds (disabled targets are not checked). */
export function clusterHealthTargets(config: Pick<BifrostConfig, 'targets'>): Record<string, ClusterHealthTarget> {
  const out: Record<string, ClusterHealthTarget> = {};
  for (const [name, target] of Object.entries(config.targets)) {
    if ((target.type === 'trino' || target.type === 'presto') && target.state !== 'disabled') out[name] = { unhealthyAfter: target.unhealthyAfter, healthyAfter: target.healthyAfter };
  }
  return out;
}

export interface StoredTargetHealthOptions {
  /** Targets whose health is checked; any other target is healthy. */
  clusters: readonly string[];
  /** How long a read of the store is reused (default 10 s): keeps routing off the store's hot path. */
  refreshMs?: number;
  /** States older than this are ignored (the checks stopped): the cluster counts as healthy. Default 10 min. */
  staleAfterMs?: number;
  clock?: () => number;
  log?: { warn(message: string, extra?: Record<string, unknown>): void };
}

/**
 * Routing's TargetHealth over a HealthStore. Answers synchronously from a snapshot while it is
 * fresh, and with a promise while it is reloaded (one read for every caller). When the store
 * cannot be read, the last snapshot stands, and without one every cluster counts as healthy:
 * losing the health view must not stop routing.
 */
export function storedTargetHealth(store: HealthStore, options: StoredTargetHealthOptions): TargetHealth & { refresh(): Promise<void> } {
  const clusters = new Set(options.clusters);
  const refreshMs = options.refreshMs ?? 10_000;
  const staleAfterMs = options.staleAfterMs ?? 600_000;
  const now = options.clock ?? Date.now;
  let snapshot = new Map<string, ClusterHealthState>();
  let loadedAt = -Infinity;
  let loading: Promise<void> | undefined;

  const refresh = (): Promise<void> =>
    (loading ??= store
      .get([...clusters])
      .then((states) => {
        snapshot = states;
      })
      .catch((error) => options.log?.warn('could not read cluster health; using the last known view', { error: String(error) }))
      .finally(() => {
        loadedAt = now();
        loading = undefined;
      }));

  const answer = (target: string): boolean => {
    const state = snapshot.get(target);
    if (!state || now() - state.checkedAt > staleAfterMs) return true;
    return state.healthy;
  };

  return {
    healthy(target: string): boolean | Promise<boolean> {
      if (!clusters.has(target)) return true;
      if (now() - loadedAt < refreshMs) return answer(target);
      return refresh().then(() => answer(target));
    },
    refresh,
  };
}
