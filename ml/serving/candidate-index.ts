/**
 * Candidate index of the two-tower part for a large catalog: an inverted-file (IVF) index. A k-means coarse quantizer
 * splits the item vectors [v, bias] into lists; a query [u, 1] scores the list centroids, and only the members of the
 * `nprobe` best lists are scored (with the artifact's own rows, int8 or fp32). It is built where the artifact is built
 * (seeded, so the same vectors give the same index) and shipped in it; loading it is parsing.
 *
 * Items placed after the build (new products, or a product whose vector changed) join the list of their nearest
 * centroid; the list they left keeps a stale entry, skipped through `listOf`.
 */
import { Rng } from '../core/rng';

/** The serialised index. */
export interface CandidateIndexState {
  dim: number;
  lists: number;
  /** lists x dim centroids, row-major. */
  centroids: Float32Array;
  /** List l holds members[offsets[l] .. offsets[l + 1]). */
  offsets: Int32Array;
  /** Item indices grouped by list. */
  members: Int32Array;
}

export interface CandidateIndexOptions {
  /**
   * Number of lists; default round(sqrt(items) / 2), at least 1 (at 100k items: 158 lists, built in 2.6 s on a loaded
   * 2-core machine; sqrt(items) lists took 8 s for the same recall at twice the lists probed).
   */
  lists?: number;
  /** Lloyd iterations of the k-means; default 6. */
  iterations?: number;
  /** Vectors the k-means trains on (a seeded sample); default min(items, 32 * lists). */
  sample?: number;
  /** Default 17. */
  seed?: number;
}

/** a[ao..ao+n) . b[bo..bo+n), eight partial sums in registers (the k-means and list scoring: order does not matter). */
function dot8(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const p = ao + j;
    const q = bo + j;
    s0 += a[p] * b[q];
    s1 += a[p + 1] * b[q + 1];
    s2 += a[p + 2] * b[q + 2];
    s3 += a[p + 3] * b[q + 3];
    s4 += a[p + 4] * b[q + 4];
    s5 += a[p + 5] * b[q + 5];
    s6 += a[p + 6] * b[q + 6];
    s7 += a[p + 7] * b[q + 7];
  }
  for (; j < n; j++) s0 += a[ao + j] * b[bo + j];
  return s0 + s1 + (s2 + s3) + (s4 + s5 + (s6 + s7));
}

/** Index of the centroid nearest (L2) to x[xo..xo+dim): argmax of x . c - |c|^2 / 2. */
function nearest(C: Float32Array, half: Float64Array, lists: number, dim: number, x: Float32Array, xo: number): number {
  let best = 0;
  let bs = -Infinity;
  for (let l = 0, base = 0; l < lists; l++, base += dim) {
    const s = dot8(x, xo, C, base, dim) - half[l];
    if (s > bs) {
      bs = s;
      best = l;
    }
  }
  return best;
}

function halfNorms(C: Float32Array, lists: number, dim: number): Float64Array {
  const h = new Float64Array(lists);
  for (let l = 0; l < lists; l++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += C[l * dim + j] * C[l * dim + j];
    h[l] = s / 2;
  }
  return h;
}

/**
 * Builds the index over `count` fp32 vectors (row-major, width `dim`): k-means (Lloyd) on a seeded sample, then every
 * vector joins its nearest centroid's list. Cost about (sample x iterations + count) x lists x dim multiply-adds.
 */
export function buildCandidateIndex(vectors: Float32Array, dim: number, count: number, o: CandidateIndexOptions = {}): CandidateIndexState {
  const lists = Math.max(1, Math.min(count, o.lists ?? Math.round(Math.sqrt(count) / 2)));
  const iterations = o.iterations ?? 6;
  const rng = new Rng(o.seed ?? 17);
  const ns = Math.max(lists, Math.min(count, o.sample ?? 32 * lists));
  // a seeded sample without repeats (partial Fisher-Yates)
  const perm = new Int32Array(count);
  for (let i = 0; i < count; i++) perm[i] = i;
  for (let i = 0; i < ns; i++) {
    const j = i + rng.int(count - i);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const sample = perm.subarray(0, ns);
  const C = new Float32Array(lists * dim);
  for (let l = 0; l < lists; l++) C.set(vectors.subarray(sample[l] * dim, sample[l] * dim + dim), l * dim);
  const assign = new Int32Array(ns);
  const sums = new Float64Array(lists * dim);
  const sizes = new Int32Array(lists);
  for (let it = 0; it < iterations; it++) {
    const half = halfNorms(C, lists, dim);
    sums.fill(0);
    sizes.fill(0);
    for (let t = 0; t < ns; t++) {
      const x = sample[t] * dim;
      const l = nearest(C, half, lists, dim, vectors, x);
      assign[t] = l;
      sizes[l]++;
      for (let j = 0; j < dim; j++) sums[l * dim + j] += vectors[x + j];
    }
    for (let l = 0; l < lists; l++) {
      if (sizes[l] === 0) {
        // an empty list restarts from a random sample vector
        const x = sample[rng.int(ns)] * dim;
        C.set(vectors.subarray(x, x + dim), l * dim);
        continue;
      }
      for (let j = 0; j < dim; j++) C[l * dim + j] = sums[l * dim + j] / sizes[l];
    }
  }
  const half = halfNorms(C, lists, dim);
  const listOf = new Int32Array(count);
  const offsets = new Int32Array(lists + 1);
  for (let i = 0; i < count; i++) {
    const l = nearest(C, half, lists, dim, vectors, i * dim);
    listOf[i] = l;
    offsets[l + 1]++;
  }
  for (let l = 0; l < lists; l++) offsets[l + 1] += offsets[l];
  const pos = offsets.slice(0, lists);
  const members = new Int32Array(count);
  for (let i = 0; i < count; i++) members[pos[listOf[i]]++] = i;
  return { dim, lists, centroids: C, offsets, members };
}

/** The index at query time: scans the best lists for a query and places items added after the build. */
export class CandidateIndex {
  /** The list each item is in now (-1: not indexed). */
  private listOf: Int32Array;
  /** The list each item was built into (-1: placed after the build). */
  private builtIn: Int32Array;
  /** Items placed after the build, per list. */
  private readonly extra = new Map<number, number[]>();
  private readonly half: Float64Array;
  private readonly listScores: Float64Array;
  private readonly order: Int32Array;

  constructor(private readonly s: CandidateIndexState) {
    let n = 0;
    for (let t = 0; t < s.members.length; t++) n = Math.max(n, s.members[t] + 1);
    this.listOf = new Int32Array(Math.max(n, 16)).fill(-1);
    for (let l = 0; l < s.lists; l++) for (let t = s.offsets[l]; t < s.offsets[l + 1]; t++) this.listOf[s.members[t]] = l;
    this.builtIn = this.listOf.slice();
    this.half = halfNorms(s.centroids, s.lists, s.dim);
    this.listScores = new Float64Array(s.lists);
    this.order = new Int32Array(s.lists);
  }

  /** Number of lists. */
  get lists(): number {
    return this.s.lists;
  }

  /** The index as it is now (items placed since the build included), for saving. */
  snapshot(): CandidateIndexState {
    const { lists, dim, centroids } = this.s;
    const offsets = new Int32Array(lists + 1);
    let n = 0;
    for (let i = 0; i < this.listOf.length; i++) {
      if (this.listOf[i] < 0) continue;
      offsets[this.listOf[i] + 1]++;
      n++;
    }
    for (let l = 0; l < lists; l++) offsets[l + 1] += offsets[l];
    const pos = offsets.slice(0, lists);
    const members = new Int32Array(n);
    for (let i = 0; i < this.listOf.length; i++) if (this.listOf[i] >= 0) members[pos[this.listOf[i]]++] = i;
    return { dim, lists, centroids, offsets, members };
  }

  /** Puts item `item` (new, or with a changed vector x[xo..xo+dim)) in the list of its nearest centroid. */
  place(item: number, x: Float32Array, xo: number): void {
    const { centroids, lists, dim } = this.s;
    const l = nearest(centroids, this.half, lists, dim, x, xo);
    if (item >= this.listOf.length) {
      const n = Math.max(item + 1, this.listOf.length * 2);
      const grow = (a: Int32Array) => {
        const b = new Int32Array(n).fill(-1);
        b.set(a);
        return b;
      };
      this.listOf = grow(this.listOf);
      this.builtIn = grow(this.builtIn);
    }
    this.listOf[item] = l;
    // each item is visited once: through its build entry when it is back in that list, else through one extra entry
    if (this.builtIn[item] === l) return;
    let e = this.extra.get(l);
    if (!e) this.extra.set(l, (e = []));
    if (!e.includes(item)) e.push(item);
  }

  /**
   * Calls visit(item) for every member of the `nprobe` lists whose centroids score highest against the query
   * q (u . c), best list first.
   */
  scan(q: Float32Array, nprobe: number, visit: (item: number) => void): void {
    const { centroids, lists, dim, offsets, members } = this.s;
    const sc = this.listScores;
    const order = this.order;
    for (let l = 0, base = 0; l < lists; l++, base += dim) {
      sc[l] = dot8(q, 0, centroids, base, dim);
      order[l] = l;
    }
    const p = Math.min(lists, Math.max(1, nprobe));
    // partial selection of the p best lists (p is small against lists)
    for (let a = 0; a < p; a++) {
      let b = a;
      for (let c = a + 1; c < lists; c++) if (sc[order[c]] > sc[order[b]]) b = c;
      const t = order[a];
      order[a] = order[b];
      order[b] = t;
    }
    const listOf = this.listOf;
    for (let a = 0; a < p; a++) {
      const l = order[a];
      for (let t = offsets[l]; t < offsets[l + 1]; t++) {
        const i = members[t];
        if (listOf[i] === l) visit(i);
      }
      const e = this.extra.get(l);
      if (e) for (const i of e) if (listOf[i] === l) visit(i);
    }
  }
}
