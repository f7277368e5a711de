import type { Headers } from './protocol/headers.js';

/** A request as every door hands it to the core: header names lower-cased, values repeated. */
export interface GatewayRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  headers: Headers;
  body: Buffer;
  remoteAddress?: string;
  /** The URL prefix clients reach the gateway on (scheme://host[:port]), for nextUri. */
  baseUrl: string;
}

export interface GatewayResponse {
  status: number;
  headers: Headers;
  body: Buffer | string;
}

export function header(request: GatewayRequest, name: string): string | undefined {
  return request.headers[name.toLowerCase()]?.[0];
}

export function textResponse(status: number, text: string, headers: Headers = {}): GatewayResponse {
  return { status, headers: { 'Content-Type': ['text/plain; charset=utf-8'], ...headers }, body: text };
}

export function jsonResponse(status: number, json: string, headers: Headers = {}): GatewayResponse {
  return { status, headers: { 'Content-Type': ['application/json'], ...headers }, body: json };
}
