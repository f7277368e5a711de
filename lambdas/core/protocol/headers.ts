import { decompress } from 'fzstd';
import { GatewayError } from '../errors.js';
import type { Dialect, ClientSession, SessionUpdate, Headers } from '../ports/index.js';

/**
 * The one module that owns the protocol's header names, for both dialects. Requests are read the
 * way Trino's HttpRequestSessionContextFactory reads them; responses are written in the dialect
 * the client used.
 */

const PREFIX: Record<Dialect, string> = { trino: 'x-trino-', presto: 'x-presto-' };

/** Header suffixes, lower-cased; the wire names are `X-Trino-<Suffix>` / `X-Presto-<Suffix>`. */
export const Header = {
  user: 'user',
  originalUser: 'original-user',
  source: 'source',
  catalog: 'catalog',
  schema: 'schema',
  path: 'path',
  timeZone: 'time-zone',
  language: 'language',
  traceToken: 'trace-token',
  clientInfo: 'client-info',
  clientTags: 'client-tags',
  clientCapabilities: 'client-capabilities',
  session: 'session',
  resourceEstimate: 'resource-estimate',
  role: 'role',
  extraCredential: 'extra-credential',
  preparedStatement: 'prepared-statement',
  transactionId: 'transaction-id',
  routingGroup: 'routing-group',
  queryDataEncoding: 'query-data-encoding',
  // response
  setCatalog: 'Set-Catalog',
  setSchema: 'Set-Schema',
  setPath: 'Set-Path',
  setSession: 'Set-Session',
  clearSession: 'Clear-Session',
  setRole: 'Set-Role',
  addedPrepare: 'Added-Prepare',
  deallocatedPrepare: 'Deallocated-Prepare',
  startedTransactionId: 'Started-Transaction-Id',
  clearTransactionId: 'Clear-Transaction-Id',
  setAuthorizationUser: 'Set-Authorization-User',
  resetAuthorizationUser: 'Reset-Authorization-User',
} as const;

export function wireName(dialect: Dialect, suffix: string): string {
  const prefix = dialect === 'trino' ? 'X-Trino-' : 'X-Presto-';
  return prefix + suffix.split('-').map((p) => p[0]!.toUpperCase() + p.slice(1)).join('-');
}

/** Which dialect a request speaks; mixing both is refused as Trino refuses it. */
export function detectDialect(headers: Headers): Dialect | undefined {
  let trino = false;
  let presto = false;
  for (const name of Object.keys(headers)) {
    if (name.startsWith(PREFIX.trino)) trino = true;
    else if (name.startsWith(PREFIX.presto)) presto = true;
  }
  if (trino && presto) throw new GatewayError(400, 'Request contains both X-Trino- and X-Presto- headers: use one protocol');
  return trino ? 'trino' : presto ? 'presto' : undefined;
}

function values(headers: Headers, dialect: Dialect, suffix: string): string[] {
  return headers[PREFIX[dialect] + suffix] ?? [];
}

function single(headers: Headers, dialect: Dialect, suffix: string): string | undefined {
  const all = values(headers, dialect, suffix);
  const value = all.length ? all.join(',').trim() : undefined;
  return value === '' ? undefined : value;
}

/** Form-decoding as Java's URLDecoder does it (`+` is a space). Values that are not encoded
 * (trino-js-client sends them raw) are kept as they are. */
export function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

export function formEncode(text: string): string {
  // As Java's URLEncoder: letters, digits and `.-*_` stay, a space becomes `+`.
  return encodeURIComponent(text).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * `name=value` items: every instance of the header, each split on `,`, each item split on `=`
 * into exactly two parts (otherwise 400 "Invalid X header"), names and values form-decoded.
 */
function properties(headers: Headers, dialect: Dialect, suffix: string, decodeName = true): Record<string, string> {
  const out: Record<string, string> = {};
  for (const header of values(headers, dialect, suffix)) {
    for (const raw of header.split(',')) {
      const item = raw.trim();
      if (item === '') continue;
      const eq = item.indexOf('=');
      if (eq <= 0 || item.indexOf('=', eq + 1) !== -1) throw new GatewayError(400, `Invalid ${wireName(dialect, suffix)} header`);
      const name = item.slice(0, eq).trim();
      out[decodeName ? formDecode(name) : name] = formDecode(item.slice(eq + 1).trim());
    }
  }
  return out;
}

/** Prepared statements may arrive zstd-compressed as `$zstd:<base64>` (newer Trino clients). */
export function decodePreparedStatement(value: string): string {
  if (!value.startsWith('$zstd:')) return value;
  try {
    const bytes = decompress(Buffer.from(value.slice('$zstd:'.length), 'base64'));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new GatewayError(400, 'Invalid compressed prepared statement in header', {}, { cause });
  }
}

/** Reads the protocol headers of a request into a session (PROTOCOL.md §1.2). */
export function readSession(headers: Headers, fallbackDialect: Dialect = 'trino', authenticatedUser?: string): ClientSession {
  const dialect = detectDialect(headers) ?? fallbackDialect;
  const user = single(headers, dialect, Header.user) ?? authenticatedUser;
  if (!user) throw new GatewayError(400, 'User must be set');
  const catalog = single(headers, dialect, Header.catalog);
  const schema = single(headers, dialect, Header.schema);
  if (schema && !catalog) throw new GatewayError(400, 'Schema is set but catalog is not');
  const prepared: Record<string, string> = {};
  for (const [name, sql] of Object.entries(properties(headers, dialect, Header.preparedStatement))) prepared[name] = decodePreparedStatement(sql);
  const split = (text?: string) => (text ? text.split(',').map((s) => s.trim()).filter(Boolean) : []);
  const session: ClientSession = {
    dialect,
    user,
    clientTags: split(single(headers, dialect, Header.clientTags)),
    clientCapabilities: split(single(headers, dialect, Header.clientCapabilities)),
    properties: properties(headers, dialect, Header.session),
    resourceEstimates: properties(headers, dialect, Header.resourceEstimate),
    roles: properties(headers, dialect, Header.role),
    // Extra credential names are not encoded (TrinoConnection), values are.
    extraCredentials: properties(headers, dialect, Header.extraCredential, false),
    preparedStatements: prepared,
  };
  const optional = {
    originalUser: Header.originalUser,
    source: Header.source,
    catalog: Header.catalog,
    schema: Header.schema,
    path: Header.path,
    timeZone: Header.timeZone,
    language: Header.language,
    traceToken: Header.traceToken,
    clientInfo: Header.clientInfo,
    routingGroup: Header.routingGroup,
  } as const;
  for (const [key, suffix] of Object.entries(optional)) {
    const value = single(headers, dialect, suffix);
    if (value !== undefined) (session as unknown as Record<string, string>)[key] = value;
  }
  const transactionId = single(headers, dialect, Header.transactionId);
  if (transactionId && transactionId.toUpperCase() !== 'NONE') session.transactionId = transactionId;
  // The spooling protocol is Trino's: a Presto client always gets inline rows.
  const encoding = dialect === 'trino' ? single(headers, dialect, Header.queryDataEncoding) : undefined;
  if (encoding) session.queryDataEncoding = encoding;
  return session;
}

export function sessionUpdateHeaders(dialect: Dialect, update: SessionUpdate | undefined): Headers {
  const out: Headers = {};
  if (!update) return out;
  const put = (suffix: string, value: string) => (out[wireName(dialect, suffix)] ??= []).push(value);
  if (update.setCatalog !== undefined) put(Header.setCatalog, update.setCatalog);
  if (update.setSchema !== undefined) put(Header.setSchema, update.setSchema);
  if (update.setPath !== undefined) put(Header.setPath, update.setPath);
  for (const [k, v] of Object.entries(update.setSession ?? {})) put(Header.setSession, `${k}=${formEncode(v)}`);
  for (const k of update.clearSession ?? []) put(Header.clearSession, k);
  for (const [k, v] of Object.entries(update.setRole ?? {})) put(Header.setRole, `${k}=${formEncode(v)}`);
  for (const [k, v] of Object.entries(update.addedPrepare ?? {})) put(Header.addedPrepare, `${formEncode(k)}=${formEncode(v)}`);
  for (const k of update.deallocatedPrepare ?? []) put(Header.deallocatedPrepare, formEncode(k));
  if (update.startedTransactionId !== undefined) put(Header.startedTransactionId, update.startedTransactionId);
  if (update.clearTransactionId) put(Header.clearTransactionId, 'true');
  if (update.setAuthorizationUser !== undefined) put(Header.setAuthorizationUser, update.setAuthorizationUser);
  if (update.resetAuthorizationUser) put(Header.resetAuthorizationUser, 'true');
  return out;
}

/**
 * The session update carried by a server's response headers (the reverse of
 * sessionUpdateHeaders), as a Trino or Presto coordinator sends it. `get` returns every value of
 * a header, looked up by wire name (case-insensitively); repeated headers may also arrive joined
 * with commas, as fetch joins them. Undefined when the response changes nothing.
 */
export function readSessionUpdate(dialect: Dialect, get: (name: string) => string[]): SessionUpdate | undefined {
  const all = (suffix: string) =>
    get(wireName(dialect, suffix))
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean);
  const one = (suffix: string) => {
    const v = get(wireName(dialect, suffix));
    return v.length ? v.join(',').trim() : undefined;
  };
  const pairs = (suffix: string, decodeName: boolean) => {
    const out: Record<string, string> = {};
    for (const item of all(suffix)) {
      const eq = item.indexOf('=');
      if (eq <= 0) continue;
      const name = item.slice(0, eq).trim();
      out[decodeName ? formDecode(name) : name] = formDecode(item.slice(eq + 1).trim());
    }
    return Object.keys(out).length ? out : undefined;
  };
  const update: SessionUpdate = {};
  const setCatalog = one(Header.setCatalog);
  if (setCatalog !== undefined) update.setCatalog = setCatalog;
  const setSchema = one(Header.setSchema);
  if (setSchema !== undefined) update.setSchema = setSchema;
  const setPath = one(Header.setPath);
  if (setPath !== undefined) update.setPath = setPath;
  const setSession = pairs(Header.setSession, false);
  if (setSession) update.setSession = setSession;
  const clearSession = all(Header.clearSession);
  if (clearSession.length) update.clearSession = clearSession;
  const setRole = pairs(Header.setRole, false);
  if (setRole) update.setRole = setRole;
  const addedPrepare = pairs(Header.addedPrepare, true);
  if (addedPrepare) update.addedPrepare = addedPrepare;
  const deallocated = all(Header.deallocatedPrepare).map(formDecode);
  if (deallocated.length) update.deallocatedPrepare = deallocated;
  const started = one(Header.startedTransactionId);
  if (started !== undefined) update.startedTransactionId = started;
  if (one(Header.clearTransactionId)?.toLowerCase() === 'true') update.clearTransactionId = true;
  const authorizationUser = one(Header.setAuthorizationUser);
  if (authorizationUser !== undefined) update.setAuthorizationUser = authorizationUser;
  if (one(Header.resetAuthorizationUser)?.toLowerCase() === 'true') update.resetAuthorizationUser = true;
  return Object.keys(update).length ? update : undefined;
}

export interface SessionRequestOptions {
  /** Extra credentials the receiver must not see (gateway-only hints such as `routing`). */
  withoutExtraCredentials?: readonly string[];
  /** Send the routing-group header (default false: it is a gateway hint). */
  withRoutingGroup?: boolean;
}

/**
 * The protocol headers that carry a session to a Trino or Presto server, as
 * StatementClientV1.buildQueryRequest writes them: one header per session property, role,
 * resource estimate, extra credential and prepared statement, values form-encoded; client tags
 * and capabilities joined with commas; the transaction id always (NONE outside a transaction).
 * Returned as [wire name, value] pairs, repeated names kept in order.
 */
export function sessionRequestHeaders(dialect: Dialect, session: ClientSession, options: SessionRequestOptions = {}): [string, string][] {
  const out: [string, string][] = [];
  const put = (suffix: string, value: string | undefined) => {
    if (value !== undefined && value !== '') out.push([wireName(dialect, suffix), value]);
  };
  put(Header.user, session.user);
  if (dialect === 'trino') put(Header.originalUser, session.originalUser);
  put(Header.source, session.source);
  put(Header.catalog, session.catalog);
  put(Header.schema, session.catalog ? session.schema : undefined);
  put(Header.path, session.path);
  put(Header.timeZone, session.timeZone);
  put(Header.language, session.language);
  put(Header.traceToken, session.traceToken);
  put(Header.clientInfo, session.clientInfo);
  if (session.clientTags?.length) put(Header.clientTags, session.clientTags.join(','));
  if (session.clientCapabilities?.length) put(Header.clientCapabilities, session.clientCapabilities.join(','));
  for (const [k, v] of Object.entries(session.properties ?? {})) put(Header.session, `${k}=${formEncode(v)}`);
  for (const [k, v] of Object.entries(session.resourceEstimates ?? {})) put(Header.resourceEstimate, `${k}=${formEncode(v)}`);
  for (const [k, v] of Object.entries(session.roles ?? {})) put(Header.role, `${k}=${formEncode(v)}`);
  const hidden = new Set(options.withoutExtraCredentials ?? []);
  for (const [k, v] of Object.entries(session.extraCredentials ?? {})) if (!hidden.has(k)) put(Header.extraCredential, `${k}=${formEncode(v)}`);
  for (const [k, v] of Object.entries(session.preparedStatements ?? {})) put(Header.preparedStatement, `${formEncode(k)}=${formEncode(v)}`);
  if (options.withRoutingGroup) put(Header.routingGroup, session.routingGroup);
  // Transactions are the gateway's own (it answers START TRANSACTION / COMMIT itself): an engine
  // never sees a gateway transaction id, which it would not know.
  put(Header.transactionId, 'NONE');
  return out;
}
