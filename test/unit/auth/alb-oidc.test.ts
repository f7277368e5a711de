import { describe, expect, it } from 'vitest';
import type { Fetcher } from 'aws-jwt-verify/https';
import { awsTokenVerifiers } from '../../../lambdas/adapters/auth/token-verifiers.js';
import { chainAuthenticators } from '../../../lambdas/core/auth/chain.js';
import type { AlbOidcMethodConfig } from '../../../lambdas/core/auth/config.js';
import { albOidcMethod } from '../../../lambdas/core/auth/tokens.js';
import { ecKey, nowSeconds, otherKeyLike, request, signJwt, type SigningKey } from './support.js';

const ALB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/bifrost-admin/0123456789abcdef';
const OTHER_ALB = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/someone-else/fedcba9876543210';
const KEY_ENDPOINT = 'https://public-keys.auth.elb.eu-west-1.amazonaws.com';

/** The regional key endpoint, simulated: PEM public keys by kid, every request recorded. */
function keyEndpoint(keys: SigningKey[]) {
  const asked: string[] = [];
  const fetcher: Fetcher = {
    fetch: async (uri) => {
      asked.push(uri);
      const key = keys.find((k) => uri === `${KEY_ENDPOINT}/${k.kid}`);
      if (!key) throw new Error('404');
      const bytes = Buffer.from(key.pem);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
  return { asked, fetcher };
}

function setup(overrides: Partial<AlbOidcMethodConfig> = {}) {
  const key = ecKey();
  const endpoint = keyEndpoint([key]);
  const config: AlbOidcMethodConfig & { albArn: string } = { type: 'alb-oidc', albArn: ALB_ARN, clientId: 'admin-ui-client', issuer: 'https://idp.example.com', userClaim: 'email', groupsClaim: 'groups', graceSeconds: 0, ...overrides };
  const verify = awsTokenVerifiers({ fetcher: endpoint.fetcher }).albOidc(config);
  const chain = chainAuthenticators([albOidcMethod({ verify, userClaim: config.userClaim, groupsClaim: config.groupsClaim })]);
  const exp = nowSeconds() + 120;
  /** A token as the ALB makes it: ES256, signer and client in the header, '='-padded segments. */
  const token = (header: Record<string, unknown> = {}, payload: Record<string, unknown> = {}, signWith: SigningKey = key) =>
    signJwt(signWith, { sub: 'abc-123', email: 'admin@example.com', groups: ['bifrost-admins'], exp, iss: 'https://idp.example.com', ...payload }, { signer: ALB_ARN, iss: 'https://idp.example.com', client: 'admin-ui-client', exp, ...header }, { padded: true });
  return { key, endpoint, chain, token };
}

describe("the ALB's x-amzn-oidc-data", () => {
  it('is accepted when signed by the configured ALB, with the key fetched once from the regional endpoint', async () => {
    const { key, endpoint, chain, token } = setup();
    for (let i = 0; i < 3; i++) {
      const result = await chain.authenticate(request({ 'x-amzn-oidc-data': token() }, { method: 'GET', path: '/admin/api/users' }));
      expect(result).toEqual({ ok: true, principal: { user: 'admin@example.com', groups: ['bifrost-admins'], method: 'alb-oidc', authenticatedUser: 'admin@example.com' } });
    }
    expect(endpoint.asked).toEqual([`${KEY_ENDPOINT}/${key.kid}`]);
  });

  it('is refused when another load balancer signed it', async () => {
    const { chain, token } = setup();
    const result = await chain.authenticate(request({ 'x-amzn-oidc-data': token({ signer: OTHER_ALB }) }));
    expect(result).toMatchObject({ ok: false, status: 401, message: 'Access Denied: Invalid token: the token was not signed by the configured load balancer' });
  });

  it('is refused with a bad signature or a changed payload', async () => {
    const { key, chain, token } = setup();
    const forged = token({}, {}, { ...key, privateKey: otherKeyLike(key) });
    expect(await chain.authenticate(request({ 'x-amzn-oidc-data': forged }))).toMatchObject({ ok: false, status: 401, message: expect.stringContaining('signature') });
    const [h, , s] = token().split('.');
    const changed = `${h}.${Buffer.from(JSON.stringify({ email: 'root@example.com', exp: nowSeconds() + 60 })).toString('base64url')}.${s}`;
    expect(await chain.authenticate(request({ 'x-amzn-oidc-data': changed }))).toMatchObject({ ok: false, status: 401 });
  });

  it('is refused when expired or made for another client', async () => {
    const { chain, token } = setup();
    const past = nowSeconds() - 600;
    expect(await chain.authenticate(request({ 'x-amzn-oidc-data': token({ exp: past }, { exp: past }) }))).toMatchObject({ ok: false, message: expect.stringContaining('expired') });
    expect(await chain.authenticate(request({ 'x-amzn-oidc-data': token({ client: 'other-client' }) }))).toMatchObject({ ok: false, status: 401 });
  });

  it('never asks for a key whose id is not a UUID: the kid cannot steer the fetch', async () => {
    const { endpoint, chain, token } = setup();
    for (const kid of ['../../evil', 'x/../../169.254.169.254/latest', 'https://attacker.example.com/key', '']) {
      expect(await chain.authenticate(request({ 'x-amzn-oidc-data': token({ kid }) }))).toMatchObject({ ok: false, status: 401 });
    }
    expect(endpoint.asked).toEqual([]);
  });

  it('needs ES256', async () => {
    const { endpoint, chain, token } = setup();
    expect(await chain.authenticate(request({ 'x-amzn-oidc-data': token({ alg: 'RS256' }) }))).toMatchObject({ ok: false, status: 401 });
    expect(endpoint.asked).toEqual([]);
  });

  it('without the header, is a 401 with no challenge (the ALB sends browsers to the login page)', async () => {
    const { chain } = setup();
    expect(await chain.authenticate(request({}))).toEqual({ ok: false, status: 401, message: 'Unauthorized', challenge: [] });
  });
});
