import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { awsTokenVerifiers } from '../../../lambdas/adapters/auth/token-verifiers.js';
import { authMethodsFor, authSchema } from '../../../lambdas/core/auth/config.js';
import { AuthSetupError, authSetupProblem, createAuthenticator } from '../../../lambdas/core/auth/index.js';
import { hashPassword } from '../../../lambdas/core/auth/password-hash.js';
import { InMemoryUserStore } from '../../../lambdas/core/auth/user-store.js';
import { ConfigError, parseConfig } from '../../../lambdas/core/config/schema.js';
import { basic, FAST_SCRYPT, fakeTime, request } from './support.js';

const ALB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/bifrost/0123456789abcdef';
const base = () => parseYaml(readFileSync(new URL('../../../config/local.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;

function problems(auth: unknown): string[] {
  try {
    parseConfig({ ...base(), auth });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('the auth section', () => {
  it('is optional: passwords when deployed, the user header locally', () => {
    const config = parseConfig(base());
    expect(config.auth).toBeUndefined();
    expect(authMethodsFor(config.auth, 'deployed')).toEqual([{ type: 'password', lockout: { maxFailures: 10, lockSeconds: 900, windowSeconds: 900 }, perAddress: { maxFailures: 30, windowSeconds: 900 }, slowdown: { initialDelayMs: 250, maxDelayMs: 4000 }, cacheSeconds: 60 }]);
    expect(authMethodsFor(config.auth, 'deployed').some((m) => m.type === 'header')).toBe(false);
    expect(authMethodsFor(config.auth, 'local')).toEqual([{ type: 'header' }]);
  });

  it('fills in the defaults of every method and keeps their order', () => {
    const config = parseConfig({
      ...base(),
      auth: {
        methods: [
          { type: 'password', lockout: { maxFailures: 3 } },
          { type: 'jwt', provider: 'cognito', userPoolId: 'us-east-1_Abc123', clientId: 'client-1' },
          { type: 'jwt', provider: 'oidc', issuer: 'https://idp.example.com/', audience: ['bifrost'] },
          { type: 'header' },
        ],
        adminMethods: [{ type: 'alb-oidc', albArn: ALB_ARN }],
      },
    });
    const methods = authMethodsFor(config.auth, 'deployed');
    expect(methods.map((m) => m.type)).toEqual(['password', 'jwt', 'jwt', 'header']);
    expect(methods[0]).toMatchObject({ lockout: { maxFailures: 3, lockSeconds: 900, windowSeconds: 900 }, cacheSeconds: 60 });
    expect(methods[1]).toMatchObject({ tokenUse: 'access', groupsClaim: 'cognito:groups' });
    expect(methods[2]).toMatchObject({ userClaim: 'sub', groupsClaim: 'groups' });
    expect(authMethodsFor(config.auth, 'deployed', 'admin')).toMatchObject([{ type: 'alb-oidc', userClaim: 'email' }]);
    // The admin door falls back to the statement methods when it has none of its own.
    expect(authMethodsFor(authSchema.parse({ methods: [{ type: 'password' }] }), 'deployed', 'admin')).toMatchObject([{ type: 'password' }]);
  });

  it('refuses what cannot work or is unsafe, naming the path', () => {
    expect(problems({ methods: [{ type: 'alb-oidc', albArn: ALB_ARN }] })).toEqual([expect.stringMatching(/^auth\.methods\.0\.type: .*browser/)]);
    expect(problems({ methods: [{ type: 'password' }, { type: 'password' }] })).toEqual([expect.stringContaining('auth.methods.1: password is listed twice')]);
    expect(problems({ methods: [{ type: 'jwt', provider: 'oidc', issuer: 'http://idp.example.com/', audience: 'x' }] })).toEqual([expect.stringContaining('auth.methods.0.issuer')]);
    expect(problems({ methods: [{ type: 'jwt', provider: 'oidc', issuer: 'https://idp.example.com/' }] })).toEqual([expect.stringContaining('auth.methods.0.audience')]);
    expect(problems({ methods: [{ type: 'jwt', provider: 'oidc', issuer: 'https://idp.example.com/', audience: 'x', jwksUri: 'http://169.254.169.254/keys' }] })).toEqual([expect.stringContaining('auth.methods.0.jwksUri')]);
    expect(problems({ methods: [{ type: 'kerberos' }] })).toHaveLength(1);
    expect(problems({ methods: [] })).toHaveLength(1);
    expect(problems({ adminMethods: [{ type: 'alb-oidc', albArn: 'arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:loadbalancer/app/b/0123456789abcdef' }] })).toHaveLength(1);
  });
});

describe('createAuthenticator', () => {
  it('builds the local default (the user header) with no other dependency', async () => {
    const auth = createAuthenticator(parseConfig(base()), {}, { mode: 'local' });
    expect(auth.methods).toEqual(['header']);
    expect(await auth.authenticate(request({ 'x-trino-user': 'alice' }))).toMatchObject({ ok: true, principal: { user: 'alice', method: 'header' } });
  });

  it('says what is missing', () => {
    expect(() => createAuthenticator(parseConfig(base()), {})).toThrow(AuthSetupError);
    expect(() => createAuthenticator(parseConfig(base()), {})).toThrow(/user store/);
    expect(() => createAuthenticator(parseConfig({ ...base(), auth: { methods: [{ type: 'jwt', provider: 'oidc', issuer: 'https://idp.example.com/', audience: 'x' }] } }), {})).toThrow(/token verifiers/);
  });

  it('builds the chain of a deployment, with groups of impersonated users from the store', async () => {
    const store = new InMemoryUserStore();
    await store.put({ name: 'etl', passwordHash: await hashPassword('etl-password-1', FAST_SCRYPT), groups: ['service'], disabled: false, failedAttempts: 0, createdAt: 0, updatedAt: 0 });
    await store.put({ name: 'dave', groups: ['finance'], disabled: false, failedAttempts: 0, createdAt: 0, updatedAt: 0 });
    const config = parseConfig({ ...base(), auth: { methods: [{ type: 'password' }, { type: 'jwt', provider: 'oidc', issuer: 'https://idp.example.com/', audience: 'x' }], adminMethods: [{ type: 'alb-oidc', albArn: ALB_ARN }] } });
    const time = fakeTime();
    const deps = { userStore: store, tokenVerifiers: awsTokenVerifiers(), canImpersonate: (who: string, as: string) => who === 'etl' && as === 'dave', clock: time.clock, sleep: time.sleep, decoyParams: FAST_SCRYPT };
    const statement = createAuthenticator(config, deps);
    expect(statement.methods).toEqual(['password', 'jwt']);
    expect(statement.trustsUserHeader).toBe(false);
    expect(await statement.authenticate(request({ authorization: basic('etl', 'etl-password-1'), 'x-trino-user': 'dave' }))).toEqual({ ok: true, principal: { user: 'dave', groups: ['finance'], method: 'password', authenticatedUser: 'etl' } });
    expect(await statement.authenticate(request({ 'x-trino-user': 'dave' }))).toMatchObject({ ok: false, status: 401, challenge: ['Basic realm="Trino"', 'Bearer realm="Trino", token_type="JWT"'] });
    const admin = createAuthenticator(config, deps, { endpoint: 'admin' });
    expect(admin.methods).toEqual(['alb-oidc']);
    // The stack creates the load balancer: its ARN can come from the admin function's environment.
    const deployed = parseConfig({ ...base(), auth: { methods: [{ type: 'password' }], adminMethods: [{ type: 'alb-oidc', clientId: 'c' }] } });
    expect(() => createAuthenticator(deployed, deps, { endpoint: 'admin' })).toThrow(/ARN of the load balancer/);
    expect(createAuthenticator(deployed, { ...deps, albArn: ALB_ARN }, { endpoint: 'admin' }).methods).toEqual(['alb-oidc']);
    expect(() => createAuthenticator(deployed, { ...deps, albArn: 'arn:aws:s3:::bucket' }, { endpoint: 'admin' })).toThrow(/not the ARN/);
  });
});

describe('authSetupProblem', () => {
  const local = { userStore: true, tokenVerifiers: true };
  const withAuth = (auth: unknown) => parseConfig({ ...base(), auth });

  it('accepts what the local server can build: passwords, jwt, and alb-oidc naming its load balancer', () => {
    expect(authSetupProblem(parseConfig(base()), local, 'local')).toBeUndefined();
    expect(authSetupProblem(withAuth({ methods: [{ type: 'password' }, { type: 'jwt', provider: 'oidc', issuer: 'https://idp.example.com/', audience: 'x' }], adminMethods: [{ type: 'alb-oidc', albArn: ALB_ARN }] }), local, 'local')).toBeUndefined();
  });

  it('refuses alb-oidc without albArn where no load balancer is known, in one line naming the method', () => {
    const problem = authSetupProblem(withAuth({ methods: [{ type: 'password' }], adminMethods: [{ type: 'header' }, { type: 'alb-oidc' }] }), local, 'local');
    expect(problem).toMatch(/^auth\.adminMethods\[1\] \(alb-oidc\) needs albArn/);
    expect(problem).not.toContain('\n');
    expect(authSetupProblem(withAuth({ methods: [{ type: 'password' }], adminMethods: [{ type: 'alb-oidc' }] }), { ...local, albArn: ALB_ARN }, 'deployed')).toBeUndefined();
    expect(authSetupProblem(withAuth({ methods: [{ type: 'jwt', provider: 'oidc', issuer: 'https://idp.example.com/', audience: 'x' }] }), { userStore: true, tokenVerifiers: false }, 'local')).toMatch(/^auth\.methods\[0\] \(jwt\) needs token verifiers/);
  });
});
