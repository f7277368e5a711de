/**
 * Where spooled result segments live (the spooling protocol, docs/spooling.md): S3 under the
 * result bucket's spool prefix when deployed, memory in the local server. The gateway writes a
 * segment once, hands the client a way to read it, and deletes it when the client acknowledges it.
 * Keys are chosen by the gateway (`<queryId>/<random>`): a store never invents names.
 */
export interface SegmentStore {
  /** Writes the segment's bytes; `expiresAt` (epoch ms) is when no URL to it is valid any more. */
  put(key: string, body: Uint8Array, expiresAt: number): Promise<void>;
  /**
   * A URL the client reads the segment from directly (an S3 pre-signed GET), valid for
   * `expiresInSeconds`. Absent: the gateway serves the segment itself (coordinator proxy).
   */
  directUrl?(key: string, expiresInSeconds: number): Promise<string>;
  /** The segment's bytes, undefined when it does not exist (acknowledged, expired, swept). */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Deletes the segment; deleting one that does not exist is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes segments written before `writtenBefore` (epoch ms): nobody can read them any more. Answers how many. */
  sweep(writtenBefore: number): Promise<number>;
}
