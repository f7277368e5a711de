import { describe, expect, it } from 'vitest';
import { ClusterOrigin } from '../../../../lambdas/core/engines/cluster/upstream-url.js';

describe('ClusterOrigin', () => {
  const origin = new ClusterOrigin('https://trino.example.com:8443');

  it('keeps the path and query of a nextUri on the configured origin', () => {
    const cursor = origin.cursorOf('https://trino.example.com:8443/v1/statement/executing/20240501_101010_00042_abcde/y8c1b/1');
    expect(cursor).toBe('/v1/statement/executing/20240501_101010_00042_abcde/y8c1b/1');
    expect(origin.urlOf(cursor)).toBe('https://trino.example.com:8443/v1/statement/executing/20240501_101010_00042_abcde/y8c1b/1');
  });

  it.each([
    ['another host', 'http://attacker.example.com:8080/v1/statement/executing/q/s/1'],
    ['another port', 'https://trino.example.com:9443/v1/statement/executing/q/s/1'],
    ['another scheme', 'http://trino.example.com:8443/v1/statement/executing/q/s/1'],
    ['a look-alike host', 'https://trino.example.com.attacker.net:8443/v1/statement/executing/q/s/1'],
    ['credentials in the URL', 'https://user:pw@trino.example.com:8443/v1/statement/executing/q/s/1'],
    ['another API', 'https://trino.example.com:8443/v1/node'],
    ['dot segments', 'https://trino.example.com:8443/v1/statement/../../admin'],
    ['encoded dot segments', 'https://trino.example.com:8443/v1/statement/%2e%2e/%2e%2e/admin'],
    ['encoded slashes', 'https://trino.example.com:8443/v1/statement/executing%2f..%2fx'],
  ])('refuses a nextUri with %s', (_why, uri) => {
    expect(() => origin.cursorOf(uri)).toThrow(/refused|outside/);
  });

  it.each(['//attacker.example.com/v1/statement/x', 'https://attacker.example.com/v1/statement/x', '/v1/node', '/v1/statement/x/../../../y', '/v1/statement/x\\y', 'v1/statement/x'])('refuses to use the cursor %s', (cursor) => {
    expect(() => origin.urlOf(cursor)).toThrow();
  });

  it('keeps a base path and requires it', () => {
    const prefixed = new ClusterOrigin('https://gw.example.com/trino/');
    expect(prefixed.api('/v1/statement')).toBe('https://gw.example.com/trino/v1/statement');
    expect(prefixed.cursorOf('https://gw.example.com/trino/v1/statement/queued/q/s/1')).toBe('/trino/v1/statement/queued/q/s/1');
    expect(() => prefixed.cursorOf('https://gw.example.com/v1/statement/queued/q/s/1')).toThrow();
  });

  it('refuses cluster URLs with credentials, queries or other schemes', () => {
    expect(() => new ClusterOrigin('https://u:p@trino.example.com')).toThrow(/credentials/);
    expect(() => new ClusterOrigin('https://trino.example.com/?x=1')).toThrow();
    expect(() => new ClusterOrigin('ftp://trino.example.com')).toThrow();
  });
});
