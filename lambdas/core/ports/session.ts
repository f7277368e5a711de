/** The client's session as the protocol carries it in headers, and what a statement changes in it. */

export type Dialect = 'trino' | 'presto';

export interface ClientSession {
  dialect: Dialect;
  user: string;
  originalUser?: string;
  source?: string;
  catalog?: string;
  schema?: string;
  path?: string;
  timeZone?: string;
  language?: string;
  traceToken?: string;
  clientInfo?: string;
  clientTags: string[];
  clientCapabilities: string[];
  properties: Record<string, string>;
  resourceEstimates: Record<string, string>;
  roles: Record<string, string>;
  extraCredentials: Record<string, string>;
  preparedStatements: Record<string, string>;
  transactionId?: string;
  routingGroup?: string;
  /** X-Trino-Query-Data-Encoding as the client sent it: the encodings it reads, preferred first (spooling protocol). */
  queryDataEncoding?: string;
}

/** What a finished statement changes in the client's session, sent back as response headers. */
export interface SessionUpdate {
  setCatalog?: string;
  setSchema?: string;
  setPath?: string;
  setSession?: Record<string, string>;
  clearSession?: string[];
  setRole?: Record<string, string>;
  addedPrepare?: Record<string, string>;
  deallocatedPrepare?: string[];
  startedTransactionId?: string;
  clearTransactionId?: boolean;
  /** SET SESSION AUTHORIZATION / RESET SESSION AUTHORIZATION run by an upstream cluster. */
  setAuthorizationUser?: string;
  resetAuthorizationUser?: boolean;
}
