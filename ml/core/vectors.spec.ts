import { dequantizeInt8, int8RoundTrip, quantizeInt8, quantizeRowInt8, roundHalfUp, transposeRows } from './vectors';
import { Rng } from './rng';

describe('roundHalfUp', () => {
  it('is Math.round on random values, half-integers and their neighbours one step either side', () => {
    const rng = new Rng(3);
    const ys: number[] = [0, -0, 0.5, -0.5, 1.5, -1.5, 126.5, -126.5, 127, -127, 1e-300, -1e-300, Infinity, -Infinity, NaN];
    for (let i = 0; i < 20_000; i++) ys.push((rng.next() - 0.5) * 300);
    // below and above each half-integer by one step of the doubles: floor(y + 0.5) alone is wrong on some of them
    const step = (y: number, dir: number): number => {
      const b = new Float64Array([y]);
      const w = new BigInt64Array(b.buffer);
      w[0] += BigInt(y > 0 === dir > 0 ? 1 : -1);
      return b[0];
    };
    for (let n = -130; n <= 130; n++) {
      const h = n + 0.5;
      ys.push(step(h, -1), step(h, 1), step(step(h, -1), -1));
    }
    ys.push(0.49999999999999994, -0.49999999999999994);
    let floorWrong = 0;
    for (const y of ys) {
      expect(Object.is(roundHalfUp(y), Math.round(y)) || (roundHalfUp(y) === 0 && Math.round(y) === 0)).toBe(true);
      if (Math.floor(y + 0.5) !== Math.round(y) && !Number.isNaN(y)) floorWrong++;
    }
    // the cases the check exists for are among them
    expect(floorWrong).toBeGreaterThan(0);
  });
});

describe('quantizeInt8', () => {
  it('codes each row as round(x / s), s = max |x| / 127, within [-127, 127], and decodes within half a step', () => {
    const rng = new Rng(5);
    const dim = 13;
    const v = new Float32Array(dim * 50).map(() => (rng.next() - 0.5) * 4);
    v.fill(0, 0, dim); // an all-zero row: scale 1
    const q = quantizeInt8(v, dim);
    expect(q.scales[0]).toBe(1);
    for (let i = 0; i < 50; i++) {
      let mx = 0;
      for (let j = 0; j < dim; j++) mx = Math.max(mx, Math.abs(v[i * dim + j]));
      const s = mx > 0 ? mx / 127 : 1;
      expect(q.scales[i]).toBe(Math.fround(s));
      for (let j = 0; j < dim; j++) {
        const c = q.codes[i * dim + j];
        expect(c).toBe(Math.round(v[i * dim + j] / s) || 0);
        expect(Math.abs(c)).toBeLessThanOrEqual(127);
        expect(Math.abs(c * s - v[i * dim + j])).toBeLessThanOrEqual(s / 2 + 1e-12);
      }
    }
    const codes = new Int8Array(dim);
    expect(quantizeRowInt8(v, 5 * dim, dim, codes, 0)).toBeCloseTo(q.scales[5], 6);
    expect(Array.from(codes)).toEqual(Array.from(q.codes.subarray(5 * dim, 6 * dim)));
  });
});

describe('int8RoundTrip', () => {
  it('is the decoded int8 copy, float for float, zero rows and extreme values included', () => {
    const rng = new Rng(9);
    const dim = 17;
    const v = new Float32Array(dim * 40).map(() => (rng.next() - 0.5) * 10);
    v.fill(0, dim, 2 * dim);
    v[3 * dim + 2] = 1e6;
    v[4 * dim] = -1e-30;
    const rt = int8RoundTrip(v, dim);
    expect(rt).toEqual(dequantizeInt8(quantizeInt8(v, dim)));
    expect(Array.from(rt.subarray(dim, 2 * dim))).toEqual(new Array(dim).fill(0));
  });
});

describe('transposeRows', () => {
  it('turns rows x dim into dim x rows', () => {
    const v = Float32Array.from({ length: 12 }, (_, i) => i);
    expect(Array.from(transposeRows(v, 3))).toEqual([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
    expect(Array.from(transposeRows(transposeRows(v, 3), 4))).toEqual(Array.from(v));
  });
});
