/**
 * The transition memory as the serving model reads it: each source item's strongest successors in flat arrays (the
 * memory's serving state, grouped by source, with the popularity discount folded into the weights), looked up by item
 * index with no per-pair objects, so a 100k-item artifact loads by parsing. The scores are the learner's
 * (TransitionMemory.forEach): m(x) = sum over the user's k-th most recent item p_k (k <= window) of W[p_k -> x] / k,
 * summed in the same order.
 */
import type { TransitionState } from '../model/transitions';

/** Successor lookups by source item (see the file's header). */
export class SuccessorTable {
  /** Successors of item p: to/weight[first[p] .. first[p] + count[p]). */
  private readonly first: Int32Array;
  private readonly count: Int32Array;
  private acc = new Float64Array(0);
  private readonly touched: number[] = [];

  private constructor(
    readonly window: number,
    private readonly to: Int32Array,
    private readonly weight: Float32Array,
    sources: number,
    fill: (first: Int32Array, count: Int32Array) => void,
  ) {
    this.first = new Int32Array(sources);
    this.count = new Int32Array(sources);
    fill(this.first, this.count);
  }

  /** From a memory state: grouped (fromItems / fromCounts, a serving state) or one source per pair (runs of equal sources). */
  static fromState(s: TransitionState): SuccessorTable {
    if (s.popularity && s.popularity > 0) throw new TypeError('the serving memory needs the popularity discount folded into its weights (TransitionMemory.servingState)');
    const fromItems = s.fromItems;
    const fromCounts = s.fromCounts;
    let sources = 0;
    if (fromItems) for (const p of fromItems) sources = Math.max(sources, p + 1);
    else for (const p of s.from) sources = Math.max(sources, p + 1);
    return new SuccessorTable(s.window, s.to, s.weight instanceof Float32Array ? s.weight : Float32Array.from(s.weight), sources, (first, count) => {
      if (fromItems && fromCounts) {
        let at = 0;
        for (let g = 0; g < fromItems.length; g++) {
          first[fromItems[g]] = at;
          count[fromItems[g]] = fromCounts[g];
          at += fromCounts[g];
        }
        return;
      }
      for (let i = 0; i < s.from.length; i++) {
        const p = s.from[i];
        if (count[p] === 0) first[p] = i;
        count[p]++;
      }
    });
  }

  /** Successor pairs held. */
  get pairs(): number {
    return this.to.length;
  }

  /** Bytes of the pairs and their lookup (what holding the memory costs). */
  get bytes(): number {
    return this.to.byteLength + this.weight.byteLength + this.first.byteLength + this.count.byteLength;
  }

  /** Calls fn(x, m(x)) once for every item x with m(x) > 0, for a user whose recent items are `hist` (most recent first). */
  forEach(hist: ArrayLike<number>, fn: (item: number, m: number) => void): void {
    const n = Math.min(this.window, hist.length);
    const to = this.to;
    const weight = this.weight;
    for (let k = 0; k < n; k++) {
      const p = hist[k];
      if (p >= this.first.length) continue;
      const c = this.count[p];
      if (c === 0) continue;
      const wk = 1 / (k + 1);
      for (let e = this.first[p], end = e + c; e < end; e++) {
        const x = to[e];
        if (x >= this.acc.length) {
          const a = new Float64Array(Math.max(x + 1, this.acc.length * 2, 1024));
          a.set(this.acc);
          this.acc = a;
        }
        if (this.acc[x] === 0) this.touched.push(x);
        this.acc[x] += wk * weight[e];
      }
    }
    for (const x of this.touched) {
      fn(x, this.acc[x]);
      this.acc[x] = 0;
    }
    this.touched.length = 0;
  }
}
