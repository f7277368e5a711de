import type { ALBEvent, ALBResult } from 'aws-lambda';
import type { GatewayRequest, GatewayResponse } from '../../core/ports/index.js';

/**
 * ALB event → GatewayRequest and back. The target group must have multi-value headers on
 * (repeated X-Trino-Session, -Prepared-Statement, ... headers would collapse otherwise); the
 * answer then must use multiValueHeaders too. The ALB leaves query strings URL-encoded.
 */
export function fromAlbEvent(event: ALBEvent): GatewayRequest {
  const headers: Record<string, string[]> = {};
  if (event.multiValueHeaders) {
    for (const [name, values] of Object.entries(event.multiValueHeaders)) if (values) headers[name.toLowerCase()] = [...values];
  } else if (event.headers) {
    for (const [name, value] of Object.entries(event.headers)) if (value !== undefined) headers[name.toLowerCase()] = [value];
  }
  const query: Record<string, string[]> = {};
  const rawQuery = event.multiValueQueryStringParameters ?? Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).map(([k, v]) => [k, v === undefined ? [] : [v]]));
  for (const [name, values] of Object.entries(rawQuery)) query[decode(name)] = (values ?? []).map(decode);
  const body = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  const proto = headers['x-forwarded-proto']?.[0] ?? 'https';
  const host = headers.host?.[0] ?? 'localhost';
  const port = headers['x-forwarded-port']?.[0];
  const defaultPort = (proto === 'https' && port === '443') || (proto === 'http' && port === '80') || !port || host.includes(':');
  return {
    method: event.httpMethod.toUpperCase(),
    path: event.path,
    query,
    headers,
    body,
    remoteAddress: clientAddress(headers['x-forwarded-for']),
    baseUrl: `${proto}://${host}${defaultPort ? '' : `:${port}`}`,
  };
}

/**
 * The address the load balancer saw the connection come from: the right-most entry of
 * X-Forwarded-For, which the ALB appends (its default `append` processing). Entries to the left
 * are whatever the client sent and are never trusted: sign-in limits are counted per this address.
 */
export function clientAddress(values: string[] | undefined): string | undefined {
  const entries = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return entries.at(-1);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const REASONS: Record<number, string> = { 200: 'OK', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/** GatewayResponse → ALB result, in the header shape the event came with. */
export function toAlbResult(response: GatewayResponse, event: Pick<ALBEvent, 'multiValueHeaders'>): ALBResult {
  const binary = typeof response.body !== 'string';
  const body = binary ? (response.body as Buffer).toString('base64') : (response.body as string);
  const result: ALBResult = {
    statusCode: response.status,
    statusDescription: `${response.status} ${REASONS[response.status] ?? ''}`.trim(),
    isBase64Encoded: binary,
    body,
  };
  if (event.multiValueHeaders) result.multiValueHeaders = response.headers;
  else result.headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, v.join(', ')]));
  return result;
}
