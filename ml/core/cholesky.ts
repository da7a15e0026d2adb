/**
 * Cholesky factorisation and inverse of a symmetric positive definite matrix in Float64Arrays (row-major n x n), for
 * the closed-form fits tfjs has no inverse for (the EASE baseline's Gram matrix). Every O(n^3) part is a product of row
 * pieces, register-blocked (2 rows x 4 rows) and tiled along k so the rows in play stay in cache: a few-thousand-row
 * matrix inverts in seconds.
 */

/** Thrown when the matrix is not (numerically) positive definite. */
export class NotPositiveDefiniteError extends Error {
  constructor(readonly row: number, readonly pivot: number) {
    super(`matrix is not positive definite (pivot ${pivot} at row ${row})`);
    this.name = 'NotPositiveDefiniteError';
  }
}

/** Rows per block of the factorisation (the diagonal blocks are factored unblocked). */
const BLOCK = 64;
/** Length of the k tiles of the blocked products (two rows x 4 rows x 256 doubles stay in L1/L2). */
const K_TILE = 256;

/**
 * out[i][j] += alpha * sum_{k0 <= k < k1} x[i][k] * y[j][k] for i in [i0, i1), j in [j0, j1) (every pair of the
 * rectangle; all three n x n row-major, and they may be the same array when the written columns lie outside [k0, k1)).
 */
function rowDots(out: Float64Array, x: Float64Array, y: Float64Array, n: number, i0: number, i1: number, j0: number, j1: number, k0: number, k1: number, alpha: number): void {
  for (let kc = k0; kc < k1; kc += K_TILE) {
    const ke = Math.min(k1, kc + K_TILE);
    let i = i0;
    for (; i + 1 < i1; i += 2) {
      const r0 = i * n;
      const r1 = r0 + n;
      let j = j0;
      for (; j + 3 < j1; j += 4) {
        const q0 = j * n;
        const q1 = q0 + n;
        const q2 = q1 + n;
        const q3 = q2 + n;
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        for (let k = kc; k < ke; k++) {
          const a0 = x[r0 + k];
          const a1 = x[r1 + k];
          const b0 = y[q0 + k];
          const b1 = y[q1 + k];
          const b2 = y[q2 + k];
          const b3 = y[q3 + k];
          s00 += a0 * b0;
          s01 += a0 * b1;
          s02 += a0 * b2;
          s03 += a0 * b3;
          s10 += a1 * b0;
          s11 += a1 * b1;
          s12 += a1 * b2;
          s13 += a1 * b3;
        }
        out[r0 + j] += alpha * s00;
        out[r0 + j + 1] += alpha * s01;
        out[r0 + j + 2] += alpha * s02;
        out[r0 + j + 3] += alpha * s03;
        out[r1 + j] += alpha * s10;
        out[r1 + j + 1] += alpha * s11;
        out[r1 + j + 2] += alpha * s12;
        out[r1 + j + 3] += alpha * s13;
      }
      for (; j < j1; j++) {
        const q = j * n;
        let s0 = 0, s1 = 0;
        for (let k = kc; k < ke; k++) {
          const b = y[q + k];
          s0 += x[r0 + k] * b;
          s1 += x[r1 + k] * b;
        }
        out[r0 + j] += alpha * s0;
        out[r1 + j] += alpha * s1;
      }
    }
    if (i < i1) {
      const r = i * n;
      for (let j = j0; j < j1; j++) {
        const q = j * n;
        let s = 0;
        for (let k = kc; k < ke; k++) s += x[r + k] * y[q + k];
        out[r + j] += alpha * s;
      }
    }
  }
}

/**
 * Factors the symmetric positive definite n x n row-major `a` in place into its lower Cholesky factor L (a = L L^T):
 * L in the lower triangle, zeros above the diagonal. Only the lower triangle of `a` is read. Blocked left-looking by
 * rows (`BLOCK` rows at a time): the bulk of the work is `rowDots` of row prefixes. Throws
 * `NotPositiveDefiniteError` when a pivot is not positive.
 */
export function choleskyInPlace(a: Float64Array, n: number): void {
  if (a.length < n * n) throw new RangeError(`cholesky: ${a.length} values for a ${n} x ${n} matrix`);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    // the block row's columns left of the diagonal block, one block column at a time
    for (let j0 = 0; j0 < i0; j0 += BLOCK) {
      const j1 = Math.min(i0, j0 + BLOCK);
      rowDots(a, a, a, n, i0, i1, j0, j1, 0, j0, -1);
      for (let i = i0; i < i1; i++) {
        const r = i * n;
        for (let j = j0; j < j1; j++) {
          const q = j * n;
          let s = a[r + j];
          for (let k = j0; k < j; k++) s -= a[r + k] * a[q + k];
          a[r + j] = s / a[q + j];
        }
      }
    }
    // the diagonal block (its upper half gets scratch values, zeroed at the end)
    rowDots(a, a, a, n, i0, i1, i0, i1, 0, i0, -1);
    for (let i = i0; i < i1; i++) {
      const r = i * n;
      for (let j = i0; j <= i; j++) {
        const q = j * n;
        let s = a[r + j];
        for (let k = i0; k < j; k++) s -= a[r + k] * a[q + k];
        if (j < i) a[r + j] = s / a[q + j];
        else {
          if (!(s > 0)) throw new NotPositiveDefiniteError(i, s);
          a[r + i] = Math.sqrt(s);
        }
      }
    }
  }
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
}

/**
 * U = L^-T (upper triangular, row-major, zeros below the diagonal) of a lower Cholesky factor L: row t of U is the
 * solution u of L u = e_t. Blocked by `BLOCK` columns of U: the contributions of the columns left of a block come as
 * one `rowDots` (rows of U against rows of L), then the block's own columns are substituted in order.
 */
export function lowerInverseTransposed(l: Float64Array, n: number, out = new Float64Array(n * n)): Float64Array {
  out.fill(0, 0, n * n);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    // row t of U is zero left of t: the products of a block of rows start at its first row
    for (let t0 = 0; t0 < i0; t0 += BLOCK) rowDots(out, out, l, n, t0, Math.min(i0, t0 + BLOCK), i0, i1, t0, i0, -1);
    for (let t = 0; t < i1; t++) {
      const x = t * n;
      for (let i = Math.max(i0, t); i < i1; i++) {
        const r = i * n;
        let s = out[x + i] + (i === t ? 1 : 0);
        for (let k = Math.max(i0, t); k < i; k++) s -= l[r + k] * out[x + k];
        out[x + i] = s / l[r + i];
      }
    }
  }
  return out;
}

/** Options of `spdInverse`. */
export interface SpdInverseOptions {
  /** Use `a`'s own buffer for the factor and the result (saves one n x n array; `a` is then the inverse). Default false. */
  overwrite?: boolean;
}

/**
 * The inverse of the symmetric positive definite n x n row-major matrix `a` (only its lower triangle is read), as a
 * full symmetric n x n row-major Float64Array: a = L L^T, U = L^-T, a^-1 = U U^T (each entry a dot of two rows of U,
 * computed blocked for the lower triangle and mirrored). About n^3 floating-point operations in all.
 */
export function spdInverse(a: Float64Array, n: number, o: SpdInverseOptions = {}): Float64Array {
  const l = o.overwrite ? a : a.slice(0, n * n);
  choleskyInPlace(l, n);
  const u = lowerInverseTransposed(l, n);
  const p = l;
  p.fill(0, 0, n * n);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    // row i of U is zero left of i: every product of the block row starts at k = i0
    for (let j0 = 0; j0 <= i0; j0 += BLOCK) rowDots(p, u, u, n, i0, i1, j0, Math.min(n, j0 + BLOCK), i0, n, 1);
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) p[i * n + j] = p[j * n + i];
  return p;
}

/**
 * Solves a x = b for a symmetric positive definite n x n row-major `a` (overwritten by its Cholesky factor) and
 * returns x (in `b`, overwritten). For the small systems of local regressions; throws `NotPositiveDefiniteError`.
 */
export function spdSolve(a: Float64Array, n: number, b: Float64Array): Float64Array {
  choleskyInPlace(a, n);
  // L y = b
  for (let i = 0; i < n; i++) {
    const r = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= a[r + k] * b[k];
    b[i] = s / a[r + i];
  }
  // L^T x = y
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= a[k * n + i] * b[k];
    b[i] = s / a[i * n + i];
  }
  return b;
}
