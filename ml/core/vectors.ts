/** Dot-product top-k over precomputed item vectors (fp32 or int8), int8 quantization. */

export interface QuantizedVectors {
  dim: number;
  count: number;
  /** int8 codes, row-major. */
  codes: Int8Array;
  /** Per-row scale: value = code * scale. */
  scales: Float32Array;
}

/**
 * Symmetric int8 quantization of one row: writes codes[co..co+dim) = round(src[so + j] / s), clamped to [-127, 127],
 * with s = max |src row| / 127 (1 for an all-zero row), and returns s (stored as the row's float32 scale).
 */
export function quantizeRowInt8(src: Float32Array, so: number, dim: number, codes: Int8Array, co: number): number {
  let mx = 0;
  for (let j = 0; j < dim; j++) mx = Math.max(mx, Math.abs(src[so + j]));
  const s = mx > 0 ? mx / 127 : 1;
  for (let j = 0; j < dim; j++) {
    const c = roundHalfUp(src[so + j] / s);
    codes[co + j] = c > 127 ? 127 : c < -127 ? -127 : c;
  }
  return s;
}

/**
 * Math.round(y) (ties toward +Infinity; NaN stays NaN), by Math.floor, which V8 runs several times faster: floor(y +
 * 0.5) is one too high only when the sum rounded up to an integer (y just below a half-integer), and the check takes
 * that back.
 */
export function roundHalfUp(y: number): number {
  const c = Math.floor(y + 0.5);
  return c - 0.5 > y ? c - 1 : c;
}

/** Symmetric per-row int8 quantization (quantizeRowInt8 on every row). */
export function quantizeInt8(vectors: Float32Array, dim: number): QuantizedVectors {
  const count = Math.floor(vectors.length / dim);
  const codes = new Int8Array(count * dim);
  const scales = new Float32Array(count);
  for (let i = 0; i < count; i++) scales[i] = quantizeRowInt8(vectors, i * dim, dim, codes, i * dim);
  return { dim, count, codes, scales };
}

/** The transpose of row-major [rows x dim] vectors: dim x rows, row-major (a copy, in typed arrays). */
export function transposeRows(src: Float32Array, dim: number): Float32Array {
  const n = src.length / dim;
  const out = new Float32Array(src.length);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let j = 0; j < dim; j++) out[j * n + i] = src[o + j];
  }
  return out;
}

/**
 * The values an int8 copy of the vectors decodes to, dequantizeInt8(quantizeInt8(vectors, dim)), in one pass with one
 * row of codes (what a comparison of int8 and fp32 scores needs, without the codes of every row).
 */
export function int8RoundTrip(vectors: Float32Array, dim: number): Float32Array {
  const count = Math.floor(vectors.length / dim);
  const out = new Float32Array(count * dim);
  const codes = new Int8Array(dim);
  for (let i = 0; i < count; i++) {
    const o = i * dim;
    const s = Math.fround(quantizeRowInt8(vectors, o, dim, codes, 0));
    for (let j = 0; j < dim; j++) out[o + j] = codes[j] * s;
  }
  return out;
}

export function dequantizeInt8(q: QuantizedVectors): Float32Array {
  const out = new Float32Array(q.count * q.dim);
  for (let i = 0; i < q.count; i++) for (let j = 0; j < q.dim; j++) out[i * q.dim + j] = q.codes[i * q.dim + j] * q.scales[i];
  return out;
}

export interface TopKOptions {
  k: number;
  /** Item indices never returned (e.g. the user's past positives). */
  exclude?: ReadonlySet<number>;
  /** When given, only indices with allowed[i] truthy are returned. */
  allowed?: ArrayLike<boolean | number>;
}

export interface Scored {
  index: number;
  score: number;
}

/**
 * Keeps the k best (score, index) pairs, best first; an equal score ranks the lower index first, whatever the order
 * the pairs arrive in (so a scan in index order and a scan of candidates in any order agree).
 */
export class TopKHeap {
  readonly idx: Int32Array;
  readonly val: Float64Array;
  /** Pairs held (at most k). */
  size = 0;
  constructor(readonly k: number) {
    this.idx = new Int32Array(k);
    this.val = new Float64Array(k);
  }
  /** The score a new pair must beat (or equal, with a lower index) to enter: -Infinity until k pairs are held. */
  get threshold(): number {
    return this.size < this.k ? -Infinity : this.val[this.size - 1];
  }
  /** Offers index i with score s. */
  push(i: number, s: number): void {
    if (this.k === 0) return;
    if (this.size === this.k) {
      const last = this.val[this.size - 1];
      if (s < last || (s === last && i > this.idx[this.size - 1])) return;
    }
    let p = this.size < this.k ? this.size++ : this.size - 1;
    while (p > 0 && (this.val[p - 1] < s || (this.val[p - 1] === s && this.idx[p - 1] > i))) {
      this.val[p] = this.val[p - 1];
      this.idx[p] = this.idx[p - 1];
      p--;
    }
    this.val[p] = s;
    this.idx[p] = i;
  }
  /** The pairs held, best first. */
  result(): Scored[] {
    const out: Scored[] = [];
    for (let i = 0; i < this.size; i++) out.push({ index: this.idx[i], score: this.val[i] });
    return out;
  }
}

/**
 * Whether index i may be returned: allowed (when a mask is given) and not excluded. Asked only of the pairs that would
 * enter the heap (few after it fills), so a scan allocates nothing per call.
 */
function admits(i: number, o: TopKOptions): boolean {
  return (!o.allowed || !!o.allowed[i]) && !(o.exclude && o.exclude.has(i));
}

/**
 * u . rows[base..base+d) with four running sums (j mod 4) added pairwise, then the tail: every dot product of the
 * learning core and the serving layer uses this order, so all their scores of one item agree bit for bit. Four
 * independent sums let the CPU overlap the additions (a single running sum waits on each one).
 */
export function dotRowF32(u: Float32Array, rows: Float32Array, base: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    s0 += u[j] * rows[base + j];
    s1 += u[j + 1] * rows[base + j + 1];
    s2 += u[j + 2] * rows[base + j + 2];
    s3 += u[j + 3] * rows[base + j + 3];
  }
  let s = s0 + s1 + (s2 + s3);
  for (; j < d; j++) s += u[j] * rows[base + j];
  return s;
}

/** {@link dotRowF32} over int8 codes (the row's scale is applied by the caller). */
export function dotRowI8(u: Float32Array, codes: Int8Array, base: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    s0 += u[j] * codes[base + j];
    s1 += u[j + 1] * codes[base + j + 1];
    s2 += u[j + 2] * codes[base + j + 2];
    s3 += u[j + 3] * codes[base + j + 3];
  }
  let s = s0 + s1 + (s2 + s3);
  for (; j < d; j++) s += u[j] * codes[base + j];
  return s;
}

/** Top-k items by dot product of `user` with fp32 item vectors. */
export function topK(user: Float32Array, items: Float32Array, dim: number, o: TopKOptions): Scored[] {
  const n = Math.floor(items.length / dim);
  const heap = new TopKHeap(o.k);
  for (let i = 0, base = 0; i < n; i++, base += dim) {
    const s = dotRowF32(user, items, base, dim);
    if (s > heap.threshold && admits(i, o)) heap.push(i, s);
  }
  return heap.result();
}

/** Top-k items by dot product of `user` with int8 item vectors. */
export function topKInt8(user: Float32Array, q: QuantizedVectors, o: TopKOptions): Scored[] {
  const heap = new TopKHeap(o.k);
  const dim = q.dim;
  const codes = q.codes;
  for (let i = 0, base = 0; i < q.count; i++, base += dim) {
    const s = dotRowI8(user, codes, base, dim) * q.scales[i];
    if (s > heap.threshold && admits(i, o)) heap.push(i, s);
  }
  return heap.result();
}

/** Dot product of `user` with every fp32 item vector. */
export function dotAll(user: Float32Array, items: Float32Array, dim: number): Float32Array {
  const n = Math.floor(items.length / dim);
  const out = new Float32Array(n);
  for (let i = 0, base = 0; i < n; i++, base += dim) {
    out[i] = dotRowF32(user, items, base, dim);
  }
  return out;
}

/** Dot product of `user` with every int8 item vector. */
export function dotAllInt8(user: Float32Array, q: QuantizedVectors): Float32Array {
  const out = new Float32Array(q.count);
  const dim = q.dim;
  for (let i = 0, base = 0; i < q.count; i++, base += dim) {
    out[i] = dotRowI8(user, q.codes, base, dim) * q.scales[i];
  }
  return out;
}

/** Top-k of precomputed scores. */
export function topKOfScores(scores: ArrayLike<number>, o: TopKOptions): Scored[] {
  const n = scores.length;
  const heap = new TopKHeap(o.k);
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (s > heap.threshold && admits(i, o)) heap.push(i, s);
  }
  return heap.result();
}
