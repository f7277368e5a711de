/**
 * The contract between the code and the stack: plain data that lib/ (the CDK stack) and the
 * runtime (handlers, adapters, the local server) both read, so each fact is written once.
 * Environment variable names, DynamoDB table specs, metric names and handler entry paths.
 * No imports, no logic: the stack must be able to read it without pulling in runtime code.
 */

/**
 * The Athena query states whose change events tracking receives: the ends of queries. Progress
 * (QUEUED, RUNNING) is recorded by the client's polls; an end is what must never be missed (a
 * query whose client went away, its data scanned and cost), so only ends are delivered, and each
 * costs one lookup and one conditional write.
 */
export const TRACKED_ATHENA_STATES = ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const;

/** The environment variables of Bifrost's Lambda functions: the stack sets them, handlers read them. */
export const ENV = {
  /** Name of the DynamoDB queries table. */
  QUERIES_TABLE: 'QUERIES_TABLE',
  /** Path of the Bifrost config file (YAML or JSON) shipped with the function. */
  CONFIG_FILE: 'CONFIG_FILE',
  /** The Bifrost config itself (JSON or YAML text); wins over CONFIG_FILE. */
  CONFIG_JSON: 'CONFIG_JSON',
  /** Name of the DynamoDB config table (run-time routing changes, cluster health, audit). */
  CONFIG_TABLE: 'CONFIG_TABLE',
  /** Name of the DynamoDB users table (password authentication, sign-in counters). */
  USERS_TABLE: 'USERS_TABLE',
  /** Secrets Manager secret holding the key that signs nextUri tokens and admin sessions. */
  PAGE_TOKEN_SECRET_ARN: 'PAGE_TOKEN_SECRET_ARN',
  /** ARN of the load balancer, checked as the signer of ALB OIDC tokens (admin). */
  LOAD_BALANCER_ARN: 'LOAD_BALANCER_ARN',
  /** Bucket of spooled result segments (the result bucket), under SPOOL_PREFIX; unset: no spooling protocol. */
  SPOOL_BUCKET: 'SPOOL_BUCKET',
  /** The EventBridge bus Bifrost's own events go to (docs/events.md); absent: the config's, else the default bus. */
  EVENT_BUS_NAME: 'EVENT_BUS_NAME',
  /** Read by Powertools itself: the service name in logs and metrics. */
  POWERTOOLS_SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
  /** Read by Powertools itself: the CloudWatch namespace of the metrics. */
  POWERTOOLS_METRICS_NAMESPACE: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * Where spooled result segments live in the result bucket. The statement function may only put,
 * get and delete objects here; a lifecycle rule expires them after SPOOL_RETENTION_DAYS.
 */
export const SPOOL_PREFIX = 'spool/';
export const SPOOL_RETENTION_DAYS = 1;

/** Handler modules, relative to the project root. */
export const HANDLERS = {
  statement: 'lambdas/handlers/statement.ts',
  athenaEvents: 'lambdas/handlers/athena-events.ts',
  sweeper: 'lambdas/handlers/sweeper.ts',
  admin: 'lambdas/handlers/admin.ts',
} as const;

/**
 * The SQL parser's and lexer's prediction caches, written next to the statement function's handler
 * when it is bundled (lambdas/core/sql/parser-snapshot.ts): restoring them replaces the warm-up.
 */
export const PARSER_SNAPSHOT_FILE = 'trino-parser-dfa.json';

/** CloudWatch metrics: the namespace every function emits into, and the metrics alarms read. */
export const METRICS = {
  namespace: 'Bifrost',
  /** Queries queued or running per target, emitted by the periodic job. */
  queueDepth: { name: 'QueueDepth', dimension: 'Target' },
} as const;

// ---------------------------------------------------------------- DynamoDB tables

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface IndexSpec {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** ALL, KEYS_ONLY, or the non-key attributes to include. */
  readonly projection: 'ALL' | 'KEYS_ONLY' | readonly string[];
}

export interface TableSpec {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly indexes?: readonly IndexSpec[];
  /** Number attribute holding the epoch second after which DynamoDB may delete the item. */
  readonly ttlAttribute?: string;
}

/** What the history indexes carry: enough for a list view; the full item is one GetItem away. */
export const QUERY_SUMMARY_ATTRIBUTES = [
  'queryId',
  'user',
  'source',
  'state',
  'kind',
  'target',
  'engineQueryId',
  'createdAt',
  'updatedAt',
  'endedAt',
  'error',
  'endReason',
  'statistics',
  'costUsd',
  'sqlDigest',
  'sqlPreview',
  'updateType',
  'updateCount',
  'expiresAt',
] as const;

/** What the sweeper needs from a non-final query. */
export const OPEN_QUERY_ATTRIBUTES = ['queryId', 'user', 'state', 'target', 'engineQueryId', 'createdAt', 'updatedAt', 'lastPollAt', 'eventSequence', 'expiresAt'] as const;

/** Key attributes are always projected and may not be listed again. */
const withoutKeys = (attributes: readonly string[], keys: readonly string[]) => attributes.filter((a) => !keys.includes(a));

/**
 * The queries table: one item per query, history and tracking in one record. Its indexes:
 * - `active-by-target` (sparse): `activeKey` = `<QUEUED|RUNNING>#<queryId>` exists only while a
 *   query is active on a target; depth per target and state is a query on a key prefix.
 * - `open-queries` (sparse): `openShard` exists while a query is not final; the sweeper reads it.
 * - `by-engine-id` (sparse): the engine's own id (Athena QueryExecutionId) to the query id.
 * - `by-user`, `by-target`: history by user or target and time, for the admin UI.
 * - `waiting-by-group` (sparse): queries waiting at the gateway per routing group, in arrival order.
 */
export const QUERIES_TABLE_SPEC: TableSpec = {
  partitionKey: { name: 'queryId', type: 'S' },
  ttlAttribute: 'expiresAt',
  indexes: [
    { name: 'active-by-target', partitionKey: { name: 'target', type: 'S' }, sortKey: { name: 'activeKey', type: 'S' }, projection: 'KEYS_ONLY' },
    { name: 'open-queries', partitionKey: { name: 'openShard', type: 'N' }, sortKey: { name: 'queryId', type: 'S' }, projection: withoutKeys(OPEN_QUERY_ATTRIBUTES, ['openShard', 'queryId']) },
    { name: 'by-engine-id', partitionKey: { name: 'engineQueryId', type: 'S' }, projection: 'KEYS_ONLY' },
    { name: 'by-user', partitionKey: { name: 'user', type: 'S' }, sortKey: { name: 'createdAt', type: 'N' }, projection: withoutKeys(QUERY_SUMMARY_ATTRIBUTES, ['user', 'createdAt', 'queryId']) },
    { name: 'by-target', partitionKey: { name: 'target', type: 'S' }, sortKey: { name: 'createdAt', type: 'N' }, projection: withoutKeys(QUERY_SUMMARY_ATTRIBUTES, ['target', 'createdAt', 'queryId']) },
    { name: 'waiting-by-group', partitionKey: { name: 'waitingGroup', type: 'S' }, sortKey: { name: 'createdAt', type: 'N' }, projection: ['state', 'engineHandle', 'lastPollAt'] },
  ],
};

/** The run-time config table: routing overrides, target states and health, audit, one item per document. */
export const CONFIG_TABLE_SPEC: TableSpec = {
  partitionKey: { name: 'configKey', type: 'S' },
};

/**
 * Users who log in with a password, one item per user name (`name` and `user` are reserved words
 * in DynamoDB expressions). Sign-in failure counters and revoked sessions live here too and expire
 * by TTL; user items never set the attribute.
 */
export const USERS_TABLE_SPEC: TableSpec = {
  partitionKey: { name: 'userName', type: 'S' },
  ttlAttribute: 'expiresAt',
};

export const TABLE_SPECS = { queries: QUERIES_TABLE_SPEC, config: CONFIG_TABLE_SPEC, users: USERS_TABLE_SPEC } as const;
