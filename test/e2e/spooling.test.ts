import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GATEWAY_CONFIG } from '../../lambdas/core/gateway/index.js';
import { parseConfig } from '../../lambdas/core/config/schema.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';
import { runSpooled, type SpoolingResult } from '../support/spooling-client.js';

/**
 * The spooling protocol on the local server, end to end: negotiation as Trino does it, inline and
 * spooled segments decoding to the exact rows of the direct protocol, segments served by the
 * gateway itself for their user only, acknowledged (deleted) and expiring.
 */
const spooling = { ...DEFAULT_GATEWAY_CONFIG.spooling!, segmentBytes: 1024 * 1024, pollMaxRows: 25_000 };
let server: LocalServer;
let shortLived: LocalServer;
const tpch = { 'X-Trino-Catalog': 'tpch', 'X-Trino-Schema': 'tiny' };
const LINEITEM = 'SELECT * FROM lineitem ORDER BY l_orderkey, l_linenumber';
const NATION = 'SELECT n_nationkey, n_name, n_regionkey FROM nation ORDER BY n_nationkey';
let direct: SpoolingResult;

beforeAll(async () => {
  server = await startLocalServer({ gateway: { pollWaitMs: 50, spooling } });
  shortLived = await startLocalServer({ gateway: { pollWaitMs: 50, spooling: { ...spooling, urlTtlSeconds: 1 } } });
  direct = await runSpooled(LINEITEM, { server: server.url, headers: tpch });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await shortLived?.close();
});

/** A response body without what differs between two runs of one query (ids, times, links). */
function normalized(body: string): string {
  return body
    .replace(/"(id|infoUri|nextUri)":"[^"]*"/g, '"$1":""')
    .replace(/"(elapsedTimeMillis|queuedTimeMillis|wallTimeMillis|cpuTimeMillis|progressPercentage|processedRows|processedBytes)":[0-9.]+/g, '"$1":0');
}

describe('negotiation', () => {
  it('a client without the header gets the direct protocol: rows in data, no encoding named', async () => {
    expect(direct.rows.length).toBeGreaterThan(50_000);
    expect(direct.directPages).toBeGreaterThan(1);
    expect(direct.encodings).toEqual([]);
    expect(direct.responseEncodings.every((h) => h === null)).toBe(true);
  });

  it('a list of encodings none of which is supported falls back to the direct protocol, byte for byte', async () => {
    const plain = await runSpooled(NATION, { server: server.url, headers: tpch });
    const unknown = await runSpooled(NATION, { server: server.url, headers: tpch, encoding: 'arrow+zstd, protobuf' });
    expect(unknown.encodings).toEqual([]);
    expect(unknown.responseEncodings.every((h) => h === null)).toBe(true);
    // How many polls a query takes depends on timing; the pages with rows, and the final answer, are byte for byte the same.
    const rowsAndEnd = (bodies: string[]) => [...bodies.filter((b) => b.includes('"data":')), bodies.at(-1)!].map(normalized);
    expect(rowsAndEnd(unknown.bodies)).toEqual(rowsAndEnd(plain.bodies));
    expect(unknown.rows).toEqual(plain.rows);
  });

  it.each([
    ['json+zstd,json+lz4,json', 'json+zstd'],
    ['json+lz4,json+zstd', 'json+lz4'],
    ['arrow, json ,json+zstd', 'json'],
    [' json+zstd ', 'json+zstd'],
  ])('%s: the first encoding both sides support (%s), named in the response header and in data', async (header, chosen) => {
    const result = await runSpooled(NATION, { server: server.url, headers: tpch, encoding: header });
    expect(result.encodings).toEqual([chosen]);
    expect(result.responseEncodings[0]).toBe(chosen);
    expect(result.responseEncodings.filter((h) => h !== null).every((h) => h === chosen)).toBe(true);
    expect(result.rows).toHaveLength(25);
  });

  it('a Presto client always gets inline rows', async () => {
    const result = await runSpooled(NATION, { server: server.url, user: 'alice', headers: { 'X-Presto-Catalog': 'tpch', 'X-Presto-Schema': 'tiny', 'X-Presto-Query-Data-Encoding': 'json' }, encoding: undefined, fetch: prestoFetch });
    expect(result.encodings).toEqual([]);
    expect(result.directPages).toBe(1);
    expect(result.rows).toHaveLength(25);
  });

  it('a statement the gateway answers itself (USE, SHOW) keeps inline rows, as Trino does for what it does not spool', async () => {
    const result = await runSpooled('SHOW SCHEMAS', { server: server.url, headers: tpch, encoding: 'json+zstd' });
    expect(result.directPages).toBe(1);
    expect(result.rows.length).toBeGreaterThan(0);
  });
});

/** The Presto dialect: the X-Trino-User the helper sends becomes X-Presto-User. */
const prestoFetch: typeof fetch = (input, init) => {
  const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.replace(/^X-Trino-/i, 'X-Presto-'), v]));
  return fetch(input, { ...init, headers });
};

describe('segments', () => {
  it.each(['json+zstd', 'json+lz4', 'json'])('%s: small pages inline, large ones spooled, the rows exactly those of the direct protocol', async (encoding) => {
    const result = await runSpooled(LINEITEM, { server: server.url, headers: tpch, encoding });
    expect(result.directPages).toBe(0);
    expect(result.spooled.length).toBeGreaterThan(3);
    expect(result.rows).toEqual(direct.rows);
    expect(result.columns).toEqual(direct.columns);
    for (const segment of result.spooled) {
      expect(segment.uri.startsWith(`${server.url}/v1/spooled/download/`)).toBe(true);
      expect(segment.ackUri!.startsWith(`${server.url}/v1/spooled/ack/`)).toBe(true);
      expect(Date.parse(String(segment.metadata.expiresAt))).toBeGreaterThan(Date.now());
      if (encoding !== 'json') expect(segment.metadata.uncompressedSize).toBeGreaterThan(Number(segment.metadata.segmentSize));
      else expect(segment.metadata.uncompressedSize).toBeUndefined();
    }
    const small = await runSpooled(NATION, { server: server.url, headers: tpch, encoding });
    expect(small.inlineSegments).toBe(1);
    expect(small.spooled).toHaveLength(0);
    expect(small.rows).toEqual((await runSpooled(NATION, { server: server.url, headers: tpch })).rows);
  }, 60_000);

  it('acknowledging a segment deletes it: its URI answers 404 afterwards', async () => {
    const before = server.segments.size;
    const result = await runSpooled(LINEITEM, { server: server.url, headers: tpch, encoding: 'json+zstd' });
    expect(server.segments.size).toBe(before);
    const again = await fetch(result.spooled[0]!.uri);
    expect(again.status).toBe(404);
  }, 60_000);

  it('a segment is its user\'s: another user is refused, a forged link is not found, the owner or the bare link reads it', async () => {
    const result = await runSpooled(LINEITEM, { server: server.url, headers: tpch, encoding: 'json+zstd', ack: false });
    const { uri, ackUri } = result.spooled[0]!;
    expect((await fetch(uri, { headers: { 'X-Trino-User': 'bob' } })).status).toBe(403);
    expect((await fetch(ackUri!, { headers: { 'X-Trino-User': 'bob' } })).status).toBe(403);
    const forged = uri.replace(/\/([^/]+)$/, (_m, sig: string) => `/${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`);
    expect((await fetch(forged)).status).toBe(404);
    const [payload] = uri.split('/').slice(-2);
    const claim = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { k: string; u: string; x: number };
    const stolen = Buffer.from(JSON.stringify({ ...claim, u: 'bob' })).toString('base64url');
    expect((await fetch(uri.replace(payload!, stolen), { headers: { 'X-Trino-User': 'bob' } })).status).toBe(404);
    expect((await fetch(uri, { headers: { 'X-Trino-User': 'alice' } })).status).toBe(200);
    expect((await fetch(uri)).status).toBe(200);
    for (const s of result.spooled) expect((await fetch(s.ackUri!)).status).toBe(200);
  }, 60_000);

  it('an expired link downloads nothing (410), and the sweep deletes what nobody acknowledged', async () => {
    const result = await runSpooled(LINEITEM, { server: shortLived.url, headers: tpch, encoding: 'json+lz4', ack: false });
    expect(shortLived.segments.size).toBe(result.spooled.length);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await fetch(result.spooled[0]!.uri)).status).toBe(410);
    expect(await shortLived.segments.sweep(Date.now())).toBe(result.spooled.length);
    expect(shortLived.segments.size).toBe(0);
  }, 60_000);
});

describe('the config file', () => {
  it('decides what is offered (gateway.spooling): the encodings, and none at all', async () => {
    const local = { version: 1, targets: { local: { type: 'duckdb' } }, routingGroups: { local: { targets: ['local'] } }, defaultRoutingGroup: 'local' };
    const plainOnly = await startLocalServer({ config: parseConfig({ ...local, gateway: { pollWaitMs: 50, spooling: { encodings: ['json'], inlineMaxBytes: 100 } } }) });
    const off = await startLocalServer({ config: parseConfig({ ...local, gateway: { pollWaitMs: 50, spooling: { encodings: [] } } }) });
    try {
      const plain = await runSpooled(NATION, { server: plainOnly.url, headers: tpch, encoding: 'json+zstd, json' });
      expect(plain.responseEncodings[0]).toBe('json');
      expect(plain.rows).toHaveLength(25);
      // 25 nations take more than 100 bytes of JSON: a spooled segment, not an inline one.
      expect(plain.spooled.length).toBeGreaterThan(0);
      const none = await runSpooled(NATION, { server: off.url, headers: tpch, encoding: 'json+zstd, json' });
      expect(none.responseEncodings[0]).toBeNull();
      expect(none.encodings).toEqual([]);
      expect(none.rows).toHaveLength(25);
    } finally {
      await plainOnly.close();
      await off.close();
    }
    expect(() => parseConfig({ ...local, gateway: { spooling: { encodings: ['arrow'] } } })).toThrow(/encodings/);
    expect(() => parseConfig({ ...local, gateway: { spooling: { inlineMaxBytes: 900_000 } } })).toThrow(/inlineMaxBytes/);
  });
});
