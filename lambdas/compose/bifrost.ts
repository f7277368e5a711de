import type { AthenaClient } from '@aws-sdk/client-athena';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { createAthenaEngine } from '../adapters/aws/athena/athena-engine.js';
import { AthenaStatusApi } from '../adapters/aws/athena-status.js';
import { DynamoAuditLog } from '../adapters/aws/dynamo-audit-log.js';
import { DynamoConfigStore } from '../adapters/aws/dynamo-config-store.js';
import { DynamoDepthSamples } from '../adapters/aws/dynamo-depth-samples.js';
import { DynamoHealthStore } from '../adapters/aws/dynamo-health-store.js';
import { DynamoQueryStore } from '../adapters/aws/dynamo-query-store.js';
import { DynamoUserStore } from '../adapters/aws/dynamo-user-store.js';
import { DynamoSpendStore } from '../adapters/aws/dynamo-spend-store.js';
import { createBudgetGate } from '../core/budgets/gate.js';
import { awsMetadataSource } from '../adapters/aws/metadata/index.js';
import { allowAll } from '../core/acl/allow-all.js';
import { runtimeAccessControl } from '../core/acl/index.js';
import { createAdminApi, type AdminApi } from '../core/admin/api.js';
import { adminKill, outcomeOf } from '../core/admin/cancel.js';
import { sampleDepths, type DepthSample } from '../core/admin/depth-samples.js';
import { createAuthenticator, type TokenVerifierFactory } from '../core/auth/index.js';
import type { BifrostConfig } from '../core/config/schema.js';
import { checkClusterHealth, clusterHealthTargets, createClusterEngines, engineProbe, markUnreachable, storedTargetHealth, type ClusterHealthReport } from '../core/engines/cluster/index.js';
import { GatewayError } from '../core/errors.js';
import { createGateway, DEFAULT_GATEWAY_CONFIG, enginePageBytes, sweepSegments, type Gateway, type GatewayConfig, type GatewayDeps } from '../core/gateway/index.js';
import { createMetadataService, tableVisibility } from '../core/metadata/index.js';
import { configStoreWithEvents, createEvents, eventSettings, healthStoreWithEvents, noEvents, type BifrostEvents } from '../core/events/index.js';
import type { AccessControl, AthenaStatus, Analyzer, Authenticator, ClusterCredentialsProvider, Engine, EventPublisher, HttpFetch, Logger, MetadataService, MetadataSource, Router, SegmentStore } from '../core/ports/index.js';
import { cachedConfigSource, createRouter } from '../core/routing/index.js';
import { trinoAnalyzer } from '../core/sql/index.js';
import { sweep, trackingSettings, type SweepReport, type TrackingDeps, type TrackingMetrics } from '../core/tracking/index.js';

/**
 * Bifrost, composed once for both homes. The Lambda handlers and the local server differ only in
 * the adapters they hand in (DynamoDB or dynalite behind the same client, the function's role or
 * the user's credentials for Athena, a Secrets Manager key or a random one, an engine of their
 * own such as the local DuckDB), never in what gets built from them: the same stores, engines,
 * routing, access rules, authentication, catalog answers, admin API and periodic job.
 *
 * Parts are built when first asked for, so each function pays only for what it serves.
 */
export interface AwsClients {
  athena: AthenaClient;
  s3: S3Client;
  glue: GlueClient;
}

/** An engine the home builds itself (the local DuckDB engine), with what the rest needs of it. */
export interface OwnEngine {
  engine: Engine;
  /** Catalog answers (SHOW, DESCRIBE, information_schema, system.jdbc) from the engine's catalog. */
  metadata?: MetadataSource;
  /** The engine's own word on its queries, for the sweeper, in the shape of Athena's status API (tracking/engine-status.ts adapts an engine). */
  status?: AthenaStatus;
}

export interface BifrostHome {
  mode: 'local' | 'deployed';
  config: BifrostConfig;
  dynamo: DynamoDBClient;
  tables: { queries: string; config: string; users: string };
  /**
   * Signs nextUri tokens; admin sessions and CSRF tokens use it under their own purpose. Homes that
   * serve neither (the event and sweeper functions) have none, and cannot build the gateway or admin API.
   */
  key?: string | Buffer;
  /** Clients for Athena targets and their catalogs, made on first use. */
  aws: () => AwsClients;
  /** Engines by target name that the home builds itself (they replace what the config would build). */
  ownEngines?: Record<string, OwnEngine>;
  fetch: HttpFetch;
  /** Cluster credentials by secret id (Secrets Manager when deployed). */
  clusterCredentials?: (secretId: string) => ClusterCredentialsProvider;
  tokenVerifiers: TokenVerifierFactory;
  /** The load balancer that signs alb-oidc tokens (deployed admin). */
  albArn?: string;
  /** Where the periodic job's QueueDepth figures go (CloudWatch when deployed). */
  queueDepthMetric?: (target: string, depth: number) => void;
  /** Counts of what tracking did (events applied, ignored, reconciled...). */
  trackingMetrics?: TrackingMetrics;
  /** Where spooled result segments go (S3 deployed, memory locally); without it, no spooling protocol. */
  segments?: SegmentStore;
  /** Where Bifrost's own events go (EventBridge deployed, a sink locally); without it none are built. */
  events?: EventPublisher;
  log: Logger;
  /** Replacements for tests and special modes (a single target, a fixed router, no rules). */
  overrides?: {
    gateway?: Partial<GatewayConfig>;
    router?: Router;
    authenticator?: Authenticator;
    accessControl?: AccessControl;
    analyzer?: Analyzer;
  };
}

export interface PeriodicReport {
  sweep: SweepReport;
  health: ClusterHealthReport[];
  depths?: DepthSample;
  /** Spooled segments deleted because nobody could read them any more. */
  segments?: number;
}

export interface Bifrost {
  readonly config: BifrostConfig;
  readonly store: DynamoQueryStore;
  /** Engines by target. */
  readonly engines: Record<string, Engine>;
  /** What the state-change handler and the sweeper need (Athena's events, the local engine's). */
  readonly tracking: TrackingDeps;
  /** Bifrost's own events; `flush` at the end of a Lambda invocation (docs/events.md). */
  readonly events: BifrostEvents;
  gateway(): Gateway;
  admin(): AdminApi;
  /** The periodic job (the sweeper's schedule, a timer locally): reconcile, end abandoned queries, check cluster health, sample and publish queue depth. */
  periodic(): Promise<PeriodicReport>;
  /** What this composition can do per target: two homes given the same config must agree on it. */
  capabilities(): Capabilities;
}

export interface Capabilities {
  maxPageBytes: number;
  targets: Record<string, { engine: boolean; catalogAnswers: boolean; tracked: boolean; healthChecked: boolean }>;
}

/** A target's queue limit, when it takes queries at all (not draining, disabled or unknown). */
function queueLimitOf(config: BifrostConfig, target: string): number | undefined {
  const spec = config.targets[target];
  return spec?.state === 'active' ? spec.queueLimit : undefined;
}

function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

export function composeBifrost(home: BifrostHome): Bifrost {
  const { config, dynamo, tables, log, mode } = home;
  const overrides = home.overrides ?? {};
  const store = new DynamoQueryStore(dynamo, tables.queries);
  // Spend counters in the config table, grown where a query's statistics are recorded (docs/budgets.md).
  const spend = new DynamoSpendStore(dynamo, tables.config, { transactions: mode === 'deployed' });
  if (config.budgets.trackSpend) store.countSpend(spend);
  const aws = once(home.aws);
  const key = (): string | Buffer => {
    if (home.key === undefined) throw new Error('This home has no signing key: it cannot serve the protocol or the admin API');
    return home.key;
  };
  const gatewayConfig: Omit<GatewayConfig, 'pageTokenKey'> = {
    ...DEFAULT_GATEWAY_CONFIG,
    environment: config.gateway.environment,
    maxPageBytes: config.gateway.maxPageBytes,
    pollWaitMs: config.gateway.pollWaitMs,
    waitingPollWaitMs: config.gateway.waitingPollWaitMs,
    historyRetentionDays: config.gateway.historyRetentionDays,
    spooling: config.gateway.spooling,
    ...(config.gateway.publicUrl ? { publicBaseUrl: config.gateway.publicUrl } : {}),
    ...overrides.gateway,
  };

  // ---- engines: the home's own, Athena per target, clusters per target
  const catalogs = Object.fromEntries(Object.entries(config.catalogs).map(([name, c]) => [name, c.athenaCatalog]));
  const own = home.ownEngines ?? {};
  const engines: Record<string, Engine> = {};
  const athenaTargets = new Set<string>();
  for (const [name, target] of Object.entries(config.targets)) {
    if (own[name] || target.type !== 'athena') continue;
    athenaTargets.add(name);
    const clients = aws();
    engines[name] = createAthenaEngine({
      ...clients,
      workgroup: target.workgroup,
      catalogs,
      csvFastPath: target.csvFastPath,
      ...(target.resultReuseMinutes !== undefined ? { resultReuse: { enabled: true, maxAgeMinutes: target.resultReuseMinutes } } : {}),
      log,
    });
  }
  const clusters = createClusterEngines(
    { targets: Object.fromEntries(Object.entries(config.targets).filter(([name]) => !own[name])) },
    {
      fetch: home.fetch,
      ...(home.clusterCredentials ? { credentialsFor: home.clusterCredentials } : {}),
      lookupQuery: (id) => store.get(id),
      maxPageBytes: enginePageBytes(gatewayConfig.maxPageBytes),
    },
  );
  Object.assign(engines, clusters);
  for (const [name, o] of Object.entries(own)) engines[name] = o.engine;

  // ---- Bifrost's own events (docs/events.md): built where changes are applied, published by the home's publisher
  const events = home.events
    ? createEvents({ config: config.events, settings: eventSettings(config, trackingSettings(config).pricePerTerabyteUsd), publisher: home.events, log, lookup: (queryId) => store.get(queryId) })
    : noEvents;

  // ---- tracking: Athena's status API for Athena targets, the home's own engines' word for theirs
  const athenaStatus = once(() => new AthenaStatusApi(aws().athena));
  const tracking: TrackingDeps = {
    store,
    statusFor: (target) => (target === undefined ? undefined : athenaTargets.has(target) ? athenaStatus() : own[target]?.status),
    // The gateway's own poll timing: the sweeper never takes a client that still polls for gone.
    settings: trackingSettings(config, { pollTouchIntervalMs: gatewayConfig.pollTouchIntervalMs, pollWaitMs: gatewayConfig.pollWaitMs, waitingPollWaitMs: gatewayConfig.waitingPollWaitMs }),
    ...(events.enabled ? { events } : {}),
    log,
    ...(home.trackingMetrics ? { metrics: home.trackingMetrics } : {}),
  };

  // ---- routing and access rules follow run-time changes through one cached read of the config table
  const configStore = configStoreWithEvents(new DynamoConfigStore(dynamo, tables.config, config), config, events);
  const configSource = cachedConfigSource({ base: config, store: configStore, onProblem: (message, detail) => log.warn(message, detail) });
  const runtimeAccess = overrides.accessControl ? undefined : runtimeAccessControl(config, configSource);
  const access = runtimeAccess?.control;
  const accessControl = overrides.accessControl ?? access ?? allowAll;
  const healthStore = healthStoreWithEvents(new DynamoHealthStore(dynamo, tables.config), events);
  const clusterTargets = clusterHealthTargets(config);
  const users = new DynamoUserStore(dynamo, tables.users);
  const analyzer = overrides.analyzer ?? trinoAnalyzer;
  const authDeps = {
    userStore: users,
    tokenVerifiers: home.tokenVerifiers,
    ...(home.albArn ? { albArn: home.albArn } : {}),
    ...(access ? { canImpersonate: (who: string, as: string) => access.canImpersonate(who, as).allowed } : {}),
    log,
  };
  const depthSamples = new DynamoDepthSamples(dynamo, tables.config);

  // ---- catalog answers: the home's own engines' catalogs, Glue and Athena for Athena targets
  const visibility = tableVisibility(accessControl);
  const metadataByTarget = new Map<string, MetadataService>();
  const athenaMetadata = once(() => createMetadataService({ source: awsMetadataSource({ catalogs: config.catalogs, glue: aws().glue, athena: aws().athena }), canSee: visibility, version: gatewayConfig.version }));
  const ownMetadata = new Map<MetadataSource, MetadataService>();
  const metadataFor = (target: string): MetadataService | undefined => {
    const known = metadataByTarget.get(target);
    if (known) return known;
    const source = own[target]?.metadata;
    let service: MetadataService | undefined;
    if (source) {
      service = ownMetadata.get(source) ?? createMetadataService({ source, canSee: visibility, version: gatewayConfig.version });
      ownMetadata.set(source, service);
    } else if (athenaTargets.has(target)) service = athenaMetadata();
    if (service) metadataByTarget.set(target, service);
    return service;
  };

  // Budgets follow run-time changes through the same cached read of the config table as routing.
  const budgetGate = once(() =>
    createBudgetGate({
      budgets: async () => (await configSource.current()).config.budgets,
      spend,
      billed: (target) => tracking.settings.pricePerTerabyteUsd(target) !== undefined,
      pricePerTerabyteUsd: config.gateway.pricePerTerabyteUsd,
      ...(events.enabled ? { events } : {}),
    }),
  );

  const gateway = once(() => {
    const health = storedTargetHealth(healthStore, { clusters: Object.keys(clusterTargets) });
    const router =
      overrides.router ??
      createRouter({
        config: configSource,
        depths: store,
        slots: store.slots,
        health,
        ...(access ? { allowed: (principal, target, group) => access.canUseTarget(principal, target, group).allowed } : {}),
      });
    // A submit that never reached a cluster marks it unhealthy at once, for every instance; then
    // this instance reads health again so that its next routing already skips it.
    const targetUnreachable = async (target: string, detail: string): Promise<void> => {
      const spec = clusterTargets[target];
      if (!spec) return;
      if (await markUnreachable(healthStore, target, spec, detail, Date.now())) await health.refresh();
    };
    const deps: GatewayDeps = {
      config: { ...gatewayConfig, pageTokenKey: overrides.gateway?.pageTokenKey ?? key() },
      store,
      engineFor: (target) => engines[target],
      router,
      // The waiting room finds slots given back by other instances with the limits routing uses.
      ...(overrides.router ? {} : { slots: store.slots, queueLimit: async (target: string) => queueLimitOf((await configSource.current()).config, target) }),
      authenticator: overrides.authenticator ?? createAuthenticator(config, authDeps, { mode }),
      accessControl,
      analyzer,
      ...(runtimeAccess ? { refreshAccess: runtimeAccess.refresh } : {}),
      metadataFor,
      targetUnreachable,
      ...(events.enabled ? { events } : {}),
      ...(home.segments ? { segments: home.segments } : {}),
      accounting: { pricePerTerabyteUsd: (t) => tracking.settings.pricePerTerabyteUsd(t), tracksStatistics: (t) => Boolean(tracking.statusFor(t)) },
      budgets: budgetGate(),
      log,
    };
    return createGateway(deps);
  });

  const admin = once(() =>
    createAdminApi({
      config,
      mode,
      configStore,
      history: store,
      depths: store,
      health: healthStore,
      users,
      audit: new DynamoAuditLog(dynamo, tables.config),
      authenticator: overrides.authenticator ?? createAuthenticator(config, authDeps, { mode, endpoint: 'admin' }),
      analyzer,
      sessionKey: key(),
      onChange: () => configSource.invalidate(),
      // A kill takes the gateway's own cancel path, as a client's DELETE does.
      cancelQuery: async (queryId, by) => {
        const { reason, error } = adminKill(by);
        try {
          return outcomeOf(await gateway().cancel(queryId, reason, error));
        } catch (cause) {
          if (cause instanceof GatewayError) return { outcome: 'unavailable', message: cause.message };
          throw cause;
        }
      },
      depthSamples,
      spend,
      budgets: budgetGate(),
    }),
  );

  async function periodic(): Promise<PeriodicReport> {
    const swept = await sweep(tracking);
    const health = Object.keys(clusterTargets).length ? await checkClusterHealth({ targets: clusterTargets, probe: engineProbe(clusters), store: healthStore, log }) : [];
    let depths: DepthSample | undefined;
    try {
      depths = await sampleDepths(Object.keys(config.targets), store, depthSamples, Date.now());
      for (const [target, depth] of Object.entries(depths.depths)) home.queueDepthMetric?.(target, depth.queued + depth.running);
      // Slot counters against the items they count (a slot never given back, by a process that died).
      if (!overrides.router) await repairSlots(depths);
    } catch (error) {
      log.warn('queue depth sample failed', { error: String(error) });
    }
    let segments: number | undefined;
    if (home.segments) {
      segments = await sweepSegments(home.segments, Date.now(), gatewayConfig.spooling).catch((error: unknown) => {
        log.warn('spooled segment sweep failed', { error: String(error) });
        return undefined;
      });
    }
    return { sweep: swept, health, ...(depths ? { depths } : {}), ...(segments !== undefined ? { segments } : {}) };
  }

  async function repairSlots(sample: DepthSample): Promise<void> {
    for (const [target, depth] of Object.entries(sample.depths)) {
      const outcome = await store.slots.repair(target, depth.queued + depth.running);
      if (outcome === 'repaired') log.warn('queue slot counter repaired', { target, active: depth.queued + depth.running });
    }
  }

  function capabilities(): Capabilities {
    const targets = Object.fromEntries(
      Object.keys(config.targets).map((t) => [t, { engine: Boolean(engines[t]), catalogAnswers: Boolean(metadataFor(t)), tracked: Boolean(tracking.statusFor(t)) || Boolean(clusters[t]), healthChecked: t in clusterTargets }]),
    );
    return { maxPageBytes: gatewayConfig.maxPageBytes, targets };
  }

  return { config, store, engines, tracking, events, gateway, admin, periodic, capabilities };
}
