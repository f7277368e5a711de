import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createGateway, DEFAULT_GATEWAY_CONFIG } from '../../../lambdas/core/gateway/index.js';
import type { Engine, EnginePage, GatewayRequest, GatewayResponse } from '../../../lambdas/core/ports/index.js';
import { createFileAccessControl } from '../../../lambdas/core/acl/index.js';
import { headerAuthenticator } from '../../../lambdas/core/auth/header.js';
import { singleTargetRouter } from '../../../lambdas/core/routing/router.js';
import { trinoAnalyzer } from '../../../lambdas/core/sql/index.js';
import { MemoryQueryStore } from '../../support/memory-store.js';

/**
 * Random requests against the protocol handler: methods, paths (real and forged nextUris),
 * headers (repeated, huge, malformed encodings, both dialects at once) and bodies (random bytes,
 * invalid UTF-8). Whatever comes in, the answer is never a 5xx and never a throw, errors have the
 * protocol's shape, and access rules still hold.
 */
const engine: Engine = {
  async submit() {
    return { handle: 'h', state: 'QUEUED' };
  },
  async poll(): Promise<EnginePage> {
    return { state: 'FINISHED', columns: [{ name: 'x', type: { kind: 'simple', name: 'bigint', params: [] } }], rows: [[1]] };
  },
  async cancel() {},
  async health() {
    return { healthy: true };
  },
};

function setup() {
  const store = new MemoryQueryStore();
  const gateway = createGateway({
    config: { ...DEFAULT_GATEWAY_CONFIG, pageTokenKey: 'k'.repeat(32), pollWaitMs: 0 },
    store,
    engineFor: (t) => (t === 'e' ? engine : undefined),
    router: singleTargetRouter('e'),
    authenticator: headerAuthenticator,
    analyzer: trinoAnalyzer,
    accessControl: createFileAccessControl({ tables: [{ table: 'secret', privileges: [] }, { privileges: ['SELECT'] }] }),
  });
  return { store, gateway };
}

const headerNames = ['x-trino-user', 'x-presto-user', 'x-trino-session', 'x-presto-session', 'x-trino-prepared-statement', 'x-trino-extra-credential', 'x-trino-catalog', 'x-trino-schema', 'x-trino-client-tags', 'x-trino-role', 'x-trino-resource-estimate', 'x-trino-transaction-id', 'x-trino-client-capabilities', 'x-trino-time-zone', 'accept-encoding', 'content-type'];
const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('%', '%zz', '%E0%A4%A', 'a=%', '=', 'a=b=c', 'x=$zstd:AAAA', 'x=$zstd:%%%', 'NONE', 'tpch', 'gzip', ',,,', 'name=' + 'v'.repeat(20_000)),
  fc.string({ unit: 'binary', maxLength: 30 }),
);
const randomHeaders = fc.dictionary(fc.constantFrom(...headerNames), fc.array(headerValue, { minLength: 1, maxLength: 3 }), { maxKeys: 8 });
// Most requests carry a user, so that they get past the first check and into the statement code.
const headers = fc.tuple(randomHeaders, fc.boolean(), fc.boolean()).map(([h, user, catalog]) => ({ ...(user ? { 'x-trino-user': ['ann'] } : {}), ...(catalog ? { 'x-trino-catalog': ['tpch'], 'x-trino-schema': ['tiny'] } : {}), ...h }));
const body = fc.oneof(
  fc.constantFrom('SELECT 1', 'SELECT * FROM secret', 'EXPLAIN SELECT * FROM tpch.tiny.secret', 'PREPARE p FROM SELECT * FROM secret', 'EXECUTE p', 'EXECUTE IMMEDIATE \'SELECT * FROM secret\'', 'USE tpch.tiny', 'SET SESSION a = 1', 'START TRANSACTION', '', '   ', 'SELEC', "SELECT 'unterminated"),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
);

function assertProtocolShape(response: GatewayResponse, request: GatewayRequest): void {
  expect(response.status, `${request.method} ${request.path}`).toBeLessThan(500);
  const type = response.headers['Content-Type']?.[0] ?? '';
  const text = Buffer.isBuffer(response.body) ? response.body.toString('utf8') : response.body;
  if (response.status === 200 && type.startsWith('application/json') && request.path.startsWith('/v1/statement')) {
    const json = JSON.parse(text) as { id?: string; infoUri?: string; stats?: { state?: string }; error?: { errorName?: string; errorType?: string; message?: string } };
    expect(json.id).toBeTypeOf('string');
    expect(json.infoUri).toBeTypeOf('string');
    expect(json.stats?.state).toBeTypeOf('string');
    if (json.error) {
      expect(json.error.errorName).toBeTypeOf('string');
      expect(json.error.errorType).toMatch(/^(USER_ERROR|INTERNAL_ERROR|INSUFFICIENT_RESOURCES|EXTERNAL)$/);
      expect(json.error.message).toBeTypeOf('string');
    }
  } else if (response.status >= 400) {
    expect(type).toMatch(/^text\/plain/);
  }
}

describe('protocol handler under random input', () => {
  it('never answers 5xx or throws for random POSTs, and never runs a statement on a forbidden table', async () => {
    const { gateway, store } = setup();
    const statuses: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(headers, body, async (h, sql) => {
        const request: GatewayRequest = { method: 'POST', path: '/v1/statement', query: {}, headers: h, body: Buffer.from(sql, 'latin1'), baseUrl: 'http://gw' };
        const response = await gateway.handle(request);
        assertProtocolShape(response, request);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status === 200) {
          const { id } = JSON.parse(String(response.body)) as { id: string };
          const record = await store.get(id);
          // A statement that reads `secret` is never handed to the engine.
          if (record?.engineHandle) expect(record.sql.toLowerCase()).not.toMatch(/\bsecret\b/);
        }
      }),
      { numRuns: 400 },
    );
    // The run reached the statement code, not only the header checks.
    expect(statuses[200] ?? 0).toBeGreaterThan(10);
  });

  it('never answers 5xx or throws for random methods, paths and forged nextUris', async () => {
    const { gateway } = setup();
    const real = await gateway.handle({ method: 'POST', path: '/v1/statement', query: {}, headers: { 'x-trino-user': ['ann'] }, body: Buffer.from('SELECT 1'), baseUrl: 'http://gw' });
    const nextUri = (JSON.parse(String(real.body)) as { nextUri: string }).nextUri;
    const realPath = new URL(nextUri).pathname;
    const segment = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('..', '%2e%2e', '%', 'queued', 'executing', '20240101_000000_00000_aaaaa'));
    const path = fc.oneof(
      fc.constantFrom('/v1/statement', '/v1/info', '/v1/info/state', '/v1/query/x', '/', '', '/ui/', realPath, realPath + 'x', realPath.replace(/.$/, 'A')),
      fc.array(segment, { maxLength: 6 }).map((parts) => '/' + parts.join('/')),
      fc.tuple(fc.constantFrom('queued', 'executing'), segment, segment, segment).map(([phase, a, b, c]) => `/v1/statement/${phase}/${a}/${b}/${c}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'DELETE', 'HEAD', 'PUT', 'PATCH', 'OPTIONS', 'TRACE', 'get', 'BREW'), path, headers, body, async (method, p, h, b) => {
        const request: GatewayRequest = { method, path: p, query: {}, headers: h, body: Buffer.from(b, 'latin1'), baseUrl: 'http://gw' };
        assertProtocolShape(await gateway.handle(request), request);
      }),
      { numRuns: 600 },
    );
  });

  it('answers 404 for a tampered token and for another user polling a real one', async () => {
    const { gateway } = setup();
    const real = await gateway.handle({ method: 'POST', path: '/v1/statement', query: {}, headers: { 'x-trino-user': ['ann'] }, body: Buffer.from('SELECT 1'), baseUrl: 'http://gw' });
    const path = new URL((JSON.parse(String(real.body)) as { nextUri: string }).nextUri).pathname;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: path.length - 1 }), fc.constantFrom('A', 'b', '0', '_', '-'), async (at, ch) => {
        fc.pre(path[at] !== ch && path[at] !== '/' && at > '/v1/statement/queued/'.length);
        const forged = path.slice(0, at) + ch + path.slice(at + 1);
        const response = await gateway.handle({ method: 'GET', path: forged, query: {}, headers: { 'x-trino-user': ['ann'] }, body: Buffer.alloc(0), baseUrl: 'http://gw' });
        expect(response.status).toBe(404);
      }),
      { numRuns: 200 },
    );
    const asBob = await gateway.handle({ method: 'GET', path, query: {}, headers: { 'x-trino-user': ['bob'] }, body: Buffer.alloc(0), baseUrl: 'http://gw' });
    expect(asBob.status).toBe(404);
    const asAnn = await gateway.handle({ method: 'GET', path, query: {}, headers: { 'x-trino-user': ['ann'] }, body: Buffer.alloc(0), baseUrl: 'http://gw' });
    expect(asAnn.status).toBe(200);
  });
});
