/**
 * The parser's and the lexer's prediction caches, saved and restored.
 *
 * ANTLR predicts each decision by simulating the grammar's ATN and caches what it learns in one
 * DFA per decision. The caches start empty in a new process, so the first statements are slow
 * (the warm-up of analyze.ts fills them for the common shapes of queries, and takes most of a cold
 * start). A snapshot is those DFAs written out after the warm-up: every DFA state with its ATN
 * configurations (ATN state, alternative, prediction context, semantic context), its flags, its
 * prediction and its edges. Restored into the empty DFAs of a new process, the parser finds the
 * same caches the warm-up would have built, without simulating anything.
 *
 * The caches only memoize the simulation: a prediction read from them is the one the simulation
 * gives, so the parse trees and the analysis do not depend on them (tests compare a restored
 * parser, a warmed one and a cold one over the corpus). A snapshot names the grammar it was taken
 * from (digests of the parser's and the lexer's serialized ATNs, their state and decision counts):
 * restoring one taken from another grammar is refused, and the caller warms up instead.
 *
 * The lexer's DFA (one per lexer mode) is saved and restored the same way: a new process otherwise
 * builds it on its first statement, the closure of every token rule on the first character.
 *
 * What a restore reads is cheap to parse: a state's configurations, nine tenths of the snapshot,
 * are a string in the JSON (JSON.parse copies it instead of building arrays of numbers), split only
 * when the state's configurations are first read, and the prediction contexts they name are built
 * then too.
 */
import { createHash } from 'node:crypto';
import { ArrayPredictionContext, ATNConfig, ATNConfigSet, ATNSimulator, BitSet, DFA, DFAState, EmptyPredictionContext, HashSet, LexerActionExecutor, LexerATNConfig, OrderedATNConfigSet, PredictionContext, SemanticContext, SingletonPredictionContext, type ATN } from 'antlr4ng';
import { singleStatementEntry, TrinoSqlLexer, TrinoSqlParser } from './parser.js';

const FORMAT = 2;

/** antlr4ng does not export its AND and OR of semantic contexts: their classes, from one of each. */
type Combination = SemanticContext & { opnds: SemanticContext[] };
const two = (): [SemanticContext, SemanticContext] => [new SemanticContext.Predicate(0, 0, false), new SemanticContext.Predicate(0, 1, false)];
const AND = SemanticContext.andContext(...two())!.constructor as new (...args: never[]) => Combination;
const OR = SemanticContext.orContext(...two())!.constructor as new (...args: never[]) => Combination;

/** The reference of the shared instances and of null, in the context, predicate and action tables. */
const NULL_REF = -1;
const EMPTY_REF = -2;
const EMPTY_INSTANCE_REF = -3;
const NONE_REF = -1;
const ERROR_REF = -1;

/** Flags of a DFA state and of its configuration set. */
const ACCEPT = 1;
const FULL_CONTEXT_REQUIRED = 2;
const HAS_SEMANTIC_CONTEXT = 4;
const DIPS_INTO_OUTER_CONTEXT = 8;
const FULL_CTX_SET = 16;
const EDGES_HOLEY = 32;

/** Numbers per configuration of the parser: ATN state, alternative, context, semantic context, reach into the outer context, precedence filter suppressed. */
const CONFIG_WIDTH = 6;
/** Numbers per configuration of the lexer: ATN state, alternative, context, lexer actions (in the executor table), passed through a non-greedy decision. */
const LEXER_CONFIG_WIDTH = 5;

type Kind = 'parser' | 'lexer';

type ContextEntry = [returnState: number, parent: number] | [returnStates: number[], parents: number[]];
type SemanticEntry = [kind: 0, ruleIndex: number, predIndex: number, ctxDependent: 0 | 1] | [kind: 1, precedence: number] | [kind: 2 | 3, ...operands: number[]];

interface StateEntry {
  /** Flags (ACCEPT, ...). */
  f: number;
  /** Prediction. */
  p: number;
  /** The configuration set's unique alternative. */
  u: number;
  /** Conflicting alternatives, when the set has them. */
  c?: number[];
  /** Configurations, CONFIG_WIDTH (in the lexer LEXER_CONFIG_WIDTH) numbers each, joined by commas. */
  k: string;
  /** Length of the edge array (absent: no edges). */
  l?: number;
  /** Edges: index in the edge array, then target (index in the DFA's states, or ERROR_REF). */
  e?: number[];
  /** Predicates: semantic context, then alternative. */
  q?: number[];
  /** A lexer state's actions on accepting (in the executor table). */
  x?: number;
}

interface DfaEntry {
  /** The decision (in the lexer, the mode). */
  d: number;
  /** The states, in the order of their state numbers. */
  s: StateEntry[];
  /** The start state (index in s); or, for a precedence DFA, the holder of the start states by precedence. */
  z: number | StateEntry | null;
}

export interface ParserSnapshot {
  format: number;
  grammar: string;
  contexts: ContextEntry[];
  predicates: SemanticEntry[];
  dfas: DfaEntry[];
  /** The lexer's DFAs, and the sequences of lexer actions their states carry (indexes in the lexer ATN's actions). */
  lexer: { executors: number[][]; dfas: DfaEntry[] };
}

/**
 * The length and a digest of a serialized ATN. Hashed natively: a loop over its tens of thousands
 * of numbers, in code not yet optimized at init, took milliseconds of every cold start.
 */
function digest(serialized: number[]): string {
  return `${serialized.length}:${createHash('sha256').update(new Int32Array(serialized)).digest('hex').slice(0, 16)}`;
}

const serializedAtn = (recognizer: unknown): number[] => (recognizer as { _serializedATN: number[] })._serializedATN;

/** Which grammar the caches belong to: the parser's ATN as it serializes it, its shape once singleStatement's entry is added, and the lexer's ATN. */
export function grammarFingerprint(): string {
  singleStatementEntry();
  const atn: ATN = TrinoSqlParser._ATN;
  const lexer: ATN = TrinoSqlLexer._ATN;
  return `trino:${digest(serializedAtn(TrinoSqlParser))}:${atn.states.length}:${atn.decisionToState.length}:${atn.maxTokenType}:lexer:${digest(serializedAtn(TrinoSqlLexer))}:${lexer.states.length}:${lexer.modeToStartState.length}`;
}

/** The parser's DFAs (shared by every instance of the generated parser). */
export function parserDfas(): DFA[] {
  return (TrinoSqlParser as unknown as { decisionsToDFA: DFA[] }).decisionsToDFA;
}

/** The lexer's DFAs, one per mode (shared by every instance of the generated lexer). */
export function lexerDfas(): DFA[] {
  return (TrinoSqlLexer as unknown as { decisionsToDFA: DFA[] }).decisionsToDFA;
}

/** Empty DFAs for every decision of the grammar, as a new process has them. */
export function emptyParserDfas(): DFA[] {
  singleStatementEntry();
  return TrinoSqlParser._ATN.decisionToState.map((state, decision) => new DFA(state, decision));
}

/** Empty lexer DFAs, as a new process has them. */
export function emptyLexerDfas(): DFA[] {
  return TrinoSqlLexer._ATN.decisionToState.map((state, decision) => new DFA(state, decision));
}

/**
 * The sequences of lexer actions of a snapshot, by reference: indexes in the lexer ATN's actions.
 * They are compared by value: equal ones, built apart by the lexer, share an entry.
 */
function executorTable(): { executors: number[][]; executorRef(executor: LexerActionExecutor | null): number } {
  const executors: number[][] = [];
  const refs = new Map<string, number>();
  const grammarActions: unknown[] = TrinoSqlLexer._ATN.lexerActions;
  const executorRef = (executor: LexerActionExecutor | null): number => {
    if (executor === null) return NONE_REF;
    const actions = (executor as unknown as { lexerActions: unknown[] }).lexerActions.map((action) => {
      const at = grammarActions.indexOf(action);
      if (at < 0) throw new Error("a lexer action that is not one of the grammar's");
      return at;
    });
    const key = actions.join(',');
    const known = refs.get(key);
    if (known !== undefined) return known;
    executors.push(actions);
    refs.set(key, executors.length - 1);
    return executors.length - 1;
  };
  return { executors, executorRef };
}

/** Writes the DFAs (the parser's and the lexer's own by default) as a snapshot. */
export function takeParserSnapshot(dfas: DFA[] = parserDfas(), lexer: DFA[] = lexerDfas()): ParserSnapshot {
  const contexts: ContextEntry[] = [];
  const contextRefs = new Map<PredictionContext, number>();
  const predicates: SemanticEntry[] = [];
  const predicateRefs = new Map<SemanticContext, number>();
  const { executors, executorRef } = executorTable();

  const contextRef = (context: PredictionContext | null): number => {
    if (context === null) return NULL_REF;
    if (context === PredictionContext.EMPTY) return EMPTY_REF;
    if (context === EmptyPredictionContext.Instance) return EMPTY_INSTANCE_REF;
    const known = contextRefs.get(context);
    if (known !== undefined) return known;
    let entry: ContextEntry;
    if (context instanceof ArrayPredictionContext) entry = [[...context.returnStates], context.parents.map((p) => contextRef(p))];
    else if (context instanceof SingletonPredictionContext && !(context instanceof EmptyPredictionContext)) entry = [context.returnState, contextRef(context.parent)];
    else throw new Error(`a prediction context of an unexpected kind: ${context.constructor.name}`);
    contexts.push(entry);
    contextRefs.set(context, contexts.length - 1);
    return contexts.length - 1;
  };

  const predicateRef = (semantic: SemanticContext): number => {
    if (semantic === SemanticContext.NONE) return NONE_REF;
    const known = predicateRefs.get(semantic);
    if (known !== undefined) return known;
    let entry: SemanticEntry;
    if (semantic instanceof SemanticContext.Predicate) entry = [0, semantic.ruleIndex, semantic.predIndex, semantic.isCtxDependent ? 1 : 0];
    else if (semantic instanceof SemanticContext.PrecedencePredicate) entry = [1, semantic.precedence];
    else if (semantic instanceof AND || semantic instanceof OR) entry = [semantic instanceof AND ? 2 : 3, ...(semantic as Combination).opnds.map((o) => predicateRef(o))];
    else throw new Error(`a semantic context of an unexpected kind: ${semantic.constructor.name}`);
    predicates.push(entry);
    predicateRefs.set(semantic, predicates.length - 1);
    return predicates.length - 1;
  };

  const stateEntry = (state: DFAState, index: Map<DFAState, number>, kind: Kind): StateEntry => {
    const set = state.configs;
    const flags = (state.isAcceptState ? ACCEPT : 0) | (state.requiresFullContext ? FULL_CONTEXT_REQUIRED : 0) | (set.hasSemanticContext ? HAS_SEMANTIC_CONTEXT : 0) | (set.dipsIntoOuterContext ? DIPS_INTO_OUTER_CONTEXT : 0) | (set.fullCtx ? FULL_CTX_SET : 0);
    const configs: number[] = [];
    if (kind === 'parser') {
      if (state.lexerActionExecutor !== null) throw new Error('a parser DFA state with lexer actions');
      for (const c of set.configs) configs.push(c.state.stateNumber, c.alt, contextRef(c.context), predicateRef(c.semanticContext), c.reachesIntoOuterContext, c.precedenceFilterSuppressed ? 1 : 0);
    } else {
      for (const c of set.configs) {
        if (!(c instanceof LexerATNConfig) || c.semanticContext !== SemanticContext.NONE || c.reachesIntoOuterContext !== 0 || c.precedenceFilterSuppressed) throw new Error('a lexer configuration the snapshot cannot hold');
        configs.push(c.state.stateNumber, c.alt, contextRef(c.context), executorRef(c.lexerActionExecutor), c.passedThroughNonGreedyDecision ? 1 : 0);
      }
    }
    const entry: StateEntry = { f: flags, p: state.prediction, u: set.uniqueAlt, k: configs.join(',') };
    if (set.conflictingAlts !== null) entry.c = [...set.conflictingAlts];
    if (state.edges !== null) {
      const edges: number[] = [];
      let holey = false;
      for (let i = 0; i < state.edges.length; i++) {
        if (!(i in state.edges)) {
          holey = true;
          continue;
        }
        const target = state.edges[i];
        if (target === null || target === undefined) continue;
        const ref = target === ATNSimulator.ERROR ? ERROR_REF : index.get(target);
        if (ref === undefined) throw new Error(`an edge to a state outside its DFA (state ${target.stateNumber})`);
        edges.push(i, ref);
      }
      entry.l = state.edges.length;
      entry.e = edges;
      if (holey) entry.f |= EDGES_HOLEY;
    }
    if (state.predicates !== null) entry.q = state.predicates.flatMap((p) => [predicateRef(p.pred), p.alt]);
    if (kind === 'lexer' && state.lexerActionExecutor !== null) entry.x = executorRef(state.lexerActionExecutor);
    return entry;
  };

  const dfaEntries = (list: DFA[], kind: Kind): DfaEntry[] => {
    const out: DfaEntry[] = [];
    for (const dfa of list) {
      const states = dfa.getStates();
      if (states.length === 0) continue;
      states.forEach((s, i) => {
        if (s.stateNumber !== i) throw new Error(`decision ${dfa.decision}: state numbers are not 0..n-1`);
      });
      const index = new Map(states.map((s, i) => [s, i]));
      let start: DfaEntry['z'] = null;
      if (dfa.isPrecedenceDfa()) start = dfa.s0 ? stateEntry(dfa.s0, index, kind) : null;
      else if (dfa.s0) start = index.get(dfa.s0) ?? null;
      if (!dfa.isPrecedenceDfa() && dfa.s0 && start === null) throw new Error(`decision ${dfa.decision}: the start state is not among its states`);
      out.push({ d: dfa.decision, s: states.map((s) => stateEntry(s, index, kind)), z: start });
    }
    return out;
  };

  const parser = dfaEntries(dfas, 'parser');
  const lexerEntries = dfaEntries(lexer, 'lexer');
  return { format: FORMAT, grammar: grammarFingerprint(), contexts, predicates, dfas: parser, lexer: { executors, dfas: lexerEntries } };
}

/** What the states of a snapshot refer to: prediction contexts (each built when a configuration first names it), predicates, lexer actions. */
interface Tables {
  context(at: number): PredictionContext | null;
  predicates: SemanticContext[];
  executors: LexerActionExecutor[];
}

function numbers(text: string): number[] {
  return text === '' ? [] : text.split(',').map(Number);
}

function parserConfigs(entry: StateEntry, atn: ATN, tables: Tables): ATNConfig[] {
  const k = numbers(entry.k);
  const configs: ATNConfig[] = [];
  for (let i = 0; i < k.length; i += CONFIG_WIDTH) {
    const config = new ATNConfig({ state: atnState(atn, k[i]!), alt: k[i + 1]!, context: tables.context(k[i + 2]!), semanticContext: k[i + 3]! === NONE_REF ? SemanticContext.NONE : predicate(tables, k[i + 3]!) }, null);
    config.reachesIntoOuterContext = k[i + 4]!;
    config.precedenceFilterSuppressed = k[i + 5]! === 1;
    configs.push(config);
  }
  return configs;
}

function lexerConfigs(entry: StateEntry, atn: ATN, tables: Tables): ATNConfig[] {
  const k = numbers(entry.k);
  const configs: ATNConfig[] = [];
  for (let i = 0; i < k.length; i += LEXER_CONFIG_WIDTH) {
    const config = new LexerATNConfig({ state: atnState(atn, k[i]!), alt: k[i + 1]!, context: tables.context(k[i + 2]!), lexerActionExecutor: executor(tables, k[i + 3]!) }, null);
    (config as { passedThroughNonGreedyDecision: boolean }).passedThroughNonGreedyDecision = k[i + 4]! === 1;
    configs.push(config);
  }
  return configs;
}

function atnState(atn: ATN, at: number): ATN['states'][number] {
  const state = atn.states[at];
  if (!state) throw new Error(`no ATN state ${at}`);
  return state;
}

function predicate(tables: Tables, at: number): SemanticContext {
  const p = tables.predicates[at];
  if (!p) throw new Error(`no semantic context ${at}`);
  return p;
}

function executor(tables: Tables, at: number): LexerActionExecutor | null {
  if (at === NONE_REF) return null;
  const e = tables.executors[at];
  if (!e) throw new Error(`no lexer actions ${at}`);
  return e;
}

/**
 * A state's configurations are read only when the recognizer leaves it by an edge its DFA does
 * not have yet, or compares it with a new state: a restored set builds them then, on first read,
 * so that a restore does not build the tens of thousands of them. The set's other fields are the
 * ones addDFAState leaves (read-only, its lookup table emptied); its `configs` is an accessor of
 * its prototype until first read, then a plain property. The DFA states themselves stay plain
 * instances of DFAState, which prediction reads on every token (and the lexer on every character).
 */
const pendingConfigs = new WeakMap<ATNConfigSet, () => ATNConfig[]>();

function settleConfigs(set: ATNConfigSet, configs: ATNConfig[]): void {
  pendingConfigs.delete(set);
  Object.defineProperty(set, 'configs', { value: configs, writable: true, enumerable: true, configurable: true });
}

function lazySetPrototype(base: object): object {
  return Object.create(base, {
    configs: {
      configurable: true,
      get(this: ATNConfigSet): ATNConfig[] {
        const configs = pendingConfigs.get(this)!();
        settleConfigs(this, configs);
        return configs;
      },
      set(this: ATNConfigSet, configs: ATNConfig[]) {
        settleConfigs(this, configs);
      },
    },
  });
}

/** Restored sets of the parser (ATNConfigSet) and of the lexer (OrderedATNConfigSet). */
const LAZY_SET = { parser: lazySetPrototype(ATNConfigSet.prototype), lexer: lazySetPrototype(OrderedATNConfigSet.prototype) };

function configSet(entry: StateEntry, kind: Kind, atn: ATN, tables: Tables): ATNConfigSet {
  let conflictingAlts: BitSet | null = null;
  if (entry.c) {
    conflictingAlts = new BitSet();
    for (const alt of entry.c) conflictingAlts.set(alt);
  }
  const set = Object.assign(Object.create(LAZY_SET[kind]) as ATNConfigSet, {
    hasSemanticContext: (entry.f & HAS_SEMANTIC_CONTEXT) !== 0,
    dipsIntoOuterContext: (entry.f & DIPS_INTO_OUTER_CONTEXT) !== 0,
    fullCtx: (entry.f & FULL_CTX_SET) !== 0,
    uniqueAlt: entry.u,
    configLookup: new HashSet<ATNConfig>(),
    conflictingAlts,
    readOnly: true,
    cachedHashCode: -1,
  });
  pendingConfigs.set(set, kind === 'parser' ? () => parserConfigs(entry, atn, tables) : () => lexerConfigs(entry, atn, tables));
  return set;
}

/** An AND or OR with exactly these operands, in this order (their constructors reorder and reduce). */
function combination(kind: 2 | 3, operands: SemanticContext[]): SemanticContext {
  const made = Object.create((kind === 2 ? AND : OR).prototype) as Combination;
  made.opnds = operands;
  return made;
}

/**
 * The snapshot's prediction contexts by reference, each built when first named (with its parents,
 * which come before it in the table): a state's configurations name a few of the thousands.
 */
function contextTable(entries: ContextEntry[]): (at: number) => PredictionContext | null {
  const built: PredictionContext[] = [];
  const context = (at: number): PredictionContext | null => {
    if (at === NULL_REF) return null;
    if (at === EMPTY_REF) return PredictionContext.EMPTY;
    if (at === EMPTY_INSTANCE_REF) return EmptyPredictionContext.Instance;
    const known = built[at];
    if (known) return known;
    const entry = entries[at];
    if (!entry) throw new Error(`no prediction context ${at}`);
    const made = Array.isArray(entry[0]) ? new ArrayPredictionContext((entry[1] as number[]).map(context) as PredictionContext[], entry[0]) : new SingletonPredictionContext(context(entry[1] as number), entry[0]);
    built[at] = made;
    return made;
  };
  return context;
}

function rebuildPredicates(entries: SemanticEntry[]): SemanticContext[] {
  const predicates: SemanticContext[] = [];
  const at = (i: number) => (i === NONE_REF ? SemanticContext.NONE : predicates[i]!);
  for (const entry of entries) {
    if (entry[0] === 0) predicates.push(new SemanticContext.Predicate(entry[1], entry[2], entry[3] === 1));
    else if (entry[0] === 1) predicates.push(new SemanticContext.PrecedencePredicate(entry[1]));
    else predicates.push(combination(entry[0], (entry.slice(1) as number[]).map(at)));
  }
  return predicates;
}

function rebuildExecutors(entries: number[][]): LexerActionExecutor[] {
  const actions = TrinoSqlLexer._ATN.lexerActions;
  return entries.map(
    (indexes) =>
      new LexerActionExecutor(
        indexes.map((i) => {
          const action = actions[i];
          if (!action) throw new Error(`no lexer action ${i}`);
          return action;
        }),
      ),
  );
}

function rebuildState(entry: StateEntry, kind: Kind, atn: ATN, tables: Tables): DFAState {
  const state = new DFAState(configSet(entry, kind, atn, tables));
  state.isAcceptState = (entry.f & ACCEPT) !== 0;
  state.requiresFullContext = (entry.f & FULL_CONTEXT_REQUIRED) !== 0;
  state.prediction = entry.p;
  if (entry.q) {
    const list: DFAState.PredPrediction[] = [];
    for (let i = 0; i < entry.q.length; i += 2) list.push(new DFAState.PredPrediction(entry.q[i]! === NONE_REF ? SemanticContext.NONE : predicate(tables, entry.q[i]!), entry.q[i + 1]!));
    state.predicates = list;
  }
  if (entry.x !== undefined) state.lexerActionExecutor = executor(tables, entry.x);
  return state;
}

function linkEdges(state: DFAState, entry: StateEntry, states: DFAState[]): void {
  if (entry.l === undefined) return;
  const edges: (DFAState | null)[] = (entry.f & EDGES_HOLEY) !== 0 ? [] : new Array<DFAState | null>(entry.l).fill(null);
  const e = entry.e ?? [];
  for (let i = 0; i < e.length; i += 2) edges[e[i]!] = e[i + 1]! === ERROR_REF ? ATNSimulator.ERROR : states[e[i + 1]!]!;
  state.edges = edges;
}

/**
 * A DFA's set of states, filled from a snapshot when first used. The set is read only when the
 * recognizer meets a prediction its DFA does not have yet (to find an equal state, or to number a
 * new one); adding a state hashes all of its configurations, which is most of the cost of a
 * restore, so a decision whose cache always answers never pays it.
 */
class RestoredStates extends HashSet<DFAState> {
  #pending: DFAState[] | undefined;
  constructor(states: DFAState[]) {
    super();
    this.#pending = states;
  }

  #fill(): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    for (const state of pending) super.add(state);
  }

  override add(value: DFAState): DFAState {
    this.#fill();
    return super.add(value);
  }

  override get(value: DFAState): DFAState | null {
    this.#fill();
    return super.get(value);
  }

  override has(value: DFAState): boolean {
    this.#fill();
    return super.has(value);
  }

  override values(): DFAState[] {
    this.#fill();
    return super.values();
  }

  override get length(): number {
    this.#fill();
    return super.length;
  }

  override toString(): string {
    this.#fill();
    return super.toString();
  }
}

interface Rebuilt {
  dfa: DFA;
  states: DFAState[];
  start: DFAState | null;
}

function rebuildDfas(entries: DfaEntry[], dfas: DFA[], kind: Kind, atn: ATN, tables: Tables): Rebuilt[] {
  return entries.map((d) => {
    const dfa = dfas[d.d];
    if (!dfa) throw new Error(`no decision ${d.d}`);
    const states = d.s.map((s) => rebuildState(s, kind, atn, tables));
    states.forEach((s, i) => linkEdges(s, d.s[i]!, states));
    let start: DFAState | null = null;
    if (typeof d.z === 'number') start = states[d.z]!;
    else if (d.z !== null) {
      start = rebuildState(d.z, kind, atn, tables);
      linkEdges(start, d.z, states);
    }
    if (d.z !== null && dfa.isPrecedenceDfa() !== (typeof d.z === 'object')) throw new Error(`decision ${d.d}: a precedence DFA in one grammar and not in the other`);
    return { dfa, states, start };
  });
}

function install(rebuilt: Rebuilt[]): void {
  for (const { dfa, states, start } of rebuilt) {
    states.forEach((s, i) => (s.stateNumber = i));
    (dfa as { states: HashSet<DFAState> }).states = new RestoredStates(states);
    if (dfa.isPrecedenceDfa()) {
      if (start) {
        dfa.s0!.configs = start.configs;
        dfa.s0!.edges = start.edges;
      }
    } else dfa.s0 = start;
  }
}

const inUse = (dfas: DFA[]): boolean => dfas.some((dfa) => dfa.states.length > 0);

/**
 * Restores a snapshot into DFAs (the parser's and the lexer's own by default); the parser's must
 * all be empty. Returns false, restoring nothing, when the snapshot is of another format or
 * grammar, or the parser's DFAs are in use already; lexer DFAs in use keep what they have (they
 * are only the lexer's cache). A snapshot of the right grammar that does not fit it throws.
 */
export function restoreParserSnapshot(snapshot: ParserSnapshot, dfas: DFA[] = parserDfas(), lexer: DFA[] = lexerDfas()): boolean {
  if (snapshot.format !== FORMAT || snapshot.grammar !== grammarFingerprint()) return false;
  if (inUse(dfas)) return false;
  const tables: Tables = {
    context: contextTable(snapshot.contexts),
    predicates: rebuildPredicates(snapshot.predicates),
    executors: rebuildExecutors(snapshot.lexer.executors),
  };
  const parser = rebuildDfas(snapshot.dfas, dfas, 'parser', TrinoSqlParser._ATN, tables);
  const lexerStates = inUse(lexer) ? [] : rebuildDfas(snapshot.lexer.dfas, lexer, 'lexer', TrinoSqlLexer._ATN, tables);
  install(parser);
  install(lexerStates);
  return true;
}

/**
 * Restores a snapshot from its JSON text into the parser's and the lexer's DFAs: 'restored',
 * 'absent' (no text), or 'refused' (another grammar, DFAs in use, or a text that does not fit;
 * nothing is restored).
 */
export function restoreParserSnapshotText(text: string | undefined): 'restored' | 'absent' | 'refused' {
  if (text === undefined) return 'absent';
  try {
    return restoreParserSnapshot(JSON.parse(text) as ParserSnapshot) ? 'restored' : 'refused';
  } catch {
    return 'refused';
  }
}
