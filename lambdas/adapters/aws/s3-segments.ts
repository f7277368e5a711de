import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { SegmentStore } from '../../core/ports/index.js';

export interface S3SegmentStoreOptions {
  bucket: string;
  /** The spool prefix (contract.ts SPOOL_PREFIX): the only place the functions may write or delete. */
  prefix: string;
  /** Signs the pre-signed URLs: a client for the bucket's region (custom endpoints too, as tests use). */
  s3: S3Client;
  /** At most this many objects are examined by one sweep (pages of 1,000): the lifecycle rule catches the rest. */
  maxSweepObjects?: number;
}

/**
 * Spooled segments in S3, under the result bucket's spool prefix (deployed home). Clients read
 * them with pre-signed GET URLs that expire quickly; the bucket blocks every other access. The
 * acknowledgement deletes the object, the sweeper deletes objects whose URLs have expired, and
 * a lifecycle rule on the prefix expires whatever is left.
 */
export class S3SegmentStore implements SegmentStore {
  constructor(private readonly options: S3SegmentStoreOptions) {}

  private key(key: string): string {
    return this.options.prefix + key;
  }

  async put(key: string, body: Uint8Array, expiresAt: number): Promise<void> {
    const { bucket, s3 } = this.options;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: this.key(key), Body: body, ContentType: 'application/octet-stream', Metadata: { 'expires-at': String(expiresAt) } }));
  }

  directUrl(key: string, expiresInSeconds: number): Promise<string> {
    const { bucket, s3 } = this.options;
    return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: this.key(key) }), { expiresIn: expiresInSeconds });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const { bucket, s3 } = this.options;
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: this.key(key) }));
      return out.Body ? await out.Body.transformToByteArray() : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const { bucket, s3 } = this.options;
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: this.key(key) }));
  }

  async sweep(writtenBefore: number): Promise<number> {
    const { bucket, prefix, s3 } = this.options;
    const limit = this.options.maxSweepObjects ?? 10_000;
    let token: string | undefined;
    let seen = 0;
    let deleted = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      const stale = (page.Contents ?? []).filter((o) => o.Key && o.LastModified && o.LastModified.getTime() < writtenBefore).map((o) => ({ Key: o.Key! }));
      seen += page.Contents?.length ?? 0;
      if (stale.length) {
        const out = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: stale, Quiet: true } }));
        deleted += stale.length - (out.Errors?.length ?? 0);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token && seen < limit);
    return deleted;
  }
}
