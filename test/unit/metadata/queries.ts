/**
 * The DatabaseMetaData SQL of the Trino and Presto JDBC drivers, built exactly as the drivers
 * build it (TrinoDatabaseMetaData, PrestoDatabaseMetaData): the same text, line breaks, filter
 * helpers (`= 'v'`, `LIKE 'p' ESCAPE '\'`, `IS NULL` for an empty string, `IN (...)`, `false`
 * for an empty type list) and ORDER BY clauses.
 */
const ESCAPE = '\\';

function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function like(column: string, pattern: string, escape = true): string {
  return `${column} LIKE ${quote(pattern)}${escape ? ` ESCAPE ${quote(ESCAPE)}` : ''}`;
}

function emptyStringEquals(filters: string[], column: string, value: string | null): void {
  if (value === null) return;
  filters.push(value === '' ? `${column} IS NULL` : `${column} = ${quote(value)}`);
}

function emptyStringLike(filters: string[], column: string, value: string | null): void {
  if (value === null) return;
  filters.push(value === '' ? `${column} IS NULL` : like(column, value));
}

function optionalLike(filters: string[], column: string, value: string | null): void {
  if (value !== null) filters.push(like(column, value));
}

function optionalIn(filters: string[], column: string, values: string[] | null): void {
  if (values === null) return;
  if (values.length === 0) filters.push('false');
  else filters.push(`${column} IN (${values.map(quote).join(', ')})`);
}

function where(filters: string[]): string {
  return filters.length ? '\nWHERE ' + filters.join(' AND ') : '';
}

export const trino = {
  getCatalogs: () => 'SELECT TABLE_CAT\nFROM system.jdbc.catalogs\nORDER BY TABLE_CAT',
  getSchemasAll: () => 'SELECT TABLE_SCHEM, TABLE_CATALOG\nFROM system.jdbc.schemas\nORDER BY TABLE_CATALOG, TABLE_SCHEM',
  getSchemas(catalog: string | null, schemaPattern: string | null): string {
    const filters: string[] = [];
    emptyStringEquals(filters, 'TABLE_CATALOG', catalog);
    optionalLike(filters, 'TABLE_SCHEM', schemaPattern);
    return 'SELECT TABLE_SCHEM, TABLE_CATALOG\nFROM system.jdbc.schemas' + where(filters) + '\nORDER BY TABLE_CATALOG, TABLE_SCHEM';
  },
  getTables(catalog: string | null, schemaPattern: string | null, tablePattern: string | null, types: string[] | null): string {
    const filters: string[] = [];
    emptyStringEquals(filters, 'TABLE_CAT', catalog);
    emptyStringLike(filters, 'TABLE_SCHEM', schemaPattern);
    optionalLike(filters, 'TABLE_NAME', tablePattern);
    optionalIn(filters, 'TABLE_TYPE', types);
    return (
      'SELECT TABLE_CAT, TABLE_SCHEM, TABLE_NAME, TABLE_TYPE, REMARKS,\n  TYPE_CAT, TYPE_SCHEM, TYPE_NAME,   SELF_REFERENCING_COL_NAME, REF_GENERATION\nFROM system.jdbc.tables' +
      where(filters) +
      '\nORDER BY TABLE_TYPE, TABLE_CAT, TABLE_SCHEM, TABLE_NAME'
    );
  },
  getTableTypes: () => 'SELECT TABLE_TYPE\nFROM system.jdbc.table_types\nORDER BY TABLE_TYPE',
  getColumns(catalog: string | null, schemaPattern: string | null, tablePattern: string | null, columnPattern: string | null, from = 'FROM system.jdbc.columns'): string {
    const filters: string[] = [];
    emptyStringEquals(filters, 'TABLE_CAT', catalog);
    emptyStringLike(filters, 'TABLE_SCHEM', schemaPattern);
    optionalLike(filters, 'TABLE_NAME', tablePattern);
    optionalLike(filters, 'COLUMN_NAME', columnPattern);
    return (
      'SELECT TABLE_CAT, TABLE_SCHEM, TABLE_NAME, COLUMN_NAME, DATA_TYPE,\n  TYPE_NAME, COLUMN_SIZE, BUFFER_LENGTH, DECIMAL_DIGITS, NUM_PREC_RADIX,\n  NULLABLE, REMARKS, COLUMN_DEF, SQL_DATA_TYPE, SQL_DATETIME_SUB,\n  CHAR_OCTET_LENGTH, ORDINAL_POSITION, IS_NULLABLE,\n  SCOPE_CATALOG, SCOPE_SCHEMA, SCOPE_TABLE,\n  SOURCE_DATA_TYPE, IS_AUTOINCREMENT, IS_GENERATEDCOLUMN\n' +
      from +
      where(filters) +
      '\nORDER BY TABLE_CAT, TABLE_SCHEM, TABLE_NAME, ORDINAL_POSITION'
    );
  },
  getTypeInfo: () =>
    'SELECT TYPE_NAME, DATA_TYPE, PRECISION, LITERAL_PREFIX, LITERAL_SUFFIX,\nCREATE_PARAMS, NULLABLE, CASE_SENSITIVE, SEARCHABLE, UNSIGNED_ATTRIBUTE,\nFIXED_PREC_SCALE, AUTO_INCREMENT, LOCAL_TYPE_NAME, MINIMUM_SCALE, MAXIMUM_SCALE,\nSQL_DATA_TYPE, SQL_DATETIME_SUB, NUM_PREC_RADIX\nFROM system.jdbc.types\nORDER BY DATA_TYPE',
  getPrimaryKeys: () =>
    'SELECT ' +
    ' CAST(NULL AS varchar) TABLE_CAT, ' +
    ' CAST(NULL AS varchar) TABLE_SCHEM, ' +
    ' CAST(NULL AS varchar) TABLE_NAME, ' +
    ' CAST(NULL AS varchar) COLUMN_NAME, ' +
    ' CAST(NULL AS smallint) KEY_SEQ, ' +
    ' CAST(NULL AS varchar) PK_NAME ' +
    'WHERE false',
  getImportedKeys: () =>
    'SELECT ' +
    ' CAST(NULL AS varchar) PKTABLE_CAT, ' +
    ' CAST(NULL AS varchar) PKTABLE_SCHEM, ' +
    ' CAST(NULL AS varchar) PKTABLE_NAME, ' +
    ' CAST(NULL AS varchar) PKCOLUMN_NAME, ' +
    ' CAST(NULL AS varchar) FKTABLE_CAT, ' +
    ' CAST(NULL AS varchar) FKTABLE_SCHEM, ' +
    ' CAST(NULL AS varchar) FKTABLE_NAME, ' +
    ' CAST(NULL AS varchar) FKCOLUMN_NAME, ' +
    ' CAST(NULL AS smallint) KEY_SEQ, ' +
    ' CAST(NULL AS smallint) UPDATE_RULE, ' +
    ' CAST(NULL AS smallint) DELETE_RULE, ' +
    ' CAST(NULL AS varchar) FK_NAME, ' +
    ' CAST(NULL AS varchar) PK_NAME, ' +
    ' CAST(NULL AS smallint) DEFERRABILITY ' +
    'WHERE false',
  getProcedures: () =>
    'SELECT PROCEDURE_CAT, PROCEDURE_SCHEM, PROCEDURE_NAME,\n ' + '  null, null, null, REMARKS, PROCEDURE_TYPE, SPECIFIC_NAME\n' + 'FROM system.jdbc.procedures\n' + 'ORDER BY PROCEDURE_CAT, PROCEDURE_SCHEM, PROCEDURE_NAME, SPECIFIC_NAME' + ' LIMIT 0',
  getProcedureColumns: () =>
    'SELECT PROCEDURE_CAT, PROCEDURE_SCHEM, PROCEDURE_NAME, ' +
    '  COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, TYPE_NAME,\n' +
    '  PRECISION, LENGTH, SCALE, RADIX,\n' +
    '  NULLABLE, REMARKS, COLUMN_DEF, SQL_DATA_TYPE, SQL_DATETIME_SUB,\n' +
    '  CHAR_OCTET_LENGTH, ORDINAL_POSITION, IS_NULLABLE, SPECIFIC_NAME\n' +
    'FROM system.jdbc.procedure_columns\n' +
    'ORDER BY PROCEDURE_CAT, PROCEDURE_SCHEM, PROCEDURE_NAME, SPECIFIC_NAME, COLUMN_NAME' +
    ' LIMIT 0',
  getUDTs: () => 'SELECT TYPE_CAT, TYPE_SCHEM, TYPE_NAME,\n' + '  CLASS_NAME, DATA_TYPE, REMARKS, BASE_TYPE\n' + 'FROM system.jdbc.udts\n' + 'ORDER BY DATA_TYPE, TYPE_CAT, TYPE_SCHEM, TYPE_NAME' + ' LIMIT 0',
  getSuperTypes: () => 'SELECT TYPE_CAT, TYPE_SCHEM, TYPE_NAME,\n' + '  SUPERTYPE_CAT, SUPERTYPE_SCHEM, SUPERTYPE_NAME\n' + 'FROM system.jdbc.super_types\n' + 'ORDER BY TYPE_CAT, TYPE_SCHEM, TYPE_NAME' + ' LIMIT 0',
  getSuperTables: () => 'SELECT TABLE_CAT, TABLE_SCHEM, TABLE_NAME, SUPERTABLE_NAME\n' + 'FROM system.jdbc.super_tables\n' + 'ORDER BY TABLE_CAT, TABLE_SCHEM, TABLE_NAME' + ' LIMIT 0',
  getAttributes: () =>
    'SELECT TYPE_CAT, TYPE_SCHEM, TYPE_NAME, ATTR_NAME, DATA_TYPE,\n' +
    '  ATTR_TYPE_NAME, ATTR_SIZE, DECIMAL_DIGITS, NUM_PREC_RADIX, NULLABLE,\n' +
    '  REMARKS, ATTR_DEF, SQL_DATA_TYPE, SQL_DATETIME_SUB, CHAR_OCTET_LENGTH,\n' +
    '  ORDINAL_POSITION, IS_NULLABLE, SCOPE_CATALOG, SCOPE_SCHEMA, SCOPE_TABLE,\n' +
    'SOURCE_DATA_TYPE\n' +
    'FROM system.jdbc.attributes\n' +
    'ORDER BY TYPE_CAT, TYPE_SCHEM, TYPE_NAME, ORDINAL_POSITION' +
    ' LIMIT 0',
  getPseudoColumns: () =>
    'SELECT TABLE_CAT, TABLE_SCHEM, TABLE_NAME, COLUMN_NAME, DATA_TYPE,\n' +
    '  COLUMN_SIZE, DECIMAL_DIGITS, NUM_PREC_RADIX, COLUMN_USAGE, REMARKS,\n' +
    '  CHAR_OCTET_LENGTH, IS_NULLABLE\n' +
    'FROM system.jdbc.pseudo_columns\n' +
    'ORDER BY TABLE_CAT, table_SCHEM, TABLE_NAME, COLUMN_NAME' +
    ' LIMIT 0',
};

/** With assumeLiteralUnderscoreInMetadataCallsForNonConformingClients: `_`, `%` and `\` escaped. */
export function escapeIfNecessary(pattern: string): string {
  return pattern.replace(/[_%\\]/g, '\\$&');
}

/** prestodb's current driver: as Trino's, except getColumns' `FROM system.jdbc.columns\n` before the filters. */
export const presto = {
  ...trino,
  getColumns: (catalog: string | null, schemaPattern: string | null, tablePattern: string | null, columnPattern: string | null) => trino.getColumns(catalog, schemaPattern, tablePattern, columnPattern, 'FROM system.jdbc.columns\n'),
};

/** Old presto-jdbc (before system.jdbc): information_schema queries, LIKE without ESCAPE. */
export const legacyPresto = {
  getCatalogs: () => 'SELECT DISTINCT catalog_name AS TABLE_CAT FROM information_schema.schemata ORDER BY TABLE_CAT',
  getSchemas: () => 'SELECT schema_name AS TABLE_SCHEM, catalog_name TABLE_CATALOG FROM information_schema.schemata ORDER BY TABLE_CATALOG, TABLE_SCHEM',
  getTableTypes: () => 'SELECT DISTINCT table_type AS TABLE_TYPE FROM information_schema.tables ORDER BY TABLE_TYPE',
  getTables(catalog: string | null, schemaPattern: string | null, tablePattern: string | null, types: string[] | null): string {
    let query = 'SELECT';
    query += ' table_catalog AS TABLE_CAT';
    query += ', table_schema AS TABLE_SCHEM';
    query += ', table_name AS TABLE_NAME';
    query += ', table_type AS TABLE_TYPE';
    query += ", '' AS REMARKS";
    query += ", '' AS TYPE_CAT";
    query += ", '' AS TYPE_SCHEM";
    query += ", '' AS TYPE_NAME";
    query += ", '' AS SELF_REFERENCING_COL_NAME";
    query += ", '' AS REF_GENERATION";
    query += ' FROM information_schema.tables ';
    const filters: string[] = [];
    if (catalog !== null) filters.push(catalog === '' ? 'table_catalog IS NULL' : `table_catalog = ${quote(catalog)}`);
    if (schemaPattern !== null) filters.push(schemaPattern === '' ? 'table_schema IS NULL' : like('table_schema', schemaPattern, false));
    if (tablePattern !== null) filters.push(like('table_name', tablePattern, false));
    if (types !== null && types.length > 0) filters.push('table_type in (' + types.map(quote).join(' ,') + ')');
    if (filters.length) query += ' WHERE ' + filters.join(' AND ');
    return query + ' ORDER BY TABLE_TYPE, TABLE_CAT, TABLE_SCHEM, TABLE_NAME';
  },
  getColumns(catalog: string | null, schemaPattern: string | null, tablePattern: string | null, columnPattern: string | null): string {
    let query =
      'SELECT ' +
      '  table_catalog TABLE_CAT ' +
      ', table_schema TABLE_SCHEM ' +
      ', table_name TABLE_NAME ' +
      ', column_name COLUMN_NAME ' +
      ', CASE data_type ' +
      "    WHEN 'bigint' THEN -5 " +
      "    WHEN 'double' THEN 8 " +
      "    WHEN 'varchar' THEN -16 " +
      "    WHEN 'boolean' THEN 16 " +
      '    ELSE 1111 ' +
      '  END DATA_TYPE ' +
      ', data_type TYPE_NAME ' +
      ', 0 COLUMN_SIZE ' +
      ', 0 BUFFER_LENGTH ' +
      ', CASE data_type ' +
      "    WHEN 'bigint' THEN 0 " +
      '  END DECIMAL_DIGITS ' +
      ', CASE data_type ' +
      "    WHEN 'bigint' THEN 10 " +
      "    WHEN 'double' THEN 10 " +
      '    ELSE 0 ' +
      '  END AS NUM_PREC_RADIX ' +
      ', CASE is_nullable ' +
      "    WHEN 'NO' THEN 0 " +
      "    WHEN 'YES' THEN 1" +
      '1 ' +
      '    ELSE 2' +
      '2 ' +
      '  END NULLABLE ' +
      ', CAST(NULL AS varchar) REMARKS ' +
      ', column_default AS COLUMN_DEF ' +
      ', CAST(NULL AS bigint) AS SQL_DATA_TYPE ' +
      ', CAST(NULL AS bigint) AS SQL_DATETIME_SUB ' +
      ', 0 AS CHAR_OCTET_LENGTH ' +
      ', ordinal_position ORDINAL_POSITION ' +
      ', is_nullable IS_NULLABLE ' +
      ', CAST(NULL AS varchar) SCOPE_CATALOG ' +
      ', CAST(NULL AS varchar) SCOPE_SCHEMA ' +
      ', CAST(NULL AS varchar) SCOPE_TABLE ' +
      ', CAST(NULL AS bigint) SOURCE_DATA_TYPE ' +
      ", '' IS_AUTOINCREMENT " +
      ", '' IS_GENERATEDCOLUMN " +
      'FROM information_schema.columns ';
    const filters: string[] = [];
    if (catalog !== null) filters.push(catalog === '' ? 'table_catalog IS NULL' : `table_catalog = ${quote(catalog)}`);
    if (schemaPattern !== null) filters.push(schemaPattern === '' ? 'table_schema IS NULL' : like('table_schema', schemaPattern, false));
    if (tablePattern !== null) filters.push(like('table_name', tablePattern, false));
    if (columnPattern !== null) filters.push(like('column_name', columnPattern, false));
    if (filters.length) query += ' WHERE ' + filters.join(' AND ');
    return query + ' ORDER BY table_cat, table_schem, table_name, ordinal_position';
  },
};
