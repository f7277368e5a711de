import { describe, expect, it } from 'vitest';
import { presentedCredential, requestedUser } from '../../../lambdas/core/auth/credentials.js';
import { decodeUnverified, groupsFromClaim, principalFromClaims } from '../../../lambdas/core/auth/tokens.js';
import { basic, request } from './support.js';

describe('reading the Authorization header', () => {
  it('reads Basic credentials as Trino does: first colon splits, empty password is none', () => {
    expect(presentedCredential(request({ authorization: basic('alice', 'pa:ss:word') }))).toEqual({ kind: 'basic', user: 'alice', password: 'pa:ss:word' });
    expect(presentedCredential(request({ authorization: basic('alice', '') }))).toEqual({ kind: 'basic', user: 'alice' });
    expect(presentedCredential(request({ authorization: basic('alice') }))).toEqual({ kind: 'basic', user: 'alice' });
    expect(presentedCredential(request({ authorization: 'BASIC   ' + Buffer.from('bob:pw').toString('base64') + '  ' }))).toEqual({ kind: 'basic', user: 'bob', password: 'pw' });
  });

  it('reads bearer tokens and tells other schemes apart without keeping them', () => {
    expect(presentedCredential(request({ authorization: 'Bearer a.b.c' }))).toEqual({ kind: 'bearer', token: 'a.b.c' });
    expect(presentedCredential(request({ authorization: 'bearer a.b.c' }))).toEqual({ kind: 'bearer', token: 'a.b.c' });
    expect(presentedCredential(request({ authorization: 'Negotiate YII=' }))).toEqual({ kind: 'other' });
    expect(presentedCredential(request({ authorization: 'eyJhbGciOi.eyJzdWIi.c2ln' }))).toEqual({ kind: 'other' });
    expect(presentedCredential(request({}))).toEqual({ kind: 'none' });
    expect(presentedCredential(request({ authorization: '' }))).toEqual({ kind: 'none' });
  });

  it('calls malformed what cannot be read, without quoting it', () => {
    expect(presentedCredential(request({ authorization: 'Bearer' }))).toMatchObject({ kind: 'malformed' });
    expect(presentedCredential(request({ authorization: 'Bearer a b' }))).toMatchObject({ kind: 'malformed' });
    expect(presentedCredential(request({ authorization: 'Basic a$b' }))).toEqual({ kind: 'malformed', reason: 'Invalid base64 encoded credentials' });
    expect(presentedCredential(request({ authorization: [basic('a', 'b'), basic('c', 'd')] }))).toEqual({ kind: 'malformed', reason: 'more than one Authorization header' });
  });

  it('reads the requested user as the session does (repeated headers joined)', () => {
    expect(requestedUser(request({ 'x-trino-user': ' alice ' }))).toBe('alice');
    expect(requestedUser(request({ 'x-presto-user': 'bob' }))).toBe('bob');
    expect(requestedUser(request({ 'x-trino-user': ['a', 'b'] }))).toBe('a,b');
    expect(requestedUser(request({ 'x-trino-user': '' }))).toBeUndefined();
  });
});

describe('claims', () => {
  it('groups come from an array or a separated string, without duplicates or non-strings', () => {
    expect(groupsFromClaim(['a', 'b', 'a', 3, null, ''])).toEqual(['a', 'b']);
    expect(groupsFromClaim('a b,c')).toEqual(['a', 'b', 'c']);
    expect(groupsFromClaim(undefined)).toEqual([]);
    expect(groupsFromClaim({ a: 1 })).toEqual([]);
  });

  it('the user is the first claim present, mapped by the pattern', () => {
    expect(principalFromClaims({ username: 'u1' }, { userClaim: ['cognito:username', 'username'] }, 'jwt')).toEqual({ user: 'u1', groups: [], method: 'jwt' });
    expect(principalFromClaims({ sub: 'x' }, { userClaim: 'email' }, 'jwt')).toMatchObject({ kind: 'refused' });
    expect(principalFromClaims({ email: 'a@b.example' }, { userClaim: 'email', userPattern: '([^@]+)@b\\.example' }, 'jwt')).toMatchObject({ user: 'a' });
    // The pattern must match the whole claim.
    expect(principalFromClaims({ email: 'a@b.example.evil' }, { userClaim: 'email', userPattern: '([^@]+)@b\\.example' }, 'jwt')).toMatchObject({ kind: 'refused' });
  });

  it('only well-formed JWTs are decoded', () => {
    expect(decodeUnverified('a.b')).toBeUndefined();
    expect(decodeUnverified('####.####.####')).toBeUndefined();
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    expect(decodeUnverified(`${enc([1])}.${enc({})}.x`)).toBeUndefined();
    expect(decodeUnverified(`${enc({ alg: 'RS256' })}.${enc({ iss: 'i' })}.x`)).toEqual({ header: { alg: 'RS256' }, payload: { iss: 'i' } });
  });
});
