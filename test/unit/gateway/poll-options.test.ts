import { describe, expect, it } from 'vitest';
import { allowAll } from '../../../lambdas/core/acl/allow-all.js';
import { headerAuthenticator } from '../../../lambdas/core/auth/header.js';
import { createGateway, DEFAULT_GATEWAY_CONFIG } from '../../../lambdas/core/gateway/index.js';
import type { Engine, EnginePage, PollOptions } from '../../../lambdas/core/ports/index.js';
import { singleTargetRouter } from '../../../lambdas/core/routing/router.js';
import { MemorySegmentStore } from '../../../lambdas/local/segment-store.js';
import { MemoryQueryStore } from '../../support/memory-store.js';

/**
 * What the gateway asks of an engine's poll: pages sized for its own page cap (so that its pager
 * seldom cuts a page and has the engine read it again), far larger ones for a spooled result, and
 * JSON rows with datetimes cut to milliseconds unless the client reads them at their precision.
 */
class RecordingEngine implements Engine {
  readonly polls: PollOptions[] = [];
  async submit() {
    return { handle: 'h', state: 'QUEUED' as const };
  }
  async poll(_handle: string, _cursor: string | undefined, options: PollOptions): Promise<EnginePage> {
    this.polls.push(options);
    return { state: 'FINISHED', columns: [{ name: 'n', type: { kind: 'simple', name: 'bigint', params: [] } }], rows: [[1]] };
  }
  async cancel() {}
  async health() {
    return { healthy: true };
  }
}

async function firstPoll(headers: Record<string, string[]>): Promise<PollOptions> {
  const engine = new RecordingEngine();
  const gateway = createGateway({
    config: { ...DEFAULT_GATEWAY_CONFIG, maxPageBytes: 100_000, pageTokenKey: 'f'.repeat(32), pollWaitMs: 0 },
    store: new MemoryQueryStore(),
    engineFor: () => engine,
    router: singleTargetRouter('e'),
    authenticator: headerAuthenticator,
    accessControl: allowAll,
    segments: new MemorySegmentStore(),
  });
  const request = (method: string, url: string, body = '') => ({ method, path: new URL(url, 'http://gw').pathname, query: {}, headers: { 'x-trino-user': ['ann'], ...headers }, body: Buffer.from(body), baseUrl: 'http://gw' });
  let page = JSON.parse(String((await gateway.handle(request('POST', '/v1/statement', 'SELECT 1'))).body)) as { nextUri?: string };
  while (engine.polls.length === 0 && page.nextUri) page = JSON.parse(String((await gateway.handle(request('GET', page.nextUri))).body)) as { nextUri?: string };
  return engine.polls[0]!;
}

describe('the options of an engine poll', () => {
  it('sizes inline pages for the gateway page cap and asks for JSON rows', async () => {
    const options = await firstPoll({});
    expect(options.maxBytes).toBe(80_000);
    expect(options.jsonRows).toStrictEqual({ millisecondDatetimes: true });
    expect(options.endCursor).toBeUndefined();
  });

  it('asks for the spooling page size when the client negotiated an encoding, datetimes at their precision when it reads them so', async () => {
    const options = await firstPoll({ 'x-trino-query-data-encoding': ['json'], 'x-trino-client-capabilities': ['PARAMETRIC_DATETIME'] });
    expect(options.maxBytes).toBe(DEFAULT_GATEWAY_CONFIG.spooling!.pollMaxBytes);
    expect(options.maxRows).toBe(DEFAULT_GATEWAY_CONFIG.spooling!.pollMaxRows);
    expect(options.endCursor).toBe(true);
    expect(options.jsonRows).toStrictEqual({ millisecondDatetimes: false });
  });
});
