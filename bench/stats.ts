/** Small helpers shared by the benchmarks. */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
/** The p-th percentile of sorted samples (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summarize(samples: number[]): { median: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length);
  return { median: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), mean: round(mean) };
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The spread of a figure over repetitions: median, extremes and interquartile range. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  n: number;
}

/** Median by interpolation (the middle pair's mean for an even count), quartiles likewise. */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function spread(samples: readonly number[], digits = 3): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: round(quantile(sorted, 0.5), digits), min: round(sorted[0] ?? NaN, digits), max: round(sorted[sorted.length - 1] ?? NaN, digits), q1: round(quantile(sorted, 0.25), digits), q3: round(quantile(sorted, 0.75), digits), n: sorted.length };
}

/** Named figures of one run of one case (a bare number is named after the case). */
export type Figures = Record<string, number>;
export type Case = () => Promise<number | Figures> | number | Figures;

/** Figures of repeated, interleaved runs: every figure's samples, one per repetition. */
export class Repeated {
  constructor(
    readonly repetitions: number,
    readonly samples: Record<string, number[]>,
  ) {}

  /** The median of a figure over the repetitions. */
  median(name: string): number {
    return this.spread(name).median;
  }

  spread(name: string, digits = 3): Spread {
    const samples = this.samples[name];
    if (!samples) throw new Error(`no figure named ${name}`);
    return spread(samples, digits);
  }

  /** A figure computed from others in each repetition (a ratio of paired runs, say), added as a figure of its own. */
  derive(name: string, fn: (get: (figure: string) => number) => number): this {
    this.samples[name] = Array.from({ length: this.repetitions }, (_, i) => fn((figure) => this.samples[figure]![i]!));
    return this;
  }

  /** Medians as the result's figures, and every figure's spread, for run.ts to record. */
  report(digits = 3): { figures: Figures; spreads: Record<string, Spread>; repetitions: number } {
    const figures: Figures = {};
    const spreads: Record<string, Spread> = {};
    for (const name of Object.keys(this.samples)) {
      spreads[name] = this.spread(name, digits);
      figures[name] = spreads[name].median;
    }
    return { figures, spreads, repetitions: this.repetitions };
  }
}

export interface InterleaveOptions {
  /** Measured repetitions (at least 5). */
  repetitions?: number;
  /** Rounds run first and thrown away (compilation, caches). */
  warmup?: number;
  /** Called between rounds (a garbage collection, say), outside the timed cases. */
  between?: () => Promise<void> | void;
}

/**
 * Runs the cases interleaved, A B C, A B C, ..., the order rotating each round (B C A, C A B, ...)
 * so that no case always runs first or right after the same one; a noisy neighbour or a slow
 * minute then hits every case alike instead of one of them. Every figure gets one sample per
 * repetition. The code under test and its ceiling are cases of the same call.
 */
export async function interleave(cases: Record<string, Case>, options: InterleaveOptions = {}): Promise<Repeated> {
  const repetitions = options.repetitions ?? 5;
  if (repetitions < 5) throw new Error(`at least 5 repetitions, not ${repetitions}`);
  const names = Object.keys(cases);
  const samples: Record<string, number[]> = {};
  const warmup = options.warmup ?? 1;
  for (let round = 0; round < warmup + repetitions; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length]!;
      await options.between?.();
      const out = await cases[name]!();
      if (round < warmup) continue;
      const figures = typeof out === 'number' ? { [name]: out } : out;
      for (const [figure, value] of Object.entries(figures)) (samples[figure] ??= []).push(value);
    }
  }
  return new Repeated(repetitions, samples);
}

/** Rows (or anything) per second from a count and the milliseconds it took. */
export function perSecond(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

/** Times one run: its milliseconds and its value. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

let collector: (() => void) | undefined;
/** A full garbage collection, so that one case's garbage is not collected in the next case's time. */
export function collectGarbage(): void {
  if (!collector) {
    setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as () => void;
  }
  collector();
}
