import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, StopQueryExecutionCommand, type ColumnInfo } from '@aws-sdk/client-athena';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { configTableDefinition, usersTableDefinition } from '../../lambdas/adapters/aws/tables.js';
import { ENV } from '../../lambdas/contract.js';
import { startLocalDynamo, type LocalDynamo } from '../../lambdas/local/dynamo.js';
import { athenaText } from '../../lambdas/core/engines/athena/decode.js';
import { parseType } from '../../lambdas/core/protocol/sql-types.js';
import { albEventOf, handlerEnvironment, lambdaContext } from './handlers.js';
import { LocalS3 } from './local-s3.js';

/**
 * The statement function as deployed, behind a stand-in for the ALB: the handler module with its
 * real adapters (DynamoDB on dynalite, S3 at a local S3 server holding the Athena result CSV and
 * receiving spooled segments, the key from a mocked Secrets Manager), Athena mocked to answer
 * one succeeded query whose result is that CSV. The stand-in turns HTTP into ALB events and
 * refuses function results over the ALB's 1 MB limit (502), as the ALB does.
 */
export const RESULT_BUCKET = 'bifrost-results';
const ALB_RESPONSE_LIMIT = 1024 * 1024;
const DOUBLE = parseType('double');

export interface AlbStand {
  url: string;
  s3: LocalS3;
  /** Sizes of the function's results, as the ALB measures them. */
  resultSizes: number[];
  close(): Promise<void>;
}

/** 16 columns of the usual types, and `rows` rows of them as Athena writes its result CSV. */
export function wideResult(rows: number): { columns: ColumnInfo[]; csv: Buffer } {
  const spec: [string, string][] = [
    ['id', 'bigint'], ['qty', 'integer'], ['price', 'double'], ['discount', 'double'], ['flag', 'boolean'], ['status', 'varchar'],
    ['ship_date', 'date'], ['commit_date', 'date'], ['mode', 'varchar'], ['comment', 'varchar'], ['tax', 'decimal'], ['part', 'bigint'],
    ['supplier', 'bigint'], ['line', 'integer'], ['region', 'varchar'], ['score', 'double'],
  ];
  const columns = spec.map(([Name, Type]): ColumnInfo => ({ Name, Label: Name, Type, Nullable: 'UNKNOWN', CaseSensitive: Type === 'varchar', ...(Type === 'decimal' ? { Precision: 12, Scale: 2 } : { Precision: 0, Scale: 0 }) }));
  const lines: string[] = [spec.map(([n]) => `"${n}"`).join(',')];
  const modes = ['AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL'];
  // Athena prints a double as Java does (`2.5`, `1.0`, `1.0E7`), a decimal with its scale.
  const double = (n: number) => athenaText(n, DOUBLE)!;
  for (let i = 0; i < rows; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    lines.push(
      [i, i % 50, double(i * 1.25), double((i % 10) / 100), i % 2 === 0, i % 3 ? 'F' : 'O', `2024-01-${day}`, `2024-02-${day}`, modes[i % 5], `comment number ${i} about things`, ((i % 1000) / 7).toFixed(2), i * 3, i % 1000, i % 7, `REGION ${i % 25}`, double(i / 3)]
        .map((v) => `"${v}"`)
        .join(','),
    );
  }
  return { columns, csv: Buffer.from(lines.join('\n') + '\n') };
}

/** Starts the stand; `rows` is the size of the query's result. */
export async function startAlbStand(rows: number, spoolBucket: string | undefined = RESULT_BUCKET): Promise<AlbStand> {
  const s3 = await new LocalS3().start();
  const { columns, csv } = wideResult(rows);
  s3.put(RESULT_BUCKET, 'results/wide.csv', csv);
  const dynamo: LocalDynamo = await startLocalDynamo([configTableDefinition('bifrost-config'), usersTableDefinition('bifrost-users')]);
  const secrets = mockClient(SecretsManagerClient);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(48) });
  const athena = mockClient(AthenaClient);
  let started = 0;
  athena.on(StartQueryExecutionCommand).callsFake(async () => ({ QueryExecutionId: `wide-${++started}` }));
  athena.on(GetQueryExecutionCommand).callsFake(async (input: { QueryExecutionId: string }) => ({
    QueryExecution: {
      QueryExecutionId: input.QueryExecutionId,
      StatementType: 'DML',
      SubstatementType: 'SELECT',
      ResultConfiguration: { OutputLocation: `s3://${RESULT_BUCKET}/results/wide.csv` },
      Status: { State: 'SUCCEEDED', SubmissionDateTime: new Date(), CompletionDateTime: new Date() },
      Statistics: { EngineExecutionTimeInMillis: 10, DataScannedInBytes: csv.length, TotalExecutionTimeInMillis: 12 },
      WorkGroup: 'primary',
    },
  }));
  athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [{ Data: columns.map((c) => ({ VarCharValue: c.Name })) }] } });
  athena.on(StopQueryExecutionCommand).resolves({});
  handlerEnvironment(dynamo.endpoint, {
    [ENV.QUERIES_TABLE]: dynamo.tables.queries,
    [ENV.CONFIG_TABLE]: 'bifrost-config',
    [ENV.USERS_TABLE]: 'bifrost-users',
    [ENV.PAGE_TOKEN_SECRET_ARN]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bifrost-key',
    [ENV.SPOOL_BUCKET]: spoolBucket ?? '',
    AWS_ENDPOINT_URL_S3: s3.url,
    [ENV.CONFIG_JSON]: JSON.stringify({
      version: 1,
      gateway: { pollWaitMs: 50 },
      auth: { methods: [{ type: 'header' }] },
      targets: { athena: { type: 'athena', workgroup: 'primary' } },
      routingGroups: { main: { targets: ['athena'] } },
      defaultRoutingGroup: 'main',
    }),
  });
  const { handler } = (await import('../../lambdas/handlers/statement.js')) as { handler: (event: ALBEvent, context: unknown) => Promise<ALBResult> };
  const resultSizes: number[] = [];
  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handler(albEventOf(req, Buffer.concat(chunks), http), lambdaContext('bifrost-statement', 1024)).then((result) => {
        const size = Buffer.byteLength(JSON.stringify(result));
        resultSizes.push(size);
        if (size > ALB_RESPONSE_LIMIT) return void res.writeHead(502).end('Bad Gateway');
        const headers: Record<string, string[]> = { ...(result.multiValueHeaders as Record<string, string[]>) };
        for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = [String(v)];
        const body = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '');
        res.writeHead(result.statusCode, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.map(String)])));
        res.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url,
    s3,
    resultSizes,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      athena.restore();
      secrets.restore();
      await s3.close();
      await dynamo.close();
    },
  };
}

