import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_BUCKET, startAlbStand, wideResult, type AlbStand } from '../support/athena-alb-stand.js';
import { runSpooled } from '../support/spooling-client.js';

/**
 * The spooling protocol as deployed: the statement function behind the ALB, an Athena query
 * whose result CSV is in S3 (a local S3 server), segments written under the spool prefix of the
 * result bucket and read by the client with pre-signed URLs straight from S3.
 */
const ROWS = 40_000;
let stand: AlbStand;
let expected: unknown[][];

beforeAll(async () => {
  stand = await startAlbStand(ROWS);
  expected = (await runSpooled('SELECT * FROM wide', { server: stand.url })).rows;
}, 120_000);
afterAll(async () => stand?.close());

describe('spooling through the statement function behind the ALB', () => {
  it('without the header: the direct protocol, every response under the ALB limit', () => {
    expect(expected).toHaveLength(ROWS);
    expect(wideResult(1).columns).toHaveLength(16);
    expect(Math.max(...stand.resultSizes)).toBeLessThan(1024 * 1024);
  });

  it('json+zstd: segments in S3 under the spool prefix, read with pre-signed URLs, acknowledged through the ALB', async () => {
    const before = stand.s3.requests.length;
    const result = await runSpooled('SELECT * FROM wide', { server: stand.url, encoding: 'json+zstd,json' });
    expect(result.encodings.every((e) => e === 'json+zstd')).toBe(true);
    expect(result.rows).toEqual(expected);
    expect(result.spooled.length).toBeGreaterThan(0);
    for (const segment of result.spooled) {
      const uri = new URL(segment.uri);
      expect(uri.pathname.startsWith(`/${RESULT_BUCKET}/spool/`)).toBe(true);
      expect(uri.searchParams.get('X-Amz-Expires')).toBe('300');
      expect(segment.ackUri!.startsWith(`${stand.url}/v1/spooled/ack/`)).toBe(true);
    }
    const requests = stand.s3.requests.slice(before);
    expect(requests.filter((r) => r.method === 'PUT').length).toBe(result.spooled.length);
    expect(requests.filter((r) => r.method === 'GET' && r.presigned).length).toBe(result.spooled.length);
    // The result file is read once per response with rows: the final answer does not read the last page again.
    expect(requests.filter((r) => r.method === 'GET' && r.key === `${RESULT_BUCKET}/results/wide.csv`).length).toBe(result.encodings.length);
    // Every acknowledged segment is gone.
    expect(stand.s3.keys(`${RESULT_BUCKET}/spool/`)).toEqual([]);
  }, 60_000);

  it('json+lz4: the same rows', async () => {
    const result = await runSpooled('SELECT * FROM wide', { server: stand.url, encoding: 'json+lz4' });
    expect(result.rows).toEqual(expected);
  }, 60_000);

  it('a segment cannot be read without its pre-signed URL, nor through the gateway, and its URL expires', async () => {
    const result = await runSpooled('SELECT * FROM wide', { server: stand.url, encoding: 'json+zstd', ack: false });
    const segment = result.spooled[0]!;
    const bare = new URL(segment.uri);
    expect((await fetch(`${bare.origin}${bare.pathname}`)).status).toBe(403);
    const download = segment.ackUri!.replace('/v1/spooled/ack/', '/v1/spooled/download/');
    expect((await fetch(download)).status).toBe(404);
    const expired = new URL(segment.uri);
    expired.searchParams.set('X-Amz-Date', '20200101T000000Z');
    expect((await fetch(expired)).status).toBe(403);
    expect((await fetch(segment.ackUri!, { headers: { 'X-Trino-User': 'bob' } })).status).toBe(403);
    for (const s of result.spooled) expect((await fetch(s.ackUri!)).status).toBe(200);
    expect(stand.s3.keys(`${RESULT_BUCKET}/spool/`)).toEqual([]);
  }, 60_000);
});
