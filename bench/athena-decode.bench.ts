/**
 * Athena result decoding throughput: rows per second for a 16-column mixed-type result
 * of 1,000,000 rows, through the engine, on the real AWS SDK clients (their deserializers run;
 * only the network is replaced by in-memory responses):
 *
 * - API path: GetQueryResults pages of 1,000 rows (Athena's JSON → SDK objects → Bifrost values);
 * - CSV path: the result CSV read by byte ranges through S3 GetObject (csv-scanner.ts → Bifrost values);
 * - ceilings: JSON.parse of the same rows as the Trino protocol's own `data` JSON, page by page,
 *   from strings and from the bytes a client receives (UTF-8 decoding included), i.e. what a
 *   client does with rows that need no decoding at all.
 *
 * Targets, from the medians of interleaved runs: the CSV path at no less than half of JSON.parse
 * from bytes and a third of JSON.parse of strings. Also reported: JSON.parse of the
 * GetQueryResults responses holding the same rows (the least any API-based decoder must do), the
 * parse-and-decode core of each path without the SDK, and the parse alone with the scanner and
 * with the general CSV parser it replaced (csv-simple-parser), to show where the time goes.
 */
import { Readable } from 'node:stream';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { AthenaEngine } from '../lambdas/adapters/aws/athena/athena-engine.js';
import { parseCsvBytes, type CsvRecordParser } from '../lambdas/adapters/aws/athena/csv-pages.js';
import { scanCsv } from '../lambdas/adapters/aws/athena/csv-scanner.js';
import { hexBytesText, type RawValue } from '../lambdas/core/engines/athena/decode.js';
import { decodeRows, resultTypes } from '../lambdas/core/engines/athena/results.js';
import type { PollOptions } from '../lambdas/core/ports/index.js';
import { rowEncoder } from '../lambdas/core/protocol/encode.js';
import type { BenchResult } from './run.js';
import { collectGarbage, interleave, perSecond, round, timed, type Figures } from './stats.js';
import { referenceParse } from '../test/unit/adapters/athena/csv-reference.js';

const ROWS = 1_000_000;
/** The API path is ten times slower: a fifth of the rows keeps its runs as long as the others. */
const API_ROWS = 200_000;
const REPETITIONS = 5;
const PAGE_ROWS = 1000;
/** Distinct pages of data; the result cycles through them (the decoders see the same mix). */
const DISTINCT_PAGES = 50;
const EXECUTION_ID = '8d4f1a2c-1b2c-4d5e-8f90-0123456789ab';
const BUCKET = 'bench-results';
const KEY = `results/${EXECUTION_ID}.csv`;

function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const col = (Name: string, Type: string, Precision = 0, Scale = 0) => ({ CatalogName: 'hive', SchemaName: '', TableName: '', Name, Label: Name, Type, Precision, Scale, Nullable: 'UNKNOWN', CaseSensitive: Type === 'varchar' });
const COLUMNS = [
  col('id', 'bigint', 19),
  col('name', 'varchar', 2147483647),
  col('price', 'decimal', 12, 2),
  col('ratio', 'double', 17),
  col('active', 'boolean'),
  col('day', 'date'),
  col('ts', 'timestamp', 3),
  col('qty', 'integer', 10),
  col('note', 'varchar', 2147483647),
  col('payload', 'varbinary', 2147483647),
  col('score', 'float', 17),
  col('small', 'smallint', 5),
  col('big', 'bigint', 19),
  col('tags', 'array'),
  col('meta', 'json'),
  col('country', 'char', 2),
];

function generateRows(): RawValue[][] {
  const next = random(42);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'Zürich', 'naïve'];
  const rows: RawValue[][] = [];
  for (let i = 0; i < DISTINCT_PAGES * PAGE_ROWS; i++) {
    const r = next();
    const bytes = new Uint8Array(8).map(() => Math.floor(next() * 256));
    rows.push([
      String(i),
      `${words[i % 10]} ${words[(i * 7) % 10]} ${i}`,
      (next() * 100000).toFixed(2),
      String(next() * 1000),
      next() < 0.5 ? 'true' : 'false',
      `20${10 + (i % 15)}-0${1 + (i % 9)}-${10 + (i % 18)}`,
      `2024-0${1 + (i % 9)}-1${i % 10} 1${i % 10}:2${i % 10}:3${i % 10}.${String(i % 1000).padStart(3, '0')}`,
      String(Math.floor(next() * 2_000_000) - 1_000_000),
      r < 0.2 ? null : r < 0.25 ? '' : `said "${words[i % 10]}", then left\u2014twice`,
      hexBytesText(bytes),
      String(Math.fround(next() * 100)),
      String((i % 60000) - 30000),
      String(BigInt(Math.floor(next() * 2 ** 53)) * 1000n + 123n),
      `[${words[i % 10]}, ${words[(i + 3) % 10]}]`,
      `{"k":${i % 100},"v":"${words[i % 10]}"}`,
      ['US', 'DE', 'FR', 'JP', 'BR'][i % 5]!,
    ]);
  }
  return rows;
}

function csvLine(values: readonly RawValue[]): string {
  return values.map((v) => (v == null ? '' : '"' + v.replace(/"/g, '""') + '"')).join(',') + '\n';
}

/** A virtual object: the header, then the data chunk repeated; served by byte ranges. */
class RepeatedCsv {
  readonly header: Buffer;
  readonly chunk: Buffer;
  readonly size: number;
  constructor(rows: RawValue[][], repeat: number) {
    this.header = Buffer.from(csvLine(COLUMNS.map((c) => c.Name)));
    this.chunk = Buffer.from(rows.map(csvLine).join(''));
    this.size = this.header.length + this.chunk.length * repeat;
  }
  range(first: number, last: number): Buffer {
    const parts: Buffer[] = [];
    let pos = first;
    while (pos <= last) {
      if (pos < this.header.length) {
        const end = Math.min(last + 1, this.header.length);
        parts.push(this.header.subarray(pos, end));
        pos = end;
        continue;
      }
      const inChunk = (pos - this.header.length) % this.chunk.length;
      const take = Math.min(last + 1 - pos, this.chunk.length - inChunk);
      parts.push(this.chunk.subarray(inChunk, inChunk + take));
      pos += take;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

function executionBody(): Buffer {
  return Buffer.from(
    JSON.stringify({
      QueryExecution: {
        QueryExecutionId: EXECUTION_ID,
        Query: 'SELECT * FROM bench',
        StatementType: 'DML',
        SubstatementType: 'SELECT',
        ResultConfiguration: { OutputLocation: `s3://${BUCKET}/${KEY}` },
        QueryExecutionContext: { Database: 'bench', Catalog: 'awsdatacatalog' },
        Status: { State: 'SUCCEEDED', SubmissionDateTime: 1714558210.123, CompletionDateTime: 1714558233.944 },
        Statistics: { EngineExecutionTimeInMillis: 21000, DataScannedInBytes: 180000000, TotalExecutionTimeInMillis: 23821, QueryQueueTimeInMillis: 267 },
        WorkGroup: 'primary',
        EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
      },
    }),
  );
}

/** GetQueryResults response bodies, one per distinct page; the first page of the result has the header row. */
function resultPageBodies(rows: RawValue[][]): { first: Buffer; pages: Buffer[]; last: Buffer } {
  const meta = { ColumnInfo: COLUMNS };
  const toRow = (values: readonly RawValue[]) => ({ Data: values.map((v) => (v == null ? {} : { VarCharValue: v })) });
  const pages: Buffer[] = [];
  for (let p = 0; p < DISTINCT_PAGES; p++) {
    pages.push(Buffer.from(JSON.stringify({ UpdateCount: 0, ResultSet: { Rows: rows.slice(p * PAGE_ROWS, (p + 1) * PAGE_ROWS).map(toRow), ResultSetMetadata: meta }, NextToken: 'NEXT' })));
  }
  const first = Buffer.from(JSON.stringify({ UpdateCount: 0, ResultSet: { Rows: [toRow(COLUMNS.map((c) => c.Name)), ...rows.slice(0, PAGE_ROWS - 1).map(toRow)], ResultSetMetadata: meta }, NextToken: 'NEXT' }));
  const last = Buffer.from(JSON.stringify({ UpdateCount: 0, ResultSet: { Rows: [toRow(rows[PAGE_ROWS - 1]!)], ResultSetMetadata: meta }, NextToken: 'NEXT' }));
  return { first, pages, last };
}

function athenaClient(bodies: { first: Buffer; pages: Buffer[]; last: Buffer }, totalPages: number): AthenaClient {
  const execution = executionBody();
  return new AthenaClient({
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body: string | Uint8Array }) => {
        const target = request.headers['x-amz-target'];
        let body: Buffer;
        if (target === 'AmazonAthena.GetQueryExecution') body = execution;
        else {
          const input = JSON.parse(Buffer.from(request.body).toString('utf8')) as { NextToken?: string; MaxResults?: number };
          const index = input.NextToken ? Number(input.NextToken.split(':')[1]) : 0;
          // 999 rows after the header, then full pages, then the one row left: exactly ROWS rows.
          let text = index === 0 ? bodies.first : index === totalPages - 1 ? bodies.last : bodies.pages[index % DISTINCT_PAGES]!;
          if (input.MaxResults === 1) text = Buffer.from(JSON.stringify({ UpdateCount: 0, ResultSet: { Rows: [{ Data: COLUMNS.map((c) => ({ VarCharValue: c.Name })) }], ResultSetMetadata: { ColumnInfo: COLUMNS } }, NextToken: 'x' }));
          // Page tokens carry the page number; the last page has none.
          const json = text.toString('utf8').replace('"NextToken":"NEXT"', index + 1 < totalPages ? `"NextToken":"page:${index + 1}"` : '"_":0');
          body = Buffer.from(json);
        }
        return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([body]) } };
      },
    } as never,
  });
}

function s3Client(object: RepeatedCsv): S3Client {
  return new S3Client({
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        const m = /bytes=(\d+)-(\d+)/.exec(request.headers.range ?? request.headers.Range ?? '')!;
        const first = Number(m[1]);
        const last = Math.min(Number(m[2]), object.size - 1);
        const body = object.range(first, last);
        return {
          response: {
            statusCode: 206,
            headers: { 'content-type': 'text/csv', 'content-length': String(body.length), 'content-range': `bytes ${first}-${last}/${object.size}`, etag: '"bench"' },
            body: Readable.from([body]),
          },
        };
      },
    } as never,
  });
}

async function readAllPages(engine: AthenaEngine, handle: string): Promise<{ rows: number; pages: number }> {
  const options: PollOptions = { maxWaitMs: 0, maxRows: 20_000, knownState: 'FINISHED', knownStateAt: 0 };
  let cursor: string | undefined;
  let rows = 0;
  let pages = 0;
  for (;;) {
    const page = await engine.poll(handle, cursor, options);
    rows += page.rows?.length ?? 0;
    pages++;
    if (!page.nextCursor) return { rows, pages };
    cursor = page.nextCursor;
  }
}

const handle = JSON.stringify({ v: 1, id: EXECUTION_ID, wg: 'primary', k: 'query' });

function setup(types: ReturnType<typeof resultTypes>, repeat: number) {
  const rows = generateRows();
  // Ceiling: JSON.parse of the protocol's data JSON, page by page, from strings and from the
  // bytes a client receives (UTF-8 decoding included).
  const encode = rowEncoder(types);
  const decodedRows = decodeRows(types, rows);
  const jsonPages: string[] = [];
  for (let p = 0; p < DISTINCT_PAGES; p++) jsonPages.push('[' + decodedRows.slice(p * PAGE_ROWS, (p + 1) * PAGE_ROWS).map(encode).join(',') + ']');
  const jsonBytes = jsonPages.map((page) => Buffer.from(page));
  // A looser one: JSON.parse of the GetQueryResults responses holding the same rows.
  const bodies = resultPageBodies(rows);
  const apiTexts = bodies.pages.map((b) => b.toString('utf8'));
  return { jsonPages, jsonBytes, bodies, apiTexts, object: new RepeatedCsv(rows, repeat) };
}

export default async function bench(): Promise<BenchResult> {
  const types = resultTypes(COLUMNS);
  const repeat = ROWS / (DISTINCT_PAGES * PAGE_ROWS);
  const totalPages = ROWS / PAGE_ROWS + 1; // the header row pushes one row onto an extra page
  const apiPages = API_ROWS / PAGE_ROWS + 1;
  const pages = ROWS / PAGE_ROWS;
  // Only text and bytes outlive the setup: the generated rows (a million small objects) would
  // make every major garbage collection of the timed cases longer, the cases that keep rows
  // across awaits (the paths through the SDK) most of all.
  const { jsonPages, jsonBytes, bodies, apiTexts, object } = setup(types, repeat);
  const parsePieces = (parser: CsvRecordParser, each: (rows: RawValue[][]) => number): number => {
    // The CSV parse in 32 KB pieces, as the engine parses a page (whole records per piece).
    let n = 0;
    for (let i = 0; i < repeat; i++) {
      for (let at = 0; at < object.chunk.length; ) {
        const piece = parseCsvBytes(object.chunk.subarray(at, at + 32 * 1024), COLUMNS.length, at + 32 * 1024 >= object.chunk.length, parser)!;
        n += each(piece.rows);
        at += piece.end;
      }
    }
    return n;
  };
  const rate = async (name: string, expected: number, fn: () => Promise<number> | number): Promise<Figures> => {
    const { ms, value } = await timed(fn);
    if (value !== expected) throw new Error(`${name}: ${value} rows, expected ${expected}`);
    return { [name]: perSecond(expected, ms) };
  };

  const repeated = await interleave(
    {
      ceiling: () => rate('jsonParseStringsRowsPerSec', ROWS, () => {
        let n = 0;
        for (let i = 0; i < pages; i++) n += (JSON.parse(jsonPages[i % DISTINCT_PAGES]!) as unknown[]).length;
        return n;
      }),
      bytesCeiling: () => rate('jsonParseFromBytesRowsPerSec', ROWS, () => {
        let n = 0;
        for (let i = 0; i < pages; i++) n += (JSON.parse(jsonBytes[i % DISTINCT_PAGES]!.toString('utf8')) as unknown[]).length;
        return n;
      }),
      csvPath: async () => {
        // Through the engine and the SDK.
        const engine = new AthenaEngine({ athena: athenaClient(bodies, totalPages), s3: s3Client(object), workgroup: 'primary', tableTypes: false });
        const { ms, value } = await timed(() => readAllPages(engine, handle));
        if (value.rows !== ROWS) throw new Error(`csv path: ${value.rows} rows`);
        return { csvPathRowsPerSec: perSecond(ROWS, ms), csvPathPages: value.pages };
      },
      apiJson: () => rate('getQueryResultsJsonParseRowsPerSec', ROWS, () => {
        let n = 0;
        for (let i = 0; i < pages; i++) n += (JSON.parse(apiTexts[i % DISTINCT_PAGES]!) as { ResultSet: { Rows: unknown[] } }).ResultSet.Rows.length;
        return n;
      }),
      apiPath: async () => {
        const engine = new AthenaEngine({ athena: athenaClient(bodies, apiPages), workgroup: 'primary', csvFastPath: false, tableTypes: false });
        const { ms, value } = await timed(() => readAllPages(engine, handle));
        if (value.rows !== API_ROWS) throw new Error(`api path: ${value.rows} rows`);
        return { apiPathRowsPerSec: perSecond(API_ROWS, ms), apiPathPages: value.pages };
      },
      // The parse-and-decode cores, without the SDK.
      apiCore: () => rate('apiParseDecodeWithoutSdkRowsPerSec', ROWS, () => {
        let n = 0;
        for (let i = 0; i < pages; i++) {
          const out = JSON.parse(apiTexts[i % DISTINCT_PAGES]!) as { ResultSet: { Rows: { Data: { VarCharValue?: string }[] }[] } };
          n += decodeRows(types, out.ResultSet.Rows.map((r) => r.Data.map((d) => d.VarCharValue))).length;
        }
        return n;
      }),
      csvCore: () => rate('csvParseDecodeWithoutSdkRowsPerSec', ROWS, () => parsePieces(scanCsv, (raw) => decodeRows(types, raw, true).length)),
      parseOnly: () => rate('csvParseOnlyRowsPerSec', ROWS, () => parsePieces(scanCsv, (raw) => raw.length)),
      referenceParseOnly: () => rate('csvSimpleParserParseOnlyRowsPerSec', ROWS, () => parsePieces(referenceParse, (raw) => raw.length)),
    },
    { repetitions: REPETITIONS, between: collectGarbage },
  );
  repeated
    .derive('csvPathToJsonParseFromBytesRatio', (f) => f('csvPathRowsPerSec') / f('jsonParseFromBytesRowsPerSec'))
    .derive('csvPathToJsonParseStringsRatio', (f) => f('csvPathRowsPerSec') / f('jsonParseStringsRowsPerSec'))
    .derive('apiPathToJsonParseStringsRatio', (f) => f('apiPathRowsPerSec') / f('jsonParseStringsRowsPerSec'))
    .derive('csvParseOnlyToCsvSimpleParserRatio', (f) => f('csvParseOnlyRowsPerSec') / f('csvSimpleParserParseOnlyRowsPerSec'));
  const { figures, spreads, repetitions } = repeated.report();
  // Targets from the medians of the interleaved runs.
  const csv = repeated.median('csvPathRowsPerSec');
  const fromBytes = repeated.median('jsonParseFromBytesRowsPerSec');
  const strings = repeated.median('jsonParseStringsRowsPerSec');
  const bytesRatio = round(csv / fromBytes);
  const stringsRatio = round(csv / strings);
  return {
    title: `Decoding a ${COLUMNS.length}-column mixed-type Athena result of ${ROWS.toLocaleString('en-US')} rows (the API path: ${API_ROWS.toLocaleString('en-US')}) through the engine on the real SDK clients (network replaced by in-memory responses), against JSON.parse of the same rows as Trino protocol JSON; every case run ${repetitions} times, interleaved, after a warm-up round.`,
    figures: { rows: ROWS, columns: COLUMNS.length, csvBytes: object.size, ...figures, nodeOptions: process.env.NODE_OPTIONS ?? '' },
    targets: [
      { name: 'CSV path ≥ 0.5 × JSON.parse from bytes (medians)', met: bytesRatio >= 0.5, detail: `${csv} rows/s vs ${fromBytes} rows/s (ratio ${bytesRatio})` },
      { name: 'CSV path ≥ 1/3 × JSON.parse of strings (medians)', met: stringsRatio >= 1 / 3, detail: `${csv} rows/s vs ${strings} rows/s (ratio ${stringsRatio})` },
    ],
    repetitions,
    spreads,
  };
}
