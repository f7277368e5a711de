import { describe, expect, it } from 'vitest';
import { createGateway, DEFAULT_GATEWAY_CONFIG } from '../../../lambdas/core/gateway/index.js';
import { EngineBusyError } from '../../../lambdas/core/engines/engine.js';
import type { Engine, EnginePage, GatewayRequest } from '../../../lambdas/core/ports/index.js';
import { QueryFailure } from '../../../lambdas/core/errors.js';
import { allowAll } from '../../../lambdas/core/acl/allow-all.js';
import { headerAuthenticator } from '../../../lambdas/core/auth/header.js';
import { singleTargetRouter } from '../../../lambdas/core/routing/router.js';
import { MemoryQueryStore } from '../../support/memory-store.js';

/** An engine whose every call can be scripted to fail. */
class ScriptedEngine implements Engine {
  submits = 0;
  cancels = 0;
  busy = 0;
  pollError?: Error;
  cancelError?: Error;
  page: EnginePage = { state: 'FINISHED', columns: [{ name: 'x', type: { kind: 'simple', name: 'bigint', params: [] } }], rows: [[1]] };
  async submit() {
    this.submits++;
    if (this.busy > 0) {
      this.busy--;
      throw new EngineBusyError('queue full');
    }
    return { handle: `h${this.submits}`, state: 'QUEUED' as const };
  }
  async poll(): Promise<EnginePage> {
    if (this.pollError) throw this.pollError;
    return this.page;
  }
  async cancel() {
    this.cancels++;
    if (this.cancelError) throw this.cancelError;
  }
  async health() {
    return { healthy: true };
  }
}

function setup() {
  const store = new MemoryQueryStore();
  const engine = new ScriptedEngine();
  const instance = () =>
    createGateway({
      config: { ...DEFAULT_GATEWAY_CONFIG, pageTokenKey: 'k'.repeat(32), pollWaitMs: 0 },
      store,
      engineFor: (t) => (t === 'e' ? engine : undefined),
      router: singleTargetRouter('e'),
      authenticator: headerAuthenticator,
      accessControl: allowAll,
    });
  const gateway = instance();
  // A second instance on the same store (another Lambda): it knows the queries only from the store.
  const other = instance();
  const request = (method: string, url: string, body = ''): GatewayRequest => ({ method, path: new URL(url, 'http://gw').pathname, query: {}, headers: { 'x-trino-user': ['ann'] }, body: Buffer.from(body), baseUrl: 'http://gw' });
  const callOn = (on: typeof gateway) => async (method: string, url: string, body = '') => {
    const r = await on.handle(request(method, url, body));
    return { status: r.status, body: String(r.body), json: r.status === 200 ? (JSON.parse(String(r.body)) as { id: string; nextUri?: string; error?: { errorName: string }; stats: { state: string }; data?: unknown[][] }) : undefined };
  };
  return { store, engine, call: callOn(gateway), callOther: callOn(other) };
}

describe('gateway under engine and store failures', () => {
  it('keeps a query QUEUED when the engine is busy, and submits it on a later poll', async () => {
    const { engine, call, store } = setup();
    engine.busy = 2;
    const posted = await call('POST', '/v1/statement', 'SELECT 1');
    expect(posted.json!.stats.state).toBe('QUEUED');
    const first = await call('GET', posted.json!.nextUri!);
    expect(first.json!.stats.state).toBe('QUEUED');
    expect((await store.get(posted.json!.id))!.engineHandle).toBeUndefined();
    let page = first.json!;
    const rows: unknown[] = [];
    while (page.nextUri) {
      page = (await call('GET', page.nextUri)).json!;
      rows.push(...(page.data ?? []));
    }
    expect(rows).toEqual([[1]]);
    expect(engine.submits).toBe(3);
  });

  it('answers 503 to a poll when the engine fails transiently, and serves the page on retry', async () => {
    const { engine, call, store } = setup();
    const posted = await call('POST', '/v1/statement', 'SELECT 1');
    engine.pollError = new Error('ThrottlingException');
    const failed = await call('GET', posted.json!.nextUri!);
    expect(failed.status).toBe(503);
    expect((await store.get(posted.json!.id))!.state).toBe('QUEUED');
    engine.pollError = undefined;
    const retried = await call('GET', posted.json!.nextUri!);
    expect(retried.json!.data).toEqual([[1]]);
  });

  it('fails the query when the engine reports a query failure', async () => {
    const { engine, call, store } = setup();
    const posted = await call('POST', '/v1/statement', 'SELECT 1');
    engine.pollError = QueryFailure.of('TABLE_NOT_FOUND', 'Table x does not exist');
    const page = await call('GET', posted.json!.nextUri!);
    expect(page.json!.error!.errorName).toBe('TABLE_NOT_FOUND');
    expect((await store.get(posted.json!.id))!.state).toBe('FAILED');
  });

  it('answers 503 to a poll when the store cannot be read', async () => {
    const { call, callOther, store } = setup();
    const posted = await call('POST', '/v1/statement', 'SELECT 1');
    store.failNext.get = new Error('ProvisionedThroughputExceededException');
    // The instance that took the POST polls from what it keeps; another one reads the store.
    expect((await callOther('GET', posted.json!.nextUri!)).status).toBe(503);
    expect((await callOther('GET', posted.json!.nextUri!)).status).toBe(200);
  });

  it('polls a query it posted without reading the store, and another instance reads it once', async () => {
    const { call, callOther, store } = setup();
    const posted = await call('POST', '/v1/statement', 'SELECT 1');
    store.calls.length = 0;
    expect((await call('GET', posted.json!.nextUri!)).status).toBe(200);
    expect(store.calls.filter((c) => c === 'get')).toHaveLength(0);
    expect((await callOther('GET', posted.json!.nextUri!)).status).toBe(200);
    expect(store.calls.filter((c) => c === 'get')).toHaveLength(1);
  });

  it('answers a failed query, not a 5xx, when the store cannot record a POST', async () => {
    const { call, store, engine } = setup();
    store.failNext.create = new Error('InternalServerError');
    const posted = await call('POST', '/v1/statement', 'SELECT 1');
    expect(posted.status).toBe(200);
    expect(posted.json!.stats.state).toBe('FAILED');
    expect(posted.json!.nextUri).toBeUndefined();
    // The item is written after the submit (with the handle): the engine's query is stopped at once.
    expect(engine.submits).toBe(1);
    expect(engine.cancels).toBe(1);
  });

  it('leaves the state alone when the engine cannot cancel, so depth stays true', async () => {
    const { call, store, engine } = setup();
    engine.page = { state: 'RUNNING' };
    const posted = await call('POST', '/v1/statement', 'SELECT 1');
    const running = await call('GET', posted.json!.nextUri!);
    engine.cancelError = new Error('InternalServerException');
    expect((await call('DELETE', running.json!.nextUri!)).status).toBe(503);
    expect((await store.get(posted.json!.id))!.state).toBe('RUNNING');
    engine.cancelError = undefined;
    expect((await call('DELETE', running.json!.nextUri!)).status).toBe(204);
    expect((await store.get(posted.json!.id))!.state).toBe('CANCELED');
  });

  it('kills a gateway query named in CALL system.runtime.kill_query, for its own user only', async () => {
    const { call, store, engine } = setup();
    engine.page = { state: 'RUNNING' };
    const victim = await call('POST', '/v1/statement', 'SELECT 1');
    await call('GET', victim.json!.nextUri!);
    const kill = await call('POST', '/v1/statement', `CALL system.runtime.kill_query(query_id => '${victim.json!.id}', message => 'too slow')`);
    let page = kill.json!;
    while (page.nextUri) page = (await call('GET', page.nextUri)).json!;
    expect(page.error).toBeUndefined();
    const killed = await store.get(victim.json!.id);
    expect(killed!.state).toBe('CANCELED');
    expect(killed!.error).toMatchObject({ errorName: 'ADMINISTRATIVELY_KILLED', message: 'Query killed. Message: too slow' });
    expect(engine.cancels).toBe(1);
    const unknown = await call('POST', '/v1/statement', `CALL system.runtime.kill_query('20200101_000000_00000_aaaaa')`);
    let p2 = unknown.json!;
    while (p2.nextUri) p2 = (await call('GET', p2.nextUri)).json!;
    expect(p2.error!.errorName).toBe('NOT_FOUND');
  });
});
