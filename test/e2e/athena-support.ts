import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
  type AthenaClientResolvedConfig,
  type GetQueryResultsOutput,
  type QueryExecution,
  type ServiceInputTypes as AthenaInput,
  type ServiceOutputTypes as AthenaOutput,
} from '@aws-sdk/client-athena';
import { S3Client, type S3ClientResolvedConfig, type ServiceInputTypes as S3Input, type ServiceOutputTypes as S3Output } from '@aws-sdk/client-s3';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { RawValue } from '../../lambdas/core/engines/athena/decode.js';
import { AthenaResult, columnInfo, execution, fixture, serveObject } from '../unit/engines/athena/support.js';

/**
 * A mocked Athena for end-to-end tests: StartQueryExecution (idempotent per ClientRequestToken),
 * a query that is RUNNING on its first GetQueryExecution and final on the next, GetQueryResults
 * pages, StopQueryExecution, and the result CSV in S3. Responses come from the fixtures, shaped
 * as Athena sends them.
 */
export interface Scenario {
  /** Execution fixture of the final state. */
  execution: string;
  statementType?: string;
  result?: AthenaResult;
  results?: string;
  /** StartQueryExecution answers TooManyRequestsException this many times first. */
  throttle?: number;
}

export const BIG_ROWS: RawValue[][] = Array.from({ length: 59_500 }, (_, i) => (i === 999 || i === 30_999 ? ['id', 'name', 'score'] : [String(i), `name ${i}`, `${i}.5`]));

export function scenarios(): Record<string, Scenario> {
  return {
    big: { execution: 'get-query-execution-select-succeeded.json', result: new AthenaResult([columnInfo('id', 'varchar', 2147483647), columnInfo('name', 'varchar', 2147483647), columnInfo('score', 'varchar', 2147483647)], BIG_ROWS) },
    typed: {
      execution: 'get-query-execution-select-succeeded.json',
      result: new AthenaResult(
        [columnInfo('id', 'bigint', 19), columnInfo('name', 'varchar', 2147483647), columnInfo('price', 'decimal', 10, 2), columnInfo('ratio', 'double', 17), columnInfo('ok', 'boolean')],
        Array.from({ length: 5000 }, (_, i): RawValue[] => [String(i * 1_000_000_007), i % 11 === 0 ? null : i % 13 === 0 ? '' : `name, "${i}"\nnext`, `${i}.25`, i % 3 ? `${i}.5` : '1.0E10', i % 2 ? 'true' : 'false']),
      ),
    },
    all_types: { execution: 'get-query-execution-select-succeeded.json', result: resultOfFixture('get-query-results-all-types.json') },
    ddl: { execution: 'get-query-execution-ddl.json', results: 'get-query-results-ddl.json' },
    insert: { execution: 'get-query-execution-insert.json', results: 'get-query-results-insert.json' },
    show_tables: { execution: 'get-query-execution-show-tables.json', results: 'get-query-results-show-tables.json' },
    failed: { execution: 'get-query-execution-failed-table.json' },
    running: { execution: 'get-query-execution-running.json' },
    throttled: { execution: 'get-query-execution-select-succeeded.json', result: new AthenaResult([columnInfo('x', 'integer', 10)], [['1']]), throttle: 1 },
  };
}

/** A first-page fixture (header row first) as a whole result, so that its CSV can be served too. */
function resultOfFixture(name: string): AthenaResult {
  const out = fixture<GetQueryResultsOutput>(name);
  const rows = out.ResultSet!.Rows!.slice(1).map((r) => r.Data!.map((d) => d.VarCharValue));
  return new AthenaResult(out.ResultSet!.ResultSetMetadata!.ColumnInfo!, rows);
}

/** Picks the scenario from the SQL text: the first scenario name it contains. */
function scenarioFor(sql: string, all: Record<string, Scenario>): [string, Scenario] {
  const lower = sql.toLowerCase();
  if (lower.startsWith('create table') || lower.startsWith('drop')) return ['ddl', all.ddl!];
  if (lower.startsWith('insert')) return ['insert', all.insert!];
  if (lower.startsWith('show tables')) return ['show_tables', all.show_tables!];
  const name = Object.keys(all).find((n) => new RegExp(`\\b${n}\\b`).test(lower));
  if (!name) throw new Error(`no scenario for ${sql}`);
  return [name, all[name]!];
}

export class FakeAthena {
  readonly started: { token: string; sql: string; workgroup?: string }[] = [];
  readonly stopped: string[] = [];
  private readonly byToken = new Map<string, string>();
  private readonly byId = new Map<string, { scenario: Scenario; polls: number; cancelled: boolean }>();
  private throttled = new Map<string, number>();
  getQueryExecutionCalls = 0;
  getQueryResultsCalls = 0;

  constructor(
    athena: AwsStub<AthenaInput, AthenaOutput, AthenaClientResolvedConfig>,
    s3: AwsStub<S3Input, S3Output, S3ClientResolvedConfig>,
    readonly all: Record<string, Scenario> = scenarios(),
  ) {
    athena.on(StartQueryExecutionCommand).callsFake(async (input) => this.start({ QueryString: input.QueryString!, ClientRequestToken: input.ClientRequestToken!, ...(input.WorkGroup ? { WorkGroup: input.WorkGroup } : {}) }));
    athena.on(GetQueryExecutionCommand).callsFake(async (input) => this.status(input.QueryExecutionId!));
    athena.on(GetQueryResultsCommand).callsFake(async (input) => this.results({ QueryExecutionId: input.QueryExecutionId!, ...(input.NextToken ? { NextToken: input.NextToken } : {}), ...(input.MaxResults ? { MaxResults: input.MaxResults } : {}) }));
    athena.on(StopQueryExecutionCommand).callsFake(async (input) => {
      this.stopped.push(input.QueryExecutionId!);
      const q = this.byId.get(input.QueryExecutionId!);
      if (q) q.cancelled = true;
      return {};
    });
    for (const [name, scenario] of Object.entries(this.all)) {
      if (scenario.result) serveObject(s3, 'amzn-s3-demo-bucket', `results/${name}.csv`, scenario.result.csv());
    }
  }

  private start(input: { QueryString: string; ClientRequestToken: string; WorkGroup?: string }): { QueryExecutionId: string } {
    const [name, scenario] = scenarioFor(input.QueryString, this.all);
    this.started.push({ token: input.ClientRequestToken, sql: input.QueryString, ...(input.WorkGroup ? { workgroup: input.WorkGroup } : {}) });
    if (scenario.throttle) {
      const seen = this.throttled.get(input.ClientRequestToken) ?? 0;
      this.throttled.set(input.ClientRequestToken, seen + 1);
      if (seen < scenario.throttle) {
        throw new TooManyRequestsException({ message: 'You have exceeded the limit for the number of queries you can run concurrently.', Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED', $metadata: { httpStatusCode: 400 } });
      }
    }
    let id = this.byToken.get(input.ClientRequestToken);
    if (!id) {
      id = `${name}-${this.byToken.size + 1}`;
      this.byToken.set(input.ClientRequestToken, id);
      this.byId.set(id, { scenario, polls: 0, cancelled: false });
    }
    return { QueryExecutionId: id };
  }

  private status(id: string): { QueryExecution: QueryExecution } {
    this.getQueryExecutionCalls++;
    const q = this.byId.get(id)!;
    q.polls++;
    const name = id.replace(/-\d+$/, '');
    const output = { OutputLocation: `s3://amzn-s3-demo-bucket/results/${name}.csv` };
    if (q.cancelled) return execution('get-query-execution-cancelled.json', { QueryExecutionId: id, ResultConfiguration: output });
    if (q.polls === 1 || q.scenario.execution === 'get-query-execution-running.json') return execution('get-query-execution-running.json', { QueryExecutionId: id, ResultConfiguration: output });
    const final = execution(q.scenario.execution, { QueryExecutionId: id });
    if (q.scenario.result) final.QueryExecution.ResultConfiguration = output;
    return final;
  }

  private results(input: { QueryExecutionId: string; NextToken?: string; MaxResults?: number }): GetQueryResultsOutput {
    this.getQueryResultsCalls++;
    const q = this.byId.get(input.QueryExecutionId)!;
    if (q.scenario.result) return q.scenario.result.page(input.NextToken, input.MaxResults);
    return fixture<GetQueryResultsOutput>(q.scenario.results!);
  }
}

export function clients(): { athena: AthenaClient; s3: S3Client } {
  return { athena: new AthenaClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }) };
}
