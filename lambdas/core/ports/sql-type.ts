/** A Presto/Trino type as a tree (protocol/sql-types.ts parses and prints it). */

export type SqlType =
  | { kind: 'simple'; name: string; params: number[] }
  | { kind: 'array'; element: SqlType }
  | { kind: 'map'; key: SqlType; value: SqlType }
  | { kind: 'row'; fields: { name?: string; type: SqlType }[] };
