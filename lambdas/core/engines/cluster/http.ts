import type { HttpFetch } from '../../ports/index.js';

/**
 * The HTTP the cluster engine needs, as a port: a fetch-like function injected by the door
 * (global `fetch` on Node 20), so the core never imports node:http. Requests never follow
 * redirects (a redirect could send the gateway, and its credentials, elsewhere), each attempt has
 * its own timeout (AbortSignal), and retries follow the Trino client: 502, 503 and 504 and socket
 * errors, linear back-off (attempts × 100 ms), within a time budget.
 */

export interface UpstreamResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: string;
  attempts: number;
}

/**
 * The cluster could not be reached within the budget: connection refused, reset, timed out, or
 * only 502/503/504 answers. `maybeSent` is true when a non-idempotent request may have arrived.
 */
export class ClusterUnreachableError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    readonly maybeSent: boolean,
  ) {
    super(message);
    this.name = 'ClusterUnreachableError';
  }
}

export interface SendOptions {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  url: string;
  headers: [string, string][];
  body?: string;
  /** Timeout of one attempt (connect, headers and body). */
  attemptTimeoutMs: number;
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  /**
   * idempotent: retry on 502/503/504 and any socket error or timeout (GET, DELETE).
   * unsent-only: retry only when the request certainly did not run: 503 (Trino answers it
   * while starting, before creating a query) and connection failures (POST).
   */
  retry: 'idempotent' | 'unsent-only' | 'none';
}

export interface HttpDeps {
  fetch: HttpFetch;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);
/** Errors raised before a request reached the server: retrying them cannot run anything twice. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_INVALID_URL']);

export async function send(deps: HttpDeps, options: SendOptions): Promise<UpstreamResponse> {
  let attempts = 0;
  let last = 'no attempt was made';
  let maybeSent = false;
  for (;;) {
    const remaining = options.deadline - deps.clock();
    if (remaining <= 0) throw new ClusterUnreachableError(last, attempts, maybeSent);
    attempts++;
    const controller = new AbortController();
    const timeoutMs = Math.max(1, Math.min(options.attemptTimeoutMs, remaining));
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let retryable: boolean;
    try {
      const response = await deps.fetch(options.url, { method: options.method, headers: options.headers, ...(options.body !== undefined ? { body: options.body } : {}), signal: controller.signal, redirect: 'manual' });
      const body = options.method === 'HEAD' ? '' : await response.text();
      if (!RETRYABLE_STATUS.has(response.status)) return { status: response.status, headers: response.headers, body, attempts };
      last = `HTTP ${response.status}${body ? `: ${excerpt(body)}` : ''}`;
      retryable = options.retry === 'idempotent' || (options.retry === 'unsent-only' && response.status === 503);
      if (!retryable) return { status: response.status, headers: response.headers, body, attempts };
      if (response.status !== 503) maybeSent = true;
    } catch (error) {
      const code = errorCode(error);
      const aborted = controller.signal.aborted;
      last = aborted ? `no answer within ${timeoutMs} ms` : `${code ?? 'network error'}${message(error)}`;
      const notSent = !aborted && code !== undefined && NOT_SENT_CODES.has(code);
      if (!notSent) maybeSent = true;
      retryable = options.retry === 'idempotent' || (options.retry === 'unsent-only' && notSent);
      if (!retryable) throw new ClusterUnreachableError(last, attempts, maybeSent);
    } finally {
      clearTimeout(timer);
    }
    const delay = attempts * 100;
    if (deps.clock() + delay >= options.deadline) throw new ClusterUnreachableError(last, attempts, maybeSent);
    await deps.sleep(delay);
  }
}

function errorCode(error: unknown): string | undefined {
  // undici: TypeError('fetch failed') with the socket error as its cause.
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  const code = (cause?.code ?? (error as { code?: unknown })?.code) as unknown;
  return typeof code === 'string' ? code : undefined;
}

function message(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } })?.cause;
  const text = typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : '';
  return text ? ` (${excerpt(text)})` : '';
}

export function excerpt(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max) + '…' : flat;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
