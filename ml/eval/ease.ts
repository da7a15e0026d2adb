/**
 * EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019) as a baseline of the protocol
 * (CONTRACT section 6), refit from time to time on every positive so far and read with the user's recent positives.
 */
import { spdInverse } from '../core/cholesky';
import type { PopularBaseline } from './baselines';

/** Settings of an `EaseBaseline`. */
export interface EaseOptions {
  /** L2 weight lambda of the closed form. Default 300. */
  lambda?: number;
  /** Refit each time this many new positives have arrived (every positive event counts, repeats too). Default 5000. */
  refitEvery?: number;
  /** How many of the user's most recent distinct positives are read, the k-th most recent weighted 1/k. Default 30. */
  history?: number;
  /**
   * Where the inverse is taken: `items` inverts the n x n Gram matrix X^T X + lambda I; `users` the m x m
   * X X^T + lambda I, through the Woodbury identity (X^T X + lambda I)^-1 = (I - X^T (X X^T + lambda I)^-1 X) / lambda
   * (the same P up to float rounding, far cheaper when there are fewer users than items); `auto` picks the one with
   * fewer operations. Default `auto`.
   */
  space?: 'auto' | 'items' | 'users';
  /**
   * The number of positives before the first `top` call, when the caller knows it (the protocol: half of them). A
   * refit whose model would be replaced by the next one before that is skipped: the lists are the same, the time is
   * saved. Default 0 (every refit runs).
   */
  firstQueryAt?: number;
}

/** One refit: its size and cost. */
export interface EaseFit {
  /** Positives seen when it ran. */
  positives: number;
  /** Items with a positive (the model's rows). */
  items: number;
  /** Users with a positive. */
  users: number;
  /** Distinct (user, item) pairs: the non-zeros of X. */
  nonZeros: number;
  space: 'items' | 'users';
  seconds: number;
}

/** Picks the space of the inverse: n^3 for the items, m^3 + m * nnz + nnz * n for the users (the Woodbury route). */
export function easeSpace(items: number, users: number, nonZeros: number): 'items' | 'users' {
  return items ** 3 <= users ** 3 + nonZeros * (users + items) ? 'items' : 'users';
}

/**
 * The EASE item-item model B of a binary user x item matrix X: P = (X^T X + lambda I)^-1, B = I - P diag(1 / diag P),
 * so B has a zero diagonal and B[p][x] = -P[p][x] / P[x][x]. `rows[u]` lists user u's items (distinct local indices
 * 0..n-1). Returns B as n x n row-major Float64Array.
 */
export function easeModel(rows: readonly ArrayLike<number>[], n: number, lambda: number, space: 'items' | 'users'): Float64Array {
  let p: Float64Array;
  if (space === 'items') {
    const g = new Float64Array(n * n);
    for (const r of rows) {
      for (let a = 0; a < r.length; a++) {
        const o = r[a] * n;
        for (let b = 0; b < r.length; b++) g[o + r[b]] += 1;
      }
    }
    for (let i = 0; i < n; i++) g[i * n + i] += lambda;
    p = spdInverse(g, n, { overwrite: true });
  } else {
    const m = rows.length;
    // users of each item (CSC of X)
    const colStart = new Int32Array(n + 1);
    for (const r of rows) for (let a = 0; a < r.length; a++) colStart[r[a] + 1]++;
    for (let i = 0; i < n; i++) colStart[i + 1] += colStart[i];
    const colUsers = new Int32Array(colStart[n]);
    const fill = colStart.slice(0, n);
    rows.forEach((r, u) => {
      for (let a = 0; a < r.length; a++) colUsers[fill[r[a]]++] = u;
    });
    // K = X X^T + lambda I, then its inverse
    const kk = new Float64Array(m * m);
    for (let i = 0; i < n; i++) {
      for (let a = colStart[i]; a < colStart[i + 1]; a++) {
        const o = colUsers[a] * m;
        for (let b = colStart[i]; b < colStart[i + 1]; b++) kk[o + colUsers[b]] += 1;
      }
    }
    for (let u = 0; u < m; u++) kk[u * m + u] += lambda;
    const kinv = spdInverse(kk, m, { overwrite: true });
    // Z = K^-1 X (m x n): column i of Z is the sum of K^-1's columns (= rows, it is symmetric) of i's users
    const zt = new Float64Array(n * m);
    for (let i = 0; i < n; i++) {
      const o = i * m;
      for (let a = colStart[i]; a < colStart[i + 1]; a++) {
        const q = colUsers[a] * m;
        for (let v = 0; v < m; v++) zt[o + v] += kinv[q + v];
      }
    }
    const z = new Float64Array(m * n);
    for (let i = 0; i < n; i++) for (let v = 0; v < m; v++) z[v * n + i] = zt[i * m + v];
    // P = (I - X^T Z) / lambda: row i subtracts the rows of Z of i's users
    p = new Float64Array(n * n);
    const inv = 1 / lambda;
    for (let i = 0; i < n; i++) {
      const o = i * n;
      for (let a = colStart[i]; a < colStart[i + 1]; a++) {
        const q = colUsers[a] * n;
        for (let x = 0; x < n; x++) p[o + x] -= z[q + x];
      }
      for (let x = 0; x < n; x++) p[o + x] *= inv;
      p[o + i] += inv;
    }
  }
  const scale = new Float64Array(n);
  for (let x = 0; x < n; x++) scale[x] = -1 / p[x * n + x];
  for (let i = 0; i < n; i++) {
    const o = i * n;
    for (let x = 0; x < n; x++) p[o + x] *= scale[x];
    p[o + i] = 0;
  }
  return p;
}

/**
 * The EASE baseline: every `refitEvery` positives, B is fitted (`easeModel`) on the binary matrix of every (user, item)
 * positive so far, restricted to the items with a positive. A user whose most recent distinct positives are
 * p_1..p_history scores x by s(x) = sum_k (1/k) B[p_k][x] (items unknown to B, those new since the refit, add nothing);
 * the list is the items with s(x) > 0, best first (ties to the lower index), leaving out the excluded ones, filled up
 * from `popular`. Before the first refit, and for a user none of whose recent items B knows, the list is `popular`'s.
 */
export class EaseBaseline {
  readonly lambda: number;
  readonly refitEvery: number;
  readonly history: number;
  readonly space: 'auto' | 'items' | 'users';
  readonly firstQueryAt: number;
  /** Every refit that ran, in order. */
  readonly fits: EaseFit[] = [];
  private readonly users = new Map<string, { items: number[]; has: Set<number> }>();
  private positives = 0;
  private b: Float64Array | null = null;
  private n = 0;
  /** Catalog index -> row of B (-1: unknown to B). */
  private localOf = new Int32Array(0);
  private globalOf = new Int32Array(0);
  private scores = new Float64Array(0);

  constructor(private readonly popular: PopularBaseline, o: EaseOptions = {}) {
    this.lambda = o.lambda ?? 300;
    this.refitEvery = Math.max(1, Math.floor(o.refitEvery ?? 5000));
    this.history = o.history ?? 30;
    this.space = o.space ?? 'auto';
    this.firstQueryAt = o.firstQueryAt ?? 0;
  }

  /** Records one positive of `userId` on catalog item `item`; refits when it completes a multiple of `refitEvery`. */
  add(userId: string, item: number): void {
    let u = this.users.get(userId);
    if (!u) this.users.set(userId, (u = { items: [], has: new Set() }));
    if (!u.has.has(item)) {
      u.has.add(item);
      u.items.push(item);
    }
    this.positives++;
    if (this.positives % this.refitEvery === 0 && this.positives + this.refitEvery > this.firstQueryAt) this.refit();
  }

  /** Fits B on every positive so far (normally called by `add`). */
  refit(): EaseFit {
    const t0 = Date.now();
    let maxItem = -1;
    for (const u of this.users.values()) for (const i of u.items) if (i > maxItem) maxItem = i;
    const localOf = new Int32Array(maxItem + 1).fill(-1);
    for (const u of this.users.values()) for (const i of u.items) localOf[i] = 0;
    let n = 0;
    for (let i = 0; i <= maxItem; i++) if (localOf[i] === 0) localOf[i] = n++;
    const globalOf = new Int32Array(n);
    for (let i = 0; i <= maxItem; i++) if (localOf[i] >= 0) globalOf[localOf[i]] = i;
    const rows: Int32Array[] = [];
    let nonZeros = 0;
    for (const u of this.users.values()) {
      rows.push(Int32Array.from(u.items, (i) => localOf[i]));
      nonZeros += u.items.length;
    }
    const space = this.space === 'auto' ? easeSpace(n, rows.length, nonZeros) : this.space;
    this.b = null; // let the old model go before the new one is built
    this.b = easeModel(rows, n, this.lambda, space);
    this.n = n;
    this.localOf = localOf;
    this.globalOf = globalOf;
    if (this.scores.length < n) this.scores = new Float64Array(n);
    const fit: EaseFit = { positives: this.positives, items: n, users: rows.length, nonZeros, space, seconds: (Date.now() - t0) / 1000 };
    this.fits.push(fit);
    return fit;
  }

  /** The top k for a user whose distinct positives, most recent first, are `recent`, leaving out `exclude`. */
  top(recent: ArrayLike<number>, k: number, exclude: ReadonlySet<number>): number[] {
    const b = this.b;
    if (!b) return this.popular.top(k, exclude);
    const n = this.n;
    const s = this.scores;
    s.fill(0, 0, n);
    let known = 0;
    const h = Math.min(this.history, recent.length);
    for (let r = 0; r < h; r++) {
      const g = recent[r];
      const l = g < this.localOf.length ? this.localOf[g] : -1;
      if (l < 0) continue;
      known++;
      const w = 1 / (r + 1);
      const o = l * n;
      for (let x = 0; x < n; x++) s[x] += w * b[o + x];
    }
    if (known === 0) return this.popular.top(k, exclude);
    // the k best with s > 0 (ties to the lower index), best first; exclusions checked only for contenders
    const idx: number[] = [];
    const val: number[] = [];
    for (let x = 0; x < n; x++) {
      const v = s[x];
      if (!(v > 0) || (idx.length === k && v <= val[k - 1])) continue;
      const g = this.globalOf[x];
      if (exclude.has(g)) continue;
      let at = idx.length;
      while (at > 0 && val[at - 1] < v) at--;
      idx.splice(at, 0, g);
      val.splice(at, 0, v);
      if (idx.length > k) {
        idx.pop();
        val.pop();
      }
    }
    return this.popular.top(k, exclude, idx);
  }
}
