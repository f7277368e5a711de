import type { Logger } from '../gateway.js';
import { chainAuthenticators, type AuthMethod, type AuthenticatorChain } from './chain.js';
import { ALB_ARN_PATTERN, authMethodsFor, jwtIssuer, type AlbOidcMethodConfig, type AuthConfig, type AuthEndpoint, type AuthMode, type JwtMethodConfig } from './config.js';
import { headerMethod } from './header.js';
import type { Impersonation } from './impersonation.js';
import { passwordMethod, storeGroups } from './password.js';
import type { ScryptParams } from './password-hash.js';
import { albOidcMethod, jwtMethod, type VerifyToken } from './tokens.js';
import type { UserStore } from './user-store.js';

/** Builds the signature verifiers; the AWS implementation (aws-jwt-verify) is in the adapters. */
export interface TokenVerifierFactory {
  jwt(method: JwtMethodConfig): VerifyToken;
  albOidc(method: AlbOidcMethodConfig & { albArn: string }): VerifyToken;
}

export interface AuthDeps {
  /** Needed when a password method is configured. */
  userStore?: UserStore;
  /** Needed when a jwt or alb-oidc method is configured. */
  tokenVerifiers?: TokenVerifierFactory;
  /** The ARN of the load balancer in front of the admin function, for alb-oidc methods that name none. */
  albArn?: string;
  /** Who may run as whom; default: nobody as anybody else. */
  canImpersonate?: Impersonation;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: Logger;
  /** scrypt cost of the decoy hash for unknown users (tests lower it). */
  decoyParams?: ScryptParams;
}

export interface AuthOptions {
  /** Chooses the defaults when the config has no `auth` section: passwords (deployed) or the user header (local). */
  mode?: AuthMode;
  endpoint?: AuthEndpoint;
}

/**
 * The authenticator for one door, from the config's `auth` section: the configured methods
 * chained in order, then the impersonation check of the user header against the authenticated user.
 */
export function createAuthenticator(config: { auth?: AuthConfig | undefined }, deps: AuthDeps, options: AuthOptions = {}): AuthenticatorChain {
  const methods = authMethodsFor(config.auth, options.mode ?? 'deployed', options.endpoint ?? 'statement');
  const built: AuthMethod[] = methods.map((method) => {
    switch (method.type) {
      case 'header':
        return headerMethod();
      case 'password': {
        if (!deps.userStore) throw new Error('auth: the password method needs a user store (the users table)');
        return passwordMethod(
          { lockout: method.lockout, slowdown: method.slowdown, cacheSeconds: method.cacheSeconds },
          { store: deps.userStore, ...(deps.clock ? { clock: deps.clock } : {}), ...(deps.sleep ? { sleep: deps.sleep } : {}), ...(deps.log ? { log: deps.log } : {}), ...(deps.decoyParams ? { decoyParams: deps.decoyParams } : {}) },
        );
      }
      case 'jwt': {
        if (!deps.tokenVerifiers) throw new Error('auth: the jwt method needs token verifiers');
        const userClaim = method.userClaim ?? (method.provider === 'cognito' ? ['cognito:username', 'username'] : 'sub');
        return jwtMethod({ issuer: jwtIssuer(method), verify: deps.tokenVerifiers.jwt(method), userClaim, groupsClaim: method.groupsClaim, ...(method.userPattern ? { userPattern: method.userPattern } : {}) });
      }
      case 'alb-oidc': {
        if (!deps.tokenVerifiers) throw new Error('auth: the alb-oidc method needs token verifiers');
        const albArn = method.albArn ?? deps.albArn;
        if (!albArn) throw new Error('auth: the alb-oidc method needs the ARN of the load balancer (albArn in the config, or from the environment)');
        if (!ALB_ARN_PATTERN.test(albArn)) throw new Error(`auth: ${albArn} is not the ARN of an application load balancer in a commercial region`);
        return albOidcMethod({ verify: deps.tokenVerifiers.albOidc({ ...method, albArn }), userClaim: method.userClaim, groupsClaim: method.groupsClaim, ...(method.userPattern ? { userPattern: method.userPattern } : {}) });
      }
    }
  });
  return chainAuthenticators(built, {
    ...(deps.canImpersonate ? { canImpersonate: deps.canImpersonate } : {}),
    ...(deps.userStore ? { groupsOf: storeGroups(deps.userStore) } : {}),
    ...(deps.log ? { log: deps.log } : {}),
  });
}

export { chainAuthenticators, BASIC_CHALLENGE, BEARER_CHALLENGE, type AuthMethod, type AuthenticatorChain, type AuthenticatedPrincipal } from './chain.js';
export { authSchema, authMethodsFor, type AuthConfig, type AuthMethodConfig, type AuthMode, type AuthEndpoint, type JwtMethodConfig, type AlbOidcMethodConfig } from './config.js';
export { denyImpersonation, type Impersonation } from './impersonation.js';
export { hashPassword, verifyPassword, DEFAULT_SCRYPT, type ScryptParams } from './password-hash.js';
export { passwordMethod, DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from './password.js';
export { headerMethod } from './header.js';
export { jwtMethod, albOidcMethod, TokenRejected, type VerifyToken, type VerifiedToken, type TokenRejectionReason } from './tokens.js';
export { InMemoryUserStore, validUserName, type UserRecord, type UserStore } from './user-store.js';
