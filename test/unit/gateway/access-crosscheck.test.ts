/**
 * What the engine runs is what was checked, on the gateway side: EXECUTE parameters are
 * written into the statement before it is analyzed, the engine receives exactly that text, and an
 * engine that can read a statement itself (Engine.inspect) is cross-checked against the analysis.
 */
import { describe, expect, it } from 'vitest';
import { createFileAccessControl } from '../../../lambdas/core/acl/index.js';
import type { Engine, EngineInspection, EnginePage, EngineSubmission, GatewayRequest, AccessControl, Analyzer, Router, RoutingDecision, QueryRecord } from '../../../lambdas/core/ports/index.js';
import { QueryFailure } from '../../../lambdas/core/errors.js';
import { createGateway, DEFAULT_GATEWAY_CONFIG } from '../../../lambdas/core/gateway/index.js';
import { allowAll } from '../../../lambdas/core/acl/allow-all.js';
import { headerAuthenticator } from '../../../lambdas/core/auth/header.js';
import { singleTargetRouter } from '../../../lambdas/core/routing/router.js';
import { RecordTooLargeError } from '../../../lambdas/core/stores/query-store.js';
import { trinoAnalyzer } from '../../../lambdas/core/sql/index.js';
import { ALICE_RULES } from '../../support/alice-rules.js';
import { MemoryQueryStore } from '../../support/memory-store.js';

const BIGINT = { kind: 'simple' as const, name: 'bigint', params: [] };

/** An engine that records what it is asked to run, and reads statements as a test says. */
class InspectingEngine implements Engine {
  submitted: EngineSubmission[] = [];
  inspected: EngineSubmission[] = [];
  reading: (submission: EngineSubmission) => EngineInspection | Promise<EngineInspection> = () => ({ tables: [] });
  async submit(submission: EngineSubmission) {
    this.submitted.push(submission);
    return { handle: `h${this.submitted.length}`, state: 'QUEUED' as const };
  }
  async inspect(submission: EngineSubmission): Promise<EngineInspection> {
    this.inspected.push(submission);
    return this.reading(submission);
  }
  async poll(): Promise<EnginePage> {
    return { state: 'FINISHED', columns: [{ name: 'x', type: BIGINT }], rows: [[1]] };
  }
  async cancel() {}
  async health() {
    return { healthy: true };
  }
}

function setup(options: { access?: AccessControl; analyzer?: Analyzer; router?: Router; store?: MemoryQueryStore; maxSqlBytes?: number } = {}) {
  const store = options.store ?? new MemoryQueryStore();
  const engine = new InspectingEngine();
  const gateway = createGateway({
    config: { ...DEFAULT_GATEWAY_CONFIG, pageTokenKey: 'k'.repeat(32), pollWaitMs: 0, ...(options.maxSqlBytes ? { maxSqlBytes: options.maxSqlBytes } : {}) },
    store,
    engineFor: (t) => (t === 'e' ? engine : undefined),
    router: options.router ?? singleTargetRouter('e'),
    authenticator: headerAuthenticator,
    accessControl: options.access ?? createFileAccessControl(ALICE_RULES),
    analyzer: options.analyzer ?? trinoAnalyzer,
  });
  const post = async (sql: string, headers: Record<string, string> = {}, dialect: 'trino' | 'presto' = 'trino') => {
    const all = { [`x-${dialect}-user`]: 'alice', [`x-${dialect}-catalog`]: 'tpch', [`x-${dialect}-schema`]: 'tiny', ...headers };
    const request: GatewayRequest = {
      method: 'POST',
      path: '/v1/statement',
      query: {},
      headers: Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), [v]])),
      body: Buffer.from(sql),
      baseUrl: 'http://gw',
    };
    const response = await gateway.handle(request);
    const first = JSON.parse(String(response.body)) as Page & { id: string };
    // The POST answers QUEUED; the outcome is on the first poll, unless the query waits.
    const record = (await store.get(first.id))!;
    const json = record.waitingGroup !== undefined || !first.nextUri ? first : { ...(await poll(first.nextUri)), id: first.id };
    return { json, first, record: (await store.get(first.id))! };
  };
  const poll = async (uri: string): Promise<Page> => {
    const response = await gateway.handle({ method: 'GET', path: new URL(uri).pathname, query: {}, headers: { 'x-trino-user': ['alice'] }, body: Buffer.alloc(0), baseUrl: 'http://gw' });
    return JSON.parse(String(response.body)) as Page;
  };
  return { store, engine, post, poll };
}

interface Page {
  nextUri?: string;
  stats: { state: string };
  error?: { errorName: string; errorType: string; message: string; errorLocation?: unknown };
}

const ORDERS_PARAMETER = '(SELECT max(o_comment) || count(*) FROM tpch.tiny.orders)';

describe('EXECUTE parameters are analyzed as the engine receives them', () => {
  it('denies EXECUTE IMMEDIATE whose parameter reads a forbidden table, and nothing reaches the engine', async () => {
    const { post, engine } = setup();
    const { json, record } = await post(`EXECUTE IMMEDIATE 'SELECT ?' USING ${ORDERS_PARAMETER}`);
    expect(json.error).toMatchObject({ errorName: 'PERMISSION_DENIED', message: 'Access Denied: Cannot select from table tpch.tiny.orders' });
    expect(record.access).toMatchObject({ allowed: false });
    expect(engine.submitted).toHaveLength(0);
    expect(engine.inspected).toHaveLength(0);
  });

  it.each(['x-trino-prepared-statement', 'x-presto-prepared-statement'])('denies EXECUTE p USING (...) with p only in %s', async (header) => {
    const { post, engine } = setup();
    const dialect = header.startsWith('x-trino') ? 'trino' : 'presto';
    const { json } = await post(`EXECUTE p USING ${ORDERS_PARAMETER}`, { [header]: `p=${encodeURIComponent('SELECT n_name, ? FROM nation')}` }, dialect);
    expect(json.error?.errorName).toBe('PERMISSION_DENIED');
    expect(engine.submitted).toHaveLength(0);
  });

  it('sends the engine exactly the analyzed text, with no parameters of its own', async () => {
    const { post, engine } = setup();
    const { json, record } = await post("EXECUTE IMMEDIATE 'SELECT n_name, ? * 2 FROM nation WHERE n_regionkey = ? LIMIT ?' USING 1 + 1, INTEGER '3', INTEGER '5'");
    expect(json.error).toBeUndefined();
    expect(engine.submitted).toHaveLength(1);
    expect(engine.submitted[0]).toMatchObject({ sql: "SELECT n_name, (1 + 1) * 2 FROM nation WHERE n_regionkey = INTEGER '3' LIMIT 5", parameters: [] });
    expect(engine.inspected[0]!.sql).toBe(engine.submitted[0]!.sql);
    expect(record.access).toMatchObject({ allowed: true, tables: [expect.objectContaining({ name: 'tpch.tiny.nation' })] });
  });

  it('refuses a parameter that is not exactly one expression, with the position of the error', async () => {
    const { post, engine } = setup({ access: allowAll });
    const { json } = await post("EXECUTE IMMEDIATE 'SELECT ? FROM nation' USING 1) UNION SELECT o_comment FROM orders --");
    expect(json.error).toMatchObject({ errorName: 'SYNTAX_ERROR', errorLocation: { lineNumber: 1, columnNumber: 49 } });
    const limit = await post("EXECUTE IMMEDIATE 'SELECT n_name FROM nation LIMIT ?' USING (SELECT count(*) FROM orders)");
    expect(limit.json.error?.errorName).toBe('TYPE_MISMATCH');
    expect(engine.submitted).toHaveLength(0);
  });

  it('binds parameters of a prepared statement the same way for a session without access rules', async () => {
    const { post, engine } = setup({ access: allowAll });
    await post('EXECUTE p USING 7, DATE \'2024-05-01\'', { 'x-trino-prepared-statement': `p=${encodeURIComponent('SELECT * FROM orders WHERE o_orderkey = ? AND o_orderdate > ?')}` });
    expect(engine.submitted[0]).toMatchObject({ sql: "SELECT * FROM orders WHERE o_orderkey = 7 AND o_orderdate > DATE '2024-05-01'", parameters: [] });
    expect(engine.inspected).toHaveLength(0);
  });
});

describe('the engine cross-check', () => {
  it('denies a table the engine reads that the analysis did not see, and records it', async () => {
    const { post, engine } = setup();
    engine.reading = () => ({ tables: [['tpch', 'tiny', 'nation'], ['tpch', 'tiny', 'orders']] });
    const { json, record } = await post('SELECT n_name FROM nation');
    expect(json.error).toMatchObject({ errorName: 'PERMISSION_DENIED', message: 'Access Denied: the engine reads tpch.tiny.orders, which the access check did not see' });
    expect(engine.submitted).toHaveLength(0);
    expect(record.state).toBe('FAILED');
    expect(record.access).toMatchObject({ crossCheck: { target: 'e', allowed: false, tables: ['tpch.tiny.nation', 'tpch.tiny.orders'], reason: 'the engine reads tpch.tiny.orders, which the access check did not see' } });
  });

  it('denies with the engine’s refusal', async () => {
    const { post, engine } = setup();
    engine.reading = () => ({ tables: [], refusal: 'the local engine runs one statement at a time' });
    const { json } = await post('SELECT n_name FROM nation');
    expect(json.error).toMatchObject({ errorName: 'PERMISSION_DENIED', message: 'Access Denied: the local engine runs one statement at a time' });
    expect(engine.submitted).toHaveLength(0);
  });

  it('checks tables read through views as the user, with all their columns', async () => {
    const { post, engine } = setup();
    engine.reading = () => ({ tables: [['memory', 'default', 'v']], viewTables: [{ view: ['memory', 'default', 'v'], table: ['tpch', 'tiny', 'orders'] }] });
    const denied = await post('SELECT * FROM memory.default.v');
    expect(denied.json.error).toMatchObject({ errorName: 'PERMISSION_DENIED', message: 'Access Denied: Cannot select from table tpch.tiny.orders (read through view memory.default.v)' });
    engine.reading = () => ({ tables: [['memory', 'default', 'v']], viewTables: [{ view: ['memory', 'default', 'v'], table: ['tpch', 'tiny', 'customer'] }] });
    const hidden = await post('SELECT * FROM memory.default.v');
    expect(hidden.json.error?.message).toMatch(/^Access Denied: Cannot select from columns \[.*c_acctbal.*\] in table or view tpch.tiny.customer \(read through view memory.default.v\)$/);
    engine.reading = () => ({ tables: [['memory', 'default', 'v']], viewTables: [{ view: ['memory', 'default', 'v'], table: ['tpch', 'tiny', 'nation'] }] });
    const allowed = await post('SELECT * FROM memory.default.v');
    expect(allowed.json.error).toBeUndefined();
    expect(allowed.record.access).toMatchObject({ allowed: true, crossCheck: { allowed: true, viewTables: [{ view: 'memory.default.v', table: 'tpch.tiny.nation' }] } });
    expect(engine.submitted).toHaveLength(1);
  });

  it('runs what both readings agree on, and records the cross-check with its cost', async () => {
    const { post, engine } = setup();
    engine.reading = () => ({ tables: [['tpch', 'tiny', 'nation'], ['tpch', 'tiny', 'region']] });
    const { json, record } = await post('SELECT n_name, r_name FROM nation JOIN region ON n_regionkey = r_regionkey');
    expect(json.error).toBeUndefined();
    expect(engine.submitted).toHaveLength(1);
    expect(record.access).toMatchObject({ allowed: true, crossCheck: { target: 'e', allowed: true, tables: ['tpch.tiny.nation', 'tpch.tiny.region'] } });
    expect(typeof (record.access!.crossCheck as { ms: number }).ms).toBe('number');
  });

  it('fails closed when the engine cannot read the statement, and passes the engine’s own error on', async () => {
    const { post, engine } = setup();
    engine.reading = () => Promise.reject(new Error('connection lost'));
    expect((await post('SELECT n_name FROM nation')).json.error).toMatchObject({ errorName: 'PERMISSION_DENIED', message: expect.stringMatching(/could not read the statement/) });
    engine.reading = () => Promise.reject(QueryFailure.of('SYNTAX_ERROR', 'syntax error at or near "x"'));
    expect((await post('SELECT n_name FROM nation')).json.error).toMatchObject({ errorName: 'SYNTAX_ERROR' });
    expect(engine.submitted).toHaveLength(0);
  });

  it('asks nothing of the engine when no access rules apply', async () => {
    const { post, engine } = setup({ access: allowAll });
    engine.reading = () => ({ tables: [['tpch', 'tiny', 'orders']] });
    expect((await post('SELECT 1')).json.error).toBeUndefined();
    expect(engine.inspected).toHaveLength(0);
    expect(engine.submitted).toHaveLength(1);
  });

  it('cross-checks a query that waited at the gateway when it gets its target, and records the outcome', async () => {
    let open = false;
    const router: Router = { route: async (): Promise<RoutingDecision> => (open ? { outcome: 'target', target: 'e', group: 'g', reasons: [] } : { outcome: 'wait', group: 'g', reasons: ['full'] }) };
    const { post, poll, engine, store } = setup({ router });
    engine.reading = () => ({ tables: [['tpch', 'tiny', 'nation'], ['tpch', 'tiny', 'orders']] });
    const waiting = await post('SELECT n_name FROM nation');
    expect(waiting.record.waitingGroup).toBe('g');
    expect(engine.inspected).toHaveLength(0);
    open = true;
    let page = await poll(waiting.first.nextUri!);
    while (page.nextUri && page.stats.state !== 'FAILED') page = await poll(page.nextUri);
    expect(page.error).toMatchObject({ errorName: 'PERMISSION_DENIED', message: 'Access Denied: the engine reads tpch.tiny.orders, which the access check did not see' });
    expect(engine.submitted).toHaveLength(0);
    expect((await store.get(waiting.json.id))!.access).toMatchObject({ crossCheck: { target: 'e', allowed: false } });

    open = false;
    engine.reading = () => ({ tables: [['tpch', 'tiny', 'nation']] });
    const second = await post('SELECT n_name FROM nation');
    open = true;
    page = await poll(second.first.nextUri!);
    while (page.nextUri) page = await poll(page.nextUri);
    expect(page.stats.state).toBe('FINISHED');
    expect(engine.submitted).toHaveLength(1);
    expect((await store.get(second.json.id))!.access).toMatchObject({ crossCheck: { target: 'e', allowed: true } });
  });

  it('adds little to the gateway itself (fake engine, figures printed)', async () => {
    const { post, engine } = setup();
    engine.reading = () => ({ tables: [['tpch', 'tiny', 'nation']] });
    for (let i = 0; i < 20; i++) await post('SELECT n_name FROM nation');
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const { record } = await post('SELECT n_name FROM nation');
      times.push((record.access!.crossCheck as { ms: number }).ms);
    }
    times.sort((a, b) => a - b);
    console.log(`cross-check in the gateway with an instant inspect: median ${times[100]!.toFixed(3)} ms, p99 ${times[197]!.toFixed(3)} ms`);
    expect(times[100]!).toBeLessThan(5);
  });
});

describe('errors under access rules', () => {
  it('answers a typo with SYNTAX_ERROR and its position, not PERMISSION_DENIED', async () => {
    const { post } = setup();
    const { json, record } = await post('SELECT n_name FROM nation\nWHER n_nationkey = 1');
    expect(json.error).toMatchObject({ errorName: 'SYNTAX_ERROR', errorLocation: { lineNumber: 2, columnNumber: 6 } });
    expect(json.error!.message).toMatch(/^line 2:6: /);
    expect(record.access).toMatchObject({ allowed: false, problem: { kind: 'syntax' } });
  });

  it('takes the problem from the analysis when it says what it is', async () => {
    const problem = (p: NonNullable<ReturnType<Analyzer['analyze']>['problem']>): Analyzer => ({ analyze: () => ({ ok: false, kind: 'unknown', tables: [], error: 'whatever', problem: p }) });
    const syntax = setup({ analyzer: problem({ kind: 'syntax', message: "mismatched input 'x'", line: 3, column: 7 }) });
    expect((await syntax.post('SELECT 1')).json.error).toMatchObject({ errorName: 'SYNTAX_ERROR', message: "line 3:7: mismatched input 'x'", errorLocation: { lineNumber: 3, columnNumber: 7 } });
    const complex = setup({ analyzer: problem({ kind: 'too-complex', message: 'expressions are nested more than 100 levels deep' }) });
    expect((await complex.post('SELECT 1')).json.error).toMatchObject({ errorName: 'QUERY_TEXT_TOO_LARGE', errorType: 'USER_ERROR', message: expect.stringMatching(/nested more than 100 levels deep/) });
  });

  it('never shows an internal message such as a stack overflow', async () => {
    const overflow: Analyzer = { analyze: () => ({ ok: false, kind: 'unknown', tables: [], error: 'the analyzer failed: Maximum call stack size exceeded' }) };
    const thrown: Analyzer = {
      analyze: () => {
        throw new RangeError('Maximum call stack size exceeded');
      },
    };
    const internal: Analyzer = { analyze: () => ({ ok: false, kind: 'unknown', tables: [], error: "the analyzer failed: Cannot read properties of undefined (reading 'x')" }) };
    for (const analyzer of [overflow, thrown]) {
      const { json } = await setup({ analyzer }).post('SELECT 1');
      expect(json.error).toMatchObject({ errorName: 'QUERY_TEXT_TOO_LARGE', errorType: 'USER_ERROR' });
      expect(json.error!.message).not.toMatch(/call stack/);
    }
    const { json } = await setup({ analyzer: internal }).post('SELECT 1');
    expect(json.error).toMatchObject({ errorName: 'PERMISSION_DENIED' });
    expect(json.error!.message).not.toMatch(/properties of undefined/);
  });

  it('answers deep input in EXECUTE parameters cleanly, with or without rules', async () => {
    for (const access of [allowAll, createFileAccessControl(ALICE_RULES)]) {
      const { post, engine } = setup({ access });
      const deep = `EXECUTE IMMEDIATE 'SELECT ?' USING ${'('.repeat(5000)}1${')'.repeat(5000)}`;
      expect((await post(deep)).json.error).toMatchObject({ errorName: 'QUERY_TEXT_TOO_LARGE' });
      expect(engine.submitted).toHaveLength(0);
    }
  });
});

describe('deep input on the POST path', () => {
  const n = 3000;
  const inputs: [string, string][] = [
    ['brackets', `SELECT ${'('.repeat(n)}1${')'.repeat(n)}`],
    ['NOT', `SELECT ${'NOT '.repeat(n)}true`],
    ['unary minus', `SELECT ${'- '.repeat(n)}1`],
    ['CASE', `SELECT ${'CASE WHEN true THEN '.repeat(n)}1${' END'.repeat(n)}`],
    ['an EXECUTE parameter in brackets', `EXECUTE IMMEDIATE 'SELECT ?' USING ${'('.repeat(n)}1${')'.repeat(n)}`],
    ['an EXECUTE parameter of NOTs', `EXECUTE IMMEDIATE 'SELECT ?' USING ${'NOT '.repeat(n)}true`],
    ['a metadata query', `SELECT * FROM system.jdbc.columns WHERE ${'NOT '.repeat(n)}true`],
  ];
  it.each(inputs)('%s: a clean answer with and without rules, never an internal error', async (_name, sql) => {
    for (const access of [allowAll, createFileAccessControl(ALICE_RULES)]) {
      const { json } = await setup({ access }).post(sql);
      if (json.error) {
        expect(json.error.errorType).toBe('USER_ERROR');
        expect(json.error.message).not.toMatch(/call stack|Maximum|Internal/i);
      }
    }
  });
});

describe('large statements are recorded', () => {
  it('records a statement the store cannot hold in a shortened form, failed with a clear answer', async () => {
    const store = new MemoryQueryStore();
    const create = store.create.bind(store);
    let refused = 0;
    store.create = async (record: QueryRecord) => {
      if (!record.sqlTruncated) {
        refused++;
        throw new RecordTooLargeError('too large');
      }
      return create(record);
    };
    // The gateway asks before it submits: a statement the store cannot hold is never run.
    store.fits = (record: QueryRecord) => record.sqlTruncated === true;
    const { post, engine } = setup({ store, access: allowAll });
    const sql = `SELECT * FROM orders WHERE o_comment IN (${Array.from({ length: 2000 }, (_, i) => `'${i}'`).join(', ')})`;
    const { json, first, record } = await post(sql);
    expect(refused).toBe(1);
    expect(first.stats.state).toBe('QUEUED');
    expect(json.error).toMatchObject({ errorName: 'QUERY_TEXT_TOO_LARGE' });
    expect(record).toMatchObject({ state: 'FAILED', sqlTruncated: true, error: { errorName: 'QUERY_TEXT_TOO_LARGE', errorType: 'USER_ERROR' } });
    expect(sql.startsWith(record.sql)).toBe(true);
    expect(engine.submitted).toHaveLength(0);
  });
});
