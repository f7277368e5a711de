import { chainAuthenticators, type AuthMethod, type AuthenticatorChain } from './chain.js';
import { ALB_ARN_PATTERN, authMethodsFor, jwtIssuer, type AuthConfig, type AuthEndpoint, type AuthMethodConfig, type AuthMode } from './config.js';
import { headerMethod } from './header.js';
import type { Impersonation } from './impersonation.js';
import { passwordMethod, storeGroups } from './password.js';
import type { ScryptParams } from './password-hash.js';
import { albOidcMethod, jwtMethod } from './tokens.js';
import type { TokenVerifierFactory, UserStore, Logger } from '../ports/index.js';

/** Builds the signature verifiers (a port: ports/auth.ts); the AWS implementation is in the adapters. */
export type { TokenVerifierFactory } from '../ports/index.js';

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

/** The config asks for a method that cannot be set up here; the message is one line, fit for an operator. */
export class AuthSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthSetupError';
  }
}

/** What a home can give the methods, for checking a config before anything starts. */
export interface AuthAvailability {
  userStore: boolean;
  tokenVerifiers: boolean;
  albArn?: string;
}

/** Why a method cannot be built with what is available; undefined when it can. */
function setupProblem(method: AuthMethodConfig, where: string, available: AuthAvailability): string | undefined {
  switch (method.type) {
    case 'header':
      return undefined;
    case 'password':
      return available.userStore ? undefined : `${where} (password) needs a user store (the users table)`;
    case 'jwt':
      return available.tokenVerifiers ? undefined : `${where} (jwt) needs token verifiers`;
    case 'alb-oidc': {
      if (!available.tokenVerifiers) return `${where} (alb-oidc) needs token verifiers`;
      const albArn = method.albArn ?? available.albArn;
      if (!albArn) return `${where} (alb-oidc) needs albArn: the ARN of the load balancer that signs x-amzn-oidc-data (none is in front of this server to take it from)`;
      if (!ALB_ARN_PATTERN.test(albArn)) return `${where} (alb-oidc): ${albArn} is not the ARN of an application load balancer in a commercial region`;
      return undefined;
    }
  }
}

/**
 * The first problem of the config's methods for both doors in a mode, as one line; undefined when
 * every method can be built. Lets a server refuse a config before it starts anything.
 */
export function authSetupProblem(config: { auth?: AuthConfig | undefined }, available: AuthAvailability, mode: AuthMode): string | undefined {
  for (const endpoint of ['statement', 'admin'] as const) {
    const list = endpoint === 'admin' && config.auth?.adminMethods ? 'auth.adminMethods' : 'auth.methods';
    const methods = authMethodsFor(config.auth, mode, endpoint);
    for (const [i, method] of methods.entries()) {
      const problem = setupProblem(method, `${list}[${i}]`, available);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * The authenticator for one door, from the config's `auth` section: the configured methods
 * chained in order, then the impersonation check of the user header against the authenticated user.
 * Throws AuthSetupError when a method cannot be built with the given deps.
 */
export function createAuthenticator(config: { auth?: AuthConfig | undefined }, deps: AuthDeps, options: AuthOptions = {}): AuthenticatorChain {
  const methods = authMethodsFor(config.auth, options.mode ?? 'deployed', options.endpoint ?? 'statement');
  const list = options.endpoint === 'admin' && config.auth?.adminMethods ? 'auth.adminMethods' : 'auth.methods';
  const available: AuthAvailability = { userStore: Boolean(deps.userStore), tokenVerifiers: Boolean(deps.tokenVerifiers), ...(deps.albArn ? { albArn: deps.albArn } : {}) };
  const built: AuthMethod[] = methods.map((method, i) => {
    const problem = setupProblem(method, `${list}[${i}]`, available);
    if (problem) throw new AuthSetupError(`auth: ${problem}`);
    switch (method.type) {
      case 'header':
        return headerMethod();
      case 'password':
        return passwordMethod(
          { lockout: method.lockout, perAddress: method.perAddress, slowdown: method.slowdown, cacheSeconds: method.cacheSeconds },
          { store: deps.userStore!, ...(deps.clock ? { clock: deps.clock } : {}), ...(deps.sleep ? { sleep: deps.sleep } : {}), ...(deps.log ? { log: deps.log } : {}), ...(deps.decoyParams ? { decoyParams: deps.decoyParams } : {}) },
        );
      case 'jwt': {
        const userClaim = method.userClaim ?? (method.provider === 'cognito' ? ['cognito:username', 'username'] : 'sub');
        return jwtMethod({ issuer: jwtIssuer(method), verify: deps.tokenVerifiers!.jwt(method), userClaim, groupsClaim: method.groupsClaim, ...(method.userPattern ? { userPattern: method.userPattern } : {}) });
      }
      case 'alb-oidc': {
        const albArn = (method.albArn ?? deps.albArn)!;
        return albOidcMethod({ verify: deps.tokenVerifiers!.albOidc({ ...method, albArn }), userClaim: method.userClaim, groupsClaim: method.groupsClaim, ...(method.userPattern ? { userPattern: method.userPattern } : {}) });
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
export { headerAuthenticator, headerMethod } from './header.js';
export { jwtMethod, albOidcMethod, TokenRejected, type TokenRejectionReason } from './tokens.js';
export { InMemoryUserStore, sessionEpochKey, validUserName } from './user-store.js';
export { addressAttemptKey, userAttemptKey, tooManyFailuresMessage } from './sign-in-limits.js';
export type { FailureWindow, SessionEpochStore, SignInAttemptStore, UserRecord, UserStore, VerifiedToken, VerifyToken } from '../ports/index.js';
