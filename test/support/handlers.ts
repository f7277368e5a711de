import { createServer, type AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';

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
