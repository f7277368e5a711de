import { GatewayError } from '../errors.js';
import type { GatewayRequest, AuthResult, Authenticator, Principal, Logger } from '../ports/index.js';
import { presentedCredential, requestedUser, type Presented } from './credentials.js';
import { denyImpersonation, impersonationDenied, type Impersonation } from './impersonation.js';

export type AuthMethodType = 'header' | 'password' | 'jwt' | 'alb-oidc';

/** What one method makes of a request. */
export type Attempt =
  /** Nothing this method recognises: the next method looks. */
  | { kind: 'absent' }
  | { kind: 'accepted'; principal: Principal }
  /**
   * The method recognised the credential and it is wrong: the chain stops here. `message` goes
   * to the client, `reason` to the log; neither may contain a secret.
   */
  | { kind: 'refused'; message: string; reason: string; user?: string; retryAfterSeconds?: number };

export interface AuthMethod {
  readonly type: AuthMethodType;
  /** WWW-Authenticate values this method answers a 401 with (Trino's wording). */
  readonly challenges: readonly string[];
  attempt(request: GatewayRequest, presented: Presented): Promise<Attempt>;
}

/** The principal with the user that proved who they are, when it differs from the session user. */
export interface AuthenticatedPrincipal extends Principal {
  authenticatedUser: string;
}

export interface ChainOptions {
  canImpersonate?: Impersonation;
  /** Groups of a user someone impersonates (the authenticated user's groups are not theirs). */
  groupsOf?: (user: string) => Promise<string[]>;
  log?: Logger;
}

export interface AuthenticatorChain extends Authenticator {
  readonly methods: readonly AuthMethodType[];
  /** True when the chain takes the user header on trust (the header method is in it). */
  readonly trustsUserHeader: boolean;
}

export const BASIC_CHALLENGE = 'Basic realm="Trino"';
export const BEARER_CHALLENGE = 'Bearer realm="Trino", token_type="JWT"';

const silent: Logger = { info() {}, warn() {}, error() {} };

/**
 * Methods in configured order; the first that recognises the credential decides. A credential
 * that is presented and wrong is a refusal, never a reason to try a weaker method: a bad password
 * does not fall through to the user header.
 */
export function chainAuthenticators(methods: readonly AuthMethod[], options: ChainOptions = {}): AuthenticatorChain {
  if (methods.length === 0) throw new Error('at least one authentication method is needed');
  const canImpersonate = options.canImpersonate ?? denyImpersonation;
  const log = options.log ?? silent;
  const challenges = [...new Set(methods.flatMap((m) => m.challenges))];
  const types = methods.map((m) => m.type);
  const hasHeader = types.includes('header');

  function unauthorized(message: string, retryAfterSeconds?: number): AuthResult {
    return { ok: false, status: 401, message, challenge: [...challenges], ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  }

  function refuse(method: string, message: string, reason: string, request: GatewayRequest, user?: string, retryAfterSeconds?: number): AuthResult {
    log.warn('authentication refused', { method, reason, ...(user !== undefined ? { user } : {}), path: request.path, ...(request.remoteAddress ? { remoteAddress: request.remoteAddress } : {}) });
    return unauthorized(message, retryAfterSeconds);
  }

  async function authenticate(request: GatewayRequest): Promise<AuthResult> {
    const presented = presentedCredential(request);
    if (presented.kind === 'malformed') return refuse('none', presented.reason, 'malformed Authorization header', request);
    for (const method of methods) {
      const attempt = await attemptOrUnavailable(method, request, presented);
      if (attempt.kind === 'absent') continue;
      if (attempt.kind === 'refused') return refuse(method.type, attempt.message, attempt.reason, request, attempt.user, attempt.retryAfterSeconds);
      return impersonate(request, attempt.principal);
    }
    if (presented.kind === 'basic') {
      const message = hasHeader && presented.password !== undefined ? 'Password not allowed for insecure authentication' : 'Access Denied: passwords are not accepted here';
      return refuse('none', message, 'Basic credentials and no password method', request, presented.user);
    }
    if (presented.kind === 'bearer') {
      const message = types.includes('jwt') ? 'Access Denied: Invalid token: not issued by an accepted issuer, or not a JWT' : 'Access Denied: bearer tokens are not accepted here';
      return refuse('none', message, 'bearer token no method recognised', request);
    }
    if (presented.kind === 'other') return refuse('none', 'Access Denied: unsupported authentication scheme', 'unsupported Authorization scheme', request);
    return unauthorized(hasHeader ? 'Basic authentication or X-Trino-User must be sent' : 'Unauthorized');
  }

  /**
   * A store or network failure is not the client's fault: 503, which clients retry on polls,
   * rather than a 401 that would send them to ask the user for a password again.
   */
  async function attemptOrUnavailable(method: AuthMethod, request: GatewayRequest, presented: Presented): Promise<Attempt> {
    try {
      return await method.attempt(request, presented);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      log.error('authentication unavailable', { method: method.type, error: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : typeof error, path: request.path });
      throw new GatewayError(503, 'Authentication is temporarily unavailable; retry');
    }
  }

  async function impersonate(request: GatewayRequest, principal: Principal): Promise<AuthResult> {
    const requested = requestedUser(request);
    if (requested === undefined || requested === principal.user) {
      return { ok: true, principal: { ...principal, groups: [...principal.groups], authenticatedUser: principal.user } as AuthenticatedPrincipal };
    }
    if (!canImpersonate(principal.user, requested, principal)) {
      log.warn('impersonation refused', { method: principal.method, user: principal.user, requestedUser: requested, path: request.path, ...(request.remoteAddress ? { remoteAddress: request.remoteAddress } : {}) });
      return { ok: false, status: 403, message: impersonationDenied(principal.user, requested) };
    }
    const groups = options.groupsOf ? await options.groupsOf(requested) : [];
    const impersonated: AuthenticatedPrincipal = { user: requested, groups: [...groups], method: principal.method, authenticatedUser: principal.user };
    return { ok: true, principal: impersonated };
  }

  return { authenticate, methods: types, trustsUserHeader: hasHeader };
}
