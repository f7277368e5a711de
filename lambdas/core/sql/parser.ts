/**
 * The Trino grammar of dt-sql-parser, imported on its own: the package's index pulls in the
 * grammars of seven other dialects, the Trino files alone are a quarter of that.
 *
 * Parsing runs ANTLR's SLL prediction first (an order of magnitude faster on this grammar) and
 * falls back to full LL only when SLL reports an error, the usual two-stage strategy: when SLL
 * succeeds the tree is the one LL would build.
 *
 * One statement, then the end of the text. The grammar's entry rule is `statements* EOF` with
 * optional semicolons, so `SELECT 21 < ALL (VALUES 19)` has a second reading as two statements
 * (`SELECT 21 < all` and `(VALUES 19)`), and so does `CROSS JOIN LATERAL (...)` (a table named
 * lateral). ANTLR picks the first alternative of an ambiguity, the wrong one here. We parse
 * `singleStatement` instead, invoked from an ATN state added to the grammar whose only follow is
 * EOF, so that full-context prediction sees the end of the text after the statement, as Trino's
 * own grammar (`singleStatement: statement EOF`) does.
 */
import { type WritableToken, AtomTransition, BailErrorStrategy, BaseErrorListener, BasicState, CharStreamImpl, CommonTokenStream, Interval, DefaultErrorStrategy, ParseCancellationException, PredictionMode, RuleTransition, Token, type ATNSimulator, type RecognitionException, type Recognizer } from 'antlr4ng';
import { TrinoSqlLexer } from 'dt-sql-parser/dist/lib/trino/TrinoSqlLexer.js';
import { ProgramContext, TrinoSqlParser, type SingleStatementContext } from 'dt-sql-parser/dist/lib/trino/TrinoSqlParser.js';
import { checkBudget, tooComplex } from './limits.js';

export { TrinoSqlLexer, TrinoSqlParser };

export interface SyntaxProblem {
  line: number;
  column: number;
  message: string;
}

class Collector extends BaseErrorListener {
  first: SyntaxProblem | undefined;
  override syntaxError<S extends Token, T extends ATNSimulator>(_r: Recognizer<T>, offending: S | null, line: number, column: number, message: string, _e: RecognitionException | null): void {
    // dt-sql-parser's completion predicates fail where Trino reports the token it did not expect.
    const text = message.includes('failed predicate') && offending ? `mismatched input '${offending.type === Token.EOF ? '<EOF>' : offending.text}'` : message;
    if (!this.first) this.first = { line, column: column + 1, message: shorten(text) };
  }
}

/** ANTLR lists every expected token; a long list helps nobody. */
function shorten(message: string): string {
  const expecting = message.indexOf(' expecting {');
  if (expecting >= 0 && message.length > 160) return `${message.slice(0, expecting)} (the statement is not valid Trino SQL there)`;
  return message.length > 300 ? `${message.slice(0, 300)}...` : message;
}

/**
 * The lexer's input. ANTLR's own stream rebuilds a token's text from code points, a character at
 * a time, on every read of `token.text`; this one slices the source string instead when each
 * character is one UTF-16 unit (no astral characters), where both give the same text.
 */
class SourceStream extends CharStreamImpl {
  readonly #source: string;
  readonly #sliceable: boolean;
  constructor(source: string) {
    super(source);
    this.#source = source;
    this.#sliceable = this.size === source.length;
  }

  override getText(intervalOrStart: Interval | number, stop?: number): string {
    const interval = intervalOrStart instanceof Interval;
    const begin = interval ? intervalOrStart.start : intervalOrStart;
    const end = interval ? intervalOrStart.stop : (stop ?? this.size - 1);
    return this.#sliceable ? this.#source.slice(begin, Math.min(end, this.size - 1) + 1) : super.getText(begin, end);
  }
}

/** Checks the analysis budget every 512 tokens consumed, lookahead of the parser's prediction included. */
class BudgetedTokenStream extends CommonTokenStream {
  #consumed = 0;
  override consume(): void {
    if ((++this.#consumed & 511) === 0) checkBudget();
    super.consume();
  }
}

const collector = new Collector();
let lexer: TrinoSqlLexer | undefined;
let parser: TrinoSqlParser | undefined;

/** Tokens of the default channel and the hidden ones (comments, spaces), as the lexer makes them. */
export function lex(sql: string): { stream: CommonTokenStream; problem?: SyntaxProblem } {
  lexer ??= new TrinoSqlLexer(new SourceStream(''));
  lexer.removeErrorListeners();
  collector.first = undefined;
  lexer.addErrorListener(collector);
  lexer.inputStream = new SourceStream(sql);
  const stream = new BudgetedTokenStream(lexer);
  stream.fill();
  return collector.first ? { stream, problem: collector.first } : { stream };
}

export type ParseResult = { ok: true; statement: SingleStatementContext } | { ok: false; problem: SyntaxProblem };

let invokingState = -1;

/** Adds `singleStatement EOF` to the grammar's ATN; returns the state that invokes singleStatement. */
export function singleStatementEntry(): number {
  if (invokingState >= 0) return invokingState;
  const atn = TrinoSqlParser._ATN;
  const follow = new BasicState();
  follow.ruleIndex = TrinoSqlParser.RULE_program;
  atn.addState(follow);
  follow.addTransition(new AtomTransition(atn.ruleToStopState[TrinoSqlParser.RULE_program]!, Token.EOF));
  const invoking = new BasicState();
  invoking.ruleIndex = TrinoSqlParser.RULE_program;
  atn.addState(invoking);
  invoking.addTransition(new RuleTransition(atn.ruleToStartState[TrinoSqlParser.RULE_singleStatement]!, TrinoSqlParser.RULE_singleStatement, 0, follow));
  invokingState = invoking.stateNumber;
  return invokingState;
}

const bail = new BailErrorStrategy();
const recover = new DefaultErrorStrategy();

/**
 * Parses a lexed text as exactly one statement (an optional semicolon, then the end): first with
 * SLL prediction and an error strategy that gives up at the first error (no recovery work on
 * the fast path), then, only if that fails, with full LL and the default strategy, which also
 * gives the error message.
 */
export function parseTokens(stream: CommonTokenStream): ParseResult {
  parser ??= new TrinoSqlParser(stream);
  const p = parser;
  const entry = singleStatementEntry();
  p.removeErrorListeners();
  p.addErrorListener(collector);
  for (const mode of [PredictionMode.SLL, PredictionMode.LL]) {
    collector.first = undefined;
    stream.seek(0);
    p.tokenStream = stream;
    p.interpreter.predictionMode = mode;
    p.errorHandler = mode === PredictionMode.SLL ? bail : recover;
    p.context = new ProgramContext(null, -1);
    p.state = entry;
    let statement: SingleStatementContext;
    try {
      statement = p.singleStatement();
    } catch (error) {
      // The parser is shared: whatever stopped it, it starts clean next time.
      p.reset();
      if (error instanceof ParseCancellationException) continue;
      if (error instanceof RangeError) throw tooComplex('the statement is nested too deeply to be parsed');
      throw error;
    }
    if (!collector.first && stream.LA(1) !== Token.EOF) {
      const t = stream.LT(1)!;
      collector.first = { line: t.line, column: t.column + 1, message: `extraneous input '${t.text}' after the statement` };
    }
    p.context = null;
    if (!collector.first) return { ok: true, statement };
  }
  return { ok: false, problem: collector.first ?? { line: 1, column: 1, message: 'the statement could not be parsed' } };
}

const LITERALS = new Set([TrinoSqlLexer.INTEGER_VALUE, TrinoSqlLexer.DECIMAL_VALUE, TrinoSqlLexer.DOUBLE_VALUE, TrinoSqlLexer.STRING, TrinoSqlLexer.KW_NULL, TrinoSqlLexer.KW_TRUE, TrinoSqlLexer.KW_FALSE]);
const NUMBERS = new Set([TrinoSqlLexer.INTEGER_VALUE, TrinoSqlLexer.DECIMAL_VALUE, TrinoSqlLexer.DOUBLE_VALUE]);

/** Lists shorter than this are parsed as they are. */
const COLLAPSE_FROM = 32;

/**
 * Long lists of plain literals, `IN (1, 2, ...)` and `ARRAY[1, 2, ...]`, keep only their first
 * element for the parser: the others are moved off the parser's channel. Literals name no table
 * and no column, and the tokens keep their positions, so the analysis and the positions of syntax
 * errors are unchanged; a 40,000-value IN list then parses in microseconds instead of a second.
 * Returns how many tokens the parser will see.
 */
export function collapseLiteralLists(stream: CommonTokenStream): number {
  const all = stream.getTokens();
  const tokens = all.filter((t) => t.channel === Token.DEFAULT_CHANNEL && t.type !== Token.EOF);
  let visible = tokens.length;
  for (let i = 1; i < tokens.length; i++) {
    const open = tokens[i]!;
    const close = open.text === '(' && tokens[i - 1]!.type === TrinoSqlLexer.KW_IN ? ')' : open.text === '[' && tokens[i - 1]!.type === TrinoSqlLexer.KW_ARRAY ? ']' : undefined;
    if (!close) continue;
    let j = i + 1;
    let count = 0;
    let firstEnd = -1;
    for (;;) {
      if (tokens[j]?.type === TrinoSqlLexer.MINUS && NUMBERS.has(tokens[j + 1]?.type ?? -2)) j++;
      if (!LITERALS.has(tokens[j]?.type ?? -2)) break;
      if (++count === 1) firstEnd = j;
      j++;
      if (tokens[j]?.text !== ',') break;
      j++;
    }
    if (count < COLLAPSE_FROM || tokens[j]?.text !== close) continue;
    for (let k = firstEnd + 1; k < j; k++) (tokens[k] as WritableToken).channel = Token.HIDDEN_CHANNEL;
    visible -= j - firstEnd - 1;
    i = j;
  }
  return visible;
}
