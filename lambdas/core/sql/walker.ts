/**
 * A walk over dt-sql-parser's full Trino parse tree that finds every table a statement reads or
 * writes, the columns it may read from each, and the schemas, catalogs and routines it names.
 *
 * Fail closed by construction: every context class of the grammar the walk can meet is listed
 * below, as walked child by child (GENERIC), handled by a method of its own, or known to hold no
 * expression, relation or name that matters (LEAF_RULES); any other class, such as one a later
 * grammar adds, makes the analysis fail instead of being skipped. test/unit/sql/grammar.test.ts
 * checks these lists against the grammar. Table names are only ever found in the grammar's table
 * rules (tableRef, tableNameCreate, viewRef, viewNameCreate, tableOrViewName). A name is dropped
 * from the tables only when it is a single-part reference to a WITH query in scope, exactly as
 * Trino resolves it (a non-recursive WITH query is not in scope inside its own body, an earlier
 * one is; a recursive one only in the step of its recursion).
 *
 * Columns are an over-approximation: an unqualified column that could come from several
 * relations (of this query or, through correlation, of enclosing ones) is counted for each.
 */
import { ParserRuleContext, type ParseTree } from 'antlr4ng';
import * as P from 'dt-sql-parser/dist/lib/trino/TrinoSqlParser.js';
import type { AnalysisProblem, CatalogAccess, RoutineUse, SchemaAccess, TableAccess, TableOperation } from '../ports/index.js';
import { checkBudget } from './limits.js';
import { AnalysisError, basicString, identifierPart, qualifySchema, qualifyTable, syntaxError, unicodeString, type SessionNames } from './names.js';

export interface TableEntry {
  name: string;
  parts: string[];
  access: 'read' | 'write';
  columns: Set<string>;
  allColumns: boolean;
  operations: Set<TableOperation>;
  written: Set<string>;
  renamedTo?: string;
  renamedFrom?: string;
  branch?: string;
  /** The name as written, before qualification (branches are keyed by it). */
  writtenAs: string;
}

/** A relation of a FROM clause, for resolving column references. */
interface Source {
  /** Qualifiers that designate it: its alias, or the suffixes of its table name. */
  names: string[][];
  /** The table it reads, when it is a table. */
  entry?: TableEntry;
  /** Relations inside it whose columns it exposes (a bracketed join, MATCH_RECOGNIZE). */
  members?: Source[];
  /** Column aliases, `AS x(a, b)`: each new name and the column of `entry` or `members` it stands for. */
  renamed?: Map<string, string[]>;
  /** Its columns in order, when known (after its column aliases). */
  output?: string[];
}

interface Scope {
  sources: Source[];
  parent: Scope | null;
}

interface WithScope {
  names: Set<string>;
  parent: WithScope | null;
}

interface LambdaVariable {
  name: string;
  /** The query level it was declared at: inside a subquery of its body, the name may be a column. */
  scope: Scope | null;
}

export interface NestedAnalysis {
  ok: boolean;
  error?: string;
  problem?: AnalysisProblem;
  tables: TableAccess[];
  schemas?: SchemaAccess[];
  catalogs?: CatalogAccess[];
  routines?: RoutineUse[];
  indirectTables?: TableAccess[];
  unresolved?: string[];
  kind: string;
}

export interface WalkerHost {
  session: SessionNames & {
    preparedStatements?: Record<string, string> | undefined;
    /** A table's columns in order, when the gateway knows them. */
    columnsOf?(parts: string[]): string[] | undefined;
  };
  /** Analyzes SQL found inside the statement (EXECUTE, EXECUTE IMMEDIATE, DESCRIBE OUTPUT). */
  nested(sql: string): NestedAnalysis;
  branches: Map<string, string>;
}

/** Table functions built into Trino; every other one is a connector's and may read anything. */
const BUILTIN_TABLE_FUNCTIONS = new Set(['sequence', 'exclude_columns']);

/**
 * Trino's higher-order functions: for each, the number of arguments and the positions that take a
 * lambda. Only there are the lambda's parameters variables rather than columns. Left out on
 * purpose, because DuckDB (the local engine) has a function of the same name whose argument at
 * that position is a value, where `c -> '$.x'` is its JSON operator on column c: regexp_replace
 * (replacement string), array_sort (sort order), reduce with three arguments (initial value).
 */
const HIGHER_ORDER = new Map<string, { arity: number; lambdas: number[] }[]>([
  ['transform', [{ arity: 2, lambdas: [1] }]],
  ['filter', [{ arity: 2, lambdas: [1] }]],
  ['any_match', [{ arity: 2, lambdas: [1] }]],
  ['all_match', [{ arity: 2, lambdas: [1] }]],
  ['none_match', [{ arity: 2, lambdas: [1] }]],
  [
    'find_first',
    [
      { arity: 2, lambdas: [1] },
      { arity: 3, lambdas: [2] },
    ],
  ],
  ['zip_with', [{ arity: 3, lambdas: [2] }]],
  ['map_filter', [{ arity: 2, lambdas: [1] }]],
  ['map_zip_with', [{ arity: 3, lambdas: [2] }]],
  ['transform_keys', [{ arity: 2, lambdas: [1] }]],
  ['transform_values', [{ arity: 2, lambdas: [1] }]],
  ['reduce', [{ arity: 4, lambdas: [2, 3] }]],
  ['reduce_agg', [{ arity: 4, lambdas: [2, 3] }]],
]);

function isLambdaPosition(fn: string[], index: number, arity: number): boolean {
  const builtin = fn.length === 1 || (fn.length === 3 && fn[0] === 'system' && fn[1] === 'builtin');
  if (!builtin) return false;
  return (HIGHER_ORDER.get(fn[fn.length - 1]!) ?? []).some((s) => s.arity === arity && s.lambdas.includes(index));
}

/** Records the kind and name of the statement being walked: of the top one only, not of one inside EXPLAIN or PREPARE. */
type SetStatement = (kind: string, name: string) => void;

type Kind = 'generic' | 'query' | 'columnReference' | 'columnRef' | 'columnName' | 'dereference' | 'joinColumn' | 'grouping' | 'lambda' | 'functionCall' | 'chain' | 'windowFrame';

/** Contexts whose children are all walked as they are, in the scope of the enclosing clause. */
const GENERIC = [
  // boolean expressions and predicates
  P.ExpressionContext, P.PredicatedContext, P.ComparisonContext, P.QuantifiedComparisonContext, P.BetweenContext, P.InListContext, P.InSubqueryContext, P.LikeContext, P.NullPredicateContext, P.DistinctFromContext,
  // value and primary expressions
  P.ValueExpressionDefaultContext, P.NullLiteralContext, P.IntervalLiteralContext, P.TypeConstructorContext, P.NumericLiteralContext, P.BooleanLiteralContext, P.StringLiteralContext, P.BinaryLiteralContext, P.ParameterContext,
  P.PositionContext, P.RowConstructorContext, P.ListAggContext, P.CoalesceContext, P.MeasureContext, P.SubqueryExpressionContext, P.ExistsContext, P.SimpleCaseContext, P.SearchedCaseContext, P.CastContext,
  P.ArrayConstructorContext, P.SubscriptContext, P.CurrentDateContext, P.CurrentTimeContext, P.CurrentTimestampContext, P.LocalTimeContext, P.LocalTimestampContext, P.CurrentUserContext, P.CurrentCatalogContext,
  P.CurrentSchemaContext, P.CurrentPathContext, P.TrimContext, P.SubstringContext, P.NormalizeContext, P.ExtractContext, P.ParenthesizedExpressionContext,
  P.JsonExistsContext, P.JsonValueContext, P.JsonQueryContext, P.JsonObjectContext, P.JsonArrayContext,
  P.JsonPathInvocationContext, P.JsonValueExpressionContext, P.JsonArgumentContext, P.JsonObjectMemberContext, P.JsonValueBehaviorContext,
  P.WhenClauseContext, P.FilterContext,
  // windows, pattern recognition, grouping, ordering
  P.OverContext, P.WindowDefinitionContext, P.WindowSpecificationContext, P.FrameExtentContext, P.BoundedFrameContext, P.UnboundedFrameContext, P.CurrentRowBoundContext,
  P.MeasureDefinitionContext, P.VariableDefinitionContext, P.PartitionByContext, P.SortItemContext, P.WhereClauseContext, P.HavingClauseContext,
  P.GroupByContext, P.SingleGroupingSetContext, P.RollupContext, P.CubeContext, P.MultipleGroupingSetsContext, P.GroupingSetContext, P.GroupingTermContext,
  // json_table columns (names, types, paths and DEFAULT expressions)
  P.ValueColumnContext, P.QueryColumnContext, P.OrdinalityColumnContext, P.NestedColumnsContext,
  // clauses of relations and statements
  P.JoinCriteriaContext, P.JoinColumnEqualityContext, P.QueryPeriodContext, P.SelectLiteralColumnNameContext, P.SelectExpressionColumnNameContext,
  P.PropertiesContext, P.PropertyAssignmentsContext, P.PropertyContext, P.NonDefaultPropertyValueContext, P.DefaultPropertyValueContext, P.PositionalArgumentContext, P.NamedArgumentContext,
  // SQL routines: their names are parameters and variables, their subqueries are walked
  P.WithFunctionContext, P.FunctionSpecificationContext, P.ReturnStatementContext, P.AssignmentStatementContext, P.SimpleCaseStatementContext, P.SearchedCaseStatementContext, P.IfStatementContext,
  P.IterateStatementContext, P.LeaveStatementContext, P.CompoundStatementContext, P.LoopStatementContext, P.WhileStatementContext, P.RepeatStatementContext, P.CaseStatementWhenClauseContext,
  P.ElseIfClauseContext, P.ElseClauseContext, P.VariableDeclarationContext, P.SqlStatementListContext,
];

/** Left-deep chains (`a OR b OR ...`, `a + b + ...`) and unary chains (`NOT NOT ...`), walked without recursion. */
const CHAINS = [P.OrContext, P.AndContext, P.ArithmeticBinaryContext, P.ConcatenationContext, P.AtTimeZoneContext, P.LogicalNotContext, P.ArithmeticUnaryContext];
const LEFT_CHAINS = new Set<unknown>([P.OrContext, P.AndContext, P.ArithmeticBinaryContext, P.ConcatenationContext, P.AtTimeZoneContext]);

const KINDS = new Map<unknown, Kind>([
  ...GENERIC.map((c) => [c, 'generic'] as const),
  ...CHAINS.map((c) => [c, 'chain'] as const),
  [P.QueryStatementContext, 'query'],
  [P.ColumnReferenceContext, 'columnReference'],
  [P.ColumnRefContext, 'columnRef'],
  [P.ColumnNameContext, 'columnName'],
  [P.DereferenceContext, 'dereference'],
  [P.JoinColumnReferenceContext, 'joinColumn'],
  [P.GroupingOperationContext, 'grouping'],
  [P.LambdaContext, 'lambda'],
  [P.FunctionCallContext, 'functionCall'],
  [P.WindowFrameContext, 'windowFrame'],
]);

const R = P.TrinoSqlParser;

/**
 * Rules whose subtrees hold no expression, relation, column or table name: names, literals,
 * types, options, row patterns. The walk does not descend into them.
 */
export const LEAF_RULES = new Set([
  R.RULE_identifier, R.RULE_nonReserved, R.RULE_string, R.RULE_number, R.RULE_booleanValue, R.RULE_interval, R.RULE_intervalField, R.RULE_normalForm, R.RULE_type, R.RULE_typeParameter, R.RULE_rowField,
  R.RULE_comparisonOperator, R.RULE_comparisonQuantifier, R.RULE_setQuantifier, R.RULE_trimsSpecification, R.RULE_processingMode, R.RULE_nullTreatment, R.RULE_timeZoneSpecifier,
  R.RULE_jsonRepresentation, R.RULE_jsonQueryWrapperBehavior, R.RULE_jsonQueryBehavior, R.RULE_jsonExistsErrorBehavior, R.RULE_jsonTablePathName, R.RULE_jsonTableSpecificPlan, R.RULE_planPrimary, R.RULE_jsonTableDefaultPlan,
  R.RULE_rowCount, R.RULE_limitRowCount, R.RULE_sampleType, R.RULE_rowsPerMatch, R.RULE_emptyMatchHandling, R.RULE_skipTo, R.RULE_subsetDefinition, R.RULE_rowPattern, R.RULE_patternPrimary, R.RULE_patternQuantifier,
  R.RULE_rangeType, R.RULE_qualifiedName, R.RULE_columnAliases, R.RULE_descriptorArgument, R.RULE_descriptorField, R.RULE_coPartitionTables, R.RULE_listAggOverflowBehavior, R.RULE_listAggCountIndication, R.RULE_emptyColumn,
  R.RULE_routineCharacteristic, R.RULE_returnsClause, R.RULE_parameterDeclaration, R.RULE_functionDeclaration, R.RULE_functionNameCreate, R.RULE_functionName, R.RULE_functionSignature,
  R.RULE_columnNameCreate, R.RULE_columnListCreate, R.RULE_explainOption, R.RULE_transactionMode, R.RULE_levelOfIsolation, R.RULE_privilege, R.RULE_privilegeOrRole, R.RULE_principal, R.RULE_grantor, R.RULE_roles,
  R.RULE_entityKind, R.RULE_pathElement, R.RULE_pathSpecification, R.RULE_authorizationUser, R.RULE_joinType,
]);

/** Statements of the grammar the walk handles, each in one of the methods `statement()` tries in turn. */
const STATEMENTS = [
  P.StatementDefaultContext, P.ExplainContext, P.ExplainAnalyzeContext, P.PrepareContext, P.ExecuteContext, P.ExecuteImmediateContext, P.DescribeInputContext, P.DescribeOutputContext, P.InsertIntoContext,
  P.DeleteContext, P.UpdateContext, P.MergeContext, P.TruncateTableContext, P.CreateTableAsSelectContext, P.CreateTableContext, P.CreateViewContext, P.CreateMaterializedViewContext, P.DropTableContext,
  P.DropViewContext, P.DropMaterializedViewContext, P.RenameTableContext, P.RenameViewContext, P.RenameMaterializedViewContext, P.AddColumnContext, P.DropColumnContext, P.RenameColumnContext,
  P.SetColumnTypeContext, P.DropNotNullConstraintContext, P.SetTableAuthorizationContext, P.SetTablePropertiesContext, P.TableExecuteContext, P.AnalyzeContext, P.RefreshMaterializedViewContext,
  P.SetMaterializedViewPropertiesContext, P.SetViewAuthorizationContext, P.CommentTableContext, P.CommentViewContext, P.CommentColumnContext, P.ShowColumnsContext, P.ShowCreateTableContext,
  P.ShowCreateViewContext, P.ShowCreateMaterializedViewContext, P.ShowStatsContext, P.ShowStatsForQueryContext, P.ShowGrantsContext, P.GrantPrivilegesContext, P.RevokePrivilegesContext, P.DenyContext,
  P.UseContext, P.ShowTablesContext, P.ShowFunctionsContext, P.ShowCreateSchemaContext, P.CreateSchemaContext, P.DropSchemaContext, P.RenameSchemaContext, P.SetSchemaAuthorizationContext,
  P.ShowSchemasContext, P.CreateCatalogContext, P.DropCatalogContext, P.CreateRoleContext, P.DropRoleContext, P.GrantRolesContext, P.RevokeRolesContext, P.SetRoleContext, P.ShowRolesContext,
  P.ShowRoleGrantsContext, P.CallContext, P.CreateFunctionContext, P.DropFunctionContext, P.ShowCreateFunctionContext, P.SetSessionAuthorizationContext, P.SetSessionContext, P.SetTimeZoneContext,
  P.ResetSessionContext, P.ResetSessionAuthorizationContext, P.StartTransactionContext, P.CommitContext, P.RollbackContext, P.DeallocateContext, P.SetPathContext, P.ShowSessionContext, P.ShowCatalogsContext,
];

/** Contexts taken apart by a method of the walk (queries, relations, statement parts, names). */
const STRUCTURAL = [
  P.SingleStatementContext, P.RootQueryContext, P.QueryStatementContext, P.WithContext, P.NamedQueryContext, P.QueryNoWithContext, P.QueryTermDefaultContext, P.SetOperationContext,
  P.QueryPrimaryDefaultContext, P.TableContext, P.InlineTableContext, P.SubqueryContext, P.QuerySpecificationContext, P.SelectListContext, P.SelectItemContext, P.SelectAllWithoutTableContext,
  P.TableAllColumnsContext, P.RelationDefaultContext, P.JoinRelationContext, P.SampledRelationContext, P.PatternRecognitionContext, P.AliasedRelationContext, P.TableNameContext,
  P.ParenthesizedRelationContext, P.ExpressionSourceTableContext, P.SubqueryRelationContext, P.LateralContext, P.UnnestContext, P.TableFunctionInvocationContext, P.JsonTableContext,
  P.TableFunctionCallContext, P.TableFunctionArgumentContext, P.TableArgumentContext, P.TableArgumentTableContext, P.TableArgumentQueryContext, P.MergeUpdateContext, P.MergeDeleteContext,
  P.MergeInsertContext, P.UpdateAssignmentContext, P.ColumnListContext, P.TableElementContext, P.LikeClauseContext, P.ColumnDefinitionContext, P.TableOrViewNameContext, P.GrantObjectContext,
  P.TableRefContext, P.TableNameCreateContext, P.ViewRefContext, P.ViewNameCreateContext, P.SchemaRefContext, P.SchemaNameCreateContext, P.CatalogRefContext, P.CatalogNameCreateContext,
];

/** Every context class the walk knows, for the test that holds it to the grammar. */
export const HANDLED_CONTEXTS: ReadonlySet<unknown> = new Set<unknown>([...KINDS.keys(), ...STATEMENTS, ...STRUCTURAL]);

/**
 * The classes whose children the walk picks one by one rather than walking them all: a grammar
 * that gives one of them a new child needs its handler reviewed (the test snapshots their rules).
 */
export const SELECTIVE_CONTEXTS: ReadonlySet<unknown> = new Set<unknown>([...[...KINDS].filter(([, k]) => !['generic', 'chain', 'windowFrame'].includes(k)).map(([c]) => c), ...STATEMENTS, ...STRUCTURAL]);

/** Statements of the grammar that are not Trino SQL (dt-sql-parser's own): refused. */
export const REFUSED_CONTEXTS: ReadonlySet<unknown> = new Set<unknown>([P.ShowTableCommentContext, P.ShowColumnCommentContext]);

export class Walker {
  kind = 'other';
  statementName = 'unknown';
  readonly tables = new Map<string, TableEntry>();
  readonly schemas = new Map<string, SchemaAccess>();
  readonly catalogs = new Map<string, CatalogAccess>();
  readonly routines = new Map<string, RoutineUse>();
  readonly indirect = new Map<string, TableEntry>();
  readonly unresolved: string[] = [];
  impersonate: string | undefined;
  private scope: Scope | null = null;
  private withScope: WithScope | null = null;
  private lambdas: LambdaVariable[] = [];
  /** Walking EXECUTE's USING values, which Trino requires to be constants. */
  private parameters = false;
  /** The input of the row pattern whose MEASURES and DEFINE are being walked. */
  private patternInputs: Source[] | null = null;
  private work = 0;

  constructor(private readonly host: WalkerHost) {}

  // ---------------------------------------------------------------- statements

  statement(ctx: P.StatementContext, top = true): void {
    const set: SetStatement = (kind, name) => {
      if (top) {
        this.kind = kind;
        this.statementName = name;
      }
    };
    const handled =
      this.queryStatement(ctx, set) ||
      this.writeStatement(ctx, set) ||
      this.createDropRenameStatement(ctx, set) ||
      this.alterStatement(ctx, set) ||
      this.showOrGrantStatement(ctx, set) ||
      this.schemaStatement(ctx, set) ||
      this.catalogRoleRoutineStatement(ctx, set) ||
      this.sessionStatement(ctx, set);
    // SHOW COMMENT ON ... and anything a later grammar adds: not Trino SQL, or not understood.
    if (!handled) throw new AnalysisError(`statement not supported by the analyzer: ${ctx.getText().slice(0, 40)}`);
  }

  /** Queries, and the statements that hold one or name a prepared one (EXPLAIN, PREPARE, EXECUTE, DESCRIBE). */
  private queryStatement(ctx: P.StatementContext, set: SetStatement): boolean {
    if (ctx instanceof P.StatementDefaultContext) {
      set(isValuesOnly(ctx.rootQuery()) ? 'values' : 'select', 'query');
      this.rootQuery(ctx.rootQuery());
    } else if (ctx instanceof P.ExplainContext) {
      set('explain', 'explain');
      this.statement(ctx.statement(), false);
    } else if (ctx instanceof P.ExplainAnalyzeContext) {
      set('explain', 'explainAnalyze');
      this.statement(ctx.statement(), false);
    } else if (ctx instanceof P.PrepareContext) {
      set('other', 'prepare');
      this.statement(ctx.statement(), false);
    } else if (ctx instanceof P.ExecuteContext) {
      set('other', 'execute');
      this.prepared(ctx.identifier(), 'EXECUTE');
      this.parameterValues(ctx.expression());
    } else if (ctx instanceof P.ExecuteImmediateContext) {
      set('other', 'executeImmediate');
      this.merge(this.host.nested(stringValue(ctx.string())));
      this.parameterValues(ctx.expression());
    } else if (ctx instanceof P.DescribeInputContext) {
      set('describe', 'describeInput');
      this.prepared(ctx.identifier(), 'DESCRIBE INPUT');
    } else if (ctx instanceof P.DescribeOutputContext) {
      set('describe', 'describeOutput');
      this.prepared(ctx.identifier(), 'DESCRIBE OUTPUT');
    } else return false;
    return true;
  }

  /** INSERT, DELETE, UPDATE, MERGE and TRUNCATE: the rows of one table written. */
  private writeStatement(ctx: P.StatementContext, set: SetStatement): boolean {
    if (ctx instanceof P.InsertIntoContext) {
      set('insert', 'insertInto');
      const target = this.table(ctx.tableRef(), 'write', 'insert');
      for (const c of ctx.columnList()?.columnRef() ?? []) target.written.add(lastPart(c.qualifiedName()));
      this.rootQuery(ctx.rootQuery());
    } else if (ctx instanceof P.DeleteContext) {
      set('delete', 'delete');
      const target = this.table(ctx.tableRef(), 'write', 'delete');
      this.withTarget(target, ctx.tableRef(), undefined, () => this.walk(ctx.whereClause()));
    } else if (ctx instanceof P.UpdateContext) {
      set('update', 'update');
      const target = this.table(ctx.tableRef(), 'write', 'update');
      this.withTarget(target, ctx.tableRef(), undefined, () => {
        for (const a of ctx.updateAssignment()) {
          target.written.add(identifierPart(a.identifier().start!));
          this.expression(a.expression());
        }
        this.walk(ctx.whereClause());
      });
    } else if (ctx instanceof P.MergeContext) {
      set('merge', 'merge');
      this.mergeStatement(ctx);
    } else if (ctx instanceof P.TruncateTableContext) {
      set('other', 'truncateTable');
      this.table(ctx.tableRef(), 'write', 'truncate');
    } else return false;
    return true;
  }

  /** CREATE, DROP and RENAME of tables, views and materialized views. */
  private createDropRenameStatement(ctx: P.StatementContext, set: SetStatement): boolean {
    if (ctx instanceof P.CreateTableAsSelectContext) {
      set('ctas', 'createTableAsSelect');
      this.tableCreate(ctx.tableNameCreate(), 'createTable');
      this.walkProperties(ctx.properties());
      const q = ctx.rootQuery();
      if (!q) throw new AnalysisError('CREATE TABLE AS without a query');
      this.rootQuery(q);
    } else if (ctx instanceof P.CreateTableContext) {
      set('other', 'createTable');
      this.tableCreate(ctx.tableNameCreate(), 'createTable');
      for (const element of ctx.tableElement()) {
        const like = element.likeClause();
        if (like) {
          const entry = this.relationTable(like.tableRef(), 'referenceColumns');
          if (entry) entry.allColumns = true;
        } else this.walkProperties(element.columnDefinition()?.properties() ?? null);
      }
      this.walkProperties(ctx.properties());
    } else if (ctx instanceof P.CreateViewContext) {
      set('other', 'createView');
      this.viewCreate(ctx.viewNameCreate(), 'createView');
      this.walkProperties(ctx.properties());
      this.rootQuery(ctx.rootQuery());
    } else if (ctx instanceof P.CreateMaterializedViewContext) {
      set('other', 'createMaterializedView');
      this.viewCreate(ctx.viewNameCreate(), 'createMaterializedView');
      this.walkProperties(ctx.properties());
      this.rootQuery(ctx.rootQuery());
    } else if (ctx instanceof P.DropTableContext) {
      set('other', 'dropTable');
      this.table(ctx.tableRef(), 'write', 'dropTable');
    } else if (ctx instanceof P.DropViewContext) {
      set('other', 'dropView');
      this.view(ctx.viewRef(), 'write', 'dropView');
    } else if (ctx instanceof P.DropMaterializedViewContext) {
      set('other', 'dropMaterializedView');
      this.view(ctx.viewRef(), 'write', 'dropMaterializedView');
    } else if (ctx instanceof P.RenameTableContext) {
      set('other', 'renameTable');
      const from = this.table(ctx.tableRef(), 'write', 'renameTable');
      const to = this.tableCreate(ctx.tableNameCreate(), 'renameTable');
      from.renamedTo = to.name;
      to.renamedFrom = from.name;
    } else if (ctx instanceof P.RenameViewContext || ctx instanceof P.RenameMaterializedViewContext) {
      const op = ctx instanceof P.RenameViewContext ? 'renameView' : 'renameMaterializedView';
      set('other', op);
      const from = this.view(ctx.viewRef(), 'write', op);
      const to = this.viewCreate(ctx.viewNameCreate(), op);
      from.renamedTo = to.name;
      to.renamedFrom = from.name;
    } else return false;
    return true;
  }

  /** ALTER, EXECUTE, ANALYZE, REFRESH and COMMENT ON a table, view or column. */
  private alterStatement(ctx: P.StatementContext, set: SetStatement): boolean {
    if (ctx instanceof P.AddColumnContext) {
      set('other', 'addColumn');
      this.table(ctx.tableRef(), 'write', 'addColumn');
      this.walkProperties(ctx.columnDefinition().properties());
    } else if (ctx instanceof P.DropColumnContext) {
      set('other', 'dropColumn');
      this.table(ctx.tableRef(), 'write', 'dropColumn');
    } else if (ctx instanceof P.RenameColumnContext) {
      set('other', 'renameColumn');
      this.table(ctx.tableRef(), 'write', 'renameColumn');
    } else if (ctx instanceof P.SetColumnTypeContext || ctx instanceof P.DropNotNullConstraintContext) {
      set('other', ctx instanceof P.SetColumnTypeContext ? 'setColumnType' : 'dropNotNullConstraint');
      this.table(ctx.tableRef(), 'write', 'alterColumn');
    } else if (ctx instanceof P.SetTableAuthorizationContext) {
      set('other', 'setTableAuthorization');
      this.table(ctx.tableRef(), 'write', 'setAuthorization');
    } else if (ctx instanceof P.SetTablePropertiesContext) {
      set('other', 'setTableProperties');
      this.table(ctx.tableRef(), 'write', 'setTableProperties');
      this.walk(ctx.propertyAssignments());
    } else if (ctx instanceof P.TableExecuteContext) {
      set('other', 'tableExecute');
      const target = this.table(ctx.tableRef(), 'write', 'executeTableProcedure');
      this.routine(qualifiedParts(ctx.functionName().qualifiedName()), 'table procedure', false);
      this.withTarget(target, ctx.tableRef(), undefined, () => {
        for (const a of ctx.callArgument()) this.walk(a);
        this.walk(ctx.whereClause());
      });
    } else if (ctx instanceof P.AnalyzeContext) {
      set('other', 'analyze');
      this.table(ctx.tableRef(), 'write', 'analyze');
      this.walkProperties(ctx.properties());
    } else if (ctx instanceof P.RefreshMaterializedViewContext) {
      set('other', 'refreshMaterializedView');
      this.view(ctx.viewRef(), 'write', 'refreshMaterializedView');
    } else if (ctx instanceof P.SetMaterializedViewPropertiesContext) {
      set('other', 'setMaterializedViewProperties');
      this.view(ctx.viewRef(), 'write', 'setMaterializedViewProperties');
      this.walk(ctx.propertyAssignments());
    } else if (ctx instanceof P.SetViewAuthorizationContext) {
      set('other', 'setViewAuthorization');
      this.view(ctx.viewRef(), 'write', 'setAuthorization');
    } else if (ctx instanceof P.CommentTableContext) {
      set('other', 'commentTable');
      this.table(ctx.tableRef(), 'write', 'commentTable');
    } else if (ctx instanceof P.CommentViewContext) {
      set('other', 'commentView');
      this.view(ctx.viewRef(), 'write', 'commentView');
    } else if (ctx instanceof P.CommentColumnContext) {
      set('other', 'commentColumn');
      const name = ctx.columnRef().qualifiedName();
      if (!name) throw new AnalysisError('COMMENT ON COLUMN without a column');
      const parts = qualifiedParts(name);
      if (parts.length < 2 || parts.length > 4) throw new AnalysisError('COMMENT ON COLUMN expects table.column');
      this.addTable(parts.slice(0, -1), 'write', 'commentColumn');
    } else return false;
    return true;
  }

  /** SHOW and DESCRIBE of a table or view, SHOW GRANTS, and GRANT, REVOKE and DENY of privileges. */
  private showOrGrantStatement(ctx: P.StatementContext, set: SetStatement): boolean {
    if (ctx instanceof P.ShowColumnsContext) {
      set(ctx.KW_SHOW() ? 'show' : 'describe', ctx.KW_SHOW() ? 'showColumns' : 'describe');
      this.tableOrView(ctx.tableOrViewName(), 'read', 'showColumns');
    } else if (ctx instanceof P.ShowCreateTableContext) {
      set('show', 'showCreateTable');
      this.table(ctx.tableRef(), 'read', 'showCreateTable');
    } else if (ctx instanceof P.ShowCreateViewContext || ctx instanceof P.ShowCreateMaterializedViewContext) {
      set('show', ctx instanceof P.ShowCreateViewContext ? 'showCreateView' : 'showCreateMaterializedView');
      this.view(ctx.viewRef(), 'read', 'showCreateTable');
    } else if (ctx instanceof P.ShowStatsContext) {
      set('show', 'showStats');
      const entry = this.tableOrView(ctx.tableOrViewName(), 'read', 'showStats');
      entry.allColumns = true;
    } else if (ctx instanceof P.ShowStatsForQueryContext) {
      set('show', 'showStatsForQuery');
      this.rootQuery(ctx.rootQuery());
    } else if (ctx instanceof P.ShowGrantsContext) {
      set('show', 'showGrants');
      const object = ctx.grantObject();
      if (object) this.grantObject(object, 'read', 'showGrants', 'showGrants');
    } else if (ctx instanceof P.GrantPrivilegesContext || ctx instanceof P.RevokePrivilegesContext || ctx instanceof P.DenyContext) {
      const op = ctx instanceof P.GrantPrivilegesContext ? 'grant' : ctx instanceof P.RevokePrivilegesContext ? 'revoke' : 'deny';
      set('other', ctx instanceof P.GrantPrivilegesContext ? 'grantPrivileges' : ctx instanceof P.RevokePrivilegesContext ? 'revokePrivileges' : 'deny');
      this.grantObject(ctx.grantObject(), 'write', op, op);
    } else return false;
    return true;
  }

  /** USE, and the statements on schemas (SHOW SCHEMAS names a catalog). */
  private schemaStatement(ctx: P.StatementContext, set: SetStatement): boolean {
    if (ctx instanceof P.UseContext) {
      set('use', 'use');
      this.schema(ctx.schemaRef(), 'use');
    } else if (ctx instanceof P.ShowTablesContext) {
      set('show', 'showTables');
      const s = ctx.schemaRef();
      if (s) this.schema(s, 'showTables');
      else this.sessionSchema('showTables');
    } else if (ctx instanceof P.ShowFunctionsContext) {
      set('show', 'showFunctions');
      const s = ctx.schemaRef();
      if (s) this.schema(s, 'showFunctions');
    } else if (ctx instanceof P.ShowCreateSchemaContext) {
      set('show', 'showCreateSchema');
      this.schema(ctx.schemaRef(), 'showCreateSchema');
    } else if (ctx instanceof P.CreateSchemaContext) {
      set('other', 'createSchema');
      this.schema(ctx.schemaNameCreate(), 'createSchema');
      this.walkProperties(ctx.properties());
    } else if (ctx instanceof P.DropSchemaContext) {
      set('other', 'dropSchema');
      this.schema(ctx.schemaRef(), 'dropSchema');
    } else if (ctx instanceof P.RenameSchemaContext) {
      set('other', 'renameSchema');
      const from = this.schema(ctx.schemaRef(), 'renameSchema');
      const to = this.schema(ctx.schemaNameCreate(), 'renameSchema');
      from.renamedTo = to.name;
    } else if (ctx instanceof P.SetSchemaAuthorizationContext) {
      set('other', 'setSchemaAuthorization');
      this.schema(ctx.schemaRef(), 'setAuthorization');
    } else if (ctx instanceof P.ShowSchemasContext) {
      set('show', 'showSchemas');
      const c = ctx.catalogRef();
      const catalog = c ? identifierPart(c.start!) : this.host.session.catalog?.toLowerCase();
      if (catalog !== undefined) this.catalogs.set(`showSchemas ${catalog}`, { name: catalog, operation: 'showSchemas' });
    } else return false;
    return true;
  }

  /** Catalogs, roles, procedures (CALL) and SQL routines. */
  private catalogRoleRoutineStatement(ctx: P.StatementContext, set: SetStatement): boolean {
    if (ctx instanceof P.CreateCatalogContext || ctx instanceof P.DropCatalogContext) {
      const op = ctx instanceof P.CreateCatalogContext ? 'createCatalog' : 'dropCatalog';
      set('other', op);
      const catalog = identifierPart((ctx instanceof P.CreateCatalogContext ? ctx.catalogNameCreate() : ctx.catalogRef()).start!);
      this.catalogs.set(`${op} ${catalog}`, { name: catalog, operation: op });
      if (ctx instanceof P.CreateCatalogContext) this.walkProperties(ctx.properties());
    } else if (ctx instanceof P.CreateRoleContext || ctx instanceof P.DropRoleContext || ctx instanceof P.GrantRolesContext || ctx instanceof P.RevokeRolesContext || ctx instanceof P.SetRoleContext || ctx instanceof P.ShowRolesContext || ctx instanceof P.ShowRoleGrantsContext) {
      const name = roleStatementName(ctx);
      set(name.startsWith('show') ? 'show' : 'other', name);
      const c = ctx.getRuleContext(0, P.CatalogRefContext);
      const catalog = c ? identifierPart(c.start!) : undefined;
      if (catalog !== undefined) this.catalogs.set(`roles ${catalog}`, { name: catalog, operation: 'roles' });
    } else if (ctx instanceof P.CallContext) {
      set('other', 'call');
      this.routine(qualifiedParts(ctx.functionName().qualifiedName()), 'procedure', false);
      for (const a of ctx.callArgument()) this.walk(a);
    } else if (ctx instanceof P.CreateFunctionContext) {
      set('other', 'createFunction');
      this.walk(ctx.functionSpecification());
    } else if (ctx instanceof P.DropFunctionContext || ctx instanceof P.ShowCreateFunctionContext) {
      set(ctx instanceof P.DropFunctionContext ? 'other' : 'show', ctx instanceof P.DropFunctionContext ? 'dropFunction' : 'showCreateFunction');
    } else return false;
    return true;
  }

  /** Session, transaction and path statements: SET SESSION AUTHORIZATION names whom to run as. */
  private sessionStatement(ctx: P.StatementContext, set: SetStatement): boolean {
    if (ctx instanceof P.SetSessionAuthorizationContext) {
      set('other', 'setSessionAuthorization');
      const user = ctx.authorizationUser();
      const s = user.getRuleContext(0, P.StringContext);
      this.impersonate = s ? stringValue(s) : identifierText(user.getRuleContext(0, P.IdentifierContext)!);
    } else if (ctx instanceof P.SetSessionContext) {
      set('other', 'setSession');
      this.expression(ctx.expression());
    } else if (ctx instanceof P.SetTimeZoneContext) {
      set('other', 'setTimeZone');
      const e = ctx.expression();
      if (e) this.expression(e);
    } else if (
      ctx instanceof P.ResetSessionContext ||
      ctx instanceof P.ResetSessionAuthorizationContext ||
      ctx instanceof P.StartTransactionContext ||
      ctx instanceof P.CommitContext ||
      ctx instanceof P.RollbackContext ||
      ctx instanceof P.DeallocateContext ||
      ctx instanceof P.SetPathContext ||
      ctx instanceof P.ShowSessionContext ||
      ctx instanceof P.ShowCatalogsContext
    ) {
      const name = sessionStatementName(ctx);
      set(name.startsWith('show') ? 'show' : 'other', name);
    } else return false;
    return true;
  }

  /**
   * EXECUTE's USING values: each is one expression, walked with its subqueries. They stand for the
   * statement's parameters, so a column in one (outside a subquery of its own) would be read from
   * the statement's relations, which this walk does not see: Trino refuses it ("Constant expression
   * cannot contain column references"), and so does the analysis.
   */
  private parameterValues(values: P.ExpressionContext[]): void {
    this.parameters = true;
    try {
      for (const e of values) this.expression(e);
    } finally {
      this.parameters = false;
    }
  }

  private prepared(id: P.IdentifierContext, what: string): void {
    const name = identifierText(id);
    const statements = this.host.session.preparedStatements ?? {};
    const sql = (Object.hasOwn(statements, name) ? statements[name] : undefined) ?? Object.entries(statements).find(([k]) => k.toLowerCase() === name)?.[1];
    if (sql === undefined) {
      this.unresolved.push(`${what} ${name}: the session holds no prepared statement of that name`);
      return;
    }
    this.merge(this.host.nested(sql));
  }

  /** Adds what a nested analysis found; a nested failure is a failure. */
  merge(inner: NestedAnalysis): void {
    if (!inner.ok) throw new AnalysisError(inner.error ?? 'the inner statement could not be analyzed', inner.problem);
    for (const t of inner.tables) {
      const entry = this.entry(t.parts, t.access);
      for (const c of t.columns ?? []) entry.columns.add(c);
      if (t.allColumns) entry.allColumns = true;
      for (const o of t.operations ?? []) entry.operations.add(o);
      for (const c of t.writtenColumns ?? []) entry.written.add(c);
      if (t.renamedTo) entry.renamedTo = t.renamedTo;
      if (t.renamedFrom) entry.renamedFrom = t.renamedFrom;
      if (t.branch) entry.branch = t.branch;
    }
    for (const s of inner.schemas ?? []) this.schemas.set(`${s.operation} ${s.name}`, s);
    for (const c of inner.catalogs ?? []) this.catalogs.set(`${c.operation} ${c.name}`, c);
    for (const r of inner.routines ?? []) this.routines.set(`${r.kind} ${r.name}`, r);
    for (const t of inner.indirectTables ?? []) this.indirect.set(t.name, { ...t, columns: new Set(), allColumns: true, operations: new Set(['select']), written: new Set(), writtenAs: t.name });
    this.unresolved.push(...(inner.unresolved ?? []));
  }

  private mergeStatement(ctx: P.MergeContext): void {
    const target = this.table(ctx.tableRef(), 'write');
    const alias = ctx.identifier();
    const scope: Scope = { sources: [], parent: this.scope };
    this.scope = scope;
    try {
      scope.sources.push(this.targetSource(target, ctx.tableRef(), alias));
      this.relation(ctx.relation());
      this.expression(ctx.expression());
      for (const c of ctx.mergeCase()) {
        if (c instanceof P.MergeUpdateContext) target.operations.add('update');
        else if (c instanceof P.MergeDeleteContext) target.operations.add('delete');
        else if (c instanceof P.MergeInsertContext) target.operations.add('insert');
        else throw new AnalysisError('unknown MERGE case');
        const targets = (c as P.MergeUpdateContext | P.MergeInsertContext)._targets ?? [];
        for (const t of targets) target.written.add(identifierText(t));
        for (const e of c.getRuleContexts(P.ExpressionContext)) this.expression(e);
      }
    } finally {
      this.scope = scope.parent;
    }
  }

  /** Runs `body` with the target of DELETE/UPDATE/ALTER TABLE EXECUTE as the only relation. */
  private withTarget(target: TableEntry, ref: P.TableRefContext, alias: P.IdentifierContext | undefined | null, body: () => void): void {
    const scope: Scope = { sources: [this.targetSource(target, ref, alias)], parent: this.scope };
    this.scope = scope;
    try {
      body();
    } finally {
      this.scope = scope.parent;
    }
  }

  private targetSource(target: TableEntry, ref: P.TableRefContext, alias: P.IdentifierContext | undefined | null): Source {
    return { names: alias ? [[identifierText(alias)]] : suffixes(qualifiedRef(ref)), entry: target };
  }

  // ---------------------------------------------------------------- queries

  rootQuery(ctx: P.RootQueryContext): void {
    const functions = ctx.withFunction();
    if (functions) this.walk(functions);
    this.query(ctx.query());
  }

  private query(ctx: P.QueryContext): void {
    if (!(ctx instanceof P.QueryStatementContext)) throw new AnalysisError('unknown query form');
    const w = ctx.with();
    if (!w) {
      this.queryNoWith(ctx.queryNoWith());
      return;
    }
    const scope: WithScope = { names: new Set(), parent: this.withScope };
    const recursive = !!w.KW_RECURSIVE();
    const saved = this.withScope;
    try {
      for (const named of w.namedQuery()) {
        const name = identifierText(named.identifier());
        // Its body sees the earlier WITH queries, not itself: inside, its name is the real table.
        this.withScope = scope;
        const recursion = recursive ? recursionOf(named) : undefined;
        if (recursion) {
          this.queryTerm(recursion.anchor);
          this.withScope = { names: new Set([name]), parent: scope };
          this.queryTerm(recursion.step);
        } else this.query(named.query());
        scope.names.add(name);
      }
      this.withScope = scope;
      this.queryNoWith(ctx.queryNoWith());
    } finally {
      this.withScope = saved;
    }
  }

  private queryNoWith(ctx: P.QueryNoWithContext): void {
    const specScope = this.queryTerm(ctx.queryTerm());
    const saved = this.scope;
    if (specScope) this.scope = specScope;
    try {
      for (const s of ctx.sortItem()) this.walk(s);
    } finally {
      this.scope = saved;
    }
    for (const r of ctx.rowCount()) this.walk(r);
  }

  /** Walks a query term; returns the scope of its query specification when it is a single one. */
  private queryTerm(ctx: P.QueryTermContext): Scope | null {
    if (ctx instanceof P.SetOperationContext) {
      // `a UNION b UNION c ...` is left-deep: walked along its left edge, not recursively.
      const rights: P.QueryTermContext[] = [];
      let left: P.QueryTermContext = ctx;
      while (left instanceof P.SetOperationContext) {
        const [l, r] = left.queryTerm();
        if (!l || !r) throw new AnalysisError('incomplete set operation');
        rights.push(r);
        left = l;
      }
      this.queryTerm(left);
      for (let i = rights.length - 1; i >= 0; i--) this.queryTerm(rights[i]!);
      return null;
    }
    if (!(ctx instanceof P.QueryTermDefaultContext)) throw new AnalysisError('unknown query term');
    const primary = ctx.queryPrimary();
    if (primary instanceof P.QueryPrimaryDefaultContext) return this.querySpecification(primary.querySpecification());
    if (primary instanceof P.TableContext) {
      const entry = this.relationTable(primary.tableRef(), 'select');
      if (entry) entry.allColumns = true;
      return null;
    }
    if (primary instanceof P.InlineTableContext) {
      for (const e of primary.expression()) this.expression(e);
      return null;
    }
    if (primary instanceof P.SubqueryContext) {
      this.queryNoWith(primary.queryNoWith());
      return null;
    }
    throw new AnalysisError('unknown query primary');
  }

  private querySpecification(ctx: P.QuerySpecificationContext): Scope {
    const scope: Scope = { sources: [], parent: this.scope };
    this.scope = scope;
    try {
      for (const r of ctx.relation()) this.relation(r);
      this.selectList(ctx.selectList(), scope);
      this.walk(ctx.whereClause());
      this.walk(ctx.groupBy());
      this.walk(ctx.havingClause());
      for (const w of ctx.windowDefinition()) this.walk(w);
    } finally {
      this.scope = scope.parent;
    }
    return scope;
  }

  private selectList(ctx: P.SelectListContext, scope: Scope): void {
    for (const item of ctx.selectItem()) {
      if (item.selectAllWithoutTable()) {
        for (const s of scope.sources) markAll(s);
        continue;
      }
      const all = item.tableAllColumns();
      if (all) {
        const parts = columnParts(all.primaryExpression());
        const source = parts && this.findSource(parts);
        if (source) markAll(source);
        else this.walk(all.primaryExpression());
        continue;
      }
      this.walk(item.selectLiteralColumnName());
      this.walk(item.selectExpressionColumnName());
    }
  }

  // ---------------------------------------------------------------- relations

  private relation(ctx: P.RelationContext): Source[] {
    // `a JOIN b ON ... JOIN c ON ...` is left-deep: walked along its left edge, not recursively.
    const joins: P.JoinRelationContext[] = [];
    let left: P.RelationContext = ctx;
    while (left instanceof P.JoinRelationContext) {
      joins.push(left);
      left = left.relation(0)!;
    }
    if (!(left instanceof P.RelationDefaultContext)) throw new AnalysisError('unknown relation');
    const sources = [this.sampledRelation(left.sampledRelation())];
    for (let i = joins.length - 1; i >= 0; i--) {
      const join = joins[i]!;
      const rightRelation = join.relation(1);
      const right = rightRelation ? this.relation(rightRelation) : [this.sampledRelation(join.sampledRelation()!)];
      sources.push(...right);
      if (join.KW_NATURAL()) for (const s of sources) markAll(s);
      const criteria = join.joinCriteria();
      if (criteria) {
        if (criteria.KW_USING()) for (const id of criteria.identifier()) this.column([identifierText(id)]);
        else this.walk(criteria);
      }
    }
    return sources;
  }

  private sampledRelation(ctx: P.SampledRelationContext): Source {
    const source = this.patternRecognition(ctx.patternRecognition());
    const percentage = ctx.expression();
    if (percentage) this.expression(percentage);
    return source;
  }

  private patternRecognition(ctx: P.PatternRecognitionContext): Source {
    const inner = this.aliasedRelation(ctx.aliasedRelation());
    if (!ctx.KW_MATCH_RECOGNIZE()) return inner;
    this.withPattern([inner], () => {
      for (const child of ctx.children ?? []) {
        if (child !== ctx.aliasedRelation() && child instanceof ParserRuleContext && !(child instanceof P.IdentifierContext) && !(child instanceof P.ColumnAliasesContext)) this.walk(child);
      }
    });
    const alias = ctx.getRuleContext(0, P.IdentifierContext);
    if (!alias) return inner;
    const scope = this.scope!;
    const at = scope.sources.indexOf(inner);
    if (at >= 0) scope.sources.splice(at, 1);
    const outer: Source = { names: [[identifierText(alias)]], members: [inner] };
    // Column aliases rename its output (partition columns, measures, and with ALL ROWS PER MATCH
    // the input's columns) by position: any column of the input may be read under a new name.
    if (ctx.columnAliases()) markAll(inner);
    scope.sources.push(outer);
    return outer;
  }

  private aliasedRelation(ctx: P.AliasedRelationContext): Source {
    const aliasCtx = ctx.identifier();
    const alias = aliasCtx ? [[identifierText(aliasCtx)]] : undefined;
    const primary = ctx.relationPrimary();
    const scope = this.scope!;
    let source: Source;
    if (primary instanceof P.TableNameContext) {
      const name = primary.tableOrViewName();
      const ref = name.tableRef() ?? name.viewRef();
      if (!ref) throw new AnalysisError('table name expected');
      const parts = qualifiedRef(ref);
      const period = primary.queryPeriod();
      if (period) this.walk(period);
      const entry = this.relationTable(ref, 'select');
      source = { names: alias ?? suffixes(parts), ...(entry ? { entry } : {}) };
    } else if (primary instanceof P.ParenthesizedRelationContext) {
      const inner: Scope = { sources: [], parent: scope };
      this.scope = inner;
      let members: Source[];
      try {
        members = this.relation(primary.relation());
      } finally {
        this.scope = scope;
      }
      if (alias) source = { names: alias, members };
      else {
        // The bracketed relations are relations of this query, as if the brackets were not there.
        scope.sources.push(...inner.sources);
        return { names: [], members };
      }
    } else if (primary instanceof P.ExpressionSourceTableContext) {
      this.relationSourceTable(primary.relationSourceTable());
      source = { names: alias ?? [] };
    } else throw new AnalysisError('unknown relation primary');
    const columnAliases = ctx.columnAliases();
    if (columnAliases) this.renameColumns(source, columnAliases.identifier().map(identifierText));
    scope.sources.push(source);
    return source;
  }

  /**
   * `AS x(a, b, ...)` renames the relation's columns by position, so `a` may be any column of a
   * table. Mapped back to the table's own columns when the session knows their order; otherwise
   * the table counts as read in full. Subqueries, UNNEST and VALUES need neither: what their
   * columns read is recorded where they are defined.
   */
  private renameColumns(source: Source, aliases: string[]): void {
    const inner = this.outputColumns(source);
    if (!inner || aliases.length > inner.length) {
      markAll(source);
      return;
    }
    const renamed = new Map<string, string[]>();
    aliases.forEach((a, i) => renamed.set(a, [...(renamed.get(a) ?? []), inner[i]!]));
    source.renamed = renamed;
    source.output = [...aliases, ...inner.slice(aliases.length)];
  }

  /** The columns of a table, or of a bracketed relation holding just one, in order, when known. */
  private outputColumns(source: Source): string[] | undefined {
    if (source.output) return source.output;
    if (source.entry && !source.members) return this.host.session.columnsOf?.(source.entry.parts)?.map((c) => c.toLowerCase());
    if (!source.entry && source.members?.length === 1) return this.outputColumns(source.members[0]!);
    return undefined;
  }

  private relationSourceTable(ctx: P.RelationSourceTableContext): void {
    if (ctx instanceof P.SubqueryRelationContext || ctx instanceof P.LateralContext) this.query(ctx.query());
    else if (ctx instanceof P.UnnestContext) for (const e of ctx.expression()) this.expression(e);
    else if (ctx instanceof P.TableFunctionInvocationContext) this.tableFunction(ctx.tableFunctionCall());
    else if (ctx instanceof P.JsonTableContext) this.walkChildren(ctx);
    else throw new AnalysisError('unknown relation');
  }

  private tableFunction(ctx: P.TableFunctionCallContext): void {
    const raw = qualifiedParts(ctx.functionName().qualifiedName());
    const builtin = raw.length === 1 && BUILTIN_TABLE_FUNCTIONS.has(raw[0]!);
    if (!builtin) this.routine(raw, 'table function', true);
    const args = ctx.tableFunctionArgument();
    const strings: { name?: string; value?: string }[] = [];
    for (const arg of args) {
      const table = arg.tableArgument();
      const name = arg.identifier();
      if (table) {
        const relation = table.tableArgumentRelation();
        const scope: Scope = { sources: [], parent: this.scope };
        let source: Source;
        if (relation instanceof P.TableArgumentTableContext) {
          const entry = this.relationTable(relation.tableRef(), 'select');
          if (entry) entry.allColumns = true;
          source = { names: suffixes(qualifiedRef(relation.tableRef())), ...(entry ? { entry } : {}) };
        } else if (relation instanceof P.TableArgumentQueryContext) {
          this.query(relation.query());
          source = { names: [] };
        } else throw new AnalysisError('unknown table argument');
        const alias = relation.getRuleContext(0, P.IdentifierContext);
        if (alias) source.names = [[identifierText(alias)]];
        scope.sources.push(source);
        this.scope = scope;
        try {
          for (const child of table.children ?? []) if (child !== relation) this.walk(child);
        } finally {
          this.scope = scope.parent;
        }
      } else if (arg.descriptorArgument()) {
        // DESCRIPTOR(a, b): column names of a table argument, checked through that argument.
      } else {
        const e = arg.expression();
        if (e) {
          this.expression(e);
          const literal = literalString(e);
          strings.push({ ...(name ? { name: identifierText(name) } : {}), ...(literal !== undefined ? { value: literal } : {}) });
        }
      }
    }
    if (raw[raw.length - 1] === 'table_changes') this.tableChanges(raw, strings);
  }

  /** system.table_changes(schema_name => 's', table_name => 't', ...) reads table s.t of its catalog. */
  private tableChanges(fn: string[], args: { name?: string; value?: string }[]): void {
    const named = (n: string, position: number) => args.find((a) => a.name === n)?.value ?? (args.every((a) => !a.name) ? args[position]?.value : undefined);
    const schema = named('schema_name', 0);
    const table = named('table_name', 1);
    if (schema === undefined || table === undefined) return;
    const catalog = fn.length === 3 ? fn[0] : undefined;
    const parts = qualifyTable(catalog ? [catalog, schema.toLowerCase(), table.toLowerCase()] : [schema.toLowerCase(), table.toLowerCase()], this.host.session);
    const name = parts.join('.');
    this.indirect.set(name, { name, parts, access: 'read', columns: new Set(), allColumns: true, operations: new Set(['select']), written: new Set(), writtenAs: name });
  }

  // ---------------------------------------------------------------- expressions

  private expression(ctx: ParseTree | null | undefined): void {
    this.walk(ctx);
  }

  private walkProperties(ctx: P.PropertiesContext | null | undefined): void {
    this.walk(ctx);
  }

  /**
   * The generic walk. Each context class is looked up in KINDS: walked child by child, or handled
   * below; a class of a LEAF_RULES rule holds nothing to see; any other class fails the analysis.
   */
  private walk(node: ParseTree | null | undefined): void {
    if (!(node instanceof ParserRuleContext)) return;
    switch (KINDS.get(node.constructor)) {
      case 'generic':
        return this.walkChildren(node);
      case 'chain':
        return this.chain(node);
      case 'query':
        return this.query(node as P.QueryContext);
      case 'columnReference':
        return this.column(qualifiedParts((node as P.ColumnReferenceContext).columnName().qualifiedName()));
      case 'columnRef': {
        const name = (node as P.ColumnRefContext).qualifiedName();
        if (name) this.column(qualifiedParts(name));
        return;
      }
      case 'columnName':
        return this.column(qualifiedParts((node as P.ColumnNameContext).qualifiedName()));
      case 'dereference': {
        const parts = columnParts(node as P.DereferenceContext);
        if (parts) return this.column(parts);
        // A field of something else than a column (a function's result...): its base, found
        // without recursion along a chain of fields.
        let base: P.PrimaryExpressionContext = node as P.DereferenceContext;
        while (base instanceof P.DereferenceContext) base = base.primaryExpression();
        return this.walk(base);
      }
      case 'joinColumn': {
        const ref = node as P.JoinColumnReferenceContext;
        const id = ref.identifier();
        const col = ref.columnName();
        if (col) this.column([...(id ? [identifierText(id)] : []), ...qualifiedParts(col.qualifiedName())]);
        return;
      }
      case 'grouping':
        for (const q of (node as P.GroupingOperationContext).qualifiedName()) this.column(qualifiedParts(q));
        return;
      case 'lambda':
        // Trino: "Lambda expression should always be used inside a function". Elsewhere DuckDB
        // reads `c -> '$.x'` as its JSON operator on a column c.
        throw new AnalysisError('a lambda expression is only analyzed as an argument of a function');
      case 'functionCall':
        return this.functionCall(node as P.FunctionCallContext);
      case 'windowFrame': {
        // Row pattern recognition in a window: its variables range over the query's relations.
        const frame = node as P.WindowFrameContext;
        if (frame.measureDefinition().length || frame.variableDefinition().length) return this.withPattern(this.scope?.sources ?? [], () => this.walkChildren(frame));
        return this.walkChildren(frame);
      }
      default:
        if (LEAF_RULES.has(node.ruleIndex)) return;
        if (isTableRule(node)) throw new AnalysisError(`table name in a place the analyzer does not handle: ${node.getText().slice(0, 80)}`);
        throw new AnalysisError(`${P.TrinoSqlParser.ruleNames[node.ruleIndex] ?? 'a construct'} (${node.constructor.name}) is not supported by the analyzer`);
    }
  }

  private withPattern(inputs: Source[], body: () => void): void {
    const saved = this.patternInputs;
    this.patternInputs = inputs;
    try {
      body();
    } finally {
      this.patternInputs = saved;
    }
  }

  private walkChildren(node: ParserRuleContext): void {
    for (const child of node.children ?? []) this.walk(child);
  }

  /** A chain of binary operators along its left edge, or of unary ones, without recursion. */
  private chain(node: ParserRuleContext): void {
    const rest: ParseTree[] = [];
    let n: ParseTree = node;
    while (n instanceof ParserRuleContext && KINDS.get(n.constructor) === 'chain') {
      const children = n.children ?? [];
      if (LEFT_CHAINS.has(n.constructor)) {
        for (let i = children.length - 1; i > 0; i--) rest.push(children[i]!);
        n = children[0]!;
      } else {
        // NOT x, -x: an operator token, then the operand.
        n = children[children.length - 1]!;
      }
    }
    this.walk(n);
    for (let i = rest.length - 1; i >= 0; i--) this.walk(rest[i]);
  }

  private functionCall(node: P.FunctionCallContext): void {
    const parts = qualifiedParts(node.functionName().qualifiedName());
    if (parts.length > 1) this.routine(parts, 'function', false);
    if (parts.length === 1 && parts[0] === 'columns') {
      // DuckDB's COLUMNS('regex' | lambda | *) stands for the columns it matches (Trino has no
      // such function): every column of the relations in scope.
      for (let s = this.scope; s; s = s.parent) for (const source of s.sources) markAll(source);
    }
    const args = node.expression();
    const label = node.identifier();
    if (label && node.ASTERISK()) {
      // f(t.*): every column of t.
      const source = this.findSource([identifierText(label)]);
      if (source) markAll(source);
      else this.column([identifierText(label)]);
    }
    for (const child of node.children ?? []) {
      if (child === node.functionName() || child === label) continue;
      if (child instanceof P.ExpressionContext) {
        const lambda = lambdaOf(child);
        if (lambda) {
          this.lambda(lambda, isLambdaPosition(parts, args.indexOf(child), args.length));
          continue;
        }
      }
      this.walk(child);
    }
  }

  /**
   * A lambda argument. Its parameters are variables of its body, not columns, only where Trino's
   * higher-order function takes a lambda; anywhere else an engine may read `c -> x` as an operator
   * on column c (DuckDB's JSON arrow), so the parameters also count as columns of every relation
   * in scope.
   */
  private lambda(ctx: P.LambdaContext, variables: boolean): void {
    const params = ctx.identifier().map(identifierText);
    if (!variables) for (const p of params) this.column([p]);
    for (const name of params) this.lambdas.push({ name, scope: this.scope });
    try {
      this.walk(ctx.expression());
    } finally {
      this.lambdas.length -= params.length;
    }
  }

  private column(parts: string[]): void {
    if (!parts.length) return;
    if ((++this.work & 255) === 0) checkBudget();
    const first = parts[0]!;
    // A lambda variable, unless a subquery of the lambda's body stands between: there the name
    // may be a column of the subquery's relations (and Trino refuses subqueries in lambdas).
    for (let i = this.lambdas.length - 1; i >= 0; i--) if (this.lambdas[i]!.name === first && this.lambdas[i]!.scope === this.scope) return;
    if (this.parameters && !hasSources(this.scope)) throw new AnalysisError(`EXECUTE parameters must be constants: ${parts.join('.')} is a column reference`);
    // A pattern variable (MATCH_RECOGNIZE, window MEASURES and DEFINE) qualifies a column of the
    // pattern's input, and hides a relation of the same name.
    if (parts.length > 1) for (const input of this.patternInputs ?? []) addColumn(input, parts[1]!);
    if (parts.length > 1) {
      const found = this.findQualifier(parts);
      if (found) {
        addColumn(found.source, parts[found.length]!);
        return;
      }
    }
    // Unqualified, or a qualifier that names no relation (a row field, a pattern variable): the
    // column may come from any relation in scope.
    const names = parts.length > 1 ? [first, parts[1]!] : [first];
    for (let s = this.scope; s; s = s.parent) {
      for (const source of s.sources) {
        for (const n of names) addColumn(source, n);
        if (parts.length === 1 && source.names.some((q) => q.length === 1 && q[0] === first)) markAll(source);
      }
    }
  }

  /** The relation whose qualifier is a proper prefix of `parts`, innermost scope first. */
  private findQualifier(parts: string[]): { source: Source; length: number } | undefined {
    for (let s = this.scope; s; s = s.parent) {
      for (const source of s.sources) {
        for (const q of source.names) {
          if (q.length < parts.length && q.every((p, i) => parts[i] === p)) return { source, length: q.length };
        }
      }
    }
    return undefined;
  }

  /** The relation a whole `parts` designates (for `t.*`). */
  private findSource(parts: string[]): Source | undefined {
    for (let s = this.scope; s; s = s.parent) {
      for (const source of s.sources) if (source.names.some((q) => q.length === parts.length && q.every((p, i) => parts[i] === p))) return source;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- names

  /** A table reference in a FROM clause, TABLE t or TABLE(t): a WITH query when one is in scope. */
  private relationTable(ref: P.TableRefContext | P.ViewRefContext, op: TableOperation): TableEntry | undefined {
    const parts = qualifiedRef(ref);
    if (parts.length === 1 && this.isWithQuery(parts[0]!)) return undefined;
    return this.addTable(parts, 'read', op);
  }

  private isWithQuery(name: string): boolean {
    for (let w = this.withScope; w; w = w.parent) if (w.names.has(name)) return true;
    return false;
  }

  private table(ref: P.TableRefContext, access: 'read' | 'write', op?: TableOperation): TableEntry {
    return this.addTable(qualifiedRef(ref), access, op);
  }

  private view(ref: P.ViewRefContext, access: 'read' | 'write', op: TableOperation): TableEntry {
    return this.addTable(qualifiedRef(ref), access, op);
  }

  private tableOrView(ctx: P.TableOrViewNameContext, access: 'read' | 'write', op: TableOperation): TableEntry {
    const ref = ctx.tableRef() ?? ctx.viewRef();
    if (!ref) throw new AnalysisError('table name expected');
    return this.addTable(qualifiedRef(ref), access, op);
  }

  private tableCreate(ref: P.TableNameCreateContext, op: TableOperation): TableEntry {
    return this.addTable(qualifiedRef(ref), 'write', op);
  }

  private viewCreate(ref: P.ViewNameCreateContext, op: TableOperation): TableEntry {
    return this.addTable(qualifiedRef(ref), 'write', op);
  }

  private grantObject(ctx: P.GrantObjectContext, access: 'read' | 'write', tableOp: TableOperation, schemaOp: SchemaAccess['operation']): void {
    const parts = qualifiedParts(ctx.qualifiedName());
    const kind = ctx.entityKind();
    if (kind?.KW_SCHEMA()) {
      if (parts.length > 2) throw new AnalysisError('schema name has too many parts');
      const q = qualifySchema(parts, this.host.session);
      this.schemas.set(`${schemaOp} ${q.join('.')}`, { name: q.join('.'), parts: q, operation: schemaOp });
    } else if (!kind || kind.KW_TABLE()) this.addTable(parts, access, tableOp);
    else throw new AnalysisError(`privileges on ${kind.getText()} are not supported by the analyzer`);
  }

  addTable(raw: string[], access: 'read' | 'write', op?: TableOperation): TableEntry {
    if (raw.length < 1 || raw.length > 3) throw new AnalysisError(`a table name has 1 to 3 parts: ${raw.join('.')}`);
    const entry = this.entry(qualifyTable(raw, this.host.session), access, raw.join('.'));
    if (op) entry.operations.add(op);
    return entry;
  }

  private entry(parts: string[], access: 'read' | 'write', writtenAs?: string): TableEntry {
    const key = `${access}\u0000${parts.join('\u0000')}`;
    let entry = this.tables.get(key);
    if (!entry) {
      entry = { name: parts.join('.'), parts, access, columns: new Set(), allColumns: false, operations: new Set(), written: new Set(), writtenAs: writtenAs ?? parts.join('.') };
      const branch = this.host.branches.get(entry.writtenAs);
      if (branch) entry.branch = branch;
      this.tables.set(key, entry);
    }
    return entry;
  }

  private schema(ref: P.SchemaRefContext | P.SchemaNameCreateContext, op: SchemaAccess['operation']): SchemaAccess {
    const parts = qualifySchema(ref.getRuleContexts(P.IdentifierContext).map(identifierText), this.host.session);
    const access: SchemaAccess = { name: parts.join('.'), parts, operation: op };
    this.schemas.set(`${op} ${access.name}`, access);
    return access;
  }

  private sessionSchema(op: SchemaAccess['operation']): void {
    const { catalog, schema } = this.host.session;
    if (schema === undefined) return;
    const parts = catalog !== undefined ? [catalog.toLowerCase(), schema.toLowerCase()] : [schema.toLowerCase()];
    this.schemas.set(`${op} ${parts.join('.')}`, { name: parts.join('.'), parts, operation: op });
  }

  private routine(raw: string[], kind: RoutineUse['kind'], qualifyLikeTable: boolean): void {
    let parts = raw;
    const catalog = this.host.session.catalog?.toLowerCase();
    if (qualifyLikeTable) {
      // Connector table functions live in a catalog's `system` schema: query(...) is system.query.
      if (parts.length === 1) parts = ['system', ...parts];
      if (parts.length === 2 && catalog !== undefined) parts = [catalog, ...parts];
    } else if (kind !== 'table procedure' && parts.length === 2 && catalog !== undefined) parts = [catalog, ...parts];
    const name = parts.join('.');
    this.routines.set(`${kind} ${name}`, { name, parts, kind });
  }
}

// -------------------------------------------------------------------- helpers

function isValuesOnly(root: P.RootQueryContext): boolean {
  const q = root.query();
  if (!(q instanceof P.QueryStatementContext) || q.with()) return false;
  const term = q.queryNoWith().queryTerm();
  return term instanceof P.QueryTermDefaultContext && term.queryPrimary() instanceof P.InlineTableContext;
}

const TABLE_RULES = new Set([P.TrinoSqlParser.RULE_tableRef, P.TrinoSqlParser.RULE_tableNameCreate, P.TrinoSqlParser.RULE_viewRef, P.TrinoSqlParser.RULE_viewNameCreate, P.TrinoSqlParser.RULE_tableOrViewName, P.TrinoSqlParser.RULE_schemaRef, P.TrinoSqlParser.RULE_schemaNameCreate, P.TrinoSqlParser.RULE_catalogRef, P.TrinoSqlParser.RULE_catalogNameCreate]);

function isTableRule(node: ParserRuleContext): boolean {
  return TABLE_RULES.has(node.ruleIndex);
}

export function identifierText(ctx: P.IdentifierContext): string {
  return identifierPart(ctx.start!);
}

function qualifiedParts(ctx: P.QualifiedNameContext): string[] {
  return ctx.identifier().map(identifierText);
}

function qualifiedRef(ctx: P.TableRefContext | P.ViewRefContext | P.TableNameCreateContext | P.ViewNameCreateContext): string[] {
  return ctx.identifier().map(identifierText);
}

function lastPart(ctx: P.QualifiedNameContext | null): string {
  const parts = ctx ? qualifiedParts(ctx) : [];
  return parts[parts.length - 1] ?? '';
}

/** Qualifiers that designate an unaliased table: t, s.t and c.s.t for c.s.t. */
function suffixes(parts: string[]): string[][] {
  const out: string[][] = [];
  for (let i = parts.length - 1; i >= 0; i--) out.push(parts.slice(i));
  return out;
}

/** a.b.c of a column reference or a chain of dereferences over one; undefined for other bases. */
function columnParts(ctx: P.PrimaryExpressionContext): string[] | undefined {
  const fields: string[] = [];
  let node: P.PrimaryExpressionContext = ctx;
  while (node instanceof P.DereferenceContext) {
    fields.unshift(identifierText(node.identifier()));
    node = node.primaryExpression();
  }
  if (node instanceof P.ColumnReferenceContext) return [...qualifiedParts(node.columnName().qualifiedName()), ...fields];
  return undefined;
}

function markAll(source: Source): void {
  if (source.entry) source.entry.allColumns = true;
  for (const m of source.members ?? []) markAll(m);
}

function addColumn(source: Source, column: string): void {
  for (const c of source.renamed?.get(column) ?? [column]) {
    if (source.entry) source.entry.columns.add(c);
    for (const m of source.members ?? []) addColumn(m, c);
  }
}

function hasSources(scope: Scope | null): boolean {
  for (let s = scope; s; s = s.parent) if (s.sources.length) return true;
  return false;
}

/** The lambda an argument is, through brackets: `x -> e`, `(x -> e)`. */
function lambdaOf(arg: P.ExpressionContext): P.LambdaContext | undefined {
  let node: ParseTree = arg;
  for (;;) {
    if (node instanceof P.LambdaContext) return node;
    if (node instanceof P.ParenthesizedExpressionContext) node = node.expression();
    else if (node instanceof P.PredicatedContext && !node.predicate()) node = node.valueExpression();
    else if (node instanceof P.ExpressionContext || node instanceof P.ValueExpressionDefaultContext) node = node.getChild(0)!;
    else return undefined;
  }
}

/**
 * The anchor and step of a WITH RECURSIVE query that Trino evaluates recursively: column aliases,
 * and a body that is just `anchor UNION [ALL] step` (no WITH, ORDER BY, OFFSET or LIMIT of its
 * own). Any other query in a WITH RECURSIVE clause is an ordinary one (Trino refuses it when it
 * names itself; DuckDB then reads the real table, which is what the analysis records).
 */
function recursionOf(named: P.NamedQueryContext): { anchor: P.QueryTermContext; step: P.QueryTermContext } | undefined {
  if (!named.columnAliases()) return undefined;
  const q = named.query();
  if (!(q instanceof P.QueryStatementContext) || q.with()) return undefined;
  const body = q.queryNoWith();
  if (body.getChildCount() !== 1) return undefined;
  const term = body.queryTerm();
  if (!(term instanceof P.SetOperationContext) || !term.KW_UNION()) return undefined;
  const [anchor, step] = term.queryTerm();
  return anchor && step ? { anchor, step } : undefined;
}

export function stringValue(ctx: P.StringContext): string {
  if (ctx instanceof P.BasicStringLiteralContext) return basicString(ctx.STRING().getText());
  if (ctx instanceof P.UnicodeStringLiteralContext) {
    const escape = ctx.STRING();
    try {
      return unicodeString(ctx.UNICODE_STRING().getText(), escape ? basicString(escape.getText()) : undefined);
    } catch (error) {
      // Trino's parser refuses the literal: a syntax error at its position.
      if (error instanceof AnalysisError && !error.problem && ctx.start) throw syntaxError(error.message, ctx.start);
      throw error;
    }
  }
  throw new AnalysisError('unknown string literal');
}

/** The value of an expression that is just a string literal. */
function literalString(e: P.ExpressionContext): string | undefined {
  let node: ParseTree = e;
  while (node instanceof ParserRuleContext && node.getChildCount() === 1 && !(node instanceof P.StringContext)) node = node.getChild(0)!;
  return node instanceof P.StringContext ? stringValue(node) : undefined;
}

function roleStatementName(ctx: P.StatementContext): string {
  if (ctx instanceof P.CreateRoleContext) return 'createRole';
  if (ctx instanceof P.DropRoleContext) return 'dropRole';
  if (ctx instanceof P.GrantRolesContext) return 'grantRoles';
  if (ctx instanceof P.RevokeRolesContext) return 'revokeRoles';
  if (ctx instanceof P.SetRoleContext) return 'setRole';
  if (ctx instanceof P.ShowRolesContext) return 'showRoles';
  return 'showRoleGrants';
}

function sessionStatementName(ctx: P.StatementContext): string {
  if (ctx instanceof P.ResetSessionContext) return 'resetSession';
  if (ctx instanceof P.ResetSessionAuthorizationContext) return 'resetSessionAuthorization';
  if (ctx instanceof P.StartTransactionContext) return 'startTransaction';
  if (ctx instanceof P.CommitContext) return 'commit';
  if (ctx instanceof P.RollbackContext) return 'rollback';
  if (ctx instanceof P.DeallocateContext) return 'deallocate';
  if (ctx instanceof P.SetPathContext) return 'setPath';
  if (ctx instanceof P.ShowSessionContext) return 'showSession';
  return 'showCatalogs';
}
