import { describe, expect, it } from 'vitest';
import { decodePreparedStatement, readSession, sessionUpdateHeaders, formEncode } from '../../../lambdas/core/protocol/headers.js';

describe('request headers', () => {
  it('reads repeated and comma-joined values, form-decoded as Trino does', () => {
    const session = readSession({
      'x-trino-user': ['alice'],
      'x-trino-session': ['a=1', 'b=x+y,c=%2C%3D'],
      'x-trino-extra-credential': ['routing=athena'],
      'x-trino-client-tags': ['t1,t2'],
      'x-trino-prepared-statement': ['q1=SELECT+%3F'],
      'x-trino-transaction-id': ['NONE'],
    });
    expect(session).toMatchObject({ dialect: 'trino', user: 'alice', properties: { a: '1', b: 'x y', c: ',=' }, extraCredentials: { routing: 'athena' }, clientTags: ['t1', 't2'], preparedStatements: { q1: 'SELECT ?' } });
    expect(session.transactionId).toBeUndefined();
  });

  it('keeps unencoded values from clients that send them raw', () => {
    expect(readSession({ 'x-trino-user': ['u'], 'x-trino-session': ['pct=50%'] }).properties).toEqual({ pct: '50%' });
  });

  it('reads the Presto dialect', () => {
    expect(readSession({ 'x-presto-user': ['bob'], 'x-presto-catalog': ['hive'] })).toMatchObject({ dialect: 'presto', user: 'bob', catalog: 'hive' });
  });

  it('refuses malformed items, both dialects and a missing user', () => {
    expect(() => readSession({ 'x-trino-user': ['u'], 'x-trino-session': ['a=b=c'] })).toThrow('Invalid X-Trino-Session header');
    expect(() => readSession({ 'x-trino-user': ['u'], 'x-presto-source': ['s'] })).toThrow(/both X-Trino- and X-Presto-/);
    expect(() => readSession({ 'x-trino-source': ['s'] })).toThrow('User must be set');
  });

  it('decodes $zstd: prepared statements', () => {
    // `printf 'SELECT * FROM t WHERE a = ?' | zstd -c | base64`
    const compressed = 'KLUv/QRY2QAAU0VMRUNUICogRlJPTSB0IFdIRVJFIGEgPSA/S3GzpQ==';
    expect(decodePreparedStatement('$zstd:' + compressed)).toBe('SELECT * FROM t WHERE a = ?');
    expect(decodePreparedStatement('SELECT 1')).toBe('SELECT 1');
    expect(() => decodePreparedStatement('$zstd:AAAA')).toThrow(/Invalid compressed prepared statement/);
  });
});

describe('response headers', () => {
  it('writes session updates in the client dialect, values encoded like Java URLEncoder', () => {
    expect(sessionUpdateHeaders('presto', { setCatalog: 'hive', setSession: { x: 'a b*' }, addedPrepare: { q: 'SELECT ?' } })).toEqual({
      'X-Presto-Set-Catalog': ['hive'],
      'X-Presto-Set-Session': ['x=a+b*'],
      'X-Presto-Added-Prepare': ['q=SELECT+%3F'],
    });
    expect(formEncode("it's (ok)~")).toBe('it%27s+%28ok%29%7E');
  });
});
