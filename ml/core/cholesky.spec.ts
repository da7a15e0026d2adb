import { choleskyInPlace, lowerInverseTransposed, NotPositiveDefiniteError, spdInverse, spdSolve } from './cholesky';
import { Rng } from './rng';

/** A random symmetric positive definite n x n matrix: M M^T / n + 0.5 I. */
function randomSpd(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const m = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += m[i * n + k] * m[j * n + k];
      a[i * n + j] = s / n + (i === j ? 0.5 : 0);
    }
  }
  return a;
}

function maxAbsOffIdentity(a: Float64Array, p: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * p[k * n + j];
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

describe('cholesky', () => {
  const A = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);

  it('factors a known matrix into its known lower factor, zeros above the diagonal', () => {
    const l = A.slice();
    choleskyInPlace(l, 3);
    expect(Array.from(l)).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
  });

  it('inverts a known matrix to its known inverse and leaves the input alone', () => {
    const p = spdInverse(A, 3);
    const known = [1777, -488, 76, -488, 136, -20, 76, -20, 4].map((x) => x / 36);
    p.forEach((x, i) => expect(x).toBeCloseTo(known[i], 10));
    expect(Array.from(A)).toEqual([4, 12, -16, 12, 37, -43, -16, -43, 98]);
  });

  it.each([1, 2, 5, 63, 64, 67, 130, 300])('inverts a random %i-row matrix across block and tile edges (A . A^-1 = I, symmetric)', (n) => {
    const a = randomSpd(n, n);
    const p = spdInverse(a, n);
    expect(maxAbsOffIdentity(a, p, n)).toBeLessThan(1e-9);
    let asymmetric = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (p[i * n + j] !== p[j * n + i]) asymmetric++;
    expect(asymmetric).toBe(0);
    // L L^T = A
    const l = a.slice();
    choleskyInPlace(l, n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k <= j; k++) s += l[i * n + k] * l[j * n + k];
        worst = Math.max(worst, Math.abs(s - a[i * n + j]));
      }
    }
    expect(worst).toBeLessThan(1e-10);
    // U = L^-T: upper triangular with L^T U = I
    const u = lowerInverseTransposed(l, n);
    let belowDiagonal = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (u[i * n + j] !== 0) belowDiagonal++;
    expect(belowDiagonal).toBe(0);
    let worstU = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += l[k * n + i] * u[k * n + j];
        worstU = Math.max(worstU, Math.abs(s - (i === j ? 1 : 0)));
      }
    }
    expect(worstU).toBeLessThan(1e-9);
  });

  it('overwrites the input with its inverse when asked', () => {
    const a = randomSpd(70, 9);
    const expected = spdInverse(a, 70);
    const p = spdInverse(a, 70, { overwrite: true });
    expect(p).toBe(a);
    expect(Array.from(p)).toEqual(Array.from(expected));
  });

  it('solves a x = b: a times the solution gives b back, for sizes off and on the block size', () => {
    for (const n of [1, 5, 64, 70]) {
      const a = randomSpd(n, 30 + n);
      const rng = new Rng(n);
      const b = Float64Array.from({ length: n }, () => rng.normal());
      const x = spdSolve(a.slice(), n, b.slice());
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
        expect(s).toBeCloseTo(b[i], 9);
      }
    }
    expect(() => spdSolve(Float64Array.from([1, 2, 2, 1]), 2, Float64Array.from([1, 1]))).toThrow(NotPositiveDefiniteError);
  });

  it('refuses a matrix that is not positive definite, naming the row', () => {
    const bad = Float64Array.from([1, 2, 2, 1]);
    expect(() => spdInverse(bad, 2)).toThrow(NotPositiveDefiniteError);
    try {
      choleskyInPlace(bad.slice(), 2);
    } catch (e) {
      expect((e as NotPositiveDefiniteError).row).toBe(1);
    }
    expect.assertions(2);
  });
});
