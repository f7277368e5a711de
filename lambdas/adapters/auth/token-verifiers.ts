import { AlbJwtVerifier, CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { AlbJwksCache } from 'aws-jwt-verify/alb-cache';
import {
  AlbJwtInvalidClientIdError,
  AlbJwtInvalidSignerError,
  CognitoJwtInvalidClientIdError,
  FetchError,
  JwkInvalidKtyError,
  JwkInvalidUseError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidClaimError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import { SimpleFetcher, type Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache, type Jwks } from 'aws-jwt-verify/jwk';
import type { TokenVerifierFactory } from '../../core/auth/index.js';
import { cognitoIssuer, type AlbOidcMethodConfig, type JwtMethodConfig } from '../../core/auth/config.js';
import { ALB_KID, decodeUnverified, TokenRejected, type TokenRejectionReason } from '../../core/auth/tokens.js';
import type { VerifiedToken, VerifyToken } from '../../core/ports/index.js';

/**
 * Signature verification with aws-jwt-verify: Cognito user pools, any OIDC issuer by its JWKS,
 * and the ALB's `x-amzn-oidc-data`. Every URL fetched comes from the config: the JWKS URI of an
 * issuer, or the fixed regional endpoint of the ALB's keys with a UUID key id. A token can pick a
 * key among those, never a place to fetch from.
 */
export interface TokenVerifierOptions {
  /** Fetches key documents (default: HTTPS with aws-jwt-verify's timeouts). Tests inject their own. */
  fetcher?: Fetcher;
  /** Key sets known in advance, by JWKS URI: used before anything is fetched. */
  jwks?: Record<string, Jwks>;
}

export function oidcJwksUri(issuer: string, jwksUri?: string): string {
  return jwksUri ?? `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
}

/** Only the given URIs may be fetched. */
function onlyUris(allowed: (uri: string) => boolean, fetcher: Fetcher): Fetcher {
  return {
    fetch: (uri, requestOptions, data) => {
      if (!allowed(uri)) return Promise.reject(new FetchError(uri.slice(0, 200), 'refused: not a configured key location'));
      return fetcher.fetch(uri, requestOptions, data);
    },
  };
}

export function awsTokenVerifiers(options: TokenVerifierOptions = {}): TokenVerifierFactory {
  const base = options.fetcher ?? new SimpleFetcher();
  return {
    jwt(method: JwtMethodConfig): VerifyToken {
      const graceSeconds = method.graceSeconds;
      if (method.provider === 'cognito') {
        const uri = `${cognitoIssuer(method.userPoolId)}/.well-known/jwks.json`;
        const jwksCache = new SimpleJwksCache({ fetcher: onlyUris((u) => u === uri, base) });
        const verifier = CognitoJwtVerifier.create({ userPoolId: method.userPoolId, clientId: method.clientId, tokenUse: method.tokenUse, graceSeconds }, { jwksCache });
        if (options.jwks?.[uri]) verifier.cacheJwks(options.jwks[uri]);
        return wrap((token) => verifier.verify(token) as Promise<Record<string, unknown>>);
      }
      const uri = oidcJwksUri(method.issuer, method.jwksUri);
      const jwksCache = new SimpleJwksCache({ fetcher: onlyUris((u) => u === uri, base) });
      const verifier = JwtVerifier.create({ issuer: method.issuer, audience: method.audience, jwksUri: uri, graceSeconds }, { jwksCache });
      if (options.jwks?.[uri]) verifier.cacheJwks(options.jwks[uri]);
      return wrap((token) => verifier.verify(token) as Promise<Record<string, unknown>>);
    },

    albOidc(method: AlbOidcMethodConfig & { albArn: string }): VerifyToken {
      const region = method.albArn.split(':')[3]!;
      const endpoint = `https://public-keys.auth.elb.${region}.amazonaws.com`;
      const keyUri = new RegExp(`^${endpoint.replace(/\./g, '\\.')}/(.+)$`);
      const fetcher = onlyUris((uri) => {
        const kid = keyUri.exec(uri)?.[1];
        return kid !== undefined && ALB_KID.test(kid);
      }, base);
      const verifier = AlbJwtVerifier.create(
        { albArn: method.albArn, issuer: method.issuer ?? null, clientId: method.clientId ?? null, graceSeconds: method.graceSeconds, jwksUri: endpoint },
        { jwksCache: new AlbJwksCache({ fetcher }) },
      );
      return wrap((token) => verifier.verify(token) as Promise<Record<string, unknown>>);
    },
  };
}

function wrap(verify: (token: string) => Promise<Record<string, unknown>>): VerifyToken {
  return async (token: string): Promise<VerifiedToken> => {
    let payload: Record<string, unknown>;
    try {
      payload = await verify(token);
    } catch (error) {
      throw rejection(error);
    }
    const decoded = decodeUnverified(token);
    if (!decoded) throw new TokenRejected('malformed');
    return { header: decoded.header, payload };
  };
}

/** aws-jwt-verify's errors as reasons; its messages are not passed on (they may quote claims). */
export function rejection(error: unknown): TokenRejected {
  const reason = ((): TokenRejectionReason => {
    if (error instanceof JwtExpiredError) return 'expired';
    if (error instanceof JwtNotBeforeError) return 'not-yet-valid';
    if (error instanceof JwtInvalidIssuerError) return 'issuer';
    if (error instanceof JwtInvalidAudienceError || error instanceof CognitoJwtInvalidClientIdError || error instanceof AlbJwtInvalidClientIdError) return 'audience';
    if (error instanceof AlbJwtInvalidSignerError) return 'signer';
    if (error instanceof JwtInvalidSignatureError || error instanceof JwtInvalidSignatureAlgorithmError) return 'signature';
    if (error instanceof KidNotFoundInJwksError || error instanceof JwtWithoutValidKidError || error instanceof WaitPeriodNotYetEndedJwkError || error instanceof JwkInvalidUseError || error instanceof JwkInvalidKtyError) return 'key';
    if (error instanceof JwtInvalidClaimError) return 'claim';
    if (error instanceof JwtParseError) return 'malformed';
    if (error instanceof FetchError || error instanceof JwksValidationError || error instanceof JwkValidationError || error instanceof JwksNotAvailableInCacheError) return 'unavailable';
    return 'unavailable';
  })();
  return new TokenRejected(reason, errorName(error));
}

/** aws-jwt-verify's errors keep the name `Error`: their class says more. */
function errorName(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  return error.constructor.name && error.constructor.name !== 'Error' ? error.constructor.name : error.name;
}
