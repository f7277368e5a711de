import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, type GetObjectCommandOutput, type S3ClientResolvedConfig, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { ColumnInfo, GetQueryResultsOutput, QueryExecution } from '@aws-sdk/client-athena';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { RawValue } from '../../../../lambdas/core/engines/athena/decode.js';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, '..', '..', '..', 'fixtures', 'athena');

/** A fixture as Athena sends it on the wire (awsJson1_1). */
export function wireFixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

const DATE_FIELDS = new Set(['SubmissionDateTime', 'CompletionDateTime']);

/** A fixture as the SDK hands it to callers: epoch-second timestamps become Dates. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(wireFixture(name), (key, value) => (DATE_FIELDS.has(key) && typeof value === 'number' ? new Date(value * 1000) : value)) as T;
}

export function execution(name: string, patch: Partial<QueryExecution> = {}): { QueryExecution: QueryExecution } {
  const base = fixture<{ QueryExecution: QueryExecution }>(name);
  return { QueryExecution: { ...base.QueryExecution, ...patch } };
}

export function columnInfo(name: string, type: string, precision = 0, scale = 0): ColumnInfo {
  return { CatalogName: 'hive', SchemaName: '', TableName: '', Name: name, Label: name, Type: type, Precision: precision, Scale: scale, Nullable: 'UNKNOWN', CaseSensitive: type === 'varchar' };
}

/**
 * A SELECT result as Athena holds it: GetQueryResults pages (the column labels as the first row of
 * the first page, MaxResults rows per page, opaque NextTokens) and the result CSV.
 */
export class AthenaResult {
  constructor(
    readonly columns: ColumnInfo[],
    readonly rows: RawValue[][],
  ) {}

  private allRows(): RawValue[][] {
    return [this.columns.map((c) => c.Name!), ...this.rows];
  }

  page(nextToken: string | undefined, maxResults = 1000): GetQueryResultsOutput {
    const all = this.allRows();
    const start = nextToken === undefined ? 0 : Number(Buffer.from(nextToken, 'base64').toString().replace('offset:', ''));
    const end = Math.min(all.length, start + maxResults);
    return {
      UpdateCount: 0,
      ResultSet: {
        Rows: all.slice(start, end).map((r) => ({ Data: r.map((v) => (v == null ? {} : { VarCharValue: v })) })),
        ResultSetMetadata: { ColumnInfo: this.columns },
      },
      ...(end < all.length ? { NextToken: Buffer.from(`offset:${end}`).toString('base64') } : {}),
    };
  }

  pageCount(maxResults = 1000): number {
    return Math.ceil((this.rows.length + 1) / maxResults);
  }

  csv(): Buffer {
    return Buffer.from(csvText(this.columns.map((c) => c.Name!), this.rows));
  }
}

/** Athena's result CSV: every value quoted, quotes doubled, NULL an empty unquoted field. */
export function csvText(header: string[], rows: RawValue[][]): string {
  const line = (values: RawValue[]) => values.map((v) => (v == null ? '' : '"' + v.replace(/"/g, '""') + '"')).join(',');
  return [line(header), ...rows.map(line)].map((l) => l + '\n').join('');
}

export interface S3ObjectOptions {
  /** Simulates a bucket policy that only admits Athena. */
  denied?: boolean;
  /** Simulates a CSE_KMS object: the envelope travels in the object's metadata. */
  clientSideEncrypted?: boolean;
  etag?: string;
}

/** Serves an object by byte ranges as S3 does (206, Content-Range), and records the ranges asked. */
export function serveObject(s3: AwsStub<ServiceInputTypes, ServiceOutputTypes, S3ClientResolvedConfig>, bucket: string, key: string, body: Buffer, options: S3ObjectOptions = {}): { ranges: string[] } {
  const ranges: string[] = [];
  const etag = options.etag ?? '"0123456789abcdef0123456789abcdef"';
  s3.on(GetObjectCommand, { Bucket: bucket, Key: key }).callsFake(async (input: { Range?: string; IfMatch?: string }): Promise<Partial<GetObjectCommandOutput>> => {
    ranges.push(input.Range ?? '');
    if (options.denied) throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    if (input.IfMatch && input.IfMatch !== etag) throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    const m = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '');
    const first = m ? Number(m[1]) : 0;
    if (first >= body.length && body.length > 0) throw Object.assign(new Error('The requested range is not satisfiable'), { name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
    const last = m ? Math.min(Number(m[2]), body.length - 1) : body.length - 1;
    const slice = body.subarray(first, last + 1);
    const output: Partial<GetObjectCommandOutput> = {
      ContentLength: slice.length,
      ContentRange: `bytes ${first}-${last}/${body.length}`,
      ETag: etag,
      ContentType: 'application/octet-stream',
      Metadata: options.clientSideEncrypted ? { 'x-amz-cek-alg': 'AES/GCM/NoPadding', 'x-amz-wrap-alg': 'kms+context', 'x-amz-key-v2': 'AQIDAHh...' } : {},
      Body: { transformToByteArray: async () => new Uint8Array(slice), transformToString: async () => slice.toString('utf8') } as unknown as GetObjectCommandOutput['Body'],
    };
    return output;
  });
  return { ranges };
}

export const EXECUTION_ID = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
export const RESULT_BUCKET = 'amzn-s3-demo-bucket';
export const RESULT_KEY = `results/${EXECUTION_ID}.csv`;
