import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { awsTokenVerifiers } from '../adapters/auth/token-verifiers.js';
import { athenaClientsFromEnv } from '../adapters/aws/athena/local.js';
import { DynamoAuditLog } from '../adapters/aws/dynamo-audit-log.js';
import type { DynamoQueryStore } from '../adapters/aws/dynamo-query-store.js';
import { configTableDefinition, usersTableDefinition } from '../adapters/aws/tables.js';
import { BodyTooLargeError, fromNodeRequest, writeNodeResponse } from '../adapters/http/node.js';
import { staticAssets } from '../adapters/http/static-assets.js';
import { composeBifrost, type AwsClients, type Bifrost, type Capabilities, type OwnEngine } from '../compose/bifrost.js';
import type { AdminApi } from '../core/admin/api.js';
import type { AuditLog } from '../core/admin/audit.js';
import { parseConfigText, type BifrostConfig } from '../core/config/schema.js';
import type { GatewayConfig, Logger } from '../core/gateway/index.js';
import { textResponse } from '../core/http.js';
import type { AccessControl, Analyzer, Authenticator, Engine, GatewayRequest, Router } from '../core/ports/index.js';
import { singleTargetRouter } from '../core/routing/router.js';
import { applyStateChange, engineStateChangeEvent, engineStatus } from '../core/tracking/index.js';
import { TRACKED_ATHENA_STATES } from '../contract.js';
import { DuckDbEngine } from './duckdb-engine.js';
import { DuckDbMetadataSource } from './duckdb-metadata.js';
import { startLocalDynamo, type LocalDynamo } from './dynamo.js';
import { localEventPublisher, withLocalEvents, type LocalEventSink } from './event-sink.js';
import { MemorySegmentStore } from './segment-store.js';

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
  /**
   * A folder that keeps history, users, run-time rules and the audit trail, and the local engine's
   * `memory` catalog (its tables and views), across restarts (default: nothing kept; the tables
   * in a temporary folder removed at close, the catalog in memory).
   */
  dataDir?: string;
  /** Clients for Athena targets (default: the user's credentials and region from the environment). */
  aws?: () => AwsClients;
  log?: Logger;
  /** Publish Bifrost's events to this sink (switches them on); default: the config's events section. */
  events?: LocalEventSink;
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
  /** Spooled result segments (the spooling protocol), served by the gateway itself. */
  segments: MemorySegmentStore;
  /** Runs the sweeper once, as the schedule would. */
  sweep(): Promise<void>;
  /** What the composition can do per target (the deployed functions must agree for the same config). */
  capabilities(): Capabilities;
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
  const config = withLocalEvents(options.config ?? defaultLocalConfig(), options.events);
  const log = options.log ?? silent;
  const events = localEventPublisher(config, { log });
  // Without a data folder the tables live in a temporary folder, out of the heap: every query adds to the history.
  const dynamo = await startLocalDynamo([configTableDefinition(LOCAL_TABLES.config), usersTableDefinition(LOCAL_TABLES.users)], options.dataDir ? { dataDir: options.dataDir } : { temporary: true });

  // State changes are delivered a little later, as EventBridge would; close() waits for those in
  // flight and drops those not yet due, so no write reaches the store after it has stopped.
  const pendingTimers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  let closing = false;
  const deliverLater = (deliver: () => Promise<unknown>) => {
    // A query that ends while the server closes (a request still being answered) is not tracked.
    if (closing) return;
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      const delivery = deliver().finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
    }, 50);
    pendingTimers.add(timer);
  };

  // The home's own engines: the embedded DuckDB for duckdb targets, and engines a caller gives.
  const onlyGivenEngines = Boolean(options.engines && !options.config);
  const needsDuck = !onlyGivenEngines && Object.entries(config.targets).some(([name, t]) => t.type === 'duckdb' && !options.engines?.[name]);
  let bifrost: Bifrost | undefined;
  const duck = needsDuck
    ? await DuckDbEngine.create({
        ...(options.engineResultTtlMs !== undefined ? { resultTtlMs: options.engineResultTtlMs } : {}),
        // The engine's `memory` catalog keeps its tables in a file of its own in the data folder.
        ...(options.dataDir ? { dataDir: join(options.dataDir, 'duckdb') } : {}),
        // Through the same state-change handler as Athena's events; the gateway's own record of a cancel wins.
        onStateChange: (change) => {
          // As the deployed rule delivers them: the ends of queries only (TRACKED_ATHENA_STATES).
          const event = engineStateChangeEvent(change);
          if (!(TRACKED_ATHENA_STATES as readonly string[]).includes(event.detail.currentState)) return;
          deliverLater(() => applyStateChange(bifrost!.tracking, event).catch((error) => log.warn('state change not applied', { error: String(error) })));
        },
      })
    : undefined;
  const ownEngines: Record<string, OwnEngine> = {};
  if (duck) {
    const local: OwnEngine = { engine: duck, metadata: new DuckDbMetadataSource(duck), status: engineStatus({ lookup: (id) => duck.status(id), cancel: (id) => duck.cancel(id) }) };
    for (const [name, t] of Object.entries(config.targets)) if (t.type === 'duckdb') ownEngines[name] = local;
  }
  for (const [name, engine] of Object.entries(options.engines ?? {})) ownEngines[name] = { engine };
  const segments = new MemorySegmentStore();

  try {
    bifrost = composeBifrost({
      mode: 'local',
      config,
      dynamo: dynamo.client,
      tables: { queries: dynamo.tables.queries, config: LOCAL_TABLES.config, users: LOCAL_TABLES.users },
      key: randomBytes(32),
      // Athena targets run with the user's own credentials and region (AWS_REGION, AWS_PROFILE, ...).
      aws: options.aws ?? (() => athenaClientsFromEnv(process.env)),
      ownEngines,
      fetch,
      tokenVerifiers: awsTokenVerifiers(),
      segments,
      ...(events ? { events } : {}),
      log,
      overrides: {
        ...(options.gateway ? { gateway: options.gateway } : {}),
        ...(options.router ? { router: options.router } : onlyGivenEngines ? { router: singleTargetRouter(Object.keys(ownEngines)[0]!) } : {}),
        ...(options.authenticator ? { authenticator: options.authenticator } : {}),
        ...(options.accessControl ? { accessControl: options.accessControl } : {}),
        ...(options.analyzer ? { analyzer: options.analyzer } : {}),
      },
    });
    // Built now, so a config whose auth methods cannot be built is refused at start (AuthSetupError).
    bifrost.gateway();
    bifrost.admin();
  } catch (error) {
    duck?.close();
    await dynamo.close();
    throw error;
  }
  const gateway = bifrost.gateway();
  const admin = bifrost.admin();
  const adminPage = staticAssets(options.adminPageDir ?? fileURLToPath(new URL('../admin-ui/dist', import.meta.url)));
  const answer = async (request: GatewayRequest) => (await admin.handle(request)) ?? (await adminPage(request)) ?? gateway.handle(request);

  // The sweep under way, if any: close() lets it finish before the store stops.
  let sweeping: Promise<unknown> | undefined;
  const runSweep = async () => {
    const sweep = bifrost!.periodic();
    sweeping = sweep;
    try {
      await sweep;
    } finally {
      if (sweeping === sweep) sweeping = undefined;
    }
  };
  const sweeper = setInterval(() => runSweep().catch((error) => log.warn('sweep failed', { error: String(error) })), options.sweepIntervalMs ?? 30_000);
  sweeper.unref();

  const secure = Boolean(options.tls);
  // Requests being answered: close() lets them finish before the store and the engine stop.
  const answering = new Set<Promise<unknown>>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const done = fromNodeRequest(req, secure)
      .then(answer)
      .catch((error) => (error instanceof BodyTooLargeError ? textResponse(413, error.message) : textResponse(400, 'Bad request')))
      .then((response) => writeNodeResponse(res, response, method))
      .catch(() => res.destroy())
      .finally(() => answering.delete(done));
    answering.add(done);
  };
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createHttpServer(handler);
  server.keepAliveTimeout = 65_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (error) {
    // A port in use: stop what was started, then say why.
    clearInterval(sweeper);
    duck?.close();
    await dynamo.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `${secure ? 'https' : 'http'}://${host}:${port}`,
    port,
    config,
    store: bifrost.store,
    dynamo,
    engines: bifrost.engines,
    admin,
    audit: new DynamoAuditLog(dynamo.client, LOCAL_TABLES.config),
    segments,
    sweep: runSweep,
    capabilities: () => bifrost!.capabilities(),
    close: async () => {
      clearInterval(sweeper);
      // No new requests; those under way (a poll held up to its wait) end before the store closes.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.race([Promise.allSettled([...answering]), new Promise((resolve) => setTimeout(resolve, 5_000))]);
      server.closeAllConnections();
      await closed;
      // Then the state changes: none is taken from now on, those in flight land, those not due are dropped.
      closing = true;
      for (const timer of pendingTimers) clearTimeout(timer);
      await Promise.allSettled([...inFlight, sweeping]);
      // What the last queries published reaches its sink before the server is gone.
      await bifrost!.events.flush(2_000);
      duck?.close();
      await dynamo.close();
    },
  };
}
