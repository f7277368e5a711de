/**
 * Bounds on the work one analysis may do, so that no statement costs more than a bounded time
 * or overflows the stack: what exceeds them is refused as too complex (a USER_ERROR for the
 * client), never analyzed in part.
 */
import type { AnalysisProblem } from '../ports/index.js';
import { AnalysisError } from './names.js';

/** Trino's own default for query.max-length. */
export const MAX_SQL_LENGTH = 1_000_000;

/** Tokens the parser may see (after long lists of literals are collapsed): parsing is linear, about 8 µs a token. */
export const MAX_TOKENS = 100_000;

/**
 * Brackets and CASE ... END nested deeper than this are refused: parsing time grows faster than
 * the nesting (ANTLR looks ahead to each closing bracket), 1000 levels cost seconds of CPU and then
 * overflow the stack. Generated SQL seldom goes past a few dozen levels.
 */
export const MAX_NESTING = 128;

/**
 * Wall-clock budget of one analysis, nested statements included; checked while parsing and
 * walking. Ample for a cold parser on a busy machine (a TPC-DS query's first analysis takes about
 * 0.4 s), short enough that no statement holds the gateway for more than about 2 s.
 */
export const BUDGET_MS = 1800;

let deadline = Infinity;

export function tooComplex(message: string): AnalysisError {
  const problem: AnalysisProblem = { kind: 'too-complex', message };
  return new AnalysisError(message, problem);
}

/** Starts the clock of a top-level analysis. */
export function startBudget(now = performance.now()): void {
  deadline = now + BUDGET_MS;
}

export function endBudget(): void {
  deadline = Infinity;
}

/** Throws too-complex once the budget is spent. Callers check every few hundred steps. */
export function checkBudget(): void {
  if (performance.now() > deadline) throw tooComplex(`the statement takes too long to analyze (more than ${BUDGET_MS} ms)`);
}
