import { QueryFailure, queryError, type ErrorName } from '../../errors.js';
import { bindParameters, LexError } from '../../protocol/lexer.js';
import { EngineUnreachableError } from '../engine.js';
import { Header, readSessionUpdate, sessionRequestHeaders, wireName } from '../../protocol/headers.js';
import type { Dialect, SessionUpdate, Engine, EngineHealth, EnginePage, EngineSubmission, EngineSubmitted, PollOptions, HttpFetch, ClusterCredentialsProvider } from '../../ports/index.js';
import { ClusterUnreachableError, excerpt, realSleep, send, type HttpDeps, type UpstreamResponse } from './http.js';
import { parseKillQuery, rewriteKillQuery } from './kill-query.js';
import { readQueryResults, UpstreamProtocolError, type UpstreamResults } from './results.js';
import { ClusterOrigin, UpstreamUrlError } from './upstream-url.js';

/**
 * A Presto or Trino cluster behind the Engine port. The gateway terminates the protocol: it
 * issues its own query ids and nextUris; this engine speaks the protocol to the cluster.
 *
 * - submit: POST /v1/statement with the client's session in the cluster's dialect (gateway-only
 *   hints and forwarding headers never go upstream), the cluster's own credentials (never the
 *   client's), Accept-Encoding gzip.
 * - handle: the upstream query id and the first nextUri (plus the first answer itself when it
 *   already holds rows or is final).
 * - cursor: the upstream nextUri's path and query. Trino serves the same page again for the same
 *   nextUri, so a cursor gives the same page each time, as the port requires. Every nextUri is
 *   checked against the configured origin when it arrives and again when it is used.
 * - failures: 502/503/504 and socket errors are retried like clients retry them, within a budget
 *   that fits in the ALB and Lambda limits; past it the query ends with REMOTE_HOST_GONE, naming
 *   the cluster. Every request has a timeout: a dead cluster never makes a poll hang.
 */

/** The part of a query item the engine needs to resolve a gateway query id in kill_query. */
export interface KnownQuery {
  user: string;
  target?: string;
  engineQueryId?: string;
}

export interface ClusterEngineOptions {
  /** The target's name in the config: errors name it, and kill_query checks queries run on it. */
  name: string;
  dialect: Dialect;
  /** The coordinator's base URL. */
  url: string;
  fetch: HttpFetch;
  credentials?: ClusterCredentialsProvider;
  /** Total time for one poll's upstream calls, retries included (default 10 s). */
  pollBudgetMs?: number;
  /** Total time for the submit POST, retries included (default 10 s). */
  submitBudgetMs?: number;
  /** Timeout of one request, on top of the long-poll wait for GETs (default 5 s). */
  requestTimeoutMs?: number;
  /** Timeout of the /v1/info health probe (default 2 s). */
  healthTimeoutMs?: number;
  /** Asks the cluster for pages of about this size (`targetResultSize`); default 400 kB. */
  targetResultBytes?: number;
  /** Resolves a gateway query id (for kill_query); wire it to the query store. */
  lookupQuery?: (queryId: string) => Promise<KnownQuery | undefined>;
  /** Sent as User-Agent. */
  userAgent?: string;
  /**
   * Memory for recently read pages with rows (default 8 MB, 0: none). When a cluster page is
   * bigger than the gateway's byte cap, the gateway reads the same cursor again for each cut;
   * the page is kept so that the cluster is not asked (and the JSON not parsed) again. Pages
   * are deterministic per cursor, so this changes nothing but the cost; any process can still
   * serve any poll without it.
   */
  pageCacheBytes?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Handle {
  v: 1;
  /** The upstream query id. */
  id: string;
  /** The session user, named on every request as clients do. */
  u: string;
  /** Cursor of the first nextUri. */
  next?: string;
  /** The POST's answer, when it already carried rows or was final (it cannot be fetched again). */
  first?: string;
  /** Session changes announced on that answer. */
  su?: SessionUpdate;
}

/** Gateway-only hints among the extra credentials: never sent to a cluster. */
const HIDDEN_EXTRA_CREDENTIALS = ['routing'];
// The handle is stored in the query item (DynamoDB: 400 KB with the SQL text).
const MAX_FIRST_ANSWER_CHARS = 64_000;

export class ClusterEngine implements Engine {
  readonly name: string;
  readonly dialect: Dialect;
  private readonly origin: ClusterOrigin;
  private readonly http: HttpDeps;
  private readonly pollBudgetMs: number;
  private readonly submitBudgetMs: number;
  private readonly requestTimeoutMs: number;
  private readonly healthTimeoutMs: number;
  private readonly targetResultBytes: number;
  private readonly userAgent: string;
  private readonly pages: PageCache;

  constructor(private readonly options: ClusterEngineOptions) {
    this.name = options.name;
    this.dialect = options.dialect;
    this.origin = new ClusterOrigin(options.url);
    this.http = { fetch: options.fetch, clock: options.clock ?? Date.now, sleep: options.sleep ?? realSleep };
    this.pollBudgetMs = options.pollBudgetMs ?? 10_000;
    this.submitBudgetMs = options.submitBudgetMs ?? 10_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.healthTimeoutMs = options.healthTimeoutMs ?? 2_000;
    this.targetResultBytes = options.targetResultBytes ?? 400_000;
    this.userAgent = options.userAgent ?? 'bifrost-gateway';
    this.pages = new PageCache(options.pageCacheBytes ?? 8_000_000, 60_000, this.http.clock);
  }

  /** The coordinator's origin (scheme://host:port), for messages and health checks. */
  get url(): string {
    return this.origin.api('');
  }

  // ---------------------------------------------------------------- submit

  async submit(submission: EngineSubmission): Promise<EngineSubmitted> {
    const session = submission.session;
    let sql = submission.sql;
    if (submission.parameters?.length) {
      try {
        sql = bindParameters(sql, submission.parameters);
      } catch (error) {
        if (error instanceof LexError) throw QueryFailure.of('INVALID_PARAMETER_USAGE', error.message);
        throw error;
      }
    }
    sql = await this.resolveKillQuery(sql, session.user);
    // Only the prepared statements the statement runs go upstream: every one is a header, and
    // clients resend all of them on every query (PROTOCOL.md §1.2, header size limits).
    const prepared = usedPreparedStatements(sql, session.preparedStatements ?? {});
    const headers = [
      ...sessionRequestHeaders(this.dialect, { ...session, preparedStatements: prepared }, { withoutExtraCredentials: HIDDEN_EXTRA_CREDENTIALS }),
      ['Content-Type', 'text/plain; charset=utf-8'] as [string, string],
    ];
    let response: UpstreamResponse;
    try {
      response = await this.call('POST', this.origin.api('/v1/statement'), headers, sql, this.submitBudgetMs, this.requestTimeoutMs, 'unsent-only');
    } catch (error) {
      if (!(error instanceof ClusterUnreachableError)) throw error;
      const sent = error.maybeSent ? ' (the query may have reached it)' : '';
      const failure = queryError('REMOTE_HOST_GONE', `Cluster '${this.name}' (${this.origin.origin}) is unreachable${sent}: ${error.message} (${error.attempts} attempts)`);
      // Only a POST that certainly never arrived may be sent elsewhere.
      if (!error.maybeSent) throw new EngineUnreachableError(failure, error.message);
      throw new QueryFailure(failure);
    }
    if (response.status !== 200) throw this.refusal(response, 'submit');
    let results: UpstreamResults;
    try {
      results = readQueryResults(response.body);
    } catch (error) {
      throw QueryFailure.of('GENERIC_INTERNAL_ERROR', `Cluster '${this.name}' answered the query with something the gateway cannot read: ${(error as Error).message}`);
    }
    const handle: Handle = { v: 1, id: results.id, u: session.user };
    try {
      if (results.nextUri !== undefined) handle.next = this.origin.cursorOf(results.nextUri);
    } catch (error) {
      await this.killUpstream(results.id, session.user);
      throw QueryFailure.of('GENERIC_INTERNAL_ERROR', `Cluster '${this.name}': ${(error as Error).message}`);
    }
    const su = this.sessionUpdateOf(response);
    if (results.nextUri === undefined || results.rows?.length || su) {
      if (response.body.length > MAX_FIRST_ANSWER_CHARS) {
        await this.killUpstream(results.id, session.user);
        throw QueryFailure.of('GENERIC_INTERNAL_ERROR', `Cluster '${this.name}' answered the POST with ${response.body.length} characters of rows; the gateway keeps at most ${MAX_FIRST_ANSWER_CHARS}`);
      }
      handle.first = response.body;
      if (su) handle.su = su;
    }
    return { handle: JSON.stringify(handle), state: results.state === 'FINISHED' || results.state === 'FAILED' || results.state === 'CANCELED' ? results.state : 'QUEUED', engineQueryId: results.id };
  }

  /**
   * kill_query names a gateway query id: the cluster knows its own id. A query of the same user
   * running on this cluster is killed under its upstream id; one running elsewhere cannot be
   * killed here; an id the gateway does not know (or another user's) is passed on unchanged,
   * and the cluster's own access control decides.
   */
  private async resolveKillQuery(sql: string, user: string): Promise<string> {
    if (!this.options.lookupQuery) return sql;
    const kill = parseKillQuery(sql);
    if (!kill) return sql;
    const known = await this.options.lookupQuery(kill.queryId);
    if (!known || known.user !== user) return sql;
    if (known.target !== this.name || !known.engineQueryId) {
      throw QueryFailure.of('NOT_SUPPORTED', `Query ${kill.queryId} does not run on cluster '${this.name}'${known.target ? ` but on target '${known.target}'` : ''}: cancel it through the gateway (DELETE /v1/query/${kill.queryId})`);
    }
    return rewriteKillQuery(sql, kill, known.engineQueryId);
  }

  // ---------------------------------------------------------------- poll

  async poll(handleText: string, cursor: string | undefined, options: PollOptions): Promise<EnginePage> {
    const handle = parseHandle(handleText);
    if (cursor === undefined && handle.first !== undefined) return this.page(handle, handle.first, handle.su);
    const path = cursor ?? handle.next;
    if (path === undefined) return this.failed('GENERIC_INTERNAL_ERROR', `Cluster '${this.name}' gave no way to follow query ${handle.id}`);
    let url: URL;
    try {
      url = new URL(this.origin.urlOf(path));
    } catch (error) {
      return this.failed('GENERIC_INTERNAL_ERROR', `Cluster '${this.name}': ${(error as Error).message}`);
    }
    const cached = this.pages.get(path);
    if (cached) return cached;
    const wait = Math.max(0, Math.floor(options.maxWaitMs));
    url.searchParams.set('maxWait', `${wait}ms`);
    url.searchParams.set('targetResultSize', `${Math.max(1024, Math.floor(this.targetResultBytes))}B`);
    let response: UpstreamResponse;
    try {
      response = await this.call('GET', url.toString(), [], undefined, this.pollBudgetMs, wait + this.requestTimeoutMs, 'idempotent', handle.u);
    } catch (error) {
      if (error instanceof ClusterUnreachableError) {
        // Best effort, one short attempt: a cluster that answers again should not keep running a query nobody reads.
        await this.call('DELETE', this.origin.urlOf(path), [], undefined, 500, 500, 'idempotent', handle.u).catch(() => undefined);
        return this.failed('REMOTE_HOST_GONE', `Cluster '${this.name}' (${this.origin.origin}) stopped answering while running query ${handle.id}: ${error.message} (${error.attempts} attempts); the query was ended`);
      }
      throw error;
    }
    if (response.status === 404 || response.status === 410) {
      return this.failed('REMOTE_HOST_GONE', `Cluster '${this.name}' (${this.origin.origin}) no longer knows query ${handle.id} (HTTP ${response.status}): it may have restarted or dropped the query`);
    }
    if (response.status !== 200) return { state: 'FAILED', error: this.refusal(response, 'poll').error };
    const page = await this.page(handle, response.body, this.sessionUpdateOf(response));
    if (page.rows?.length && page.state !== 'FAILED') this.pages.put(path, page, response.body.length);
    return page;
  }

  private async page(handle: Handle, body: string, sessionUpdate: SessionUpdate | undefined): Promise<EnginePage> {
    let results: UpstreamResults;
    try {
      results = readQueryResults(body);
    } catch (error) {
      if (error instanceof UpstreamProtocolError) return this.failed('GENERIC_INTERNAL_ERROR', `Cluster '${this.name}': ${error.message}`);
      throw error;
    }
    const page: EnginePage = { state: results.state };
    if (results.nextUri !== undefined) {
      try {
        page.nextCursor = this.origin.cursorOf(results.nextUri);
      } catch (error) {
        if (!(error instanceof UpstreamUrlError)) throw error;
        await this.killUpstream(handle.id, handle.u);
        return this.failed('GENERIC_INTERNAL_ERROR', `Cluster '${this.name}': ${error.message}`);
      }
    }
    if (results.columns) page.columns = results.columns;
    if (results.rows) page.rows = results.rows;
    if (results.stats) page.stats = results.stats;
    if (results.error) page.error = results.error;
    if (results.update) page.update = results.update;
    if (sessionUpdate) page.sessionUpdate = sessionUpdate;
    return page;
  }

  // ---------------------------------------------------------------- cancel

  /** DELETE the query's nextUri (Trino cancels from any of its statement URIs); /v1/query/{id} when that fails. */
  async cancel(handleText: string): Promise<void> {
    const handle = parseHandle(handleText);
    const budget = Math.min(this.pollBudgetMs, 3_000);
    if (handle.next !== undefined) {
      try {
        const response = await this.call('DELETE', this.origin.urlOf(handle.next), [], undefined, budget, this.requestTimeoutMs, 'idempotent', handle.u);
        if (response.status === 204 || response.status === 200) return;
      } catch (error) {
        if (error instanceof ClusterUnreachableError) throw new Error(`Cluster '${this.name}' is unreachable; query ${handle.id} could not be canceled: ${error.message}`);
        if (!(error instanceof UpstreamUrlError)) throw error;
      }
    }
    await this.killUpstream(handle.id, handle.u, true);
  }

  /** DELETE /v1/query/{id}: what trino-js-client's cancel() does; needs an authenticated user. */
  private async killUpstream(upstreamId: string, user: string, strict = false): Promise<void> {
    try {
      const response = await this.call('DELETE', this.origin.api(`/v1/query/${encodeURIComponent(upstreamId)}`), [], undefined, Math.min(this.pollBudgetMs, 3_000), this.requestTimeoutMs, 'idempotent', user);
      if (strict && response.status >= 400 && response.status !== 404 && response.status !== 410) throw new Error(`Cluster '${this.name}' refused to cancel query ${upstreamId}: HTTP ${response.status}`);
    } catch (error) {
      if (strict) throw error;
    }
  }

  // ---------------------------------------------------------------- health

  async health(): Promise<EngineHealth> {
    const probe = await probeClusterInfo(this.http, this.origin.api('/v1/info'), await this.authHeaders(false), this.healthTimeoutMs, this.userAgent);
    return { healthy: probe.ok, detail: probe.detail };
  }

  // ---------------------------------------------------------------- plumbing

  private async call(method: 'GET' | 'POST' | 'DELETE', url: string, extra: [string, string][], body: string | undefined, budgetMs: number, attemptTimeoutMs: number, retry: 'idempotent' | 'unsent-only', user?: string): Promise<UpstreamResponse> {
    const deadline = this.http.clock() + budgetMs;
    const base: [string, string][] = [
      ['Accept', 'application/json'],
      ['Accept-Encoding', 'gzip'],
      ['User-Agent', this.userAgent],
    ];
    // POSTs carry the session (with the user); GETs and DELETEs name the user too, as clients do.
    const userHeader: [string, string][] = user !== undefined ? [[wireName(this.dialect, Header.user), user]] : [];
    let auth = await this.authHeaders(false);
    let response = await send(this.http, { method, url, headers: [...base, ...userHeader, ...auth, ...extra], ...(body !== undefined ? { body } : {}), attemptTimeoutMs, deadline, retry });
    if (response.status === 401 && this.options.credentials) {
      // The secret may have been rotated: read it again once.
      auth = await this.authHeaders(true);
      response = await send(this.http, { method, url, headers: [...base, ...userHeader, ...auth, ...extra], ...(body !== undefined ? { body } : {}), attemptTimeoutMs, deadline: Math.max(deadline, this.http.clock() + attemptTimeoutMs), retry });
    }
    return response;
  }

  private async authHeaders(refresh: boolean): Promise<[string, string][]> {
    const credentials = await this.options.credentials?.(refresh ? { refresh } : undefined);
    if (!credentials) return [];
    if (credentials.token) return [['Authorization', `Bearer ${credentials.token}`]];
    if (credentials.user !== undefined) return [['Authorization', `Basic ${Buffer.from(`${credentials.user}:${credentials.password ?? ''}`).toString('base64')}`]];
    return [];
  }

  private sessionUpdateOf(response: UpstreamResponse): SessionUpdate | undefined {
    return readSessionUpdate(this.dialect, (name) => {
      const value = response.headers.get(name);
      return value === null ? [] : [value];
    });
  }

  /** A non-200 answer to a protocol request, as the query's failure. */
  private refusal(response: UpstreamResponse, what: 'submit' | 'poll'): QueryFailure {
    const status = response.status;
    const text = excerpt(response.body);
    if (status >= 300 && status < 400) return QueryFailure.of('GENERIC_INTERNAL_ERROR', `Cluster '${this.name}' answered the ${what} with a redirect (HTTP ${status}), which the gateway does not follow`);
    if (status === 401 || status === 403) return QueryFailure.of('CONFIGURATION_INVALID', `Cluster '${this.name}' refused the gateway's credentials (HTTP ${status}${text ? `: ${text}` : ''})`);
    if (status === 502 || status === 503 || status === 504) return QueryFailure.of('REMOTE_HOST_GONE', `Cluster '${this.name}' (${this.origin.origin}) is unavailable (HTTP ${status}${text ? `: ${text}` : ''})`);
    if (status >= 400 && status < 500) return QueryFailure.of('GENERIC_USER_ERROR', `Cluster '${this.name}' refused the query (HTTP ${status}${text ? `: ${text}` : ''})`);
    return QueryFailure.of('GENERIC_INTERNAL_ERROR', `Cluster '${this.name}' failed (HTTP ${status}${text ? `: ${text}` : ''})`);
  }

  private failed(name: ErrorName, message: string): EnginePage {
    return { state: 'FAILED', error: queryError(name, message) };
  }
}

/** Recently read pages by cursor, bounded by size (the JSON's length, times two) and age. */
class PageCache {
  private readonly entries = new Map<string, { page: EnginePage; size: number; at: number }>();
  private total = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly ttlMs: number,
    private readonly clock: () => number,
  ) {}

  get(cursor: string): EnginePage | undefined {
    const entry = this.entries.get(cursor);
    if (!entry) return undefined;
    if (this.clock() - entry.at > this.ttlMs) {
      this.drop(cursor);
      return undefined;
    }
    return entry.page;
  }

  put(cursor: string, page: EnginePage, bodyLength: number): void {
    const size = bodyLength * 2;
    if (size > this.maxBytes) return;
    this.drop(cursor);
    this.entries.set(cursor, { page, size, at: this.clock() });
    this.total += size;
    for (const key of this.entries.keys()) {
      if (this.total <= this.maxBytes) break;
      this.drop(key);
    }
  }

  private drop(cursor: string): void {
    const entry = this.entries.get(cursor);
    if (!entry) return;
    this.total -= entry.size;
    this.entries.delete(cursor);
  }
}

function parseHandle(text: string): Handle {
  let handle: Handle;
  try {
    handle = JSON.parse(text) as Handle;
  } catch {
    throw QueryFailure.of('GENERIC_INTERNAL_ERROR', 'Invalid cluster query handle');
  }
  if (handle?.v !== 1 || typeof handle.id !== 'string' || typeof handle.u !== 'string') throw QueryFailure.of('GENERIC_INTERNAL_ERROR', 'Invalid cluster query handle');
  return handle;
}

/** Prepared statements named by EXECUTE / DESCRIBE INPUT|OUTPUT in the statement text. */
export function usedPreparedStatements(sql: string, prepared: Record<string, string>): Record<string, string> {
  const names = Object.keys(prepared);
  if (!names.length) return {};
  const out: Record<string, string> = {};
  const match = /^\s*(?:EXECUTE|DESCRIBE\s+(?:INPUT|OUTPUT))\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)/i.exec(sql);
  if (!match) return out;
  const raw = match[1]!;
  const name = raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.toLowerCase();
  const key = names.find((k) => k === name) ?? names.find((k) => k.toLowerCase() === name.toLowerCase());
  if (key !== undefined) out[key] = prepared[key]!;
  return out;
}

export interface InfoProbe {
  ok: boolean;
  detail: string;
  version?: string;
}

/** GET /v1/info: healthy when it answers 200 with `starting: false`. One attempt, short timeout. */
export async function probeClusterInfo(http: HttpDeps, url: string, auth: [string, string][], timeoutMs: number, userAgent = 'bifrost-gateway'): Promise<InfoProbe> {
  try {
    const response = await send(http, { method: 'GET', url, headers: [['Accept', 'application/json'], ['User-Agent', userAgent], ...auth], attemptTimeoutMs: timeoutMs, deadline: http.clock() + timeoutMs, retry: 'none' });
    if (response.status !== 200) return { ok: false, detail: `HTTP ${response.status}` };
    let info: { starting?: unknown; nodeVersion?: { version?: unknown } };
    try {
      info = JSON.parse(response.body) as typeof info;
    } catch {
      return { ok: false, detail: '/v1/info did not answer JSON' };
    }
    const version = typeof info?.nodeVersion?.version === 'string' ? info.nodeVersion.version : undefined;
    if (info?.starting === true) return { ok: false, detail: 'the coordinator is starting', ...(version ? { version } : {}) };
    if (info?.starting !== false) return { ok: false, detail: '/v1/info has no starting flag' };
    return { ok: true, detail: version ? `version ${version}` : 'up', ...(version ? { version } : {}) };
  } catch (error) {
    return { ok: false, detail: error instanceof ClusterUnreachableError ? error.message : String((error as Error)?.message ?? error) };
  }
}
