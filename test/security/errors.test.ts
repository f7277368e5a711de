/**
 * Errors under access rules:
 * - a typo answers SYNTAX_ERROR with its position, as Trino does (it reveals nothing and is what
 *   users need), never PERMISSION_DENIED, and never reaches an engine;
 * - a statement too large or too deep answers a clean USER_ERROR (not PERMISSION_DENIED), never
 *   an internal message such as "Maximum call stack size exceeded" or a stack trace;
 * - SET PATH and SET ROLE are answered by the gateway, not passed to an engine that cannot parse them;
 * - a 40,000-value IN list is in history whatever its outcome, and never fails internally.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forbiddenData, pool, startSecurityServer, type Dialect, type LeakDetector, type Outcome, type RunOptions, type SecurityServer } from './support.js';

let server: SecurityServer;
let leaks: LeakDetector;

beforeAll(async () => {
  [server, leaks] = await Promise.all([startSecurityServer(), forbiddenData()]);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

const INTERNAL = /Maximum call stack|RangeError|stack overflow|\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+|analyzer failed|undefined|\[object Object\]/i;

function describeOutcome(o: Outcome): string {
  return JSON.stringify({ state: o.state, error: o.error, engineRan: o.engineRan, statuses: o.statuses, rows: o.rows.slice(0, 2), body: o.httpBody?.slice(0, 200) });
}

/** Runs a batch of statements with limited concurrency, in beforeAll of the describe. */
function batch<T extends { sql: string; dialect?: Dialect; options?: RunOptions }>(items: T[]): Map<T, Outcome> {
  const outcomes = new Map<T, Outcome>();
  beforeAll(async () => {
    await pool(items, 2, async (item) => outcomes.set(item, await server.run(item.sql, { ...(item.dialect ? { dialect: item.dialect } : {}), ...item.options })));
  }, 240_000);
  return outcomes;
}

// ------------------------------------------------------------------ typos
interface Typo {
  name: string;
  sql: string;
  dialect?: Dialect;
  /** Where Trino reports it, when the position is unambiguous. */
  at?: { line: number; column?: number };
}

const typos: Typo[] = [
  { name: 'SELEC', sql: 'SELEC n_name FROM nation', at: { line: 1, column: 1 } },
  { name: 'SELEC on a forbidden table', sql: 'SELEC * FROM orders', at: { line: 1, column: 1 } },
  { name: 'SELEC on a hidden column', sql: 'SELEC c_phone FROM customer', at: { line: 1, column: 1 } },
  { name: 'double equals on line 3', sql: 'SELECT n_name\nFROM nation\nWHERE n_nationkey = = 1', at: { line: 3, column: 21 } },
  { name: 'double comma', sql: 'SELECT n_name,, n_regionkey FROM nation', at: { line: 1, column: 15 } },
  { name: 'unclosed parenthesis', sql: 'SELECT (1 FROM nation', at: { line: 1 } },
  { name: 'LIMIT with a word', sql: 'SELECT n_name FROM nation LIMIT ten', at: { line: 1, column: 33 } },
  { name: 'ORDER without BY', sql: 'SELECT n_name FROM nation ORDER n_name', at: { line: 1 } },
  { name: 'GROUP without BY on a forbidden table', sql: 'SELECT o_clerk FROM orders GROUP o_clerk', at: { line: 1 } },
  { name: 'AN for AND', sql: `SELECT n_name FROM nation WHERE n_name = 'PERU' AN n_nationkey = 1`, at: { line: 1 } },
  { name: 'unterminated string', sql: `SELECT 'unterminated FROM nation`, at: { line: 1 } },
  { name: 'WITH without parentheses', sql: 'WITH x AS SELECT 1 SELECT * FROM x', at: { line: 1 } },
  { name: 'VALUE for VALUES', sql: 'INSERT INTO memory.default.t VALUE (1)', at: { line: 1 } },
  { name: 'typo inside CTAS', sql: 'CREATE TABLE memory.default.t AS SELEC 1', at: { line: 1 } },
  { name: 'typo in a subquery over orders', sql: 'SELECT (SELEC max(o_clerk) FROM orders)', at: { line: 1 } },
  { name: 'trailing garbage', sql: 'SELECT n_name FROM nation )', at: { line: 1 } },
  { name: 'typo on the second line', sql: 'SELECT n_name\nFRM nation', at: { line: 2 } },
  { name: 'SELEC, presto dialect', sql: 'SELEC n_name FROM nation', dialect: 'presto', at: { line: 1, column: 1 } },
];

describe('a typo under access rules answers SYNTAX_ERROR with its position', () => {
  const outcomes = batch(typos);
  it.each(typos.map((t) => [t.name, t] as const))('%s', (_name, typo) => {
    const o = outcomes.get(typo)!;
    const detail = `${typo.sql}\n${describeOutcome(o)}`;
    expect(o.statuses.every((s) => s < 500), detail).toBe(true);
    expect(o.state, detail).toBe('FAILED');
    expect(o.error?.errorName, detail).toBe('SYNTAX_ERROR');
    expect(o.error?.message, detail).not.toMatch(/Access Denied|could not be analyzed/i);
    expect(o.engineRan, `a statement that does not parse reached the engine: ${detail}`).toBe(false);
    expect(o.error?.errorLocation, detail).toBeDefined();
    const location = o.error!.errorLocation!;
    expect(location.lineNumber, detail).toBeGreaterThanOrEqual(1);
    expect(location.columnNumber, detail).toBeGreaterThanOrEqual(1);
    if (typo.at) expect(location.lineNumber, detail).toBe(typo.at.line);
    if (typo.at?.column) expect(location.columnNumber, detail).toBe(typo.at.column);
  });
});

// ------------------------------------------------------------------ too large, too deep
const repeat = (s: string, n: number) => s.repeat(n);
const deep: { name: string; sql: string }[] = [
  { name: '5,000 nested parentheses', sql: `SELECT ${repeat('(', 5000)}1${repeat(')', 5000)}` },
  { name: '20,000 additions', sql: `SELECT 1${repeat(' + 1', 20000)}` },
  { name: '10,000 NOTs', sql: `SELECT ${repeat('NOT ', 10000)}true` },
  { name: '30,000 unary minus signs', sql: `SELECT ${repeat('- ', 30000)}1` },
  { name: '2,000 nested CASE expressions', sql: `SELECT ${repeat('CASE WHEN true THEN ', 2000)}1${repeat(' END', 2000)}` },
  { name: '1,000 nested derived tables', sql: `SELECT * FROM ${repeat('(SELECT * FROM ', 1000)}nation${repeat(')', 1000)}` },
  { name: '3,000 UNION ALL branches', sql: `SELECT 1${repeat(' UNION ALL SELECT 1', 3000)}` },
  { name: '20,000 ANDs', sql: `SELECT n_name FROM nation WHERE true${repeat(' AND true', 20000)}` },
  { name: '3,000 nested function calls', sql: `SELECT ${repeat('abs(', 3000)}1${repeat(')', 3000)}` },
  { name: '600 chained CTEs', sql: `WITH t0 AS (SELECT 1 AS x)${Array.from({ length: 600 }, (_, i) => `, t${i + 1} AS (SELECT x FROM t${i})`).join('')} SELECT x FROM t600` },
  { name: '2,000 nested arrays', sql: `SELECT ${repeat('ARRAY[', 2000)}1${repeat(']', 2000)}` },
  { name: '20,000 concatenations', sql: `SELECT 'a'${repeat(` || 'a'`, 20000)}` },
  { name: '5,000 nested subqueries in WHERE', sql: `SELECT n_name FROM nation WHERE n_nationkey IN ${repeat('(SELECT n_nationkey FROM nation WHERE n_nationkey IN ', 2500)}(1)${repeat(')', 2500)}` },
  { name: 'a statement over the size limit', sql: `SELECT '${'x'.repeat(300_000)}'` },
];

describe('a statement too large or too deep answers a clean USER_ERROR', () => {
  const outcomes = batch(deep);
  it.each(deep.map((d) => [d.name, d] as const))('%s', (_name, statement) => {
    const o = outcomes.get(statement)!;
    const detail = `${statement.name}: ${describeOutcome(o)}`;
    expect(o.harnessError, detail).toBeUndefined();
    expect(o.statuses.every((s) => s < 500), detail).toBe(true);
    if (o.state === 'FINISHED') return; // handled completely: fine
    expect(o.state, detail).toBe('FAILED');
    expect(o.error?.errorType, detail).toBe('USER_ERROR');
    expect(o.error?.errorName, `too complex is not a denial: ${detail}`).not.toBe('PERMISSION_DENIED');
    expect(o.error?.message, detail).not.toMatch(INTERNAL);
  });
});

// ------------------------------------------------------------------ SET PATH, SET ROLE
interface SessionStatement {
  name: string;
  sql: string;
  dialect: Dialect;
  options?: RunOptions;
  /** Trino answers it as a finished statement with this update type. */
  updateType?: string;
  header?: string;
}
const sessionStatements: SessionStatement[] = (['trino', 'presto'] as const).flatMap((dialect): SessionStatement[] => {
  const prefix = dialect === 'trino' ? 'x-trino-' : 'x-presto-';
  // Trino answers SET PATH only to clients that declare the PATH capability ("not supported by client" otherwise).
  const path = { headers: { [`${prefix}client-capabilities`]: 'PATH' } };
  return [
    { name: `SET PATH (${dialect})`, sql: 'SET PATH tpch.tiny', dialect, options: path, updateType: 'SET PATH', header: `${prefix}set-path` },
    { name: `SET PATH quoted (${dialect})`, sql: 'SET PATH "tpch"."tiny"', dialect, options: path, updateType: 'SET PATH', header: `${prefix}set-path` },
    { name: `SET PATH of two entries (${dialect})`, sql: 'SET PATH tpch.tiny, memory.default', dialect, options: path, updateType: 'SET PATH', header: `${prefix}set-path` },
    { name: `SET PATH from a client without the PATH capability (${dialect})`, sql: 'SET PATH tpch.tiny', dialect },
    { name: `SET ROLE ALL (${dialect})`, sql: 'SET ROLE ALL', dialect, updateType: 'SET ROLE' },
    { name: `SET ROLE NONE (${dialect})`, sql: 'SET ROLE NONE', dialect, updateType: 'SET ROLE' },
    { name: `SET ROLE of a role (${dialect})`, sql: 'SET ROLE admin', dialect },
    { name: `SET ROLE in a catalog (${dialect})`, sql: 'SET ROLE admin IN tpch', dialect },
  ];
});

describe('SET PATH and SET ROLE are answered by the gateway', () => {
  const outcomes = batch(sessionStatements);
  it.each(sessionStatements.map((s) => [s.name, s] as const))('%s', (_name, statement) => {
    const o = outcomes.get(statement)!;
    const detail = `${statement.sql}: ${describeOutcome(o)}`;
    expect(o.statuses.every((s) => s < 500), detail).toBe(true);
    expect(o.engineRan, `passed to the engine: ${detail}`).toBe(false);
    if (statement.updateType) {
      expect(o.state, detail).toBe('FINISHED');
      expect(o.updateType, detail).toBe(statement.updateType);
      if (statement.header) expect(o.headers[statement.header], `${statement.header} missing: ${detail}`).toBeTruthy();
    } else if (o.state !== 'FINISHED') {
      expect(o.error?.errorType, detail).toBe('USER_ERROR');
      expect(o.error?.message, detail).not.toMatch(/syntax error at or near|Parser Error/i);
    }
  });
});

// ------------------------------------------------------------------ large statements in history
// 40,000 values in about 230 KB: under the gateway's 256 KiB statement limit, over what one DynamoDB item holds twice.
const IN_LIST = Array.from({ length: 40_000 }, (_, i) => i).join(',');
const large: { name: string; sql: string; dialect?: Dialect; forbidden: boolean }[] = [
  { name: 'over an allowed table', sql: `SELECT n_name FROM nation WHERE n_nationkey IN (${IN_LIST})`, forbidden: false },
  { name: 'over a forbidden table', sql: `SELECT o_clerk FROM orders WHERE o_orderkey IN (${IN_LIST})`, forbidden: true },
  { name: 'over a hidden column', sql: `SELECT c_phone FROM customer WHERE c_custkey IN (${IN_LIST})`, forbidden: true },
  { name: 'presto dialect', sql: `SELECT r_name FROM region WHERE r_regionkey IN (${IN_LIST})`, dialect: 'presto', forbidden: false },
];

describe('a 40,000-value IN list is in history whatever the outcome', () => {
  const outcomes = batch(large);
  it.each(large.map((l) => [l.name, l] as const))('%s', (_name, statement) => {
    const o = outcomes.get(statement)!;
    const detail = `${statement.name}: ${describeOutcome(o)}`;
    expect(o.harnessError, detail).toBeUndefined();
    expect(o.statuses.every((s) => s < 500), detail).toBe(true);
    expect(o.queryId, `no query id: ${detail}`).toBeDefined();
    expect(o.state === 'FINISHED' || o.state === 'FAILED', detail).toBe(true);
    if (o.state === 'FAILED') {
      expect(o.error?.errorType, `not a clean refusal: ${detail}`).toBe('USER_ERROR');
      expect(o.error?.message, detail).not.toMatch(INTERNAL);
    }
    expect(leaks.outcome(o), detail).toEqual([]);
    if (statement.forbidden) expect(o.state, detail).toBe('FAILED');
    else if (o.state === 'FINISHED') expect(o.rows.length, detail).toBeGreaterThan(0);
    expect(o.record, `the query is missing from history: ${detail}`).toBeDefined();
    expect(o.record!.queryId).toBe(o.queryId);
    expect(o.record!.user).toBe('alice');
    expect(['FINISHED', 'FAILED'], detail).toContain(o.record!.state);
  });
});
