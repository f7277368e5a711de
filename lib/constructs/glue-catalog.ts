import { Aws } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';

export type GlueFormat = 'parquet' | 'orc' | 'csv' | 'json';

export interface GlueColumnSpec {
  readonly name: string;
  /** A Hive/Athena DDL type: bigint, string, decimal(12,2), array<string>, ... */
  readonly type: string;
  readonly comment?: string;
}

export interface GlueTableSpec {
  readonly name: string;
  /** s3://bucket/prefix/ of the data. */
  readonly location: string;
  readonly format: GlueFormat;
  readonly columns: readonly GlueColumnSpec[];
  /** @default not partitioned */
  readonly partitionKeys?: readonly GlueColumnSpec[];
  /** Athena partition projection. @default none: partitions must be added to the catalog */
  readonly projection?: PartitionProjectionSpec;
  readonly description?: string;
}

/** How Athena computes one partition column's values (the config's `projection.columns`). */
export type ProjectedColumnSpec =
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'integer'; readonly range: readonly [number, number]; readonly interval?: number; readonly digits?: number }
  | { readonly type: 'date'; readonly range: readonly [string, string]; readonly format: string; readonly interval?: number; readonly unit?: string }
  | { readonly type: 'injected' };

export interface PartitionProjectionSpec {
  /** One rule per partition key. */
  readonly columns: Readonly<Record<string, ProjectedColumnSpec>>;
  /** s3:// location with ${column} placeholders. @default Hive style under the table's location */
  readonly locationTemplate?: string;
}

/** The table parameters that turn on Athena's partition projection. */
export function projectionParameters(projection: PartitionProjectionSpec): Record<string, string> {
  const parameters: Record<string, string> = { 'projection.enabled': 'true' };
  for (const [column, rule] of Object.entries(projection.columns)) {
    const key = (name: string) => `projection.${column}.${name}`;
    parameters[key('type')] = rule.type;
    if (rule.type === 'enum') parameters[key('values')] = rule.values.join(',');
    if (rule.type === 'integer' || rule.type === 'date') parameters[key('range')] = rule.range.join(',');
    if (rule.type === 'integer' && rule.digits !== undefined) parameters[key('digits')] = String(rule.digits);
    if (rule.type === 'date') parameters[key('format')] = rule.format;
    if (rule.type === 'date' && rule.unit !== undefined) parameters[key('interval.unit')] = rule.unit;
    if ((rule.type === 'integer' || rule.type === 'date') && rule.interval !== undefined) parameters[key('interval')] = String(rule.interval);
  }
  if (projection.locationTemplate) parameters['storage.location.template'] = projection.locationTemplate;
  return parameters;
}

export interface GlueDatabaseSpec {
  readonly name: string;
  readonly description?: string;
  readonly tables: readonly GlueTableSpec[];
}

export interface GlueCatalogProps {
  readonly databases: readonly GlueDatabaseSpec[];
}

interface StorageFormat {
  readonly inputFormat: string;
  readonly outputFormat: string;
  readonly serializationLibrary: string;
  readonly serdeParameters?: Record<string, string>;
}

const TEXT_INPUT = 'org.apache.hadoop.mapred.TextInputFormat';
const TEXT_OUTPUT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';

/** How Athena reads each format: the Hive input/output formats and SerDe. */
export const STORAGE_FORMATS: Readonly<Record<GlueFormat, StorageFormat>> = {
  parquet: {
    inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  },
  orc: {
    inputFormat: 'org.apache.hadoop.hive.ql.io.orc.OrcInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat',
    serializationLibrary: 'org.apache.hadoop.hive.ql.io.orc.OrcSerde',
  },
  // OpenCSVSerde understands quoted fields (RFC 4180 CSV); LazySimpleSerDe would split on commas inside quotes.
  csv: {
    inputFormat: TEXT_INPUT,
    outputFormat: TEXT_OUTPUT,
    serializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
    serdeParameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\' },
  },
  json: {
    inputFormat: TEXT_INPUT,
    outputFormat: TEXT_OUTPUT,
    serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
  },
};

/**
 * Glue databases and external tables declared in the config, in the account's default catalog,
 * with partition projection where configured.
 */
export class GlueCatalog extends Construct {
  readonly databases: Record<string, glue.CfnDatabase> = {};
  readonly tables: Record<string, glue.CfnTable> = {};

  constructor(scope: Construct, id: string, props: GlueCatalogProps) {
    super(scope, id);
    for (const db of props.databases) {
      const database = new glue.CfnDatabase(this, `Database-${db.name}`, {
        catalogId: Aws.ACCOUNT_ID,
        databaseInput: { name: db.name, description: db.description },
      });
      this.databases[db.name] = database;
      for (const t of db.tables) {
        const format = STORAGE_FORMATS[t.format];
        const table = new glue.CfnTable(this, `Table-${db.name}-${t.name}`, {
          catalogId: Aws.ACCOUNT_ID,
          databaseName: db.name,
          tableInput: {
            name: t.name,
            description: t.description,
            tableType: 'EXTERNAL_TABLE',
            parameters: { EXTERNAL: 'TRUE', classification: t.format, ...(t.projection ? projectionParameters(t.projection) : {}) },
            partitionKeys: (t.partitionKeys ?? []).map((c) => ({ name: c.name, type: c.type, comment: c.comment })),
            storageDescriptor: {
              location: t.location,
              inputFormat: format.inputFormat,
              outputFormat: format.outputFormat,
              serdeInfo: { serializationLibrary: format.serializationLibrary, parameters: format.serdeParameters },
              columns: t.columns.map((c) => ({ name: c.name, type: c.type, comment: c.comment })),
            },
          },
        });
        table.addResourceDependency(database);
        this.tables[`${db.name}.${t.name}`] = table;
      }
    }
  }
}
