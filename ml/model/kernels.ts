/** Typed-array kernels shared by the training gather, the content bags' backward and the inference forward. */

/**
 * out[o..o+d) = init[io..io+d) (or 0) + sum over k in [k0, k1) of w[k] * src[off[k]..off[k]+d): eight columns at a
 * time, summed in registers, so each output element is stored once. The content bags' forward and backward both run on it.
 */
export function weightedRowSum(
  src: Float32Array,
  off: Int32Array,
  w: Float32Array,
  k0: number,
  k1: number,
  d: number,
  out: Float32Array,
  o: number,
  init: Float32Array | null,
  io: number,
): void {
  let j = 0;
  for (; j + 8 <= d; j += 8) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let a4 = 0;
    let a5 = 0;
    let a6 = 0;
    let a7 = 0;
    if (init) {
      const q = io + j;
      a0 = init[q];
      a1 = init[q + 1];
      a2 = init[q + 2];
      a3 = init[q + 3];
      a4 = init[q + 4];
      a5 = init[q + 5];
      a6 = init[q + 6];
      a7 = init[q + 7];
    }
    for (let k = k0; k < k1; k++) {
      const wk = w[k];
      const b = off[k] + j;
      a0 += wk * src[b];
      a1 += wk * src[b + 1];
      a2 += wk * src[b + 2];
      a3 += wk * src[b + 3];
      a4 += wk * src[b + 4];
      a5 += wk * src[b + 5];
      a6 += wk * src[b + 6];
      a7 += wk * src[b + 7];
    }
    const q = o + j;
    out[q] = a0;
    out[q + 1] = a1;
    out[q + 2] = a2;
    out[q + 3] = a3;
    out[q + 4] = a4;
    out[q + 5] = a5;
    out[q + 6] = a6;
    out[q + 7] = a7;
  }
  for (; j < d; j++) {
    let a = init ? init[io + j] : 0;
    for (let k = k0; k < k1; k++) a += w[k] * src[off[k] + j];
    out[o + j] = a;
  }
}

/** Dot product of a[ao..ao+n) and b[bo..bo+n). */
export function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += a[ao + j] * b[bo + j];
  return s;
}

