/**
 * The adversarial suite's harness: the real local server (node:http, the gateway core,
 * dynalite, the embedded DuckDB engine) under the test access rules, a raw protocol client
 * that runs a statement as alice in either dialect, and an oracle of forbidden data computed from
 * a DuckDB connection of our own over the same generated TPC-H sample.
 *
 * The rules: alice may read tpch.tiny nation and region, tpch.tiny customer without six of its
 * eight columns (only c_custkey and c_name stay visible), and write memory.default; everything
 * else is denied. She may also read the metadata tables Trino lets everyone read
 * (tpch.information_schema, system.jdbc), so that the metadata tests check that those answers
 * are filtered rather than passing because the tables are denied outright.
 *
 * How an attack is judged (`judge`):
 * - it fails if any forbidden value comes back: in the rows, the column names, or the text of an
 *   error (a failed CAST can echo a value); forbidden values are those of orders, lineitem, part,
 *   partsupp, supplier and of the six hidden customer columns that never occur in what alice may
 *   read, plus identifiers that only forbidden metadata holds (table and column names);
 * - it fails if a file it names exists on the host afterwards;
 * - it fails on an internal error (errorType other than USER_ERROR) or an HTTP 5xx: the rules
 *   must hold because the statement was refused or ran harmlessly, not because something broke;
 * - an attack marked `refused` passes only if the gateway refused it before any engine saw it:
 *   Trino syntax the local engine cannot run (it would leak on a Trino cluster; a DuckDB parser
 *   error must not pass for a denial), text the engine's parser reads differently, or a DuckDB
 *   statement that changes the engine's state (ATTACH, LOAD, SET VARIABLE...).
 *
 * Set SECURITY_CALIBRATE=1 to also run every engine-runnable attack against a server without
 * access rules: each must leak there, which shows that the attack reads what it claims to read
 * (a typo in an attack would otherwise pass as "no leak").
 */
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parseConfigText, type BifrostConfig } from '../../lambdas/core/config/schema.js';
import type { AccessRules } from '../../lambdas/core/acl/rules.js';
import { startLocalServer, type LocalServer } from '../../lambdas/local/server.js';
import { tpchTinySql } from '../../lambdas/local/tpch.js';

// ------------------------------------------------------------------------------------ the rules

export const USER = 'alice';
export const HIDDEN_CUSTOMER_COLUMNS = ['c_address', 'c_phone', 'c_acctbal', 'c_mktsegment', 'c_comment', 'c_nationkey'] as const;
export const VISIBLE_CUSTOMER_COLUMNS = ['c_custkey', 'c_name'] as const;
export const ALLOWED_TABLES = ['nation', 'region', 'customer'] as const;
export const FORBIDDEN_TABLES = ['orders', 'lineitem', 'part', 'partsupp', 'supplier'] as const;

export function aliceRules(): AccessRules {
  return {
    catalogs: [
      { user: USER, catalog: 'tpch', allow: 'read-only' },
      { user: USER, catalog: 'memory', allow: 'all' },
      { user: USER, catalog: 'system', allow: 'read-only' },
      { allow: 'none' },
    ],
    schemas: [{ user: USER, catalog: 'memory', schema: 'default', owner: true }],
    tables: [
      { user: USER, catalog: 'tpch', schema: 'tiny', table: 'nation|region', privileges: ['SELECT'] },
      {
        user: USER,
        catalog: 'tpch',
        schema: 'tiny',
        table: 'customer',
        privileges: ['SELECT'],
        columns: HIDDEN_CUSTOMER_COLUMNS.map((name) => ({ name, allow: false })),
        description: 'customer without six of its columns',
      },
      { user: USER, catalog: 'memory', schema: 'default', privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP'] },
      { user: USER, catalog: 'tpch', schema: 'information_schema', privileges: ['SELECT'], description: 'metadata, as Trino lets everyone read it (filtered)' },
      { user: USER, catalog: 'system', schema: 'jdbc', privileges: ['SELECT'], description: 'JDBC metadata (filtered)' },
      { privileges: [], description: 'everything else is denied' },
    ],
  };
}

export function localConfig(access?: AccessRules): BifrostConfig {
  return parseConfigText(
    JSON.stringify({
      version: 1,
      targets: { local: { type: 'duckdb' } },
      routingGroups: { local: { targets: ['local'] } },
      defaultRoutingGroup: 'local',
      ...(access ? { access } : {}),
    }),
  );
}

// ------------------------------------------------------------------------------------ the client

export type Dialect = 'trino' | 'presto';

export interface RunOptions {
  dialect?: Dialect;
  user?: string;
  /** Session catalog and schema; default tpch.tiny. `null` leaves the header out. */
  catalog?: string | null;
  schema?: string | null;
  /** Prepared statements sent in the X-Trino-Prepared-Statement (X-Presto-...) header. */
  prepared?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface ProtocolError {
  errorName: string;
  errorType: string;
  errorCode?: number;
  message: string;
  errorLocation?: { lineNumber: number; columnNumber: number };
}

export interface Outcome {
  sql: string;
  queryId?: string;
  /** FINISHED, FAILED..., or `HTTP <status>` when a request was answered without QueryResults. */
  state: string;
  columns: string[];
  rows: unknown[][];
  error?: ProtocolError;
  updateType?: string;
  /** Every HTTP status seen, in order. */
  statuses: number[];
  /** Response headers of the last page (session updates: X-Trino-Set-Path...). */
  headers: Record<string, string>;
  /** The body of a non-200 answer. */
  httpBody?: string;
  /** Whether an engine got the statement (the query item holds an engine handle). */
  engineRan?: boolean;
  /** The stored query item (history), when there is one. */
  record?: Record<string, unknown>;
  /** The harness itself failed (timeout, bad JSON): never a pass. */
  harnessError?: string;
}

interface RawPage {
  id?: string;
  nextUri?: string;
  columns?: { name: string }[];
  data?: unknown[][];
  error?: ProtocolError;
  stats?: { state?: string };
  updateType?: string;
}

function encodeProperty(value: string): string {
  return encodeURIComponent(value);
}

export async function runStatement(baseUrl: string, sql: string, options: RunOptions = {}): Promise<Outcome> {
  const dialect = options.dialect ?? 'trino';
  const p = dialect === 'trino' ? 'X-Trino-' : 'X-Presto-';
  const headers: Record<string, string> = { [`${p}User`]: options.user ?? USER };
  const catalog = options.catalog === undefined ? 'tpch' : options.catalog;
  const schema = options.schema === undefined ? 'tiny' : options.schema;
  if (catalog !== null) headers[`${p}Catalog`] = catalog;
  if (schema !== null) headers[`${p}Schema`] = schema;
  if (options.prepared && Object.keys(options.prepared).length) {
    headers[`${p}Prepared-Statement`] = Object.entries(options.prepared)
      .map(([name, text]) => `${encodeProperty(name)}=${encodeProperty(text)}`)
      .join(',');
  }
  Object.assign(headers, options.headers);
  const outcome: Outcome = { sql, state: 'UNKNOWN', columns: [], rows: [], statuses: [], headers: {} };
  const deadline = Date.now() + 45_000;
  try {
    let response = await fetch(`${baseUrl}/v1/statement`, { method: 'POST', headers, body: Buffer.from(sql, 'utf8') });
    for (let pages = 0; ; pages++) {
      outcome.statuses.push(response.status);
      const text = await response.text();
      outcome.headers = Object.fromEntries(response.headers.entries());
      if (response.status !== 200) {
        outcome.state = `HTTP ${response.status}`;
        outcome.httpBody = text.slice(0, 2000);
        return outcome;
      }
      const page = JSON.parse(text) as RawPage;
      outcome.queryId ??= page.id;
      if (page.columns && !outcome.columns.length) outcome.columns = page.columns.map((c) => c.name);
      if (page.data) outcome.rows.push(...page.data);
      if (page.error) outcome.error = page.error;
      if (page.updateType) outcome.updateType = page.updateType;
      outcome.state = page.stats?.state ?? outcome.state;
      if (!page.nextUri) break;
      if (Date.now() > deadline || pages > 5_000) {
        outcome.harnessError = 'the query did not end within 45 s';
        await fetch(page.nextUri, { method: 'DELETE', headers }).catch(() => undefined);
        break;
      }
      response = await fetch(page.nextUri, { headers });
    }
  } catch (error) {
    outcome.harnessError = `the client failed: ${String((error as Error)?.message ?? error)}`;
  }
  return outcome;
}

// ------------------------------------------------------------------------------------ the server

export interface SecurityServer {
  server: LocalServer;
  url: string;
  /** Runs a statement through the protocol and reads its item back from history. */
  run(sql: string, options?: RunOptions): Promise<Outcome>;
  close(): Promise<void>;
}

export async function startSecurityServer(options: { rules?: AccessRules | null } = {}): Promise<SecurityServer> {
  const rules = options.rules === undefined ? aliceRules() : (options.rules ?? undefined);
  const server = await startLocalServer({ config: localConfig(rules), gateway: { pollWaitMs: 100 } });
  return {
    server,
    url: server.url,
    async run(sql, runOptions) {
      const outcome = await runStatement(server.url, sql, runOptions);
      if (outcome.queryId) {
        try {
          const record = (await server.store.get(outcome.queryId)) as unknown as Record<string, unknown> | undefined;
          if (record) {
            outcome.record = record;
            outcome.engineRan = Boolean(record.engineHandle);
          }
        } catch {
          // history is checked where it matters (errors.test.ts)
        }
      }
      return outcome;
    },
    // The local engine's state changes reach the store 50 ms after they happen (as EventBridge
    // would deliver them): let the last ones land before dynalite closes.
    close: async () => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await server.close();
    },
  };
}

/** Runs tasks with at most `limit` at a time (the machine has 2 shared cores). */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ------------------------------------------------------------------------------------ host files

export interface HostFiles {
  dir: string;
  /** A path under the temp folder that nothing creates: an attack's output must not appear there. */
  target(name: string): string;
  /** A CSV file on the host holding a marker that must never come back. */
  secretCsv: string;
  secretJson: string;
  secretText: string;
  marker: string;
  cleanup(): void;
}

export function hostFiles(): HostFiles {
  const dir = join(tmpdir(), `bifrost-security-${letters(10)}`);
  mkdirSync(dir, { mode: 0o700 });
  const marker = `HOSTSECRET_${letters(12)}`;
  const secretCsv = join(dir, 'secret.csv');
  const secretJson = join(dir, 'secret.json');
  const secretText = join(dir, 'secret.txt');
  writeFileSync(secretCsv, `name,value\nsecret,${marker}\n`);
  writeFileSync(secretJson, JSON.stringify([{ name: 'secret', value: marker }]));
  writeFileSync(secretText, `${marker}\n`);
  let n = 0;
  return {
    dir,
    target: (name) => join(dir, `out-${++n}-${name}`),
    secretCsv,
    secretJson,
    secretText,
    marker,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// ------------------------------------------------------------------------------------ the oracle

const MAX_ALLOWED_INTEGER = 1500;

/** The sample data, built the way the local engine builds it, with its own connection. */
export async function sampleDatabase(): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  await connection.run(`ATTACH ':memory:' AS tpch`);
  await connection.run(`CREATE SCHEMA tpch.tiny`);
  for (const statement of tpchTinySql('tpch.tiny')) await connection.run(statement);
  await connection.run(`USE tpch.tiny`);
  return { instance, connection };
}

async function columnsOf(connection: DuckDBConnection, table: string): Promise<{ name: string; type: string }[]> {
  const reader = await connection.runAndReadAll(`SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'tpch' AND schema_name = 'tiny' AND table_name = '${table}' ORDER BY column_index`);
  return reader.getRowsJson().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
}

async function distinctValues(connection: DuckDBConnection, table: string, column: string, type: string): Promise<unknown[]> {
  const expr = type === 'DATE' ? `strftime(${column}, '%Y-%m-%d')` : type === 'VARCHAR' ? column : `${column}::DOUBLE`;
  const reader = await connection.runAndReadAll(`SELECT DISTINCT ${expr} FROM tpch.tiny.${table}`);
  return reader.getRows().map((r) => r[0]);
}

const FAMILY_MARKERS: [RegExp, string][] = [
  [/(Clerk|Supplier|Manufacturer|Brand)#\d+/, 'a clerk, supplier, manufacturer or brand name'],
  [/(?<!\d)\d{2}-\d{3}-\d{3}-\d{4}(?!\d)/, 'a phone number'],
  [/(?<!\d)[1-5]-(URGENT|HIGH|MEDIUM|NOT SPECIFIED|LOW)/, 'an order priority'],
  [/AUTOMOBILE|BUILDING|FURNITURE|HOUSEHOLD|MACHINERY/, 'a market segment'],
  [/DELIVER IN PERSON|COLLECT COD|TAKE BACK RETURN/, 'a ship instruction'],
  [/ANODIZED|BURNISHED|PLATED|POLISHED|BRUSHED/, 'a part type'],
];

export interface Leak {
  where: string;
  what: string;
}

/**
 * Finds forbidden data in an answer. Values: exact cells, words runs (comments are three words),
 * numbers and dates inside strings, hex runs (addresses), and families of distinctive values.
 * Identifiers (forbidden table and column names) are looked for in rows and column names, not in
 * error messages (a denial names the table it denies).
 */
export class LeakDetector {
  readonly extraMarkers: string[] = [];

  constructor(
    readonly strings: ReadonlySet<string>,
    readonly numbers: ReadonlySet<number>,
    readonly dates: ReadonlySet<string>,
    readonly identifiers: RegExp,
    readonly forbiddenColumnNames: ReadonlySet<string>,
  ) {}

  /** Adds a string that must never come back (a host file's content). */
  mark(marker: string): this {
    this.extraMarkers.push(marker);
    return this;
  }

  private number(n: number): string | undefined {
    if (!Number.isFinite(n)) return undefined;
    if (Number.isInteger(n) && Math.abs(n) <= MAX_ALLOWED_INTEGER) return undefined;
    return this.numbers.has(n) ? `the number ${n}` : undefined;
  }

  private text(s: string, identifiers: boolean): string | undefined {
    for (const m of this.extraMarkers) if (s.includes(m)) return `the host marker ${m}`;
    if (s.length >= 4 && this.strings.has(s)) return `the value '${s}'`;
    for (const [re, what] of FAMILY_MARKERS) {
      const m = re.exec(s);
      if (m) return `${what} '${m[0]}'`;
    }
    for (const run of s.match(/[a-z]+(?: [a-z]+)+/g) ?? []) {
      const words = run.split(' ');
      for (const size of [3, 2]) {
        for (let i = 0; i + size <= words.length; i++) {
          const window = words.slice(i, i + size).join(' ');
          if (this.strings.has(window)) return `the value '${window}'`;
        }
      }
    }
    for (const run of s.match(/[0-9a-f]{15,}/g) ?? []) {
      for (const size of [20, 15]) {
        for (let i = 0; i + size <= run.length; i++) {
          const window = run.slice(i, i + size);
          if (this.strings.has(window)) return `the value '${window}'`;
        }
      }
    }
    for (const d of s.match(/\b\d{4}-\d{2}-\d{2}\b/g) ?? []) if (this.dates.has(d)) return `the date ${d}`;
    // Digits glued to a following letter are part of a name (an object name, a temp path), not a value.
    for (const m of s.matchAll(/(?<![0-9.])-?\d+(?:\.\d+)?(?![0-9A-Za-z])/g)) {
      const found = this.number(Number(m[0]));
      if (found) return found;
    }
    if (identifiers) {
      const m = this.identifiers.exec(s);
      if (m) return `the identifier '${m[0]}'`;
    }
    return undefined;
  }

  /**
   * Leaks in a value of any shape (arrays, maps and rows are walked). `echo` is the attack's own
   * text: a long string cell found in it is the statement's literal coming back, not metadata.
   */
  value(v: unknown, where: string, identifiers = true, out: Leak[] = [], echo = ''): Leak[] {
    if (out.length >= 5) return out;
    if (typeof v === 'string') {
      const echoed = v.length > 12 && echo.includes(v);
      const what = this.text(v, identifiers && !echoed);
      if (what) out.push({ where, what });
    } else if (typeof v === 'number') {
      const what = this.number(v);
      if (what) out.push({ where, what });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => this.value(x, `${where}[${i}]`, identifiers, out, echo));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        this.value(k, `${where}.key`, identifiers, out, echo);
        this.value(x, `${where}.${k}`, identifiers, out, echo);
      }
    }
    return out;
  }

  /**
   * Leaks in an answer. `echo` is the attack's own text (every statement it sent): a column the
   * attack itself named (a decoy table's column) is not a leak, nor is its own string literal.
   */
  outcome(o: Outcome, echo = ''): Leak[] {
    const out: Leak[] = [];
    const text = echo.replace(/''/g, "'").toLowerCase();
    const named = (c: string) => new RegExp(`(?<![a-z0-9_])${c.toLowerCase()}(?![a-z0-9_])`).test(text);
    for (const c of o.columns) if (this.forbiddenColumnNames.has(c.toLowerCase()) && !named(c)) out.push({ where: 'column names', what: `the column ${c}` });
    o.rows.forEach((row, i) => this.value(row, `row ${i}`, true, out, echo.replace(/''/g, "'")));
    if (o.error) this.value(o.error.message, 'error message', false, out);
    if (o.httpBody) this.value(o.httpBody, 'HTTP body', false, out);
    return out;
  }
}

let detector: Promise<LeakDetector> | undefined;

/** The forbidden values, computed once per test file from our own copy of the sample. */
export function forbiddenData(): Promise<LeakDetector> {
  detector ??= buildDetector();
  return detector;
}

async function buildDetector(): Promise<LeakDetector> {
  const { instance, connection } = await sampleDatabase();
  try {
    const allowedStrings = new Set<string>();
    const allowedNumbers = new Set<number>();
    const allowedColumns: [string, string[]][] = [
      ['nation', []],
      ['region', []],
      ['customer', [...VISIBLE_CUSTOMER_COLUMNS]],
    ];
    const forbiddenColumns: [string, string[]][] = [['customer', [...HIDDEN_CUSTOMER_COLUMNS]], ...FORBIDDEN_TABLES.map((t): [string, string[]] => [t, []])];
    const allColumnNames = new Map<string, { name: string; type: string }[]>();
    for (const table of [...ALLOWED_TABLES, ...FORBIDDEN_TABLES]) allColumnNames.set(table, await columnsOf(connection, table));

    for (const [table, only] of allowedColumns) {
      for (const c of allColumnNames.get(table)!) {
        if (only.length && !only.includes(c.name)) continue;
        for (const v of await distinctValues(connection, table, c.name, c.type)) {
          if (typeof v === 'string') allowedStrings.add(v);
          else if (typeof v === 'number') allowedNumbers.add(v);
        }
      }
    }
    const strings = new Set<string>();
    const numbers = new Set<number>();
    const dates = new Set<string>();
    const forbiddenColumnNames = new Set<string>();
    for (const [table, only] of forbiddenColumns) {
      for (const c of allColumnNames.get(table)!) {
        if (only.length && !only.includes(c.name)) continue;
        forbiddenColumnNames.add(c.name);
        for (const v of await distinctValues(connection, table, c.name, c.type)) {
          if (c.type === 'DATE') dates.add(String(v));
          else if (typeof v === 'string') {
            if (!allowedStrings.has(v)) strings.add(v);
          } else if (typeof v === 'number' && !allowedNumbers.has(v)) numbers.add(v);
        }
      }
    }
    // Row counts of the forbidden tables are forbidden too (count(*) through a hole).
    for (const table of FORBIDDEN_TABLES) {
      const reader = await connection.runAndReadAll(`SELECT count(*)::DOUBLE FROM tpch.tiny.${table}`);
      numbers.add(Number(reader.getRows()[0]![0]));
    }
    const names = [...FORBIDDEN_TABLES, ...forbiddenColumnNames].sort((a, b) => b.length - a.length);
    const identifiers = new RegExp(`(?<![A-Za-z0-9_])(${names.join('|')})(?![A-Za-z0-9_])`, 'i');
    return new LeakDetector(strings, numbers, dates, identifiers, forbiddenColumnNames);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// ------------------------------------------------------------------------------------ attacks

export interface Step {
  sql: string;
  /** This step's session catalog and schema, when it differs from the attack's. */
  session?: { catalog: string | null; schema: string | null };
}

export interface Attack {
  /** Short and unique: the test's name. */
  name: string;
  /** The statement, or several run in order (all judged). */
  sql: string | (string | Step)[];
  dialect?: Dialect;
  prepared?: Record<string, string>;
  /** Session catalog and schema for every step (default tpch.tiny). */
  session?: { catalog: string | null; schema: string | null };
  /** Statements run first, as alice, whose answers are not judged (setting the scene). */
  setup?: string[];
  /** Host paths that must not exist after the attack. */
  files?: string[];
  /**
   * Only a refusal before any engine counts: Trino syntax the local engine cannot run (it would
   * leak on a Trino cluster), or text the engine's parser reads differently (a NUL byte).
   */
  refused?: 'trino-only' | 'engine-reads-differently' | 'engine-state';
  /**
   * false: refused by the gateway even before the access-control hardening (a regression guard), so it cannot be
   * calibrated against a server without rules.
   */
  calibrate?: false;
  /** Why this attack exists (shown when it gets through). */
  note?: string;
  /** A further check of the last answer when it finished (e.g. a count): a problem, or undefined. */
  verify?(last: Outcome): string | undefined;
  /** Statements run after, as alice, whose answers are not judged (dropping decoys). */
  cleanup?: string[];
  /** Runs alone, after the others (it creates objects with shared names, e.g. memory.default.orders). */
  exclusive?: boolean;
}

export interface Verdict {
  attack: Attack;
  /** How long the attack took (ms), for the report. */
  ms?: number;
  outcomes: Outcome[];
  problems: string[];
  leaked: boolean;
}

export const isDenial = (o: Outcome) => o.state === 'FAILED' && o.error?.errorType === 'USER_ERROR';

export function judge(attack: Attack, outcomes: Outcome[], leaks: LeakDetector): Verdict {
  const problems: string[] = [];
  let leaked = false;
  const echo = [...(attack.setup ?? []), ...stepsOf(attack).map((s) => s.sql), ...Object.values(attack.prepared ?? {})].join('\n');
  for (const o of outcomes) {
    const label = outcomes.length > 1 ? `[${o.sql.slice(0, 80)}] ` : '';
    if (o.harnessError) problems.push(`${label}harness: ${o.harnessError}`);
    for (const leak of leaks.outcome(o, echo)) {
      leaked = true;
      problems.push(`${label}LEAK in ${leak.where}: ${leak.what}`);
    }
    if (o.statuses.some((s) => s >= 500)) problems.push(`${label}HTTP ${o.statuses.find((s) => s >= 500)} (a 5xx is never an answer)`);
    if (o.state === 'FAILED' && o.error && o.error.errorType !== 'USER_ERROR') problems.push(`${label}internal failure, not a denial: ${o.error.errorName}: ${o.error.message.slice(0, 200)}`);
    if (o.state !== 'FINISHED' && o.state !== 'FAILED' && !o.state.startsWith('HTTP 4')) problems.push(`${label}ended in state ${o.state}`);
  }
  for (const file of attack.files ?? []) {
    if (existsSync(file)) {
      leaked = true;
      problems.push(`FILE WRITTEN on the host: ${file}`);
    }
  }
  const final = outcomes[outcomes.length - 1];
  if (attack.verify && final?.state === 'FINISHED') {
    const problem = attack.verify(final);
    if (problem) {
      leaked = true;
      problems.push(`LEAK: ${problem}`);
    }
  }
  if (attack.refused) {
    const last = outcomes[outcomes.length - 1]!;
    const refused = (last.state === 'FAILED' && last.engineRan === false) || last.state.startsWith('HTTP 4');
    if (!refused) {
      leaked = true;
      problems.push(`not refused by the gateway: ${last.engineRan ? 'the engine got the statement' : `state ${last.state}`}${last.error ? ` (${last.error.errorName}: ${last.error.message.slice(0, 160)})` : ''}`);
    }
  }
  return { attack, outcomes, problems, leaked };
}

export function describeVerdict(v: Verdict): string {
  const steps = stepsOf(v.attack).map((s) => s.sql);
  const last = v.outcomes[v.outcomes.length - 1];
  return [
    `attack ${v.attack.name}${v.attack.dialect ? ` (${v.attack.dialect})` : ''}:`,
    ...steps.map((s) => `  SQL: ${s.length > 400 ? `${s.slice(0, 400)}...` : s}`),
    ...(v.attack.prepared ? [`  prepared header: ${JSON.stringify(v.attack.prepared)}`] : []),
    ...v.problems.map((p) => `  - ${p}`),
    last ? `  last answer: ${last.state}${last.error ? ` ${last.error.errorName}: ${last.error.message.slice(0, 200)}` : ''}; rows ${JSON.stringify(last.rows.slice(0, 2)).slice(0, 300)}` : '',
  ].join('\n');
}

/** Runs one attack (setup, then each step) as alice. */
export async function runAttack(server: SecurityServer, attack: Attack): Promise<Outcome[]> {
  const options: RunOptions = {
    ...(attack.dialect ? { dialect: attack.dialect } : {}),
    ...(attack.prepared ? { prepared: attack.prepared } : {}),
    ...(attack.session ? { catalog: attack.session.catalog, schema: attack.session.schema } : {}),
  };
  for (const step of attack.setup ?? []) await server.run(step, options);
  const outcomes: Outcome[] = [];
  for (const step of stepsOf(attack)) outcomes.push(await server.run(step.sql, step.session ? { ...options, catalog: step.session.catalog, schema: step.session.schema } : options));
  for (const step of attack.cleanup ?? []) await server.run(step, { ...options, catalog: 'memory', schema: 'default' });
  return outcomes;
}

export function stepsOf(attack: Attack): Step[] {
  return (Array.isArray(attack.sql) ? attack.sql : [attack.sql]).map((s) => (typeof s === 'string' ? { sql: s } : s));
}

export const CALIBRATE = Boolean(process.env.SECURITY_CALIBRATE);

/** Escapes text for a SQL string literal. */
export const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Random lower-case letters: names without digits, which the leak detector could read as values. */
export function letters(n: number): string {
  return [...randomBytes(n)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
}

/** Unique names for objects attacks create in memory.default (attacks run concurrently). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${letters(8)}`;
}

// ------------------------------------------------------------------------------------ suites

/** An allowed statement that must keep working: the suite means nothing if everything is denied. */
export interface Positive {
  name: string;
  sql: string;
  options?: RunOptions;
  check(outcome: Outcome): void;
}

export interface SuiteOptions {
  positives?: Positive[];
  /** Host files the attacks use (cleaned up after). */
  files?: HostFiles;
  /** Attacks running at once against the server (default 4). */
  concurrency?: number;
}

/**
 * Registers one test per attack: a server under the rules is started once for the file, every
 * attack runs with limited concurrency in `beforeAll`, and each test asserts on its verdict. With
 * SECURITY_CALIBRATE=1 each attack (except those that must be refused) also runs against a server
 * without rules first, and must leak there. With SECURITY_REPORT=<file> the verdicts are appended
 * to that file as JSON lines.
 */
export function attackSuite(title: string, attacks: Attack[], options: SuiteOptions = {}): void {
  const names = new Set<string>();
  for (const a of attacks) {
    if (names.has(a.name)) throw new Error(`duplicate attack name ${a.name}`);
    names.add(a.name);
  }
  const verdicts = new Map<string, Verdict>();
  const calibration = new Map<string, Verdict>();
  const positives = new Map<string, Outcome>();
  let server: SecurityServer | undefined;
  let leaks: LeakDetector;

  beforeAll(async () => {
    leaks = await forbiddenData();
    if (options.files) leaks.mark(options.files.marker);
    const concurrency = options.concurrency ?? 4;
    if (CALIBRATE) {
      const open = await startSecurityServer({ rules: null });
      try {
        const runnable = attacks.filter((a) => !a.refused && a.calibrate !== false);
        await pool(
          runnable.filter((a) => !a.exclusive),
          concurrency,
          async (a) => calibration.set(a.name, judge(a, await runAttack(open, a), leaks)),
        );
        for (const a of runnable.filter((x) => x.exclusive)) calibration.set(a.name, judge(a, await runAttack(open, a), leaks));
      } finally {
        await open.close();
      }
      for (const a of attacks) for (const f of a.files ?? []) rmSync(f, { force: true, recursive: true });
    }
    server = await startSecurityServer();
    await pool(options.positives ?? [], concurrency, async (p) => positives.set(p.name, await server!.run(p.sql, p.options)));
    const attempt = async (a: Attack) => {
      const started = Date.now();
      const outcomes = await runAttack(server!, a);
      verdicts.set(a.name, { ...judge(a, outcomes, leaks), ms: Date.now() - started });
    };
    await pool(
      attacks.filter((a) => !a.exclusive),
      concurrency,
      attempt,
    );
    for (const a of attacks.filter((x) => x.exclusive)) await attempt(a);
    const report = process.env.SECURITY_REPORT;
    if (report) {
      const lines = [...verdicts.values()].map((v) =>
        JSON.stringify({
          suite: title,
          name: v.attack.name,
          dialect: v.attack.dialect ?? 'trino',
          prepared: v.attack.prepared,
          sql: stepsOf(v.attack).map((s) => s.sql),
          passed: v.problems.length === 0,
          ms: v.ms,
          leaked: v.leaked,
          problems: v.problems,
          last: (({ state, error, rows, engineRan }) => ({ state, engineRan, error: error && `${error.errorName}: ${error.message.slice(0, 160)}`, rows: JSON.stringify(rows.slice(0, 2)).slice(0, 200) }))(v.outcomes[v.outcomes.length - 1]!),
        }),
      );
      appendFileSync(report, lines.map((l) => `${l}\n`).join(''));
    }
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    options.files?.cleanup();
  });

  describe(title, () => {
    if (options.positives?.length) {
      describe('allowed statements keep working (controls)', () => {
        it.each(options.positives!.map((p) => [p.name, p] as const))('%s', (_name, p) => {
          const outcome = positives.get(p.name);
          expect(outcome, 'the control did not run').toBeDefined();
          expect(leaks.outcome(outcome!), 'the leak detector flags an allowed answer: the oracle is wrong').toEqual([]);
          p.check(outcome!);
        });
      });
    }
    it.each(attacks.map((a) => [a.name, a] as const))('%s', (_name, a) => {
      const verdict = verdicts.get(a.name);
      expect(verdict, 'the attack did not run').toBeDefined();
      if (verdict!.problems.length) throw new Error(describeVerdict(verdict!));
    });
    if (CALIBRATE) {
      describe('calibration: each attack leaks on a server without rules', () => {
        it.each(attacks.filter((a) => !a.refused && a.calibrate !== false).map((a) => [a.name, a] as const))('%s', (_name, a) => {
          const verdict = calibration.get(a.name)!;
          if (!verdict.leaked) throw new Error(`attack ${a.name} does not leak without rules, so it proves nothing:\n${describeVerdict(verdict)}`);
        });
      });
    }
  });
}

/** The answer finished, with these many rows. */
export function finished(outcome: Outcome, rows?: number): void {
  expect(outcome.error, JSON.stringify(outcome.error)).toBeUndefined();
  expect(outcome.state).toBe('FINISHED');
  if (rows !== undefined) expect(outcome.rows).toHaveLength(rows);
}
