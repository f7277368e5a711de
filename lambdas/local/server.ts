import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, fromNodeRequest, writeNodeResponse } from '../adapters/http/node.js';
import { DynamoQueryStore } from '../adapters/aws/dynamo-query-store.js';
import { DynamoConfigStore } from '../adapters/aws/dynamo-config-store.js';
import { DynamoUserStore } from '../adapters/aws/dynamo-user-store.js';
import { DynamoHealthStore } from '../adapters/aws/dynamo-health-store.js';
import { configTableDefinition, usersTableDefinition } from '../adapters/aws/tables.js';
import { awsTokenVerifiers } from '../adapters/auth/token-verifiers.js';
import { createAuthenticator } from '../core/auth/index.js';
import { createAdminApi, type AdminApi } from '../core/admin/api.js';
import type { AuditLog } from '../core/admin/audit.js';
import { adminKill, outcomeOf } from '../core/admin/cancel.js';
import { sampleDepths } from '../core/admin/depth-samples.js';
import { DynamoDepthSamples } from '../adapters/aws/dynamo-depth-samples.js';
import { GatewayError } from '../core/errors.js';
import { staticAssets } from '../adapters/http/static-assets.js';
import { DynamoAuditLog } from '../adapters/aws/dynamo-audit-log.js';
import { parseConfigText, type BifrostConfig } from '../core/config/schema.js';
import type { Engine, GatewayRequest, AccessControl, Analyzer, Authenticator, Router } from '../core/ports/index.js';
import { checkClusterHealth, clusterHealthTargets, createClusterEngines, engineProbe, storedTargetHealth } from '../core/engines/cluster/index.js';
import { createGateway, DEFAULT_GATEWAY_CONFIG, type GatewayConfig, type GatewayDeps, type Logger } from '../core/gateway/index.js';
import { textResponse } from '../core/http.js';
import { fileURLToPath } from 'node:url';
import { allowAll } from '../core/acl/allow-all.js';
import { singleTargetRouter } from '../core/routing/router.js';
import { cachedConfigSource, createRouter } from '../core/routing/index.js';
import { runtimeAccessControl } from '../core/acl/index.js';
import { trinoAnalyzer } from '../core/sql/index.js';
import { applyStateChange, engineStateChangeEvent, engineStatus, sweep, trackingSettings, type TrackingDeps } from '../core/tracking/index.js';
import { DuckDbEngine } from './duckdb-engine.js';
import { DuckDbMetadataSource } from './duckdb-metadata.js';
import { createMetadataService, tableVisibility } from '../core/metadata/index.js';
import { startLocalDynamo, type LocalDynamo } from './dynamo.js';

export interface LocalServerOptions {
  port?: number;
  host?: string;
  /** Targets, routing and auth; by default config/local.yaml (the embedded DuckDB engine). */
  config?: BifrostConfig;
  /**
   * Engines by target name, replacing those the config would build. Without a `config`, these are
   * the only engines, and queries go to the first one (tests, Athena local mode).
   */
  engines?: Record<string, Engine>;
  gateway?: Partial<GatewayConfig>;
  router?: Router;
  authenticator?: Authenticator;
  accessControl?: AccessControl;
  analyzer?: Analyzer;
  /** TLS key and certificate (PEM) to serve HTTPS, as JDBC needs for passwords. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** How often the sweeper runs (reconciliation, abandoned queries, cluster health). */
  sweepIntervalMs?: number;
  /** How long the local engine keeps a finished query's results after their last read (default 2 minutes). */
  engineResultTtlMs?: number;
  /** The built admin page (vite build of lambdas/admin-ui); default lambdas/admin-ui/dist. */
  adminPageDir?: string;
  log?: Logger;
}

export interface LocalServer {
  url: string;
  port: number;
  config: BifrostConfig;
  store: DynamoQueryStore;
  dynamo: LocalDynamo;
  engines: Record<string, Engine>;
  admin: AdminApi;
  audit: AuditLog;
  /** Runs the sweeper once, as the schedule would. */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

export const LOCAL_TABLES = { config: 'bifrost-config', users: 'bifrost-users' } as const;

export function defaultLocalConfig(): BifrostConfig {
  return parseConfigText(readFileSync(new URL('../../config/local.yaml', import.meta.url), 'utf8'));
}

const silent: Logger = { info() {}, warn() {}, error() {} };

/**
 * Bifrost on localhost: the same core as the Lambda functions, behind node:http, with DynamoDB's
 * API served in-process by dynalite, the embedded DuckDB engine, and the state-change handler and
 * sweeper fed by the local engine's own events.
 */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const config = options.config ?? defaultLocalConfig();
  const log = options.log ?? silent;
  const dynamo = await startLocalDynamo([configTableDefinition(LOCAL_TABLES.config), usersTableDefinition(LOCAL_TABLES.users)]);
  const store = new DynamoQueryStore(dynamo.client, dynamo.tables.queries);
  const gatewayConfig: GatewayConfig = {
    ...DEFAULT_GATEWAY_CONFIG,
    environment: config.gateway.environment,
    maxPageBytes: 4_000_000,
    pollWaitMs: config.gateway.pollWaitMs,
    historyRetentionDays: config.gateway.historyRetentionDays,
    pageTokenKey: randomBytes(32),
    ...(config.gateway.publicUrl ? { publicBaseUrl: config.gateway.publicUrl } : {}),
    ...options.gateway,
  };

  // State changes are delivered a little later, as EventBridge would; close() waits for those in
  // flight and drops those not yet due, so no write reaches the store after it has stopped.
  const pendingTimers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  const deliverLater = (deliver: () => Promise<unknown>) => {
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      const delivery = deliver().finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
    }, 50);
    pendingTimers.add(timer);
  };

  // Tracking: the local engine's state changes go through the same handler as Athena's events.
  let duck: DuckDbEngine | undefined;
  const tracking: TrackingDeps = {
    store,
    statusFor: (target) => (duck && target && config.targets[target]?.type === 'duckdb' ? localStatus : undefined),
    settings: trackingSettings(config),
    log,
  };
  const localStatus = engineStatus({ lookup: (id) => duck?.status(id), cancel: (id) => duck?.cancel(id) ?? Promise.resolve() });
  const onlyGivenEngines = Boolean(options.engines && !options.config);
  const needsDuck = !onlyGivenEngines && Object.entries(config.targets).some(([name, t]) => t.type === 'duckdb' && !options.engines?.[name]);
  if (needsDuck) {
    duck = await DuckDbEngine.create({
      ...(options.engineResultTtlMs !== undefined ? { resultTtlMs: options.engineResultTtlMs } : {}),
      // Delivered a little later, as EventBridge would: the gateway's own record of a cancel wins.
      onStateChange: (change) => deliverLater(() => applyStateChange(tracking, engineStateChangeEvent(change)).catch((error) => log.warn('state change not applied', { error: String(error) }))),
    });
  }
  const clusters = createClusterEngines(onlyGivenEngines ? { targets: {} } : config, { fetch, lookupQuery: (id) => store.get(id), maxPageBytes: gatewayConfig.maxPageBytes });
  const engines: Record<string, Engine> = {};
  for (const [name, target] of Object.entries(config.targets)) {
    if (target.type === 'duckdb' && duck) engines[name] = duck;
    if (clusters[name]) engines[name] = clusters[name]!;
  }
  Object.assign(engines, options.engines);

  // Routing and access rules follow run-time changes (admin API, config store) through one cached source.
  const configStore = new DynamoConfigStore(dynamo.client, LOCAL_TABLES.config, config);
  const configSource = cachedConfigSource({ base: config, store: configStore, onProblem: (message, detail) => log.warn(message, detail) });
  const runtimeAccess = options.accessControl ? undefined : runtimeAccessControl(config, configSource);
  const access = runtimeAccess?.control;
  const accessControl = options.accessControl ?? access ?? allowAll;
  const healthStore = new DynamoHealthStore(dynamo.client, LOCAL_TABLES.config);
  const clusterTargets = clusterHealthTargets(config);
  const health = storedTargetHealth(healthStore, { clusters: Object.keys(clusterTargets) });
  const router =
    options.router ??
    (onlyGivenEngines ? singleTargetRouter(Object.keys(engines)[0]!) : undefined) ??
    createRouter({
      config: configSource,
      depths: store,
      health,
      ...(access ? { allowed: (principal, target, group) => access.canUseTarget(principal, target, group).allowed } : {}),
    });
  const userStore = new DynamoUserStore(dynamo.client, LOCAL_TABLES.users);
  // Token verifiers as in the AWS composition: jwt and alb-oidc methods verify signatures here too.
  const authDeps = { userStore, tokenVerifiers: awsTokenVerifiers(), ...(access ? { canImpersonate: (who: string, as: string) => access.canImpersonate(who, as).allowed } : {}), log };
  let authenticator: Authenticator;
  let adminAuthenticator: Authenticator;
  try {
    authenticator = options.authenticator ?? createAuthenticator(config, authDeps, { mode: 'local' });
    adminAuthenticator = options.authenticator ?? createAuthenticator(config, authDeps, { mode: 'local', endpoint: 'admin' });
  } catch (error) {
    // A config the methods cannot be built from (AuthSetupError): stop what was started, then say why.
    duck?.close();
    await dynamo.close();
    throw error;
  }

  const localMetadata = duck ? createMetadataService({ source: new DuckDbMetadataSource(duck), canSee: tableVisibility(accessControl), version: gatewayConfig.version }) : undefined;
  const deps: GatewayDeps = {
    config: gatewayConfig,
    store,
    engineFor: (target) => engines[target],
    router,
    authenticator,
    accessControl,
    analyzer: options.analyzer ?? trinoAnalyzer,
    ...(runtimeAccess ? { refreshAccess: runtimeAccess.refresh } : {}),
    metadataFor: (target) => (engines[target] === duck ? localMetadata : undefined),
    log,
  };
  const gateway = createGateway(deps);
  const audit = new DynamoAuditLog(dynamo.client, LOCAL_TABLES.config);
  const depthSamples = new DynamoDepthSamples(dynamo.client, LOCAL_TABLES.config);
  const admin = createAdminApi({
    config,
    mode: 'local',
    configStore,
    history: store,
    depths: store,
    health: healthStore,
    users: userStore,
    audit,
    authenticator: adminAuthenticator,
    analyzer: deps.analyzer!,
    sessionKey: randomBytes(32),
    onChange: () => configSource.invalidate(),
    // A kill from the admin page takes the gateway's own cancel path (as a client's DELETE).
    cancelQuery: async (queryId, by) => {
      const { reason, error } = adminKill(by);
      try {
        return outcomeOf(await gateway.cancel(queryId, reason, error));
      } catch (cause) {
        if (cause instanceof GatewayError) return { outcome: 'unavailable', message: cause.message };
        throw cause;
      }
    },
    depthSamples,
  });
  const adminPage = staticAssets(options.adminPageDir ?? fileURLToPath(new URL('../admin-ui/dist', import.meta.url)));
  const answer = async (request: GatewayRequest) => (await admin.handle(request)) ?? (await adminPage(request)) ?? gateway.handle(request);

  const runSweep = async () => {
    await sweep(tracking);
    // The dashboard's queue-depth chart: one sample per sweep.
    await sampleDepths(Object.keys(config.targets), store, depthSamples, Date.now()).catch((error) => log.warn('depth sample failed', { error: String(error) }));
    if (Object.keys(clusterTargets).length) await checkClusterHealth({ targets: clusterTargets, probe: engineProbe(clusters), store: healthStore, log });
  };
  const sweeper = setInterval(() => runSweep().catch((error) => log.warn('sweep failed', { error: String(error) })), options.sweepIntervalMs ?? 30_000);
  sweeper.unref();

  const secure = Boolean(options.tls);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? 'GET').toUpperCase();
    fromNodeRequest(req, secure)
      .then(answer)
      .catch((error) => (error instanceof BodyTooLargeError ? textResponse(413, error.message) : textResponse(400, 'Bad request')))
      .then((response) => writeNodeResponse(res, response, method))
      .catch(() => res.destroy());
  };
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createHttpServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `${secure ? 'https' : 'http'}://${host}:${port}`,
    port,
    config,
    store,
    dynamo,
    engines,
    admin,
    audit,
    sweep: runSweep,
    close: async () => {
      clearInterval(sweeper);
      for (const timer of pendingTimers) clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      duck?.close();
      await dynamo.close();
    },
  };
}
