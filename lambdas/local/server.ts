import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, fromNodeRequest, writeNodeResponse } from '../adapters/http/node.js';
import { DynamoQueryStore } from '../adapters/aws/dynamo-query-store.js';
import type { Engine } from '../core/engines/engine.js';
import { createGateway, DEFAULT_GATEWAY_CONFIG, type GatewayConfig, type GatewayDeps, type Logger } from '../core/gateway.js';
import { textResponse } from '../core/http.js';
import { allowAll, headerAuthenticator, singleTargetRouter, type AccessControl, type Analyzer, type Authenticator, type Router } from '../core/ports.js';
import type { QueryStore } from '../core/stores/query-store.js';
import { DuckDbEngine } from './duckdb-engine.js';
import { startLocalDynamo, type LocalDynamo } from './dynamo.js';

export interface LocalServerOptions {
  port?: number;
  host?: string;
  /** Engines by target name; by default the embedded DuckDB engine as target `local`. */
  engines?: Record<string, Engine>;
  defaultTarget?: string;
  gateway?: Partial<GatewayConfig>;
  router?: Router;
  authenticator?: Authenticator;
  accessControl?: AccessControl;
  analyzer?: Analyzer;
  /** TLS key and certificate (PEM) to serve HTTPS, as JDBC needs for passwords. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  log?: Logger;
}

export interface LocalServer {
  url: string;
  port: number;
  store: QueryStore;
  dynamo: LocalDynamo;
  engines: Record<string, Engine>;
  close(): Promise<void>;
}

/**
 * Bifrost on localhost: the same core as the Lambda, behind node:http, with DynamoDB's API
 * served in-process by dynalite and the embedded DuckDB engine.
 */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const dynamo = await startLocalDynamo();
  const store = new DynamoQueryStore(dynamo.client, dynamo.tables.queries);
  let ownedEngine: DuckDbEngine | undefined;
  let engines = options.engines;
  if (!engines) {
    ownedEngine = await DuckDbEngine.create();
    engines = { local: ownedEngine };
  }
  const defaultTarget = options.defaultTarget ?? Object.keys(engines)[0]!;
  const deps: GatewayDeps = {
    config: { ...DEFAULT_GATEWAY_CONFIG, maxPageBytes: 4_000_000, pageTokenKey: randomBytes(32), ...options.gateway },
    store,
    engineFor: (target) => engines![target],
    router: options.router ?? singleTargetRouter(defaultTarget),
    authenticator: options.authenticator ?? headerAuthenticator,
    accessControl: options.accessControl ?? allowAll,
    ...(options.analyzer ? { analyzer: options.analyzer } : {}),
    ...(options.log ? { log: options.log } : {}),
  };
  const gateway = createGateway(deps);
  const secure = Boolean(options.tls);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? 'GET').toUpperCase();
    fromNodeRequest(req, secure)
      .then((request) => gateway.handle(request))
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
    store,
    dynamo,
    engines,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      ownedEngine?.close();
      await dynamo.close();
    },
  };
}
