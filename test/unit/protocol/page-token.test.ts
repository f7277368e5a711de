import { describe, expect, it } from 'vitest';
import { PageTokenSigner } from '../../../lambdas/core/protocol/page-token.js';
import { isQueryId, newQueryId } from '../../../lambdas/core/protocol/query-id.js';

describe('page tokens', () => {
  const signer = new PageTokenSigner('k'.repeat(32));

  it('verifies its own tokens and refuses tampering, other queries and other users', () => {
    const [payload, sig] = signer.sign('q1', 'alice', { n: 3, c: 'cursor', s: 10 }).split('/') as [string, string];
    expect(signer.verify('q1', 'alice', payload, sig)).toEqual({ n: 3, c: 'cursor', s: 10 });
    expect(signer.verify('q2', 'alice', payload, sig)).toBeUndefined();
    expect(signer.verify('q1', 'bob', payload, sig)).toBeUndefined();
    const forged = Buffer.from('{"n":3,"c":"other"}').toString('base64url');
    expect(signer.verify('q1', 'alice', forged, sig)).toBeUndefined();
    expect(new PageTokenSigner('x'.repeat(32)).verify('q1', 'alice', payload, sig)).toBeUndefined();
  });

  it('refuses short keys', () => {
    expect(() => new PageTokenSigner('short')).toThrow(/32 bytes/);
  });
});

describe('query ids', () => {
  it('are shaped as Trino ids and carry the UTC time', () => {
    const id = newQueryId(Date.UTC(2024, 4, 1, 10, 11, 12));
    expect(isQueryId(id)).toBe(true);
    expect(id.startsWith('20240501_101112_')).toBe(true);
  });
});
