import { z } from 'zod';
import type { EventDetailType } from '../ports/index.js';

/**
 * The detail of every event Bifrost publishes, version 1 (docs/events.md). These schemas are the
 * source of the JSON Schema files in schemas/events/v1/ (a test keeps them equal), and the builders
 * (build.ts) produce their types. Additive changes (a new optional field) keep version 1; anything
 * else is a new version, published beside the old one for a while.
 *
 * No detail ever carries a statement's text or literals (only with `events.includeSql`), nor a
 * credential: ids, names, states, times and figures.
 */
export const SCHEMA_VERSION = 1;

const iso = () => z.iso.datetime({ offset: false });
const engineKind = z.enum(['athena', 'trino', 'presto', 'duckdb', 'gateway']).describe('What ran the query: a target type, or the gateway itself (session statements, catalog answers, refusals).');

const common = {
  schemaVersion: z.literal(SCHEMA_VERSION).describe('Version of this detail schema.'),
  eventId: z.string().min(1).max(512).describe('Stable id of what happened: the same for every delivery of this event (deduplicate on it).'),
  occurredAt: iso().describe('When it happened (UTC).'),
  environment: z.string().describe('gateway.environment of the Bifrost that published it.'),
};

const query = {
  ...common,
  queryId: z.string().describe("Bifrost's query id (the id clients see)."),
  user: z.string().describe('The user the query ran as.'),
  authenticatedUser: z.string().optional().describe('Who authenticated, when they ran the query as another user.'),
  clientSource: z.string().optional().describe("The client's source (X-Trino-Source: the tool)."),
  clientTags: z.array(z.string()).describe("The client's tags (X-Trino-Client-Tags); empty when it sent none."),
  kind: z.string().optional().describe('Statement kind: SELECT, INSERT, CREATE TABLE, SET SESSION, ...'),
  routingGroup: z.string().optional(),
  target: z.string().optional().describe('The target that ran (or was to run) the query.'),
  engine: engineKind.optional(),
  engineQueryId: z.string().optional().describe("The engine's own id (Athena's QueryExecutionId, the cluster's query id)."),
  submittedAt: iso(),
  sql: z.string().optional().describe('The statement text: only with events.includeSql.'),
  sqlTruncated: z.boolean().optional().describe('True when `sql` holds only the start of the statement.'),
};

const ended = {
  ...query,
  state: z.enum(['FINISHED', 'FAILED', 'CANCELED']),
  endedAt: iso(),
  durationMs: z.number().int().min(0).describe('From submission to the end.'),
  queuedMs: z.number().int().min(0).optional(),
  dataScannedBytes: z.number().int().min(0).optional(),
  costUsd: z.number().min(0).optional().describe('Estimated from the data scanned, for targets billed per TB scanned.'),
  rows: z.number().int().min(0).optional().describe('Rows processed or changed, where the engine reports them.'),
  updateType: z.string().optional(),
};

const error = {
  errorName: z.string().describe("Trino's error name (PERMISSION_DENIED, TABLE_NOT_FOUND, USER_CANCELED, ...)."),
  errorCode: z.number().int().optional(),
  errorType: z.string().optional().describe('USER_ERROR, INTERNAL_ERROR, INSUFFICIENT_RESOURCES or EXTERNAL.'),
};

const budget = {
  ...common,
  budget: z.string().describe('The name of the budget.'),
  scope: z.object({ kind: z.enum(['user', 'group', 'target', 'routingGroup', 'all']), name: z.string().optional() }).strict(),
  period: z.enum(['day', 'week', 'month']),
  periodStart: iso(),
  limitUsd: z.number().min(0),
  spentUsd: z.number().min(0),
  queryId: z.string().optional().describe('The query whose cost crossed the threshold, when one did.'),
  user: z.string().optional(),
};

export const DETAIL_SCHEMAS = {
  'Query Submitted': z.object({ ...query, state: z.enum(['QUEUED', 'FINISHED', 'FAILED']).describe('The state the query was recorded in.') }).strict(),
  'Query Routed': z.object({ ...query, target: z.string(), failedOver: z.array(z.string()).optional().describe('Targets skipped because a submit could not reach them.') }).strict(),
  'Query Denied': z
    .object({
      ...query,
      ...error,
      deniedBy: z.enum(['access-rules', 'engine-check', 'routing']).describe("What decided: the access rules, the engine's own reading of the statement checked against them, or routing."),
      rule: z.string().optional().describe('The rule that decided, when one did.'),
      reason: z.string().describe("Why, in Bifrost's words (users, tables, columns, targets: never the statement)."),
    })
    .strict(),
  'Query Finished': z.object({ ...ended, state: z.literal('FINISHED'), updateCount: z.number().int().optional() }).strict(),
  'Query Failed': z.object({ ...ended, ...error, state: z.literal('FAILED'), errorMessage: z.string().optional().describe('The error message: only with events.includeSql (messages may quote the statement).') }).strict(),
  'Query Canceled': z.object({ ...ended, ...error, state: z.literal('CANCELED'), reason: z.string().optional().describe('Who or what ended it (the client, an admin, kill_query, the client timeout, the engine).') }).strict(),
  'Budget Warning': z.object({ ...budget, thresholdPercent: z.number().min(0).describe('The share of the limit that was crossed.') }).strict(),
  'Budget Exceeded': z.object(budget).strict(),
  'Target State Changed': z
    .object({
      ...common,
      target: z.string(),
      targetType: z.enum(['athena', 'trino', 'presto', 'duckdb']),
      change: z.enum(['health', 'state']).describe('health: the health checks (or a failed submit) flipped it; state: an admin drained, enabled or disabled it.'),
      healthy: z.boolean().optional(),
      previousHealthy: z.boolean().optional(),
      consecutiveFailures: z.number().int().min(0).optional(),
      state: z.enum(['active', 'draining', 'disabled']).optional(),
      previousState: z.enum(['active', 'draining', 'disabled']).optional(),
      reason: z.string().optional().describe("The admin's reason for a state change."),
      changedBy: z.string().optional().describe('The admin who changed the state.'),
    })
    .strict(),
} as const satisfies Record<EventDetailType, z.ZodType>;

export type DetailOf<T extends EventDetailType> = z.output<(typeof DETAIL_SCHEMAS)[T]>;

/** The file name of a detail type's schema: "Query Finished" -> "query-finished". */
export function detailSlug(detailType: EventDetailType): string {
  return detailType.toLowerCase().replace(/ /g, '-');
}

/** The JSON Schema of each detail type (schemas/events/v1/<slug>.json). */
export function detailJsonSchemas(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [detailType, schema] of Object.entries(DETAIL_SCHEMAS) as [EventDetailType, z.ZodType][]) {
    const slug = detailSlug(detailType);
    const { $schema, ...body } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>;
    out[slug] = { $schema, $id: `urn:bifrost:events:v${SCHEMA_VERSION}:${slug}`, title: `Bifrost ${detailType} (detail, v${SCHEMA_VERSION})`, ...body };
  }
  return out;
}
