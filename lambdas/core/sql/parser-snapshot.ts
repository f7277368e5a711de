/**
 * The parser's prediction caches, saved and restored.
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
 * from (a digest of the serialized ATN, its state and decision counts): restoring one taken from
 * another grammar is refused, and the caller warms up instead.
 */
import { ArrayPredictionContext, ATNConfig, ATNConfigSet, ATNSimulator, BitSet, DFA, DFAState, EmptyPredictionContext, HashSet, PredictionContext, SemanticContext, SingletonPredictionContext, type ATN } from 'antlr4ng';
import { singleStatementEntry, TrinoSqlParser } from './parser.js';

const FORMAT = 1;

/** antlr4ng does not export its AND and OR of semantic contexts: their classes, from one of each. */
type Combination = SemanticContext & { opnds: SemanticContext[] };
const two = (): [SemanticContext, SemanticContext] => [new SemanticContext.Predicate(0, 0, false), new SemanticContext.Predicate(0, 1, false)];
const AND = SemanticContext.andContext(...two())!.constructor as new (...args: never[]) => Combination;
const OR = SemanticContext.orContext(...two())!.constructor as new (...args: never[]) => Combination;

/** The reference of the shared instances and of null, in the context and predicate tables. */
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

/** Numbers per configuration: ATN state, alternative, context, semantic context, reach into the outer context, precedence filter suppressed. */
const CONFIG_WIDTH = 6;

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
  /** Configurations, CONFIG_WIDTH numbers each. */
  k: number[];
  /** Length of the edge array (absent: no edges). */
  l?: number;
  /** Edges: index in the edge array, then target (index in the DFA's states, or ERROR_REF). */
  e?: number[];
  /** Predicates: semantic context, then alternative. */
  q?: number[];
}

interface DfaEntry {
  /** The decision. */
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
}

/** Which grammar the caches belong to: the ATN as the parser serializes it, and its shape once singleStatement's entry is added. */
export function grammarFingerprint(): string {
  singleStatementEntry();
  const atn: ATN = TrinoSqlParser._ATN;
  const serialized = (TrinoSqlParser as unknown as { _serializedATN: number[] })._serializedATN;
  let hash = 0x811c9dc5;
  for (const value of serialized) hash = Math.imul(hash ^ value, 0x01000193) >>> 0;
  return `trino:${serialized.length}:${hash.toString(16)}:${atn.states.length}:${atn.decisionToState.length}:${atn.maxTokenType}`;
}

/** The parser's DFAs (shared by every instance of the generated parser). */
export function parserDfas(): DFA[] {
  return (TrinoSqlParser as unknown as { decisionsToDFA: DFA[] }).decisionsToDFA;
}

/** Empty DFAs for every decision of the grammar, as a new process has them. */
export function emptyParserDfas(): DFA[] {
  singleStatementEntry();
  return TrinoSqlParser._ATN.decisionToState.map((state, decision) => new DFA(state, decision));
}

/** Writes the DFAs (the parser's own by default) as a snapshot. */
export function takeParserSnapshot(dfas: DFA[] = parserDfas()): ParserSnapshot {
  const contexts: ContextEntry[] = [];
  const contextRefs = new Map<PredictionContext, number>();
  const predicates: SemanticEntry[] = [];
  const predicateRefs = new Map<SemanticContext, number>();

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

  const stateEntry = (state: DFAState, index: Map<DFAState, number>): StateEntry => {
    const set = state.configs;
    const flags = (state.isAcceptState ? ACCEPT : 0) | (state.requiresFullContext ? FULL_CONTEXT_REQUIRED : 0) | (set.hasSemanticContext ? HAS_SEMANTIC_CONTEXT : 0) | (set.dipsIntoOuterContext ? DIPS_INTO_OUTER_CONTEXT : 0) | (set.fullCtx ? FULL_CTX_SET : 0);
    if (state.lexerActionExecutor !== null) throw new Error('a parser DFA state with lexer actions');
    const configs: number[] = [];
    for (const c of set.configs) configs.push(c.state.stateNumber, c.alt, contextRef(c.context), predicateRef(c.semanticContext), c.reachesIntoOuterContext, c.precedenceFilterSuppressed ? 1 : 0);
    const entry: StateEntry = { f: flags, p: state.prediction, u: set.uniqueAlt, k: configs };
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
    return entry;
  };

  const out: DfaEntry[] = [];
  for (const dfa of dfas) {
    const states = dfa.getStates();
    if (states.length === 0) continue;
    states.forEach((s, i) => {
      if (s.stateNumber !== i) throw new Error(`decision ${dfa.decision}: state numbers are not 0..n-1`);
    });
    const index = new Map(states.map((s, i) => [s, i]));
    let start: DfaEntry['z'] = null;
    if (dfa.isPrecedenceDfa()) start = dfa.s0 ? stateEntry(dfa.s0, index) : null;
    else if (dfa.s0) start = index.get(dfa.s0) ?? null;
    if (!dfa.isPrecedenceDfa() && dfa.s0 && start === null) throw new Error(`decision ${dfa.decision}: the start state is not among its states`);
    out.push({ d: dfa.decision, s: states.map((s) => stateEntry(s, index)), z: start });
  }
  return { format: FORMAT, grammar: grammarFingerprint(), contexts, predicates, dfas: out };
}

/** A set of configurations as addDFAState leaves it: read-only, its lookup table emptied. */
function configSet(entry: StateEntry, atn: ATN, contexts: (PredictionContext | null)[], predicates: SemanticContext[]): ATNConfigSet {
  const set = new ATNConfigSet((entry.f & FULL_CTX_SET) !== 0);
  const k = entry.k;
  for (let i = 0; i < k.length; i += CONFIG_WIDTH) {
    const state = atn.states[k[i]!];
    if (!state) throw new Error(`no ATN state ${k[i]}`);
    const config = new ATNConfig({ state, alt: k[i + 1]!, context: ref(contexts, k[i + 2]!), semanticContext: k[i + 3]! === NONE_REF ? SemanticContext.NONE : predicates[k[i + 3]!]! }, null);
    config.reachesIntoOuterContext = k[i + 4]!;
    config.precedenceFilterSuppressed = k[i + 5]! === 1;
    set.configs.push(config);
  }
  set.hasSemanticContext = (entry.f & HAS_SEMANTIC_CONTEXT) !== 0;
  set.dipsIntoOuterContext = (entry.f & DIPS_INTO_OUTER_CONTEXT) !== 0;
  set.uniqueAlt = entry.u;
  if (entry.c) {
    const alts = new BitSet();
    for (const alt of entry.c) alts.set(alt);
    set.conflictingAlts = alts;
  }
  set.readOnly = true;
  set.configLookup = new HashSet();
  return set;
}

function ref(contexts: (PredictionContext | null)[], at: number): PredictionContext | null {
  if (at === NULL_REF) return null;
  if (at === EMPTY_REF) return PredictionContext.EMPTY;
  if (at === EMPTY_INSTANCE_REF) return EmptyPredictionContext.Instance;
  const context = contexts[at];
  if (context === undefined) throw new Error(`no prediction context ${at}`);
  return context;
}

/** An AND or OR with exactly these operands, in this order (their constructors reorder and reduce). */
function combination(kind: 2 | 3, operands: SemanticContext[]): SemanticContext {
  const made = Object.create((kind === 2 ? AND : OR).prototype) as Combination;
  made.opnds = operands;
  return made;
}

function rebuildContexts(entries: ContextEntry[]): (PredictionContext | null)[] {
  const contexts: (PredictionContext | null)[] = [];
  for (const entry of entries) {
    if (Array.isArray(entry[0])) contexts.push(new ArrayPredictionContext((entry[1] as number[]).map((p) => ref(contexts, p)) as PredictionContext[], entry[0]));
    else contexts.push(new SingletonPredictionContext(ref(contexts, entry[1] as number), entry[0]));
  }
  return contexts;
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

/**
 * A state's configurations are read only when the parser leaves it by an edge its DFA does not
 * have yet, or compares it with a new state: they are built then, on first read (the property
 * becomes a plain one again), so that a restore does not build the tens of thousands of them.
 */
function lazyConfigs(state: DFAState, build: () => ATNConfigSet): void {
  const settle = (value: ATNConfigSet) => Object.defineProperty(state, 'configs', { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(state, 'configs', {
    enumerable: true,
    configurable: true,
    get: () => {
      const value = build();
      settle(value);
      return value;
    },
    set: settle,
  });
}

function rebuildState(entry: StateEntry, atn: ATN, contexts: (PredictionContext | null)[], predicates: SemanticContext[]): DFAState {
  const state = new DFAState();
  lazyConfigs(state, () => configSet(entry, atn, contexts, predicates));
  state.isAcceptState = (entry.f & ACCEPT) !== 0;
  state.requiresFullContext = (entry.f & FULL_CONTEXT_REQUIRED) !== 0;
  state.prediction = entry.p;
  if (entry.q) {
    const list: DFAState.PredPrediction[] = [];
    for (let i = 0; i < entry.q.length; i += 2) list.push(new DFAState.PredPrediction(entry.q[i]! === NONE_REF ? SemanticContext.NONE : predicates[entry.q[i]!]!, entry.q[i + 1]!));
    state.predicates = list;
  }
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
 * parser meets a prediction its DFA does not have yet (to find an equal state, or to number a new
 * one); adding a state hashes all of its configurations, which is most of the cost of a restore,
 * so a decision whose cache always answers never pays it.
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

/**
 * Restores a snapshot into DFAs (the parser's own by default), which must all be empty. Returns
 * false, restoring nothing, when the snapshot is of another format or grammar, or the DFAs are in
 * use already; a snapshot of the right grammar that does not fit it throws.
 */
export function restoreParserSnapshot(snapshot: ParserSnapshot, dfas: DFA[] = parserDfas()): boolean {
  if (snapshot.format !== FORMAT || snapshot.grammar !== grammarFingerprint()) return false;
  if (dfas.some((dfa) => dfa.states.length > 0)) return false;
  const atn: ATN = TrinoSqlParser._ATN;
  const contexts = rebuildContexts(snapshot.contexts);
  const predicates = rebuildPredicates(snapshot.predicates);
  const built = snapshot.dfas.map((d) => {
    const dfa = dfas[d.d];
    if (!dfa) throw new Error(`no decision ${d.d}`);
    const states = d.s.map((s) => rebuildState(s, atn, contexts, predicates));
    states.forEach((s, i) => linkEdges(s, d.s[i]!, states));
    let start: DFAState | null = null;
    if (typeof d.z === 'number') start = states[d.z]!;
    else if (d.z !== null) {
      start = rebuildState(d.z, atn, contexts, predicates);
      linkEdges(start, d.z, states);
    }
    if (d.z !== null && dfa.isPrecedenceDfa() !== (typeof d.z === 'object')) throw new Error(`decision ${d.d}: a precedence DFA in one grammar and not in the other`);
    return { dfa, states, start };
  });
  for (const { dfa, states, start } of built) {
    states.forEach((s, i) => (s.stateNumber = i));
    (dfa as { states: HashSet<DFAState> }).states = new RestoredStates(states);
    if (dfa.isPrecedenceDfa()) {
      if (start) {
        dfa.s0!.configs = start.configs;
        dfa.s0!.edges = start.edges;
      }
    } else dfa.s0 = start;
  }
  return true;
}

/**
 * Restores a snapshot from its JSON text into the parser's DFAs: 'restored', 'absent' (no text),
 * or 'refused' (another grammar, DFAs in use, or a text that does not fit; nothing is restored).
 */
export function restoreParserSnapshotText(text: string | undefined): 'restored' | 'absent' | 'refused' {
  if (text === undefined) return 'absent';
  try {
    return restoreParserSnapshot(JSON.parse(text) as ParserSnapshot) ? 'restored' : 'refused';
  } catch {
    return 'refused';
  }
}
