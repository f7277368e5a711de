import { describe, expect, it } from 'vitest';
import { createGateway, DEFAULT_GATEWAY_CONFIG, type Gateway } from '../../../lambdas/core/gateway/index.js';
import type { Engine, EnginePage, QueryStore } from '../../../lambdas/core/ports/index.js';
import { allowAll } from '../../../lambdas/core/acl/allow-all.js';
import { headerAuthenticator } from '../../../lambdas/core/auth/header.js';
import { singleTargetRouter } from '../../../lambdas/core/routing/router.js';
import { FINAL_STATES } from '../../../lambdas/core/stores/query-store.js';
import { MemoryQueryStore } from '../../support/memory-store.js';

/**
 * Faults injected one at a time into every store call and every engine call, with a client that
 * behaves like the Trino client (retries a GET on 502/503/504, never a POST). Each run ends with
 * the right rows or a clean protocol error, and the query item is consistent afterwards.
 */
class FlakyEngine implements Engine {
  failSubmit?: Error;
  canceled: string[] = [];
  failPollAt?: number;
  polls = 0;
  async submit() {
    const error = this.failSubmit;
    this.failSubmit = undefined;
    if (error) throw error;
    return { handle: 'h1', state: 'QUEUED' as const };
  }
  async poll(_handle: string, cursor: string | undefined): Promise<EnginePage> {
    this.polls++;
    if (this.polls === this.failPollAt) throw new Error('ThrottlingException: Rate exceeded');
    const column = [{ name: 'n', type: { kind: 'simple' as const, name: 'bigint', params: [] } }];
    // Three engine pages of two rows each: a failure can land mid-result.
    const page = Number(cursor ?? 0);
    return { state: 'FINISHED', columns: column, rows: [[page * 2], [page * 2 + 1]], ...(page < 2 ? { nextCursor: String(page + 1) } : {}) };
  }
  async cancel(handle: string) {
    this.canceled.push(handle);
  }
  async health() {
    return { healthy: true };
  }
}

const throttled = () => Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ProvisionedThroughputExceededException' });

function gatewayOn(store: QueryStore, engine: Engine): Gateway {
  return createGateway({
    config: { ...DEFAULT_GATEWAY_CONFIG, pageTokenKey: 'f'.repeat(32), pollWaitMs: 0 },
    store,
    engineFor: () => engine,
    router: singleTargetRouter('e'),
    authenticator: headerAuthenticator,
    accessControl: allowAll,
  });
}

interface Outcome {
  rows: unknown[][];
  error?: string;
  id?: string;
}

/** The Trino client's behaviour: one POST, GETs retried on 502/503/504. */
async function runClient(gateway: Gateway, sql = 'SELECT n FROM t'): Promise<Outcome> {
  const request = (method: string, url: string, body = '') => ({ method, path: new URL(url, 'http://gw').pathname, query: {}, headers: { 'x-trino-user': ['ann'] }, body: Buffer.from(body), baseUrl: 'http://gw' });
  let response = await gateway.handle(request('POST', '/v1/statement', sql));
  expect(response.status).toBe(200);
  let page = JSON.parse(String(response.body)) as { id: string; nextUri?: string; data?: unknown[][]; error?: { errorName: string; errorType: string; message: string } };
  const rows: unknown[][] = [...(page.data ?? [])];
  for (let steps = 0; steps < 50; steps++) {
    if (page.error) {
      expect(page.error.errorType).toBeTypeOf('string');
      return { rows, error: page.error.errorName, id: page.id };
    }
    if (!page.nextUri) return { rows, id: page.id };
    response = await gateway.handle(request('GET', page.nextUri));
    if ([502, 503, 504].includes(response.status)) continue;
    expect(response.status).toBe(200);
    page = JSON.parse(String(response.body)) as typeof page;
    rows.push(...(page.data ?? []));
  }
  throw new Error('the query never ended');
}

describe('injected faults', () => {
  // A POST writes its item once, with the handle: attachHandle serves only later submits (a busy engine, a waiting query).
  for (const call of ['create', 'get', 'transition', 'touch'] as const) {
    it(`DynamoDB throttling on ${call}: the right rows or a clean error, and a consistent item`, async () => {
      const store = new MemoryQueryStore();
      const engine = new FlakyEngine();
      store.failNext[call] = throttled();
      const outcome = await runClient(gatewayOn(store, engine));
      if (call === 'create') {
        // A POST that could not be recorded fails at once, and nothing was left behind: the
        // engine had started it (the item is written with its handle), so it is stopped.
        expect(outcome.error).toBe('GENERIC_INTERNAL_ERROR');
        expect(store.items.size).toBe(0);
        expect(engine.canceled).toEqual(['h1']);
      } else {
        expect(outcome.error).toBeUndefined();
        expect(outcome.rows).toEqual([[0], [1], [2], [3], [4], [5]]);
        const item = store.items.get(outcome.id!)!;
        expect(item.engineHandle).toBe('h1');
        expect(['QUEUED', 'RUNNING', 'FINISHED']).toContain(item.state);
      }
    });
  }

  it('the engine failing at submit: the query fails cleanly and is final', async () => {
    const store = new MemoryQueryStore();
    const engine = new FlakyEngine();
    engine.failSubmit = Object.assign(new Error('InvalidRequestException: workgroup is disabled'), { name: 'InvalidRequestException' });
    const outcome = await runClient(gatewayOn(store, engine));
    expect(outcome.error).toBe('GENERIC_INTERNAL_ERROR');
    expect(FINAL_STATES).toContain(store.items.get(outcome.id!)!.state);
  });

  for (const at of [1, 2, 3]) {
    it(`the engine failing mid-result (poll ${at}): the retried GET gets the same page, no row lost or doubled`, async () => {
      const engine = new FlakyEngine();
      engine.failPollAt = at;
      const outcome = await runClient(gatewayOn(new MemoryQueryStore(), engine));
      expect(outcome.error).toBeUndefined();
      expect(outcome.rows).toEqual([[0], [1], [2], [3], [4], [5]]);
    });
  }

  it('a process that dies after recording the query: another instance answers the retried GET', async () => {
    const store = new MemoryQueryStore();
    const first = gatewayOn(store, new FlakyEngine());
    const posted = JSON.parse(String((await first.handle({ method: 'POST', path: '/v1/statement', query: {}, headers: { 'x-trino-user': ['ann'] }, body: Buffer.from('SELECT n FROM t'), baseUrl: 'http://gw' })).body)) as { nextUri: string };
    // The first instance is gone; a fresh one with the same store and key serves the client.
    const second = gatewayOn(store, new FlakyEngine());
    const rows: unknown[][] = [];
    let next: string | undefined = posted.nextUri;
    while (next) {
      const page = JSON.parse(String((await second.handle({ method: 'GET', path: new URL(next).pathname, query: {}, headers: { 'x-trino-user': ['ann'] }, body: Buffer.alloc(0), baseUrl: 'http://gw' })).body)) as { nextUri?: string; data?: unknown[][] };
      rows.push(...(page.data ?? []));
      next = page.nextUri;
    }
    expect(rows).toEqual([[0], [1], [2], [3], [4], [5]]);
  });
});
