import { parseCatalogType } from '../../../core/engines/athena/types.js';
import type { MetadataColumn, SqlType } from '../../../core/ports/index.js';

/** A column as Glue and Athena's metadata APIs describe it. */
export interface CatalogColumnShape {
  Name?: string | undefined;
  Type?: string | undefined;
  Comment?: string | undefined;
}

const VARCHAR: SqlType = { kind: 'simple', name: 'varchar', params: [] };

/**
 * The Presto type of a catalog column (Hive notation such as `array<struct<a:int>>`, or Trino
 * notation in Athena views), as Athena shows it. A type Trino has no name for (uniontype, a
 * future type) is shown as varchar, as the Athena engine returns such values as text.
 */
export function prestoType(text: string | undefined): SqlType {
  if (!text) return VARCHAR;
  try {
    return parseCatalogType(text);
  } catch {
    return VARCHAR;
  }
}

/** Data columns, then partition keys (marked), numbered from 1. */
export function catalogColumns(columns: readonly CatalogColumnShape[] | undefined, partitionKeys: readonly CatalogColumnShape[] | undefined): MetadataColumn[] {
  const out: MetadataColumn[] = [];
  const seen = new Set<string>();
  const add = (c: CatalogColumnShape, partitionKey: boolean) => {
    if (!c.Name || seen.has(c.Name)) return;
    seen.add(c.Name);
    out.push({ name: c.Name, type: prestoType(c.Type), comment: c.Comment ?? null, ordinal: out.length + 1, ...(partitionKey ? { partitionKey: true } : {}) });
  };
  for (const c of columns ?? []) add(c, false);
  for (const c of partitionKeys ?? []) add(c, true);
  return out;
}

/** Glue's and Athena's table types: VIRTUAL_VIEW is a view, anything else a table. */
export function tableType(type: string | undefined): 'TABLE' | 'VIEW' {
  return type?.toUpperCase() === 'VIRTUAL_VIEW' ? 'VIEW' : 'TABLE';
}
