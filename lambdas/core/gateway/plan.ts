import type { EngineSubmission, TableAccess, ClientSession, QueryRecord } from '../ports/index.js';
import { QueryFailure } from '../errors.js';
import { bindParameters, tokenize } from '../protocol/lexer.js';

/**
 * The stored plan: what a query item keeps for its engine between the POST that admitted the
 * query and its submit, which may come on a later poll in another process (a query that waited
 * at the gateway). This module is the only one that reads or writes it.
 *
 * On the item it is the JSON text of `sessionJson`, in the shape items have always had (old and
 * new code read each other's items during a deploy):
 *   { ...the session for the engine, plan: { v: 2, sql | sqlLength, describeOutput, updateType } }
 * `sqlLength` stands for the first characters of the item's `sql` when the text to run starts the
 * statement (most do), so large statements are not kept twice. Items without `v` (version 1)
 * were written before parameters were bound at the gateway.
 */
export interface StoredPlan {
  version: 1 | 2;
  /** The text the engine runs: parameters written in, the DESCRIBE OUTPUT wrapper included. */
  sql: string;
  /** Values for `?` placeholders still left to the engine: only items of version 1 have any. */
  parameters: string[];
  /** The client's session as the engine gets it: no extra credentials, no prepared statements. */
  session: ClientSession;
  /** DESCRIBE OUTPUT: the engine runs the statement without rows, the gateway answers its columns. */
  describeOutput: boolean;
  updateType?: string;
  /** Every table the gateway's analysis saw (read from the item's access record): the cross-check compares the engine's reading with these. */
  checkedTables: string[][];
}

/** What admission decided the engine runs. */
export interface PlanInput {
  /** The text to run (see StoredPlan.sql). */
  sql: string;
  session: ClientSession;
  describeOutput: boolean;
  updateType?: string;
}

/** The `plan` field as the item stores it. */
interface EncodedPlan {
  v?: number;
  sql?: string;
  sqlLength?: number;
  describeOutput?: boolean;
  updateType?: string;
}

const CURRENT_VERSION = 2;

/** The `sessionJson` text for a query whose statement text is `statementText`. */
export function encodePlan(plan: PlanInput, statementText: string): string {
  // Extra credentials are secrets of the client: they never go into the query item.
  const { extraCredentials: _secrets, preparedStatements: _prepared, ...rest } = plan.session;
  const sql = statementText.startsWith(plan.sql) ? { sqlLength: plan.sql.length } : { sql: plan.sql };
  const encoded: EncodedPlan = { v: CURRENT_VERSION, ...sql, describeOutput: plan.describeOutput, updateType: plan.updateType };
  return JSON.stringify({ ...rest, extraCredentials: {}, preparedStatements: {}, plan: encoded });
}

/** The item's plan; undefined when it holds none (a result the gateway answered, a failed query). */
export function decodePlan(record: QueryRecord): StoredPlan | undefined {
  if (record.sessionJson === undefined) return undefined;
  // Read on every poll: one parse and a few typed reads, no copies.
  const stored: unknown = JSON.parse(record.sessionJson);
  if (!isObject(stored) || !isObject(stored.plan)) throw QueryFailure.of('GENERIC_INTERNAL_ERROR', 'The query item holds no readable plan');
  const plan = stored.plan;
  // The session's fields sit beside `plan`, as encodePlan wrote them; engines read only theirs.
  const session = stored as unknown as ClientSession;
  const describeOutput = plan.describeOutput === true;
  const updateType = typeof plan.updateType === 'string' ? plan.updateType : undefined;
  const text = typeof plan.sql === 'string' ? plan.sql : undefined;
  const checked = checkedTables(record);
  if (plan.v === CURRENT_VERSION) {
    const sql = text ?? record.sql.slice(0, typeof plan.sqlLength === 'number' ? plan.sqlLength : undefined);
    return { version: 2, sql, parameters: [], session, describeOutput, updateType, checkedTables: checked };
  }
  // Version 1: the statement with its `?` placeholders, the parameters beside it on the item.
  const sql = describeOutput ? describeOutputSql(text ?? '') : (text ?? '');
  return { version: 1, sql, parameters: describeOutput ? [] : (record.parameters ?? []), session, describeOutput, updateType, checkedTables: checked };
}

/** What the engine is asked to run for a query item (also what its cross-check inspects). */
export function engineSubmission(record: QueryRecord, plan: StoredPlan): EngineSubmission {
  return { queryId: record.queryId, sql: plan.sql, parameters: plan.parameters, session: plan.session, target: record.target! };
}

/** DESCRIBE OUTPUT needs only the columns: run the statement with no rows, parameters as NULL. */
export function describeOutputSql(sql: string): string {
  const placeholders = tokenize(sql).filter((t) => t.kind === 'param').length;
  return `SELECT * FROM (${placeholders ? bindParameters(sql, Array(placeholders).fill('NULL')) : sql}) AS bifrost_describe LIMIT 0`;
}

/** The tables and indirect tables of the item's access record, as name parts. */
function checkedTables(record: QueryRecord): string[][] {
  if (!record.access) return [];
  return [...tableList(record.access.tables), ...tableList(record.access.indirectTables)].map((t) => t.parts);
}

function tableList(value: unknown): TableAccess[] {
  return Array.isArray(value) ? value : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
