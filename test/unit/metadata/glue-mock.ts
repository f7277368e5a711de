import { EntityNotFoundException, GetDatabasesCommand, GetTableCommand, GetTablesCommand, GlueClient, type Column, type Database, type Table } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * A Glue Data Catalog behind aws-sdk-client-mock, answering GetDatabases, GetTables and GetTable
 * in the shapes of the Glue API reference (Database, Table, StorageDescriptor), with MaxResults
 * and NextToken paging, AttributesToGet, and EntityNotFoundException for what does not exist.
 * Every call is counted.
 */
export interface GlueTableSpec {
  columns: [name: string, type: string, comment?: string][];
  partitionKeys?: [name: string, type: string][];
  view?: boolean;
  description?: string;
}

export type GlueCatalogSpec = Record<string, { description?: string; tables: Record<string, GlueTableSpec> }>;

const ACCOUNT = '123456789012';
const created = new Date('2024-05-01T10:00:00Z');

function column([Name, Type, Comment]: [string, string, string?]): Column {
  return { Name, Type, ...(Comment !== undefined ? { Comment } : {}) };
}

export function glueTable(database: string, name: string, spec: GlueTableSpec): Table {
  const columns = spec.columns.map(column);
  if (spec.view) {
    const definition = Buffer.from(JSON.stringify({ originalSql: `SELECT * FROM ${database}.orders`, catalog: 'awsdatacatalog', schema: database, columns: spec.columns.map(([n, t]) => ({ name: n, type: t })) })).toString('base64');
    return {
      Name: name,
      DatabaseName: database,
      ...(spec.description ? { Description: spec.description } : {}),
      Owner: 'hadoop',
      CreateTime: created,
      UpdateTime: created,
      LastAccessTime: new Date(0),
      Retention: 0,
      StorageDescriptor: { Columns: columns, Location: '', Compressed: false, NumberOfBuckets: 0, SerdeInfo: {}, SortColumns: [], StoredAsSubDirectories: false },
      PartitionKeys: [],
      ViewOriginalText: `/* Presto View: ${definition} */`,
      ViewExpandedText: '/* Presto View */',
      TableType: 'VIRTUAL_VIEW',
      Parameters: { comment: 'Presto View', presto_view: 'true' },
      CreatedBy: `arn:aws:sts::${ACCOUNT}:assumed-role/analyst/session`,
      IsRegisteredWithLakeFormation: false,
      CatalogId: ACCOUNT,
      VersionId: '0',
    };
  }
  return {
    Name: name,
    DatabaseName: database,
    ...(spec.description ? { Description: spec.description } : {}),
    Owner: 'hadoop',
    CreateTime: created,
    UpdateTime: created,
    LastAccessTime: new Date(0),
    Retention: 0,
    StorageDescriptor: {
      Columns: columns,
      Location: `s3://example-data-lake/${database}/${name}/`,
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      Compressed: false,
      NumberOfBuckets: -1,
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', Parameters: { 'serialization.format': '1' } },
      BucketColumns: [],
      SortColumns: [],
      Parameters: {},
      StoredAsSubDirectories: false,
    },
    PartitionKeys: (spec.partitionKeys ?? []).map(([n, t]) => column([n, t])),
    TableType: 'EXTERNAL_TABLE',
    Parameters: { EXTERNAL: 'TRUE', classification: 'parquet', 'parquet.compression': 'SNAPPY' },
    CreatedBy: `arn:aws:sts::${ACCOUNT}:assumed-role/etl/session`,
    IsRegisteredWithLakeFormation: false,
    CatalogId: ACCOUNT,
    VersionId: '0',
  };
}

function database(name: string, description?: string): Database {
  return {
    Name: name,
    ...(description ? { Description: description } : {}),
    LocationUri: `s3://example-data-lake/${name}/`,
    Parameters: {},
    CreateTime: created,
    CreateTableDefaultPermissions: [{ Principal: { DataLakePrincipalIdentifier: 'IAM_ALLOWED_PRINCIPALS' }, Permissions: ['ALL'] }],
    CatalogId: ACCOUNT,
  };
}

function page<T>(items: T[], maxResults: number | undefined, token: string | undefined): { items: T[]; next?: string } {
  const size = Math.min(maxResults ?? 100, 100);
  const start = token ? Number(Buffer.from(token, 'base64').toString('utf8')) : 0;
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { next: Buffer.from(String(end)).toString('base64') } : {}) };
}

function notFound(what: string): EntityNotFoundException {
  return new EntityNotFoundException({ message: `${what} not found.`, $metadata: { httpStatusCode: 400 } });
}

export function mockGlue(spec: GlueCatalogSpec) {
  const mock = mockClient(GlueClient);
  const calls = { GetDatabases: 0, GetTables: 0, GetTable: 0 };
  const requests: { command: string; input: unknown }[] = [];
  const built = new Map<string, Table[]>();
  const tablesOf = (db: string) => {
    let tables = built.get(db);
    if (!tables) built.set(db, (tables = Object.entries(spec[db]!.tables).map(([n, t]) => glueTable(db, n, t))));
    return tables;
  };
  mock.on(GetDatabasesCommand).callsFake((input: { MaxResults?: number; NextToken?: string; AttributesToGet?: string[] }) => {
    calls.GetDatabases++;
    requests.push({ command: 'GetDatabases', input });
    const all = Object.entries(spec).map(([n, d]) => database(n, d.description));
    const { items, next } = page(all, input.MaxResults, input.NextToken);
    const list = input.AttributesToGet?.length ? items.map((d) => ({ Name: d.Name })) : items;
    return { DatabaseList: list, ...(next ? { NextToken: next } : {}) };
  });
  mock.on(GetTablesCommand).callsFake((input: { DatabaseName: string; MaxResults?: number; NextToken?: string; AttributesToGet?: string[] }) => {
    calls.GetTables++;
    requests.push({ command: 'GetTables', input });
    if (!spec[input.DatabaseName]) throw notFound(`Database ${input.DatabaseName}`);
    const { items, next } = page(tablesOf(input.DatabaseName), input.MaxResults, input.NextToken);
    const attributes = input.AttributesToGet;
    const list = attributes?.length ? items.map((t) => ({ Name: t.Name, ...(attributes.includes('TABLE_TYPE') ? { TableType: t.TableType } : {}) })) : items;
    return { TableList: list, ...(next ? { NextToken: next } : {}) };
  });
  mock.on(GetTableCommand).callsFake((input: { DatabaseName: string; Name: string }) => {
    calls.GetTable++;
    requests.push({ command: 'GetTable', input });
    const db = spec[input.DatabaseName];
    if (!db) throw notFound(`Database ${input.DatabaseName}`);
    const t = db.tables[input.Name];
    if (!t) throw notFound(`Table ${input.Name}`);
    return { Table: glueTable(input.DatabaseName, input.Name, t) };
  });
  return {
    client: new GlueClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    mock,
    calls,
    requests,
    get total() {
      return calls.GetDatabases + calls.GetTables + calls.GetTable;
    },
    reset() {
      calls.GetDatabases = calls.GetTables = calls.GetTable = 0;
      requests.length = 0;
    },
  };
}

/** The catalog the JDBC replays browse: several databases, a view, partitions, comments, every Hive type. */
export const SAMPLE_CATALOG: GlueCatalogSpec = {
  sales: {
    description: 'Sales data',
    tables: {
      orders: {
        description: 'One row per order',
        columns: [
          ['order_id', 'bigint', 'Primary key'],
          ['customer_id', 'int'],
          ['total', 'decimal(12,2)'],
          ['ordered_at', 'timestamp'],
          ['status', 'string'],
          ['tags', 'array<string>'],
          ['shipping', 'struct<city:string,zip:varchar(10)>'],
          ['attributes', 'map<string,bigint>'],
        ],
        partitionKeys: [['dt', 'string']],
      },
      customers: {
        columns: [
          ['id', 'int'],
          ['name', 'varchar(100)'],
          ['country', 'char(2)'],
          ['born', 'date'],
          ['vip', 'boolean'],
          ['score', 'double'],
          ['ratio', 'float'],
          ['photo', 'binary'],
          ['age', 'tinyint'],
          ['visits', 'smallint'],
        ],
      },
      big_orders: { view: true, columns: [['order_id', 'bigint'], ['total', 'decimal(12,2)']] },
    },
  },
  hr: {
    tables: {
      employees: { columns: [['id', 'bigint'], ['name', 'string', 'Full name']] },
      salaries: { columns: [['employee_id', 'bigint'], ['salary', 'decimal(10,2)']] },
    },
  },
  marketing: {
    tables: {
      ad_spend: { columns: [['day', 'date'], ['amount', 'double']] },
      adxspend: { columns: [['x', 'int']] },
    },
  },
  empty: { tables: {} },
};
