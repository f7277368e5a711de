import { createGateway, DEFAULT_GATEWAY_CONFIG, type Gateway } from '../../../../lambdas/core/gateway/index.js';
import type { Engine, EnginePage, EngineSubmission, Analyzer, Router } from '../../../../lambdas/core/ports/index.js';
import { allowAll } from '../../../../lambdas/core/acl/allow-all.js';
import { headerAuthenticator } from '../../../../lambdas/core/auth/header.js';
import { MemoryQueryStore } from '../../../support/memory-store.js';

/** An engine that accepts everything and reports RUNNING until the store says otherwise. */
export class FakeEngine implements Engine {
  readonly submitted: string[] = [];
  readonly polled: string[] = [];
  constructor(readonly target: string) {}

  async submit(submission: EngineSubmission) {
    this.submitted.push(submission.queryId);
    return { handle: `${this.target}:${submission.queryId}`, state: 'QUEUED' as const };
  }
  async poll(handle: string): Promise<EnginePage> {
    this.polled.push(handle.split(':')[1]!);
    return { state: 'RUNNING' };
  }
  async cancel() {}
  async health() {
    return { healthy: true };
  }
}

export interface Harness {
  gateway: Gateway;
  store: MemoryQueryStore;
  engines: Record<string, FakeEngine>;
  clock: { now: number };
  /** POSTs a statement; returns the query id and its nextUri path. */
  post(user: string, sql?: string, headers?: Record<string, string>): Promise<{ id: string; next: string; state: string; error?: { errorName: string; message: string } }>;
  /** GETs a nextUri path. */
  poll(user: string, next: string): Promise<{ state: string; next?: string; error?: { errorName: string; message: string } }>;
  /** The engine finished a query (as its state-change events would record it). */
  finish(id: string): Promise<void>;
}

export function gatewayHarness(makeRouter: (store: MemoryQueryStore) => Router, targets: string[], analyzer?: Analyzer): Harness {
  const store = new MemoryQueryStore();
  const engines = Object.fromEntries(targets.map((t) => [t, new FakeEngine(t)]));
  const clock = { now: Date.UTC(2025, 0, 6, 12, 0, 0) };
  const gateway = createGateway({
    config: { ...DEFAULT_GATEWAY_CONFIG, pageTokenKey: 'k'.repeat(32), pollWaitMs: 0 },
    store,
    engineFor: (t) => engines[t],
    router: makeRouter(store),
    authenticator: headerAuthenticator,
    accessControl: allowAll,
    ...(analyzer ? { analyzer } : {}),
    clock: () => clock.now,
  });
  const base = 'http://gateway.test';
  const send = async (method: string, path: string, user: string, body = '', headers: Record<string, string> = {}) => {
    const response = await gateway.handle({
      method,
      path,
      query: {},
      headers: { 'x-trino-user': [user], ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])) },
      body: Buffer.from(body),
      baseUrl: base,
    });
    if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${String(response.body)}`);
    const json = JSON.parse(String(response.body)) as { id: string; nextUri?: string; stats: { state: string }; error?: { errorName: string; message: string } };
    return { id: json.id, next: json.nextUri?.slice(base.length), state: json.stats.state, ...(json.error ? { error: json.error } : {}) };
  };
  return {
    gateway,
    store,
    engines,
    clock,
    async post(user, sql = 'SELECT 1', headers = {}) {
      const r = await send('POST', '/v1/statement', user, sql, headers);
      return { ...r, next: r.next! };
    },
    async poll(user, next) {
      return send('GET', next, user);
    },
    async finish(id) {
      await store.transition(id, { state: 'FINISHED' }, clock.now);
    },
  };
}
