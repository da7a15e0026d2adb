/**
 * Item -> item weighted co-occurrence over users' positive sequences, recency-weighted both when counted and when read:
 * the computation the protocol's knn baseline and the student's transition memory share (with different settings).
 */

/** Settings of an `ItemCooccurrence`. */
export interface CooccurrenceOptions {
  /** How many of a user's most recent positives count, the k-th most recent weighing 1/k. Default 10. */
  window?: number;
  /**
   * Bound per source item: when its list reaches twice this many successors it is cut back to its strongest
   * `maxSuccessors` (space-saving style), so the structure stays within items x 2 x cap pairs. 0: no bound. Default 0.
   */
  maxSuccessors?: number;
  /** Weight of the reverse direction: counting p -> x also adds reverse / k to x -> p. 0: successors only. Default 0. */
  reverse?: number;
  /** Whether a positive on an item the user already had counts as a pair of the item with itself. Default true. */
  selfPairs?: boolean;
}

/**
 * W[p -> x]: when a user's positive x arrives, each of their `window` previous positives p (the k-th most recent, k
 * from 1) adds 1/k to W[p -> x] (and reverse / k to W[x -> p]). A user whose recent positives are p_1..p_window gets,
 * for every candidate x, s(x) = sum_k (1/k) W[p_k -> x]. Successor lists keep their insertion order, and scores are
 * summed in a fixed order (recent positive by recent positive, each list in its order), so every reader that sums them
 * this way gets the same floats.
 */
export class ItemCooccurrence {
  readonly window: number;
  readonly maxSuccessors: number;
  readonly reverse: number;
  readonly selfPairs: boolean;
  /** Pairs with a weight (p -> x entries). */
  pairs = 0;
  private readonly w = new Map<number, Map<number, number>>();
  private acc = new Float64Array(1024);
  private readonly touched: number[] = [];

  constructor(o: CooccurrenceOptions = {}) {
    this.window = o.window ?? 10;
    this.maxSuccessors = o.maxSuccessors ?? 0;
    this.reverse = o.reverse ?? 0;
    this.selfPairs = o.selfPairs ?? true;
  }

  /** Counts one positive `target` of a user whose previous positives are `hist` (most recent first). */
  learn(hist: ArrayLike<number>, target: number): void {
    const n = Math.min(this.window, hist.length);
    for (let k = 0; k < n; k++) {
      const p = hist[k];
      if (p === target && !this.selfPairs) continue;
      this.add(p, target, 1 / (k + 1));
      if (this.reverse > 0) this.add(target, p, this.reverse / (k + 1));
    }
  }

  /** W[p -> x] += v, then the bound on p's list. */
  add(p: number, x: number, v: number): void {
    let m = this.w.get(p);
    if (!m) this.w.set(p, (m = new Map()));
    const before = m.get(x);
    if (before === undefined) this.pairs++;
    m.set(x, (before ?? 0) + v);
    if (this.maxSuccessors > 0 && m.size >= 2 * this.maxSuccessors) this.prune(p, m);
  }

  /** W[p -> x] = v, appended to p's list when new (restoring a saved structure in its order; no bound applied). */
  set(p: number, x: number, v: number): void {
    let m = this.w.get(p);
    if (!m) this.w.set(p, (m = new Map()));
    if (!m.has(x)) this.pairs++;
    m.set(x, v);
  }

  private prune(p: number, m: Map<number, number>): void {
    const keep = Array.from(m)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, this.maxSuccessors);
    this.pairs -= m.size - keep.length;
    this.w.set(p, new Map(keep));
  }

  /** W[p -> x], undefined when the pair has no weight. */
  get(p: number, x: number): number | undefined {
    return this.w.get(p)?.get(x);
  }

  /** Item p's successors and their weights (live: do not modify), undefined when it has none. */
  row(p: number): ReadonlyMap<number, number> | undefined {
    return this.w.get(p);
  }

  /** Every source item with its successors and their weights, in insertion order (live: do not modify). */
  sources(): IterableIterator<[number, ReadonlyMap<number, number>]> {
    return this.w.entries();
  }

  /** s(item) for a user with these recent positives (most recent first). */
  score(hist: ArrayLike<number>, item: number): number {
    let s = 0;
    const n = Math.min(this.window, hist.length);
    for (let k = 0; k < n; k++) {
      const x = this.w.get(hist[k])?.get(item);
      if (x !== undefined) s += x / (k + 1);
    }
    return s;
  }

  /**
   * Calls fn(x, s(x)) for every item with s(x) > 0 for a user with these recent positives (most recent first), in the
   * order the items were first reached.
   */
  forEachScore(hist: ArrayLike<number>, fn: (item: number, s: number) => void): void {
    const n = Math.min(this.window, hist.length);
    for (let k = 0; k < n; k++) {
      const m = this.w.get(hist[k]);
      if (!m) continue;
      const wk = 1 / (k + 1);
      for (const [x, wx] of m) {
        if (x >= this.acc.length) {
          const a = new Float64Array(Math.max(x + 1, this.acc.length * 2));
          a.set(this.acc);
          this.acc = a;
        }
        if (this.acc[x] === 0) this.touched.push(x);
        this.acc[x] += wk * wx;
      }
    }
    // fn may call back into this structure: take the list and clear the marks first
    const touched = this.touched.splice(0);
    const acc = this.acc;
    for (const x of touched) {
      const s = acc[x];
      acc[x] = 0;
      fn(x, s);
    }
  }
}
