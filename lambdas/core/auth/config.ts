import { z } from 'zod';

/**
 * The `auth` section of the config file: authentication methods in the order they are tried.
 *
 * ```yaml
 * auth:
 *   methods:                      # the Presto/Trino endpoint
 *     - type: password            # users in the DynamoDB users table (bifrost users add ...)
 *     - type: jwt
 *       provider: oidc
 *       issuer: https://login.example.com/
 *       audience: bifrost
 *   adminMethods:                 # the admin UI and API (default: the same as methods)
 *     - type: alb-oidc
 *       albArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/bifrost/0123456789abcdef
 * ```
 *
 * Without an `auth` section a deployment uses passwords only and the local mode the user header
 * only. The header method is used elsewhere only where a config lists it.
 */
const claimName = z.string().min(1).max(256);
const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s, 'u');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);
const oneOrMore = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const https = z.url({ protocol: /^https$/, message: 'an https:// URL' });
const graceSeconds = z.number().int().min(0).max(300).default(0);

/** An application load balancer in a commercial region. */
export const ALB_ARN_PATTERN = /^arn:aws:elasticloadbalancing:[a-z]{2}-[a-z]+-\d:\d{12}:loadbalancer\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;

export const headerMethodSchema = z.object({ type: z.literal('header') }).strict();

export const passwordMethodSchema = z
  .object({
    type: z.literal('password'),
    lockout: z
      .object({
        /** Failed attempts that lock the account; 0 never locks. Also the limit of failed sign-ins per user name, known or not. */
        maxFailures: z.number().int().min(0).max(1000).default(10),
        lockSeconds: z.number().int().min(1).max(7 * 86_400).default(900),
        /** Failures older than this are forgotten. */
        windowSeconds: z.number().int().min(1).max(7 * 86_400).default(900),
      })
      .strict()
      .prefault({}),
    /** Failed sign-ins from one client address (IPv6: one /64) after which its attempts are refused unchecked until the window lets them through. */
    perAddress: z
      .object({
        /** 0: no limit per address. */
        maxFailures: z.number().int().min(0).max(100_000).default(30),
        windowSeconds: z.number().int().min(1).max(86_400).default(900),
      })
      .strict()
      .prefault({}),
    slowdown: z
      .object({
        /** Delay before answering the first failure; doubles with each further failure of the address or user name. */
        initialDelayMs: z.number().int().min(0).max(10_000).default(250),
        maxDelayMs: z.number().int().min(0).max(30_000).default(4_000),
      })
      .strict()
      .prefault({}),
    /** How long one instance remembers a verified password (polls carry it every second). */
    cacheSeconds: z.number().int().min(0).max(3_600).default(60),
  })
  .strict();

export const cognitoMethodSchema = z
  .object({
    type: z.literal('jwt'),
    provider: z.literal('cognito'),
    userPoolId: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d_[0-9A-Za-z]+$/, 'a Cognito user pool id such as eu-west-1_AbCdEf123'),
    /** App client ids whose tokens are accepted. */
    clientId: oneOrMore,
    tokenUse: z.enum(['id', 'access']).default('access'),
    /** Default: cognito:username (id tokens), then username (access tokens). */
    userClaim: z.union([claimName, z.array(claimName).min(1)]).optional(),
    userPattern: regex.optional(),
    groupsClaim: claimName.default('cognito:groups'),
    graceSeconds,
  })
  .strict();

export const oidcMethodSchema = z
  .object({
    type: z.literal('jwt'),
    provider: z.literal('oidc'),
    /** Exactly the `iss` of the tokens. */
    issuer: https,
    /** Accepted `aud` values: required, so tokens the issuer made for other applications are refused. */
    audience: oneOrMore,
    /** Where the issuer publishes its keys; default: <issuer>/.well-known/jwks.json. Never taken from a token. */
    jwksUri: https.optional(),
    userClaim: z.union([claimName, z.array(claimName).min(1)]).default('sub'),
    userPattern: regex.optional(),
    groupsClaim: claimName.default('groups'),
    graceSeconds,
  })
  .strict();

export const albOidcMethodSchema = z
  .object({
    type: z.literal('alb-oidc'),
    /**
     * The load balancer that signs `x-amzn-oidc-data` (its `signer`); its region picks the key
     * endpoint. Commercial regions only: GovCloud and China publish the keys elsewhere. Absent:
     * the load balancer the stack creates, whose ARN the admin function gets from its environment.
     */
    albArn: z.string().regex(ALB_ARN_PATTERN, 'the ARN of an application load balancer').optional(),
    /** The IdP client id of the ALB's authenticate action (the token's `client`); unchecked when absent. */
    clientId: oneOrMore.optional(),
    /** The IdP's issuer (the token's `iss`); unchecked when absent. */
    issuer: z.string().min(1).optional(),
    userClaim: z.union([claimName, z.array(claimName).min(1)]).default('email'),
    userPattern: regex.optional(),
    groupsClaim: claimName.default('groups'),
    graceSeconds,
  })
  .strict();

export const authMethodSchema = z.discriminatedUnion('type', [headerMethodSchema, passwordMethodSchema, z.discriminatedUnion('provider', [cognitoMethodSchema, oidcMethodSchema]), albOidcMethodSchema]);

export type HeaderMethodConfig = z.infer<typeof headerMethodSchema>;
export type PasswordMethodConfig = z.infer<typeof passwordMethodSchema>;
export type CognitoMethodConfig = z.infer<typeof cognitoMethodSchema>;
export type OidcMethodConfig = z.infer<typeof oidcMethodSchema>;
export type JwtMethodConfig = CognitoMethodConfig | OidcMethodConfig;
export type AlbOidcMethodConfig = z.infer<typeof albOidcMethodSchema>;
export type AuthMethodConfig = z.infer<typeof authMethodSchema>;

/** The `iss` of a Cognito user pool's tokens. */
export function cognitoIssuer(userPoolId: string): string {
  return `https://cognito-idp.${userPoolId.split('_')[0]}.amazonaws.com/${userPoolId}`;
}

export function jwtIssuer(method: JwtMethodConfig): string {
  return method.provider === 'cognito' ? cognitoIssuer(method.userPoolId) : method.issuer;
}

function checkList(methods: AuthMethodConfig[], path: string, ctx: z.RefinementCtx, allowAlb: boolean): void {
  const seen = new Set<string>();
  methods.forEach((method, i) => {
    let key: string = method.type;
    if (method.type === 'alb-oidc') {
      if (!allowAlb) ctx.addIssue({ code: 'custom', path: [path, i, 'type'], message: "the ALB's OIDC login needs a browser, which Presto/Trino clients are not: use it in adminMethods" });
      key = `alb-oidc ${method.albArn ?? '(the deployed load balancer)'}`;
    }
    if (method.type === 'jwt') key = `jwt ${jwtIssuer(method)}`;
    if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [path, i], message: method.type === 'jwt' ? `a second jwt method for issuer ${jwtIssuer(method)} would never be reached` : `${method.type} is listed twice` });
    seen.add(key);
  });
}

export const authSchema = z
  .object({
    methods: z.array(authMethodSchema).min(1).prefault([{ type: 'password' }]),
    adminMethods: z.array(authMethodSchema).min(1).optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    checkList(auth.methods, 'methods', ctx, false);
    if (auth.adminMethods) checkList(auth.adminMethods, 'adminMethods', ctx, true);
  });

export type AuthConfig = z.infer<typeof authSchema>;

/** Where the authenticator runs: a deployed Lambda or the local server. */
export type AuthMode = 'deployed' | 'local';
/** Which door it guards: the Presto/Trino endpoint or the admin UI and API. */
export type AuthEndpoint = 'statement' | 'admin';

export const DEFAULT_DEPLOYED_METHODS: readonly AuthMethodConfig[] = Object.freeze([passwordMethodSchema.parse({ type: 'password' })]);
export const DEFAULT_LOCAL_METHODS: readonly AuthMethodConfig[] = Object.freeze([{ type: 'header' } as const]);

/** The methods for one door, in order, with the defaults of the mode when the config has no `auth`. */
export function authMethodsFor(auth: AuthConfig | undefined, mode: AuthMode, endpoint: AuthEndpoint = 'statement'): readonly AuthMethodConfig[] {
  if (!auth) return mode === 'local' ? DEFAULT_LOCAL_METHODS : DEFAULT_DEPLOYED_METHODS;
  return endpoint === 'admin' ? (auth.adminMethods ?? auth.methods) : auth.methods;
}
