import { fromHalfBits, HALF_MAX, roundToHalf, toHalfBits } from './half';

describe('half-precision codes', () => {
  it('maps every half code to its value and back (NaN aside), and knows the ends of the range', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = fromHalfBits(h);
      if (Number.isNaN(v)) expect((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0).toBe(true);
      else expect(toHalfBits(v)).toBe(h);
    }
    expect(fromHalfBits(0x7bff)).toBe(HALF_MAX);
    expect(fromHalfBits(0x0001)).toBe(2 ** -24);
    expect(fromHalfBits(0x3c00)).toBe(1);
    expect(toHalfBits(70000)).toBe(0x7c00);
    expect(toHalfBits(-70000)).toBe(0xfc00);
    expect(toHalfBits(2 ** -26)).toBe(0);
  });

  it('rounds a float32 to the nearest half value, a tie to the even code', () => {
    // the finite non-negative half values in order, to find each value's neighbours
    const values = Array.from({ length: 0x7c00 }, (_, h) => fromHalfBits(h));
    let seed = 11;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let t = 0; t < 20000; t++) {
      const x = Math.fround(Math.exp((rnd() - 0.5) * 40) * (rnd() < 0.5 ? -1 : 1));
      const a = Math.abs(x);
      if (a > HALF_MAX) continue;
      let lo = 0;
      let hi = values.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (values[mid] <= a) lo = mid;
        else hi = mid;
      }
      const dl = a - values[lo];
      const dh = values[hi] - a;
      const want = dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi;
      expect(Math.abs(roundToHalf(x))).toBe(values[want]);
      // the sign is kept, on a zero too (-0)
      const r = roundToHalf(x);
      expect(r < 0 || Object.is(r, -0)).toBe(x < 0);
    }
    // exact ties: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10 (even: 1); 1 + 3 * 2^-11 between two (even: the upper)
    expect(roundToHalf(1 + 2 ** -11)).toBe(1);
    expect(roundToHalf(1 + 3 * 2 ** -11)).toBe(1 + 2 * 2 ** -10);
    // the largest half value rounds up to infinity past its halfway point
    expect(roundToHalf(65520)).toBe(Infinity);
    expect(roundToHalf(65519)).toBe(HALF_MAX);
  });
});
