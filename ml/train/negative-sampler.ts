/** The training negatives: catalog items drawn with probability proportional to count^0.75 (word2vec's smoothing). */
import type { Rng } from '../core/rng';

/**
 * Popularity sampler over catalog items: p(i) ∝ count_i^0.75 (uniform while nothing is counted). `rebuild` reads the
 * counts again (call it before a step's draws); `sample` returns the items and, for each, the expected number of times
 * it is drawn (k p(i)), the log-Q correction of the sampled softmax.
 */
export class NegativeSampler {
  private cum = new Float64Array(0);
  private n = 0;
  /**
   * @param counts positive counts per catalog index (read at each rebuild)
   * @param size the catalog size (read at each rebuild)
   */
  constructor(
    private readonly counts: () => Float64Array,
    private readonly size: () => number,
  ) {}

  /** Rebuilds the cumulative distribution from the current counts. */
  rebuild(): void {
    const c = this.counts();
    this.n = this.size();
    if (this.cum.length < this.n) this.cum = new Float64Array(Math.max(this.n, this.cum.length * 2));
    let s = 0;
    for (let i = 0; i < this.n; i++) {
      s += c[i] > 0 ? Math.pow(c[i], 0.75) : 0;
      this.cum[i] = s;
    }
    if (s === 0) for (let i = 0; i < this.n; i++) this.cum[i] = i + 1;
  }

  /** Probability of drawing item i (as of the last rebuild). */
  prob(i: number): number {
    const tot = this.cum[this.n - 1];
    return (this.cum[i] - (i > 0 ? this.cum[i - 1] : 0)) / tot;
  }

  /** k draws with replacement, and k p(item) for each (empty when the catalog is). */
  sample(k: number, rng: Rng): { items: Int32Array; q: Float64Array } {
    const items = new Int32Array(k);
    const q = new Float64Array(k);
    if (this.n === 0) return { items: new Int32Array(0), q: new Float64Array(0) };
    const tot = this.cum[this.n - 1];
    for (let t = 0; t < k; t++) {
      const r = rng.next() * tot;
      let lo = 0;
      let hi = this.n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.cum[mid] > r) hi = mid;
        else lo = mid + 1;
      }
      items[t] = lo;
      q[t] = k * this.prob(lo);
    }
    return { items, q };
  }
}
