import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ALBEvent } from 'aws-lambda';
import { fromAlbEvent, toAlbResult } from '../../../lambdas/adapters/http/alb.js';
import { readSession } from '../../../lambdas/core/protocol/headers.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/alb/${name}`, import.meta.url), 'utf8')) as ALBEvent;

describe('ALB adapter', () => {
  it('keeps repeated headers, decodes a base64 body and builds the public base URL', () => {
    const request = fromAlbEvent(fixture('post-statement-multivalue.json'));
    expect(request.method).toBe('POST');
    expect(request.body.toString()).toBe('EXECUTE statement1 USING 3');
    expect(request.baseUrl).toBe('https://bifrost.example.com');
    expect(request.remoteAddress).toBe('203.0.113.7');
    const session = readSession(request.headers);
    expect(session.properties).toEqual({ query_max_run_time: '1h', 'hive.insert_existing_partitions_behavior': 'OVERWRITE' });
    expect(session.preparedStatements).toEqual({ statement1: 'SELECT n_name FROM nation WHERE n_nationkey = ?' });
  });

  it("takes the client's address from the right-most X-Forwarded-For entry, the one the ALB appended", () => {
    const event = fixture('post-statement-multivalue.json');
    const spoofed = (values: string[]) => fromAlbEvent({ ...event, multiValueHeaders: { ...event.multiValueHeaders, 'x-forwarded-for': values } }).remoteAddress;
    expect(spoofed(['10.0.0.1, 192.0.2.1, 203.0.113.7'])).toBe('203.0.113.7');
    expect(spoofed(['10.0.0.1', '203.0.113.7'])).toBe('203.0.113.7');
    expect(spoofed(['10.0.0.1,203.0.113.7 '])).toBe('203.0.113.7');
    expect(spoofed([])).toBeUndefined();
    const single = fixture('get-info-single-value.json');
    expect(fromAlbEvent({ ...single, headers: { ...single.headers, 'x-forwarded-for': '198.51.100.1, 203.0.113.9' } }).remoteAddress).toBe('203.0.113.9');
  });

  it('decodes query strings, which the ALB leaves encoded, and keeps a non-default port', () => {
    const request = fromAlbEvent(fixture('get-info-single-value.json'));
    expect(request.query).toEqual({ maxWait: ['1s'], 'name x': ['a+b c'] });
    expect(request.baseUrl).toBe('https://bifrost.example.com:8443');
  });

  it('answers with multiValueHeaders when the event had them, and base64 for binary bodies', () => {
    const event = fixture('post-statement-multivalue.json');
    const gz = Buffer.from([0x1f, 0x8b]);
    const result = toAlbResult({ status: 200, headers: { 'X-Trino-Set-Session': ['a=1', 'b=2'], 'Content-Encoding': ['gzip'] }, body: gz }, event);
    expect(result).toMatchObject({ statusCode: 200, statusDescription: '200 OK', isBase64Encoded: true, multiValueHeaders: { 'X-Trino-Set-Session': ['a=1', 'b=2'] } });
    expect(result.headers).toBeUndefined();
    expect(Buffer.from(result.body!, 'base64')).toEqual(gz);
  });

  it('answers with single-value headers when the target group sends them', () => {
    const result = toAlbResult({ status: 404, headers: { 'Content-Type': ['text/plain'] }, body: 'Query not found' }, fixture('get-info-single-value.json'));
    expect(result).toEqual({ statusCode: 404, statusDescription: '404 Not Found', isBase64Encoded: false, body: 'Query not found', headers: { 'Content-Type': 'text/plain' } });
  });

  it('round-trips a gzip body through base64', () => {
    const result = toAlbResult({ status: 200, headers: {}, body: gzipSync('{"id":"x"}') }, fixture('post-statement-multivalue.json'));
    expect(gunzipSync(Buffer.from(result.body!, 'base64')).toString()).toBe('{"id":"x"}');
  });
});
