import { describe, expect, it } from 'vitest';
import type { Fetcher } from 'aws-jwt-verify/https';
import { awsTokenVerifiers } from '../../../lambdas/adapters/auth/token-verifiers.js';
import { chainAuthenticators } from '../../../lambdas/core/auth/chain.js';
import { cognitoIssuer } from '../../../lambdas/core/auth/config.js';
import { headerMethod } from '../../../lambdas/core/auth/header.js';
import { createAuthenticator } from '../../../lambdas/core/auth/index.js';
import { hashPassword } from '../../../lambdas/core/auth/password-hash.js';
import { jwtMethod } from '../../../lambdas/core/auth/tokens.js';
import { InMemoryUserStore } from '../../../lambdas/core/auth/user-store.js';
import { parseConfig } from '../../../lambdas/core/config/schema.js';
import type { AuthResult } from '../../../lambdas/core/ports/index.js';
import type { GatewayError } from '../../../lambdas/core/errors.js';
import { basic, bearer, capturingLogger, ecKey, FAST_SCRYPT, fakeTime, nowSeconds, otherKeyLike, request, rsaKey, signJwt } from './support.js';

const POOL = 'eu-west-1_Secr3tPool';
const ALB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/bifrost/0123456789abcdef';

describe('failures are logged without the secrets', () => {
  it('no password, token or encoded credential reaches the log or the answer', async () => {
    const log = capturingLogger();
    const time = fakeTime();
    const store = new InMemoryUserStore();
    const t = time.clock();
    await store.put({ name: 'alice', passwordHash: await hashPassword('Right-Horse-Battery-1', FAST_SCRYPT), groups: [], disabled: false, failedAttempts: 0, createdAt: t, updatedAt: t });
    await store.put({ name: 'bob', passwordHash: await hashPassword('Bobs-Own-Password-2', FAST_SCRYPT), groups: [], disabled: true, failedAttempts: 0, createdAt: t, updatedAt: t });

    const rsa = rsaKey();
    const alb = ecKey();
    const issuer = cognitoIssuer(POOL);
    const albKeys: Fetcher = { fetch: async () => new Uint8Array(Buffer.from(alb.pem)).buffer };
    const config = parseConfig({
      version: 1,
      targets: { local: { type: 'duckdb' } },
      routingGroups: { local: { targets: ['local'] } },
      defaultRoutingGroup: 'local',
      auth: {
        methods: [{ type: 'password', lockout: { maxFailures: 3 } }, { type: 'jwt', provider: 'cognito', userPoolId: POOL, clientId: 'client-1' }],
        adminMethods: [{ type: 'alb-oidc', albArn: ALB_ARN }],
      },
    });
    const deps = {
      userStore: store,
      tokenVerifiers: awsTokenVerifiers({ fetcher: albKeys, jwks: { [`${issuer}/.well-known/jwks.json`]: { keys: [rsa.jwk as never] } } }),
      clock: time.clock,
      sleep: time.sleep,
      log,
      decoyParams: FAST_SCRYPT,
    };
    const statement = createAuthenticator(config, deps);
    const admin = createAuthenticator(config, deps, { endpoint: 'admin' });
    const headerOnly = chainAuthenticators([headerMethod()], { log });
    // A verifier that puts the whole token into its error message, as a careless library might.
    const leaky = chainAuthenticators(
      [
        jwtMethod({
          issuer,
          userClaim: 'sub',
          verify: async (token) => {
            throw new Error(`cannot verify ${token}`);
          },
        }),
      ],
      { log },
    );

    const secrets: string[] = ['Guess-Number-One-1', 'Guess-Number-Two-2', 'Bobs-Own-Password-2', 'Right-Horse-Battery-1', 'Unknown-Users-Pass-3', 'Header-Mode-Pass-4'];
    const cognito = (extra: Record<string, unknown>) => signJwt(rsa, { iss: issuer, token_use: 'access', client_id: 'client-1', username: 'alice', exp: nowSeconds() + 300, ...extra });
    const tokens = [
      cognito({ exp: nowSeconds() - 60 }),
      cognito({ client_id: 'client-9' }),
      signJwt({ ...rsa, privateKey: otherKeyLike(rsa) }, { iss: issuer, token_use: 'access', client_id: 'client-1', username: 'alice', exp: nowSeconds() + 300 }),
      signJwt(rsa, { iss: 'https://elsewhere.example.com/', sub: 'x', exp: nowSeconds() + 300 }),
      cognito({ username: 'etl' }),
    ];
    const albToken = signJwt({ ...alb, privateKey: otherKeyLike(alb) }, { email: 'a@example.com', exp: nowSeconds() + 60 }, { signer: ALB_ARN, exp: nowSeconds() + 60 });

    const answers: (AuthResult | { ok: false; status: number; message: string })[] = [];
    const run = async (p: Promise<AuthResult>) => answers.push(await p.catch((e: GatewayError) => ({ ok: false as const, status: e.httpStatus, message: e.message })));
    await run(statement.authenticate(request({ authorization: basic('alice', secrets[0]), 'x-trino-user': 'alice' })));
    await run(statement.authenticate(request({ authorization: basic('alice', secrets[1]) })));
    await run(statement.authenticate(request({ authorization: basic('bob', secrets[2]) })));
    await run(statement.authenticate(request({ authorization: basic('alice', 'third-wrong-guess') })));
    await run(statement.authenticate(request({ authorization: basic('alice', secrets[3]) }))); // locked now, and limited
    await run(statement.authenticate(request({ authorization: basic('mallory', secrets[4]) })));
    await run(statement.authenticate(request({ authorization: basic('alice', secrets[3]), 'x-trino-user': 'root' })));
    await run(headerOnly.authenticate(request({ authorization: basic('carol', secrets[5]), 'x-trino-user': 'carol' })));
    for (const token of tokens) await run(statement.authenticate(request({ authorization: bearer(token), 'x-trino-user': 'root' })));
    await run(statement.authenticate(request({ authorization: tokens[0]! })));
    await run(leaky.authenticate(request({ authorization: bearer(tokens[1]!) })));
    await run(admin.authenticate(request({ 'x-amzn-oidc-data': albToken })));

    expect(answers.every((a) => !a.ok)).toBe(true);
    expect(log.lines.length).toBeGreaterThanOrEqual(answers.length);

    const forbidden = [
      ...secrets,
      'third-wrong-guess',
      ...[...tokens, albToken].flatMap((t) => [t, ...t.split('.').filter((part) => part.length > 20)]),
      ...secrets.flatMap((s) => [`alice:${s}`, `bob:${s}`, `mallory:${s}`, `carol:${s}`]).map((c) => Buffer.from(c).toString('base64')),
    ];
    const logged = log.text();
    const answered = JSON.stringify(answers);
    for (const secret of forbidden) {
      expect(logged).not.toContain(secret);
      expect(answered).not.toContain(secret);
    }
    // The log still says what happened.
    expect(logged).toContain('wrong password');
    expect(logged).toContain('locked for 900 s');
    expect(logged).toContain('too many failed sign-ins');
    expect(logged).toContain('user disabled');
    expect(logged).toContain('expired');
    expect(logged).toContain('impersonation refused');
    expect(logged).toContain('authentication unavailable');
    expect(answers).toContainEqual({ ok: false, status: 503, message: 'Authentication is temporarily unavailable; retry' });
  });
});
