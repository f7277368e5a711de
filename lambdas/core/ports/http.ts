/** The doors' port: a request as every door (Lambda, node:http) hands it to the core, and the answer. */

export type Headers = Record<string, string[]>;

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
