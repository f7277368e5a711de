/**
 * Where the gateway may send a cluster request. Only two sources make upstream URLs: the
 * configured coordinator URL, and the nextUris the coordinator returns, accepted only when they
 * point at that same origin and under its base path. A cursor keeps the path and query of an
 * accepted nextUri, never its origin, and is checked again on every use: whatever a response or
 * a token holds, a request can only go to the configured cluster.
 */
export class UpstreamUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamUrlError';
  }
}

export class ClusterOrigin {
  /** scheme://host[:port] of the configured coordinator. */
  readonly origin: string;
  /** The path the coordinator is served under ('' at the root). */
  readonly basePath: string;

  constructor(url: string) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UpstreamUrlError(`Invalid cluster URL '${url}'`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new UpstreamUrlError(`Cluster URL must be http or https: '${url}'`);
    if (parsed.username || parsed.password) throw new UpstreamUrlError('Cluster URL must not carry credentials: use credentialsSecret');
    if (parsed.search || parsed.hash) throw new UpstreamUrlError(`Cluster URL must not have a query or fragment: '${url}'`);
    this.origin = parsed.origin;
    this.basePath = parsed.pathname.replace(/\/+$/, '');
  }

  /** A URL of the coordinator's own API (`/v1/statement`, `/v1/info`, `/v1/query/{id}`). */
  api(path: string): string {
    return this.origin + this.basePath + path;
  }

  /**
   * Accepts a nextUri from the coordinator and returns its cursor (path and query), or throws
   * when it points anywhere but the configured cluster's statement resource.
   */
  cursorOf(nextUri: string): string {
    let url: URL;
    try {
      url = new URL(nextUri, this.origin);
    } catch {
      throw new UpstreamUrlError(`The cluster returned an invalid nextUri '${truncate(nextUri)}'`);
    }
    if (url.origin !== this.origin) throw new UpstreamUrlError(`The cluster returned a nextUri on another origin (${url.origin}, expected ${this.origin}): refused`);
    if (url.username || url.password || url.hash) throw new UpstreamUrlError('The cluster returned a nextUri with credentials or a fragment: refused');
    const cursor = url.pathname + url.search;
    this.check(cursor);
    return cursor;
  }

  /** The URL of a cursor, after checking it again. */
  urlOf(cursor: string): string {
    this.check(cursor);
    const url = new URL(cursor, this.origin);
    if (url.origin !== this.origin) throw new UpstreamUrlError('Cursor does not point at the configured cluster: refused');
    return url.toString();
  }

  private check(cursor: string): void {
    const prefix = this.basePath + '/v1/statement/';
    if (
      typeof cursor !== 'string' ||
      !cursor.startsWith(prefix) ||
      cursor.startsWith('//') ||
      /[\\\s#@]/.test(cursor) ||
      // Dot segments, encoded or not, could climb out of the statement resource.
      /(^|\/)(\.|%2e){1,2}(\/|$|\?)/i.test(cursor) ||
      /%2f|%5c/i.test(cursor.split('?')[0]!)
    ) {
      throw new UpstreamUrlError(`The cluster returned a nextUri outside ${prefix}: refused`);
    }
  }
}

function truncate(text: string): string {
  return text.length > 200 ? text.slice(0, 200) + '…' : text;
}
