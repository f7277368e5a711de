/**
 * `npm start [-- options]`: Bifrost on localhost. `npm start -- --help` prints the options.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AuthSetupError, authSetupProblem } from '../core/auth/index.js';
import { ConfigError, parseConfigText, type BifrostConfig } from '../core/config/schema.js';
import { LOCAL_TABLES, startLocalServer, type LocalServerOptions } from './server.js';
import { parseEventSink } from './event-sink.js';
import { loadTlsOptions } from './tls.js';

const USAGE = `Usage: npm start -- [options]

Bifrost on localhost: the Presto/Trino protocol, the admin page at /admin/, and the admin API.

Options:
  --config FILE            targets, routing, auth and access rules (default config/local.yaml:
                           the embedded DuckDB engine over the TPC-H tiny sample)
  --athena-workgroup NAME  send queries to this Athena workgroup, with your own AWS credentials
                           and region (AWS_ENDPOINT_URL_ATHENA / _S3 point at another endpoint)
  --tls-cert FILE --tls-key FILE
                           serve HTTPS (JDBC sends passwords and tokens over HTTPS only)
  --port N, --host H       where to listen (default PORT or 8080, on 127.0.0.1)
  --data DIR               keep history, users, run-time rules, the audit trail and the local
                           engine's memory catalog (tables and views written into memory.default)
                           in DIR across restarts (default: nothing is kept, a restart starts
                           afresh: history, users, rules and the audit trail go to a temporary
                           folder removed at exit, out of the server's memory, the memory catalog
                           stays in memory); the tpch sample is built anew at every start either way
  --events SINK            publish Bifrost's events (docs/events.md) to SINK: stdout (JSON lines),
                           a file path (JSON lines appended), or the http(s):// URL of an
                           EventBridge-compatible endpoint (PutEvents); default: the config's
                           events section (off unless events.enabled)
  --verbose                also log routine notes (state changes, sweeps)
  --help                   this text`;

function logLine(message: string, extra?: Record<string, unknown>): string {
  return extra && Object.keys(extra).length ? `${message} ${JSON.stringify(extra)}` : message;
}

// The local server runs on Node 20 too; the SDK's notice about its future Node 22 floor is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function fail(message: string): never {
  console.error(`bifrost: ${message}`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      config: { type: 'string' },
      'athena-workgroup': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      events: { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values;
} catch (error) {
  fail(`${(error as Error).message}\n\n${USAGE}`);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

let config: BifrostConfig | undefined;
try {
  if (args.config) config = parseConfigText(readFileSync(args.config, 'utf8'));
} catch (error) {
  fail(error instanceof ConfigError ? error.message : `cannot read ${args.config}: ${(error as Error).message}`);
}

// Methods the local server cannot build (alb-oidc without albArn: no load balancer here to name one) are refused before anything starts.
const authProblem = config && authSetupProblem(config, { userStore: true, tokenVerifiers: true }, 'local');
if (authProblem) fail(`${args.config}: ${authProblem}`);

const workgroup = args['athena-workgroup'];
if (workgroup && !config) {
  // One Athena target that every query goes to, with the catalog `hive` mapped to Glue's.
  config = parseConfigText(
    JSON.stringify({
      version: 1,
      catalogs: { hive: { athenaCatalog: 'AwsDataCatalog' } },
      targets: { athena: { type: 'athena', workgroup, managed: false } },
      routingGroups: { athena: { targets: ['athena'] } },
      defaultRoutingGroup: 'athena',
    }),
  );
}

if (Boolean(args['tls-cert']) !== Boolean(args['tls-key'])) fail('--tls-cert and --tls-key go together');
const options: LocalServerOptions = {
  port: Number(args.port ?? process.env.PORT ?? 8080),
  host: args.host ?? process.env.HOST ?? '127.0.0.1',
  ...(config ? { config } : {}),
  ...(args.data ? { dataDir: args.data } : {}),
  ...(args.events ? { events: parseEventSink(args.events) } : {}),
  // One line per message; routine tracking notes only with --verbose.
  log: {
    info: (m, e) => (args.verbose ? console.log(logLine(m, e)) : undefined),
    warn: (m, e) => console.warn(logLine(m, e)),
    error: (m, e) => console.error(logLine(m, e)),
  },
};
try {
  if (args['tls-cert'] && args['tls-key']) options.tls = loadTlsOptions(args['tls-cert'], args['tls-key']);
} catch (error) {
  fail((error as Error).message);
}
// Athena targets run with the user's own AWS credentials and Region: say so now, not at the first query.
const athenaTargets = Object.entries(config?.targets ?? {}).filter(([, t]) => t.type === 'athena').map(([name]) => name);
if (athenaTargets.length && !process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION && !process.env.AWS_PROFILE) {
  console.warn(`warning: Athena target${athenaTargets.length > 1 ? 's' : ''} ${athenaTargets.join(', ')} need${athenaTargets.length > 1 ? '' : 's'} AWS credentials and a Region (set AWS_REGION, and AWS_PROFILE or access keys); until then their queries fail`);
}
const server = await startLocalServer(options).catch((error: unknown) => {
  if (error instanceof AuthSetupError) fail(error.message);
  if ((error as NodeJS.ErrnoException)?.code === 'EADDRINUSE') fail(`port ${options.port} on ${options.host} is in use: stop what runs there, or start with --port N`);
  return Promise.reject(error);
});
if (!options.tls && config?.auth?.methods?.some((m) => m.type !== 'header')) {
  console.warn('warning: passwords and tokens are configured but the server is plain HTTP; JDBC and the Trino CLI send credentials over HTTPS only (use --tls-cert and --tls-key)');
}
console.log(`Bifrost is ready at ${server.url}`);
console.log(`  trino --server ${server.url} --catalog tpch --schema tiny --user $USER`);
console.log(`  admin page: ${server.url}/admin/   users: npx bifrost users list --endpoint ${server.dynamo.endpoint} --table ${LOCAL_TABLES.users}`);
console.log(args.data ? `  data kept in ${args.data}` : '  data not kept: history, users, run-time rules and memory.* tables start afresh on restart (--data DIR keeps them)');
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
