import type { EngineColumn, EngineStats, EngineState, SqlType } from '../../ports/index.js';
import type { ErrorLocation, ErrorType, QueryError } from '../../errors.js';
import { parseType } from '../../protocol/sql-types.js';
import { parseExactJson } from './json.js';

/**
 * A cluster's QueryResults (Trino's or Presto's), read faithfully: rows keep exact big integers
 * and map key order (json.ts), columns keep the upstream type, the error is kept as it came.
 */
export interface UpstreamResults {
  id: string;
  nextUri?: string;
  state: EngineState;
  /** The upstream state name (PLANNING, FINISHING, ...). */
  upstreamState: string;
  columns?: EngineColumn[];
  rows?: unknown[][];
  stats?: EngineStats;
  error?: QueryError;
  update?: { type: string; count?: number };
}

export class UpstreamProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamProtocolError';
  }
}

const VARCHAR: SqlType = { kind: 'simple', name: 'varchar', params: [] };
const ERROR_TYPES = new Set<ErrorType>(['USER_ERROR', 'INTERNAL_ERROR', 'INSUFFICIENT_RESOURCES', 'EXTERNAL']);

export function readQueryResults(body: string): UpstreamResults {
  let parsed: unknown;
  try {
    parsed = parseExactJson(body, { mapsUnder: ['data'] });
  } catch (error) {
    throw new UpstreamProtocolError(`The cluster answered with invalid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed) || typeof parsed.id !== 'string' || parsed.id === '') throw new UpstreamProtocolError('The cluster answered without a QueryResults id');
  const q = parsed;
  const stats = isObject(q.stats) ? q.stats : undefined;
  const upstreamState = typeof stats?.state === 'string' ? stats.state : 'RUNNING';
  const nextUri = typeof q.nextUri === 'string' && q.nextUri !== '' ? q.nextUri : undefined;
  let error = isObject(q.error) ? readError(q.error) : undefined;
  if (!error && nextUri === undefined && upstreamState === 'FAILED') {
    error = { message: 'The cluster reported the query FAILED without an error', errorCode: 65536, errorName: 'GENERIC_INTERNAL_ERROR', errorType: 'INTERNAL_ERROR' };
  }
  const result: UpstreamResults = { id: q.id as string, state: stateOf(upstreamState, nextUri !== undefined, error), upstreamState };
  if (nextUri !== undefined && !error) result.nextUri = nextUri;
  if (error) result.error = error;
  if (stats) result.stats = readStats(stats);

  if (Array.isArray(q.columns)) result.columns = q.columns.map(readColumn);
  if (q.data !== undefined && q.data !== null) {
    if (!Array.isArray(q.data)) throw new UpstreamProtocolError('The cluster answered with spooled or encoded data, which the gateway does not request');
    if (!result.columns?.length && q.data.length) throw new UpstreamProtocolError('The cluster answered with data but without columns');
    const width = result.columns?.length ?? 0;
    for (const row of q.data) {
      if (!Array.isArray(row) || row.length !== width) throw new UpstreamProtocolError(`The cluster answered with a row of ${Array.isArray(row) ? row.length : 'no'} values for ${width} columns`);
    }
    result.rows = q.data as unknown[][];
  }
  if (typeof q.updateType === 'string') {
    result.update = { type: q.updateType };
    const count = q.updateCount;
    if (typeof count === 'number') result.update.count = count;
    else if (typeof count === 'string' && /^\d+$/.test(count)) result.update.count = Number(count);
  }
  return result;
}

/**
 * Trino's client decides from nextUri: without one the query is over, FAILED when it carries
 * an error. While it runs, the queueing states map to QUEUED and the others to RUNNING.
 */
function stateOf(state: string, hasNext: boolean, error: QueryError | undefined): EngineState {
  if (error) return error.errorName === 'USER_CANCELED' ? 'CANCELED' : 'FAILED';
  if (!hasNext) return 'FINISHED';
  switch (state) {
    case 'QUEUED':
    case 'WAITING_FOR_RESOURCES':
    case 'WAITING_FOR_PREREQUISITES':
    case 'DISPATCHING':
      return 'QUEUED';
    default:
      // PLANNING, STARTING, RUNNING, FINISHING, and FINISHED while rows remain.
      return state === 'FINISHED' ? 'FINISHED' : 'RUNNING';
  }
}

function readColumn(raw: unknown, index: number): EngineColumn {
  if (!isObject(raw) || typeof raw.name !== 'string') throw new UpstreamProtocolError(`Column ${index + 1} of the cluster's answer has no name`);
  return { name: raw.name, type: columnType(raw.type, raw.typeSignature) };
}

/**
 * The column's type from its upstream type string (parseType), else from its typeSignature;
 * a type neither describes (qdigest(bigint), which has a type parameter) is passed as varchar:
 * its values are strings either way.
 */
export function columnType(type: unknown, signature: unknown): SqlType {
  if (typeof type === 'string') {
    try {
      const parsed = parseType(type);
      return keepRawNames(parsed, signature);
    } catch {
      // fall through to the signature
    }
  }
  return (isObject(signature) && fromSignature(signature)) || VARCHAR;
}

/** parseType lower-cases names; the signature keeps the server's spelling (HyperLogLog). */
function keepRawNames(type: SqlType, signature: unknown): SqlType {
  if (type.kind === 'simple' && isObject(signature) && typeof signature.rawType === 'string' && signature.rawType.toLowerCase() === type.name) {
    return { ...type, name: signature.rawType };
  }
  return type;
}

function fromSignature(sig: Record<string, unknown>): SqlType | undefined {
  const raw = sig.rawType;
  if (typeof raw !== 'string' || raw === '') return undefined;
  const args = Array.isArray(sig.arguments) ? sig.arguments.filter(isObject) : [];
  const typeArg = (a: Record<string, unknown>) => (isObject(a.value) ? fromSignature(a.value) : undefined);
  const kind = (a: Record<string, unknown>) => String(a.kind ?? '').toUpperCase();
  switch (raw.toLowerCase()) {
    case 'array': {
      const element = args[0] && typeArg(args[0]);
      return element ? { kind: 'array', element } : undefined;
    }
    case 'map': {
      const key = args[0] && typeArg(args[0]);
      const value = args[1] && typeArg(args[1]);
      return key && value ? { kind: 'map', key, value } : undefined;
    }
    case 'row': {
      const fields: { name?: string; type: SqlType }[] = [];
      for (const a of args) {
        // Trino: NAMED_TYPE {fieldName: {name}, typeSignature}; Presto: NAMED_TYPE_SIGNATURE.
        const named = isObject(a.value) ? a.value : undefined;
        const fieldSig = named && isObject(named.typeSignature) ? named.typeSignature : undefined;
        const type = fieldSig ? fromSignature(fieldSig) : undefined;
        if (!type) return undefined;
        const name = named && isObject(named.fieldName) && typeof named.fieldName.name === 'string' ? named.fieldName.name : undefined;
        fields.push(name !== undefined ? { name, type } : { type });
      }
      return fields.length ? { kind: 'row', fields } : undefined;
    }
    default: {
      const params: number[] = [];
      for (const a of args) {
        if ((kind(a) === 'LONG' || kind(a) === 'LONG_LITERAL') && typeof a.value === 'number') params.push(a.value);
        else return undefined;
      }
      return { kind: 'simple', name: raw, params };
    }
  }
}

function readStats(s: Record<string, unknown>): EngineStats {
  const out: EngineStats = {};
  const keys = ['queuedTimeMillis', 'elapsedTimeMillis', 'cpuTimeMillis', 'wallTimeMillis', 'processedRows', 'processedBytes', 'physicalInputBytes', 'physicalWrittenBytes', 'peakMemoryBytes', 'progressPercentage'] as const;
  for (const key of keys) {
    const v = s[key];
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
    else if (typeof v === 'string' && /^\d+$/.test(v)) out[key] = Number(v);
  }
  return out;
}

/** The upstream error as it came: name, code, type, message, location, SQL state. */
function readError(e: Record<string, unknown>): QueryError {
  const message = typeof e.message === 'string' ? e.message : 'The cluster reported a failure without a message';
  const errorType = typeof e.errorType === 'string' && ERROR_TYPES.has(e.errorType as ErrorType) ? (e.errorType as ErrorType) : 'INTERNAL_ERROR';
  const error: QueryError = {
    message,
    errorCode: typeof e.errorCode === 'number' ? e.errorCode : 65536,
    errorName: typeof e.errorName === 'string' ? e.errorName : 'GENERIC_INTERNAL_ERROR',
    errorType,
  };
  if (typeof e.sqlState === 'string') error.sqlState = e.sqlState;
  const location = readLocation(e.errorLocation);
  if (location) error.errorLocation = location;
  const info = isObject(e.failureInfo) ? e.failureInfo : undefined;
  if (info) {
    // Kept, but bounded: the error is stored with the query (DynamoDB items are at most 400 KB).
    const stack = Array.isArray(info.stack) ? info.stack.filter((l): l is string => typeof l === 'string').slice(0, 40) : [];
    error.failureInfo = { type: typeof info.type === 'string' ? info.type : 'io.trino.spi.TrinoException', message: typeof info.message === 'string' ? info.message : message, suppressed: [], stack };
    const infoLocation = readLocation(info.errorLocation);
    if (infoLocation) error.failureInfo.errorLocation = infoLocation;
  }
  return error;
}

function readLocation(raw: unknown): ErrorLocation | undefined {
  if (!isObject(raw) || typeof raw.lineNumber !== 'number' || typeof raw.columnNumber !== 'number') return undefined;
  return { lineNumber: raw.lineNumber, columnNumber: raw.columnNumber };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);
}
