import type { Headers, GatewayRequest, GatewayResponse } from './ports/index.js';

export function header(request: GatewayRequest, name: string): string | undefined {
  return request.headers[name.toLowerCase()]?.[0];
}

export function textResponse(status: number, text: string, headers: Headers = {}): GatewayResponse {
  return { status, headers: { 'Content-Type': ['text/plain; charset=utf-8'], ...headers }, body: text };
}

export function jsonResponse(status: number, json: string, headers: Headers = {}): GatewayResponse {
  return { status, headers: { 'Content-Type': ['application/json'], ...headers }, body: json };
}
