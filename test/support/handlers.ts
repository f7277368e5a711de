import type { IncomingMessage, Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import type { ALBEvent, ALBResult, Context } from 'aws-lambda';

/** A Lambda context as the runtime hands one to a handler, for driving handlers in tests. */
export function lambdaContext(functionName: string, memoryMb = 256, remainingMs = 30_000): Context {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/12/07/[$LATEST]abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

/**
 * The environment a deployed function finds, pointed at local stand-ins: the given variables
 * (tables, config, secret ARNs), dummy credentials, DynamoDB at `dynamoEndpoint`, quiet Powertools.
 */
export function handlerEnvironment(dynamoEndpoint: string, variables: Record<string, string>): void {
  Object.assign(process.env, {
    ...variables,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
}

/** A loopback port nothing listens on: a connection there is refused at once (a dead cluster). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The event an ALB hands a Lambda target for a request that reached a local node:http server:
 * multi-value headers and query (the target group's setting), the body base64-encoded, and the
 * forwarding headers the ALB adds.
 */
export function albEventOf(req: IncomingMessage, body: Buffer, http: Server): ALBEvent {
  const [path, query = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) (multiValueHeaders[req.rawHeaders[i]!.toLowerCase()] ??= []).push(req.rawHeaders[i + 1]!);
  multiValueHeaders['x-forwarded-proto'] = ['http'];
  multiValueHeaders['x-forwarded-port'] = [String((http.address() as AddressInfo).port)];
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const pair of query ? query.split('&') : []) {
    const [k, v = ''] = pair.split('=', 2) as [string, string?];
    (multiValueQueryStringParameters[k] ??= []).push(v);
  }
  return {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bifrost/0123456789abcdef' } },
    httpMethod: req.method ?? 'GET',
    path,
    multiValueQueryStringParameters,
    multiValueHeaders,
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
}

/**
 * The event an ALB hands the statement function for a client's request to `url` (relative URLs
 * on https://bifrost.example): the ALB's forwarding headers plus `headers`, the query as
 * multi-value parameters, the body base64-encoded.
 */
export function albRequest(method: string, url: string, body = '', headers: Record<string, string[]> = {}): ALBEvent {
  const parsed = new URL(url, 'http://bifrost.example');
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [k, v] of parsed.searchParams) (multiValueQueryStringParameters[k] ??= []).push(encodeURIComponent(v));
  return {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bifrost/0123456789abcdef' } },
    httpMethod: method,
    path: parsed.pathname,
    multiValueQueryStringParameters,
    multiValueHeaders: { host: ['bifrost.example'], 'x-forwarded-proto': ['https'], 'x-forwarded-port': ['443'], ...headers },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
}

/** The JSON body of a function's answer to the ALB. */
export function albJson<T>(result: ALBResult): T {
  return JSON.parse(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64').toString('utf8') : (result.body ?? '')) as T;
}
