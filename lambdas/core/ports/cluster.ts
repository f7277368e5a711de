/** What the Presto/Trino cluster engine takes from its door: credentials, HTTP, and where cluster health is kept. */

export interface ClusterCredentials {
  user?: string;
  password?: string;
  /** A bearer token (JWT) instead of a password. */
  token?: string;
}

/** The cluster's credentials (a Secrets Manager secret, read by the door). `refresh` asks for a fresh read after a 401. */
export type ClusterCredentialsProvider = (options?: { refresh?: boolean }) => Promise<ClusterCredentials | undefined>;

export interface HttpResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface HttpRequestInit {
  method: string;
  /** [name, value] pairs; repeated names are sent as repeated (or comma-joined) headers. */
  headers: [string, string][];
  body?: string;
  signal: AbortSignal;
  redirect: 'manual';
}

/** A subset of the standard fetch signature: `globalThis.fetch` fits it. */
export type HttpFetch = (url: string, init: HttpRequestInit) => Promise<HttpResponseLike>;

export interface ClusterHealthState {
  target: string;
  healthy: boolean;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** When the last probe ran (epoch ms). */
  checkedAt: number;
  /** When `healthy` last changed (epoch ms). */
  changedAt: number;
  /** What the last probe saw (version, HTTP status, error). */
  detail: string;
  version?: string;
}

export interface HealthStore {
  /** States of the given targets; targets never checked are absent. */
  get(targets: readonly string[]): Promise<Map<string, ClusterHealthState>>;
  /**
   * Writes a state if the stored one is still the one it was computed from (`previousCheckedAt`,
   * undefined: none stored). False when another check wrote first: its result stands.
   */
  put(state: ClusterHealthState, previousCheckedAt: number | undefined): Promise<boolean>;
}
