/**
 * `npm start`: Bifrost on localhost with its embedded defaults (DuckDB over the TPC-H sample,
 * DynamoDB's API in-process). PORT sets the port (default 8080).
 */
import { startLocalServer } from './server.js';

// The local server runs on Node 20 too; the SDK's notice about its future Node 22 floor is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const server = await startLocalServer({
  port,
  host,
  log: {
    info: (m, e) => console.log(m, e ?? ''),
    warn: (m, e) => console.warn(m, e ?? ''),
    error: (m, e) => console.error(m, e ?? ''),
  },
});
console.log(`Bifrost is ready at ${server.url}`);
console.log(`  trino --server ${server.url} --catalog tpch --schema tiny`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
