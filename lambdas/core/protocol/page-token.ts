import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Where a poll resumes, carried in the nextUri itself so that any instance can serve any poll
 * without state in memory. The token is signed with the gateway's key and bound to the query
 * and its user: a tampered, foreign or replayed token is answered 404 and never reaches an engine.
 */
export interface PageToken {
  /** Poll number: makes every nextUri distinct. */
  n: number;
  /** The engine's cursor for the page to read (undefined: the first page). */
  c?: string;
  /** Rows of that engine page already sent (pages are cut to fit the byte cap). */
  s?: number;
  /** Spooling protocol: rows of the result sent before this page (the next segment's rowOffset). */
  o?: number;
}

export class PageTokenSigner {
  private readonly key: Buffer;

  constructor(key: string | Buffer) {
    this.key = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    if (this.key.length < 32) throw new Error('The page token key must have at least 32 bytes');
  }

  private mac(queryId: string, user: string, payload: string): string {
    return createHmac('sha256', this.key).update(`${queryId}\n${user}\n${payload}`).digest().subarray(0, 18).toString('base64url');
  }

  /** Returns the two path segments `{payload}/{signature}`. */
  sign(queryId: string, user: string, token: PageToken): string {
    const payload = Buffer.from(JSON.stringify(token)).toString('base64url');
    return `${payload}/${this.mac(queryId, user, payload)}`;
  }

  verify(queryId: string, user: string, payload: string, signature: string): PageToken | undefined {
    const expected = Buffer.from(this.mac(queryId, user, payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const token = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PageToken;
      if (typeof token.n !== 'number' || (token.c !== undefined && typeof token.c !== 'string') || (token.s !== undefined && typeof token.s !== 'number') || (token.o !== undefined && typeof token.o !== 'number')) return undefined;
      return token;
    } catch {
      return undefined;
    }
  }
}
