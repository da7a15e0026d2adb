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


/**
 * C[r, c] += sum over t < inner of A[r, t] * B[t, c], for r < rows, c < cols (row-major, leading dimensions lda, ldb,
 * ldc, offsets ao, bo, co). Four rows by four columns at a time, the sixteen sums held in registers over the inner
 * loop (eight loads per sixteen products), each output element stored once per call.
 */
export function gemmAccumulate(
  A: Float32Array,
  ao: number,
  lda: number,
  B: Float32Array,
  bo: number,
  ldb: number,
  rows: number,
  inner: number,
  cols: number,
  C: Float32Array,
  co: number,
  ldc: number,
): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const a0 = ao + r * lda;
    const a1 = a0 + lda;
    const a2 = a1 + lda;
    const a3 = a2 + lda;
    const o0 = co + r * ldc;
    const o1 = o0 + ldc;
    const o2 = o1 + ldc;
    const o3 = o2 + ldc;
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let t = 0, b = bo + c; t < inner; t++, b += ldb) {
        const w0 = B[b];
        const w1 = B[b + 1];
        const w2 = B[b + 2];
        const w3 = B[b + 3];
        const x0 = A[a0 + t];
        const x1 = A[a1 + t];
        const x2 = A[a2 + t];
        const x3 = A[a3 + t];
        s00 += x0 * w0;
        s01 += x0 * w1;
        s02 += x0 * w2;
        s03 += x0 * w3;
        s10 += x1 * w0;
        s11 += x1 * w1;
        s12 += x1 * w2;
        s13 += x1 * w3;
        s20 += x2 * w0;
        s21 += x2 * w1;
        s22 += x2 * w2;
        s23 += x2 * w3;
        s30 += x3 * w0;
        s31 += x3 * w1;
        s32 += x3 * w2;
        s33 += x3 * w3;
      }
      C[o0 + c] += s00;
      C[o0 + c + 1] += s01;
      C[o0 + c + 2] += s02;
      C[o0 + c + 3] += s03;
      C[o1 + c] += s10;
      C[o1 + c + 1] += s11;
      C[o1 + c + 2] += s12;
      C[o1 + c + 3] += s13;
      C[o2 + c] += s20;
      C[o2 + c + 1] += s21;
      C[o2 + c + 2] += s22;
      C[o2 + c + 3] += s23;
      C[o3 + c] += s30;
      C[o3 + c + 1] += s31;
      C[o3 + c + 2] += s32;
      C[o3 + c + 3] += s33;
    }
    for (; c < cols; c++) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0, b = bo + c; t < inner; t++, b += ldb) {
        const w = B[b];
        s0 += A[a0 + t] * w;
        s1 += A[a1 + t] * w;
        s2 += A[a2 + t] * w;
        s3 += A[a3 + t] * w;
      }
      C[o0 + c] += s0;
      C[o1 + c] += s1;
      C[o2 + c] += s2;
      C[o3 + c] += s3;
    }
  }
  for (; r < rows; r++) {
    const a = ao + r * lda;
    const o = co + r * ldc;
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let t = 0, b = bo + c; t < inner; t++, b += ldb) s += A[a + t] * B[b];
      C[o + c] += s;
    }
  }
}
