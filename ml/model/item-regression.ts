/**
 * Item regression: the student's second wide half, a global item-to-item linear model in closed form, as EASE (Steck,
 * "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019) fits it, refit at training steps.
 *
 * Learning counts, for every first-time positive x of a user whose previous distinct positives are p_1..p_w (most
 * recent first, w <= window), the co-occurrences G[x][p_k] and G[p_k][x] (+1 each) and G[x][x] (+1): the Gram matrix
 * X^T X of the binary user x item matrix, restricted to pairs of items at most `window` distinct positives apart (all
 * of them for a user with fewer), with each item's row bounded to its strongest `gramNeighbours` co-occurrences. A
 * repeat positive (x among the user's recent positives) counts nothing: X is binary.
 *
 * A refit takes the `maxItems` items with the most positives, solves P = (G + lambda I)^-1 by Cholesky and sets
 * B[p][x] = -P[p][x] / P[x][x] (zero diagonal): the ridge regression of every item's column on every other's. Each
 * item keeps its `neighbours` largest positive entries. A user whose recent positives are p_1..p_r (r <= readWindow)
 * scores candidate x by r(x) = sum_k (1/k) B[p_k][x]; the student adds gamma * r(x), gamma chosen by the mixer.
 *
 * Between full refits (every `refitEvery` positives), a step refits only the columns of the items that got positives,
 * once `freshEvery` positives arrived since the last fit: the same per-item solve on the counts as they are then, so an
 * item new or rising in the shop has its weights within a step or so, not after the next full refit.
 *
 * Only refits change what it scores, so it is part of a model version; between refits it only counts.
 */
import { NotPositiveDefiniteError, spdInverse, spdSolve } from '../core/cholesky';
import { ItemCooccurrence } from './item-cooccurrence';
import type { TransitionState } from './transitions';

/** Settings of an `ItemRegression`. */
export interface RegressionOptions {
  /** How many of the user's previous distinct positives a new positive is paired with. Default 50. */
  window: number;
  /** How many of the user's recent positives are read when scoring, the k-th weighted 1/k. Default 30. */
  readWindow: number;
  /**
   * How B is fitted: `global` inverts G + lambda I over the `maxItems` items with the most positives (EASE itself);
   * `local` regresses each item's column on its `localNeighbours` strongest co-occurring items only (a K x K solve per
   * item, so the cost grows with the items, not their cube; SLIM-style support). Default `local`.
   */
  route: 'global' | 'local';
  /** Items in a global fit (those with the most positives): it inverts a maxItems^2 matrix. Default 2000. */
  maxItems: number;
  /** Features of an item's local regression (its strongest co-occurring items). Default 64. */
  localNeighbours: number;
  /** L2 weight of the closed form. Default 300. */
  lambda: number;
  /** Strongest positive weights kept per item after a fit (what scoring and an artifact carry). Default 100. */
  neighbours: number;
  /** Strongest co-occurrences kept per item row of the Gram matrix (cut back when a row reaches twice this). Default 500. */
  gramNeighbours: number;
  /** A step refits when at least this many positives were counted since the last fit. Default 5000. */
  refitEvery: number;
  /** No fit before this many positives were counted. Default 200. */
  minPositives: number;
  /**
   * Between full refits (local route), a step refits the columns of the items that got positives since the last fit
   * once at least this many positives were counted since; 0: never. Default 500.
   */
  freshEvery: number;
}

/**
 * Packing ranges of the local fit: item indices below ID_RANGE, Gram counts below COUNT_RANGE (exact in a double
 * together). Items at or beyond ID_RANGE (a catalog past 4M products) are left out of the local fit.
 */
const ID_RANGE = 2 ** 22;
const COUNT_RANGE = 2 ** 30;

export const REGRESSION_DEFAULTS: RegressionOptions = {
  window: 50,
  readWindow: 30,
  route: 'local',
  maxItems: 2000,
  localNeighbours: 64,
  lambda: 300,
  neighbours: 100,
  gramNeighbours: 500,
  refitEvery: 5000,
  minPositives: 200,
  freshEvery: 500,
};

/** Pairs of items grouped by source: the first counts[0] pairs come from items[0], and so on. */
export interface GroupedPairs<W extends Float32Array | Float64Array = Float64Array> {
  items: Int32Array;
  counts: Int32Array;
  to: Int32Array;
  weight: W;
}

/** Everything an `ItemRegression` needs to go on exactly (`state()`). */
export interface RegressionState {
  opts: RegressionOptions;
  /** Positives counted per item index (the Gram diagonal). */
  counts: Float64Array;
  gram: GroupedPairs;
  /** The current fit's weights B[p][x] (each p's kept neighbours, strongest first; float32, as an artifact ships them). */
  fit: GroupedPairs<Float32Array>;
  /** Positives counted since the last fit; all positives counted. */
  sinceFit: number;
  positives: number;
  /** The lambda the last fit used (raised when G + lambda I was not numerically positive definite). */
  fitLambda: number;
  fitItems: number;
  /** With `freshEvery`: the items that got positives since the last fit, and the positives counted since (absent: none). */
  fresh?: Int32Array;
  sinceFresh?: number;
}

/** One refit's size and cost. */
export interface RegressionFit {
  items: number;
  lambda: number;
  pairs: number;
  seconds: number;
}

/**
 * A fit's read access to the Gram rows: `seek(a)` points ids / vals[lo .. hi) at row a's (neighbour, count) pairs
 * (empty when absent), `find(a, b)` is one count (0 when absent).
 */
interface GramReader {
  ids: ArrayLike<number>;
  vals: ArrayLike<number>;
  lo: number;
  hi: number;
  seek(a: number): void;
  find(a: number, b: number): number;
}

/** The Gram rows packed for a full refit: each row's neighbours ascending, a count found by binary search. */
class PackedGram implements GramReader {
  lo = 0;
  hi = 0;
  private readonly rowsOf: number;

  constructor(
    private readonly start: Int32Array,
    readonly ids: Int32Array,
    readonly vals: Float64Array,
  ) {
    this.rowsOf = start.length - 1;
  }

  seek(a: number): void {
    if (a < this.rowsOf) {
      this.lo = this.start[a];
      this.hi = this.start[a + 1];
    } else this.lo = this.hi = 0;
  }

  find(a: number, b: number): number {
    if (a >= this.rowsOf) return 0;
    const ids = this.ids;
    let lo = this.start[a];
    let hi = this.start[a + 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const v = ids[mid];
      if (v === b) return this.vals[mid];
      if (v < b) lo = mid + 1;
      else hi = mid;
    }
    return 0;
  }
}

/**
 * The live Gram rows for a refit of fresh columns: a row is copied into typed arrays the first time the refit reads it
 * (the columns refit together share many neighbours), a count is read from the live row.
 */
class LiveGram implements GramReader {
  ids: Int32Array = new Int32Array(0);
  vals: Float64Array = new Float64Array(0);
  lo = 0;
  hi = 0;
  private readonly copies = new Map<number, { ids: Int32Array; vals: Float64Array }>();

  constructor(private readonly gram: ItemCooccurrence) {}

  seek(a: number): void {
    let c = this.copies.get(a);
    if (!c) {
      const row = this.gram.row(a);
      const ids = new Int32Array(row ? row.size : 0);
      const vals = new Float64Array(ids.length);
      let n = 0;
      row?.forEach((v, x) => {
        if (x >= ID_RANGE) return;
        ids[n] = x;
        vals[n++] = v;
      });
      c = { ids: ids.subarray(0, n), vals: vals.subarray(0, n) };
      this.copies.set(a, c);
    }
    this.ids = c.ids;
    this.vals = c.vals;
    this.lo = 0;
    this.hi = c.ids.length;
  }

  find(a: number, b: number): number {
    return this.gram.get(a, b) ?? 0;
  }
}

export class ItemRegression {
  readonly opts: RegressionOptions;
  private counts = new Float64Array(1024);
  private readonly gram: ItemCooccurrence;
  private sinceFit = 0;
  private positives = 0;
  private fitLambda = 0;
  private fitItems = 0;
  /** The fit: B[p][x] of source p at to/weight[first[p] .. first[p] + count[p]). */
  private fitFrom = new Int32Array(0);
  private first = new Int32Array(0);
  private count = new Int32Array(0);
  private to = new Int32Array(0);
  private weight = new Float32Array(0);
  private acc = new Float64Array(1024);
  private readonly touched: number[] = [];
  /** Items that got a positive since the last fit (kept with `freshEvery`: their columns refit at the next step). */
  private readonly fresh = new Set<number>();
  private sinceFresh = 0;
  /** Work space of fitColumn: the sort keys of a column's neighbours, and each candidate's position (-1: none). */
  private order = new Float64Array(0);
  private pos = new Int32Array(0);
  /** Work space of fitColumn: G_NN of a column's candidates, and the copy a factorisation overwrites. */
  private nn = new Float64Array(0);
  private nnWork = new Float64Array(0);
  /** Refits run by this object and the seconds they took (throughput; not part of the state). */
  refits = 0;
  refitSeconds = 0;
  /** Refits of fresh columns alone (`freshEvery`) and the seconds they took (not part of the state). */
  freshRefits = 0;
  freshSeconds = 0;

  constructor(o: Partial<RegressionOptions> = {}) {
    this.opts = { ...REGRESSION_DEFAULTS, ...o };
    this.gram = new ItemCooccurrence({ window: this.opts.window, maxSuccessors: this.opts.gramNeighbours, selfPairs: false });
  }

  /** Weights B[p][x] held by the fit. */
  get pairs(): number {
    return this.to.length;
  }

  /** Items the last fit covered (0: never fitted). */
  get items(): number {
    return this.fitItems;
  }

  /** Whether a step should refit now (enough positives since the last fit). */
  get due(): boolean {
    return this.positives >= this.opts.minPositives && (this.fitItems === 0 || this.sinceFit >= this.opts.refitEvery);
  }

  /** Counts one positive `target` of a user whose previous distinct positives are `hist` (most recent first). */
  learn(hist: ArrayLike<number>, target: number): void {
    const n = Math.min(this.opts.window, hist.length);
    for (let k = 0; k < n; k++) if (hist[k] === target) return;
    if (target >= this.counts.length) {
      const c = new Float64Array(Math.max(target + 1, 2 * this.counts.length));
      c.set(this.counts);
      this.counts = c;
    }
    this.counts[target]++;
    this.positives++;
    this.sinceFit++;
    if (this.opts.freshEvery > 0) {
      this.fresh.add(target);
      this.sinceFresh++;
    }
    for (let k = 0; k < n; k++) {
      const p = hist[k];
      this.gram.add(target, p, 1);
      this.gram.add(p, target, 1);
    }
  }

  /** Refits when `due`; returns the fit, or null when none was due. */
  maybeRefit(): RegressionFit | null {
    if (this.due) return this.refit();
    if (this.opts.freshEvery > 0 && this.opts.route === 'local' && this.fitItems > 0 && this.sinceFresh >= this.opts.freshEvery) {
      const fit = this.refitFresh();
      this.freshRefits++;
      this.freshSeconds += fit.seconds;
      return fit;
    }
    return null;
  }

  /** Fits B on the counts so far (see the file's header and `route`). */
  refit(): RegressionFit {
    const fit = this.opts.route === 'local' ? this.refitLocal() : this.refitGlobal();
    this.refits++;
    this.refitSeconds += fit.seconds;
    return fit;
  }

  /**
   * The Gram rows as sorted typed arrays for the fit's many lookups: row p's neighbours ascending at
   * ids/vals[start[p] .. start[p + 1]). Counts are integers, so a (neighbour, count) pair packs exactly into one double.
   */
  private gramRows(): { start: Int32Array; ids: Int32Array; vals: Float64Array } {
    let maxId = -1;
    for (const [p] of this.gram.sources()) if (p > maxId && p < ID_RANGE) maxId = p;
    const start = new Int32Array(maxId + 2);
    for (const [p, row] of this.gram.sources()) {
      if (p >= ID_RANGE) continue;
      for (const x of row.keys()) if (x < ID_RANGE) start[p + 1]++;
    }
    for (let p = 0; p <= maxId; p++) start[p + 1] += start[p];
    const total = start[maxId + 1];
    const packed = new Float64Array(total);
    for (const [p, row] of this.gram.sources()) {
      if (p >= ID_RANGE) continue;
      let at = start[p];
      for (const [x, v] of row) if (x < ID_RANGE) packed[at++] = x * COUNT_RANGE + Math.min(v, COUNT_RANGE - 1);
      packed.subarray(start[p], at).sort();
    }
    const ids = new Int32Array(total);
    const vals = new Float64Array(total);
    for (let e = 0; e < total; e++) {
      const x = Math.floor(packed[e] / COUNT_RANGE);
      ids[e] = x;
      vals[e] = packed[e] - x * COUNT_RANGE;
    }
    return { start, ids, vals };
  }

  /**
   * Column x's regression on its K strongest co-occurring items: rowIds / rowVals hold x's Gram row as (neighbour,
   * count) pairs (any order), `g` reads the Gram rows. Returns the
   * items with a positive weight and the weights, and the lambda the solve needed (raised when the system was not
   * numerically positive definite).
   */
  private fitColumn(
    x: number,
    rowIds: ArrayLike<number>,
    rowVals: ArrayLike<number>,
    g: GramReader,
  ): { src: number[]; w: number[]; lambda: number } {
    const K = this.opts.localNeighbours;
    const len = rowIds.length;
    // the K strongest co-occurring items (a row cut back by its bound may have lost a pair the other row kept: the
    // larger count), ties to the lower index
    if (this.order.length < len) this.order = new Float64Array(2 * len);
    for (let e = 0; e < len; e++) {
      const p = rowIds[e];
      const v = Math.max(rowVals[e], g.find(p, x));
      this.order[e] = v * ID_RANGE + (ID_RANGE - 1 - p);
    }
    const sorted = this.order.subarray(0, len).sort();
    const k = Math.min(K, sorted.length);
    const cand = new Int32Array(k);
    const candV = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const q = sorted[sorted.length - 1 - i];
      const v = Math.floor(q / ID_RANGE);
      cand[i] = ID_RANGE - 1 - (q - v * ID_RANGE);
      candV[i] = v;
    }
    // G_NN off the diagonal, each pair the larger of its two counts: every candidate's row scanned once for the
    // others (marked by their position), not a lookup per pair
    if (this.nn.length < k * k) {
      this.nn = new Float64Array(k * k);
      this.nnWork = new Float64Array(k * k);
    }
    const a = this.nn.subarray(0, k * k).fill(0);
    let maxCand = 0;
    for (let i = 0; i < k; i++) if (cand[i] > maxCand) maxCand = cand[i];
    if (this.pos.length <= maxCand) {
      const grown = new Int32Array(Math.max(maxCand + 1, 2 * this.pos.length)).fill(-1);
      this.pos = grown;
    }
    const pos = this.pos;
    const P = pos.length;
    for (let i = 0; i < k; i++) pos[cand[i]] = i;
    for (let i = 0; i < k; i++) {
      g.seek(cand[i]);
      const ids = g.ids;
      const vals = g.vals;
      for (let e = g.lo, hi = g.hi; e < hi; e++) {
        const id = ids[e];
        const j = id < P ? pos[id] : -1;
        if (j < 0 || j === i) continue;
        const v = vals[e];
        if (v > a[i * k + j]) a[i * k + j] = v;
        if (v > a[j * k + i]) a[j * k + i] = v;
      }
    }
    for (let i = 0; i < k; i++) pos[cand[i]] = -1;
    let lambda = this.opts.lambda;
    let b: Float64Array | null = null;
    for (let attempt = 0; b === null; attempt++) {
      // a failed factorisation overwrote its copy: every attempt starts from the counts
      const m = this.nnWork.subarray(0, k * k);
      m.set(a);
      for (let i = 0; i < k; i++) m[i * k + i] = this.counts[cand[i]] + lambda;
      try {
        b = spdSolve(m, k, candV);
      } catch (err) {
        if (!(err instanceof NotPositiveDefiniteError) || attempt >= 4) throw err;
        lambda *= 4;
      }
    }
    const src: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < k; i++) {
      if (!(b[i] > 0)) continue;
      src.push(cand[i]);
      w.push(b[i]);
    }
    return { src, w, lambda };
  }

  private refitLocal(): RegressionFit {
    const t0 = Date.now();
    const { start, ids, vals } = this.gramRows();
    const rowsOf = start.length - 1;
    const g = new PackedGram(start, ids, vals);
    let lambdaMax = this.opts.lambda;
    // B[p][x] of every column x, then grouped by source p
    const rows = new Map<number, [number, number][]>();
    let items = 0;
    for (let x = 0; x < rowsOf; x++) {
      const r0 = start[x];
      const r1 = start[x + 1];
      if (r1 === r0 || !(x < this.counts.length && this.counts[x] > 0)) continue;
      const c = this.fitColumn(x, ids.subarray(r0, r1), vals.subarray(r0, r1), g);
      if (c.lambda > lambdaMax) lambdaMax = c.lambda;
      items++;
      for (let i = 0; i < c.src.length; i++) {
        let r = rows.get(c.src[i]);
        if (!r) rows.set(c.src[i], (r = []));
        r.push([x, c.w[i]]);
      }
    }
    const sources = Array.from(rows.keys()).sort((a, b) => a - b);
    const fromCounts: number[] = [];
    const to: number[] = [];
    const weight: number[] = [];
    for (const p of sources) {
      const r = (rows.get(p) as [number, number][]).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      const keep = Math.min(this.opts.neighbours, r.length);
      fromCounts.push(keep);
      for (let e = 0; e < keep; e++) {
        to.push(r[e][0]);
        weight.push(r[e][1]);
      }
    }
    this.setFit({ items: Int32Array.from(sources), counts: Int32Array.from(fromCounts), to: Int32Array.from(to), weight: Float32Array.from(weight) });
    this.fitLambda = lambdaMax;
    this.fitItems = items;
    this.sinceFit = 0;
    this.fresh.clear();
    this.sinceFresh = 0;
    return { items, lambda: lambdaMax, pairs: to.length, seconds: (Date.now() - t0) / 1000 };
  }

  /**
   * Refits the columns of the items that got positives since the last fit (`freshEvery`), by the same per-column solve
   * on the counts as they are now; the other columns keep their weights. Each source's row drops its weights on the
   * refit columns and takes their new ones, then keeps its `neighbours` strongest (a weight a row cut before does not
   * come back until the next full refit).
   */
  private refitFresh(): RegressionFit {
    const t0 = Date.now();
    const g = new LiveGram(this.gram);
    let lambdaMax = this.opts.lambda;
    const xs = Array.from(this.fresh).sort((a, b) => a - b);
    this.fresh.clear();
    this.sinceFresh = 0;
    let maxId = 0;
    for (const x of xs) maxId = Math.max(maxId, x + 1);
    for (const p of this.fitFrom) maxId = Math.max(maxId, p + 1);
    // the refit columns (marked), and their new weights grouped by source
    const refit = new Uint8Array(maxId);
    const added = new Map<number, [number, number][]>();
    let items = 0;
    for (const x of xs) {
      const row = this.gram.row(x);
      if (!row || row.size === 0 || x >= ID_RANGE) continue;
      const rowIds = new Int32Array(row.size);
      const rowVals = new Float64Array(row.size);
      let n = 0;
      for (const [p, v] of row) {
        if (p >= ID_RANGE) continue;
        rowIds[n] = p;
        rowVals[n++] = v;
      }
      const c = this.fitColumn(x, rowIds.subarray(0, n), rowVals.subarray(0, n), g);
      if (c.lambda > lambdaMax) lambdaMax = c.lambda;
      refit[x] = 1;
      items++;
      for (let i = 0; i < c.src.length; i++) {
        const p = c.src[i];
        let r = added.get(p);
        if (!r) added.set(p, (r = []));
        r.push([x, Math.fround(c.w[i])]);
      }
    }
    // every row in source order: unchanged rows copied, changed ones merged, then sorted and cut as a full fit's
    const sources: number[] = Array.from(this.fitFrom);
    for (const p of added.keys()) if (!(p < this.count.length && this.count[p] > 0)) sources.push(p);
    sources.sort((a, b) => a - b);
    const fromItems: number[] = [];
    const fromCounts: number[] = [];
    const to: number[] = [];
    const weight: number[] = [];
    for (const p of sources) {
      const e0 = p < this.count.length ? this.first[p] : 0;
      const e1 = p < this.count.length ? e0 + this.count[p] : 0;
      let changed = added.has(p);
      for (let e = e0; e < e1 && !changed; e++) if (this.to[e] < maxId && refit[this.to[e]] === 1) changed = true;
      if (!changed) {
        if (e1 === e0) continue;
        fromItems.push(p);
        fromCounts.push(e1 - e0);
        for (let e = e0; e < e1; e++) {
          to.push(this.to[e]);
          weight.push(this.weight[e]);
        }
        continue;
      }
      const r: [number, number][] = added.get(p) ?? [];
      for (let e = e0; e < e1; e++) if (!(this.to[e] < maxId && refit[this.to[e]] === 1)) r.push([this.to[e], this.weight[e]]);
      if (r.length === 0) continue;
      r.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      const keep = Math.min(this.opts.neighbours, r.length);
      fromItems.push(p);
      fromCounts.push(keep);
      for (let e = 0; e < keep; e++) {
        to.push(r[e][0]);
        weight.push(r[e][1]);
      }
    }
    this.setFit({ items: Int32Array.from(fromItems), counts: Int32Array.from(fromCounts), to: Int32Array.from(to), weight: Float32Array.from(weight) });
    this.fitLambda = Math.max(this.fitLambda, lambdaMax);
    return { items, lambda: lambdaMax, pairs: to.length, seconds: (Date.now() - t0) / 1000 };
  }

  private refitGlobal(): RegressionFit {
    const t0 = Date.now();
    const o = this.opts;
    const items: number[] = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] > 0) items.push(i);
    items.sort((a, b) => this.counts[b] - this.counts[a] || a - b);
    if (items.length > o.maxItems) items.length = o.maxItems;
    items.sort((a, b) => a - b);
    const n = items.length;
    const local = new Int32Array(this.counts.length).fill(-1);
    items.forEach((g, l) => (local[g] = l));
    const g = new Float64Array(n * n);
    for (const [p, row] of this.gram.sources()) {
      const lp = p < local.length ? local[p] : -1;
      if (lp < 0) continue;
      for (const [x, v] of row) {
        const lx = x < local.length ? local[x] : -1;
        if (lx < 0) continue;
        // a row cut back by its bound lost the pair's count where the other row kept it: take the larger
        if (v > g[lp * n + lx]) {
          g[lp * n + lx] = v;
          g[lx * n + lp] = v;
        }
      }
    }
    let lambda = o.lambda;
    let p: Float64Array | null = null;
    for (let attempt = 0; p === null; attempt++) {
      const a = g.slice();
      for (let l = 0; l < n; l++) a[l * n + l] = this.counts[items[l]] + lambda;
      try {
        p = spdInverse(a, n, { overwrite: true });
      } catch (err) {
        if (!(err instanceof NotPositiveDefiniteError) || attempt >= 4) throw err;
        lambda *= 4;
      }
    }
    const fromItems: number[] = [];
    const fromCounts: number[] = [];
    const to: number[] = [];
    const weight: number[] = [];
    const row: [number, number][] = [];
    const inv = new Float64Array(n);
    for (let x = 0; x < n; x++) inv[x] = -1 / p[x * n + x];
    for (let l = 0; l < n; l++) {
      row.length = 0;
      const off = l * n;
      for (let x = 0; x < n; x++) {
        if (x === l) continue;
        const b = p[off + x] * inv[x];
        if (b > 0) row.push([x, b]);
      }
      if (row.length === 0) continue;
      row.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      const keep = Math.min(o.neighbours, row.length);
      fromItems.push(items[l]);
      fromCounts.push(keep);
      for (let e = 0; e < keep; e++) {
        to.push(items[row[e][0]]);
        weight.push(row[e][1]);
      }
    }
    this.setFit({ items: Int32Array.from(fromItems), counts: Int32Array.from(fromCounts), to: Int32Array.from(to), weight: Float32Array.from(weight) });
    this.fitLambda = lambda;
    this.fitItems = n;
    this.sinceFit = 0;
    return { items: n, lambda, pairs: to.length, seconds: (Date.now() - t0) / 1000 };
  }

  private setFit(f: GroupedPairs<Float32Array>): void {
    let sources = 0;
    for (const p of f.items) sources = Math.max(sources, p + 1);
    this.first = new Int32Array(sources);
    this.count = new Int32Array(sources);
    let at = 0;
    for (let i = 0; i < f.items.length; i++) {
      this.first[f.items[i]] = at;
      this.count[f.items[i]] = f.counts[i];
      at += f.counts[i];
    }
    this.fitFrom = f.items;
    this.to = f.to;
    this.weight = f.weight;
  }

  private fitCounts(): Int32Array {
    return Int32Array.from(this.fitFrom, (p) => this.count[p]);
  }

  /** r(item) for a user with these recent positives (most recent first). */
  score(hist: ArrayLike<number>, item: number): number {
    let s = 0;
    const n = Math.min(this.opts.readWindow, hist.length);
    for (let k = 0; k < n; k++) {
      const p = hist[k];
      if (p >= this.count.length) continue;
      for (let e = this.first[p], end = e + this.count[p]; e < end; e++) {
        if (this.to[e] === item) {
          s += this.weight[e] / (k + 1);
          break;
        }
      }
    }
    return s;
  }

  /** Calls fn(x, r(x)) once for every item the fit reaches from these recent positives (most recent first). */
  forEach(hist: ArrayLike<number>, fn: (item: number, r: number) => void): void {
    const n = Math.min(this.opts.readWindow, hist.length);
    for (let k = 0; k < n; k++) {
      const p = hist[k];
      if (p >= this.count.length) continue;
      const c = this.count[p];
      if (c === 0) continue;
      const wk = 1 / (k + 1);
      for (let e = this.first[p], end = e + c; e < end; e++) {
        const x = this.to[e];
        if (x >= this.acc.length) {
          const a = new Float64Array(Math.max(x + 1, this.acc.length * 2));
          a.set(this.acc);
          this.acc = a;
        }
        if (this.acc[x] === 0) this.touched.push(x);
        this.acc[x] += wk * this.weight[e];
      }
    }
    const touched = this.touched.splice(0);
    for (const x of touched) {
      const r = this.acc[x];
      this.acc[x] = 0;
      fn(x, r);
    }
  }

  /** scores[x] += gamma * r(x) for every item x < scores.length the fit reaches. */
  boost(hist: ArrayLike<number>, gamma: number, scores: Float32Array | Float64Array): void {
    if (gamma === 0 || this.to.length === 0) return;
    this.forEach(hist, (x, r) => {
      if (x < scores.length) scores[x] += gamma * r;
    });
  }

  /**
   * The fit as the serving model reads it (a transition memory's serving state: grouped sources, float32 weights, the
   * read window), each item's `maxNeighbours` strongest weights (0: all kept).
   */
  servingState(maxNeighbours = 0): TransitionState {
    const fromCounts: number[] = [];
    const to: number[] = [];
    const weight: number[] = [];
    for (const p of this.fitFrom) {
      const c = maxNeighbours > 0 ? Math.min(maxNeighbours, this.count[p]) : this.count[p];
      fromCounts.push(c);
      // kept strongest first, so the first c are the strongest
      for (let e = this.first[p]; e < this.first[p] + c; e++) {
        to.push(this.to[e]);
        weight.push(this.weight[e]);
      }
    }
    return {
      window: this.opts.readWindow,
      popularity: 0,
      from: new Int32Array(0),
      fromItems: this.fitFrom.slice(),
      fromCounts: Int32Array.from(fromCounts),
      to: Int32Array.from(to),
      weight: Float32Array.from(weight),
    };
  }

  state(): RegressionState {
    const items: number[] = [];
    const counts: number[] = [];
    const to: number[] = [];
    const weight: number[] = [];
    for (const [p, row] of this.gram.sources()) {
      items.push(p);
      counts.push(row.size);
      for (const [x, v] of row) {
        to.push(x);
        weight.push(v);
      }
    }
    let n = this.counts.length;
    while (n > 0 && this.counts[n - 1] === 0) n--;
    return {
      opts: { ...this.opts },
      counts: this.counts.slice(0, n),
      gram: { items: Int32Array.from(items), counts: Int32Array.from(counts), to: Int32Array.from(to), weight: Float64Array.from(weight) },
      fit: { items: this.fitFrom.slice(), counts: this.fitCounts(), to: this.to.slice(), weight: this.weight.slice() },
      sinceFit: this.sinceFit,
      positives: this.positives,
      fitLambda: this.fitLambda,
      fitItems: this.fitItems,
      ...(this.opts.freshEvery > 0 ? { fresh: Int32Array.from(this.fresh), sinceFresh: this.sinceFresh } : {}),
    };
  }

  static fromState(s: RegressionState): ItemRegression {
    const r = new ItemRegression(s.opts);
    r.counts = new Float64Array(Math.max(1024, s.counts.length));
    r.counts.set(s.counts);
    let i = 0;
    s.gram.items.forEach((p, gi) => {
      for (let e = 0; e < s.gram.counts[gi]; e++, i++) r.gram.set(p, s.gram.to[i], s.gram.weight[i]);
    });
    r.setFit({ items: s.fit.items.slice(), counts: s.fit.counts.slice(), to: s.fit.to.slice(), weight: s.fit.weight.slice() });
    r.sinceFit = s.sinceFit;
    r.positives = s.positives;
    r.fitLambda = s.fitLambda;
    r.fitItems = s.fitItems;
    if (s.fresh) for (const x of s.fresh) r.fresh.add(x);
    r.sinceFresh = s.sinceFresh ?? 0;
    return r;
  }
}
