import type { ClientSession } from './session.js';

/** SQL analysis: the tables, schemas, catalogs and routines a statement touches, before any engine sees it. */

/** A table a statement touches, fully qualified and lower-cased. */
export interface TableAccess {
  name: string;
  parts: string[];
  access: 'read' | 'write';
  /** Columns the statement may read from the table: a superset, never a subset. */
  columns?: string[];
  /** The statement may read every column (`*`, `TABLE t`, NATURAL JOIN...): `columns` is not the whole story. */
  allColumns?: boolean;
  /** What the statement does to the table (select, insert, update, delete, createTable, showColumns...). */
  operations?: TableOperation[];
  /** Columns written: the INSERT column list, UPDATE and MERGE SET targets. */
  writtenColumns?: string[];
  /** The new name of a table or view that is renamed (on the entry of the old name). */
  renamedTo?: string;
  /** The old name of a table or view that is renamed (on the entry of the new name). */
  renamedFrom?: string;
  /** Trino's branch syntax `t @ branch`. */
  branch?: string;
}

export type TableOperation =
  | 'select'
  | 'insert'
  | 'update'
  | 'delete'
  | 'truncate'
  | 'analyze'
  | 'createTable'
  | 'createView'
  | 'createMaterializedView'
  | 'dropTable'
  | 'dropView'
  | 'dropMaterializedView'
  | 'renameTable'
  | 'renameView'
  | 'renameMaterializedView'
  | 'addColumn'
  | 'dropColumn'
  | 'renameColumn'
  | 'alterColumn'
  | 'setTableProperties'
  | 'setMaterializedViewProperties'
  | 'setAuthorization'
  | 'commentTable'
  | 'commentView'
  | 'commentColumn'
  | 'refreshMaterializedView'
  | 'executeTableProcedure'
  | 'grant'
  | 'revoke'
  | 'deny'
  | 'showColumns'
  | 'showCreateTable'
  | 'showStats'
  | 'showGrants'
  | 'showBranches'
  | 'createBranch'
  | 'dropBranch'
  | 'alterBranch'
  | 'referenceColumns';

/** A schema a statement names (SHOW TABLES FROM s, USE s, CREATE SCHEMA s...), qualified with the session catalog. */
export interface SchemaAccess {
  name: string;
  parts: string[];
  operation: 'use' | 'showTables' | 'showFunctions' | 'showCreateSchema' | 'showGrants' | 'createSchema' | 'dropSchema' | 'renameSchema' | 'setAuthorization' | 'grant' | 'revoke' | 'deny';
  renamedTo?: string;
}

/** A catalog a statement names (SHOW SCHEMAS FROM c, CREATE CATALOG c...). */
export interface CatalogAccess {
  name: string;
  operation: 'showSchemas' | 'createCatalog' | 'dropCatalog' | 'roles';
}

/** A table function, procedure or catalog function the statement calls. */
export interface RoutineUse {
  name: string;
  parts: string[];
  kind: 'table function' | 'procedure' | 'function' | 'table procedure';
}

export interface Analysis {
  ok: boolean;
  kind: string;
  tables: TableAccess[];
  error?: string;
  /** The statement's form in Trino's grammar (query, insertInto, createView, execute...). */
  statement?: string;
  schemas?: SchemaAccess[];
  catalogs?: CatalogAccess[];
  /** Table functions, procedures and catalog (non built-in) functions the statement calls. */
  routines?: RoutineUse[];
  /** Tables that table functions read through string arguments (system.table_changes); not in `tables`. */
  indirectTables?: TableAccess[];
  /** What the analysis could not see, e.g. EXECUTE of a prepared statement the session does not hold. Access control denies these. */
  unresolved?: string[];
  /** SET SESSION AUTHORIZATION: the user the session asks to become. */
  impersonate?: string;
  /**
   * Why `ok` is false, when the reason is one the client should see as such: a statement that does
   * not parse answers SYNTAX_ERROR with its position (as Trino does, revealing nothing), one too
   * large or too deeply nested answers a plain USER_ERROR. Absent for every other failure, which
   * access rules turn into PERMISSION_DENIED.
   */
  problem?: AnalysisProblem;
}

export interface AnalysisProblem {
  kind: 'syntax' | 'too-complex';
  message: string;
  /** 1-based, where the parser stopped (syntax errors). */
  line?: number;
  column?: number;
}

export interface Analyzer {
  analyze(sql: string, session: Pick<ClientSession, 'catalog' | 'schema' | 'preparedStatements'>): Analysis;
}
