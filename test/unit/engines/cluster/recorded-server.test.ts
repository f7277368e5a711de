import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClusterEngine } from '../../../../lambdas/core/engines/cluster/index.js';
import type { EnginePage, ClientSession } from '../../../../lambdas/core/ports/index.js';
import { readSession, sessionRequestHeaders } from '../../../../lambdas/core/protocol/headers.js';
import { rowEncoder } from '../../../../lambdas/core/protocol/encode.js';
import { serveScenario, session, submission } from './support.js';

/** Recorded Trino answers over real HTTP with global fetch: gzip, the wire headers, refusals. */
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function drain(e: ClusterEngine, handle: string): Promise<EnginePage[]> {
  const pages: EnginePage[] = [];
  let cursor: string | undefined;
  do {
    const page = await e.poll(handle, cursor, { maxWaitMs: 100, maxRows: 1000 });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return pages;
}

describe('a recorded Trino cluster over HTTP', () => {
  it('receives gzip, decodes it, and gets the same exact rows', async () => {
    const server = await serveScenario('trino-types', { gzip: true });
    closers.push(server.close);
    const e = new ClusterEngine({ name: 'legacy', dialect: 'trino', url: server.url, fetch });
    const { handle } = await e.submit(submission('SELECT ...', { catalog: 'hive', schema: 'web', timeZone: 'UTC' }));
    const pages = await drain(e, handle);
    expect(server.responses.filter((r) => r.path.startsWith('/v1/statement')).every((r) => r.encoding === 'gzip')).toBe(true);
    const rows = pages.flatMap((p) => p.rows ?? []);
    expect(rows).toHaveLength(3);
    expect(rowEncoder(pages[1]!.columns!.map((c) => c.type))(rows[0]!)).toMatch(/^\[9007199254740993,100000000000000000000\.0,/);
    const post = server.requests.find((r) => r.method === 'POST')!;
    expect(post.headers['accept-encoding']).toEqual(['gzip']);
    expect(post.headers['x-trino-user']).toEqual(['alice']);
    expect(post.headers['x-trino-time-zone']).toEqual(['UTC']);
    expect(post.headers.host).toEqual([new URL(server.url).host]);
    for (const name of Object.keys(post.headers)) expect(name).not.toMatch(/^(x-forwarded-|forwarded$|via$)/);
  });

  it('refuses a nextUri to another host without calling it', async () => {
    const server = await serveScenario('trino-other-host');
    closers.push(server.close);
    const calls: string[] = [];
    const spy: typeof fetch = (input, init) => {
      calls.push(String(input));
      return fetch(input, init);
    };
    const e = new ClusterEngine({ name: 'legacy', dialect: 'trino', url: server.url, fetch: spy });
    const { handle } = await e.submit(submission('SELECT 1'));
    const page = await e.poll(handle, undefined, { maxWaitMs: 100, maxRows: 1000 });
    expect(page.state).toBe('FAILED');
    expect(page.error!.message).toMatch(/another origin \(http:\/\/attacker\.example\.com:8080/);
    expect(calls.every((c) => c.startsWith(server.url))).toBe(true);
    expect(server.requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`)).toContain('DELETE /v1/query/20240501_101012_00044_klmno');
  });
});

describe('session headers toward a cluster', () => {
  const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
  const text = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() === s && s !== '');
  const arbitrary = fc.record({
    dialect: fc.constantFrom<'trino' | 'presto'>('trino', 'presto'),
    user: word,
    source: fc.option(word, { nil: undefined }),
    catalog: fc.option(word, { nil: undefined }),
    timeZone: fc.option(fc.constantFrom('UTC', 'Europe/Berlin'), { nil: undefined }),
    clientTags: fc.array(word, { maxLength: 3 }),
    properties: fc.dictionary(word, text, { maxKeys: 3 }),
    roles: fc.dictionary(word, text, { maxKeys: 2 }),
    extraCredentials: fc.dictionary(word, text, { maxKeys: 2 }),
    preparedStatements: fc.dictionary(word, text, { maxKeys: 2 }),
  });

  it('read back by the server, give the same session (both dialects, any values)', () => {
    fc.assert(
      fc.property(arbitrary, (partial) => {
        const s: ClientSession = { ...session(), ...partial };
        const headers: Record<string, string[]> = {};
        for (const [n, v] of sessionRequestHeaders(s.dialect, s)) (headers[n.toLowerCase()] ??= []).push(v);
        const back = readSession(headers);
        expect(back.dialect).toBe(s.dialect);
        expect(back.user).toBe(s.user);
        expect(back.source).toBe(s.source);
        expect(back.catalog).toBe(s.catalog);
        expect(back.timeZone).toBe(s.timeZone);
        expect(back.clientTags).toEqual(s.clientTags);
        expect(back.properties).toEqual(s.properties);
        expect(back.roles).toEqual(s.roles);
        expect(back.extraCredentials).toEqual(s.extraCredentials);
        expect(back.preparedStatements).toEqual(s.preparedStatements);
        expect(back.transactionId).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
