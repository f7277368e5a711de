/**
 * The statement function's cold start: a new Node.js process (with the functions' NODE_OPTIONS)
 * imports the bundle as deployed and answers its first statement, `POST /v1/statement` `SELECT 1`
 * as an ALB event. Target: under 600 ms from the process's start to that answer.
 *
 * The bundle is built by the stack's own construct (GatewayFunction: esbuild with the functions'
 * options, the parser snapshot written next to the handler), synthesized into a temporary folder.
 * Its init and its first statement run for real against local stand-ins started in this process:
 * DynamoDB is dynalite; Secrets Manager (the page-token key) and Athena (StartQueryExecution,
 * the target of SELECT 1) are a loopback HTTP server answering as those services do. What is
 * not measured: the network to AWS, Lambda's own start-up (the runtime, the download of the code).
 *
 * Cases, interleaved, each in fresh processes (5 rounds after a warm-up round):
 * - `deployed`: the bundle with its parser snapshot;
 * - `warmUp`: the same bundle without the snapshot, so its init runs the parser's warm-up (the
 *   cold start before the snapshot);
 * - `floor`: the same driver importing a module that answers at once (Node.js's own start-up,
 *   the floor no bundle goes below);
 * - `withoutSourceMaps`: the deployed bundle without `--enable-source-maps` in NODE_OPTIONS: what
 *   the functions' source-mapped stack traces cost each cold start (they keep them).
 * Figures per case: `...TotalMs` from the process's start to the first answer (performance.now()
 * in the child, whose origin is the process's start), `...ImportMs` the import (init), `...FirstMs`
 * the first statement, `...CpuMs` the child's user + system time, `...WallMs` the whole process
 * seen from here (its exit included).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import type { BenchResult } from './run.js';
import { interleave, round, type Figures } from './stats.js';
import { FUNCTION_NODE_OPTIONS, GatewayFunction } from '../lib/constructs/gateway-function.js';
import { LAMBDA_NODE_OPTIONS } from '../lib/lambda-node-options.js';
import { ENV, HANDLERS, PARSER_SNAPSHOT_FILE } from '../lambdas/contract.js';
import { configTableDefinition, usersTableDefinition } from '../lambdas/adapters/aws/tables.js';
import { startLocalDynamo, type LocalDynamo } from '../lambdas/local/dynamo.js';

const TARGET_MS = 600;
const REPETITIONS = 5;
const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** The child: imports the module, sends one ALB event, checks the answer, prints its figures. */
const DRIVER = `
import { performance } from 'node:perf_hooks';
const start = performance.now();
const mod = await import(process.argv[2]);
const imported = performance.now();
const event = {
  requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bifrost/0123456789abcdef' } },
  httpMethod: 'POST', path: '/v1/statement', multiValueQueryStringParameters: {},
  multiValueHeaders: { host: ['bifrost.example'], 'x-forwarded-proto': ['https'], 'x-forwarded-port': ['443'], 'x-trino-user': ['alice'], 'x-forwarded-for': ['198.51.100.7'] },
  body: Buffer.from('SELECT 1').toString('base64'), isBase64Encoded: true,
};
const context = { functionName: 'bifrost-statement', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bifrost-statement', memoryLimitInMB: '1769', awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678', logGroupName: '/aws/lambda/bifrost-statement', logStreamName: 'cold-start', callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000 };
const result = await mod.handler(event, context);
const answered = performance.now();
const page = JSON.parse(result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body);
if (result.statusCode !== 200 || page.error || !page.nextUri) throw new Error('not a queued query: ' + result.statusCode + ' ' + JSON.stringify(page).slice(0, 300));
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ state: page.stats.state, importMs: imported - start, firstMs: answered - imported, totalMs: answered, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\\n');
process.exit(0);
`;

/** The module the floor imports: a handler that answers at once. */
const FLOOR = `export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ nextUri: 'next', stats: { state: 'QUEUED' } }) });\n`;

/** Builds the statement function's bundle with the stack's construct; returns the asset folder. */
function buildBundle(outdir: string): string {
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': ['**'] } });
  const stack = new Stack(app, 'ColdStart', { env: { region: 'us-east-1', account: '123456789012' } });
  new GatewayFunction(stack, 'Statement', {
    entry: join(projectRoot, HANDLERS.statement),
    projectRoot,
    depsLockFilePath: join(projectRoot, 'package-lock.json'),
    description: 'cold start',
    serviceName: 'bifrost-statement',
    parserSnapshot: true,
  });
  app.synth();
  const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'index.mjs')));
  if (assets.length !== 1) throw new Error(`expected one bundle in the synthesized app, found ${assets.length}`);
  return join(outdir, assets[0]!);
}

/** Secrets Manager and Athena as far as the statement function's init and first statement use them. */
async function awsStandIn(): Promise<{ server: Server; url: string; calls: Map<string, number> }> {
  const calls = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? `${req.method} ${req.url}`);
      calls.set(target, (calls.get(target) ?? 0) + 1);
      const answers: Record<string, unknown> = {
        'secretsmanager.GetSecretValue': { SecretString: 'k'.repeat(48) },
        'AmazonAthena.StartQueryExecution': { QueryExecutionId: '0f1e2d3c-0000-4000-8000-000000000001' },
      };
      const body = answers[target];
      res.writeHead(body ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body ?? { __type: 'UnknownOperationException', message: target }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

function childEnvironment(dynamo: LocalDynamo, awsUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
    [ENV.QUERIES_TABLE]: dynamo.tables.queries,
    [ENV.CONFIG_TABLE]: 'bifrost-config',
    [ENV.USERS_TABLE]: 'bifrost-users',
    [ENV.PAGE_TOKEN_SECRET_ARN]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bifrost-key',
    [ENV.CONFIG_JSON]: JSON.stringify({ version: 1, auth: { methods: [{ type: 'header' }] }, targets: { adhoc: { type: 'athena', workgroup: 'adhoc' } }, routingGroups: { main: { targets: ['adhoc'] } }, defaultRoutingGroup: 'main' }),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL: awsUrl,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    POWERTOOLS_SERVICE_NAME: 'bifrost-statement',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** One fresh process: its own figures, and its wall time seen from here. */
function coldStart(driver: string, module: string, env: NodeJS.ProcessEnv, name: string): Promise<Figures> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // Asynchronous: this process serves the stand-ins the child calls.
    execFile(process.execPath, [driver, module], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const wall = performance.now() - started;
      if (error) return reject(new Error(`${name}: ${error.message} ${stderr}`));
      if (stderr.trim()) return reject(new Error(`${name} wrote to stderr: ${stderr.trim().slice(0, 300)}`));
      const out = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
      resolve({ [`${name}TotalMs`]: out.totalMs!, [`${name}ImportMs`]: out.importMs!, [`${name}FirstMs`]: out.firstMs!, [`${name}CpuMs`]: out.cpuMs!, [`${name}WallMs`]: wall });
    });
  });
}

export default async function bench(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bifrost-cold-start-'));
  const dynamo = await startLocalDynamo([configTableDefinition('bifrost-config'), usersTableDefinition('bifrost-users')]);
  const aws = await awsStandIn();
  try {
    const buildStarted = performance.now();
    const bundle = buildBundle(join(dir, 'out'));
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    if (!existsSync(join(bundle, PARSER_SNAPSHOT_FILE))) throw new Error('the bundle has no parser snapshot');
    // The same bundle without its snapshot: the handler warms the parser up instead.
    const bareDir = join(dir, 'bare-bundle');
    mkdirCopy(bundle, bareDir, (f) => f !== PARSER_SNAPSHOT_FILE);
    const driver = join(dir, 'driver.mjs');
    writeFileSync(driver, DRIVER);
    const floor = join(dir, 'floor.mjs');
    writeFileSync(floor, FLOOR);
    const env = childEnvironment(dynamo, aws.url);
    const runs = await interleave(
      {
        deployed: () => coldStart(driver, join(bundle, 'index.mjs'), env, 'deployed'),
        warmUp: () => coldStart(driver, join(bareDir, 'index.mjs'), env, 'warmUp'),
        floor: () => coldStart(driver, floor, env, 'floor'),
        withoutSourceMaps: () => coldStart(driver, join(bundle, 'index.mjs'), { ...env, NODE_OPTIONS: LAMBDA_NODE_OPTIONS }, 'withoutSourceMaps'),
      },
      { repetitions: REPETITIONS, warmup: 1 },
    );
    // Paired by round: the deployed bundle's time as a share of the warm-up's, its CPU time, and what
    // its source maps cost.
    runs.derive('deployedShareOfWarmUpTotalPct', (get) => (100 * get('deployedTotalMs')) / get('warmUpTotalMs'));
    runs.derive('deployedShareOfWarmUpCpuPct', (get) => (100 * get('deployedCpuMs')) / get('warmUpCpuMs'));
    runs.derive('sourceMapsCostTotalMs', (get) => get('deployedTotalMs') - get('withoutSourceMapsTotalMs'));
    const unexpected = [...aws.calls.keys()].filter((k) => k !== 'secretsmanager.GetSecretValue' && k !== 'AmazonAthena.StartQueryExecution');
    if (unexpected.length) throw new Error(`the stand-in was asked for what it does not answer: ${unexpected.join(', ')}`);
    const { figures, spreads, repetitions } = runs.report(1);
    const total = figures.deployedTotalMs!;
    return {
      title: `Cold start of the statement function: a new process (NODE_OPTIONS "${FUNCTION_NODE_OPTIONS}") imports the bundle the stack builds and answers POST /v1/statement SELECT 1 (DynamoDB on dynalite, Secrets Manager and Athena stand-ins on loopback); with its parser snapshot, without it (the warm-up), without --enable-source-maps, and the floor (a module that answers at once)`,
      figures: {
        ...figures,
        bundleKB: Math.round(statSync(join(bundle, 'index.mjs')).size / 1024),
        parserSnapshotKB: Math.round(statSync(join(bundle, PARSER_SNAPSHOT_FILE)).size / 1024),
        buildSeconds: round(buildSeconds, 1),
      },
      spreads,
      repetitions,
      // Wall time on a shared machine counts the time other processes had the cores; the child's
      // CPU time does not, and is reported beside it.
      targets: [{ name: `first answer under ${TARGET_MS} ms`, met: total < TARGET_MS, detail: `median ${total} ms from the process's start to the answer of SELECT 1, ${figures.deployedCpuMs} ms of CPU (without the snapshot ${figures.warmUpTotalMs} ms, ${figures.warmUpCpuMs} ms of CPU; without source maps ${figures.withoutSourceMapsTotalMs} ms; floor ${figures.floorTotalMs} ms)` }],
    };
  } finally {
    aws.server.close();
    await dynamo.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Copies a folder's files (not its subfolders) that `keep` accepts. */
function mkdirCopy(from: string, to: string, keep: (file: string) => boolean): void {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) if (keep(f) && statSync(join(from, f)).isFile()) copyFileSync(join(from, f), join(to, f));
}
